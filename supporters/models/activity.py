"""The case log: what a supporter did, with or without a help request."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.reference import Language, Municipality
from supporters.models.request import HelpRequest
from supporters.models.supporter import Mode, Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class ActivityCategory(enum.StrEnum):
    """The programme's reporting categories (the request categories plus information)."""

    GOVERNMENT_OFFICE = "government_office"
    HOSPITAL = "hospital"
    INFORMATION = "information"  # information dissemination, e.g. sharing notices in a group
    CHILDCARE = "childcare"
    LABOR = "labor"
    DAILY_LIFE = "daily_life"


class ActivityOutcome(enum.StrEnum):
    """How it went."""

    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    NOT_RESOLVED = "not_resolved"
    REFERRED = "referred"


class Activity(Owned, db.Model):
    """One logged case or activity; information dissemination records how many people it reached."""

    __tablename__ = "activity"
    __table_args__ = (
        # A double tap, or a form re-sent after an expired session, never logs twice.
        UniqueConstraint("supporter_id", "client_token", name="uq_activity_client_token"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
        CheckConstraint("people_reached IS NULL OR people_reached >= 0", name="people_reached"),
        # The monthly report's GROUP BYs read a month's index range, not the table
        # (bench/report_scale.py: one month of a 1,000,000-case log in under a second).
        Index("ix_activity_day_category_mode", "happened_on", "category", "mode", "people_reached"),
        Index("ix_activity_day_municipality", "happened_on", "municipality_code", "category"),
        Index("ix_activity_day_language", "happened_on", "language_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("help_request.id"), index=True)
    happened_on: Mapped[date] = mapped_column(index=True)  # JST calendar date
    duration_minutes: Mapped[int]
    category: Mapped[ActivityCategory] = mapped_column(str_enum(ActivityCategory), index=True)
    mode: Mapped[Mode] = mapped_column(str_enum(Mode))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    language_code: Mapped[str | None] = mapped_column(ForeignKey("language.code"), index=True)
    outcome: Mapped[ActivityOutcome | None] = mapped_column(str_enum(ActivityOutcome))
    people_reached: Mapped[int | None]
    follow_up_needed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    client_token: Mapped[str] = mapped_column(String(64))
    # Who typed it: the supporter, or a coordinator entering paper records on their behalf.
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supporter: Mapped[Supporter] = relationship()
    request: Mapped[HelpRequest | None] = relationship()
    municipality: Mapped[Municipality] = relationship()
    language: Mapped[Language | None] = relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.category} {self.happened_on}>"
