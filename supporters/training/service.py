"""Training writes and figures: cohorts, sessions, hours attended, and hours still missing.

A cohort's roster is every supporter whose ``training_cohort`` names it. Nothing here commits:
the request (or the CLI) commits once.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from supporters.audit import record
from supporters.extensions import db
from supporters.models import (
    Supporter,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
    User,
)
from supporters.refusals import Refused, refuse_if

ZERO = Decimal("0")
# The registry's "Training cohort" box takes at most 30 characters, so a longer cohort name
# could never be given to a supporter.
COHORT_NAME_MAX = 30
NOTES_MAX = 2000
TITLE_MAX = 200
REQUIRED_HOURS_MAX = Decimal("500")
SESSION_HOURS = (Decimal("0.5"), Decimal("24"))


@dataclass(frozen=True)
class CohortDraft:
    """What a coordinator enters for a new cohort (``None`` where nothing was entered)."""

    name: str
    starts_on: date | None
    ends_on: date | None
    required_hours: Decimal | None
    notes: str = ""


@dataclass(frozen=True)
class SessionDraft:
    """What a coordinator enters for a new session of a cohort."""

    held_on: date | None
    title: str
    hours: Decimal | None


def _hours_problem(value: Decimal | None, low, high, missing):
    """The message for an hours figure that is missing or outside ``low``–``high``, else None."""
    if value is None:
        return missing
    if not Decimal(low) <= value <= Decimal(high):
        return _l("Enter a number of hours from %(min)s to %(max)s.", min=low, max=high)
    return None


@dataclass(frozen=True)
class TrainingProgress:
    """A trainee's hours attended in their cohort against the hours it requires."""

    cohort: TrainingCohort
    attended: Decimal
    required: Decimal

    @property
    def missing(self) -> Decimal:
        """Hours still to attend before certification (never negative)."""
        return max(self.required - self.attended, ZERO)

    @property
    def complete(self) -> bool:
        return self.missing == ZERO


def check_cohort(draft: CohortDraft) -> dict[str, object]:
    """What is wrong with ``draft``, by field (empty when it can be saved)."""
    name = (draft.name or "").strip()
    problems: dict[str, object] = {}
    if not name:
        problems["name"] = _l("Enter a name, like 2026 spring.")
    elif len(name) > COHORT_NAME_MAX:
        problems["name"] = _l("At most %(max)d characters.", max=COHORT_NAME_MAX)
    else:
        taken = db.session.scalar(
            select(TrainingCohort.id).where(func.lower(TrainingCohort.name) == name.lower())
        )
        if taken is not None:
            problems["name"] = _l("A cohort with this name already exists.")
    for field in ("starts_on", "ends_on"):
        if getattr(draft, field) is None:
            problems[field] = _l("Enter a valid date.")
    if not problems.keys() & {"starts_on", "ends_on"} and draft.ends_on < draft.starts_on:
        problems["ends_on"] = _l("The last day cannot be before the first day.")
    problems["required_hours"] = _hours_problem(
        draft.required_hours, 0, REQUIRED_HOURS_MAX, _l("Enter the hours required (0 if none).")
    )
    if len(draft.notes or "") > NOTES_MAX:
        problems["notes"] = _l("At most %(max)d characters.", max=NOTES_MAX)
    return {field: message for field, message in problems.items() if message}


def create_cohort(draft: CohortDraft, by: User | None) -> TrainingCohort:
    """Create a cohort; its name must be free and its dates in order (else :class:`Refused`)."""
    refuse_if(check_cohort(draft))
    cohort = TrainingCohort(
        name=draft.name.strip(),
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        required_hours=draft.required_hours,
        notes=draft.notes,
    )
    db.session.add(cohort)
    db.session.flush()
    record("create_training_cohort", cohort, detail=cohort.name, user=by)
    return cohort


def check_session(cohort: TrainingCohort, draft: SessionDraft) -> dict[str, object]:
    """What is wrong with a new session of ``cohort``, by field."""
    title = (draft.title or "").strip()
    problems: dict[str, object] = {}
    if draft.held_on is None:
        problems["held_on"] = _l("Enter a valid date.")
    elif not cohort.starts_on <= draft.held_on <= cohort.ends_on:
        problems["held_on"] = _l(
            "Choose a date within the cohort, from %(start)s to %(end)s.",
            start=cohort.starts_on.isoformat(),
            end=cohort.ends_on.isoformat(),
        )
    if not title:
        problems["title"] = _l("Enter a title, like Interpreting ethics.")
    elif len(title) > TITLE_MAX:
        problems["title"] = _l("At most %(max)d characters.", max=TITLE_MAX)
    problems["hours"] = _hours_problem(
        draft.hours, *SESSION_HOURS, _l("Enter how many hours the session lasted.")
    )
    return {field: message for field, message in problems.items() if message}


