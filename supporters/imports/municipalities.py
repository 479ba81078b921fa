"""Importing municipalities (JIS X 0402): insert or update by code, then forget the centroids."""

from flask_babel import gettext as _
from sqlalchemy import select

from supporters.extensions import db
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, Importer, ParsedRow
from supporters.imports.reading import Column, RowError
from supporters.models import Municipality
from supporters.reference import shipped
from supporters.reference.codes import BAD_CHECK_DIGIT, parse_municipality_code, with_check_digit

KINDS = {"市": "city", "町": "town", "村": "village", "区": "ward"}
# Japan between its outlying islands: catches swapped or mistyped coordinates.
LATITUDES, LONGITUDES = (20.0, 46.0), (122.0, 154.0)

COLUMNS = [
    Column("code", ("municipality_code", "jis_code", "団体コード", "市町村コード", "コード")),
    Column("prefecture_code", ("prefecture", "都道府県コード", "都道府県"), required=False),
    Column("name_ja", ("japanese name", "市町村名", "名称", "市町村")),
    Column("name_en", ("english_name", "romaji", "英語名", "英語表記", "ローマ字")),
    Column("kana", ("reading", "よみ", "ふりがな", "よみがな", "読み"), required=False),
    Column("kind", ("種別", "区分"), required=False),
    Column("latitude", ("lat", "緯度")),
    Column("longitude", ("lon", "lng", "経度")),
]
# The kind as offices write it (市, city, 政令市の区 …) → the stored word.
KIND_WORDS = {
    **{word: kind for word, kind in KINDS.items()},
    **{kind: kind for kind in KINDS.values()},
    "city_ward": "city_ward",
    "行政区": "city_ward",
    "特別区": "ward",
}
FIELDS = ("prefecture_code", "name_ja", "name_en", "kana", "kind", "latitude", "longitude")


def municipality_code(text: str) -> str | None:
    """A 5-digit JIS code; the published 6-digit form's check digit is checked, then dropped."""
    return parse_municipality_code(text)[0]


def _coordinate(text: str, bounds: tuple[float, float]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if bounds[0] <= value <= bounds[1] else None


class MunicipalityImporter(Importer):
    """Municipalities with their names and centroid; known codes are updated."""

    kind = "municipalities"
    columns = COLUMNS

    def check(self, rows):
        stored = {m.code: m for m in db.session.scalars(select(Municipality))}
        parsed, errors, seen = [], [], {}
        for line, values in rows:
            problems = []
            code, why = parse_municipality_code(values["code"])
            if why == BAD_CHECK_DIGIT:
                problems.append(
                    _(
                        "“%(value)s”: the last digit is not the check digit of the JIS code.",
                        value=values["code"],
                    )
                )
            elif code is None:
                problems.append(_("“%(value)s” is not a 5-digit JIS code.", value=values["code"]))
            elif code in seen:
                problems.append(_("Same code as line %(line)d.", line=seen[code]))
            else:
                seen[code] = line
            written = values.get("prefecture_code", "")
            prefecture = shipped.prefecture_code(written) or written or (code or "")[:2]
            if code and prefecture != code[:2]:
                problems.append(
                    _(
                        "The prefecture code %(value)s does not match the JIS code.",
                        value=prefecture,
                    )
                )
            name_ja, name_en = values["name_ja"], values["name_en"]
            if not name_ja or len(name_ja) > 40:
                problems.append(_("Give the Japanese name (at most 40 characters)."))
            if not name_en or len(name_en) > 60:
                problems.append(_("Give the English name (at most 60 characters)."))
            kana = values.get("kana", "")
            if len(kana) > 60:
                problems.append(_("The reading is longer than 60 characters."))
            kind = values.get("kind", "").lower() or KINDS.get(name_ja[-1:], "")
            kind = KIND_WORDS.get(kind, kind)
            if kind not in KIND_WORDS.values():
                problems.append(
                    _("Give the kind: %(kinds)s.", kinds=", ".join(sorted(set(KIND_WORDS))))
                )
            latitude = _coordinate(values["latitude"], LATITUDES)
            longitude = _coordinate(values["longitude"], LONGITUDES)
            if latitude is None:
                problems.append(
                    _("“%(value)s” is not a latitude in Japan.", value=values["latitude"])
                )
            if longitude is None:
                problems.append(
                    _("“%(value)s” is not a longitude in Japan.", value=values["longitude"])
                )
            if problems:
                errors.append(RowError(line, " ".join(problems)))
                continue
            payload = dict(
                prefecture_code=prefecture,
                name_ja=name_ja,
                name_en=name_en,
                kana=kana,
                kind=kind,
                latitude=latitude,
                longitude=longitude,
            )
            current = stored.get(code)
            changes = ()
            if current is None:
                action = CREATE
            else:
                changes = tuple(n for n in FIELDS if getattr(current, n) != payload[n])
                action = UPDATE if changes else UNCHANGED
            parsed.append(
                ParsedRow(line, action, {**values, "code": code}, (code, payload), changes)
            )
        return parsed, errors

    def apply(self, row: ParsedRow) -> None:
        code, payload = row.payload
        municipality = db.session.get(Municipality, code) or Municipality(code=code)
        municipality.lg_code = with_check_digit(code)
        for name, value in payload.items():
            setattr(municipality, name, value)
        db.session.add(municipality)
        db.session.flush()

    def after(self, result) -> None:
        # Matching caches the centroids (the distance table is keyed by them, so it follows).
        from supporters.help_requests.candidates import forget_centroids

        forget_centroids()

    def audit_object(self) -> object:
        return Municipality()
