"""Japan's public holidays (国民の祝日 and 振替休日) for the calendars, from the ``holidays``
library (python-holidays, MIT; its Japan data follows the Cabinet Office's list), named in the
viewer's language where the library has it (Japanese, English, Thai), else "Public holiday"."""

from datetime import date
from functools import lru_cache

import holidays
from flask_babel import gettext as _

# Babel locale → the library's language for Japan's holiday names.
_LANGUAGES = {"ja": "ja", "en": "en_US", "th": "th"}


@lru_cache(maxsize=64)
def _year(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Japan(years=year, language=language).items())


def holiday_names(first: date, last: date, locale: str) -> dict[date, str]:
    """The public holidays from ``first`` to ``last`` (inclusive), by date, each named for the
    Babel ``locale`` (Easy Japanese gets the Japanese name; the page adds its reading)."""
    base = str(locale).split("@")[0].split("_")[0]
    language = _LANGUAGES.get(base)
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _year(year, language or "en_US").items():
            if first <= day <= last:
                found[day] = name if language else _("Public holiday")
    return found


def is_bank_holiday(day: date) -> bool:
    """Whether Japanese banks are closed on ``day``: a weekend, a public holiday, or the year's
    end and start (31 December to 3 January, 銀行法施行令 第5条)."""
    if day.weekday() >= 5 or (day.month, day.day) in ((12, 31), (1, 1), (1, 2), (1, 3)):
        return True
    return day in _year(day.year, "ja")


def next_banking_day(day: date) -> date:
    """``day`` itself if banks are open, else the next day they are."""
    while is_bank_holiday(day):
        day = date.fromordinal(day.toordinal() + 1)
    return day
