"""The published statistics of foreign residents (在留外国人統計) read as resident figures.

出入国在留管理庁 publishes, twice a year on e-Stat (statistics code 00250012), the residents of
each municipality by nationality. A coordinator downloads it as CSV (CP932) or XLSX and uploads
it unchanged; :func:`read_published` recognises two layouts (docs/reference-data.md, "Resident
figures: the published statistics"):

- **wide** — 第3表「市区町村別 国籍・地域別 在留外国人」: title rows, then a header naming the
  municipality (市区町村コード and/or 都道府県市区町村 / 市区町村) and one column per nationality
  (総数, 中国, ベトナム, 韓国, …, その他); rows for Japan, each prefecture, 特別区 and each
  designated city as a whole besides its wards; notes at the end.
- **long** — the table data「市区町村別 国籍・地域別 在留資格別 在留外国人数」: one row per
  municipality × nationality (× status of residence, summed here), 99999「その他」 for the
  municipalities of ten or fewer residents.

It hands the importer the standard rows (municipality code, nationality code, count) and the
as-of date of the title (令和7年6月末 → 2025-06-30). Rows of prefectures whose municipalities
are not in the database are skipped (a national file imports only the programme's prefecture);
totals, 特別区, 未定・不詳 and notes are skipped; a name that matches no municipality of the
prefecture is a row error with suggestions.
"""

import calendar
import csv
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from babel import Locale
from flask_babel import gettext as _

from supporters.coverage.residents import country_names, nationality_code
from supporters.imports import sheets
from supporters.imports.published_places import TOTALS, Place, Places, compared
from supporters.imports.reading import (
    Column,
    FileTooLarge,
    ImportFileError,
    RowError,
    Table,
    decode,
    match_header,
    max_bytes,
    normalise,
    too_large_message,
)
from supporters.reference.lookup import not_found

HEADER_SCAN = 40  # the header is within the first rows of the file
CODE_LABELS = {"市区町村コード", "市町村コード", "団体コード", "全国地方公共団体コード",
               "地域コード", "コード", "area_code", "areacode"}  # fmt: skip
NAME_LABELS = {"市区町村", "都道府県市区町村", "都道府県・市区町村", "市区町村名", "市町村",
               "市町村名", "地域", "区分", "市区町村別"}  # fmt: skip
PREFECTURE_LABELS = {"都道府県", "都道府県名"}
NATIONALITY_LABELS = {"国籍・地域", "国籍", "国籍等", "国・地域", "国籍・地域別"}
COUNT_LABELS = {"在留外国人数", "人数", "外国人数", "人", "値", "value", "総数", "計"}
STATUS_LABELS = {"在留資格", "在留資格別", "在留資格等"}
TIME_LABELS = ("時間軸", "時点", "調査年月", "time")  # e-Stat's database downloads: 時間軸(年月)
NOTE_PREFIXES = ("注", "(注", "※", "資料", "出典", "備考")
HIDDEN = {"…", "...", "x", "X", "χ", "*", "**", "***", "秘匿"}
NONE = {"", "-", "−", "―", "—", "ー", "0"}
ERAS = {"令和": 2018, "平成": 1988}


@dataclass
class Published:
    """A file in the published layout, read into the importer's standard rows."""

    layout: str  # "wide" or "long"
    table: Table
    as_of: date | None
    title: str
    skipped: Counter = field(default_factory=Counter)  # reason → rows (or cells) left out
    names: dict[str, str] = field(default_factory=dict)  # code → the name printed, for both
    sheet: str | None = None  # the sheet read, when not the workbook's first

    def printed(self, row: dict[str, str]) -> dict[str, str]:
        """A standard row (codes) with the municipality and nationality as the table names them."""
        return {
            **row,
            "municipality": self.names.get(row["municipality"], row["municipality"]),
            "nationality": self.names.get(row["nationality"], row["nationality"]),
        }

    def notes(self) -> list[str]:
        """What the preview says about reading the file (translated)."""
        if self.layout == "wide":
            layout = _("one column per nationality")
        else:
            layout = _("one row per municipality and nationality")
        notes = [
            _(
                "Recognised the published statistics of foreign residents: %(layout)s.",
                layout=layout,
            )
        ]
        if self.sheet:
            notes.append(_("Read the sheet %(sheet)s.", sheet=self.sheet))
        skipped = self.skipped
        if skipped["other_prefecture"]:
            notes.append(
                _(
                    "Rows of prefectures without municipalities in the database, skipped: "
                    "%(count)d.",
                    count=skipped["other_prefecture"],
                )
            )
        if skipped["hidden"]:
            notes.append(
                _(
                    "Figures printed as hidden (…, x), not imported: %(count)d.",
                    count=skipped["hidden"],
                )
            )
        if skipped["unlisted"]:
            notes.append(
                _(
                    "Rows not about one municipality (その他, 未定・不詳), skipped: %(count)d.",
                    count=skipped["unlisted"],
                )
            )
        return notes


