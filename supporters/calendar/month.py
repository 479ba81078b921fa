"""The month as a grid: whole Sunday-to-Saturday weeks of JST days, each with its assignments.

Pure functions over plain values (no Flask, no database): the page hands in the assignments
read for the grid's span and the ids that have a clash; the grid says, per day, whether it is
in the month, today, a Saturday or a Sunday. Sunday first, as on Japanese wall and school
calendars (docs/decisions.md); the week view stays Monday to Sunday.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel.dates import format_skeleton, get_day_names

from supporters.clock import JST

SUNDAY, SATURDAY = 6, 5  # date.weekday() numbers
# The grid's columns in date.weekday() numbers: Sunday, Monday, ..., Saturday.
COLUMNS = (SUNDAY, 0, 1, 2, 3, 4, SATURDAY)


def first_of_month(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (first_of_month(day) + timedelta(days=32)).replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return (first_of_month(day) - timedelta(days=1)).replace(day=1)


def month_span(day: date) -> tuple[date, date]:
    """The first Sunday and last Saturday of the whole weeks that cover ``day``'s month."""
    first = first_of_month(day)
    last = next_month(day) - timedelta(days=1)
    return (
        first - timedelta(days=(first.weekday() + 1) % 7),
        last + timedelta(days=(SATURDAY - last.weekday()) % 7),
    )


@dataclass(frozen=True)
class MonthDay:
    """One cell: the date, its assignments (time order) and how to mark it."""

    day: date
    items: list = field(default_factory=list)
    in_month: bool = True
    today: bool = False
    clash_ids: frozenset = frozenset()
    holiday: str = ""  # the public holiday's name, in the viewer's language

    @property
    def saturday(self) -> bool:
        """Whether the day is a Saturday."""
        return self.day.weekday() == SATURDAY

    @property
    def sunday(self) -> bool:
        """Whether the day is a Sunday."""
        return self.day.weekday() == SUNDAY

    @property
    def has_clash(self) -> bool:
        """Whether one of the day's assignments clashes with another."""
        return bool(self.clash_ids)


@dataclass(frozen=True)
class MonthGrid:
    """A month's weeks (lists of seven :class:`MonthDay`) and the months either side."""

    month: date
    weeks: list[list[MonthDay]]
    previous: date
    next: date

    @property
    def first(self) -> date:
        """The grid's first (leading) day."""
        return self.weeks[0][0].day

    @property
    def last(self) -> date:
        """The grid's last (trailing) day."""
        return self.weeks[-1][-1].day

    def days_with_items(self) -> list[MonthDay]:
        """The month's own days that have assignments (the agenda under a phone's grid)."""
        return [d for week in self.weeks for d in week if d.in_month and d.items]


def month_grid(
    day: date, items: Iterable, today: date, clash_ids=(), holidays: Mapping | None = None
) -> MonthGrid:
    """The grid of ``day``'s month; ``items`` have ``id`` and an aware ``starts_at``, and sit
    on the JST day they start; ``clash_ids`` are the ids of assignments with a clash;
    ``holidays`` names the public holidays by date."""
    holidays = holidays or {}
    month = first_of_month(day)
    first, last = month_span(month)
    clashing = frozenset(clash_ids)
    by_day: dict[date, list] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.starts_at, i.id)):
        by_day[item.starts_at.astimezone(JST).date()].append(item)
    weeks: list[list[MonthDay]] = []
    current = first
    while current <= last:
        week = []
        for _ in range(7):
            listed = by_day.get(current, [])
            week.append(
                MonthDay(
                    day=current,
                    items=listed,
                    in_month=current.month == month.month,
                    today=current == today,
                    clash_ids=frozenset(i.id for i in listed if i.id in clashing),
                    holiday=holidays.get(current, ""),
                )
            )
            current += timedelta(days=1)
        weeks.append(week)
    return MonthGrid(month, weeks, previous_month(month), next_month(month))


def weekday_headers(locale) -> list[tuple[str, int]]:
    """(short name, weekday number) for each column, the name in the Babel ``locale``."""
    short = get_day_names("abbreviated", context="stand-alone", locale=locale)
    return [(short[n], n) for n in COLUMNS]


def month_title(month: date, locale) -> str:
    """ "December 2026" / "2026年12月" in the Babel ``locale``."""
    return format_skeleton("yMMMM", month, locale=locale)
