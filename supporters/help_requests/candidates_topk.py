"""The top of the ranking without loading the whole pool: exact, by a sound upper bound.

A phone request in Vietnamese has thousands of qualifying supporters nationally; the coordinator
looks at the first ten. :func:`top_ranked` returns exactly the first ``k`` of the exhaustive
ranking (same supporters, order, scores, parts and reasons) while loading only a few dozen
supporters in full.

Why it is exact. The engine's score is ``language + distance + load + continuity + experience``
(each part rounded to 1e-6) and the order is ``(-score, cases this month, supporter id)``.

* *Boosted* supporters — those with continuity (a committed request for this resident) or
  experience (a completed request in this category) — are few. Their score is computed exactly
  up front from their profile, languages and history (the engine's own ``_score`` on the same
  facts), so their upper bound *is* their score.
* Everybody else has continuity 0, experience 0 and load ≤ 30, hence
  ``score ≤ language + distance + 30``, with equality for those without a case this month. The
  pool is split into *tiers* on which that bound is one number: by language level (or Japanese
  level) for phone and video; by home municipality and language level for in person (the
  distance part is a function of the home, computed exactly as the engine does and kept per
  place), plus a "rest" tier per level (home outside a box of 75 km around the place, so
  farther than 60 km and distance 0) for those in the pool only by serving the place. Each tier
  is read from an index in supporter id order, a batch at a time. A small in-person pool (at
  most ``LOCAL_POOL``) is read whole in one query (id, home, level), each supporter bounded
  individually.
* The loop always loads next the source with the highest bound (ties: all of them before
  stopping is considered), ranks the loaded supporters with the engine (every hard filter
  applied exactly), and stops once it holds ``k`` qualifying supporters whose ``k``-th key
  beats every unread supporter's best possible key: ``k``-th score > the highest remaining
  bound, or equal to it with 0 cases and a lower id than any unread id at that bound (unread
  supporters of a tier have ids above its cursor). Every unread supporter therefore ranks after
  the ``k``-th, so the first ``k`` are the exhaustive first ``k``.
* Bounds and scores are compared in integer micro-units (the parts are rounded to 1e-6, so
  this is exact); each loaded supporter's score is checked against the bound it was read under,
  and a violation falls back to the exhaustive ranking (never a wrong answer).

Supporters in the tiers are those of the SQL pool of :func:`candidates._sql_filters`
(certified, speaks the language, offers the mode, within reach), written as index-driven EXISTS
so each batch stops after ``limit`` rows, restricted by the gender and minimum level filters,
which the engine applies anyway: the supporters that qualify are the same. The counts per
filter are not needed for the top; :func:`candidates.match_request` computes them exactly on
demand, and the nobody-qualifies path (counts, fallbacks) is the exhaustive one.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select

from supporters import tenancy
from supporters.extensions import db
from supporters.help_requests.experience import experience as experience_in
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
from supporters.models import HelpRequest, Language, Supporter, SupporterLanguage, SupporterStatus
from supporters.models.supporter import supporter_served_municipality
from supporters.reference_data import reference_data

TOP = 10
BATCH = 30  # supporters read before loading them in full (about 40 % qualify)
# A home whose centroid lies outside this bounding box is more than DISTANCE_SCALE_KM away
# (the box's half-side is 25 % larger than the scale), so its distance part is 0.
DISTANCE_BOX_KM = DISTANCE_SCALE_KM * 1.25
# An in-person pool up to this size is read whole (id and home: one query) instead of by tier.
LOCAL_POOL = 400
# A pool estimated (speakers' share × supporters living within reach) above SURELY_BIG times
# LOCAL_POOL is read by tier straight away; the estimates are kept this long.
SURELY_BIG = 1
SIZES_SECONDS = 600


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
    """Supporters (``where``) whose score is at most ``bound``, read in id order from
    ``cursor`` on."""

    bound: int
    where: list = field(default_factory=list)
    cursor: int = 0
    done: bool = False

    def fetch(self, limit: int, skip: set[int]) -> list[int]:
        stmt = (
            select(Supporter.id)
            .where(*self.where, Supporter.id > self.cursor)
            .order_by(Supporter.id)
            .limit(limit)
        )
        ids = list(db.session.scalars(stmt))
        if len(ids) < limit:
            self.done = True
        if ids:
            self.cursor = ids[-1]
        return [i for i in ids if i not in skip]


def _codes(language: str) -> list[str]:
    """The language codes a request for ``language`` accepts ("pt" also "pt-BR")."""
    return list(
        db.session.scalars(
            select(Language.code).where(
                or_(Language.code == language, Language.code.like(language + "-%"))
            )
        )
    ) or [language]


def _base(need: Need) -> list:
    from supporters.help_requests.candidates import MODE_COLUMN

    where = [Supporter.status == SupporterStatus.CERTIFIED, MODE_COLUMN[need.mode].is_(True)]
    if need.gender is not None:
        where.append(Supporter.gender == need.gender)
    return where


def _speaks(codes: list[str], levels: list[str] | None = None):
    sl = SupporterLanguage
    cond = [sl.supporter_id == Supporter.id, sl.language_code.in_(codes)]
    if levels is not None:
        cond.append(sl.level.in_(levels))
    return exists().where(*cond)


def _levels_at_least(minimum: str) -> list[str]:
    return [lv for lv, r in LEVEL_RANK.items() if r >= LEVEL_RANK[minimum]]


def _lang_tiers(need: Need, codes: list[str] | None) -> list[tuple[int, object]]:
    """(bound of the language part, condition) for each language tier."""
    if need.language is None:
        strong = list(JAPANESE_BONUS)
        tiers = [(micro(v), Supporter.japanese_level == lv) for lv, v in JAPANESE_BONUS.items()]
        rest = or_(Supporter.japanese_level.is_(None), Supporter.japanese_level.not_in(strong))
        return [*tiers, (0, rest)]
    return [
        (micro(LANGUAGE_BONUS.get(level, 0.0)), _speaks(codes, [level]))
        for level in _levels_at_least(need.min_level)
    ]


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


def _language_parts(need: Need, codes) -> list[tuple[int, object]]:
    """(language part, condition) for each language tier, best first."""
    return sorted(_lang_tiers(need, codes), key=lambda item: -item[0])


def _tiers(need: Need, codes, near: list[str], place, centroids) -> list[Tier]:
    """Tiers by language level (phone, video) or by home and language level (in person)."""
    base = _base(need)
    load = micro(LOAD_WEIGHT)
    languages = _language_parts(need, codes)
    if need.mode != "in_person":
        return [Tier(part + load, [*base, cond]) for part, cond in languages]
    served = supporter_served_municipality.c
    serves_place = Supporter.id.in_(
        select(served.supporter_id).where(served.municipality_code.in_(sorted(place)))
    )
    near_set = set(near)
    tiers = []
    parts = _distance_parts(need, centroids)
    for code, part in parts.items():
        where = [*base, Supporter.home_municipality_code == code]
        if code not in near_set:
            where.append(serves_place)
        tiers += [Tier(lang + part + load, [*where, cond]) for lang, cond in languages]
    # The rest live farther than the distance scale (part 0) and are in the pool by serving.
    outside = [c for c in near if c not in parts]
    reach = (
        or_(serves_place, Supporter.home_municipality_code.in_(outside))
        if outside
        else (serves_place)
    )
    rest = [*base, reach]
    if parts:
        rest.append(Supporter.home_municipality_code.not_in(sorted(parts)))
    tiers += [Tier(lang + load, [*rest, cond]) for lang, cond in languages]
    return tiers


@dataclass
class _Sizes:
    """Rough sizes that choose how a local pool is read (never which rows it holds)."""

    read_at: float
    speakers: dict[str, int]
    residents: dict[str, int]
    total: int


_sizes: dict[int | None, _Sizes] = {}


def _sizes_now() -> _Sizes:
    """Speakers per language and supporters per home, kept per programme for SIZES_SECONDS: a
    stale estimate only picks a slower way to read the same pool."""
    programme = tenancy.current_programme_id()
    kept = _sizes.get(programme)
    if kept is None or time.monotonic() - kept.read_at > SIZES_SECONDS:
        sl = SupporterLanguage
        speakers = dict(
            db.session.execute(
                select(sl.language_code, func.count()).group_by(sl.language_code)
            ).all()
        )
        home = Supporter.home_municipality_code
        residents = dict(db.session.execute(select(home, func.count()).group_by(home)).all())
        kept = _sizes[programme] = _Sizes(
            time.monotonic(), speakers, residents, sum(residents.values())
        )
    return kept


def _local_pool(need: Need, codes, near: list[str], place) -> dict[int, tuple] | None:
    """The whole in-person pool (id → (home, language part)) when it has at most LOCAL_POOL
    supporters; None when bigger (then it is read by tier).

    Rough sizes choose the plan: a pool surely far bigger is not read at all; a language
    spoken by fewer supporters nationally than live within reach (Nepali around Saitama) is
    read from the language's index, the rest from the places' (the planners cannot tell).
    """
    from supporters.help_requests.candidates import _reaches

    sizes = _sizes_now()
    speakers = sizes.total if codes is None else sum(sizes.speakers.get(c, 0) for c in codes)
    within = sum(sizes.residents.get(c, 0) for c in near)
    if sizes.total and within * speakers > SURELY_BIG * LOCAL_POOL * sizes.total:
        return None
    served = supporter_served_municipality.c
    if codes is not None and speakers < within:
        reach = or_(
            Supporter.home_municipality_code.in_(near),
            Supporter.id.in_(
                select(served.supporter_id).where(served.municipality_code.in_(sorted(place)))
            ),
        )
    else:
        reach = Supporter.id.in_(
            _reaches(near, frozenset(place) if len(place) > 1 else need.municipality)
        )
    if need.language is None:
        stmt = select(Supporter.id, Supporter.home_municipality_code, Supporter.japanese_level)
    else:
        sl = SupporterLanguage
        stmt = select(Supporter.id, Supporter.home_municipality_code, sl.level).join(
            sl,
            (sl.supporter_id == Supporter.id)
            & sl.language_code.in_(codes)
            & sl.level.in_(_levels_at_least(need.min_level)),
        )
    rows = db.session.execute(stmt.where(*_base(need), reach).limit(LOCAL_POOL + 1)).all()
    if len(rows) > LOCAL_POOL:
        return None
    pool: dict[int, tuple] = {}
    for sid, home, level in rows:
        if need.language is None:
            part = micro(JAPANESE_BONUS.get(level, 0.0))
        else:
            part = micro(LANGUAGE_BONUS.get(getattr(level, "value", level), 0.0))
        if sid not in pool or pool[sid][1] < part:
            pool[sid] = (home, part)
    return pool


def _boosted(
    need: Need,
    request_id: int | None,
    codes,
    near: list[str],
    place,
    dist: _Distances,
    done: dict[int, int],
    pool_ids: list[int] | None = None,
) -> list[tuple[tuple[int, int, int], int]]:
    """Supporters of the pool with continuity or experience: (exact key, id), best first.

    ``done``: completed requests in the category per supporter (:mod:`.experience`);
    ``pool_ids``: the whole pool when it was read already (a local in-person pool).
    """
    from supporters.help_requests.candidates import COMMITTED, _among, _month_bounds

    hr = HelpRequest
    where = [*_base(need)]
    if need.language is not None:
        where.append(_speaks(codes, _levels_at_least(need.min_level)))
    if need.mode == "in_person":
        served = supporter_served_municipality.c
        where.append(
            or_(
                Supporter.home_municipality_code.in_(near),
                Supporter.id.in_(
                    select(served.supporter_id).where(served.municipality_code.in_(sorted(place)))
                ),
            )
        )
    profile = (
        Supporter.id,
        Supporter.japanese_level,
        Supporter.home_municipality_code,
        Supporter.monthly_case_cap,
    )
    # Experienced supporters of the pool: the category's map is kept per process (it changes
    # only when a request completes, see experience.py); SQL keeps those in the pool.
    if pool_ids is not None:
        where = []  # the pool's conditions hold
        experienced = [sid for sid in pool_ids if sid in done]
    else:
        experienced = list(done)
    rows = []
    if experienced:
        rows = db.session.execute(
            select(*profile).where(*where, _among(Supporter.id, sorted(experienced)))
        ).all()
    experience = {row.id: done[row.id] for row in rows}
    helped: set[int] = set()
    if need.resident_key:
        cond = [hr.resident_key == need.resident_key, hr.status.in_(COMMITTED)]
        if request_id is not None:
            cond.append(hr.id != request_id)
        helped = {
            sid
            for sid in db.session.scalars(select(hr.assigned_supporter_id).where(*cond))
            if sid is not None
        }
    more = helped - experience.keys()  # the experienced ones are read already
    if pool_ids is not None:
        more &= set(pool_ids)
    if more:
        rows += db.session.execute(
            select(*profile).where(*where, _among(Supporter.id, sorted(more)))
        ).all()
    if not rows:
        return []
    pool = [row.id for row in rows]
    languages: dict[int, dict[str, str]] = {}
    if need.language is not None:
        for sid, code, level in db.session.execute(
            select(
                SupporterLanguage.supporter_id,
                SupporterLanguage.language_code,
                SupporterLanguage.level,
            ).where(_among(SupporterLanguage.supporter_id, pool))
        ):
            languages.setdefault(sid, {})[code] = level.value
    day = need.starts_at.astimezone(_jst()).date()
    month_start, month_end = _month_bounds(day)
    cond = [_among(hr.assigned_supporter_id, pool), hr.status.in_(COMMITTED)]
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
    for row in rows:
        cand = Candidate(
            supporter_id=row.id,
            name="",
            status="certified",
            languages=languages.get(row.id, {}),
            japanese_level=row.japanese_level,
            modes=frozenset({need.mode}),
            home_municipality=row.home_municipality_code,
            served_municipalities=frozenset(),
            gender=need.gender,
            monthly_case_cap=row.monthly_case_cap,
            cases_this_month=load.get(row.id, 0),
            helped_residents={need.resident_key: day} if row.id in helped else {},
            category_experience={need.category: experience.get(row.id, 0)},
        )
        out.append((key(_score(need, cand, dist)), row.id))
    out.sort()
    return out


def _jst():
    from supporters.clock import JST

    return JST


def top_ranked(
    need: Need,
    request_id: int | None,
    near: list[str],
    place: frozenset[str],
    centroids,
    k: int = TOP,
    skip: frozenset[int] = frozenset(),
) -> tuple[list[Ranked], int]:
    """The first ``k`` qualifying supporters in the engine's order, and how many were loaded.

    ``near`` and ``place`` are the in-person reach of :func:`candidates._sql_filters`;
    supporters in ``skip`` are left out (as if they did not qualify). Raises
    :class:`BoundViolated` if a score ever exceeds its bound.
    """
    from supporters.help_requests.candidates import distances, load_candidates

    dist = distances()  # kept with the reference data; per call if the caller's are others
    if dist.centroids is not centroids:
        dist = _Distances(centroids)
    codes = None if need.language is None else _codes(need.language)
    local = _local_pool(need, codes, near, place) if need.mode == "in_person" else None
    if local is not None and not local:  # nobody in reach: the caller's exhaustive path says why
        return [], 0
    done = experience_in(need.category)  # kept per process while no request completes
    boosted = _boosted(
        need,
        request_id,
        codes,
        near,
        place,
        dist,
        done,
        None if local is None else list(local),
    )
    # Boosted supporters of the pool are read through ``boosted`` only, never from a tier.
    read_skip = {sid for _, sid in boosted} | set(skip)
    if local is None:
        tiers = _tiers(need, codes, near, place, centroids)
    else:  # the whole pool is read: each supporter is its own source, bounded by their home
        tiers = []
        load = micro(LOAD_WEIGHT)
        parts = _distance_parts(need, centroids)
        boosted = sorted(
            boosted
            + [
                ((-(lang + parts.get(home, 0) + load), 0, sid), sid)
                for sid, (home, lang) in local.items()
                if sid not in read_skip
            ]
        )
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
        pool = load_candidates(sorted(bounds), need, exclude_request=request_id, experience=done)
        for ranked in rank(need, pool, centroids, dist).ranked:
            if micro(ranked.score) > bounds[ranked.candidate.supporter_id]:
                raise BoundViolated(ranked.candidate.supporter_id)
            found.append(ranked)
    found.sort(key=key)
    return found[:k], loaded
