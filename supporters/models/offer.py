"""Offers: a request proposed to a supporter, who accepts or declines before it expires."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.request import HelpRequest
from supporters.models.supporter import Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class OfferStatus(enum.StrEnum):
    """open → accepted | declined | expired | withdrawn (another accepted, or the coordinator)."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Offer(Owned, db.Model):
    """One supporter asked to take one request."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_supporter_status", "supporter_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id"))
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.OPEN)
    # The candidate's score and reasons when the offer was made, kept for the record.
    rank: Mapped[int | None]
    reasons: Mapped[str] = mapped_column(Text, default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(String(40), default="")
    decline_note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[HelpRequest] = relationship(back_populates="offers")
    supporter: Mapped[Supporter] = relationship()

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.status}>"
