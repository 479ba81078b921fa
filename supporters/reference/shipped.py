"""The reference data shipped with the app: Japan's prefectures and municipalities.

``data/prefectures.csv`` (47) and ``data/municipalities.csv`` (every city, special ward, town
and village, and the wards of the designated cities) — where they come from and how they were
changed is written in ``docs/reference-data.md``.
"""

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
KINDS = ("city", "ward", "town", "village", "city_ward")


@dataclass(frozen=True)
class Prefecture:
    """A prefecture: its 2-digit code, 6-digit local government code and names."""

    code: str
    lg_code: str
    name_ja: str
    kana: str
    name_en: str


@dataclass(frozen=True)
class ShippedMunicipality:
    """One row of the shipped municipality file."""

    code: str
    lg_code: str
    prefecture_code: str
    name_ja: str
    kana: str
    name_en: str
    kind: str
    latitude: float
    longitude: float


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@cache
def prefectures() -> dict[str, Prefecture]:
    """The 47 prefectures by 2-digit code (``"08"`` → Ibaraki)."""
    return {
        row["code"]: Prefecture(
            row["code"], row["lg_code"], row["name_ja"], row["kana"], row["name_en"]
        )
        for row in _rows("prefectures.csv")
    }


@cache
def _municipalities() -> tuple[ShippedMunicipality, ...]:
    return tuple(
        ShippedMunicipality(
            **{**row, "latitude": float(row["latitude"]), "longitude": float(row["longitude"])}
        )
        for row in _rows("municipalities.csv")
    )


def municipalities(prefecture_code: str | None = None) -> list[ShippedMunicipality]:
    """The shipped municipalities in code order: all of Japan, or one prefecture's."""
    rows = _municipalities()
    if prefecture_code is None:
        return list(rows)
    return [row for row in rows if row.prefecture_code == prefecture_code]


def shipped_municipality(code: str) -> ShippedMunicipality | None:
    """The shipped row of a 5-digit code, if there is one."""
    return next((row for row in _municipalities() if row.code == code), None)


def prefecture_code(text: str) -> str | None:
    """A prefecture typed as 8, 08, ０８, 茨城県, 茨城 or Ibaraki → ``"08"``; else None."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if value.isdigit() and value.isascii():
        value = value.zfill(2)
        return value if value in prefectures() else None
    for prefecture in prefectures().values():
        name = prefecture.name_ja
        short = name[:-1] if name[-1] in "都府県" else name
        if value in (prefecture.name_ja, short) or value.lower() == prefecture.name_en.lower():
            return prefecture.code
    return None
