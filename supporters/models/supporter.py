"""The supporter registry: certified native-language supporters and their lifecycle."""

import enum
from datetime import date, datetime

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.reference import Language, Municipality
from supporters.tenancy import Owned


def str_enum(enum_cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value as a portable VARCHAR (no native PostgreSQL type to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=max(20, *(len(m.value) for m in enum_cls)),
        values_callable=lambda members: [m.value for m in members],
    )


class SupporterStatus(enum.StrEnum):
    """Where a supporter is in the programme: applicant → certified → suspended → retired."""

    APPLICANT = "applicant"
    CERTIFIED = "certified"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class LanguageLevel(enum.StrEnum):
    """How well a supporter speaks a language."""

    NATIVE = "native"
    FLUENT = "fluent"
    CONVERSATIONAL = "conversational"


class Mode(enum.StrEnum):
    """How a supporter can help: in person, by phone or by video call."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


JAPANESE_LEVELS = ("native", "N1", "N2", "N3", "N4", "N5", "other")
GENDERS = ("female", "male", "other")

supporter_served_municipality = Table(
    "supporter_served_municipality",
    db.Model.metadata,
    Column("supporter_id", ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipality.code"), primary_key=True),
    # Matching asks "who serves this municipality?"; the primary key starts with the supporter.
    Index("ix_served_municipality_code", "municipality_code", "supporter_id"),
)


class Supporter(Owned, db.Model):
    """A volunteer who helps foreign residents in their own language."""

    __tablename__ = "supporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names come in every script (Tiếng Việt, नेपाली, 中文 ...): never restrict to ASCII.
    display_name: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(30))
    home_municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    japanese_level: Mapped[str] = mapped_column(String(10))
    offers_in_person: Mapped[bool] = mapped_column(default=True)
    offers_phone: Mapped[bool] = mapped_column(default=False)
    offers_video: Mapped[bool] = mapped_column(default=False)
    # Only used when a resident asks for a supporter of a given gender; may stay unstated.
    gender: Mapped[str | None] = mapped_column(String(10))
    monthly_case_cap: Mapped[int] = mapped_column(default=4)
    # The pause switch: "not available until …" (JST date, inclusive). None = not paused.
    paused_until: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SupporterStatus] = mapped_column(
        str_enum(SupporterStatus), default=SupporterStatus.APPLICANT, index=True
    )
    applied_on: Mapped[date | None]
    certified_on: Mapped[date | None]
    suspended_on: Mapped[date | None]
    retired_on: Mapped[date | None]
    certificate_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    training_cohort: Mapped[str] = mapped_column(String(30), default="")
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    home_municipality: Mapped[Municipality] = relationship()
    served_municipalities: Mapped[list[Municipality]] = relationship(
        secondary=supporter_served_municipality, order_by=Municipality.code
    )
    languages: Mapped[list["SupporterLanguage"]] = relationship(
        back_populates="supporter", cascade="all, delete-orphan", order_by="SupporterLanguage.rank"
    )
    origins: Mapped[list["SupporterOrigin"]] = relationship(
        cascade="all, delete-orphan", order_by="SupporterOrigin.country_code"
    )
    status_changes: Mapped[list["SupporterStatusChange"]] = relationship(
        back_populates="supporter",
        cascade="all, delete-orphan",
        order_by="SupporterStatusChange.id",
    )

    @property
    def modes(self) -> list[Mode]:
        """The modes this supporter offers, in a fixed order."""
        flags = {
            Mode.IN_PERSON: self.offers_in_person,
            Mode.PHONE: self.offers_phone,
            Mode.VIDEO: self.offers_video,
        }
        return [mode for mode, offered in flags.items() if offered]

    @property
    def origin_codes(self) -> list[str]:
        """ISO 3166-1 alpha-2 codes of the countries and regions the supporter comes from."""
        return [origin.country_code for origin in self.origins]

    def __repr__(self) -> str:
        return f"<Supporter {self.id} {self.status}>"


class SupporterLanguage(Owned, db.Model):
    """One language a supporter speaks, with a level; ``rank`` keeps the order they gave."""

    __tablename__ = "supporter_language"
    # Matching asks "who speaks this language?"; the primary key starts with the supporter.
    __table_args__ = (Index("ix_supporter_language_code", "language_code", "supporter_id"),)

    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True
    )
    language_code: Mapped[str] = mapped_column(ForeignKey("language.code"), primary_key=True)
    level: Mapped[LanguageLevel] = mapped_column(str_enum(LanguageLevel))
    rank: Mapped[int] = mapped_column(default=0)

    supporter: Mapped[Supporter] = relationship(back_populates="languages")
    language: Mapped[Language] = relationship()


class SupporterOrigin(Owned, db.Model):
    """A country or region of origin (ISO 3166-1 alpha-2, e.g. ``VN``, ``TW``)."""

    __tablename__ = "supporter_origin"

    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)


class SupporterStatusChange(Owned, db.Model):
    """A lifecycle transition, kept forever: from what, to what, when, why and by whom."""

    __tablename__ = "supporter_status_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[SupporterStatus | None] = mapped_column(str_enum(SupporterStatus))
    to_status: Mapped[SupporterStatus] = mapped_column(str_enum(SupporterStatus))
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    supporter: Mapped[Supporter] = relationship(back_populates="status_changes")
