"""Possible duplicate help requests found at intake, and what a coordinator decided about them."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.request import HelpRequest
from supporters.models.supporter import str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class DuplicateStatus(enum.StrEnum):
    """open (to look at) → merged (the later request closed into the earlier) | dismissed."""

    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


class DuplicateCandidate(Owned, db.Model):
    """``request`` (the later one) may be the same need as ``other`` (the earlier one).

    ``reasons`` holds codes only (``same_contact``, ``similar_name``, ``same_day``,
    ``received_close``): the names and contacts compared stay on the requests themselves.
    """

    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        UniqueConstraint("request_id", "other_id"),
        Index("ix_duplicate_candidate_status_request", "status", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[DuplicateStatus] = mapped_column(
        str_enum(DuplicateStatus), default=DuplicateStatus.OPEN
    )
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[HelpRequest] = relationship(foreign_keys=[request_id])
    other: Mapped[HelpRequest] = relationship(foreign_keys=[other_id])
