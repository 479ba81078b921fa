"""Assignments in a period and their clashes, read from the database (no request objects).

An assignment is a request given to a supporter that still stands (assigned, completed or
closed — the matcher's ``COMMITTED``); a cancelled one is listed only where asked (the feed).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from supporters.calendar.clashes import Clash, Slot, TravelRule, clash_between, find_clashes
from supporters.calendar.month import month_span
from supporters.clock import JST
from supporters.coverage.geo import distance_table
from supporters.extensions import db
from supporters.help_requests.candidates import COMMITTED
from supporters.models import HelpRequest, Mode

WEEK, MONTH = "week", "month"
# Assignments of the same supporter this close to the period are read too, so a clash with
# one just outside the period (or outside the filters) still shows.
_REACH = timedelta(days=1)


def travel_rule() -> TravelRule:
    """The assumed speed and margin: ``CALENDAR_TRAVEL_KMH`` (30) and
    ``CALENDAR_TRAVEL_MARGIN_MINUTES`` (15) in the app's configuration."""
    config = current_app.config
    return TravelRule(
        kmh=float(config.get("CALENDAR_TRAVEL_KMH", 30.0)),
        margin_minutes=int(config.get("CALENDAR_TRAVEL_MARGIN_MINUTES", 15)),
    )


def period(view: str, day: date) -> tuple[date, date]:
    """First and last day shown: the Monday-to-Sunday week of ``day``, or the whole
    Sunday-to-Saturday weeks of the month grid that cover ``day``'s month."""
    if view == MONTH:
        return month_span(day)
    first = day - timedelta(days=day.weekday())
    return first, first + timedelta(days=6)


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC-aware instants from the start of ``first`` to the end of ``last`` in JST."""
    start = datetime.combine(first, time(0), JST)
    end = datetime.combine(last + timedelta(days=1), time(0), JST)
    return start, end


def assignments_between(
    start: datetime,
    end: datetime,
    *,
    supporter_id: int | None = None,
    language: str | None = None,
    municipality: str | None = None,
    statuses=COMMITTED,
) -> list[HelpRequest]:
    """Assignments that overlap [start, end), in time order, with supporter and place loaded."""
    stmt = (
        select(HelpRequest)
        .options(joinedload(HelpRequest.assigned_supporter), joinedload(HelpRequest.municipality))
        .where(
            HelpRequest.assigned_supporter_id.is_not(None),
            HelpRequest.status.in_(tuple(statuses)),
            # A request lies within one JST day, so the lower bound keeps the index range short.
            HelpRequest.starts_at > start - _REACH,
            HelpRequest.starts_at < end,
            HelpRequest.ends_at > start,
        )
        .order_by(HelpRequest.starts_at, HelpRequest.id)
    )
    if supporter_id is not None:
        stmt = stmt.where(HelpRequest.assigned_supporter_id == supporter_id)
    if language:
        stmt = stmt.where(HelpRequest.language_code == language)
    if municipality:
        stmt = stmt.where(HelpRequest.municipality_code == municipality)
    return list(db.session.scalars(stmt).unique())


def _slot_rows(supporter_ids, start: datetime, end: datetime, exclude: int | None = None):
    if not supporter_ids:
        return []
    stmt = select(
        HelpRequest.id,
        HelpRequest.assigned_supporter_id,
        HelpRequest.starts_at,
        HelpRequest.ends_at,
        HelpRequest.municipality_code,
        HelpRequest.mode,
    ).where(
        HelpRequest.assigned_supporter_id.in_(sorted(supporter_ids)),
        HelpRequest.status.in_(COMMITTED),
        HelpRequest.starts_at > start - 2 * _REACH,
        HelpRequest.starts_at < end + _REACH,
    )
    if exclude is not None:
        stmt = stmt.where(HelpRequest.id != exclude)
    return [
        Slot(rid, sid, s, e, place, Mode(mode) == Mode.IN_PERSON)
        for rid, sid, s, e, place, mode in db.session.execute(stmt)
    ]


def _km(a: str, b: str) -> float | None:
    return distance_table().get((a, b))


def clashes_of(items: list[HelpRequest], start: datetime, end: datetime) -> dict[int, list[Clash]]:
    """The clashes of the listed assignments, by request id (both requests of a clash)."""
    supporter_ids = {item.assigned_supporter_id for item in items}
    slots = _slot_rows(supporter_ids, start, end)
    listed = {item.id for item in items}
    found: dict[int, list[Clash]] = defaultdict(list)
    for clash in find_clashes(slots, _km, travel_rule()):
        for request_id in (clash.first, clash.second):
            if request_id in listed:
                found[request_id].append(clash)
    return dict(found)


def slot_of(request: HelpRequest, supporter_id: int) -> Slot:
    """The request as it would sit in ``supporter_id``'s day if they took it."""
    return Slot(
        request.id,
        supporter_id,
        request.starts_at,
        request.ends_at,
        request.municipality_code,
        request.mode == Mode.IN_PERSON,
    )


def clashes_for_candidates(request: HelpRequest, supporter_ids) -> dict[int, list[Clash]]:
    """For each supporter, what taking ``request`` would clash with (for the request page,
    before offering or assigning). The matcher already leaves out overlaps; this adds travel."""
    ids = {sid for sid in supporter_ids if sid is not None}
    slots = _slot_rows(ids, request.starts_at, request.ends_at, exclude=request.id)
    rule = travel_rule()
    found: dict[int, list[Clash]] = defaultdict(list)
    for other in slots:
        clash = clash_between(slot_of(request, other.supporter_id), other, _km, rule)
        if clash is not None:
            found[other.supporter_id].append(clash)
    return dict(found)


def days_of(first: date, last: date, items: list[HelpRequest]) -> list[tuple[date, list]]:
    """Each day from ``first`` to ``last`` with the assignments that start on it (JST)."""
    by_day: dict[date, list[HelpRequest]] = defaultdict(list)
    for item in items:
        by_day[item.starts_at.astimezone(JST).date()].append(item)
    count = (last - first).days + 1
    return [
        (first + timedelta(days=n), by_day.get(first + timedelta(days=n), [])) for n in range(count)
    ]