def add_session(cohort: TrainingCohort, draft: SessionDraft, by: User | None) -> TrainingSession:
    """Add a session to a cohort; it must fall within the cohort's dates and last 0.5–24 hours."""
    refuse_if(check_session(cohort, draft))
    title = draft.title.strip()
    session = TrainingSession(cohort=cohort, held_on=draft.held_on, title=title, hours=draft.hours)
    db.session.add(session)
    db.session.flush()
    record("add_training_session", session, detail=f"{cohort.name}: {title}", user=by)
    return session


def roster(cohort: TrainingCohort) -> list[Supporter]:
    """The cohort's trainees: supporters whose training cohort is this one, by name."""
    return list(
        db.session.scalars(
            select(Supporter)
            .where(Supporter.training_cohort == cohort.name)
            .order_by(Supporter.display_name, Supporter.id)
        )
    )


def roster_sizes() -> dict[str, int]:
    """How many supporters name each cohort, by cohort name."""
    rows = db.session.execute(
        select(Supporter.training_cohort, func.count())
        .where(Supporter.training_cohort != "")
        .group_by(Supporter.training_cohort)
    )
    return {name: count for name, count in rows}


def session_attendance(session: TrainingSession) -> dict[int, Decimal]:
    """Hours attended of one session, by supporter id (only those recorded)."""
    return {row.supporter_id: row.hours_attended for row in session.attendance}


def record_attendance(
    session: TrainingSession, hours: dict[int, Decimal | None], by: User | None
) -> int:
    """Save the attendance sheet of a session: hours per trainee; ``None`` clears a trainee's row.

    Every trainee must be on the cohort's roster and every figure between 0 and the session's
    hours; otherwise nothing is saved (a figure's refusal names the sheet's box,
    ``hours-<supporter id>``). Returns how many rows were added, changed or cleared.
    """
    allowed = {s.id for s in roster(session.cohort)}
    if set(hours) - allowed:
        raise Refused(_l("Attendance can only be recorded for the cohort's trainees."))
    refuse_if(
        {
            f"hours-{supporter_id}": _hours_problem(value, 0, session.hours, None)
            for supporter_id, value in hours.items()
            if value is not None
        }
    )
    existing = {row.supporter_id: row for row in session.attendance}
    changed = 0
    for supporter_id, value in hours.items():
        row = existing.get(supporter_id)
        if value is None:
            if row is not None:
                session.attendance.remove(row)
                changed += 1
        elif row is None:
            session.attendance.append(
                TrainingAttendance(
                    supporter_id=supporter_id,
                    hours_attended=value,
                    recorded_by_id=by.id if by else None,
                )
            )
            changed += 1
        elif row.hours_attended != value:
            row.hours_attended = value
            row.recorded_by_id = by.id if by else None
            changed += 1
    db.session.flush()
    record("record_training_attendance", session, detail=f"{changed} changed", user=by)
    return changed


def hours_attended(cohort: TrainingCohort) -> dict[int, Decimal]:
    """Each trainee's total hours attended in the cohort's sessions, by supporter id."""
    rows = db.session.execute(
        select(TrainingAttendance.supporter_id, func.sum(TrainingAttendance.hours_attended))
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .where(TrainingSession.cohort_id == cohort.id)
        .group_by(TrainingAttendance.supporter_id)
    )
    return {supporter_id: tenths(total) for supporter_id, total in rows}


def tenths(value) -> Decimal:
    """A figure of hours as a Decimal to one place (SQLite sums come back as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def cohort_of(supporter: Supporter) -> TrainingCohort | None:
    """The cohort a supporter trains (or trained) in, if the name matches one on record."""
    if not supporter.training_cohort:
        return None
    return db.session.scalar(
        select(TrainingCohort).where(TrainingCohort.name == supporter.training_cohort)
    )


def progress_of(supporter: Supporter) -> TrainingProgress | None:
    """Hours attended against required, or ``None`` when the supporter has no cohort on record."""
    cohort = cohort_of(supporter)
    if cohort is None:
        return None
    attended = hours_attended(cohort).get(supporter.id, ZERO)
    return TrainingProgress(cohort=cohort, attended=attended, required=cohort.required_hours)
