"""User accounts and their roles; one role per account."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.reference import Municipality
from supporters.models.supporter import Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class Role(enum.StrEnum):
    """What an account may do. Checked by :mod:`supporters.access`, never ad hoc in views."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MUNICIPAL_OFFICER = "municipal_officer"
    OFFICIAL = "official"
    SUPPORTER = "supporter"
    # Belongs to no programme: creates programmes and reads national aggregates only ([6/6]).
    NATIONAL_ADMIN = "national_admin"


user_municipality = Table(
    "user_municipality",
    db.Model.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipality.code"), primary_key=True),
)


class User(UserMixin, Owned, db.Model):
    """A person who signs in: staff, officials, or a supporter on their phone."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # The UI language this person chose; None means "decide from cookie / browser".
    locale: Mapped[str | None] = mapped_column(String(16))
    # The channels to try, in order, e.g. "line,webpush,email" (None: the programme's default).
    channel_order: Mapped[str | None] = mapped_column(String(60))
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporter.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    supporter: Mapped[Supporter | None] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=user_municipality, order_by=Municipality.code
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts.
        return self.active

    @property
    def municipality_codes(self) -> set[str]:
        """The municipalities a municipal officer is scoped to (empty for other roles)."""
        return {m.code for m in self.municipalities}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """A personal API token: only its SHA-256 is stored; revocable; acts with its user's role.

    The token itself is shown once, when made (``flask users token EMAIL`` or the owner's
    "API tokens" page); ``prefix`` (its first characters) lets a person recognise it in lists
    without revealing it. It stops working at ``expires_at`` (``API_TOKEN_DAYS`` after it was
    made, 90 by default), when revoked, or while its account may not be used.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def state(self, now: datetime) -> str:
        """``revoked``, ``expired`` or ``live`` at ``now`` (a code; labels render it)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "live"
