"""The top of the ranking without loading the whole pool: exact, by a sound upper bound.

A phone request in Vietnamese has thousands of qualifying supporters nationally; the coordinator
looks at the first ten. :func:`top_ranked` returns exactly the first ``k`` of the exhaustive
ranking (same supporters, order, scores, parts and reasons) while loading only a few dozen
supporters in full. The pool is walked in memory (:mod:`.pool_facts`: certified supporters'
lasting facts, kept per process under a token); the facts of the day are read per batch.

Why it is exact. The engine's score is ``language + distance + load + continuity + experience``
(each part rounded to 1e-6) and the order is ``(-score, cases this month, supporter id)``.

* *Boosted* supporters — those with continuity (a committed request for this resident) or
  experience (a completed request in this category) — are few. Their score is computed exactly
  up front (the engine's own ``_score`` on their facts and this month's load), so their upper
  bound *is* their score.
* Everybody else has continuity 0, experience 0 and load ≤ 30, hence
  ``score ≤ language + distance + 30``, with equality for those without a case this month. The
  pool is split into *tiers* on which that bound is one number: by best language level (or
  Japanese level) for phone and video; by home municipality and best level for in person (the
  distance part is a function of the home, computed exactly as the engine does and kept per
  place), plus a "rest" tier per level (home outside a box of 75 km around the place, so
  farther than 60 km and distance 0) for those in the pool only by serving the place. Each tier
  yields its supporters in id order.
* The loop always reads next from the source with the highest bound, loads the read supporters'
  day (:func:`load_batch`), ranks them with the engine (every hard filter applied exactly), and
  stops once it holds ``k`` qualifying supporters whose ``k``-th key beats every unread
  supporter's best possible key: ``k``-th score > the highest remaining bound, or equal to it
  with 0 cases and a lower id than any unread id at that bound (unread supporters of a tier have
  ids above its cursor). Every unread supporter therefore ranks after the ``k``-th, so the first
  ``k`` are the exhaustive first ``k``.
* Bounds and scores are compared in integer micro-units (the parts are rounded to 1e-6, so
  this is exact); each loaded supporter's score is checked against the bound it was read under,
  and a violation falls back to the exhaustive ranking (never a wrong answer).

Supporters in the tiers are those of the SQL pool of :func:`candidates._sql_filters`
(certified, speaks the language, offers the mode, within reach), restricted by the gender and
minimum level filters, which the engine applies anyway: the supporters that qualify are the
same. When nobody qualifies, :func:`pool_result` answers as the exhaustive ranking does (counts
per filter, which emptied the list, fallbacks) from the same facts.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, or_, select

from supporters.extensions import db
from supporters.help_requests.pool_facts import MODE_BIT, Facts, Pool
from supporters.matching import (
    DISTANCE_SCALE_KM,
    DISTANCE_WEIGHT,
    JAPANESE_BONUS,
    LANGUAGE_BONUS,
    LEVEL_RANK,
    LOAD_WEIGHT,
    Candidate,
    Need,
    Ranked,
    _Distances,
    _score,
    rank,
)
from supporters.models import HelpRequest, Language, Supporter, UnavailableDate, WeeklySlot
from supporters.reference_data import reference_data

TOP = 10
BATCH = 30  # supporters read before loading their day (about 40 % qualify)
# A home whose centroid lies outside this bounding box is more than DISTANCE_SCALE_KM away
# (the box's half-side is 25 % larger than the scale), so its distance part is 0.
DISTANCE_BOX_KM = DISTANCE_SCALE_KM * 1.25


class BoundViolated(Exception):
    """A loaded supporter scored above the bound it was read under (a bug: fall back)."""


def micro(value: float) -> int:
    """A score or part in integer millionths (the engine rounds every part to 1e-6)."""
    return round(value * 1_000_000)


def key(ranked: Ranked) -> tuple[int, int, int]:
    """The engine's order as integers: higher score, then fewer cases, then lower id."""
    return (-micro(ranked.score), ranked.candidate.cases_this_month, ranked.candidate.supporter_id)


@dataclass
class Tier:
    """Supporters whose score is at most ``bound``, yielded in id order by ``source``."""

    bound: int
    source: Iterator[int]
    cursor: int = 0  # the last id read
    done: bool = False

    def fetch(self, limit: int, skip: set[int]) -> list[int]:
        ids = []
        for sid in self.source:
            self.cursor = sid
            if sid not in skip:
                ids.append(sid)
                if len(ids) >= limit:
                    return ids
        self.done = True
        return ids


