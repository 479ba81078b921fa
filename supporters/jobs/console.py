"""What the console's "Background work" page shows and the administrator's two actions on it.

Dead letters are outbox messages that failed on every channel and jobs that failed after their
last retry. Retrying puts one back in the queue; discarding closes it for good. Both are audited.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.jobs.schedule import SCHEDULED, last_runs, spec_for
from supporters.models import JobFailure, OutboxMessage, OutboxStatus, ScheduledRun, WorkerHeartbeat
from supporters.notify.delivery import discard_failed, outbox_counts, retry_failed
from supporters.refusals import CONFLICT, NOT_FOUND, Refused

# A worker beats every minute; older than this, it is shown (and /readyz reports it) as silent.
FRESH = timedelta(minutes=3)
DEAD_LETTERS_SHOWN = 100


@dataclass(frozen=True)
class ChannelState:
    """One channel as the console shows it: set up or not, and how it went this month."""

    name: str
    configured: bool
    sent: int
    failed: int
    last_sent_at: datetime | None
    last_failed_at: datetime | None
    usage: dict | None = None  # LINE: this month's messages and the plan's limit


@dataclass(frozen=True)
class Overview:
    """Workers, channels, the outbox, the calendar and the dead letters, as the page shows."""

    heartbeats: list[tuple[WorkerHeartbeat, bool]]
    channels: list[ChannelState]
    outbox: dict[str, int]
    schedule: list[tuple[str, str, ScheduledRun | None]]
    failed_messages: list[OutboxMessage]
    failed_jobs: list[JobFailure]


def overview(now: datetime | None = None) -> Overview:
    """Everything the page shows, read in a fixed handful of statements."""
    now = now or utcnow()
    beats = db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()))
    runs = {run.job: run for run in last_runs()}
    return Overview(
        heartbeats=[(beat, now - beat.beat_at < FRESH) for beat in beats],
        channels=channel_states(now),
        outbox=outbox_counts(now),
        schedule=[(name, spec_for(name), runs.get(name)) for name in sorted(SCHEDULED)],
        failed_messages=list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.FAILED)
                .order_by(OutboxMessage.id.desc())
                .limit(DEAD_LETTERS_SHOWN)
            )
        ),
        failed_jobs=list(
            db.session.scalars(
                select(JobFailure)
                .where(JobFailure.resolved_at.is_(None))
                .order_by(JobFailure.id.desc())
                .limit(DEAD_LETTERS_SHOWN)
            )
        ),
    )


CHANNELS = ("email", "line", "webpush", "sms")


def channel_states(now: datetime) -> list[ChannelState]:
    """Each channel: configured (no secret shown), this month's sends and failures (JST month)."""
    from sqlalchemy import func

    from supporters.clock import JST
    from supporters.notify.channels import get_channel

    local = now.astimezone(JST)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        select(
            OutboxMessage.channel,
            OutboxMessage.status,
            func.count(),
            func.max(OutboxMessage.sent_at),
            func.max(OutboxMessage.created_at),
        )
        .where(OutboxMessage.created_at >= month_start)
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    states = []
    for name in CHANNELS:
        channel = get_channel(name)
        configured = channel is not None and channel.configured()
        mine = [row for row in rows if row[0] == name]
        sent = [row for row in mine if row[1] == OutboxStatus.SENT]
        failed = [row for row in mine if row[1] == OutboxStatus.FAILED]
        usage = None
        if name == "line" and configured:
            from supporters.notify.line import monthly_usage

            usage = monthly_usage()
        states.append(
            ChannelState(
                name=name,
                configured=configured,
                sent=sum(row[2] for row in sent),
                failed=sum(row[2] for row in failed),
                last_sent_at=max((row[3] for row in sent if row[3]), default=None),
                last_failed_at=max((row[4] for row in failed if row[4]), default=None),
                usage=usage,
            )
        )
    return states


def masked(address: str) -> str:
    """An address shown to staff without giving it away whole: ``la***@example.jp``."""
    name, at, domain = address.partition("@")
    if at:
        return f"{name[:2]}***@{domain}"
    return f"{address[:4]}***" if len(address) > 4 else "***"


def act_on_message(message_id: int, action: str) -> OutboxMessage:
    """Retry or discard a failed message (refused if it is not a dead letter)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise Refused(code=NOT_FOUND)
    if message.status != OutboxStatus.FAILED:
        raise Refused(code=CONFLICT)
    if action == "retry":
        retry_failed(message)
    else:
        discard_failed(message)
    audit.record(f"outbox_{action}", message, f"{message.kind} via {message.channel}")
    return message


def act_on_job(failure_id: int, action: str) -> JobFailure:
    """Retry (queue the job again) or discard a failed job (refused if already resolved)."""
    from supporters.jobs.queue import enqueue

    failure = db.session.get(JobFailure, failure_id)
    if failure is None:
        raise Refused(code=NOT_FOUND)
    if failure.resolved_at is not None:
        raise Refused(code=CONFLICT)
    failure.resolved_at = utcnow()
    failure.resolution = "retried" if action == "retry" else "discarded"
    if action == "retry":
        if failure.job.startswith("schedule:"):
            enqueue("run_scheduled_job", failure.job.removeprefix("schedule:"))
        else:
            enqueue(failure.job, *failure.args)
    audit.record(f"job_{action}", failure, failure.job)
    return failure
