"""Adjustments: signed stipend lines entered by hand, with a reason (nothing is edited in place).

A missed month paid later is +2,000 yen booked in the month it is paid, concerning the month it
was missed; a line paid in error is corrected with a negative adjustment.
"""

from datetime import date

from flask_babel import lazy_gettext as _l

from supporters import audit
from supporters.extensions import db
from supporters.models import StipendLine, StipendLineKind, Supporter, User
from supporters.stipends.close import CloseError
from supporters.stipends.months import month_text
from supporters.stipends.settings import MAX_AMOUNT_YEN


def add_adjustment(
    supporter: Supporter,
    month: date,
    concerns_month: date,
    amount_yen: int,
    reason: str,
    by: User | None,
) -> StipendLine:
    """Book a signed adjustment for ``supporter`` in ``month``, correcting ``concerns_month``."""
    reason = (reason or "").strip()
    if amount_yen == 0 or abs(amount_yen) > MAX_AMOUNT_YEN:
        raise CloseError(
            _l(
                "Enter a non-zero amount between -%(max)s and %(max)s yen.",
                max=f"{MAX_AMOUNT_YEN:,}",
            ),
            "amount_yen",
        )
    if len(reason) < 5:
        raise CloseError(_l("Say why (at least 5 characters)."), "reason")
    if concerns_month > month:
        raise CloseError(
            _l("An adjustment cannot concern a month after the one it is booked in."),
            "concerns_month",
        )
    line = StipendLine(
        supporter_id=supporter.id,
        month=month.replace(day=1),
        kind=StipendLineKind.ADJUSTMENT,
        amount_yen=amount_yen,
        concerns_month=concerns_month.replace(day=1),
        reason=reason,
        created_by_id=by.id if by else None,
    )
    db.session.add(line)
    db.session.flush()
    audit.record(
        "stipend_adjustment",
        line,
        f"{month_text(month)} {amount_yen:+d} ({month_text(concerns_month)}): {reason}",
        user=by,
    )
    return line
