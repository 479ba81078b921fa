"""From the database to the matching engine: build the ``Need`` and the ``Candidate`` pool.

The engine (:mod:`supporters.matching`) is pure; this adapter keeps it fast at national scale by
letting SQL do the coarse filtering (certified, speaks the language, offers the mode, lives or
serves within reach) and loading the per-candidate facts (slots, assignments, load, continuity,
experience) only for that short list — one query each, never one per supporter.

When nobody qualifies, counts per filter say which one emptied the list, and a wider pool
(neighbouring areas, remote supporters) is loaded for the fallbacks.
"""

import math
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select, union
from sqlalchemy.orm import aliased

from supporters.clock import JST
from supporters.extensions import db
from supporters.help_requests import experience, pool_facts
from supporters.help_requests.candidates_topk import (
    TOP,
    BoundViolated,
    language_codes,
    load_batch,
    merged,
    top_ranked,
)
from supporters.lending import service as lending
from supporters.matching import (
    FILTER_ORDER,
    Candidate,
    Fallback,
    MatchResult,
    Need,
    _Distances,
    fallbacks,
    rank,
)
from supporters.models import (
    HelpRequest,
    Language,
    Mode,
    RequestStatus,
    Supporter,
    SupporterLanguage,
    SupporterStatus,
    UnavailableDate,
    WeeklySlot,
)
from supporters.models.supporter import supporter_served_municipality
from supporters.programme.settings import current as programme_settings
from supporters.reference_data import reference_data

# Statuses in which a request counts towards a supporter's month and blocks their time.
COMMITTED = (RequestStatus.ASSIGNED, RequestStatus.COMPLETED, RequestStatus.CLOSED)
DONE = (RequestStatus.COMPLETED, RequestStatus.CLOSED)
FALLBACK_RADIUS_FACTOR = 3
FALLBACK_POOL_LIMIT = 300
KM_PER_DEGREE = 111.0


def need_for(request: HelpRequest) -> Need:
    """What ``request`` asks of a supporter, in the engine's terms."""
    return Need(
        category=request.category.value,
        mode=request.mode.value,
        language=request.language_code,
        municipality=request.municipality_code,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        gender=request.preferred_gender,
        resident_key=request.resident_key,
        travel_radius_km=programme_settings().travel_radius_km,
    )


def centroids(data=None) -> dict[str, tuple[float, float]]:
    """Every municipality's centroid, kept with the reference data (``data``, else the current):
    for as long as its token says the municipalities did not change, in any process
    (``supporters/reference_data.py``)."""
    data = data or reference_data()
    return data.derive(
        "centroids",
        lambda: {code: (m.latitude, m.longitude) for code, m in data.municipalities.items()},
    )


def distances(data=None) -> _Distances:
    """The engine's geodesic cache over :func:`centroids`, kept with the same reference data:
    a distance between two centroids never changes while they do not."""
    data = data or reference_data()
    return data.derive("distances", lambda: _Distances(centroids(data)))


def forget_centroids() -> None:
    """Drop this process's copy after municipalities are written around the ORM (bulk loads);
    writes through the ORM renew the reference data's token, which every process notices."""
    from supporters.reference_data import forget

    forget()


def codes_within(origin: str, radius_km: float) -> list[str]:
    """Municipalities whose centroid lies within a bounding box of ``radius_km`` around origin.

    A cheap superset of the geodesic circle; the engine applies the exact geodesic test.
    """
    points = centroids()
    if origin not in points:
        return [origin]
    lat0, lon0 = points[origin]
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat0)), 0.01))
    return sorted(
        code
        for code, (lat, lon) in points.items()
        if abs(lat - lat0) <= dlat and abs(lon - lon0) <= dlon
    )


def _speaks(language: str | None):
    if language is None:
        return None
    # "pt" also accepts "pt-BR". The prefix test runs on the small language table, so the large
    # supporter_language table is searched by exact codes (an index lookup, not a LIKE scan).
    codes = select(Language.code).where(
        or_(Language.code == language, Language.code.like(language + "-%"))
    )
    return (
        select(SupporterLanguage.supporter_id)
        .where(SupporterLanguage.language_code.in_(codes))
        .scalar_subquery()
    )


