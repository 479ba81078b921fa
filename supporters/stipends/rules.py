"""The stipend rule as pure functions: 2,000 yen for each month a supporter was certified.

A supporter earns the month's stipend if they were certified (not applicant, suspended or
retired) on at least one day of that calendar month (JST). No Flask or database here, so the
month-closing of [4/6] and the reports can reuse it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from supporters.clock import fiscal_year

MONTHLY_STIPEND_YEN = 2000
CERTIFIED = "certified"


@dataclass(frozen=True)
class StatusFrom:
    """From ``effective_on`` on, the supporter's status was ``status`` (a status value string)."""

    effective_on: date
    status: str


@dataclass(frozen=True)
class StipendMonth:
    """One month: its first day, whether it earns the stipend, and how much (yen)."""

    month: date
    eligible: bool
    amount_yen: int


def next_month(month: date) -> date:
    """The first day of the month after ``month``."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def fiscal_months(today: date) -> list[date]:
    """The first days of the fiscal year's months (from April) up to and including ``today``'s."""
    month = date(fiscal_year(today), 4, 1)
    months = []
    while month <= today:
        months.append(month)
        month = next_month(month)
    return months


def certified_in(month: date, history: Sequence[StatusFrom]) -> bool:
    """Whether the status was certified on any day of ``month`` (``history`` in date order)."""
    end = next_month(month)
    status_at_start = None
    for change in history:
        if change.effective_on <= month:
            status_at_start = change.status
        elif change.effective_on < end and change.status == CERTIFIED:
            return True  # became certified (again) during the month
    return status_at_start == CERTIFIED


def eligible(months: Iterable[date], history: Iterable[StatusFrom]) -> list[StipendMonth]:
    """The stipend for each of ``months`` (first days), given the status ``history``."""
    ordered = sorted(history, key=lambda change: change.effective_on)
    rows = []
    for month in months:
        earns = certified_in(month, ordered)
        rows.append(StipendMonth(month, earns, MONTHLY_STIPEND_YEN if earns else 0))
    return rows


def history_of(supporter) -> list[StatusFrom]:
    """A supporter's status history from their recorded changes, else from the dated columns."""
    changes = [
        StatusFrom(change.effective_on, str(change.to_status.value))
        for change in supporter.status_changes
    ]
    return changes or dated_history(supporter)


def dated_history(supporter) -> list[StatusFrom]:
    """The history a supporter with no recorded changes has: from the dated status columns."""
    dated = [
        (supporter.certified_on, CERTIFIED),
        (supporter.suspended_on, "suspended"),
        (supporter.retired_on, "retired"),
    ]
    return [StatusFrom(day, status) for day, status in dated if day is not None]
