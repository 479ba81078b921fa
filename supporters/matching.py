"""Explainable supporter matching: hard filters, a scored ranking with reasons, and fallbacks.

Pure Python on frozen dataclasses (no Flask, no database) so it can be tested and benchmarked
alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

JST = ZoneInfo("Asia/Tokyo")

LEVEL_RANK = {"conversational": 1, "fluent": 2, "native": 3}
# Bonus for Japanese when no language is requested (Easy Japanese): stronger Japanese ranks higher.
JAPANESE_BONUS = {"native": 10.0, "N1": 8.0, "N2": 5.0}
# Bonus for speaking the requested language above the minimum level.
LANGUAGE_BONUS = {"native": 10.0, "fluent": 6.0, "conversational": 0.0}
REMOTE_MODES = ("phone", "video")

DISTANCE_WEIGHT = 30.0
DISTANCE_SCALE_KM = 60.0  # beyond this, closeness adds nothing
LOAD_WEIGHT = 30.0
CONTINUITY_BONUS = 20.0
EXPERIENCE_PER_CASE = 2.0
EXPERIENCE_CAP = 20.0
NEIGHBOURING_LIMIT = 3

FILTER_ORDER = ("status", "language", "mode", "gender", "location", "availability", "capacity")


@dataclass(frozen=True)
class Need:
    """What a help request asks of a supporter."""

    category: str
    mode: str
    language: str | None
    municipality: str
    starts_at: datetime
    ends_at: datetime
    min_level: str = "conversational"
    gender: str | None = None
    resident_key: str | None = None
    travel_radius_km: float = 30.0


@dataclass(frozen=True)
class Candidate:
    """A supporter as the matcher sees them; a later adapter builds these from database rows."""

    supporter_id: int
    name: str
    status: str
    languages: Mapping[str, str]
    japanese_level: str
    modes: frozenset[str]
    home_municipality: str
    served_municipalities: frozenset[str]
    gender: str | None
    monthly_case_cap: int
    cases_this_month: int
    # None: the supporter has not stated weekly availability (not excluded; the reasons say so).
    weekly_slots: tuple[tuple[int, time, time], ...] | None = None
    unavailable_dates: frozenset[date] = frozenset()
    # The pause switch: not available up to and including this JST date.
    paused_until: date | None = None
    busy: tuple[tuple[datetime, datetime], ...] = ()
    helped_residents: Mapping[str, date] = field(default_factory=dict)
    category_experience: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One reason a candidate ranks where they do: a code and its values, rendered per language.

    ``str()`` gives English; the web layer translates from ``code`` and ``values`` instead.
    """

    code: str
    values: tuple[tuple[str, object], ...] = ()

    def get(self, key: str):
        return dict(self.values).get(key)

    def __str__(self) -> str:
        v = dict(self.values)
        match self.code:
            case "language":
                return f"{v['level']} {_language_name(v['language'])}"
            case "japanese":
                return "native Japanese" if v["level"] == "native" else f"Japanese {v['level']}"
            case "distance":
                return f"{v['km']:.0f} km"
            case "serves":
                return "serves this municipality"
            case "remote":
                return f"by {v['mode']}"
            case "availability_unstated":
                return "availability not stated"
            case "load":
                return f"{_plural(v['count'], 'case')} this month"
            case "continuity":
                return f"helped this resident on {v['on'].isoformat()}"
            case "experience":
                return _plural(v["count"], v["category"].replace("_", " ") + " case")
        return self.code

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return str(self) == other
        return isinstance(other, Reason) and (self.code, self.values) == (other.code, other.values)

    def __hash__(self) -> int:
        return hash((self.code, self.values))


def _reason(code: str, **values) -> Reason:
    return Reason(code, tuple(sorted(values.items())))


@dataclass(frozen=True)
class Ranked:
    """One qualifying candidate with its score, the visible score parts and the reasons."""

    candidate: Candidate
    score: float
    parts: dict[str, float]
    reasons: list[Reason]
    km: float | None = None


@dataclass(frozen=True)
class Fallback:
    """A proposal for when nobody qualifies: neighbouring, remote, widen_window or referral."""

    kind: str
    supporter_ids: tuple[int, ...] = ()
    municipality: str | None = None
    km: float | None = None
    note: str = ""


@dataclass
class MatchResult:
    """The ranking, how many candidates survived each filter and, when empty, why and what next."""

    ranked: list[Ranked]
    counts_after_each_filter: list[tuple[str, int]]
    emptied_by: str | None = None
    fallbacks: list[Fallback] = field(default_factory=list)
    # The other programmes' supporters behind a "lent" fallback (lending.Proposal, read once).
    lent: tuple = ()