def language_codes(language: str) -> list[str]:
    """The language codes a request for ``language`` accepts ("pt" also "pt-BR"), as the SQL
    filter reads them; kept with the reference data."""
    return reference_data().derive(
        ("language_codes", language),
        lambda: (
            list(
                db.session.scalars(
                    select(Language.code).where(
                        or_(Language.code == language, Language.code.like(language + "-%"))
                    )
                )
            )
            or [language]
        ),
    )


def _levels_at_least(minimum: str) -> list[str]:
    return [lv for lv, r in LEVEL_RANK.items() if r >= LEVEL_RANK[minimum]]


def _distance_parts(need: Need, centroids) -> dict[str, int]:
    """Home municipality → its distance part for this place (micro, exactly the engine's), for
    every home where it is above 0; homes outside the box around the place are farther than
    DISTANCE_SCALE_KM (part 0).

    Geodesics are slow (tens of µs each, hundreds of homes around a city) and depend only on the
    centroids: kept per place with the reference data, so for as long as its token says no
    municipality changed, in any process (``centroids`` are that same data's).
    """
    from supporters.help_requests.candidates import codes_within, distances

    data = reference_data()
    kept = data.derive("distance_parts", dict)
    origin = need.municipality
    if origin not in kept:
        dist = distances(data)  # the same data's centroids, not the caller's
        parts = {}
        for code in codes_within(origin, DISTANCE_BOX_KM):
            km = dist.km(code, origin)  # the engine's order of arguments
            closeness = 0.0 if km is None else max(0.0, 1.0 - km / DISTANCE_SCALE_KM)
            part = micro(round(DISTANCE_WEIGHT * closeness, 6))
            if part > 0:
                parts[code] = part
        kept[origin] = parts
    return kept[origin]


class Shape:
    """The request's static hard filters over :class:`pool_facts.Facts`: mode, gender, language
    at the minimum level, and (in person) reach — the SQL pool's filters plus gender and level."""

    def __init__(self, need: Need, codes: list[str] | None, near: list[str], place) -> None:
        self.need = need
        self.codes = codes
        self.bit = MODE_BIT[need.mode]
        self.gender = need.gender
        self.minimum = LEVEL_RANK[need.min_level]
        self.in_person = need.mode == "in_person"
        self.near = frozenset(near)
        self.place = frozenset(place)

    def best_level(self, facts: Facts) -> str | None:
        """The supporter's best level among the accepted codes (None: speaks none)."""
        best, rank_ = None, 0
        for code in self.codes:
            level = facts.languages.get(code)
            if level is not None and LEVEL_RANK.get(level, 0) > rank_:
                best, rank_ = level, LEVEL_RANK.get(level, 0)
        return best

    def language_part(self, facts: Facts) -> int | None:
        """The language part's bound (micro); None when the language filter fails."""
        if self.codes is None:
            return micro(JAPANESE_BONUS.get(facts.japanese_level, 0.0))
        level = self.best_level(facts)
        if level is None or LEVEL_RANK.get(level, 0) < self.minimum:
            return None
        return micro(LANGUAGE_BONUS.get(level, 0.0))

    def reaches(self, facts: Facts) -> bool:
        return not self.in_person or facts.home in self.near or bool(facts.served & self.place)

    def admits(self, facts: Facts) -> bool:
        """Passes mode, gender, language (at the minimum level) and reach."""
        return (
            bool(facts.modes & self.bit)
            and (self.gender is None or facts.gender == self.gender)
            and self.language_part(facts) is not None
            and self.reaches(facts)
        )


def _unique(ids: Iterable[int]) -> Iterator[int]:
    last = None
    for sid in ids:
        if sid != last:
            yield sid
            last = sid


def merged(lists: list[list[int]]) -> Iterator[int]:
    """The ids of sorted ``lists``, ascending, each once."""
    lists = [x for x in lists if x]
    if len(lists) == 1:
        return iter(lists[0])
    return _unique(heapq.merge(*lists))


def _speakers(pool: Pool, shape: Shape, home: str | None = None) -> Iterator[int]:
    """Certified supporters speaking an accepted code (all of them without a language), in id
    order; only those living in ``home`` when given."""
    if shape.codes is None:
        return iter(pool.by_home.get(home, ())) if home is not None else iter(pool.facts)
    if home is None:
        return merged([pool.speakers.get(code, []) for code in shape.codes])
    return merged([pool.by_home_language.get((home, code), []) for code in shape.codes])


