"""Privacy: the case log typed into an expired session, kept on the server for its author only."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class ActivityDraft(Owned, db.Model):
    """A half-typed case log waiting for its author to sign in again.

    The browser holds only a random key (cookie); the server keeps its SHA-256 and the fields.
    A draft is given back only to ``user_id``, once, before ``expires_at``.
    """

    __tablename__ = "activity_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(200))
    # The posted fields as JSON ``[[name, value], ...]`` (no CSRF token).
    fields: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
