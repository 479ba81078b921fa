"""Delivering the outbox: send what is due, retry failures with exponential backoff, give up late.

Each message is claimed, sent and committed on its own, so one bad address or a flaky server
never blocks or loses the others. Delivery is at least once: if the commit after a successful
send fails, the message is sent again (with the same Message-ID).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import OutboxMessage, OutboxStatus
from supporters.notify.channels import PermanentDeliveryError, get_channel

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
ERROR_LENGTH = 1000
# Messages that carry a single-use secret (an account link, see supporters/credentials): once
# sent or given up on, the stored body is blanked, so the outbox never keeps a working link.
SECRET_KINDS = frozenset({"account_invite", "password_reset"})
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
    """Condition for a message that should be tried at ``now``."""
    return (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now)


def deliver_pending(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due messages, committing after each (for cron, not inside a request)."""
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
        # Lock the row while sending (PostgreSQL) so two runs at once never send it twice.
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if message is None:  # sent or claimed by another run meanwhile
            db.session.rollback()
            continue
        outcome = _attempt(message, now)
        db.session.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _attempt(message: OutboxMessage, now: datetime) -> str:
    """Try one message and record the result on it; returns ``sent``, ``retried`` or ``failed``."""
    message.attempts += 1
    channel = get_channel(message.channel)
    try:
        if channel is None:
            raise LookupError(f"no channel registered for {message.channel!r}")
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
        if permanent or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            message.status = OutboxStatus.FAILED
            _forget_secret(message)
            return "failed"
        message.next_attempt_at = now + retry_delay(message.attempts)
        return "retried"
    message.status = OutboxStatus.SENT
    message.sent_at = now
    _forget_secret(message)
    return "sent"


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
