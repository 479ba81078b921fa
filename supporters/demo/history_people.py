"""Who the demo history can use: certified sample supporters with their facts, and residents.

A supporter is only given cases on days they were certified (their recorded status history,
as the stipend rule reads it), in their languages and modes, in the municipalities they serve.
Residents are sample people too: a name from the supporters' name pools marked "(sample)", a
fictitious phone number, and the keyed hash intake gives every request (``resident_key``), so
"helped this resident before" works across the history.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from supporters.demo.people import (
    FAMILY_NAME_FIRST,
    NAMES,
    NO_SPACE,
    ORIGINS,
    load_municipalities,
)
from supporters.extensions import db
from supporters.help_requests.intake import resident_key
from supporters.models import Supporter, SupporterLanguage, User
from supporters.models.supporter import supporter_served_municipality as served
from supporters.stipends.close import status_histories
from supporters.stipends.rules import CERTIFIED

FAR_FUTURE = date(9999, 12, 31)
# Residents who asked in Easy Japanese come from any community; their names from these pools.
EASY_JAPANESE_NAMES = ("vi", "tl", "pt", "id", "ne", "zh", "th", "es")


@dataclass
class SupporterFacts:
    """What the history needs to know about one sample supporter."""

    id: int
    languages: list[str]  # native language first
    modes: list[str]
    home: str
    served: list[str]
    cap: int
    user_id: int | None
    periods: list[tuple[date, date]]  # certified from (inclusive) to (exclusive)
    activeness: float = 1.0

    def certified_on(self, day: date) -> bool:
        """Whether the supporter was certified on ``day``."""
        return any(start <= day < end for start, end in self.periods)


def certified_periods(history) -> list[tuple[date, date]]:
    """The spans of a status history (``StatusFrom`` in date order) spent certified."""
    periods, start = [], None
    for change in history:
        if change.status == CERTIFIED and start is None:
            start = change.effective_on
        elif change.status != CERTIFIED and start is not None:
            periods.append((start, change.effective_on))
            start = None
    if start is not None:
        periods.append((start, FAR_FUTURE))
    return periods


def supporter_facts(rng: random.Random) -> list[SupporterFacts]:
    """Every sample supporter who has ever been certified, in id order."""
    histories = status_histories()
    languages: dict[int, list[str]] = {}
    for sid, code in db.session.execute(
        select(SupporterLanguage.supporter_id, SupporterLanguage.language_code).order_by(
            SupporterLanguage.supporter_id, SupporterLanguage.rank, SupporterLanguage.language_code
        )
    ):
        languages.setdefault(sid, []).append(code)
    serving: dict[int, list[str]] = {}
    for sid, code in db.session.execute(
        select(served.c.supporter_id, served.c.municipality_code).order_by(
            served.c.supporter_id, served.c.municipality_code
        )
    ):
        serving.setdefault(sid, []).append(code)
    users = dict(
        db.session.execute(
            select(User.supporter_id, User.id).where(User.supporter_id.is_not(None))
        ).all()
    )
    facts = []
    for supporter in db.session.scalars(
        select(Supporter)
        .where(Supporter.is_sample.is_(True), Supporter.certified_on.is_not(None))
        .order_by(Supporter.id)
    ):
        periods = certified_periods(histories.get(supporter.id, []))
        if not periods or not languages.get(supporter.id):
            continue
        modes = [
            mode
            for mode, offered in (
                ("in_person", supporter.offers_in_person),
                ("phone", supporter.offers_phone),
                ("video", supporter.offers_video),
            )
            if offered
        ] or ["in_person"]
        facts.append(
            SupporterFacts(
                id=supporter.id,
                languages=languages[supporter.id],
                modes=modes,
                home=supporter.home_municipality_code,
                served=serving.get(supporter.id) or [supporter.home_municipality_code],
                cap=max(1, supporter.monthly_case_cap),
                user_id=users.get(supporter.id),
                periods=periods,
                # Some volunteers do a lot, some a little: the log is uneven, as in life.
                activeness=rng.choice((0.4, 0.7, 1.0, 1.0, 1.3, 1.8, 2.5)),
            )
        )
    return facts


@dataclass
class Resident:
    """A sample resident: what a request stores about the person who asked."""

    name: str
    contact: str
    nationality: str | None
    key: str


@dataclass
class Residents:
    """Sample residents per (language, municipality); some come back for help again."""

    rng: random.Random
    returning: float = 0.3
    pools: dict[tuple[str | None, str], list[Resident]] = field(default_factory=dict)
    made: int = 0

    def pick(self, language: str | None, municipality: str) -> Resident:
        """A returning resident of that language and place, or a new one."""
        pool = self.pools.setdefault((language, municipality), [])
        if pool and self.rng.random() < self.returning:
            return self.rng.choice(pool)
        resident = self._new(language)
        pool.append(resident)
        return resident

    def _new(self, language: str | None) -> Resident:
        self.made += 1
        names = language if language in NAMES else self.rng.choice(EASY_JAPANESE_NAMES)
        female, male, family = NAMES[names]
        given = self.rng.choice(female + male)
        name = given
        if family:  # in the community's own order: 김민지, Nguyễn Thị Lan, Maria Santos
            surname = self.rng.choice(family)
            first, last = (surname, given) if names in FAMILY_NAME_FIRST else (given, surname)
            name = f"{first}{last}" if names in NO_SPACE else f"{first} {last}"
        origins = ORIGINS.get(names) or [None]
        # Fictitious numbers in one block, so no two sample residents share a contact.
        contact = f"080-7{self.made // 10000:03d}-{self.made % 10000:04d}"
        return Resident(f"{name} (sample)", contact, origins[0], resident_key(contact))


def municipality_weights() -> dict[str, float]:
    """Ibaraki's municipalities weighted by their foreign residents (the demo's rough totals)."""
    return {row["code"]: max(1, row["foreign_residents"]) for row in load_municipalities()}


def municipality_names() -> dict[str, str]:
    """Japanese municipality names by code (for sample place names)."""
    return {row["code"]: row["name_ja"] for row in load_municipalities()}