class _Distances:
    """Geodesic km between municipality centroids, cached per call: few places, many rows."""

    def __init__(self, centroids: Mapping[str, tuple[float, float]]):
        self.centroids = centroids
        self._cache: dict[tuple[str, str], float | None] = {}

    def km(self, a: str, b: str) -> float | None:
        if a == b:
            return 0.0
        key = (a, b) if a < b else (b, a)
        if key not in self._cache:
            pa, pb = self.centroids.get(a), self.centroids.get(b)
            self._cache[key] = None if pa is None or pb is None else geodesic(pa, pb).km
        return self._cache[key]


def _language_level(need: Need, cand: Candidate) -> str | None:
    """The candidate's level in the requested language; a bare tag ("pt") accepts "pt-BR"."""
    wanted = need.language.lower()
    best = None
    for code, level in cand.languages.items():
        code = code.lower()
        if code == wanted or code.startswith(wanted + "-"):
            if best is None or LEVEL_RANK.get(level, 0) > LEVEL_RANK.get(best, 0):
                best = level
    return best


def _passes_status(need, cand, dist):
    return cand.status == "certified"


def _passes_language(need, cand, dist):
    if need.language is None:
        return True
    level = _language_level(need, cand)
    return level is not None and LEVEL_RANK.get(level, 0) >= LEVEL_RANK[need.min_level]


def _passes_mode(need, cand, dist):
    return need.mode in cand.modes


def _passes_gender(need, cand, dist):
    return need.gender is None or cand.gender == need.gender


def _passes_location(need, cand, dist):
    if need.mode != "in_person" or need.municipality in cand.served_municipalities:
        return True
    km = dist.km(cand.home_municipality, need.municipality)
    return km is not None and km <= need.travel_radius_km


def _passes_availability(need, cand, dist):
    start, end = need.starts_at.astimezone(JST), need.ends_at.astimezone(JST)
    if start.date() != end.date() or start.date() in cand.unavailable_dates:
        return False
    if cand.paused_until is not None and start.date() <= cand.paused_until:
        return False
    in_slot = cand.weekly_slots is None or any(
        day == start.weekday() and lo <= start.time() and end.time() <= hi
        for day, lo, hi in cand.weekly_slots
    )
    if not in_slot:
        return False
    return not any(
        b_start < need.ends_at and need.starts_at < b_end for b_start, b_end in cand.busy
    )


def _passes_capacity(need, cand, dist):
    return cand.cases_this_month < cand.monthly_case_cap


FILTERS: dict[str, Callable[[Need, Candidate, _Distances], bool]] = {
    "status": _passes_status,
    "language": _passes_language,
    "mode": _passes_mode,
    "gender": _passes_gender,
    "location": _passes_location,
    "availability": _passes_availability,
    "capacity": _passes_capacity,
}


def _passes_all(need: Need, cand: Candidate, dist: _Distances, skip: str | None = None) -> bool:
    return all(FILTERS[name](need, cand, dist) for name in FILTER_ORDER if name != skip)


@cache
def _language_name(code: str) -> str:
    """English display name of a BCP 47 code via Babel's CLDR data, falling back to the code."""
    from babel import Locale

    names = Locale("en").languages
    tag = code.replace("-", "_")
    return names.get(tag) or names.get(tag.split("_")[0]) or code


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _score(need: Need, cand: Candidate, dist: _Distances) -> Ranked:
    """Score one qualifying candidate; every part is independent of the other candidates."""
    parts: dict[str, float] = {}
    reasons: list[Reason] = []

    if need.language is None:
        parts["language"] = JAPANESE_BONUS.get(cand.japanese_level, 0.0)
        jp = cand.japanese_level
        reasons.append(_reason("japanese", level=jp))
    else:
        level = _language_level(need, cand) or "conversational"
        parts["language"] = LANGUAGE_BONUS.get(level, 0.0)
        reasons.append(_reason("language", level=level, language=need.language))

    km = None
    if need.mode == "in_person":
        km = dist.km(cand.home_municipality, need.municipality)
        closeness = 0.0 if km is None else max(0.0, 1.0 - km / DISTANCE_SCALE_KM)
        parts["distance"] = DISTANCE_WEIGHT * closeness
        if km is not None:
            reasons.append(_reason("distance", km=round(km, 1)))
        if need.municipality in cand.served_municipalities:
            reasons.append(_reason("serves"))
    else:
        parts["distance"] = 0.0  # location does not matter for phone or video
        reasons.append(_reason("remote", mode=need.mode))

    if cand.weekly_slots is None:
        reasons.append(_reason("availability_unstated"))

    cap = max(cand.monthly_case_cap, 1)
    parts["load"] = LOAD_WEIGHT * (1.0 - min(cand.cases_this_month, cap) / cap)
    reasons.append(_reason("load", count=cand.cases_this_month))

    helped_on = need.resident_key and cand.helped_residents.get(need.resident_key)
    parts["continuity"] = CONTINUITY_BONUS if helped_on else 0.0
    if helped_on:
        reasons.append(_reason("continuity", on=helped_on))

    done = max(cand.category_experience.get(need.category, 0), 0)
    parts["experience"] = min(done * EXPERIENCE_PER_CASE, EXPERIENCE_CAP)
    if done:
        reasons.append(_reason("experience", count=done, category=need.category))

    parts = {name: round(value, 6) for name, value in parts.items()}
    return Ranked(cand, round(sum(parts.values()), 6), parts, reasons, km)


