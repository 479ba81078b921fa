"""Rollups of closed months give the report exactly the figures counted live (issue #17).

A property-style test over seeded random histories: random case logs month by month, months
closed and re-opened in random order through ``stipends.close`` (which writes and drops the
rollups), logs corrected while a month is open, and after every step the report of random
periods and scopes — the whole programme, one or two municipalities, none — from rollups
equals the one counted live from the case log (``build_report(..., live=True)``).
"""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from supporters.extensions import db as _db
from supporters.models import (
    Activity,
    ReportRollup,
    ReportRollupMonth,
    RequestEvent,
    RequestStatus,
)
from supporters.reports import monthly, rollups
from supporters.reports.monthly import (
    build_report,
    time_to_assignment,
    times_to_assignment,
    utc_start_of,
)
from supporters.reports.suppression import suppressed
from supporters.stipends.close import close_month, is_closed, reopen_month
from supporters.stipends.months import months_between
from supporters.stipends.rules import next_month
from supporters.tenancy import get_keyed

MONTHS = months_between(date(2025, 4, 1), date(2026, 3, 1))
AREAS = ("08201", "08204", "08220", "08203", "08202")
LANGUAGES = ("vi", "pt", "zh", "tl", None)
CATEGORIES = ("government_office", "hospital", "information", "childcare", "labor", "daily_life")
MODES = ("in_person", "phone", "video")
SCOPES = (None, frozenset(), frozenset({"08204"}), frozenset({"08201", "08220"}))


def _random_cases(rng: random.Random, month: date, supporter_ids: list[int], n: int) -> list:
    days = (next_month(month) - month).days
    rows = []
    for _ in range(n):
        category = rng.choice(CATEGORIES)
        rows.append(
            {
                "supporter_id": rng.choice(supporter_ids),
                # first and last days often: the month's edges
                "happened_on": month
                + timedelta(days=rng.choice((0, days - 1, rng.randrange(days)))),
                "duration_minutes": 60,
                "category": category,
                "mode": rng.choice(MODES),
                "municipality_code": rng.choice(AREAS),
                "language_code": rng.choice(LANGUAGES),
                "people_reached": rng.randint(1, 300) if category == "information" else None,
                "client_token": f"t{rng.random()}",
                "notes": "",
                "follow_up_needed": False,
            }
        )
    return rows


def _correct_some(rng: random.Random, month: date) -> None:
    """Corrections a coordinator makes while the month is open: category, place, language."""
    ids = _db.session.scalars(
        select(Activity.id).where(
            Activity.happened_on >= month, Activity.happened_on < next_month(month)
        )
    ).all()
    for activity_id in rng.sample(ids, min(3, len(ids))):
        category = rng.choice(CATEGORIES)
        _db.session.execute(
            update(Activity)
            .where(Activity.id == activity_id)
            .values(
                category=category,
                municipality_code=rng.choice(AREAS),
                language_code=rng.choice(LANGUAGES),
                people_reached=rng.randint(1, 50) if category == "information" else None,
            )
        )


def _municipality_cells_before(bounds: list[date], scope, rolled: set[date]) -> list[dict]:
    """Each month's municipality × category cells as ``_fill_cases`` built them before they
    were pivoted in SQL (#17): one row per month, place and category, added cell by cell."""
    cells = [{} for _month in bounds[:-1]]
    for m, code, category, n in monthly._case_rows(
        bounds, ("municipality_code", "category"), scope, rolled
    ):
        if code not in cells[m]:
            by_category = dict.fromkeys(monthly.CATEGORIES, 0)
            cells[m][code] = {"code": code, "total": 0, "by_category": by_category}
        cells[m][code]["total"] += n
        cells[m][code]["by_category"][monthly._value(category)] += n
    return cells


def _assert_cells_as_before(first: date, last: date, scope) -> None:
    """The pivoted municipality cells (from rollups, and live) equal the ones added up row by
    row, key order of ``by_category`` included (it is the JSON's order)."""
    months = months_between(first, last)
    bounds = [*months, next_month(months[-1])]
    for live in (False, True):
        rolled = set() if live else rollups.rolled_up_months(first, last)
        blocks = [{"cases": monthly._empty_cases()} for _month in months]
        monthly._fill_cases(blocks, bounds, scope, live)
        expected = _municipality_cells_before(bounds, scope, rolled)
        for block, cells in zip(blocks, expected, strict=True):
            got = block["cases"]["by_municipality"]
            assert got == cells, (first, last, scope, live)
            for code, cell in got.items():
                assert list(cell["by_category"]) == list(cells[code]["by_category"])