# --- Dates -------------------------------------------------------------------------------------

_ERA = r"(令和|平成)\s*(\d+|元)\s*年"
_DATE_PATTERNS = (
    (re.compile(_ERA + r"\s*(\d+)\s*月\s*(\d+)\s*日"), "day"),
    (re.compile(_ERA + r"\s*(\d+)\s*月\s*末"), "month"),
    (re.compile(_ERA + r"\s*末"), "year"),
    (re.compile(r"(\d{4})\s*年\s*(\d+)\s*月\s*(\d+)\s*日"), "day"),
    (re.compile(r"(\d{4})\s*年\s*(\d+)\s*月\s*末"), "month"),
    (re.compile(r"(\d{4})\s*年\s*末"), "year"),
    (re.compile(r"^(\d{2})-(\d{2})(?:-|$)"), "sheet"),  # e-Stat's sheet names: 25-06-03
)


def _year(groups: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
    if groups[0] in ERAS:
        return ERAS[groups[0]] + (1 if groups[1] == "元" else int(groups[1])), groups[2:]
    return int(groups[0]), groups[1:]


def date_in(text: str) -> date | None:
    """The as-of date a title names: 令和7年6月末 → 2025-06-30, 令和5年末 → 2023-12-31,
    2024年12月末現在, 令和7年6月30日現在, or a sheet named 25-06-03; else None."""
    value = normalise(text)
    for pattern, kind in _DATE_PATTERNS:
        match = pattern.search(value)
        if not match:
            continue
        try:
            if kind == "sheet":
                year, month = 2000 + int(match[1]), int(match[2])
                return date(year, month, calendar.monthrange(year, month)[1])
            year, rest = _year(match.groups())
            if kind == "year":
                return date(year, 12, 31)
            month = int(rest[0])
            day = int(rest[1]) if kind == "day" else calendar.monthrange(year, month)[1]
            return date(year, month, day)
        except ValueError:  # month 13, day 32, a year outside the calendar
            continue
    return None


# --- The header --------------------------------------------------------------------------------


@dataclass
class _Header:
    layout: str
    line: int
    code: int | None = None
    name: int | None = None
    prefecture: int | None = None
    nationality: int | None = None
    count: int | None = None
    status: int | None = None
    time: int | None = None
    nationalities: dict[int, str] = field(default_factory=dict)  # wide: column → code
    printed: dict[int, str] = field(default_factory=dict)  # wide: column → its header
    unknown: list[str] = field(default_factory=list)  # wide: columns that name no nationality


def _first(labels: list[str], names: set[str]) -> int | None:
    return next((i for i, label in enumerate(labels) if label.lower() in names), None)


def _header(line: int, cells: list[str]) -> _Header | None:
    labels = [compared(cell) for cell in cells]
    code = _first(labels, CODE_LABELS)
    if code is None:  # 市区町村 コード, 団体コード(6桁) …
        code = next((i for i, label in enumerate(labels) if "コード" in label
                     and any(word in label for word in ("市", "団体", "地域"))), None)  # fmt: skip
    name = _first(labels, NAME_LABELS)
    if name is None:  # 都道府県/市区町村, 市区町村名(漢字) …
        name = next((i for i, label in enumerate(labels) if i != code
                     and ("市区町村" in label or "市町村" in label)), None)  # fmt: skip
    prefecture = _first(labels, PREFECTURE_LABELS)
    nationality, status = _first(labels, NATIONALITY_LABELS), _first(labels, STATUS_LABELS)
    if nationality is not None and (code is not None or name is not None):
        count = next(
            (i for i in range(len(labels) - 1, -1, -1) if labels[i].lower() in COUNT_LABELS),
            None,
        )
        if count is not None and count > nationality:
            time = next((i for i, label in enumerate(labels) if label.startswith(TIME_LABELS)
                         and not label.endswith(("code", "コード"))), None)  # fmt: skip
            return _Header("long", line, code, name, prefecture, nationality, count, status, time)
    taken = {code, name, prefecture}
    columns = {
        i: nationality_code(label)
        for i, label in enumerate(labels)
        if i not in taken and label and label not in TOTALS
    }
    known = {i: nat for i, nat in columns.items() if nat}
    if len(known) < 2:
        return None
    first = min(known)
    if code is None and name is None:
        if first == 0 or labels[0]:
            return None
        name = 0  # a blank first header cell over the municipality names
    header = _Header("wide", line, code, name, prefecture, nationalities=known)
    header.printed = {i: normalise(cells[i]) for i in known}
    header.unknown = [labels[i] for i, nat in columns.items() if nat is None and i > first]
    return header


# --- Reading -----------------------------------------------------------------------------------


def _records(data: bytes, sheet: str | None) -> list[tuple[int, list[str]]]:
    """Every record of the file (or of the workbook's ``sheet``) with its line."""
    workbook = sheets.is_workbook(data)
    try:
        reader = sheets.records(data, text=None if workbook else decode(data), sheet=sheet)
        return [(line, [str(cell) for cell in cells]) for line, cells in reader]
    except sheets.SheetError as error:
        raise ImportFileError(str(error)) from error
    except csv.Error:
        return []  # the standard reader names the unreadable line


def _count(text: str) -> int | None | str:
    """A printed count: an int, None for none (-, 0, blank), "hidden" (…, x), "bad"."""
    value = normalise(text).replace(",", "").replace(" ", "")
    if value in NONE:
        return None
    if value in HIDDEN:
        return "hidden"
    if value.endswith(".0"):
        value = value[:-2]
    return int(value) if value.isdigit() else "bad"


def read_published(
    data: bytes, columns: list[Column], sheet: str | None = None
) -> Published | None:
    """The file read as the published statistics, or None if it is not in that layout: its
    first row is the importer's own header (``columns``), or no row names nationalities.

    A workbook is read from ``sheet``, else from its first sheet in the published layout
    (e-Stat's files may open with a sheet of notes)."""
    if len(data) > max_bytes():
        raise FileTooLarge(too_large_message())
    if sheet or not sheets.is_workbook(data):
        names: list[str | None] = [sheet]
    else:
        try:
            names = list(sheets.sheet_names(data))
        except sheets.SheetError as error:
            raise ImportFileError(str(error)) from error
    for number, name in enumerate(names):
        filled = [(line, cells) for line, cells in _records(data, name) if _joined(cells)]
        if not filled:
            continue
        if not isinstance(match_header(filled[0][1], columns), str):
            if number == 0:
                return None  # the importer's own table
            continue
        for index, (line, cells) in enumerate(filled[:HEADER_SCAN]):
            header = _header(line, cells)
            if header is not None:
                title = " ".join(_joined(cells) for _line, cells in filled[:index])
                published = _published(header, title, name or "", filled[index + 1 :])
                published.sheet = name if number else None
                return published
    return None


def _joined(cells: list[str]) -> str:
    return " ".join(normalise(cell) for cell in cells if normalise(cell))


def _published(header: _Header, title: str, sheet_name: str, body: list) -> Published:
    published = Published(
        header.layout,
        Table(columns=["municipality", "nationality", "residents"]),
        date_in(title) or (date_in(sheet_name) if sheet_name else None),
        title,
    )
    if header.unknown:
        published.table.errors.append(RowError(header.line, _unknown_nationalities(header.unknown)))
        return published
    places = Places()
    if not places.prefectures:
        raise ImportFileError(
            _("No municipalities are in the database yet: load your prefecture's first.")
        )
    _Reader(header, places, published).read(body)
    return published


@cache
def _spellings() -> dict[str, str]:
    """Every known spelling of a nationality as compared (lower case) → as written."""
    spellings = {}
    for locale in ("ja", "en"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                spellings.setdefault(normalise(name).lower(), name)
    for names in country_names().values():
        spellings.update({normalise(name).lower(): name for name in names})
    return spellings


def nationality_suggestions(text: str) -> list[str]:
    """Up to three known spellings of a nationality close to ``text`` (ペルーX → ペルー)."""
    spellings = _spellings()
    close = difflib.get_close_matches(normalise(text).lower(), list(spellings), n=3, cutoff=0.5)
    return [spellings[key] for key in close]


def _unknown_nationalities(names: list[str]) -> str:
    return " ".join(
        not_found(_("Unknown nationality “%(value)s”.", value=name), nationality_suggestions(name))
        for name in names
    )


class _Sums:
    """Counts by (municipality, nationality), with the line each was first seen on."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self.lines: dict[tuple[str, str], int] = {}

    def add(self, key: tuple[str, str], count: int, line: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + count
        self.lines.setdefault(key, line)


class _Reader:
    """The rows under the header → figures by (municipality, nationality), then the table."""

    def __init__(self, header: _Header, places: Places, published: Published):
        self.header, self.places, self.published = header, places, published
        self.parts, self.totals = _Sums(), _Sums()  # long: a status 総数 row wins over parts
        self.cities = _Sums()  # designated cities as a whole, whose wards are in the database
        self.wards = _Sums()  # wards the database lacks, by their city
        self.times: set[str] = set()  # e-Stat's database downloads: the dates of the rows

    def _cell(self, cells: list[str], index: int | None) -> str:
        return normalise(cells[index]) if index is not None and index < len(cells) else ""

    def read(self, body: list[tuple[int, list[str]]]) -> None:
        errors = self.published.table.errors
        for line, cells in body:
            head = self._cell(cells, self.header.name) or self._cell(cells, 0)
            if head.startswith(NOTE_PREFIXES):
                continue
            place = self.places.place(
                self._cell(cells, self.header.code),
                self._cell(cells, self.header.name),
                self._cell(cells, self.header.prefecture),
            )
            if place.kind in ("unlisted", "other_prefecture"):
                self.published.skipped[place.kind] += 1
                continue
            if place.kind == "unknown":
                errors.append(RowError(line, _unknown_municipality(place)))
                continue
            if place.kind not in ("municipality", "ward_of"):
                continue  # totals, prefecture rows, blank rows
            if self.header.time is not None:
                self.times.add(self._cell(cells, self.header.time))
            for printed_nationality, printed, is_total in self._values(cells):
                count = _count(printed)
                if count == "hidden":
                    self.published.skipped["hidden"] += 1
                elif count == "bad":
                    message = _("“%(value)s” is not a number of residents.", value=printed)
                    errors.append(RowError(line, message))
                elif count is not None:
                    nationality = nationality_code(printed_nationality)
                    self.published.names.setdefault(nationality or "", printed_nationality)
                    if nationality is None:
                        message = _unknown_nationalities([printed_nationality])
                        errors.append(RowError(line, message))
                    else:
                        self._add(place, nationality, count, line, is_total)
        self.published.table.rows = self._rows()
        self._one_date()

    def _one_date(self) -> None:
        """A file of several dates is refused (they would be added up); one gives the date."""
        if len(self.times) > 1:
            dates = ", ".join(sorted(self.times)[:5])
            message = _(
                "The file holds figures of several dates (%(dates)s); keep one.", dates=dates
            )
            self.published.table.errors.append(RowError(self.header.line, message))
            self.published.table.rows = []
        elif self.times and self.published.as_of is None:
            time = next(iter(self.times))
            self.published.as_of = date_in(time) or date_in(f"{time}末")

    def _values(self, cells: list[str]):
        """(nationality as printed, count as printed, whether a status total) of a row."""
        if self.header.layout == "wide":
            for index in self.header.nationalities:
                yield self.header.printed[index], self._cell(cells, index), False
            return
        printed = self._cell(cells, self.header.nationality)
        if compared(printed) in TOTALS:
            return
        status = compared(self._cell(cells, self.header.status))
        yield printed, self._cell(cells, self.header.count), status in TOTALS

    def _add(self, place: Place, nationality: str, count: int, line: int, total: bool) -> None:
        key = (place.code, nationality)
        if place.kind == "ward_of":
            self.wards.add(key, count, line)
        elif place.code in self.places.with_wards:
            self.cities.add(key, count, line)
        else:
            (self.totals if total else self.parts).add(key, count, line)

    def _rows(self) -> list[tuple[int, dict[str, str]]]:
        figures, lines = {**self.parts.counts, **self.totals.counts}, {**self.parts.lines}
        direct = set(figures)
        covered = {self.places.parent.get(code) for code, _nationality in direct}
        cities = {code for code, _nationality in direct}
        for extra, skip in ((self.cities, covered), (self.wards, cities)):
            for key, count in extra.counts.items():
                if key[0] not in skip:  # a city's own row wins over its wards', and the
                    figures[key] = figures.get(key, 0) + count  # database's wards over both
                    lines.setdefault(key, extra.lines[key])
        for key, line in self.totals.lines.items():
            lines.setdefault(key, line)
        ordered = sorted((lines[key], key) for key, count in figures.items() if count > 0)
        for _line, (code, _nationality) in ordered:
            self.published.names.setdefault(code, self.places.codes[code].name_ja)
        return [
            (line, {"municipality": code, "nationality": nationality,
                    "residents": str(figures[(code, nationality)])})
            for line, (code, nationality) in ordered
        ]  # fmt: skip


def _unknown_municipality(place: Place) -> str:
    message = _("Unknown municipality “%(value)s”.", value=place.text)
    return not_found(message, list(place.suggestions))
