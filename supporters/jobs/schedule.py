"""Scheduled work by the calendar, in JST: each job at most once per period, late rather than never.

``SCHEDULE`` (a setting) gives each job its time, e.g. ``{"weekly_digest": "weekly mon 08:00"}``;
the forms are ``daily HH:MM``, ``weekly mon HH:MM``, ``monthly D HH:MM`` and ``yearly MM-DD
HH:MM``. Every minute :func:`run_due` looks at each job: if this period's time has passed and no
:class:`ScheduledRun` row exists for (job, period), it inserts one (the unique key makes two
workers agree on who runs it), runs the job, and marks the row finished. A worker killed midway
leaves the row unfinished; after ``STALE`` another worker runs the job again, and the job's own
keys (messages with a ``dedupe_key``) make the repeat harmless. A worker that was down at 08:00
runs the job when it comes back, within ``LATE_LIMITS`` (12 hours for a daily job … 14 days for
a yearly one); later than that the period is skipped.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from supporters.clock import JST
from supporters.extensions import db
from supporters.models import ScheduledRun

log = logging.getLogger(__name__)

STALE = timedelta(minutes=15)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Scheduled:
    """A job on the calendar: what it does (given the time, returns a summary) and when."""

    function: Callable[[datetime], dict]
    default: str


SCHEDULED: dict[str, Scheduled] = {}


def scheduled(name: str, default: str) -> Callable:
    """Register ``function(now) -> dict`` as the scheduled job ``name`` (``default`` time)."""

    def register(function: Callable[[datetime], dict]) -> Callable[[datetime], dict]:
        SCHEDULED[name] = Scheduled(function, default)
        return function

    return register


@dataclass(frozen=True)
class Slot:
    """This period of a schedule: its key (``2026-W48``) and the moment it becomes due."""

    period: str
    due_at: datetime


# How late a job may still run in its period: a worker that was down at 08:00 catches up, but a
# new installation does not send last April's yearly question in November.
LATE_LIMITS = {
    "daily": timedelta(hours=12),
    "weekly": timedelta(days=2),
    "monthly": timedelta(days=5),
    "yearly": timedelta(days=14),
}


def late_limit(spec: str) -> timedelta:
    """How long after its time in the period a job of ``spec`` may still run."""
    return LATE_LIMITS[spec.split()[0]]


def current_slot(spec: str, now: datetime) -> Slot:
    """The period ``now`` falls in for ``spec``, and when in it the job is due (JST)."""
    local = now.astimezone(JST)
    parts = spec.split()
    kind, at = parts[0], _clock(parts[-1])
    today = local.date()
    if kind == "daily" and len(parts) == 2:
        return Slot(today.isoformat(), _at(today, at))
    if kind == "weekly" and len(parts) == 3 and parts[1] in WEEKDAYS:
        monday = today - timedelta(days=today.weekday())
        year, week, _ = today.isocalendar()
        return Slot(f"{year}-W{week:02d}", _at(monday + timedelta(WEEKDAYS.index(parts[1])), at))
    if kind == "monthly" and len(parts) == 3:
        day = min(int(parts[1]), 28)
        return Slot(f"{today:%Y-%m}", _at(today.replace(day=day), at))
    if kind == "yearly" and len(parts) == 3:
        month, day = (int(part) for part in parts[1].split("-"))
        return Slot(f"{today.year}", _at(date(today.year, month, day), at))
    raise ValueError(f"not a schedule: {spec!r}")


def spec_for(name: str) -> str:
    """The schedule of job ``name``: the ``SCHEDULE`` setting's, else the job's default."""
    return (current_app.config.get("SCHEDULE") or {}).get(name) or SCHEDULED[name].default


def run_due(now: datetime) -> list[str]:
    """Run every scheduled job whose time in this period has come and which has not run (once
    per programme when the installation runs several: ``work.run_for_each_programme``)."""
    from supporters.jobs.work import run_for_each_programme

    ran = []
    for name in sorted(SCHEDULED):
        slot = current_slot(spec_for(name), now)
        if not slot.due_at <= now <= slot.due_at + late_limit(spec_for(name)):
            continue
        if not _claim(name, slot.period, now):
            continue
        try:
            result = run_for_each_programme(SCHEDULED[name].function, now)
        except Exception as error:  # the others still run; this one is retried when stale
            db.session.rollback()
            log.exception("scheduled job %s for %s failed", name, slot.period)
            _record_failure(name, slot.period, error, now)
            continue
        db.session.execute(
            update(ScheduledRun)
            .where(ScheduledRun.job == name, ScheduledRun.period == slot.period)
            .values(finished_at=now, result=result or {})
        )
        db.session.commit()
        ran.append(f"{name} {slot.period}")
    return ran


def _record_failure(name: str, period: str, error: Exception, now: datetime) -> None:
    """Put a failed scheduled job on the dead-letter list (once per job and period)."""
    from supporters.models import JobFailure

    job = f"schedule:{name}"
    unresolved = db.session.scalars(
        select(JobFailure.args).where(JobFailure.job == job, JobFailure.resolved_at.is_(None))
    )
    known = any(args == [period] for args in unresolved)  # JSON is compared here, not in SQL
    if not known:
        db.session.add(
            JobFailure(
                job=job,
                args=[period],
                error=f"{type(error).__name__}: {error}"[:1000],
                attempts=1,
                failed_at=now,
            )
        )
    db.session.commit()


def _claim(name: str, period: str, now: datetime) -> bool:
    """Take (job, period) for this worker: a new row, or an unfinished one left stale."""
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledRun(job=name, period=period, started_at=now))
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
    taken = db.session.execute(
        update(ScheduledRun)
        .where(
            ScheduledRun.job == name,
            ScheduledRun.period == period,
            ScheduledRun.finished_at.is_(None),
            ScheduledRun.started_at < now - STALE,
        )
        .values(started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def last_runs() -> list[ScheduledRun]:
    """The newest run of each scheduled job (for the console)."""
    rows = db.session.scalars(select(ScheduledRun).order_by(ScheduledRun.started_at.desc()))
    newest: dict[str, ScheduledRun] = {}
    for run in rows:
        newest.setdefault(run.job, run)
    return [newest[name] for name in sorted(newest)]


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=JST)


# --- The calendar's jobs that belong to no other area -------------------------------------------


@scheduled("retention_purge", "daily 03:00")
def retention_purge(now: datetime) -> dict:
    """Anonymise requests past the retention period (supporters/privacy/retention.py), and
    forget old channel failures and spent one-tap links (supporters/notify/pruning.py)."""
    from supporters.notify import pruning
    from supporters.privacy import retention

    result = retention.purge(now.astimezone(JST).date(), retention.retention_years())
    pruned = pruning.prune(now)
    return {
        "anonymised": len(result.references),
        "drafts_deleted": result.drafts_deleted,
        "channel_failures_deleted": pruned.failures,
        "action_tokens_deleted": pruned.tokens,
    }


@scheduled("continuation_check", "yearly 04-01 09:00")
def continuation_check(now: datetime) -> dict:
    """Ask every certified supporter whether they continue this fiscal year."""
    from supporters.clock import fiscal_year
    from supporters.continuation.service import start_check

    started = start_check(fiscal_year(now.astimezone(JST).date()), None)
    return {"asked": started.asked, "already_asked": started.already_asked}


# --- The coordinators' calendar (supporters/digest.py) -------------------------------------------


@scheduled("weekly_digest", "weekly mon 08:00")
def weekly_digest(now: datetime) -> dict:
    """Counts of what needs the coordinators this week, to each of them in their language."""
    from supporters.digest import send_weekly_digest

    return send_weekly_digest(now)


@scheduled("stipend_close_reminder", "monthly 1 09:00")
def stipend_close_reminder(now: datetime) -> dict:
    """On the 1st, remind the coordinators to close last month's stipends if still open."""
    from supporters.digest import remind_to_close_stipends

    return remind_to_close_stipends(now)
