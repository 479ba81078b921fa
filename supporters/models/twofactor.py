"""Two-factor sign-in: an account's TOTP authenticator and its single-use recovery codes."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.user import User
from supporters.schema import UTCDateTime
from supporters.sealed import SealedString


class TwoFactor(db.Model):
    """One account's authenticator (RFC 6238 TOTP, 6 digits, 30-second steps).

    ``secret`` is the confirmed base32 secret (None until the first confirmation: the account is
    enrolled exactly when it is set). ``pending_secret`` is a new secret shown as a QR code and
    waiting for the person to type a code from it; it replaces ``secret`` only on confirmation,
    so starting again (a new phone) never weakens the sign-in meanwhile. ``last_used_step`` is
    the time step of the last code accepted: a code is never accepted twice.
    """

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    # Encrypted at rest (supporters/sealed.py): a copy of the database gives no codes.
    secret: Mapped[str | None] = mapped_column(SealedString)
    pending_secret: Mapped[str | None] = mapped_column(SealedString)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def enrolled(self) -> bool:
        """Whether sign-in asks this account for a code."""
        return self.secret is not None


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator; only its SHA-256 is kept."""

    __tablename__ = "two_factor_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
