"""The coordinators' calendar messages: the weekly digest counts what needs them, in each
coordinator's language, once a week; on the 1st they are reminded to close last month's
stipends unless someone already has. Counts only: no person is named."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from supporters import digest
from supporters.clock import JST, today_jst, utcnow
from supporters.continuation.service import answer, start_check
from supporters.help_requests import confirmation, offers
from supporters.jobs.schedule import run_due
from supporters.models import (
    Activity,
    ActivityCategory,
    ContinuationAnswer,
    ContinuationCheck,
    Mode,
    MonthStatus,
    Notification,
    OutboxMessage,
    RequestStatus,
    StipendMonth,
    StipendRuleKind,
    TrainingAttendance,
    TrainingCohort,
    TrainingSession,
)
from supporters.tenancy import get_keyed


def _messages(db, kind):
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


@pytest.fixture
def programme(db, make_supporter, make_request, make_user):
    """A programme with one of each thing the digest counts (and one of each it must not)."""
    coordinator = make_user("coordinator")
    lan = make_supporter(name="Nguyễn Lan", email="lan@example.jp")
    hung = make_supporter(name="Hung", email="hung@example.jp")
    make_supporter(name="Minh", email="minh@example.jp")  # certified, nothing since: idle

    # Requests: three unfilled (two in Nepali, which nobody speaks: a coverage gap in Koga), one
    # new starting in two days (late), one new in four days (not yet late), two assignments in
    # three days, one of them confirmed.
    for language in ("ne", "ne", "vi"):
        make_request(language=language, days_ahead=6).status = RequestStatus.UNFILLED
    make_request(days_ahead=2)
    make_request(days_ahead=4)
    for supporter in (lan, hung):
        request = make_request(days_ahead=3)
        (offer,) = offers.send_offers(request, [supporter.id], coordinator)
        offers.accept(offer.id, supporter.id, None)
    confirmation.confirm(request.id, hung.id, None)

    # Hung logged a case ten days ago: not idle (Lan has an assignment coming: not idle either).
    db.session.add(
        Activity(
            supporter_id=hung.id,
            happened_on=today_jst() - timedelta(days=10),
            duration_minutes=60,
            category=ActivityCategory.GOVERNMENT_OFFICE,
            mode=Mode.IN_PERSON,
            municipality_code="08204",
            language_code="vi",
            client_token="hung-case-1",
        )
    )

    # Training: Kim attended all 30 hours (ready to certify), Lee half of them.
    cohort = TrainingCohort(
        name="2026-1",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 10, 31),
        required_hours=Decimal("30"),
    )
    db.session.add(cohort)
    sessions = [
        TrainingSession(cohort=cohort, held_on=date(2026, 9, d), title="Day", hours=Decimal("15"))
        for d in (5, 12)
    ]
    db.session.add_all(sessions)
    kim = make_supporter(name="Kim", status="applicant", training_cohort="2026-1")
    lee = make_supporter(name="Lee", status="applicant", training_cohort="2026-1")
    for session, who in ((sessions[0], kim), (sessions[1], kim), (sessions[0], lee)):
        db.session.add(
            TrainingAttendance(session=session, supporter_id=who.id, hours_attended=Decimal("15"))
        )

    # Continuation: the three certified supporters asked, Hung answered.
    start_check(2026, None)
    db.session.flush()
    hung_check = db.session.scalars(
        select(ContinuationCheck).where(ContinuationCheck.supporter_id == hung.id)
    ).one()
    answer(hung_check, ContinuationAnswer.CONTINUE, "", None)
    db.session.commit()
    return coordinator


def test_the_digest_counts_what_needs_the_coordinators(db, programme):
    assert digest.digest_counts(utcnow()) == {
        "unfilled": 3,
        "late": 1,
        "unconfirmed": 1,
        "certifications_due": 1,
        "continuation_due": 2,
        "idle_supporters": 1,
        "uncovered_municipalities": 1,
        "uncovered_languages": 1,
    }


def test_each_coordinator_reads_the_digest_in_their_language_once_a_week(
    app, db, programme, make_user
):
    programme.locale = "en"
    other = make_user("coordinator", email="coordinator2@example.jp")
    other.locale = "ja"
    db.session.commit()
    monday = datetime(2026, 11, 30, 8, 5, tzinfo=JST)

    digest.send_weekly_digest(monday)
    db.session.commit()
    digest.send_weekly_digest(monday + timedelta(hours=3))  # again in the same week: nothing
    db.session.commit()

    sent = {m.recipient: m for m in _messages(db, "weekly_digest")}
    assert set(sent) == {"coordinator@example.jp", "coordinator2@example.jp"}
    english, japanese = sent["coordinator@example.jp"], sent["coordinator2@example.jp"]
    assert english.params["unfilled"] == 3 and english.link == "/dashboard/"
    assert "Unfilled requests: 3" in english.body
    assert "Certified supporters without a case for 90 days: 1" in english.body
    assert english.body.count("\n") > 8  # every figure on its own line
    with app.test_request_context(), force_locale("ja"):
        unfilled_ja = gettext("Unfilled requests")
    assert unfilled_ja != "Unfilled requests" and f"{unfilled_ja}: 3" in japanese.body
    for name in ("Nguyễn", "Hung", "Minh", "Kim", "Phạm"):  # counts only, never a person
        assert name not in english.body and name not in japanese.body

    digest.send_weekly_digest(monday + timedelta(days=7))  # next week: a new digest
    db.session.commit()
    assert len(_messages(db, "weekly_digest")) == 4
    assert (
        db.session.scalar(select(Notification.link).where(Notification.kind == "weekly_digest"))
        == "/dashboard/"
    )


def test_the_digest_goes_out_on_monday_at_eight_japan_time(db, make_user):
    make_user("coordinator")
    sunday_utc = datetime(2026, 11, 29, 22, 59, tzinfo=UTC)  # Monday 07:59 in Japan
    assert not [r for r in run_due(sunday_utc) if r.startswith("weekly_digest")]
    assert _messages(db, "weekly_digest") == []
    ran = run_due(sunday_utc + timedelta(minutes=1))  # Monday 08:00 JST, still Sunday in UTC
    assert "weekly_digest 2026-W49" in ran
    assert len(_messages(db, "weekly_digest")) == 1
    assert not [r for r in run_due(sunday_utc + timedelta(hours=5)) if "weekly_digest" in r]
    assert len(_messages(db, "weekly_digest")) == 1


def _close(db, month):
    db.session.add(
        StipendMonth(
            month=month,
            status=MonthStatus.CLOSED,
            rule_kind=next(iter(StipendRuleKind)),
            amount_yen=0,
        )
    )
    db.session.commit()


def test_on_the_first_coordinators_are_reminded_to_close_last_month(db, make_user):
    make_user("coordinator")
    make_user("official")  # not someone who closes stipends
    first = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    assert digest.remind_to_close_stipends(first) == {"month": "2026-11", "reminded": True}
    db.session.commit()
    digest.remind_to_close_stipends(first + timedelta(hours=1))  # again: nothing more
    db.session.commit()
    (message,) = _messages(db, "stipends_to_close")
    assert message.recipient == "coordinator@example.jp"
    assert message.link == "/stipends/2026-11" and message.params == {"month": "2026-11"}
    assert "2026-11" in message.body


def test_no_reminder_when_last_month_is_closed_and_the_year_turns(db, make_user):
    make_user("coordinator")
    _close(db, date(2026, 12, 1))
    new_year = datetime(2027, 1, 1, 9, 0, tzinfo=JST)  # still 31 December in UTC
    assert digest.remind_to_close_stipends(new_year)["reminded"] is False
    db.session.commit()
    assert _messages(db, "stipends_to_close") == []
    # A month re-opened is not closed: the reminder goes.
    reopened = get_keyed(StipendMonth, date(2026, 12, 1))
    reopened.status = MonthStatus.REOPENED
    db.session.commit()
    assert digest.remind_to_close_stipends(new_year)["month"] == "2026-12"
    db.session.commit()
    assert len(_messages(db, "stipends_to_close")) == 1


def test_the_month_end_reminder_runs_by_the_calendar_on_the_first_at_nine(db, make_user):
    make_user("coordinator")
    eve = datetime(2026, 12, 1, 8, 59, tzinfo=JST)
    assert not [r for r in run_due(eve) if r.startswith("stipend_close_reminder")]
    assert "stipend_close_reminder 2026-12" in run_due(eve + timedelta(minutes=1))
    assert len(_messages(db, "stipends_to_close")) == 1
