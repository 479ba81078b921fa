"""The training cohorts the sample supporters came from, with sessions and attendance.

Through ``training.service`` (create_cohort, add_session, record_attendance). Each cohort's
course runs in the eight weeks before its certifications begin (``people.COHORT_WINDOWS``), so
every certified supporter attended at least the hours required before their certificate. The
applicants' cohort has a second run this autumn that they are still attending: some have the
hours, some do not yet, and its last session is still ahead — the certification page then shows
both. Idempotent: a cohort that exists is left as it is.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from supporters.demo.people import APPLICANT_COHORT, COHORT_WINDOWS
from supporters.extensions import db
from supporters.models import Supporter, SupporterStatus, TrainingCohort, User
from supporters.training.service import (
    CohortDraft,
    SessionDraft,
    add_session,
    create_cohort,
    record_attendance,
)

SESSION_HOURS = Decimal("3.0")
REQUIRED_HOURS = Decimal("12.0")
COURSE = (  # titles of the course's sessions, one a week or two
    "Orientation: the supporter programme (sample)",
    "Interpreting ethics and confidentiality (sample)",
    "Accompanying at hospitals and city offices (sample)",
    "Labour, childcare and daily-life consultation (sample)",
    "Easy Japanese and disaster information (sample)",
)
# The applicants' second run: Saturdays this autumn; the last one is still to come.
SECOND_RUN = (date(2026, 9, 12), date(2026, 9, 26), date(2026, 10, 17), date(2026, 11, 7),
              date(2026, 12, 5))  # fmt: skip
SAMPLE_NOTE = "Sample cohort (demo data)."


def _course_start(window_start: date) -> date:
    return window_start - timedelta(weeks=8)


def _attendance(rng: random.Random, full: bool) -> Decimal:
    if full or rng.random() < 0.8:
        return SESSION_HOURS
    return rng.choice((Decimal("0.0"), Decimal("1.5"), Decimal("2.0")))


def seed_training(coordinator: User | None, today: date, seed: int = 2024) -> int:
    """Create the missing cohorts with their sessions and attendance; returns how many."""
    rng = random.Random(seed)
    existing = set(db.session.scalars(select(TrainingCohort.name)))
    added = 0
    for name, start, end, _weight in COHORT_WINDOWS:
        if name in existing:
            continue
        applicants = name == APPLICANT_COHORT
        cohort = create_cohort(
            CohortDraft(
                name=name,
                starts_on=_course_start(start),
                ends_on=max(end, SECOND_RUN[-1]) if applicants else end,
                required_hours=REQUIRED_HOURS,
                notes=SAMPLE_NOTE,
            ),
            coordinator,
        )
        trainees = list(
            db.session.scalars(
                select(Supporter)
                .where(Supporter.training_cohort == name, Supporter.is_sample.is_(True))
                .order_by(Supporter.id)
            )
        )
        certified = [s for s in trainees if s.status != SupporterStatus.APPLICANT]
        waiting = [s for s in trainees if s.status == SupporterStatus.APPLICANT]
        first_day = _course_start(start)
        # Five sessions of three hours for twelve required: one may be missed in part.
        missed = {s.id: rng.randrange(len(COURSE)) for s in certified}
        for i, title in enumerate(COURSE):
            held_on = first_day + timedelta(days=12 * i)
            session = add_session(cohort, SessionDraft(held_on, title, SESSION_HOURS), coordinator)
            sheet = {s.id: _attendance(rng, missed[s.id] != i) for s in certified}
            record_attendance(session, sheet, coordinator)
        if applicants:
            for i, held_on in enumerate(SECOND_RUN):
                title = COURSE[i % len(COURSE)]
                session = add_session(
                    cohort, SessionDraft(held_on, title, SESSION_HOURS), coordinator
                )
                if held_on < today:
                    sheet = {s.id: _attendance(rng, rng.random() < 0.5) for s in waiting}
                    record_attendance(session, sheet, coordinator)
        added += 1
    db.session.flush()
    return added
