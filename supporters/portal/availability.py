"""Writes to a supporter's availability: weekly slots, days away and the pause switch.

Each takes what the supporter entered (parsed: times and dates), checks it, writes, flushes,
audits and returns; none commits (the request commits once when the view succeeds). This module
is the only validator of availability: a refusal is a ``Refused`` whose fields are the boxes of
the portal's forms (``d0_1_from`` …, ``day``, ``note``, ``until``). Times are JST.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from supporters.audit import record
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.models import Supporter, UnavailableDate, WeeklySlot
from supporters.refusals import refuse_if

# How far ahead a day away or a pause may be set: further than this is more likely a typo.
HORIZON = timedelta(days=366)
# The note on a day away, for the coordinator.
NOTE_LENGTH = 200


@dataclass(frozen=True)
class SlotDraft:
    """One from–until range as entered: ``key`` names it for error messages (e.g. ``d0_1``).

    ``starts`` or ``ends`` is None when its box was left empty (a range needs both).
    """

    key: str
    weekday: int
    starts: time | None
    ends: time | None


@dataclass(frozen=True)
class DayAwayDraft:
    """A day away as entered: the date (None when none was given) and an optional note."""

    day: date | None
    note: str = ""


def week_problems(drafts: list[SlotDraft]) -> dict[str, str]:
    """What is wrong with a week of ranges, as {field: message}; empty when all is well.

    A range with one time missing is wrong at the empty box; a range whose end is not after
    its start is wrong at its end (``<key>_until``); a range overlapping an earlier one of the
    same day is wrong at its start (``<key>_from``).
    """
    problems = {}
    for draft in drafts:
        if draft.starts is None or draft.ends is None:
            for name, value in (("from", draft.starts), ("until", draft.ends)):
                if value is None:
                    problems[f"{draft.key}_{name}"] = _l("Enter both times, or leave both empty.")
        elif draft.ends <= draft.starts:
            problems[f"{draft.key}_until"] = _l("The end must be later than the start.")
    ordered = [d for d in drafts if d.starts is not None and d.ends is not None]
    ordered = [d for d in ordered if d.ends > d.starts]
    for index, draft in enumerate(ordered):
        for earlier in ordered[:index]:
            same_day = earlier.weekday == draft.weekday
            if same_day and draft.starts < earlier.ends and earlier.starts < draft.ends:
                problems[f"{draft.key}_from"] = _l("This overlaps another time on the same day.")
    return problems


def replace_weekly_slots(supporter: Supporter, drafts: list[SlotDraft]) -> list[WeeklySlot]:
    """Replace all of the supporter's weekly slots with ``drafts`` (checked first)."""
    refuse_if(week_problems(drafts))
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


def _date_problem(day: date | None):
    """What is wrong with a day away or the end of a pause (None when it will do)."""
    if day is None:
        return _l("Choose a date.")
    today = today_jst()
    if day < today:
        return _l("Choose today or a later date.")
    if day > today + HORIZON:
        return _l("Choose a date within the next twelve months.")
    return None


def day_away_problems(draft: DayAwayDraft) -> dict[str, object]:
    """What is wrong with a day away, as {field: message}; empty when all is well."""
    problems = {"day": _date_problem(draft.day)}
    if len((draft.note or "").strip()) > NOTE_LENGTH:
        problems["note"] = _l("At most %(max)d characters.", max=NOTE_LENGTH)
    return {name: text for name, text in problems.items() if text}


def add_day_away(supporter: Supporter, draft: DayAwayDraft) -> UnavailableDate:
    """Mark a day (JST) as one the supporter cannot help; adding it again updates the note."""
    refuse_if(day_away_problems(draft))
    day = draft.day
    row = db.session.get(UnavailableDate, (supporter.id, day))
    if row is None:
        row = UnavailableDate(supporter_id=supporter.id, day=day)
        db.session.add(row)
    row.note = (draft.note or "").strip()
    db.session.flush()
    record("add_unavailable_date", supporter, detail=day.isoformat())
    return row


def remove_day_away(supporter: Supporter, day: date | None) -> bool:
    """Forget a day away; False when there was none (removing twice is harmless)."""
    refuse_if({"day": _l("Choose a date.") if day is None else None})
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


def pause(supporter: Supporter, until: date | None) -> None:
    """Take no offers up to and including ``until`` (JST): today or later, within a year."""
    refuse_if({"until": _date_problem(until)})
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
