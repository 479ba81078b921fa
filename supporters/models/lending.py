"""Supporters a programme lends to other programmes for remote help ([6/6]).

A row says: this supporter agreed (on ``consented_on``, recorded by a coordinator) to be offered
phone and video requests in this language by other programmes. Withdrawing stamps
``withdrawn_at``; a new consent is a new row, so the history stays. The row belongs to the
supporter's own (lending) programme.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.supporter import Supporter
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class LendingConsent(Owned, db.Model):
    """A supporter's consent to help other programmes' residents remotely in one language."""

    __tablename__ = "lending_consent"
    __table_args__ = (
        # One live consent per supporter and language (on SQLite and PostgreSQL alike).
        Index(
            "uq_lending_consent_live",
            "supporter_id",
            "language_code",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        Index("ix_lending_consent_language", "language_code", "supporter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), index=True
    )
    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"))
    consented_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    supporter: Mapped[Supporter] = relationship()
