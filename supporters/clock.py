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