def same_place(code: str, on: date) -> frozenset[str]:
    """``code`` and every code that is the same place on ``on`` through a merger in force by
    then: a supporter who served 利根町 serves とりで利根市 from the day they merged, and one who
    serves the merged city serves the old town's requests. Old codes stay (history keeps them);
    matching follows them here. Cheap: the merger links are derived once per reference data."""
    data = reference_data()
    links = data.derive("merger_links", lambda: _merger_links(data))
    if code not in links:
        return frozenset((code,))
    found, todo = {code}, [code]
    while todo:
        for other, until in links[todo.pop()]:
            if until < on and other not in found:
                found.add(other)
                todo.append(other)
    return frozenset(found)


def _merger_links(data) -> dict[str, list[tuple[str, date]]]:
    """Each merged code and its successor, linked both ways with the old code's last day."""
    links: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for ref in data.municipalities.values():
        if ref.successor_code and ref.valid_until:
            links[ref.code].append((ref.successor_code, ref.valid_until))
            links[ref.successor_code].append((ref.code, ref.valid_until))
    return dict(links)


def _reaches(near: list[str], municipality: str | frozenset[str]):
    """Supporters living in ``near`` or serving ``municipality`` (or any of its merged codes).

    A union of two index lookups rather than ``home IN … OR id IN …``, which PostgreSQL can
    only answer by scanning every supporter.
    """
    home = aliased(Supporter)
    served = supporter_served_municipality.c
    return union(
        select(home.id).where(home.home_municipality_code.in_(near)),
        select(served.supporter_id).where(
            served.municipality_code.in_(sorted(municipality))
            if isinstance(municipality, frozenset)
            else served.municipality_code == municipality
        ),
    )


MODE_COLUMN = {
    "in_person": Supporter.offers_in_person,
    "phone": Supporter.offers_phone,
    "video": Supporter.offers_video,
}


def _sql_filters(need: Need, radius_km: float) -> list[tuple[str, object]]:
    """The coarse filters SQL applies, named as the engine names them, in the engine's order."""
    speaks = _speaks(need.language)
    filters = [
        ("status", Supporter.status == SupporterStatus.CERTIFIED),
        ("language", Supporter.id.in_(speaks) if speaks is not None else True),
        ("mode", MODE_COLUMN[need.mode].is_(True)),
    ]
    if need.mode == "in_person":
        near = codes_within(need.municipality, radius_km)
        place = same_place(need.municipality, need.starts_at.astimezone(JST).date())
        where = place if len(place) > 1 else need.municipality
        filters.append(("location", Supporter.id.in_(_reaches(near, where))))
    return filters


def match_request(
    request: HelpRequest, top: int | None = TOP, skip: Collection[int] = ()
) -> MatchResult:
    """The first ``top`` candidates with reasons for ``request`` (all of them when ``top`` is
    None); when none qualifies, why and what else to try.

    The first ``top`` are exactly those of the exhaustive ranking (:func:`match_exhaustive`),
    found by :func:`candidates_topk.top_ranked` from the programme's certified supporters kept
    in memory (:mod:`.pool_facts`) without loading the whole pool; when nobody qualifies, the
    counts per filter and the fallbacks come from the same facts (:func:`match_from_pool`),
    equal to the exhaustive ranking's. The counts per filter when somebody qualifies are
    computed on first access. Supporters in ``skip`` (e.g. already offered the request) are left
    out of the ranking.
    """
    skip = frozenset(skip)
    if top is None:
        return _without(match_exhaustive(request), skip, None)
    need = need_for(request)
    near, place = [], frozenset((need.municipality,))
    if need.mode == "in_person":
        near = codes_within(need.municipality, need.travel_radius_km)
        place = same_place(need.municipality, need.starts_at.astimezone(JST).date())
    outcome_token, facts_token = pool_facts.tokens()
    pool = pool_facts.current(facts_token)
    done = experience.experience(need.category, outcome_token)
    try:
        ranked, _ = top_ranked(
            need, request.id, near, place, centroids(), pool, done, outcome_token, top, skip
        )
    except BoundViolated:  # never expected; the exhaustive ranking is always right
        current_app.logger.error("matching bound violated for request %s", request.id)
        return _without(match_exhaustive(request), skip, top)
    if not ranked:
        return _without(match_from_pool(request, need, pool, done), skip, top)
    return TopMatch(ranked, lambda: match_exhaustive(request).counts_after_each_filter)


