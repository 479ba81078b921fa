"""The report's fast paths give exactly the figures of the straightforward queries (issue #17).

A fiscal year at national scale has to come back in under a second, so the request figures,
the medians and the coverage gaps no longer ask "is there an earlier move / a merge?" row by
row, and distances are no longer read from a full table. Each fast path is checked here
against the query (or the table) it replaced, on random data: seeded random request histories
(repeated moves, ties on the instant, merges, scopes, periods of one month to a fiscal year),
and random places for the distances (Hypothesis, with radii that fall exactly on a pair).
"""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, case, exists, func, insert, not_, or_, select
from sqlalchemy.orm import aliased

from supporters.coverage import analysis, protected
from supporters.coverage.geo import Reach
from supporters.extensions import db as _db
from supporters.help_requests.duplicates import MERGED_INTO, merged_away
from supporters.models import HelpRequest, RequestEvent, RequestStatus
from supporters.reports import first_moves, monthly
from supporters.reports.disclosure import MARK, is_count, is_small
from supporters.reports.monthly import (
    OUTCOMES,
    build_report,
    time_to_assignment,
    times_to_assignment,
    utc_start_of,
)
from supporters.stipends.months import months_between
from supporters.stipends.rules import next_month

MONTHS = months_between(datetime(2025, 4, 1).date(), datetime(2026, 3, 1).date())
AREAS = ("08201", "08204", "08220", "08203", "08202")
LANGUAGES = ("vi", "pt", "zh", None)
SCOPES = (None, frozenset(), frozenset({"08204"}), frozenset({"08201", "08220"}))
MOVES = (RequestStatus.ASSIGNED, RequestStatus.UNFILLED, RequestStatus.REFERRED)


# --- The queries the fast paths replaced (as they were before issue #17's evening) ---------------


def _first_transition(event):
    earlier = aliased(RequestEvent)
    return not_(
        exists().where(
            earlier.request_id == event.request_id,
            earlier.to_status == event.to_status,
            or_(earlier.at < event.at, and_(earlier.at == event.at, earlier.id < event.id)),
        )
    )


def _request_counts_before(bounds, scope) -> list[dict]:
    """Requests received and first moves per month: correlated subqueries per row."""
    blocks = [{"requests": monthly._empty_requests()} for _ in bounds[1:]]
    in_scope = [HelpRequest.municipality_code.in_(sorted(scope))] if scope is not None else []
    received = [*in_scope, ~merged_away(HelpRequest.id)]
    for m, n in monthly._grouped(HelpRequest.created_at, bounds, {}, received):
        blocks[m]["requests"]["received"] = n
    event = aliased(RequestEvent)
    where = [event.to_status.in_(OUTCOMES), _first_transition(event)]
    where.append(~merged_away(event.request_id))
    if in_scope:
        where.append(event.request_id.in_(select(HelpRequest.id).where(*in_scope)))
    for m, status, n in monthly._grouped(event.at, bounds, {"status": event.to_status}, where):
        blocks[m]["requests"][monthly._value(status)] = n
    return blocks


def _coverage_requests_before(first, last) -> dict:
    start, end = analysis.period_bounds(first, last)
    unfilled = func.sum(case((HelpRequest.status == RequestStatus.UNFILLED, 1), else_=0))
    rows = _db.session.execute(
        select(HelpRequest.municipality_code, HelpRequest.language_code, func.count(), unfilled)
        .where(
            HelpRequest.created_at >= start,
            HelpRequest.created_at < end,
            HelpRequest.language_code.is_not(None),
            ~merged_away(HelpRequest.id),
        )
        .group_by(HelpRequest.municipality_code, HelpRequest.language_code)
    )
    return {(m, lang): (int(n), int(u or 0)) for m, lang, n, u in rows}


# --- Random request histories -------------------------------------------------------------------


