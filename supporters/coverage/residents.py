"""Foreign-resident figures by municipality × nationality: their rules and their writes.

Figures arrive through the one import (``imports/residents.py``: /imports/ and ``flask import
residents``), which reads the prefecture's table and hands each row here as a :class:`FigureDraft`
holding the values as printed. This module is the only place that decides what they mean and
whether they are right: a municipality by its JIS code (the published 6-digit form too) or its
Japanese or English name, a nationality by its ISO code or a country name (``ZZ``: "other"), a
count printed ``1,234`` or ``-`` (none). Importing an as-of date again replaces its figures.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.imports.reading import normalise
from supporters.models import Municipality, ResidentCount, User
from supporters.reference.codes import municipality_code
from supporters.refusals import Refused, refuse_if

OTHER = "ZZ"
# Names the published statistics print (米国, 中国（台湾）, 朝鮮, 無国籍 …) that Babel's country
# names do not cover or spell differently: supporters/reference/data/nationalities.csv.
NATIONALITIES_CSV = Path(__file__).resolve().parent.parent / "reference/data/nationalities.csv"
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


def country_names() -> dict[str, list[str]]:
    """Every name of the shipped nationality table by code, the printed Japanese name first."""
    with NATIONALITIES_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: [row["name_ja"], row["name_en"]]
            + [name for name in row["other_names"].split(";") if name.strip()]
            for row in csv.DictReader(fh)
        }


def _country_table() -> dict[str, str]:
    table = {}
    for locale in ("en", "ja"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                table[normalise(name).lower()] = code
    for code, names in country_names().items():
        table.update({normalise(name).lower(): code for name in names})
    return table


def nationality_names() -> dict[str, str]:
    """Every known spelling of a nationality (normalised, lower case) → its code."""
    if not _COUNTRIES:
        _COUNTRIES.update(_country_table())
    return _COUNTRIES


_COUNTRIES: dict[str, str] = {}


def nationality_code(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 code (``ZZ`` for "other") from a code or a Japanese/English name."""
    names = nationality_names()
    value = normalise(text)
    if len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
        return code if code == OTHER or code in names.values() else None
    return names.get(value.lower())


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


def stored_figures(as_of: date) -> dict[tuple[str, str], int]:
    """The figures stored for ``as_of``: (municipality code, nationality) → residents."""
    rows = db.session.execute(
        select(
            ResidentCount.municipality_code, ResidentCount.nationality, ResidentCount.residents
        ).where(ResidentCount.as_of == as_of)
    )
    return {(code, nationality): residents for code, nationality, residents in rows}


def remove_figures(as_of: date, keep: set[tuple[str, str]]) -> int:
    """Delete the figures of ``as_of`` whose (municipality, nationality) is not in ``keep``
    (an import replaces the date's figures); flush, the caller's transaction decides."""
    gone = [key for key in stored_figures(as_of) if key not in keep]
    for code, nationality in gone:
        db.session.execute(
            delete(ResidentCount).where(
                ResidentCount.as_of == as_of,
                ResidentCount.municipality_code == code,
                ResidentCount.nationality == nationality,
            )
        )
    return len(gone)


def save_figure(
    draft: FigureDraft,
    as_of: date,
    source: str = "",
    by: User | None = None,
    lookup: dict[str, str] | None = None,
) -> ResidentCount:
    """Store one figure as of ``as_of``, changing the stored one of the same municipality and
    nationality if there is one (flush, no commit), or refuse it (:class:`Refused`)."""
    refuse_if(check_import(as_of, source))
    figure = figure_of(draft, lookup)
    count = db.session.scalar(
        select(ResidentCount).where(
            ResidentCount.as_of == as_of,
            ResidentCount.municipality_code == figure.municipality_code,
            ResidentCount.nationality == figure.nationality,
        )
    )
    if count is None:
        return add_figure(draft, as_of, source, by, lookup)
    count.residents, count.source, count.illustrative = figure.residents, source or "", False
    count.imported_by_id, count.imported_at = (by.id if by is not None else None), utcnow()
    db.session.flush()
    return count


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
