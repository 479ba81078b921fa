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
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select

from supporters.clock import JST
from supporters.extensions import db
from supporters.matching import (
    FILTER_ORDER,
    Candidate,
    MatchResult,
    Need,
    fallbacks,
    rank,
)
from supporters.models import (
    HelpRequest,
    Municipality,
    RequestStatus,
    Supporter,
    SupporterLanguage,
    SupporterStatus,
    UnavailableDate,
    WeeklySlot,
)
from supporters.models.supporter import supporter_served_municipality

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
        travel_radius_km=current_app.config["TRAVEL_RADIUS_KM"],
    )


def centroids() -> dict[str, tuple[float, float]]:
    """Every municipality's centroid, cached for the app (reference data rarely changes)."""
    cache = current_app.extensions.setdefault("yorisoi_centroids", {})
    if not cache:
        rows = db.session.execute(
            select(Municipality.code, Municipality.latitude, Municipality.longitude)
        )
        cache.update({code: (lat, lon) for code, lat, lon in rows})
    return cache


def forget_centroids() -> None:
    """Drop the cache after municipalities are imported or edited."""
    current_app.extensions.pop("yorisoi_centroids", None)


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
    return (
        select(SupporterLanguage.supporter_id)
        .where(
            or_(
                SupporterLanguage.language_code == language,
                SupporterLanguage.language_code.like(language + "-%"),
            )
        )
        .scalar_subquery()
    )


def _serves(codes: list[str]):
    return (
        select(supporter_served_municipality.c.supporter_id)
        .where(supporter_served_municipality.c.municipality_code.in_(codes))
        .scalar_subquery()
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
        filters.append(
            (
                "location",
                or_(
                    Supporter.home_municipality_code.in_(near),
                    Supporter.id.in_(_serves([need.municipality])),
                ),
            )
        )
    return filters


def _select_ids(conditions) -> Select:
    return select(Supporter.id).where(and_(True, *conditions)).order_by(Supporter.id)


def match_request(request: HelpRequest) -> MatchResult:
    """Ranked candidates with reasons for ``request``; when none, why and what else to try."""
    need = need_for(request)
    filters = _sql_filters(need, need.travel_radius_km)
    ids = list(db.session.scalars(_select_ids([c for _, c in filters])))
    pool = load_candidates(ids, need, exclude_request=request.id)
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
    return MatchResult([], counts, emptied_by, fallbacks(need, wider, centroids()))


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
    ids = list(db.session.scalars(_select_ids(conditions).limit(FALLBACK_POOL_LIMIT)))
    return load_candidates(ids, need, exclude_request=exclude_request)


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day.replace(day=1), time(), JST)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return start, next_month


def load_candidates(
    ids: list[int], need: Need, exclude_request: int | None = None
) -> list[Candidate]:
    """Candidates for ``ids`` with everything the engine needs, in a fixed number of queries."""
    if not ids:
        return []
    day = need.starts_at.astimezone(JST).date()
    month_start, month_end = _month_bounds(day)
    day_start = datetime.combine(day, time(), JST)
    day_end = day_start + timedelta(days=1)

    supporters = list(db.session.scalars(select(Supporter).where(Supporter.id.in_(ids))))
    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for sid, code, level in db.session.execute(
        select(
            SupporterLanguage.supporter_id,
            SupporterLanguage.language_code,
            SupporterLanguage.level,
        ).where(SupporterLanguage.supporter_id.in_(ids))
    ):
        languages[sid][code] = level.value
    served: dict[int, set[str]] = defaultdict(set)
    for sid, code in db.session.execute(
        select(
            supporter_served_municipality.c.supporter_id,
            supporter_served_municipality.c.municipality_code,
        ).where(supporter_served_municipality.c.supporter_id.in_(ids))
    ):
        served[sid].add(code)
    slots: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for sid, weekday, starts, ends in db.session.execute(
        select(WeeklySlot.supporter_id, WeeklySlot.weekday, WeeklySlot.starts, WeeklySlot.ends)
        .where(WeeklySlot.supporter_id.in_(ids))
        .order_by(WeeklySlot.supporter_id, WeeklySlot.weekday, WeeklySlot.starts)
    ):
        slots[sid].append((weekday, starts, ends))
    away = set(
        db.session.scalars(
            select(UnavailableDate.supporter_id).where(
                UnavailableDate.supporter_id.in_(ids), UnavailableDate.day == day
            )
        )
    )
    committed = [
        HelpRequest.assigned_supporter_id.in_(ids),
        HelpRequest.status.in_(COMMITTED),
    ]
    if exclude_request is not None:
        committed.append(HelpRequest.id != exclude_request)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for sid, starts_at, ends_at in db.session.execute(
        select(HelpRequest.assigned_supporter_id, HelpRequest.starts_at, HelpRequest.ends_at).where(
            *committed, HelpRequest.starts_at < day_end, HelpRequest.ends_at > day_start
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
    experience = dict(
        db.session.execute(
            select(HelpRequest.assigned_supporter_id, func.count())
            .where(
                HelpRequest.assigned_supporter_id.in_(ids),
                HelpRequest.status.in_(DONE),
                HelpRequest.category == need.category,
            )
            .group_by(HelpRequest.assigned_supporter_id)
        ).all()
    )

    return [
        Candidate(
            supporter_id=s.id,
            name=s.display_name,
            status=s.status.value,
            languages=languages.get(s.id, {}),
            japanese_level=s.japanese_level,
            modes=frozenset(m.value for m in s.modes),
            home_municipality=s.home_municipality_code,
            served_municipalities=frozenset(served.get(s.id, ())),
            gender=s.gender,
            monthly_case_cap=s.monthly_case_cap,
            cases_this_month=load.get(s.id, 0),
            weekly_slots=tuple(slots[s.id]) if s.id in slots else None,
            unavailable_dates=frozenset({day}) if s.id in away else frozenset(),
            busy=tuple(busy.get(s.id, ())),
            helped_residents={need.resident_key: helped[s.id]} if s.id in helped else {},
            category_experience={need.category: experience.get(s.id, 0)},
        )
        for s in supporters
    ]


def _as_utc(value: datetime) -> datetime:
    """``max()`` over a UTCDateTime column comes back raw (naive UTC) on some backends."""
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
