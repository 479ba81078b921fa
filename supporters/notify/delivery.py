"""Delivering the outbox: send what is due, retry with backoff, fall back to the next channel.

Each message is claimed, sent and committed on its own, so one bad address or a flaky server
never blocks or loses the others. A worker *claims* a message by setting ``claimed_until``
(a lease, committed before sending): two workers never send the same message, and a worker
killed while sending holds it only until the lease runs out, when another sends it. Delivery is
therefore at least once; the window for a repeat is a kill between the channel's "sent" and
our commit, and each channel passes the message's id as its idempotency key (the same
Message-ID; LINE's ``X-Line-Retry-Key``), so the far side can recognise a repeat.

When a channel fails for good (or runs out of retries) the message moves on to the person's
next channel (``fallback``); when none is left it is *failed*: the dead letters an
administrator sees in the console and can retry or discard.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import OutboxMessage, OutboxStatus
from supporters.notify.channels import PermanentDeliveryError, get_channel

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
# How long a claim holds (OUTBOX_LEASE_SECONDS, default 120): longer than any channel's timeout,
# so a live sender never loses it.
DEFAULT_LEASE_SECONDS = 120
LONGEST_WAIT = timedelta(hours=1)
ERROR_LENGTH = 1000
# Messages that carry a single-use secret (an account link, see supporters/credentials): once
# sent or given up on, the stored body is blanked, so the outbox never keeps a working link.
SECRET_KINDS = frozenset({"account_invite", "password_reset", "email_change_confirm"})
SECRET_REMOVED = "(removed after delivery: this message held a single-use link)"


@dataclass
class DeliveryReport:
    """What one delivery run did: sent, scheduled for a retry, or given up on."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __str__(self) -> str:
        """One line for the cron log, e.g. ``Outbox: 3 sent, 1 to retry, 0 failed.``"""
        return f"Outbox: {self.sent} sent, {self.retried} to retry, {self.failed} failed."


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _due(now: datetime):
    """Condition for a message that should be tried at ``now`` and that nobody holds."""
    return (
        (OutboxMessage.status == OutboxStatus.PENDING)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    )


def deliver_pending(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due messages, committing after each (for the worker, not a request)."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("deliver_pending needs a timezone-aware datetime")
    due_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    report = DeliveryReport()
    for message_id in due_ids:
        outcome = deliver_message(message_id, now)
        if outcome is not None:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def deliver_message(message_id: int, now: datetime | None = None) -> str | None:
    """Claim, send and record one message; None if it is not due or another worker holds it."""
    now = now or utcnow()
    if not _claim(message_id, now):
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    outcome = _attempt(message, now)
    message.claimed_until = None
    db.session.commit()
    return outcome


def _claim(message_id: int, now: datetime) -> bool:
    """Hold a due message for this worker for the lease (one atomic UPDATE, committed)."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(claimed_until=now + _lease())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def _attempt(message: OutboxMessage, now: datetime) -> str:
    """Try one message and record the result on it; returns ``sent``, ``retried`` or ``failed``."""
    message.attempts += 1
    channel = get_channel(message.channel)
    try:
        if channel is None:
            raise LookupError(f"no channel registered for {message.channel!r}")
        if not channel.configured():
            raise PermanentDeliveryError(f"channel {message.channel!r} is not configured")
        channel.send(message)
    except Exception as error:  # any failure of a channel is recorded, then retried or given up
        message.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        # Log ids and error types only: the error text may name the recipient.
        log.warning(
            "outbox message %s (%s) attempt %s failed: %s",
            message.id,
            message.channel,
            message.attempts,
            type(error).__name__,
        )
        permanent = isinstance(error, PermanentDeliveryError)
        record_failure(message, error, permanent, now)
        if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            if message.fallback:
                _fall_back(message, now)
                return "retried"
            message.status = OutboxStatus.FAILED
            _forget_secret(message)
            return "failed"
        message.next_attempt_at = now + retry_delay(message.attempts)
        return "retried"
    message.status = OutboxStatus.SENT
    message.sent_at = now
    _forget_secret(message)
    return "sent"


def record_failure(
    message: OutboxMessage, error: Exception, permanent: bool, now: datetime
) -> None:
    """Remember that ``message.channel`` failed (for the console's Channels page): the error's
    type with an HTTP/SMTP status or our own reason, never the recipient or the words."""
    from supporters.models import ChannelFailure

    status = getattr(error, "status", None) or getattr(error, "code", None)
    status = status or getattr(getattr(error, "response", None), "status_code", None)
    reason = str(error) if permanent else (f"status {status}" if status else "")
    db.session.add(
        ChannelFailure(
            channel=message.channel,
            failed_at=now,
            error=f"{type(error).__name__}: {reason}".strip(": ")[:200],
            permanent=permanent,
            outbox_message_id=message.id,
        )
    )


def _fall_back(message: OutboxMessage, now: datetime) -> None:
    """Move ``message`` on to the next channel in its route, to be tried straight away."""
    (channel, address), *rest = message.fallback
    message.channel, message.recipient, message.fallback = channel, address, rest
    message.attempts = 0
    message.next_attempt_at = now


def retry_failed(message: OutboxMessage, now: datetime | None = None) -> None:
    """Put a dead letter back in the queue for one more round of attempts (an admin's retry)."""
    if message.status != OutboxStatus.FAILED:
        raise ValueError("only failed messages can be retried")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()


def discard_failed(message: OutboxMessage) -> None:
    """Give up on a dead letter for good (an admin's discard); it stays listed as discarded."""
    if message.status != OutboxStatus.FAILED:
        raise ValueError("only failed messages can be discarded")
    message.status = OutboxStatus.DISCARDED


def _forget_secret(message: OutboxMessage) -> None:
    if message.kind in SECRET_KINDS:
        message.body = SECRET_REMOVED


def outbox_counts(now: datetime | None = None) -> dict[str, int]:
    """Messages per status, plus ``due``: pending ones whose time to be tried has come."""
    now = now or utcnow()
    counts = {status.value: 0 for status in OutboxStatus}
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    for status, count in rows:
        counts[OutboxStatus(status).value] = count
    counts["due"] = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(_due(now))
    )
    return counts
