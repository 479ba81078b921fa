"""Foreign-resident figures by municipality × nationality: their rules and their writes.

Figures arrive through the one import (``imports/residents.py``: /imports/ and ``flask import
residents``), which reads the prefecture's table and hands each row here as a :class:`FigureDraft`
holding the values as printed. This module is the only place that decides what they mean and
whether they are right: a municipality by its JIS code (the published 6-digit form too) or its
Japanese or English name, a nationality by its ISO code or a country name (``ZZ``: "other"), a
count printed ``1,234`` or ``-`` (none). Importing an as-of date again replaces its figures.
"""

from dataclasses import dataclass
from datetime import date

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from supporters.extensions import db
from supporters.imports.reading import normalise
from supporters.models import Municipality, ResidentCount, User
from supporters.reference.codes import municipality_code
from supporters.refusals import Refused, refuse_if

OTHER = "ZZ"
# Names prefectures print that Babel's country names do not cover (or spell differently).
COUNTRY_NAMES = {
    "ベトナム": "VN",
    "中国": "CN",
    "台湾": "TW",
    "韓国": "KR",
    "朝鮮": "KP",
    "韓国・朝鮮": "KR",
    "フィリピン": "PH",
    "ブラジル": "BR",
    "インドネシア": "ID",
    "ネパール": "NP",
    "タイ": "TH",
    "スリランカ": "LK",
    "ミャンマー": "MM",
    "ペルー": "PE",
    "米国": "US",
    "アメリカ": "US",
    "インド": "IN",
    "バングラデシュ": "BD",
    "パキスタン": "PK",
    "モンゴル": "MN",
    "カンボジア": "KH",
    "英国": "GB",
    "その他": OTHER,
    "other": OTHER,
    "others": OTHER,
    "usa": "US",
    "korea": "KR",
    "south korea": "KR",
    "china": "CN",
    "taiwan": "TW",
    "vietnam": "VN",
    "viet nam": "VN",
    "myanmar": "MM",
    "burma": "MM",
    "uk": "GB",
}
MAX_RESIDENTS = 10_000_000
MAX_SOURCE = 200


@dataclass(frozen=True)
class FigureDraft:
    """One figure as the prefecture prints it (the values are read, not yet understood)."""

    municipality: str  # JIS code (5 or 6 digits) or name
    nationality: str  # ISO 3166-1 alpha-2 code or country name
    residents: str  # "1,234", "１２３", "-" for none


@dataclass(frozen=True)
class Figure:
    """A figure understood: codes and a count."""

    municipality_code: str
    nationality: str
    residents: int


def _country_table() -> dict[str, str]:
    table = {}
    for locale in ("en", "ja"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                table[normalise(name).lower()] = code
    table.update({normalise(name).lower(): code for name, code in COUNTRY_NAMES.items()})
    return table


_COUNTRIES: dict[str, str] = {}


def nationality_code(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 code (``ZZ`` for "other") from a code or a Japanese/English name."""
    if not _COUNTRIES:
        _COUNTRIES.update(_country_table())
    value = normalise(text)
    if len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
        return code if code == OTHER or code in _COUNTRIES.values() else None
    return _COUNTRIES.get(value.lower())


def municipality_lookup() -> dict[str, str]:
    """Every way a municipality may be named (code, Japanese, English) → its code; one query,
    to pass to :func:`check_figure` and :func:`add_figure` for a whole file."""
    lookup = {}
    for code, name_ja, name_en in db.session.execute(
        select(Municipality.code, Municipality.name_ja, Municipality.name_en)
    ):
        lookup[code] = code
        lookup[normalise(name_ja)] = code
        lookup[normalise(name_en).lower()] = code
    return lookup


def _municipality_code(text: str, lookup: dict[str, str]) -> str | None:
    value = normalise(text)
    value = municipality_code(value) or value  # 6 digits: the check digit is checked, dropped
    return lookup.get(value) or lookup.get(value.lower())


def _residents(text: str) -> int | None:
    value = normalise(text).replace(",", "")
    if value in ("-", "—"):
        return 0  # statistics print a dash for none
    if not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_RESIDENTS else None


def _understand(draft: FigureDraft, lookup: dict[str, str]) -> tuple[Figure | None, dict]:
    problems = {}
    municipality = _municipality_code(draft.municipality, lookup)
    if municipality is None:
        problems["municipality"] = _("Unknown municipality “%(value)s”.", value=draft.municipality)
    nationality = nationality_code(draft.nationality)
    if nationality is None:
        problems["nationality"] = _("Unknown nationality “%(value)s”.", value=draft.nationality)
    residents = _residents(draft.residents)
    if residents is None:
        problems["residents"] = _(
            "“%(value)s” is not a number of residents.", value=draft.residents
        )
    if problems:
        return None, problems
    return Figure(municipality, nationality, residents), {}


def check_figure(draft: FigureDraft, lookup: dict[str, str] | None = None) -> dict[str, str]:
    """Every rule of one figure, ``{field: message}`` (empty when it can be stored)."""
    return _understand(draft, lookup if lookup is not None else municipality_lookup())[1]


def figure_of(draft: FigureDraft, lookup: dict[str, str] | None = None) -> Figure:
    """The figure ``draft`` stands for, or :class:`Refused` naming every wrong field."""
    figure, problems = _understand(draft, lookup if lookup is not None else municipality_lookup())
    if figure is None:
        raise Refused(fields=problems)
    return figure


def check_import(as_of: date | None, source: str) -> dict[str, str]:
    """The rules of an import as a whole: the figures' date, and where they come from."""
    problems = {}
    if as_of is None:
        problems["as_of"] = _("Give the date of the figures.")
    if len(source or "") > MAX_SOURCE:
        problems["source"] = _("At most %(max)d characters.", max=MAX_SOURCE)
    return problems


def stored_rows(as_of: date) -> int:
    """Figures already stored for ``as_of`` (an import replaces them)."""
    return db.session.scalar(
        select(func.count()).select_from(ResidentCount).where(ResidentCount.as_of == as_of)
    )


def clear_date(as_of: date) -> None:
    """Delete the figures stored for ``as_of`` (flush; the caller's transaction decides)."""
    db.session.execute(delete(ResidentCount).where(ResidentCount.as_of == as_of))


def add_figure(
    draft: FigureDraft,
    as_of: date,
    source: str = "",
    by: User | None = None,
    lookup: dict[str, str] | None = None,
) -> ResidentCount:
    """Store one figure as of ``as_of`` (flush, no commit), or refuse it (:class:`Refused`)."""
    refuse_if(check_import(as_of, source))
    figure = figure_of(draft, lookup)
    count = ResidentCount(
        municipality_code=figure.municipality_code,
        nationality=figure.nationality,
        residents=figure.residents,
        as_of=as_of,
        source=source or "",
        imported_by_id=by.id if by is not None else None,
    )
    db.session.add(count)
    db.session.flush()
    return count