def match_from_pool(
    request: HelpRequest, need: Need, pool: pool_facts.Pool, done: Mapping[int, int]
) -> MatchResult:
    """What :func:`match_exhaustive` answers, with the SQL filters applied to the kept pool
    (the same certified supporters, languages, modes, homes and served places) and only the
    survivors' day read from the database. Used when the top is empty: nobody qualifies (exact
    counts per filter, fallbacks) or every qualifying supporter was skipped."""
    facts = pool.facts
    codes = None if need.language is None else language_codes(need.language)
    ids = list(facts) if codes is None else list(merged([pool.speakers.get(c, []) for c in codes]))
    sql_counts = [("status", len(facts)), ("language", len(ids))]
    bit = pool_facts.MODE_BIT[need.mode]
    ids = [sid for sid in ids if facts[sid].modes & bit]
    sql_counts.append(("mode", len(ids)))
    if need.mode == "in_person":
        near = frozenset(codes_within(need.municipality, need.travel_radius_km))
        place = same_place(need.municipality, need.starts_at.astimezone(JST).date())
        ids = [sid for sid in ids if facts[sid].home in near or facts[sid].served & place]
        sql_counts.append(("location", len(ids)))
    in_pool = load_batch(ids, need, pool, request.id, done)
    result = rank(need, in_pool, centroids())
    if result.ranked:
        return result

    emptied_by = next((name for name, n in sql_counts if n == 0), None)
    sql_names = {name for name, _ in sql_counts}
    counts = sql_counts + [(n, c) for n, c in result.counts_after_each_filter if n not in sql_names]
    counts.sort(key=lambda item: FILTER_ORDER.index(item[0]))
    if emptied_by is None:
        emptied_by = result.emptied_by

    # The wider pool of _fallback_pool: speakers nearby (wider radius) or offering phone/video.
    wide = frozenset(
        codes_within(need.municipality, need.travel_radius_km * FALLBACK_RADIUS_FACTOR)
    )
    source = iter(facts) if codes is None else merged([pool.speakers.get(c, []) for c in codes])
    chosen = []
    for sid in source:
        f = facts[sid]
        if (f.modes & 1 and f.home in wide) or f.modes & 6:
            chosen.append(sid)
            if len(chosen) >= FALLBACK_POOL_LIMIT:
                break
    wider = load_batch(chosen, need, pool, request.id, done)
    dist = distances()
    found = fallbacks(need, wider, dist.centroids, dist)
    lent = lending.proposals(request)
    if lent:
        found.insert(len(found) - 1, Fallback("lent", tuple(p.supporter_id for p in lent)))
    return MatchResult([], counts, emptied_by, found, tuple(lent))


class TopMatch(MatchResult):
    """A :class:`MatchResult` holding the first candidates; the exact counts per filter are
    computed on first access (only the API shows them when somebody qualifies)."""

    def __init__(self, ranked: list, counts) -> None:
        self.ranked = ranked
        self.emptied_by = None
        self.fallbacks = []
        self._counts_source = counts
        self._counts = None

    @property
    def counts_after_each_filter(self) -> list[tuple[str, int]]:
        if self._counts is None:
            self._counts = self._counts_source()
        return self._counts


def _without(result: MatchResult, skip: frozenset[int], top: int | None) -> MatchResult:
    if skip:
        result.ranked = [r for r in result.ranked if r.candidate.supporter_id not in skip]
    if top is not None:
        result.ranked = result.ranked[:top]
    return result


def rank_chosen(request: HelpRequest, supporter_ids: Collection[int]) -> MatchResult:
    """The chosen supporters who pass every hard filter for ``request``, ranked with their
    reasons exactly as the exhaustive ranking ranks them (each one's score and reasons are their
    own; only the order among them is kept). Sending offers checks the ticked ids with this
    instead of ranking the whole pool."""
    ids = list(dict.fromkeys(int(i) for i in supporter_ids))
    if not ids:
        return MatchResult([], [], None, [])
    need = need_for(request)
    filters = [c for _, c in _sql_filters(need, need.travel_radius_km)]
    pool = _load_where([*filters, Supporter.id.in_(ids)], need, exclude_request=request.id)
    return rank(need, pool, centroids())


