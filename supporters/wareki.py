"""Dates as staff read them: 令和 years beside western years, months and days in words."""

from datetime import date

from babel.dates import format_skeleton
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from supporters.i18n import current_locale

REIWA_FIRST_YEAR = 2019


def reiwa_year(year: int) -> str | None:
    """The Reiwa year of a western (fiscal) year: ``"元"`` for 2019, ``None`` before it."""
    if year < REIWA_FIRST_YEAR:
        return None
    era = year - REIWA_FIRST_YEAR + 1
    return "元" if era == 1 else str(era)


def fiscal_year_text(year: int) -> str:
    """A fiscal year as staff read it: ``2026年度（令和8年度）`` in Japanese, ``FY2026`` else."""
    era = reiwa_year(year)
    if current_locale() == "ja" and era is not None:
        return _("FY%(year)d (Reiwa %(era)s)", year=year, era=era)
    return _("FY%(year)d", year=year)


def _as_date(value: date | str) -> date:
    """A date, or ``YYYY-MM`` / ``YYYY-MM-DD`` text (as reports store them) as a date."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(value if len(value) > 7 else f"{value}-01")


def month_label(month: date | str) -> str:
    """A month as words in the viewer's language: ``2025年4月``, ``Apr 2025`` (ISO stays in
    URLs, CSV and input fields)."""
    return format_skeleton("yMMM", _as_date(month), locale=get_locale() or "ja")


def month_short(month: date | str) -> str:
    """A month for a narrow column: ``2025/4`` in Japanese, ``4/2025`` in English."""
    return format_skeleton("yM", _as_date(month), locale=get_locale() or "ja")


def period_text(first: date | str, last: date | str) -> str:
    """A period of months in words: ``2025年4月``, or ``2025年4月〜2025年12月``."""
    if _as_date(first) == _as_date(last):
        return month_label(first)
    return _("%(first)s – %(last)s", first=month_label(first), last=month_label(last))


def date_label(day: date | str) -> str:
    """A day as words in the viewer's language: ``2026年5月14日``, ``May 14, 2026``."""
    return format_date(_as_date(day), "long")
