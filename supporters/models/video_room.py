"""Video-call rooms: one live room per assigned video request, for its supporter and resident."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class VideoRoom(Owned, db.Model):
    """A random room name on the programme's video service, made when a video request is assigned.

    The name is random only (never a reference, name, language or place); revoking a room (the
    supporter released, the request cancelled or done) hides its link for good. At most one room
    per request is live: a partial unique index on both SQLite and PostgreSQL. It belongs to the
    request's programme (``supporters/tenancy.py``).
    """

    __tablename__ = "video_room"
    __table_args__ = (
        Index(
            "uq_video_room_live",
            "request_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_request.id", ondelete="CASCADE"), index=True
    )
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id", ondelete="CASCADE"))
    room: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # never the room name: reprs end up in logs
        return f"<VideoRoom {self.id} request={self.request_id}>"
