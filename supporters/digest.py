"""The coordinators' messages by the calendar: the weekly digest and the month-end stipend reminder.

Both carry counts only (``notify/messages.py`` ``COUNT_KEYS``), never a person, a resident or a
need, and are written in each coordinator's language. Each is queued with a ``dedupe_key`` per
week or month, so the calendar (``jobs/schedule.py``) may run them again after a crash without
sending twice.

What the digest counts (``now`` is when it runs):

- ``unfilled``: requests nobody accepted, still to come;
- ``late``: new or offered requests starting within ``LATE_WITHIN`` with no supporter yet;
- ``unconfirmed``: assignments in the coming week the supporter has not confirmed;
- ``certifications_due``: applicants who attended their cohort's required hours;
- ``continuation_due``: questions of the latest continuation check nobody answered yet, of
  supporters still certified;
- ``idle_supporters``: certified for at least ``IDLE_AFTER_DAYS`` with no case logged and no
  assignment since then;
- ``uncovered_municipalities`` / ``uncovered_languages``: municipalities and languages in a gap
  cell of the coverage analysis (``coverage/analysis.py``) for the last three months.
"""

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select

from supporters.clock import JST
from supporters.extensions import db
from supporters.models import (
    Activity,
    ContinuationCheck,
    HelpRequest,
    MonthStatus,
    RequestStatus,
    Role,
    StipendMonth,
    Supporter,
    SupporterStatus,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
    User,
)

LATE_WITHIN = timedelta(hours=72)
UNCONFIRMED_WITHIN = timedelta(days=7)
COVERAGE_MONTHS = 3
DASHBOARD_LINK = "/dashboard/"


def coordinators() -> list[User]:
    """Who gets the calendar's messages: the active coordinators, or the admins if none."""
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_([Role.COORDINATOR, Role.ADMIN]))
            .order_by(User.id)
        )
    )
    return [u for u in staff if u.role == Role.COORDINATOR] or staff


# --- The weekly digest ---------------------------------------------------------------------------


def digest_counts(now: datetime) -> dict[str, int]:
    """Every figure of the digest at ``now`` (a fixed number of queries)."""
    today = now.astimezone(JST).date()
    return {
        "unfilled": _requests(
            HelpRequest.status == RequestStatus.UNFILLED, HelpRequest.starts_at > now
        ),
        "late": _requests(
            HelpRequest.status.in_([RequestStatus.NEW, RequestStatus.OFFERED]),
            HelpRequest.starts_at > now,
            HelpRequest.starts_at <= now + LATE_WITHIN,
        ),
        "unconfirmed": _requests(
            HelpRequest.status == RequestStatus.ASSIGNED,
            HelpRequest.confirmed_at.is_(None),
            HelpRequest.starts_at > now,
            HelpRequest.starts_at <= now + UNCONFIRMED_WITHIN,
        ),
        "certifications_due": _ready_to_certify(),
        "continuation_due": _continuation_unanswered(),
        "idle_supporters": _idle_supporters(now, today),
        **_without_cover(today),
    }


def send_weekly_digest(now: datetime) -> dict:
    """Queue this week's digest to each coordinator (once per ISO week); returns the counts."""
    from supporters.notify.service import notify_users

    counts = digest_counts(now)
    year, week, _day = now.astimezone(JST).date().isocalendar()
    notify_users(
        coordinators(), "weekly_digest", DASHBOARD_LINK, counts, f"digest:{year}-W{week:02d}"
    )
    db.session.flush()
    return counts


def idle_after_days() -> int:
    """Days without a case after which a certified supporter counts as idle (default 90)."""
    return int(current_app.config.get("IDLE_AFTER_DAYS", 90))


def _requests(*conditions) -> int:
    return db.session.scalar(select(func.count(HelpRequest.id)).where(*conditions))


def _ready_to_certify() -> int:
    """Applicants whose hours in their cohort's sessions reach the cohort's requirement."""
    attended = (
        select(
            TrainingAttendance.supporter_id,
            TrainingSession.cohort_id,
            func.sum(TrainingAttendance.hours_attended).label("hours"),
        )
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .group_by(TrainingAttendance.supporter_id, TrainingSession.cohort_id)
        .subquery()
    )
    return db.session.scalar(
        select(func.count(Supporter.id))
        .join(TrainingCohort, TrainingCohort.name == Supporter.training_cohort)
        .join(
            attended,
            (attended.c.supporter_id == Supporter.id) & (attended.c.cohort_id == TrainingCohort.id),
        )
        .where(
            Supporter.status == SupporterStatus.APPLICANT,
            # SQLite sums tenths as floats: 29.999… must still reach 30.
            func.round(attended.c.hours, 1) >= TrainingCohort.required_hours,
        )
    )


def _continuation_unanswered() -> int:
    """Unanswered questions of the latest continuation check, of supporters still certified."""
    latest = select(func.max(ContinuationCheck.fiscal_year)).scalar_subquery()
    return db.session.scalar(
        select(func.count(ContinuationCheck.id))
        .join(Supporter, Supporter.id == ContinuationCheck.supporter_id)
        .where(
            ContinuationCheck.fiscal_year == latest,
            ContinuationCheck.answer.is_(None),
            Supporter.status == SupporterStatus.CERTIFIED,
        )
    )


def _idle_supporters(now: datetime, today: date) -> int:
    """Certified supporters with no case and no assignment for ``IDLE_AFTER_DAYS``."""
    since = today - timedelta(days=idle_after_days())
    since_at = now - timedelta(days=idle_after_days())
    logged = exists().where(Activity.supporter_id == Supporter.id, Activity.happened_on > since)
    assigned = exists().where(
        HelpRequest.assigned_supporter_id == Supporter.id, HelpRequest.starts_at > since_at
    )
    return db.session.scalar(
        select(func.count(Supporter.id)).where(
            Supporter.status == SupporterStatus.CERTIFIED,
            Supporter.certified_on <= since,
            ~logged,
            ~assigned,
        )
    )


def _without_cover(today: date) -> dict[str, int]:
    """Municipalities and languages that appear in a gap of the coverage analysis."""
    from supporters.coverage.analysis import coverage_matrix
    from supporters.stipends.months import months_before

    month = today.replace(day=1)
    gaps = coverage_matrix(None, months_before(month, COVERAGE_MONTHS - 1), month).gaps()
    return {
        "uncovered_municipalities": len({cell.municipality_code for cell in gaps}),
        "uncovered_languages": len({cell.language_code for cell in gaps}),
    }


# --- Month end: close last month's stipends -------------------------------------------------------


def remind_to_close_stipends(now: datetime) -> dict:
    """On the 1st, remind the coordinators to close last month's stipends if nobody has."""
    from supporters.notify.service import notify_users
    from supporters.stipends.months import month_text, months_before

    last_month = months_before(now.astimezone(JST).date().replace(day=1), 1)
    status = db.session.scalar(select(StipendMonth.status).where(StipendMonth.month == last_month))
    if status == MonthStatus.CLOSED:
        return {"month": month_text(last_month), "reminded": False}
    text = month_text(last_month)
    notify_users(
        coordinators(),
        "stipends_to_close",
        f"/stipends/{text}",
        {"month": text},
        f"stipends:{text}",
    )
    db.session.flush()
    return {"month": text, "reminded": True}
