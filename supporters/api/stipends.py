"""API: a month's stipend lines and totals, and closing the month (coordinators and admins).

A close follows the console's rule (``stipends/close.py``): ``GET /stipends/<month>/close``
shows who will be paid how much, who cannot be paid and why, how many case logs get locked, and
the preview's ``token``; ``POST /stipends/<month>/close`` with ``{"confirm": token}`` closes the
month only while that preview still holds (409 ``preview_missing`` / ``preview_stale`` else).
"""

from datetime import date

from flask_login import current_user
from marshmallow import Schema, fields, validate

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


class ClosePreviewRowSchema(Schema):
    supporter_id = fields.Integer()
    supporter_name = fields.String()
    amount_yen = fields.Integer()
    masked_number = fields.String(
        allow_none=True, metadata={"description": "The account's last digits; null without one."}
    )
    problem = fields.String(
        allow_none=True,
        metadata={
            "description": "Why a transfer cannot pay them: ``no_bank_details`` or "
            "``holder_not_kana``; null when it can."
        },
    )


class ClosePreviewSchema(Schema):
    """What closing the month would do; ``token`` is what ``POST …/close`` confirms."""

    month = fields.String(metadata={"example": "2026-10"})
    status = fields.String(metadata={"description": "open, closed or reopened"})
    token = fields.String(
        allow_none=True,
        metadata={"description": "The preview's fingerprint to confirm; null once closed."},
    )
    count = fields.Integer(metadata={"description": "Lines the close writes."})
    total_yen = fields.Integer()
    paid_yen = fields.Integer(metadata={"description": "Of which a transfer can pay."})
    locked_logs = fields.Integer(metadata={"description": "The month's case logs it locks."})
    paid = fields.List(fields.Nested(ClosePreviewRowSchema))
    unpayable = fields.List(fields.Nested(ClosePreviewRowSchema))


class CloseInSchema(Schema):
    confirm = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "The ``token`` of ``GET /stipends/{month}/close``."},
    )


class CloseResultSchema(Schema):
    month = fields.String()
    lines_added = fields.Integer()
    already_closed = fields.Boolean()
    reclosed = fields.Boolean()
    unbacked = fields.List(fields.Integer())


bp = protected_blueprint(
    "api_stipends",
    "Monthly stipends. A month can be closed once it is over, after its preview: closing "
    "confirms the preview's token, is idempotent and locks the month's case log.",
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


@bp.get("/stipends/<month:month>/close")
@coordinator_required
@bp.alt_response(409, schema=ErrorSchema, description="``conflict``: the month is not over yet.")
@bp.response(200, ClosePreviewSchema)
def close_preview(month: date):
    """What closing a month would do: who is paid, who cannot be and why, what gets locked."""
    try:
        close.check_month_over(month)
    except Refused as refusal:
        refused(refusal)
    record = queries.month_record(month)
    status = record.status.value if record is not None else "open"
    if record is not None and record.status == MonthStatus.CLOSED:
        preview, token = close.ClosePreview(month), None
    else:
        preview = close.close_preview(month, never_closed=record is None)
        token = preview.token
    return {
        "month": month_text(month),
        "status": status,
        "token": token,
        "count": preview.count,
        "total_yen": preview.total_yen,
        "paid_yen": preview.paid_yen,
        "locked_logs": preview.locked_logs,
        "paid": [_preview_row(row) for row in preview.paid],
        "unpayable": [_preview_row(row) for row in preview.unpayable],
    }


def _preview_row(row: close.PreviewRow) -> dict:
    return {
        "supporter_id": row.supporter_id,
        "supporter_name": row.name,
        "amount_yen": row.amount_yen,
        "masked_number": row.masked_number or None,
        "problem": row.problem or None,
    }


@bp.post("/stipends/<month:month>/close")
@coordinator_required
@bp.arguments(CloseInSchema, required=False)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the month is not over yet; ``preview_missing``: no ``confirm`` "
    "token; ``preview_stale``: who is paid, their bank details or the month's case logs "
    "changed since the preview (read it again). Nothing is closed then.",
)
@bp.response(200, CloseResultSchema)
def close_month(data, month: date):
    """Close a month that is over, confirming its preview: one line per eligible supporter.

    A closed month answers ``already_closed`` without a token (nothing changes).
    """
    try:
        result = close.confirm_close(month, data["confirm"], True, current_user)
    except Refused as refusal:
        refused(refusal)
    return {
        "month": month_text(month),
        "lines_added": result.lines_added,
        "already_closed": result.already_closed,
        "reclosed": result.reclosed,
        "unbacked": result.unbacked,
    }
