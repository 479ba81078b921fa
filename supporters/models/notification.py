"""In-app notifications and the outbox of messages waiting to be delivered."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.supporter import str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class Notification(Owned, db.Model):
    """A line in a user's notification list: what happened and where to look. No personal data."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    link: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxStatus(enum.StrEnum):
    """pending → sent, or failed after the last channel's last retry (the dead letters).

    An administrator can put a failed message back to pending (retry) or discard it.
    """

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DISCARDED = "discarded"


class OutboxMessage(Owned, db.Model):
    """A message committed with the change that caused it, delivered afterwards with retries."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who it is for and what it says, as facts: each channel renders the words at sending time in
    # ``locale`` (supporters/notify/messages.py). ``params`` never hold special-care data.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(16), default="ja")
    link: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The channels still to fall back on, in order: ``[[channel, address], ...]``; ``channel``
    # and ``recipient`` above are the one being tried now.
    fallback: Mapped[list] = mapped_column(JSON, default=list)
    # Work that runs by itself queues a message at most once per key (e.g. a reminder per
    # assignment), however often it runs.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    # A worker holds a message while sending it; a killed worker's hold runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
