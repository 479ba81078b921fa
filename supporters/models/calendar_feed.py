"""A supporter's private calendar feed: one live link per supporter, only its hash stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class CalendarFeed(Owned, db.Model):
    """The SHA-256 of the secret in a supporter's iCal feed URL; renewing replaces it and
    revoking deletes the row, so an old link stops working at once."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
