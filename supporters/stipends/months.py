"""Months as the stipend pages name them: ``2025-04`` in URLs and commands, the 1st as a date."""

import re
from datetime import date

from werkzeug.routing import BaseConverter, ValidationError

from supporters.clock import FIRST_YEAR, LAST_YEAR, today_jst

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """``"2025-04"`` → ``date(2025, 4, 1)``; ValueError for anything else.

    Only the app's window of years (``clock.FIRST_YEAR``–``LAST_YEAR``) is a month: ``9999-12``
    would overflow the first month after it, and no stipend or report lives there.
    """
    found = MONTH_PATTERN.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"not a month in the form YYYY-MM: {text!r}")
    if not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
        raise ValueError(f"not a month between {FIRST_YEAR} and {LAST_YEAR}: {text!r}")
    return date(int(found.group(1)), int(found.group(2)), 1)


def month_text(month: date) -> str:
    """``date(2025, 4, 1)`` → ``"2025-04"``."""
    return f"{month.year:04d}-{month.month:02d}"


def current_month() -> date:
    """The first day of this month in Japan."""
    return today_jst().replace(day=1)


def months_before(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month`` (``count`` may be 0)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from ``first`` to ``last`` inclusive (first days)."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


class MonthConverter(BaseConverter):
    """URL converter ``<month:month>``: ``2025-04`` in the URL, ``date(2025, 4, 1)`` in the view."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return parse_month(value)
        except ValueError as error:
            raise ValidationError() from error

    def to_url(self, value) -> str:
        return month_text(value) if isinstance(value, date) else str(value)
