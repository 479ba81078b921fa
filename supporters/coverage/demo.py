"""Illustrative demand and targets for the demo: NOT official statistics.

Resident counts are derived deterministically from the rough totals in
``supporters/demo/municipalities.csv`` and a typical national mix for Ibaraki, tilted by area
(Brazilians and Peruvians in the south-west factory towns, Indonesians and Filipinos on the
Kashima coast and in farming areas, Chinese, Koreans and Indians in Tsukuba). Every row is
stored with ``illustrative=True`` and every page that shows them says so.
"""

import hashlib
from datetime import date

from sqlalchemy import func, select

from supporters import tenancy
from supporters.coverage.mapping import seed_default_mapping
from supporters.demo.people import load_municipalities
from supporters.extensions import db
from supporters.models import Language, ProgrammeTarget, ResidentCount, TargetLanguage

DEMO_AS_OF = date(2025, 12, 31)
DEMO_SOURCE = "Illustrative demo figures (not official statistics)"

# Share of each nationality among foreign residents, before the local tilt.
MIX = {
    "VN": 24, "CN": 13, "PH": 12, "ID": 8, "BR": 7, "TH": 5, "NP": 5, "KR": 4,
    "LK": 4, "MM": 3, "PE": 2, "BD": 1, "IN": 1, "US": 1, "ZZ": 10,
}  # fmt: skip
TILT = {
    # south-west factory belt: Brazil and Peru
    **{code: {"BR": 3.0, "PE": 3.0} for code in ("08204", "08211", "08228", "08207", "08542")},
    # research city
    "08220": {"CN": 2.0, "KR": 2.0, "IN": 4.0, "US": 3.0, "NP": 1.5},
    # Kashima coast and farming: Indonesia, the Philippines, Vietnam
    **{code: {"ID": 3.0, "PH": 1.5} for code in ("08222", "08232", "08234", "08233")},
    # Koga and Joso: a Nepali community around the restaurants
    "08211": {"BR": 3.0, "PE": 3.0, "NP": 2.5},
    "08204": {"BR": 3.0, "PE": 3.0, "NP": 3.0},
}

MILESTONES = {2025: 110, 2026: 120, 2027: 130, 2028: 140, 2029: 150}
TARGET_LANGUAGES = ("vi", "zh", "tl", "pt", "id", "th", "ne", "ko", "si", "my", "es", "en")
CASES_PER_YEAR = 2400
COVERAGE_MIN_RESIDENTS = 100


def _jitter(code: str, nationality: str) -> float:
    """A stable factor between 0.6 and 1.4 for a municipality and nationality."""
    digest = hashlib.sha256(f"{code}:{nationality}".encode()).digest()
    return 0.6 + 0.8 * digest[0] / 255


def illustrative_counts() -> list[tuple[str, str, int]]:
    """(municipality, nationality, residents) for the 44 municipalities, always the same."""
    rows = []
    for municipality in load_municipalities():
        code = municipality["code"]
        total = int(municipality.get("foreign_residents") or 0)
        tilt = TILT.get(code, {})
        weights = {n: share * tilt.get(n, 1.0) * _jitter(code, n) for n, share in MIX.items()}
        whole = sum(weights.values())
        for nationality, weight in weights.items():
            residents = round(total * weight / whole)
            if residents:
                rows.append((code, nationality, residents))
    return rows


def seed_illustrative_residents() -> int:
    """Store the illustrative figures as of ``DEMO_AS_OF`` unless that date has figures."""
    exists = db.session.scalar(
        select(func.count()).select_from(ResidentCount).where(ResidentCount.as_of == DEMO_AS_OF)
    )
    if exists:
        return 0
    rows = illustrative_counts()
    db.session.add_all(
        ResidentCount(
            municipality_code=code,
            nationality=nationality,
            residents=residents,
            as_of=DEMO_AS_OF,
            source=DEMO_SOURCE,
            illustrative=True,
        )
        for code, nationality, residents in rows
    )
    db.session.flush()
    return len(rows)


def seed_targets() -> int:
    """The yearly milestones towards 150 certified supporters by FY2029 (missing years only)."""
    known = set(db.session.scalars(select(Language.code)))
    added = 0
    for year, supporters in MILESTONES.items():
        if tenancy.get_keyed(ProgrammeTarget, year) is not None:
            continue
        target = ProgrammeTarget(
            fiscal_year=year,
            certified_supporters=supporters,
            cases_per_year=CASES_PER_YEAR,
            coverage_min_residents=COVERAGE_MIN_RESIDENTS,
            note="Demo milestone",
        )
        target.languages = [
            TargetLanguage(fiscal_year=year, language_code=code)
            for code in TARGET_LANGUAGES
            if code in known
        ]
        db.session.add(target)
        added += 1
    db.session.flush()
    return added


def seed_coverage_demo() -> dict[str, int]:
    """Mapping, illustrative residents and targets; idempotent."""
    return {
        "mapping_pairs": seed_default_mapping(),
        "resident_rows": seed_illustrative_residents(),
        "targets": seed_targets(),
    }