def match_exhaustive(request: HelpRequest) -> MatchResult:
    """Every qualifying candidate, ranked: loads and ranks the whole SQL pool. The reference
    the fast path is proven equal to (tests, ``bench/matching_scale.py``), and the nobody-
    qualifies path (exact counts per filter, fallbacks)."""
    need = need_for(request)
    filters = _sql_filters(need, need.travel_radius_km)
    pool = _load_where([c for _, c in filters], need, exclude_request=request.id)
    result = rank(need, pool, centroids())
    if result.ranked:
        return result

    # Nobody qualifies: count what SQL filtered, so "which filter emptied the list" is exact.
    counts: list[tuple[str, int]] = []
    emptied_by = None
    applied = []
    for name, condition in filters:
        applied.append(condition)
        n = db.session.scalar(
            select(func.count()).select_from(Supporter).where(and_(True, *applied))
        )
        counts.append((name, n))
        if n == 0 and emptied_by is None:
            emptied_by = name
    sql_names = {name for name, _ in filters}
    counts += [(n, c) for n, c in result.counts_after_each_filter if n not in sql_names]
    counts.sort(key=lambda item: FILTER_ORDER.index(item[0]))
    if emptied_by is None:
        emptied_by = result.emptied_by

    wider = _fallback_pool(need, exclude_request=request.id)
    dist = distances()  # the geodesics kept with the reference data (the ranking's own are fresh)
    found = fallbacks(need, wider, dist.centroids, dist)
    # Then supporters other programmes lend for remote help ([6/6]), before the referral.
    lent = lending.proposals(request)
    if lent:
        found.insert(len(found) - 1, Fallback("lent", tuple(p.supporter_id for p in lent)))
    return MatchResult([], counts, emptied_by, found, tuple(lent))


def _fallback_pool(need: Need, exclude_request: int | None) -> list[Candidate]:
    """Certified speakers of the language nearby (wider radius) or offering phone/video."""
    speaks = _speaks(need.language)
    near = codes_within(need.municipality, need.travel_radius_km * FALLBACK_RADIUS_FACTOR)
    reach = or_(
        and_(Supporter.offers_in_person.is_(True), Supporter.home_municipality_code.in_(near)),
        Supporter.offers_phone.is_(True),
        Supporter.offers_video.is_(True),
    )
    conditions = [Supporter.status == SupporterStatus.CERTIFIED, reach]
    if speaks is not None:
        conditions.append(Supporter.id.in_(speaks))
    return _load_where(conditions, need, exclude_request, limit=FALLBACK_POOL_LIMIT)


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day.replace(day=1), time(), JST)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return start, next_month


def _among(column, ids: list[int]):
    """``column IN (ids)`` with the integers written into the SQL text.

    A national pool holds thousands of supporters: one bound parameter each made the query three
    times slower on PostgreSQL, and SQLite limits their number. The ids are integers read from
    the database, so rendering them is safe.
    """
    return column.in_(bindparam("ids", ids, expanding=True, literal_execute=True))


# What the engine needs from the supporter row itself: columns, not ORM objects, because a
# national pool has thousands of rows and building entities dominated the time.
_PROFILE = (
    Supporter.id,
    Supporter.display_name,
    Supporter.status,
    Supporter.japanese_level,
    Supporter.offers_in_person,
    Supporter.offers_phone,
    Supporter.offers_video,
    Supporter.home_municipality_code,
    Supporter.gender,
    Supporter.monthly_case_cap,
    Supporter.paused_until,
)


@cache
def _modes(in_person: bool, phone: bool, video: bool) -> frozenset[str]:
    """The engine's mode names for a supporter's three flags (as ``Supporter.modes``)."""
    flags = (in_person, phone, video)
    return frozenset(mode.value for mode, on in zip(Mode, flags, strict=True) if on)


