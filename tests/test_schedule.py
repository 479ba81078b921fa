"""The calendar of scheduled work: periods and due times in Japan time (across a month and a
year), each job once per period however often the worker looks, a run left unfinished by a
dead worker taken over once it is stale, and a failing job on the dead-letter list once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from supporters.clock import JST
from supporters.jobs import schedule
from supporters.jobs.schedule import Scheduled, current_slot, run_due
from supporters.models import JobFailure, ScheduledRun


@pytest.mark.parametrize(
    ("spec", "now", "period", "due_jst"),
    [
        # Saturday 28 November 2026, 10:00 in Japan.
        ("daily 03:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "2026-11-28", (11, 28, 3)),
        ("weekly mon 08:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "2026-W48", (11, 23, 8)),
        ("monthly 1 09:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "2026-11", (11, 1, 9)),
        ("yearly 04-01 09:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "2026", (4, 1, 9)),
        # 30 November 15:00 UTC is already 1 December in Japan: December's period.
        ("monthly 1 09:00", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "2026-12", (12, 1, 9)),
        ("daily 03:00", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "2026-12-01", (12, 1, 3)),
    ],
)
def test_periods_and_due_times_are_japan_time(spec, now, period, due_jst):
    slot = current_slot(spec, now)
    month, day, hour = due_jst
    assert slot.period == period
    assert slot.due_at == datetime(now.astimezone(JST).year, month, day, hour, tzinfo=JST)


def test_the_year_turns_in_japan_nine_hours_before_utc():
    eve_utc = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 1 January 2027, 00:30 in Japan
    assert current_slot("daily 03:00", eve_utc).period == "2027-01-01"
    assert current_slot("monthly 1 09:00", eve_utc).period == "2027-01"
    assert current_slot("yearly 04-01 09:00", eve_utc).period == "2027"
    # ISO weeks: Friday 1 January 2027 is in week 53 of 2026, whose Monday is 28 December.
    week = current_slot("weekly mon 08:00", eve_utc)
    assert week.period == "2026-W53"
    assert week.due_at == datetime(2026, 12, 28, 8, tzinfo=JST)
    assert current_slot("monthly 1 09:00", eve_utc).due_at == datetime(2027, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("spec", ["weekly 08:00", "hourly 08:00", "weekly mo 08:00", "daily"])
def test_a_schedule_that_is_not_one_is_refused(spec):
    with pytest.raises(ValueError):
        current_slot(spec, datetime(2026, 11, 28, tzinfo=UTC))


def test_the_app_registers_its_calendar_with_japan_times():
    assert schedule.SCHEDULED["weekly_digest"].default == "weekly mon 08:00"
    assert schedule.SCHEDULED["stipend_close_reminder"].default == "monthly 1 09:00"
    assert schedule.SCHEDULED["retention_purge"].default == "daily 03:00"
    assert schedule.SCHEDULED["continuation_check"].default == "yearly 04-01 09:00"


@pytest.fixture
def calendar(monkeypatch):
    """A calendar with only test jobs: ``daily 07:00`` that counts its runs, and one that fails."""
    runs: list[datetime] = []

    def counted(now):
        runs.append(now)
        return {"run": len(runs)}

    def broken(now):
        raise RuntimeError("the job broke")

    jobs = {
        "counted": Scheduled(counted, "daily 07:00"),
        "broken": Scheduled(broken, "daily 07:00"),
    }
    monkeypatch.setattr(schedule, "SCHEDULED", jobs)
    return runs


SEVEN_JST = datetime(2026, 11, 28, 7, 0, tzinfo=JST)


def test_a_job_runs_once_in_its_period_however_often_the_worker_looks(db, calendar):
    assert run_due(SEVEN_JST - timedelta(minutes=1)) == []  # not yet due
    assert run_due(SEVEN_JST) == ["counted 2026-11-28"]
    assert run_due(SEVEN_JST + timedelta(minutes=1)) == []
    assert run_due(SEVEN_JST + timedelta(hours=16, minutes=59)) == []  # 23:59, same day
    assert calendar == [SEVEN_JST]
    (run,) = db.session.scalars(select(ScheduledRun).where(ScheduledRun.job == "counted"))
    assert run.finished_at is not None and run.result == {"run": 1}
    assert run_due(SEVEN_JST + timedelta(days=1)) == ["counted 2026-11-29"]  # the next day


def test_a_worker_that_was_down_at_the_time_runs_the_job_later_in_the_period(db, calendar):
    assert run_due(SEVEN_JST + timedelta(hours=5)) == ["counted 2026-11-28"]


def test_the_schedule_setting_moves_a_job(app, db, calendar):
    app.config["SCHEDULE"] = {"counted": "daily 06:00"}
    assert run_due(SEVEN_JST - timedelta(minutes=30)) == ["counted 2026-11-28"]


def test_a_run_left_unfinished_is_taken_over_only_once_stale(db, calendar):
    db.session.add(ScheduledRun(job="counted", period="2026-11-28", started_at=SEVEN_JST))
    db.session.commit()
    # Another worker started it five minutes ago: maybe it is still running.
    assert run_due(SEVEN_JST + timedelta(minutes=5)) == []
    # Past the stale limit with no finish: it died. This worker runs it, once.
    late = SEVEN_JST + schedule.STALE + timedelta(minutes=1)
    assert run_due(late) == ["counted 2026-11-28"]
    assert run_due(late + timedelta(minutes=1)) == []
    assert calendar == [late]


def test_a_failing_job_lands_on_the_dead_letter_list_once_and_others_still_run(db, calendar):
    assert run_due(SEVEN_JST) == ["counted 2026-11-28"]
    retried = SEVEN_JST + schedule.STALE + timedelta(minutes=1)
    assert run_due(retried) == []  # the stale failed run is tried again, and fails again
    assert run_due(retried + schedule.STALE + timedelta(minutes=1)) == []
    (failure,) = db.session.scalars(select(JobFailure))
    assert (failure.job, failure.args) == ("schedule:broken", ["2026-11-28"])
    assert "the job broke" in failure.error
    # The next day's failure is a new dead letter.
    run_due(SEVEN_JST + timedelta(days=1))
    assert db.session.scalar(select(func.count(JobFailure.id))) == 2