def _tier_parts(shape: Shape) -> list[int]:
    """The language parts the tiers are split by, best first."""
    if shape.codes is None:
        return sorted({micro(v) for v in JAPANESE_BONUS.values()} | {0}, reverse=True)
    levels = [lv for lv, r in LEVEL_RANK.items() if r >= shape.minimum]
    return sorted({micro(LANGUAGE_BONUS.get(lv, 0.0)) for lv in levels}, reverse=True)


def _tier(pool: Pool, shape: Shape, ids: Iterator[int], part: int, serving_only: bool):
    """Supporters of ``ids`` passing the shape whose language part is exactly ``part``."""
    facts = pool.facts
    for sid in ids:
        f = facts[sid]
        if (
            f.modes & shape.bit
            and (shape.gender is None or f.gender == shape.gender)
            and shape.language_part(f) == part
            and (not serving_only or f.served & shape.place)
        ):
            yield sid


def _rest(pool: Pool, shape: Shape, outside: list[str], parts: Mapping[str, int], part: int):
    """In person: those in the pool by serving the place or living in reach with distance part
    0 (``outside``), whose home is not a tier's; built on first read."""
    found = set()
    for code in shape.place:
        found.update(pool.serving.get(code, ()))
    for home in outside:
        found.update(_speakers(pool, shape, home))
    ids = sorted(sid for sid in found if pool.facts[sid].home not in parts)
    yield from _tier(pool, shape, iter(ids), part, serving_only=False)


def _tiers(pool: Pool, shape: Shape, near: list[str], centroids) -> list[Tier]:
    """Tiers by language level (phone, video) or by home and language level (in person)."""
    load = micro(LOAD_WEIGHT)
    levels = _tier_parts(shape)
    if not shape.in_person:
        return [
            Tier(part + load, _tier(pool, shape, _speakers(pool, shape), part, False))
            for part in levels
        ]
    tiers = []
    parts = _distance_parts(shape.need, centroids)
    for home, distance in parts.items():
        if home not in pool.by_home:
            continue
        serving_only = home not in shape.near
        tiers += [
            Tier(
                lang + distance + load,
                _tier(pool, shape, _speakers(pool, shape, home), lang, serving_only),
            )
            for lang in levels
        ]
    outside = [c for c in near if c not in parts]
    tiers += [Tier(lang + load, _rest(pool, shape, outside, parts, lang)) for lang in levels]
    return tiers


def _experienced(pool: Pool, shape: Shape, done: Mapping[int, int], token, category) -> list:
    """Experienced certified supporters who speak an accepted code (all without a language),
    kept with the pool per outcome token and category."""
    cache_key = ("experienced", token, category, tuple(shape.codes or ()))
    if token is not None and cache_key in pool.derived:
        return pool.derived[cache_key]
    if shape.codes is None:
        found = [sid for sid in done if sid in pool.facts]
    else:
        codes = shape.codes
        found = [
            sid
            for sid in done
            if (f := pool.facts.get(sid)) is not None and any(c in f.languages for c in codes)
        ]
    if token is not None:
        if pool.derived.get("outcome token") != token:
            pool.derived.clear()
            pool.derived["outcome token"] = token
        pool.derived[cache_key] = found
    return found


def _boosted(
    need: Need,
    request_id: int | None,
    pool: Pool,
    shape: Shape,
    dist: _Distances,
    done: Mapping[int, int],
    token: str | None,
) -> list[tuple[tuple[int, int, int], int]]:
    """Supporters of the pool with continuity or experience: (exact key, id), best first.

    ``done``: completed requests in the category per supporter (:mod:`.experience`).
    """
    from supporters.help_requests.candidates import COMMITTED, _among, _month_bounds

    hr = HelpRequest
    facts = pool.facts
    chosen = {
        sid
        for sid in _experienced(pool, shape, done, token, need.category)
        if shape.admits(facts[sid])
    }
    helped: set[int] = set()
    if need.resident_key:
        cond = [hr.resident_key == need.resident_key, hr.status.in_(COMMITTED)]
        if request_id is not None:
            cond.append(hr.id != request_id)
        helped = {
            sid
            for sid in db.session.scalars(select(hr.assigned_supporter_id).where(*cond))
            if sid is not None and sid in facts and shape.admits(facts[sid])
        }
        chosen |= helped
    if not chosen:
        return []
    ids = sorted(chosen)
    day = need.starts_at.astimezone(_jst()).date()
    month_start, month_end = _month_bounds(day)
    cond = [_among(hr.assigned_supporter_id, ids), hr.status.in_(COMMITTED)]
    if request_id is not None:
        cond.append(hr.id != request_id)
    load = dict(
        db.session.execute(
            select(hr.assigned_supporter_id, func.count())
            .where(*cond, hr.starts_at >= month_start, hr.starts_at < month_end)
            .group_by(hr.assigned_supporter_id)
        ).all()
    )
    out = []
    for sid in ids:
        f = facts[sid]
        cand = Candidate(
            supporter_id=sid,
            name="",
            status="certified",
            languages=f.languages,
            japanese_level=f.japanese_level,
            modes=frozenset({need.mode}),
            home_municipality=f.home,
            served_municipalities=frozenset(),
            gender=need.gender,
            monthly_case_cap=f.cap,
            cases_this_month=load.get(sid, 0),
            helped_residents={need.resident_key: day} if sid in helped else {},
            category_experience={need.category: done.get(sid, 0)},
        )
        out.append((key(_score(need, cand, dist)), sid))
    out.sort()
    return out