def _load_where(
    conditions,
    need: Need,
    exclude_request: int | None,
    limit: int | None = None,
    experience: Mapping[int, int] | None = None,
) -> list[Candidate]:
    """Candidates for the supporters matching ``conditions`` (ordered by id, at most ``limit``).

    The profile columns come with the filtering query itself; the per-candidate facts follow in
    a fixed number of queries, never one per supporter.
    """
    stmt = select(*_PROFILE).where(and_(True, *conditions)).order_by(Supporter.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    profiles = db.session.execute(stmt).all()
    if not profiles:
        return []
    ids = [row.id for row in profiles]
    day = need.starts_at.astimezone(JST).date()
    month_start, month_end = _month_bounds(day)
    day_start = datetime.combine(day, time(), JST)
    day_end = day_start + timedelta(days=1)

    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, code, level in db.session.execute(
        select(
            SupporterLanguage.supporter_id,
            SupporterLanguage.language_code,
            SupporterLanguage.level,
        ).where(_among(SupporterLanguage.supporter_id, ids))
    ):
        languages[sid][code] = level.value
    served: dict[int, set[str]] = defaultdict(set)
    for sid, code in db.session.execute(
        select(
            supporter_served_municipality.c.supporter_id,
            supporter_served_municipality.c.municipality_code,
        ).where(_among(supporter_served_municipality.c.supporter_id, ids))
    ):
        served[sid].add(code)
    place = same_place(need.municipality, day)
    if len(place) > 1:  # serving a merged-away or merged-into code serves this place
        for codes in served.values():
            if codes & place:
                codes.add(need.municipality)
    slots: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for sid, weekday, starts, ends in db.session.execute(
        select(WeeklySlot.supporter_id, WeeklySlot.weekday, WeeklySlot.starts, WeeklySlot.ends)
        .where(_among(WeeklySlot.supporter_id, ids))
        .order_by(WeeklySlot.supporter_id, WeeklySlot.weekday, WeeklySlot.starts)
    ):
        slots[sid].append((weekday, starts, ends))
    away = set(
        db.session.scalars(
            select(UnavailableDate.supporter_id).where(
                _among(UnavailableDate.supporter_id, ids), UnavailableDate.day == day
            )
        )
    )
    committed = [
        _among(HelpRequest.assigned_supporter_id, ids),
        HelpRequest.status.in_(COMMITTED),
    ]
    if exclude_request is not None:
        committed.append(HelpRequest.id != exclude_request)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    # A request's window lies within one JST day (intake.validate), so whatever overlaps this day
    # started less than a day before it: the lower bound spares the starts_at index the history.
    for sid, starts_at, ends_at in db.session.execute(
        select(HelpRequest.assigned_supporter_id, HelpRequest.starts_at, HelpRequest.ends_at).where(
            *committed,
            HelpRequest.starts_at > day_start - timedelta(days=1),
            HelpRequest.starts_at < day_end,
            HelpRequest.ends_at > day_start,
        )
    ):
        busy[sid].append((starts_at, ends_at))
    load = dict(
        db.session.execute(
            select(HelpRequest.assigned_supporter_id, func.count())
            .where(
                *committed,
                HelpRequest.starts_at >= month_start,
                HelpRequest.starts_at < month_end,
            )
            .group_by(HelpRequest.assigned_supporter_id)
        ).all()
    )
    helped: dict[int, date] = {}
    if need.resident_key:
        for sid, last in db.session.execute(
            select(HelpRequest.assigned_supporter_id, func.max(HelpRequest.starts_at))
            .where(*committed, HelpRequest.resident_key == need.resident_key)
            .group_by(HelpRequest.assigned_supporter_id)
        ):
            helped[sid] = _as_utc(last).astimezone(JST).date()
    if experience is None:
        experience = _experience_of(ids, need.category)

    return [
        Candidate(
            supporter_id=p.id,
            name=p.display_name,
            status=p.status.value,
            languages=languages.get(p.id, {}),
            japanese_level=p.japanese_level,
            modes=_modes(p.offers_in_person, p.offers_phone, p.offers_video),
            home_municipality=p.home_municipality_code,
            served_municipalities=frozenset(served.get(p.id, ())),
            gender=p.gender,
            monthly_case_cap=p.monthly_case_cap,
            paused_until=p.paused_until,
            cases_this_month=load.get(p.id, 0),
            weekly_slots=tuple(slots[p.id]) if p.id in slots else None,
            unavailable_dates=frozenset({day}) if p.id in away else frozenset(),
            busy=tuple(busy.get(p.id, ())),
            helped_residents={need.resident_key: helped[p.id]} if p.id in helped else {},
            category_experience={need.category: experience.get(p.id, 0)},
        )
        for p in profiles
    ]


def _experience_of(ids: list[int], category: str) -> dict[int, int]:
    """Completed or closed requests in ``category`` for each of ``ids`` (those with any)."""
    return dict(
        db.session.execute(
            select(HelpRequest.assigned_supporter_id, func.count())
            .where(
                _among(HelpRequest.assigned_supporter_id, ids),
                HelpRequest.status.in_(DONE),
                HelpRequest.category == category,
            )
            .group_by(HelpRequest.assigned_supporter_id)
        ).all()
    )


def _as_utc(value: datetime) -> datetime:
    """``max()`` over a UTCDateTime column comes back raw (naive UTC) on some backends."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
