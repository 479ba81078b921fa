"""API: a month's stipend lines and totals, and closing the month (coordinators and admins)."""

from datetime import date

from flask_login import current_user
from marshmallow import Schema, fields

from supporters.access import coordinator_required
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.common import ErrorSchema
from supporters.api.errors import refused
from supporters.models import MonthStatus
from supporters.refusals import Refused
from supporters.stipends import close, queries
from supporters.stipends.months import current_month, month_text

# --- JSON shapes (parse types only; the rules are the service's) ---


class StipendTotalsSchema(Schema):
    regular_count = fields.Integer()
    regular_yen = fields.Integer()
    adjustment_yen = fields.Integer()
    paid_yen = fields.Integer()
    total_yen = fields.Integer()
    pending_yen = fields.Integer()


class StipendPreviewSchema(Schema):
    count = fields.Integer()
    total_yen = fields.Integer()


class StipendLineSchema(Schema):
    id = fields.Integer()
    supporter_id = fields.Integer()
    supporter_name = fields.String()
    kind = fields.String()
    amount_yen = fields.Integer()
    concerns_month = fields.String(allow_none=True)
    reason = fields.String()
    paid = fields.Boolean()


class StipendMonthSchema(Schema):
    month = fields.String(metadata={"example": "2026-10"})
    status = fields.String(metadata={"description": "open, closed or reopened"})
    over = fields.Boolean(metadata={"description": "Whether the month has ended (can be closed)."})
    totals = fields.Nested(StipendTotalsSchema)
    preview = fields.Nested(
        StipendPreviewSchema,
        allow_none=True,
        metadata={"description": "What closing would write, while the month is open."},
    )
    lines = fields.List(fields.Nested(StipendLineSchema))


class CloseResultSchema(Schema):
    month = fields.String()
    lines_added = fields.Integer()
    already_closed = fields.Boolean()
    reclosed = fields.Boolean()
    unbacked = fields.List(fields.Integer())


bp = protected_blueprint(
    "api_stipends",
    "Monthly stipends. A month can be closed once it is over; closing is "
    "idempotent and locks the month's case log.",
)


@bp.get("/stipends/<month:month>")
@coordinator_required
@bp.response(200, StipendMonthSchema)
def get_month(month: date):
    """A month (``YYYY-MM``): status, totals, lines, and what a close would write."""
    record = queries.month_record(month)
    is_open = record is None or record.status == MonthStatus.REOPENED
    totals = queries.totals_by_month(month, month).get(month, queries.MonthTotals())
    preview = queries.preview(month) if is_open else None
    return {
        "month": month_text(month),
        "status": record.status.value if record is not None else "open",
        "over": month < current_month(),
        "totals": {
            "regular_count": totals.regular_count,
            "regular_yen": totals.regular_yen,
            "adjustment_yen": totals.adjustment_yen,
            "paid_yen": totals.paid_yen,
            "total_yen": totals.total_yen,
            "pending_yen": totals.pending_yen,
        },
        "preview": ({"count": preview.count, "total_yen": preview.total_yen} if preview else None),
        "lines": [present.stipend_line(line, name) for line, name in queries.month_lines(month)],
    }


@bp.post("/stipends/<month:month>/close")
@coordinator_required
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the month is not over yet, or cannot be closed now.",
)
@bp.response(200, CloseResultSchema)
def close_month(month: date):
    """Close a month that is over: one line per eligible supporter. 409 while it is running."""
    try:
        result = close.close_month(month, current_user)
    except Refused as refusal:
        refused(refusal)
    return {
        "month": month_text(month),
        "lines_added": result.lines_added,
        "already_closed": result.already_closed,
        "reclosed": result.reclosed,
        "unbacked": result.unbacked,
    }
