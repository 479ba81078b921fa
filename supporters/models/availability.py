"""When a supporter can help: weekly time slots (JST) and dates they are away."""

from datetime import date, time

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from supporters.extensions import db
from supporters.tenancy import Owned


class WeeklySlot(Owned, db.Model):
    """A recurring window, e.g. Tuesdays 09:00–17:00 JST (weekday 0 = Monday)."""

    __tablename__ = "weekly_slot"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts < ends", name="slot_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]


class UnavailableDate(Owned, db.Model):
    """A day (JST) the supporter cannot help, whatever their weekly slots say."""

    __tablename__ = "unavailable_date"

    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("supporter.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(String(200), default="")
