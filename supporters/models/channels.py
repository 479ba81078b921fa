"""Where a person reads messages besides e-mail (LINE, Web Push, SMS), and one-tap action links."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class ChannelAddress(Owned, db.Model):
    """One way to reach an account on an external channel.

    ``channel`` is ``line`` (``address`` = the LINE user id), ``webpush`` (``address`` = the
    push service endpoint, ``keys`` = the subscription's ``p256dh`` and ``auth``) or ``sms``
    (``address`` = the phone number in E.164). ``failed_at`` is set when the channel said the
    address is gone (blocked, unsubscribed), so it is skipped until renewed.
    """

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_channel_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(600))
    keys: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkCode(Owned, db.Model):
    """A one-time code a supporter sends to the programme's LINE account to link it (hashed)."""

    __tablename__ = "link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20), default="line")
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActionToken(Owned, db.Model):
    """A signed one-tap link from a message (accept, decline, confirm), usable once.

    The link carries a signed token naming this row; the row records its use, so a second tap
    (or a forwarded message) does nothing.
    """

    __tablename__ = "action_token"
    __table_args__ = (Index("ix_action_token_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChannelFailure(Owned, db.Model):
    """One failed attempt to send on a channel, for the console's "is it working?" (Channels).

    A message that fails on LINE and then reaches the person by e-mail ends as *sent on e-mail*;
    this row is what remembers that LINE failed. It holds the channel, when, whether the failure
    was final, and the error's type (with a status code or our own reason) — never the
    recipient or the message's words.
    """

    __tablename__ = "channel_failure"
    __table_args__ = (Index("ix_channel_failure_channel_at", "channel", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    error: Mapped[str] = mapped_column(String(200), default="")
    permanent: Mapped[bool] = mapped_column(default=False)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
