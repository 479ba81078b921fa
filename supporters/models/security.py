"""Server-side sign-in sessions: each browser sign-in is a row the server can end."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.user import User
from supporters.schema import UTCDateTime


class UserSession(db.Model):
    """One signed-in browser. The cookie holds a random id; only its SHA-256 is stored here.

    A session is live while ``ended_at`` is empty and ``expires_at`` (the absolute lifetime,
    counted from sign-in) has not passed. Ending it — sign-out, password change, deactivation,
    an admin's "end session" — takes effect on the very next request of that browser.
    ``ended_reason`` is a code (``logout``, ``password_changed``, ``deactivated``, ``admin``,
    ``replaced``), rendered in the viewer's language by :mod:`supporters.auth.sessions`.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(30))
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    def is_live(self, now: datetime) -> bool:
        """Whether this session still signs its browser in at ``now``."""
        return self.ended_at is None and now < self.expires_at