def _random_history(rng: random.Random, template: HelpRequest, n: int) -> None:
    """``n`` requests copied from ``template`` with random place, month, status and events."""
    columns = {
        c.key: getattr(template, c.key)
        for c in HelpRequest.__table__.columns
        if c.key not in ("id", "reference")
    }
    start = datetime(2025, 3, 20, tzinfo=UTC)
    rows = []
    for k in range(n):
        created = start + timedelta(minutes=rng.randrange(400 * 24 * 60))
        rows.append(
            {
                **columns,
                "reference": f"P{k:06d}",
                "municipality_code": rng.choice(AREAS),
                "language_code": rng.choice(LANGUAGES),
                "status": rng.choice((*MOVES, RequestStatus.NEW)),
                "sensitive": rng.random() < 0.3,
                "created_at": created,
            }
        )
    _db.session.execute(insert(HelpRequest), rows)
    ids = _db.session.scalars(
        select(HelpRequest.id).where(HelpRequest.reference.like("P%")).order_by(HelpRequest.id)
    ).all()
    events = []
    for request_id, row in zip(ids, rows, strict=True):
        at = row["created_at"]
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if rng.random() < 0.8:  # else the same instant again: a tie broken by id
                at = at + timedelta(hours=rng.choice((0.5, 3, 20, 300, 2000)) * rng.random())
            events.append(
                {
                    "request_id": request_id,
                    "programme_id": row["programme_id"],
                    "from_status": RequestStatus.NEW,
                    "to_status": rng.choice(MOVES),
                    "at": at,
                    "note": "",
                    "code": "",
                    "params": {},
                }
            )
        if rng.random() < 0.1:  # merged into another request (as a repeat)
            events.append(
                {
                    "request_id": request_id,
                    "programme_id": row["programme_id"],
                    "from_status": row["status"],
                    "to_status": row["status"],
                    "at": at + timedelta(days=rng.choice((1, 60))),
                    "note": "",
                    "code": MERGED_INTO,
                    "params": {},
                }
            )
    _db.session.execute(insert(RequestEvent), events)
    first_moves.refresh(_db.session.connection())  # a Core insert: as the demo and bench do
    _db.session.commit()


def _periods(rng: random.Random):
    yield MONTHS[0], MONTHS[-1]  # the fiscal year
    yield MONTHS[6], MONTHS[6]
    for _ in range(5):
        i, j = sorted((rng.randrange(len(MONTHS)), rng.randrange(len(MONTHS))))
        yield MONTHS[i], MONTHS[j]


def test_fast_request_figures_equal_the_row_by_row_queries(db, make_request):
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        _db.session.execute(RequestEvent.__table__.delete())
        _db.session.execute(HelpRequest.__table__.delete().where(HelpRequest.reference.like("P%")))
        template = make_request()
        _random_history(rng, template, 150)
        for first, last in _periods(rng):
            months = months_between(first, last)
            bounds = [utc_start_of(month) for month in [*months, next_month(months[-1])]]
            for scope in SCOPES:
                blocks = [{"requests": monthly._empty_requests()} for _ in months]
                monthly._fill_requests(blocks, bounds, scope)
                assert blocks == _request_counts_before(bounds, scope), (seed, first, scope)
                by_month, period = times_to_assignment(bounds, scope)
                assert by_month == [
                    time_to_assignment(bounds[k], bounds[k + 1], scope) for k in range(len(months))
                ]
                assert period == time_to_assignment(bounds[0], bounds[-1], scope)
            assert analysis._requests(first, last) == _coverage_requests_before(first, last)
            # and the whole report still adds up: the period is the sum of its months
            report = build_report(first, last)
            received = sum(block["requests"]["received"] for block in report["months"])
            assert report["requests"]["received"] == received


# --- Distances -----------------------------------------------------------------------------------


def _full_table(points: dict) -> dict:
    """The table as ``geo.distance_table`` built it before: every pair, in code order."""
    ordered = sorted((code, lat, lon) for code, (lat, lon) in points.items())
    table = {}
    for i, (a, lat_a, lon_a) in enumerate(ordered):
        table[(a, a)] = 0.0
        for b, lat_b, lon_b in ordered[i + 1 :]:
            table[(a, b)] = table[(b, a)] = geodesic((lat_a, lon_a), (lat_b, lon_b)).km
    return table


def _near_before(table, place, homes, radius):
    in_person, nearest = 0, None
    for home, n in homes.items():
        distance = table.get((place, home))
        if distance is None:
            continue
        nearest = distance if nearest is None else min(nearest, distance)
        if distance <= radius:
            in_person += n
    return in_person, nearest


coordinates = st.tuples(
    st.floats(min_value=24.0, max_value=46.0), st.floats(min_value=122.0, max_value=146.0)
)


@settings(max_examples=150, deadline=None)
@given(
    places=st.lists(
        st.one_of(
            coordinates,
            # clusters: many places a few km apart, as in one prefecture
            st.tuples(st.floats(36.0, 36.3), st.floats(140.0, 140.3)),
        ),
        min_size=1,
        max_size=25,
    ),
    radius_pick=st.one_of(st.floats(0.0, 300.0), st.integers(0, 1000)),
    # around a pair's distance: the great circle and the geodesic differ by up to ~0.5 %
    factor=st.sampled_from((1.0, 1 - 1e-9, 1 + 1e-9, 0.997, 1.003, 0.995, 1.005)),
    data=st.data(),
)
def test_reach_equals_the_full_distance_table(places, radius_pick, factor, data):
    points = {f"{k:05d}": place for k, place in enumerate(places)}
    table = _full_table(points)
    if isinstance(radius_pick, int):  # a radius exactly on some pair's distance
        radius = sorted(table.values())[radius_pick % len(table)] * factor
    else:
        radius = radius_pick
    codes = sorted(points)
    homes = data.draw(
        st.dictionaries(st.sampled_from([*codes, "99999"]), st.integers(1, 5), max_size=12)
    )
    reach = Reach(radius, points)
    for place in [*codes, "99999"]:
        assert reach.near(place, homes) == _near_before(table, place, homes, radius)
        for home in homes:
            distance = table.get((place, home))
            assert reach.beyond(place, home) == (distance is None or distance > radius)


