"""Single-use account links: the invitation to set a first password, the password reset, and the
confirmation of a new e-mail address."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.supporter import str_enum
from supporters.models.user import User
from supporters.schema import UTCDateTime


class AccountLinkPurpose(enum.StrEnum):
    """What a link lets its holder do: set a first password (invite) or a new one (reset)."""

    INVITE = "invite"
    RESET = "reset"
    # Confirms ``new_email`` as the account's (and its supporter's) address: see
    # ``credentials/email_change.py``.
    EMAIL = "email_change"


class AccountLink(db.Model):
    """A link sent to a person's mailbox that sets their password (or their new address) once.

    Only the SHA-256 of the random token is stored, so a copy of the database opens no account.
    The link is used by one conditional UPDATE (``used_at IS NULL AND expires_at > now``): of two
    browser tabs only one can succeed. A newer link of the same purpose expires the older ones.
    """

    __tablename__ = "account_link"
    __table_args__ = (Index("ix_account_link_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[AccountLinkPurpose] = mapped_column(str_enum(AccountLinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who made it: the coordinator for an invitation; None for a reset the person asked for.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    # The address an e-mail change link confirms (the link is mailed there); None otherwise.
    new_email: Mapped[str | None] = mapped_column(String(254))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_live(self, now: datetime) -> bool:
        """Whether the link still works at ``now``."""
        return self.used_at is None and now < self.expires_at