def _assert_same(rng: random.Random) -> int:
    """Random periods × every scope: rollup-backed report == live report. Returns how many
    months of the checked periods came from rollups."""
    used = 0
    for _ in range(3):
        i, j = sorted((rng.randrange(len(MONTHS)), rng.randrange(len(MONTHS))))
        first, last = MONTHS[i], MONTHS[j]
        used += len(rollups.rolled_up_months(first, last))
        for scope in SCOPES:
            fast = build_report(first, last, scope)
            live = build_report(first, last, scope, live=True)
            assert fast == live, (first, last, scope)
            _assert_cells_as_before(first, last, scope)
        assert suppressed(build_report(first, last), 3) == suppressed(
            build_report(first, last, live=True), 3
        )
    return used


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_the_live_report_over_random_histories(db, make_supporter, make_user, seed):
    rng = random.Random(seed)
    admin = make_user("admin")
    supporter_ids = [make_supporter(email=f"r{k}@example.jp").id for k in range(2)]
    for month in MONTHS:
        _db.session.execute(
            insert(Activity), _random_cases(rng, month, supporter_ids, rng.randint(0, 25))
        )
    _db.session.commit()
    used = 0
    for _step in range(14):
        month = rng.choice(MONTHS)
        if is_closed(month):
            reopen_month(month, "a case was logged in the wrong place", admin)
            assert not get_keyed(ReportRollupMonth, month)
        else:
            # an open month gets new cases and corrections before it is (re-)closed
            rows = _random_cases(rng, month, supporter_ids, rng.randint(0, 6))
            if rows:
                _db.session.execute(insert(Activity), rows)
            _correct_some(rng, month)
            close_month(month, None)
            marker = get_keyed(ReportRollupMonth, month)
            assert marker is not None
            assert marker.cases == _db.session.scalar(
                select(func.count())
                .select_from(Activity)
                .where(Activity.happened_on >= month, Activity.happened_on < next_month(month))
            )
        _db.session.commit()
        used += _assert_same(rng)
    assert used, "no period read a rolled-up month: the test proved nothing"


def test_a_month_closed_without_rollups_is_counted_live(db, make_supporter):
    """A closed month missing its rollups (closed before they existed) is counted live, and
    ``rollups.rebuild`` writes them; the figures never change."""
    rng = random.Random(7)
    supporter_ids = [make_supporter().id]
    april, may = MONTHS[0], MONTHS[1]
    for month in (april, may):
        _db.session.execute(insert(Activity), _random_cases(rng, month, supporter_ids, 20))
    close_month(april, None)
    close_month(may, None)
    _db.session.commit()
    expected = build_report(april, may, live=True)
    rollups.delete_month(april)  # as if closed before this change
    assert rollups.rolled_up_months(april, may) == {may}
    assert build_report(april, may) == expected
    assert rollups.rebuild() == [april, may]
    assert rollups.rolled_up_months(april, may) == {april, may}
    assert build_report(april, may) == expected
    assert _db.session.scalar(select(func.count()).select_from(ReportRollup)) > 0


def test_medians_from_one_query_equal_those_read_month_by_month(db, make_request):
    """The time to assignment of every month and of the period, read in one query
    (``times_to_assignment``), equals ``time_to_assignment`` asked month by month: odd and
    even counts, repeated assignments (only the first counts), requests in other scopes."""
    rng = random.Random(11)
    for k in range(40):
        request = make_request(municipality=rng.choice(AREAS), contact=f"080-1111-{k:04d}")
        month = rng.choice(MONTHS[:6])
        created = utc_start_of(month) + timedelta(hours=rng.randrange(24 * 28))
        request.created_at = created
        at = created
        for _ in range(rng.choice((0, 1, 1, 2))):
            at = at + timedelta(hours=rng.choice((1, 5, 20, 400, 1000)) + rng.random())
            _db.session.add(
                RequestEvent(
                    request_id=request.id,
                    from_status=RequestStatus.NEW,
                    to_status=RequestStatus.ASSIGNED,
                    at=at,
                )
            )
    _db.session.commit()
    for _ in range(12):
        i, j = sorted((rng.randrange(len(MONTHS)), rng.randrange(len(MONTHS))))
        bounds = [utc_start_of(month) for month in [*MONTHS[i : j + 1], next_month(MONTHS[j])]]
        for scope in SCOPES:
            monthly, period = times_to_assignment(bounds, scope)
            expected = [
                time_to_assignment(bounds[k], bounds[k + 1], scope) for k in range(len(monthly))
            ]
            assert monthly == expected
            assert period == time_to_assignment(bounds[0], bounds[-1], scope)


def test_the_rollups_command_rewrites_closed_months(app, db, make_supporter):
    _db.session.execute(
        insert(Activity), _random_cases(random.Random(3), MONTHS[0], [make_supporter().id], 5)
    )
    close_month(MONTHS[0], None)
    _db.session.commit()
    rollups.delete_month(MONTHS[0])
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["report", "rollups"])
    assert result.exit_code == 0, result.output
    assert "1 closed month" in result.output
    assert rollups.rolled_up_months(MONTHS[0], MONTHS[0]) == {MONTHS[0]}
