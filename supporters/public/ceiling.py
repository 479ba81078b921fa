"""The residents' form, counted per Japan-time day: its ceiling, its traps, and the alert.

``PUBLIC_DAILY_CEILING`` requests are stored per day at most. The place is taken by a conditional
UPDATE in the transaction that stores the request, so a race for the last one has one winner.
When the ceiling is reached the coordinators are told, once that day (a conditional UPDATE of
``alerted_at`` decides who sends it), in the app and by e-mail. Residents past the ceiling are not
stored: they are told their request was not sent and given the programme's phone number
(docs/decisions.md). Nothing here commits.
"""

from flask import current_app, url_for
from sqlalchemy import select, update

from supporters import audit
from supporters.clock import today_jst, utcnow
from supporters.extensions import db
from supporters.models import PublicFormDay, Role, User
from supporters.notify import notify_users
from supporters.schema import insert_unless_present

ALERT_KIND = "public_form_ceiling"


def ceiling() -> int:
    """Requests the form may store per day (0 = no ceiling)."""
    return max(int(current_app.config.get("PUBLIC_DAILY_CEILING") or 0), 0)


def _today():
    """Today's row exists (created by whichever request comes first); return today's date."""
    day = today_jst()
    values = {"counted_on": day, "stored": 0, "trapped": 0, "refused": 0}
    db.session.execute(insert_unless_present(PublicFormDay, values, ["programme_id", "counted_on"]))
    return day


def _add(column, day) -> int:
    """Raise one of today's counters by one; the number of rows changed (1)."""
    statement = (
        update(PublicFormDay)
        .where(PublicFormDay.counted_on == day)
        .values({column: column + 1})
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount


def today() -> PublicFormDay | None:
    """Today's counts, if the form has been used today."""
    statement = select(PublicFormDay).where(PublicFormDay.counted_on == today_jst())
    # The counters move by UPDATE statements: always read the row as the database has it.
    return db.session.scalar(statement.execution_options(populate_existing=True))


def is_full() -> bool:
    """Whether today's ceiling has been reached (the form then asks residents to phone)."""
    row = today()
    return bool(ceiling()) and row is not None and row.stored >= ceiling()


def claim_place() -> bool:
    """Take one of today's places for a request about to be stored; False when none is left.

    Call it in the transaction that stores the request: if that rolls back, so does the place.
    """
    day, limit = _today(), ceiling()
    statement = update(PublicFormDay).where(PublicFormDay.counted_on == day)
    if limit:
        statement = statement.where(PublicFormDay.stored < limit)
    statement = statement.values(stored=PublicFormDay.stored + 1).execution_options(
        synchronize_session=False
    )
    if db.session.execute(statement).rowcount != 1:
        return False
    if limit and today().stored >= limit:
        alert_coordinators()  # this request took the last place
    return True


def count_refusal() -> None:
    """A resident was turned away by the ceiling: count it, and make sure coordinators know."""
    _add(PublicFormDay.refused, _today())
    alert_coordinators()


def count_trap(reason: str, network: str) -> None:
    """A submission was taken for a bot: count it and note why (a code) and from which network."""
    _add(PublicFormDay.trapped, _today())
    audit.record("public_form_trapped", today(), detail=f"{reason} {network}")


def alert_coordinators() -> bool:
    """Tell every active coordinator that today's ceiling was reached — once a day; True if now."""
    day = _today()
    statement = (
        update(PublicFormDay)
        .where(PublicFormDay.counted_on == day, PublicFormDay.alerted_at.is_(None))
        .values(alerted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(statement).rowcount != 1:
        return False  # someone else already told them today
    coordinators = db.session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.id)
    )
    notify_users(coordinators, ALERT_KIND, url_for("help_requests.index"))
    audit.record("public_form_ceiling_alert", today(), detail=f"ceiling={ceiling()}")
    return True
