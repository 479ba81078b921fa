"""Training cohorts, their sessions and attendance, and the yearly continuation check."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models.supporter import Supporter, str_enum
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class TrainingCohort(Owned, db.Model):
    """A training course that applicants take together before certification (e.g. "2026 spring")."""

    __tablename__ = "training_cohort"
    # Names are the programme's own: two prefectures may both run a "2026 spring".
    __table_args__ = (
        UniqueConstraint("programme_id", "name", name="uq_training_cohort_programme_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Hours a trainee must attend before they can be certified from this cohort.
    required_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="TrainingSession.held_on"
    )


class TrainingSession(Owned, db.Model):
    """One session of a cohort's course, with the hours it lasted."""

    __tablename__ = "training_session"
    __table_args__ = (CheckConstraint("hours > 0 AND hours <= 24", name="hours"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("training_cohort.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))

    cohort: Mapped[TrainingCohort] = relationship(back_populates="sessions")
    attendance: Mapped[list["TrainingAttendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class TrainingAttendance(Owned, db.Model):
    """Hours a trainee attended of one session (partial attendance allowed)."""

    __tablename__ = "training_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "supporter_id", name="uq_attendance_session_supporter"),
        CheckConstraint("hours_attended >= 0", name="hours_attended"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id"), index=True)
    hours_attended: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="attendance")
    supporter: Mapped[Supporter] = relationship()


class ContinuationAnswer(enum.StrEnum):
    """A supporter's answer to the yearly "do you continue?" question."""

    CONTINUE = "continue"
    STOP = "stop"


class ContinuationCheck(Owned, db.Model):
    """The yearly question to a certified supporter; one per supporter and fiscal year."""

    __tablename__ = "continuation_check"
    __table_args__ = (
        UniqueConstraint("supporter_id", "fiscal_year", name="uq_continuation_supporter_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporter.id"), index=True)
    fiscal_year: Mapped[int]  # the fiscal year asked about (April to March, JST)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answer: Mapped[ContinuationAnswer | None] = mapped_column(str_enum(ContinuationAnswer))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")

    supporter: Mapped[Supporter] = relationship()
