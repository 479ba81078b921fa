"""Import foreign residents by municipality × nationality from a CSV, all or nothing.

The file is read as a prefecture publishes it: UTF-8 (with or without BOM) or CP932, a header
row, then one row per municipality and nationality. Every value is NFKC-normalised (full-width
digits and letters become ASCII). If any row is wrong nothing is imported and every wrong row is
reported with its line number; re-importing an as-of date replaces that date's figures.
"""

from dataclasses import dataclass, field
from datetime import date

from babel import Locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from supporters import audit
from supporters.extensions import db
from supporters.imports.reading import (  # noqa: F401  (ImportFileError: part of this API)
    Column,
    ImportFileError,
    RowError,
    normalise,
    read_table,
)
from supporters.models import Municipality, ResidentCount, User

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
HEADERS = {
    "municipality": {"municipality", "municipality code", "code", "市町村", "市区町村", "市町村名",
                     "市町村コード", "市区町村コード", "団体コード"},
    "nationality": {"nationality", "country", "国籍", "国籍・地域", "国・地域", "国籍等"},
    "residents": {"residents", "count", "number", "人数", "在留外国人数", "外国人数", "総数", "計"},
}  # fmt: skip
COLUMNS = [Column(name, tuple(synonyms)) for name, synonyms in HEADERS.items()]
MAX_RESIDENTS = 10_000_000


@dataclass(frozen=True)
class ResidentRow:
    """One valid row of the file."""

    line: int
    municipality_code: str
    nationality: str
    residents: int


@dataclass
class ImportResult:
    """What a file holds (or would replace): valid rows, errors, and whether it was saved."""

    as_of: date
    rows: list[ResidentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    replaced: int = 0  # rows already stored for the as-of date (replaced on import)
    saved: bool = False

    @property
    def ok(self) -> bool:
        """No error: the file can be imported."""
        return not self.errors and bool(self.rows)

    @property
    def total_residents(self) -> int:
        """Residents in all valid rows."""
        return sum(row.residents for row in self.rows)

    @property
    def municipalities(self) -> int:
        """How many municipalities the valid rows cover."""
        return len({row.municipality_code for row in self.rows})


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


def _municipality_lookup() -> dict[str, str]:
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
    if len(value) == 6 and value.isdigit():
        value = value[:5]  # the published 6-digit form ends in a check digit
    return lookup.get(value) or lookup.get(value.lower())


def _residents(text: str) -> int | None:
    value = normalise(text).replace(",", "")
    if value in ("-", "—"):
        return 0  # statistics print a dash for none
    if not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_RESIDENTS else None


def check_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[ResidentRow], list[RowError]]:
    """The rows read by :func:`~supporters.imports.reading.read_table`, checked one by one."""
    lookup = _municipality_lookup()
    seen: dict[tuple[str, str], int] = {}
    valid, errors = [], []
    for start, values in rows:
        problems = []
        municipality = _municipality_code(values["municipality"], lookup)
        if municipality is None:
            problems.append(_("Unknown municipality “%(value)s”.", value=values["municipality"]))
        nationality = nationality_code(values["nationality"])
        if nationality is None:
            problems.append(_("Unknown nationality “%(value)s”.", value=values["nationality"]))
        residents = _residents(values["residents"])
        if residents is None:
            problems.append(
                _("“%(value)s” is not a number of residents.", value=values["residents"])
            )
        if municipality and nationality:
            first = seen.setdefault((municipality, nationality), start)
            if first != start:
                problems.append(
                    _("Same municipality and nationality as line %(line)d.", line=first)
                )
        if problems:
            errors.append(RowError(start, " ".join(problems)))
        else:
            valid.append(ResidentRow(start, municipality, nationality, residents))
    return valid, errors


def stored_rows(as_of: date) -> int:
    """Figures already stored for ``as_of`` (an import replaces them)."""
    return db.session.scalar(
        select(func.count()).select_from(ResidentCount).where(ResidentCount.as_of == as_of)
    )


def parse_residents(data: bytes, as_of: date) -> ImportResult:
    """Check every row of the file; nothing is written."""
    result = ImportResult(as_of=as_of)
    table = read_table(data, COLUMNS)
    result.errors.extend(table.errors)
    result.rows, errors = check_rows(table.rows)
    result.errors.extend(errors)
    result.errors.sort(key=lambda error: error.line)
    result.replaced = stored_rows(as_of)
    return result


def import_residents(
    data: bytes,
    as_of: date,
    source: str = "",
    by: User | None = None,
    dry_run: bool = False,
    illustrative: bool = False,
) -> ImportResult:
    """Replace the figures of ``as_of`` with the file's, or change nothing if any row is wrong.

    Flushes and audits; the caller commits (one transaction: the delete and the inserts).
    """
    result = parse_residents(data, as_of)
    if not result.ok or dry_run:
        return result
    db.session.execute(delete(ResidentCount).where(ResidentCount.as_of == as_of))
    db.session.add_all(
        ResidentCount(
            municipality_code=row.municipality_code,
            nationality=row.nationality,
            residents=row.residents,
            as_of=as_of,
            source=source[:200],
            illustrative=illustrative,
            imported_by_id=by.id if by is not None else None,
        )
        for row in result.rows
    )
    db.session.flush()
    audit.record(
        "import_residents",
        ResidentCount(as_of=as_of),
        detail=f"as_of={as_of.isoformat()} rows={len(result.rows)} replaced={result.replaced}",
        user=by,
    )
    result.saved = True
    return result
