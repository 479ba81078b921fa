"""Demand and targets for the coverage analysis: foreign residents by municipality and
nationality, which languages a nationality speaks, and the programme's yearly targets."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.reference import Language, Municipality
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned, OwnedKey


class ResidentCount(Owned, db.Model):
    """Foreign residents of one nationality in one municipality, as published on ``as_of``.

    Nationality is an ISO 3166-1 alpha-2 code (``VN``, ``BR``…), or ``ZZ`` for the published
    "other" bucket. ``illustrative`` marks demo figures that are not official statistics.
    """

    __tablename__ = "resident_count"
    __table_args__ = (
        UniqueConstraint("municipality_code", "nationality", "as_of", name="uq_resident_count"),
        CheckConstraint("residents >= 0", name="residents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    nationality: Mapped[str] = mapped_column(String(2), index=True)
    residents: Mapped[int]
    as_of: Mapped[date] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    illustrative: Mapped[bool] = mapped_column(default=False)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality] = relationship()


class NationalityLanguage(OwnedKey, db.Model):
    """A language residents of a nationality are served in (Philippines → Tagalog and English).

    Coordinators edit this mapping; demand for a language is the residents of every nationality
    mapped to it.
    """

    __tablename__ = "nationality_language"
    __table_args__ = (PrimaryKeyConstraint("programme_id", "nationality", "language_code"),)

    nationality: Mapped[str] = mapped_column(String(2))
    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    language: Mapped[Language] = relationship()


class ProgrammeTarget(OwnedKey, db.Model):
    """The programme's targets for one fiscal year (April–March), editable by admins.

    ``coverage_min_residents``: every municipality with at least this many residents of a
    language group should have a supporter of that language in reach.
    """

    __tablename__ = "programme_target"
    __table_args__ = (
        CheckConstraint("certified_supporters >= 0", name="certified_supporters"),
        CheckConstraint("cases_per_year >= 0", name="cases_per_year"),
        CheckConstraint("coverage_min_residents >= 0", name="coverage_min_residents"),
        PrimaryKeyConstraint("programme_id", "fiscal_year"),
    )

    fiscal_year: Mapped[int]
    certified_supporters: Mapped[int]
    cases_per_year: Mapped[int] = mapped_column(default=0)
    coverage_min_residents: Mapped[int] = mapped_column(default=100)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    languages: Mapped[list["TargetLanguage"]] = relationship(
        cascade="all, delete-orphan", order_by="TargetLanguage.language_code"
    )


class TargetLanguage(OwnedKey, db.Model):
    """A language the fiscal year's target says must be covered."""

    __tablename__ = "target_language"
    __table_args__ = (
        PrimaryKeyConstraint("programme_id", "fiscal_year", "language_code"),
        ForeignKeyConstraint(
            ["programme_id", "fiscal_year"],
            ["programme_target.programme_id", "programme_target.fiscal_year"],
            ondelete="CASCADE",
            onupdate="CASCADE",  # a target adopted by a programme takes its languages along
        ),
    )

    fiscal_year: Mapped[int]
    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"))