# --- The protected coverage matrix --------------------------------------------------------------


def _small_request_cells_before(first_month, last_month, threshold, municipalities, sensitive_too):
    """``protected.small_request_cells`` as it was: every month cell back, tested in Python."""
    months = months_between(first_month.replace(day=1), last_month.replace(day=1))
    bounds = [utc_start_of(month) for month in [*months, next_month(months[-1])]]
    where = [HelpRequest.language_code.is_not(None), analysis.not_merged(HelpRequest.id)]
    if municipalities is not None:
        where.append(HelpRequest.municipality_code.in_(sorted(municipalities)))
    dims = {"place": HelpRequest.municipality_code, "lang": HelpRequest.language_code}
    sensitive = HelpRequest.sensitive.is_(True)
    unfilled = HelpRequest.status == RequestStatus.UNFILLED
    sums = {
        "unfilled": case((unfilled, 1), else_=0),
        "sensitive": case((sensitive, 1), else_=0),
        "sensitive_unfilled": case((sensitive & unfilled, 1), else_=0),
    }
    requests, unfilled_cells = set(), set()
    rows = monthly._grouped(HelpRequest.created_at, bounds, dims, where, sums)
    for _m, code, lang, n, u, s, su in rows:
        if is_small(int(n), threshold) or (sensitive_too and is_small(int(s), threshold)):
            requests.add((code, lang))
        if is_small(int(u), threshold) or (sensitive_too and is_small(int(su), threshold)):
            unfilled_cells.add((code, lang))
    return requests, unfilled_cells


def _protected_matrix_before(matrix, threshold, sensitive_too):
    """``protected.protected_matrix`` as it was: every cell copied with ``replace``."""
    scope = frozenset(place.code for place in matrix.places)
    hide_requests, hide_unfilled = _small_request_cells_before(
        matrix.first_month, matrix.last_month, threshold, scope, sensitive_too
    )
    cells = {}
    for key, cell in matrix.cells.items():
        requests = MARK if key in hide_requests and cell.requests else cell.requests
        unfilled = (
            MARK if key in hide_unfilled and cell.unfilled_requests else cell.unfilled_requests
        )
        weight_r = requests if is_count(requests) else protected.HIDDEN_AS
        weight_u = unfilled if is_count(unfilled) else protected.HIDDEN_AS
        residents, near, remote = (
            cell.residents,
            cell.in_person_supporters,
            cell.remote_supporters,
        )
        severity = analysis.severity_of(
            residents, near, remote, weight_r, weight_u, matrix.min_residents
        )
        score = analysis.score_of(residents, near, remote, weight_u, severity)
        cells[key] = replace(
            cell, requests=requests, unfilled_requests=unfilled, severity=severity, score=score
        )
    return replace(matrix, cells=cells)


def test_small_request_cells_and_the_protected_matrix_equal_the_old_ones(db, make_request):
    """The small cells worked out in SQL (one row per place × language) are those the old
    month-by-month rows gave, for thresholds from 0 to 5, with and without the hospital
    requests, on random request histories (merges, statuses, sensitive ones), every period
    shape and scope; and the protected matrix (cells kept when nothing about them changes)
    equals the one copied cell by cell."""
    checked = marks = 0
    for seed in (4, 5):
        rng = random.Random(seed)
        _db.session.execute(RequestEvent.__table__.delete())
        _db.session.execute(HelpRequest.__table__.delete().where(HelpRequest.reference.like("P%")))
        template = make_request()
        _random_history(rng, template, 200)
        for first, last in _periods(rng):
            for scope in (None, *SCOPES[1:]):
                for threshold in (0, 1, 2, 3, 5):
                    for sensitive_too in (False, True):
                        new = protected.small_request_cells(
                            first, last, threshold, scope, sensitive_too
                        )
                        old = _small_request_cells_before(
                            first, last, threshold, scope, sensitive_too
                        )
                        assert new == old, (seed, first, last, scope, threshold, sensitive_too)
                        checked += bool(old[0]) + bool(old[1])
            matrix = analysis.coverage_matrix(None, first, last)
            for threshold in (2, 3, 5):
                for sensitive_too in (False, True):
                    new = protected.protected_matrix(matrix, threshold, sensitive_too)
                    assert new == _protected_matrix_before(matrix, threshold, sensitive_too)
                    marks += sum(cell.requests == MARK for cell in new.cells.values())
    assert checked and marks, "no small cell in any history: the test proved nothing"
