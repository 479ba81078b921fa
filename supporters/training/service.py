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

ZERO = Decimal("0")


class TrainingError(Exception):
    """A training write refused, with a message fit to show (and the field it belongs to)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CohortDraft:
    """What a coordinator enters for a new cohort."""

    name: str
    starts_on: date
    ends_on: date
    required_hours: Decimal
    notes: str = ""


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


def create_cohort(draft: CohortDraft, by: User | None) -> TrainingCohort:
    """Create a cohort; its name must be free and its dates in order."""
    if draft.ends_on < draft.starts_on:
        raise TrainingError(_l("The last day cannot be before the first day."), "ends_on")
    taken = db.session.scalar(
        select(TrainingCohort.id).where(func.lower(TrainingCohort.name) == draft.name.lower())
    )
    if taken is not None:
        raise TrainingError(_l("A cohort with this name already exists."), "name")
    cohort = TrainingCohort(
        name=draft.name,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        required_hours=draft.required_hours,
        notes=draft.notes,
    )
    db.session.add(cohort)
    db.session.flush()
    record("create_training_cohort", cohort, detail=cohort.name, user=by)
    return cohort


def add_session(
    cohort: TrainingCohort, held_on: date, title: str, hours: Decimal, by: User | None
) -> TrainingSession:
    """Add a session to a cohort; it must fall within the cohort's dates and last 0.5–24 hours."""
    if not cohort.starts_on <= held_on <= cohort.ends_on:
        raise TrainingError(
            _l(
                "Choose a date within the cohort, from %(start)s to %(end)s.",
                start=cohort.starts_on.isoformat(),
                end=cohort.ends_on.isoformat(),
            ),
            "held_on",
        )
    session = TrainingSession(cohort=cohort, held_on=held_on, title=title, hours=hours)
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
    hours; otherwise nothing is saved. Returns how many rows were added, changed or cleared.
    """
    allowed = {s.id for s in roster(session.cohort)}
    strangers = set(hours) - allowed
    if strangers:
        raise TrainingError(_l("Attendance can only be recorded for the cohort's trainees."))
    for value in hours.values():
        if value is not None and not ZERO <= value <= session.hours:
            raise TrainingError(
                _l("Hours attended must be between 0 and %(hours)s.", hours=session.hours)
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