def _check(need: Need, candidates: list[Candidate]) -> None:
    if need.starts_at.tzinfo is None or need.ends_at.tzinfo is None:
        raise ValueError("need window must be timezone-aware")
    if need.ends_at <= need.starts_at:
        raise ValueError("need window must end after it starts")
    if need.min_level not in LEVEL_RANK:
        raise ValueError(f"unknown language level {need.min_level!r}")
    ids = [c.supporter_id for c in candidates]
    if len(ids) != len(set(ids)):
        raise ValueError("supporter_id must be unique among candidates")


def rank(
    need: Need,
    candidates: Iterable[Candidate],
    centroids: Mapping[str, tuple[float, float]],
    dist: _Distances | None = None,
) -> MatchResult:
    """Filter candidates for a need, rank the rest with reasons, and propose fallbacks if none.

    ``dist``: a distance cache over these same ``centroids`` that outlives the call (optional).
    """
    pool = list(candidates)
    _check(need, pool)
    dist = dist if dist is not None and dist.centroids is centroids else _Distances(centroids)

    remaining, counts, emptied_by = pool, [], None
    for name in FILTER_ORDER:
        before = len(remaining)
        remaining = [c for c in remaining if FILTERS[name](need, c, dist)]
        counts.append((name, len(remaining)))
        if before and not remaining and emptied_by is None:
            emptied_by = name

    ranked = sorted(
        (_score(need, c, dist) for c in remaining),
        key=lambda r: (-r.score, r.candidate.cases_this_month, r.candidate.supporter_id),
    )
    if ranked:
        return MatchResult(ranked, counts)
    return MatchResult(
        [], counts, emptied_by or "no_candidates", fallbacks(need, pool, centroids, dist)
    )


def fallbacks(
    need: Need,
    candidates: Iterable[Candidate],
    centroids: Mapping[str, tuple[float, float]],
    dist: _Distances | None = None,
) -> list[Fallback]:
    """Proposals when nobody qualifies: neighbouring, remote, widen_window, then referral."""
    pool = list(candidates)
    dist = dist or _Distances(centroids)
    found: list[Fallback] = []

    if need.mode == "in_person":
        by_home: dict[str, list[int]] = {}
        for c in pool:
            if c.home_municipality != need.municipality and _passes_all(need, c, dist, "location"):
                by_home.setdefault(c.home_municipality, []).append(c.supporter_id)
        nearby = [
            (km, code) for code in by_home if (km := dist.km(code, need.municipality)) is not None
        ]
        for km, code in sorted(nearby)[:NEIGHBOURING_LIMIT]:
            ids = tuple(sorted(by_home[code]))
            found.append(Fallback("neighbouring", ids, code, round(km, 1)))

    remote_ids = sorted(
        {
            c.supporter_id
            for mode in REMOTE_MODES
            if mode != need.mode
            for c in pool
            if _passes_all(replace(need, mode=mode), c, dist)
        }
    )
    if remote_ids:
        found.append(Fallback("remote", tuple(remote_ids), note="phone or video"))

    widen_ids = [c.supporter_id for c in pool if _passes_all(need, c, dist, "availability")]
    if widen_ids:
        found.append(Fallback("widen_window", tuple(sorted(widen_ids))))

    found.append(Fallback("referral", note="outside remote-interpretation service"))
    return found
