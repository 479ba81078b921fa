"""API: a month's stipend lines and totals, and closing the month (coordinators and admins)."""

from datetime import date

from flask_login import current_user

from supporters.access import coordinator_required
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.errors import refused
from supporters.api.schemas import CloseResultSchema, StipendMonthSchema
from supporters.models import MonthStatus
from supporters.stipends import close, queries
from supporters.stipends.months import current_month, month_text

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
@bp.response(200, CloseResultSchema)
def close_month(month: date):
    """Close a month that is over: one line per eligible supporter. 409 while it is running."""
    try:
        result = close.close_month(month, current_user)
    except close.CloseError as error:
        refused(error)
    return {
        "month": month_text(month),
        "lines_added": result.lines_added,
        "already_closed": result.already_closed,
        "reclosed": result.reclosed,
        "unbacked": result.unbacked,
    }
