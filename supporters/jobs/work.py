"""Every job the worker runs. Each calls its area's function and commits; each is safe twice.

``JOBS`` are queued by name (``enqueue("deliver_outbox", [12, 13])``); ``TICKS`` run every few
minutes on their own. Scheduled work by the calendar (daily, weekly, monthly, yearly, in JST) is
``schedule.py``, driven by the ``run_schedules`` tick.
"""

import os
import socket

from sqlalchemy import select

from supporters import tenancy
from supporters.clock import utcnow
from supporters.extensions import db


def deliver_outbox(message_ids: list[int]) -> int:
    """Send these outbox messages now (queued straight after the commit that made them)."""
    from supporters.notify.delivery import deliver_message

    return sum(deliver_message(message_id) is not None for message_id in message_ids)


def deliver_due() -> str:
    """Send every message whose time has come (retries, lost hand-overs, expired claims)."""
    from supporters.notify.delivery import deliver_pending

    report = deliver_pending(limit=1000)
    return str(report)


def deliver_now() -> str:
    """Send what is due now, and come back when the next held or waiting message falls due.

    Queued when a worker starts: messages left behind by a killed worker go out as soon as its
    hold runs out, not at the next minute's tick.
    """
    from datetime import timedelta

    from sqlalchemy import func

    from supporters.jobs.queue import job
    from supporters.models import OutboxMessage, OutboxStatus
    from supporters.schema import UTCDateTime

    report = deliver_due()
    now = utcnow()
    soonest = db.session.scalar(
        select(
            func.min(
                func.coalesce(OutboxMessage.claimed_until, OutboxMessage.next_attempt_at),
                type_=UTCDateTime,
            )
        ).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    db.session.commit()
    if soonest is not None and soonest - now < timedelta(minutes=1):
        wait = max((soonest - now).total_seconds(), 0) + 0.5
        job("deliver_now").schedule(delay=wait)
    return report


def sweep_offers() -> tuple[int, int]:
    """Expire lapsed offers and escalate requests nobody accepted (help_requests.offers.sweep)."""
    from supporters.help_requests import offers

    def sweep() -> tuple[int, int]:
        result = offers.sweep()
        db.session.commit()
        return result

    results = tenancy.for_each_programme(sweep).values()
    return tuple(sum(counts) for counts in zip(*results, strict=True))


def send_reminders() -> dict:
    """Ask supporters to confirm, alert coordinators of silence, remind residents (reminders.py)."""
    from dataclasses import asdict

    from supporters.help_requests import reminders

    def remind() -> dict:
        report = reminders.run()
        db.session.commit()
        return asdict(report)

    results = tenancy.for_each_programme(remind)
    if list(results) == [None]:
        return results[None]
    return {str(programme): report for programme, report in results.items()}


def run_schedules() -> list[str]:
    """Run the calendar's scheduled work that is due (``schedule.py``)."""
    from supporters.jobs.schedule import run_due

    return run_due(utcnow())


def heartbeat() -> None:
    """Record that this worker process is alive (``/readyz`` reads it)."""
    from supporters.models import WorkerHeartbeat

    name = worker_name()
    beat = db.session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
    if beat is None:
        db.session.add(WorkerHeartbeat(name=name, beat_at=utcnow()))
    else:
        beat.beat_at = utcnow()
    db.session.commit()


def run_scheduled_job(name: str) -> dict:
    """Run one scheduled job now, outside its calendar (an administrator's retry)."""
    from supporters.jobs.schedule import SCHEDULED

    result = run_for_each_programme(SCHEDULED[name].function, utcnow())
    db.session.commit()
    return result


def run_for_each_programme(function, now) -> dict:
    """A scheduled job's ``function(now)``, once per programme (``tenancy.for_each_programme``),
    each programme's work committed on its own."""

    def once():
        result = function(now)
        if tenancy.current_programme_id() is not None:  # several programmes: one commit each
            db.session.commit()
        return result

    results = tenancy.for_each_programme(once)
    if list(results) == [None]:
        return results[None]
    return {str(programme): result for programme, result in results.items()}


def worker_name() -> str:
    """This process's name in heartbeats: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


JOBS = {
    "deliver_outbox": deliver_outbox,
    "deliver_now": deliver_now,  # the worker queues this when it starts, to catch up
    "run_scheduled_job": run_scheduled_job,
}
# name → (function, every N minutes)
TICKS = {
    "deliver_due": (deliver_due, 1),
    "heartbeat": (heartbeat, 1),
    "sweep_offers": (sweep_offers, 5),
    "send_reminders": (send_reminders, 15),
    "run_schedules": (run_schedules, 1),
}
