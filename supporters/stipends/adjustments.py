"""Adjustments: signed stipend lines entered by hand, with a reason (nothing is edited in place).

A missed month paid later is +2,000 yen booked in the month it is paid, concerning the month it
was missed; a line paid in error is corrected with a negative adjustment.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from supporters import audit
from supporters.extensions import db
from supporters.models import StipendLine, StipendLineKind, Supporter, User
from supporters.refusals import refuse_if
from supporters.stipends.close import REASON_MAX, REASON_MIN
from supporters.stipends.months import month_text
from supporters.stipends.settings import MAX_AMOUNT_YEN


@dataclass(frozen=True)
class AdjustmentDraft:
    """An adjustment as a coordinator enters it (``None`` where nothing was entered)."""

    supporter_id: int | None
    concerns_month: date | None
    amount_yen: int | None
    reason: str


def check_adjustment(month: date, draft: AdjustmentDraft) -> dict[str, object]:
    """What is wrong with an adjustment booked in ``month``, by field."""
    problems: dict[str, object] = {}
    supporter = db.session.get(Supporter, draft.supporter_id) if draft.supporter_id else None
    if supporter is None or supporter.certified_on is None:  # only the once-certified are paid
        problems["supporter_id"] = _l("Choose from the list.")
    if draft.concerns_month is None:
        problems["concerns_month"] = _l("Enter a month as YYYY-MM, e.g. 2025-04.")
    elif draft.concerns_month > month:
        problems["concerns_month"] = _l(
            "An adjustment cannot concern a month after the one it is booked in."
        )
    if draft.amount_yen == 0:
        problems["amount_yen"] = _l("An adjustment cannot be zero.")
    elif draft.amount_yen is None or abs(draft.amount_yen) > MAX_AMOUNT_YEN:
        problems["amount_yen"] = _l(
            "Enter a non-zero amount between -%(max)s and %(max)s yen.", max=f"{MAX_AMOUNT_YEN:,}"
        )
    reason = (draft.reason or "").strip()
    if len(reason) < REASON_MIN:
        problems["reason"] = _l("Say why (at least 5 characters).")
    elif len(reason) > REASON_MAX:
        problems["reason"] = _l("At most %(max)d characters.", max=REASON_MAX)
    return problems


def add_adjustment(month: date, draft: AdjustmentDraft, by: User | None) -> StipendLine:
    """Book a signed adjustment in ``month`` for the draft's supporter and month it corrects."""
    refuse_if(check_adjustment(month, draft))
    reason, concerns_month, amount_yen = (
        draft.reason.strip(),
        draft.concerns_month,
        draft.amount_yen,
    )
    line = StipendLine(
        supporter_id=draft.supporter_id,
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
