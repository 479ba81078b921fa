"""Time in the programme's terms: UTC timestamps, JST calendar dates, fiscal years from April."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (what every ``*_at`` column stores)."""
    return datetime.now(UTC)


def today_jst() -> date:
    """Today's date in Japan, which is what every ``*_on`` column means."""
    return datetime.now(JST).date()


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year a date falls in: FY2025 runs 1 April 2025 – 31 March 2026."""
    return day.year if day.month >= 4 else day.year - 1


# The years any date or month typed into the app may fall in: outside them a value is a typing
# mistake or an attack, and far-off years overflow date arithmetic (9999-12 + one month).
FIRST_YEAR = 2000
LAST_YEAR = 2100


def in_window(day: date) -> bool:
    """Whether ``day`` (a date or datetime) falls within FIRST_YEAR–LAST_YEAR."""
    return FIRST_YEAR <= day.year <= LAST_YEAR
