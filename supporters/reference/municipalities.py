"""Loading the shipped municipalities and applying the yearly update (mergers, new codes).

A merged municipality is never deleted: its row stays with the last day it existed
(``valid_until``) and the code that took it over (``successor_code``), so supporters, requests,
case logs and figures that name it keep naming it, and lists show "old → new".
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from supporters import audit
from supporters.extensions import db
from supporters.models import Municipality
from supporters.reference import shipped
from supporters.reference.codes import BAD_CHECK_DIGIT, parse_municipality_code, with_check_digit
from supporters.reference.romaji import place_romaji
from supporters.refusals import Refused

FIELDS = ("prefecture_code", "name_ja", "kana", "name_en", "kind", "latitude", "longitude")


@dataclass
class LoadResult:
    """What loading the shipped municipalities did."""

    created: int = 0
    completed: int = 0  # existing rows that got their 6-digit code
    updated: int = 0
    unchanged: int = 0


def load_municipalities(prefecture_code: str | None, refresh: bool = False) -> LoadResult:
    """Insert a prefecture's shipped municipalities (all of Japan with ``None``); flush only.

    Idempotent. Rows already present keep the names and coordinates the programme gave them
    (the demo's, an import's) unless ``refresh``; only a missing 6-digit code is filled in.
    """
    result = LoadResult()
    stored = {m.code: m for m in db.session.scalars(select(Municipality))}
    for row in shipped.municipalities(prefecture_code):
        municipality = stored.get(row.code)
        if municipality is None:
            municipality = Municipality(code=row.code, lg_code=row.lg_code)
            _copy(row, municipality)
            db.session.add(municipality)
            result.created += 1
        elif refresh and any(getattr(municipality, f) != getattr(row, f) for f in FIELDS):
            _copy(row, municipality)
            municipality.lg_code = row.lg_code
            result.updated += 1
        elif municipality.lg_code != row.lg_code:
            municipality.lg_code = row.lg_code
            result.completed += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def _copy(row, municipality: Municipality) -> None:
    for name in FIELDS:
        setattr(municipality, name, getattr(row, name))


# --- The yearly update ----------------------------------------------------------------------------

UPDATE_COLUMNS = ("date", "code", "merged_codes") + FIELDS[1:]


@dataclass
class MunicipalityChange:
    """One line of an update file: from ``on``, ``code`` exists and ``merged_codes`` merged into it
    (or, with no merged codes, ``code`` is new or renamed)."""

    line: int
    on: date
    code: str
    merged_codes: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)  # name_ja, kana, name_en, kind, latitude, …


@dataclass
class UpdateResult:
    """What applying an update file did (or would do)."""

    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (old, new)
    skipped: list[str] = field(default_factory=list)  # codes of prefectures not loaded here
    unchanged: int = 0


def read_update(text: str) -> list[MunicipalityChange]:
    """Parse an update CSV (``date,code,merged_codes,name_ja,kana,name_en,kind,latitude,
    longitude``; merged codes separated by spaces or ``;``); refuses with every line's problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in ("date", "code") if name not in (reader.fieldnames or ())]
    if missing:
        raise Refused(_("Missing columns: %(names)s.", names=", ".join(missing)), "file")
    changes, problems = [], {}
    for line, values in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in values.items() if k}
        try:
            changes.append(_change(line, values))
        except ValueError as error:
            problems[f"line {line}"] = str(error)
    if problems:
        raise Refused(fields=problems)
    return changes


def _code(text: str) -> str:
    code, why = parse_municipality_code(text)
    if code is None:
        if why == BAD_CHECK_DIGIT:
            raise ValueError(_("“%(value)s”: the check digit is wrong.", value=text))
        raise ValueError(_("“%(value)s” is not a 5-digit JIS code.", value=text))
    return code


def _change(line: int, values: dict) -> MunicipalityChange:
    try:
        on = date.fromisoformat(values.get("date", ""))
    except ValueError:
        raise ValueError(_("Give the date as YYYY-MM-DD.")) from None
    code = _code(values.get("code", ""))
    merged = tuple(
        _code(part) for part in values.get("merged_codes", "").replace(";", " ").split() if part
    )
    if code in merged:
        raise ValueError(_("A code cannot be merged into itself."))
    details = {name: values[name] for name in FIELDS[1:] if values.get(name)}
    for name in ("latitude", "longitude"):
        if name in details:
            try:
                details[name] = float(details[name])
            except ValueError:
                raise ValueError(_("“%(value)s” is not a number.", value=details[name])) from None
    if details.get("kind", "city") not in shipped.KINDS:
        raise ValueError(_("Give the kind: %(kinds)s.", kinds=", ".join(shipped.KINDS)))
    return MunicipalityChange(line, on, code, merged, details)


def apply_update(changes: list[MunicipalityChange]) -> UpdateResult:
    """Apply an update: create new codes, rename, mark merged codes with their successor.

    Flush + audit, the caller commits (all or nothing). Lines about prefectures this programme
    has not loaded are skipped. Applying the same file twice changes nothing the second time.
    """
    result = UpdateResult()
    stored = {m.code: m for m in db.session.scalars(select(Municipality))}
    loaded_prefectures = {m.prefecture_code for m in stored.values()}
    problems = {}
    for change in changes:
        involved = [change.code, *change.merged_codes]
        if change.code[:2] not in loaded_prefectures and not any(c in stored for c in involved):
            result.skipped.append(change.code)
            continue
        try:
            new = _new_or_renamed(change, stored, result)
        except ValueError as error:
            problems[f"line {change.line}"] = str(error)
            continue
        for old_code in change.merged_codes:
            old = stored.get(old_code)
            if old is None:
                continue  # never loaded here: no record can name it
            last_day = change.on - timedelta(days=1)
            if old.successor_code == new.code and old.valid_until == last_day:
                result.unchanged += 1
                continue
            old.successor_code, old.valid_until = new.code, last_day
            audit.record("municipality_merged", old, f"{old.code}→{new.code} {change.on}")
            result.merged.append((old.code, new.code))
    if problems:
        raise Refused(fields=problems)
    db.session.flush()
    return result


def _new_or_renamed(change: MunicipalityChange, stored: dict, result: UpdateResult):
    existing = stored.get(change.code)
    details = dict(change.details)
    if existing is None:
        row = shipped.shipped_municipality(change.code)
        base = {name: getattr(row, name) for name in FIELDS} if row is not None else {}
        details = {**base, "prefecture_code": change.code[:2], **details}
        if not details.get("name_en") and details.get("name_ja") and details.get("kana"):
            details["name_en"] = place_romaji(details["name_ja"], details["kana"])
        lacking = [name for name in FIELDS if details.get(name) in (None, "")]
        if lacking:
            raise ValueError(
                _("New code %(code)s: give %(names)s.", code=change.code, names=", ".join(lacking))
            )
        municipality = Municipality(code=change.code, lg_code=with_check_digit(change.code))
        for name in FIELDS:
            setattr(municipality, name, details[name])
        db.session.add(municipality)
        db.session.flush()
        stored[change.code] = municipality
        audit.record("municipality_added", municipality, f"{change.code} {change.on}")
        result.created.append(change.code)
        return municipality
    changed = {k: v for k, v in details.items() if getattr(existing, k) != v}
    if changed:
        for name, value in changed.items():
            setattr(existing, name, value)
        audit.record("municipality_renamed", existing, ",".join(sorted(changed)))
        result.renamed.append(existing.code)
    elif not change.merged_codes:
        result.unchanged += 1
    return existing
