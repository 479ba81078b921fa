"""Writes to a supporter's availability: weekly slots, days away and the pause switch.

Like ``registry/operations.py``: each checks, writes, flushes, audits and returns; none
commits (the request commits once when the view succeeds). Times are JST.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from supporters.audit import record
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.models import Supporter, UnavailableDate, WeeklySlot

# How far ahead a day away or a pause may be set: further than this is more likely a typo.
HORIZON = timedelta(days=366)


class AvailabilityError(Exception):
    """A change refused, with a message fit to show and the field it belongs to (if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SlotDraft:
    """One from–until range as entered: ``key`` names it for error messages (e.g. ``d0_1``)."""

    key: str
    weekday: int
    starts: time
    ends: time


def week_problems(drafts: list[SlotDraft]) -> dict[str, str]:
    """What is wrong with a week of ranges, as {field: message}; empty when all is well.

    A range whose end is not after its start is wrong at its end (``<key>_until``); a range
    overlapping an earlier one of the same day is wrong at its start (``<key>_from``).
    """
    problems = {}
    for draft in drafts:
        if draft.ends <= draft.starts:
            problems[f"{draft.key}_until"] = _l("The end must be later than the start.")
    ordered = [d for d in drafts if d.ends > d.starts]
    for index, draft in enumerate(ordered):
        for earlier in ordered[:index]:
            same_day = earlier.weekday == draft.weekday
            if same_day and draft.starts < earlier.ends and earlier.starts < draft.ends:
                problems[f"{draft.key}_from"] = _l("This overlaps another time on the same day.")
    return problems


def replace_weekly_slots(supporter: Supporter, drafts: list[SlotDraft]) -> list[WeeklySlot]:
    """Replace all of the supporter's weekly slots with ``drafts`` (checked first)."""
    problems = week_problems(drafts)
    if problems:
        field, message = next(iter(problems.items()))
        raise AvailabilityError(message, field)
    db.session.execute(delete(WeeklySlot).where(WeeklySlot.supporter_id == supporter.id))
    slots = [
        WeeklySlot(supporter_id=supporter.id, weekday=d.weekday, starts=d.starts, ends=d.ends)
        for d in sorted(drafts, key=lambda d: (d.weekday, d.starts))
    ]
    db.session.add_all(slots)
    db.session.flush()
    record("set_weekly_slots", supporter, detail=f"{len(slots)} slots")
    return slots


def weekly_slots(supporter: Supporter) -> list[WeeklySlot]:
    """The supporter's weekly slots, Monday first, earliest first."""
    return list(
        db.session.scalars(
            select(WeeklySlot)
            .where(WeeklySlot.supporter_id == supporter.id)
            .order_by(WeeklySlot.weekday, WeeklySlot.starts)
        )
    )


def days_away(supporter: Supporter) -> list[UnavailableDate]:
    """The supporter's days away from today on (past ones no longer matter)."""
    return list(
        db.session.scalars(
            select(UnavailableDate)
            .where(UnavailableDate.supporter_id == supporter.id)
            .where(UnavailableDate.day >= today_jst())
            .order_by(UnavailableDate.day)
        )
    )


def _check_future(day: date, field: str) -> None:
    today = today_jst()
    if day < today:
        raise AvailabilityError(_l("Choose today or a later date."), field)
    if day > today + HORIZON:
        raise AvailabilityError(_l("Choose a date within the next twelve months."), field)


def add_day_away(supporter: Supporter, day: date, note: str = "") -> UnavailableDate:
    """Mark ``day`` (JST) as a day the supporter cannot help; adding it again updates the note."""
    _check_future(day, "day")
    row = db.session.get(UnavailableDate, (supporter.id, day))
    if row is None:
        row = UnavailableDate(supporter_id=supporter.id, day=day)
        db.session.add(row)
    row.note = note.strip()
    db.session.flush()
    record("add_unavailable_date", supporter, detail=day.isoformat())
    return row


def remove_day_away(supporter: Supporter, day: date) -> bool:
    """Forget a day away; False when there was none (removing twice is harmless)."""
    row = db.session.get(UnavailableDate, (supporter.id, day))
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    record("remove_unavailable_date", supporter, detail=day.isoformat())
    return True


def is_paused(supporter: Supporter) -> bool:
    """Whether the pause switch is on today (``paused_until`` is inclusive, JST)."""
    return supporter.paused_until is not None and supporter.paused_until >= today_jst()


def pause(supporter: Supporter, until: date) -> None:
    """Take no offers up to and including ``until`` (JST)."""
    _check_future(until, "until")
    supporter.paused_until = until
    db.session.flush()
    record("pause", supporter, detail=until.isoformat())


def resume(supporter: Supporter) -> None:
    """Available again from now on (a no-op when not paused)."""
    if supporter.paused_until is None:
        return
    supporter.paused_until = None
    db.session.flush()
    record("resume", supporter)