def _jst():
    from supporters.clock import JST

    return JST


def load_batch(
    ids: list[int],
    need: Need,
    pool: Pool,
    exclude_request: int | None,
    experience: Mapping[int, int],
) -> list[Candidate]:
    """Candidates for ``ids`` (certified supporters of ``pool``), exactly as
    :func:`candidates._load_where` builds them: lasting facts from the pool, the day's
    (weekly slots, pause, day away, assignments, this resident) in two statements."""
    from supporters.clock import JST
    from supporters.help_requests.candidates import (
        COMMITTED,
        _among,
        _as_utc,
        _modes,
        _month_bounds,
        same_place,
    )

    if not ids:
        return []
    ids = sorted(ids)
    day = need.starts_at.astimezone(JST).date()
    month_start, month_end = _month_bounds(day)
    day_start = datetime.combine(day, time(), JST)
    day_end = day_start + timedelta(days=1)

    away = (
        exists()
        .where(UnavailableDate.supporter_id == Supporter.id, UnavailableDate.day == day)
        .label("away")
    )
    paused: dict[int, date | None] = {}
    absent: set[int] = set()
    slots: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for sid, paused_until, is_away, weekday, starts, ends in db.session.execute(
        select(
            Supporter.id,
            Supporter.paused_until,
            away,
            WeeklySlot.weekday,
            WeeklySlot.starts,
            WeeklySlot.ends,
        )
        .outerjoin(WeeklySlot, WeeklySlot.supporter_id == Supporter.id)
        .where(_among(Supporter.id, ids))
        .order_by(Supporter.id, WeeklySlot.weekday, WeeklySlot.starts)
    ):
        paused[sid] = paused_until
        if is_away:
            absent.add(sid)
        if weekday is not None:
            slots[sid].append((weekday, starts, ends))

    hr = HelpRequest
    window = (hr.starts_at >= month_start) & (hr.starts_at < month_end)
    # A request's window lies within one JST day (intake.validate), so whatever overlaps this day
    # started less than a day before it.
    overlaps = (
        (hr.starts_at > day_start - timedelta(days=1))
        & (hr.starts_at < day_end)
        & (hr.ends_at > day_start)
    )
    wanted = [window, overlaps]
    if need.resident_key:
        wanted.append(hr.resident_key == need.resident_key)
    cond = [_among(hr.assigned_supporter_id, ids), hr.status.in_(COMMITTED), or_(*wanted)]
    if exclude_request is not None:
        cond.append(hr.id != exclude_request)
    load: dict[int, int] = defaultdict(int)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    helped: dict[int, datetime] = {}
    for sid, starts_at, ends_at, resident in db.session.execute(
        select(hr.assigned_supporter_id, hr.starts_at, hr.ends_at, hr.resident_key)
        .where(*cond)
        .order_by(hr.assigned_supporter_id, hr.starts_at, hr.id)
    ):
        starts_at, ends_at = _as_utc(starts_at), _as_utc(ends_at)
        if month_start <= starts_at < month_end:
            load[sid] += 1
        if day_start - timedelta(days=1) < starts_at < day_end and ends_at > day_start:
            busy[sid].append((starts_at, ends_at))
        if need.resident_key and resident == need.resident_key:
            if sid not in helped or starts_at > helped[sid]:
                helped[sid] = starts_at

    place = same_place(need.municipality, day)
    out = []
    for sid in ids:
        if sid not in paused:  # gone since the pool was read (never with a current token)
            continue
        f = pool.facts[sid]
        served = f.served
        if len(place) > 1 and served & place:  # a merged-away or merged-into code serves here
            served = served | {need.municipality}
        out.append(
            Candidate(
                supporter_id=sid,
                name=f.name,
                status="certified",
                languages=f.languages,
                japanese_level=f.japanese_level,
                modes=_modes(bool(f.modes & 1), bool(f.modes & 2), bool(f.modes & 4)),
                home_municipality=f.home,
                served_municipalities=served,
                gender=f.gender,
                monthly_case_cap=f.cap,
                paused_until=paused[sid],
                cases_this_month=load.get(sid, 0),
                weekly_slots=tuple(slots[sid]) if sid in slots else None,
                unavailable_dates=frozenset({day}) if sid in absent else frozenset(),
                busy=tuple(busy.get(sid, ())),
                helped_residents=(
                    {need.resident_key: helped[sid].astimezone(JST).date()} if sid in helped else {}
                ),
                category_experience={need.category: experience.get(sid, 0)},
            )
        )
    return out


