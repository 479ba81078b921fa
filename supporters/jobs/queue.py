"""The app's job queue: Huey, on the backend one setting names, with the app's jobs registered.

Jobs are thin: the facts they act on live in the database (outbox messages with a lease,
scheduled runs with a unique period), so a job lost with a killed worker is done again by the
next minute's tick, and a job run twice finds nothing left to do. Messages committed in a
request are handed to the worker straight after the commit (``deliver_outbox``); if that
hand-over fails (the queue's server is down) the minute's tick still sends them.
"""

import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey import signals as huey_signals
from sqlalchemy import event

from supporters.clock import utcnow
from supporters.extensions import db

log = logging.getLogger(__name__)

_KEY = "yorisoi.jobs"
_TASKS = "yorisoi.jobs.tasks"
BACKENDS = ("sqlite", "redis", "memory")
# Retries: 30 s, 1 min, 2 min, 4 min, 8 min, then the dead-letter list.
RETRIES = 5
RETRY_DELAY = 30
RETRY_BACKOFF = 2


def job_queue(app: Flask | None = None) -> Huey:
    """The Huey instance of ``app`` (default: the current app)."""
    return (app or current_app).extensions[_KEY]


def job(name: str, app: Flask | None = None):
    """Job ``name`` of ``app`` as Huey knows it (call ``.s(*args)`` for a task to run)."""
    return (app or current_app).extensions[_TASKS][name]


def make_huey(app: Flask) -> Huey:
    """A Huey for ``app``'s ``JOBS_BACKEND`` (``JOBS_URL`` locates its storage)."""
    backend = app.config.get("JOBS_BACKEND", "sqlite")
    url = app.config.get("JOBS_URL") or ""
    name = app.config.get("JOBS_QUEUE_NAME", "yorisoi")
    if backend == "sqlite":
        path = Path(url or Path(app.instance_path) / "jobs.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), utc=True)
    if backend == "redis":
        return RedisHuey(name, url=url or "redis://localhost:6379/0", utc=True)
    if backend == "memory":
        return MemoryHuey(name, utc=True)
    raise ValueError(f"JOBS_BACKEND must be one of {', '.join(BACKENDS)}: {backend!r}")


def init_app(app: Flask) -> None:
    """Build the queue, register the jobs, and hand committed messages to the worker."""
    from supporters.jobs import work

    huey = make_huey(app)
    app.extensions[_KEY] = huey
    app.extensions[_TASKS] = {
        name: huey.task(
            retries=RETRIES,
            retry_delay=RETRY_DELAY,
            retry_backoff=RETRY_BACKOFF,
            name=name,
        )(_in_app(app, function))
        for name, function in work.JOBS.items()
    }
    for name, (function, minutes) in work.TICKS.items():
        huey.periodic_task(crontab(minute=f"*/{minutes}"), name=f"tick:{name}")(
            _in_app(app, function)
        )
        # Each tick can also be queued by hand (``enqueue("sweep_offers")``), e.g. after a
        # settings change, or by a test that cannot wait for the clock.
        app.extensions[_TASKS].setdefault(
            name,
            huey.task(retries=RETRIES, retry_delay=RETRY_DELAY, name=name)(_in_app(app, function)),
        )
    huey.signal(huey_signals.SIGNAL_ERROR)(_dead_letter_on_last_failure(app))
    _hand_committed_messages_to_the_worker()


def enqueue(name: str, *args) -> bool:
    """Queue job ``name`` with ``args``; False (logged) if the queue cannot be reached."""
    try:
        current_app.extensions[_TASKS][name](*args)
    except Exception as error:  # the queue's server is down: the minute's tick catches up
        log.warning("could not queue job %s: %s", name, type(error).__name__)
        return False
    return True


def _in_app(app: Flask, function: Callable) -> Callable:
    """``function`` run inside ``app``'s context, its session closed after."""

    @wraps(function)
    def run(*args):
        with app.app_context():
            try:
                return function(*args)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run


def _dead_letter_on_last_failure(app: Flask) -> Callable:
    """A Huey signal handler: a job that failed with no retries left becomes a dead letter."""

    def record(signal, task, exc=None):
        if task.retries:  # it will be tried again
            return
        from supporters.models import JobFailure

        with app.app_context():
            try:
                db.session.add(
                    JobFailure(
                        job=task.name,
                        args=list(task.args or ()),
                        error=f"{type(exc).__name__}: {exc}"[:1000] if exc else "",
                        attempts=RETRIES + 1,
                        failed_at=utcnow(),
                    )
                )
                db.session.commit()
            finally:
                db.session.remove()

    return record


_HOOKED = []


def _hand_committed_messages_to_the_worker() -> None:
    """After a commit that queued outbox messages, ask the worker to deliver them now.

    The listeners are on SQLAlchemy's ``Session`` class, so they are added once per process
    and act for whichever app is current.
    """
    if _HOOKED:
        return
    _HOOKED.append(True)
    from sqlalchemy.orm import Session

    from supporters.models import OutboxMessage

    key = "yorisoi.new_outbox"

    @event.listens_for(Session, "after_flush")
    def remember(session, _context):
        ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
        if ids:
            session.info.setdefault(key, []).extend(ids)

    @event.listens_for(Session, "after_commit")
    def hand_over(session):
        ids = session.info.pop(key, None)
        if not ids or not current_app or _KEY not in current_app.extensions:
            return
        if current_app.config.get("JOBS_DELIVER_ON_COMMIT", True):
            enqueue("deliver_outbox", ids)

    @event.listens_for(Session, "after_rollback")
    def forget(session):
        session.info.pop(key, None)