def top_ranked(
    need: Need,
    request_id: int | None,
    near: list[str],
    place: frozenset[str],
    centroids,
    pool: Pool,
    done: Mapping[int, int],
    token: str | None = None,
    k: int = TOP,
    skip: frozenset[int] = frozenset(),
) -> tuple[list[Ranked], int]:
    """The first ``k`` qualifying supporters in the engine's order, and how many were loaded.

    ``near`` and ``place`` are the in-person reach of :func:`candidates._sql_filters`; ``pool``
    the programme's certified supporters (:mod:`.pool_facts`), ``done`` the category's
    experience (:mod:`.experience`, read under the outcome ``token``); supporters in ``skip``
    are left out (as if they did not qualify). Raises :class:`BoundViolated` if a score ever
    exceeds its bound.
    """
    from supporters.help_requests.candidates import distances

    dist = distances()  # kept with the reference data; per call if the caller's are others
    if dist.centroids is not centroids:
        dist = _Distances(centroids)
    codes = None if need.language is None else language_codes(need.language)
    shape = Shape(need, codes, near, place)
    boosted = _boosted(need, request_id, pool, shape, dist, done, token)
    # Boosted supporters of the pool are read through ``boosted`` only, never from a tier.
    read_skip = {sid for _, sid in boosted} | set(skip)
    tiers = _tiers(pool, shape, near, centroids)
    heap = [(-t.bound, i) for i, t in enumerate(tiers)]
    heapq.heapify(heap)
    found: list[Ranked] = []
    loaded = 0
    b = 0

    def bounds_ahead() -> tuple[int | None, int | None]:
        return (
            -heap[0][0] if heap else None,
            -boosted[b][0][0] if b < len(boosted) else None,
        )

    while True:
        stream_bound, boost_bound = bounds_ahead()
        if stream_bound is None and boost_bound is None:
            break
        frontier = max(x for x in (stream_bound, boost_bound) if x is not None)
        if len(found) >= k:
            found.sort(key=key)
            kth = key(found[k - 1])
            if -kth[0] > frontier:
                break
            if -kth[0] == frontier and kth[1] == 0:
                unread = [tiers[i].cursor + 1 for nb, i in heap if -nb == frontier]
                unread += [sid for kb, sid in boosted[b:] if -kb[0] == frontier]
                if kth[2] < min(unread):
                    break
        # Read the next supporters in bound order (never past one we have not read), then load
        # them all at once: most qualify, so one load usually settles the top.
        want = BATCH if len(found) < k else BATCH // 3
        bounds: dict[int, int] = {}
        while len(bounds) < want:
            stream_bound, boost_bound = bounds_ahead()
            if stream_bound is None and boost_bound is None:
                break
            if boost_bound is not None and (stream_bound is None or boost_bound >= stream_bound):
                if boosted[b][1] not in skip:
                    bounds[boosted[b][1]] = boost_bound
                b += 1
                continue
            _, i = heapq.heappop(heap)
            tier = tiers[i]
            fresh = tier.fetch(max(want - len(bounds), 8), read_skip)
            read_skip.update(fresh)
            bounds.update(dict.fromkeys(fresh, tier.bound))
            if not tier.done:
                heapq.heappush(heap, (-tier.bound, i))
        if not bounds:
            continue
        loaded += len(bounds)
        batch = load_batch(sorted(bounds), need, pool, request_id, done)
        for ranked in rank(need, batch, centroids, dist).ranked:
            if micro(ranked.score) > bounds[ranked.candidate.supporter_id]:
                raise BoundViolated(ranked.candidate.supporter_id)
            found.append(ranked)
    found.sort(key=key)
    return found[:k], loaded
