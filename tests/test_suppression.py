"""Small counts stay hidden from officials and municipal officers in every output, subtraction
included ([1/6], "Small counts for officials").

User story: "As the programme lead I promise residents that no figure we give the prefecture's
officials or a town's officers points at them: a count of 1 or 2 is never shown, and no
published total, other row, other month or other page lets anyone work it out — while our
coordinators keep the exact figures they need."

The attacker in this file is independent of ``supporters/reports/disclosure.py``: it reads only
what an official or officer is given, writes down every row/column/total relation a reader
knows, and narrows each hidden cell by subtracting the published cells from the published
totals (repeatedly, across rows, columns, months and periods).
"""

import csv
import io
import json
import math
import random
import re
import subprocess
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import insert

from supporters.clock import JST, today_jst
from supporters.extensions import db as _db
from supporters.models import (
    Activity,
    NationalityLanguage,
    ProgrammeTarget,
    RequestStatus,
    ResidentCount,
)
from supporters.reports.disclosure import MARK, margins, protect
from supporters.reports.monthly import build_report
from supporters.stipends.months import parse_month
from tests.conftest import Auth
from tests.test_api import ApiClient, token_for

K = 3  # REPORT_SUPPRESS_BELOW
SMALL = range(1, K)
KOGA, MITO, HITACHI, TSUKUBA = "08204", "08201", "08202", "08220"
OFFICIAL, OFFICER, COORDINATOR = (
    "official@example.jp",
    "municipal_officer@example.jp",  # Koga
    "coordinator@example.jp",
)
INF = math.inf


# --- The world ---------------------------------------------------------------------------------


def _activity(supporter_id, day, category, area, language, mode, token) -> dict:
    return {
        "supporter_id": supporter_id,
        "happened_on": day,
        "duration_minutes": 60,
        "category": category,
        "mode": mode,
        "municipality_code": area,
        "language_code": language,
        "people_reached": 4 if category == "information" else None,
        "client_token": token,
        "notes": "",
        "follow_up_needed": False,
    }


def _log(supporter_id: int, rows: list[tuple]) -> None:
    """rows: (day, category, area, language, mode, how many)."""
    out, k = [], 0
    for day, category, area, language, mode, n in rows:
        for _i in range(n):
            token = f"t{uuid4().hex}"
            out.append(_activity(supporter_id, day, category, area, language, mode, token))
            k += 1
    _db.session.execute(insert(Activity), out)
    _db.session.commit()


JUNE = date(2025, 6, 10)
MAY = date(2025, 5, 12)


@pytest.fixture
def june(users):
    """June 2025: one hospital visit in Koga (Portuguese), two Nepali cases in Hitachi, five
    Vietnamese labour cases in Mito, four daily-life cases in Koga (Vietnamese, by phone)."""
    _log(
        users["supporter"].supporter_id,
        [
            (JUNE, "hospital", KOGA, "pt", "in_person", 1),
            (JUNE, "daily_life", HITACHI, "ne", "phone", 2),
            (JUNE, "labor", MITO, "vi", "in_person", 5),
            (JUNE, "daily_life", KOGA, "vi", "phone", 4),
        ],
    )
    return users


def _client(app, email):
    client = app.test_client()
    Auth(client).login(email)
    return client


def _json(app, email, url):
    response = _client(app, email).get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data)


# --- What a reader of a report knows ------------------------------------------------------------


def report_table(block: dict, tag) -> tuple[dict, list]:
    """Every count of a report block under a key, and the relations any reader knows: the
    total is the sum of the categories, of the modes, of the languages, of the municipalities;
    a municipality's total the sum of its categories; a category the sum of its municipalities;
    timed assignments = assignments."""
    cases, requests = block["cases"], block["requests"]
    values = {(tag, "total"): cases["total"], (tag, "people"): cases["people_reached"]}
    rows, columns = {}, {(tag, "cat", c): [] for c in cases["by_category"]}
    for code, n in cases["by_category"].items():
        values[(tag, "cat", code)] = n
    for code, n in cases["by_mode"].items():
        values[(tag, "mode", code)] = n
    for cell in cases["by_language"]:
        values[(tag, "lang", cell["code"])] = cell["total"]
    for cell in cases["by_municipality"]:
        row = (tag, "mun", cell["code"])
        values[row] = cell["total"]
        rows[row] = []
        for code, n in cell["by_category"].items():
            values[(tag, "x", cell["code"], code)] = n
            rows[row].append((tag, "x", cell["code"], code))
            columns[(tag, "cat", code)].append((tag, "x", cell["code"], code))
    for key in ("received", "assigned", "unfilled", "referred"):
        values[(tag, "req", key)] = requests[key]
    values[(tag, "timed")] = requests["time_to_assignment"]["assigned"]
    total = (tag, "total")
    equations = margins(total, rows, columns)
    equations += [
        (total, [k for k in values if k[1] == "mode"]),
        (total, [k for k in values if k[1] == "lang"]),
        ((tag, "req", "assigned"), [(tag, "timed")]),
    ]
    return values, equations


def period_links(period_values: dict, month_tags: list, period_tag) -> list:
    """A period's figure is the sum of its months' (a month without the cell counts 0)."""
    equations = []
    for key in period_values:
        if key[0] == period_tag:
            equations.append((key, [(month, *key[1:]) for month in month_tags]))
    return equations


def attack(values: dict, equations: list) -> dict:
    """Narrow every hidden cell by subtraction until nothing changes: (low, high) per cell.

    The attacker knows a hidden cell is not zero (zeros are shown), and nothing else. A cell
    missing from ``values`` (a month without that row) is 0."""
    low, high = {}, {}
    for key, value in values.items():
        low[key], high[key] = (1, INF) if value == MARK else (value, value)
    for total, members in equations:
        for key in (total, *members):
            low.setdefault(key, 0)
            high.setdefault(key, 0)
    for _round in range(500):
        changed = False
        for total, members in equations:
            for m in members:
                others_low = sum(low[o] for o in members if o != m)
                others_high = sum(high[o] for o in members if o != m)
                new_high = high[total] - others_low
                new_low = low[total] - others_high
                if new_high < high[m]:
                    high[m], changed = new_high, True
                if new_low > low[m]:
                    low[m], changed = new_low, True
            new_high, new_low = sum(high[m] for m in members), sum(low[m] for m in members)
            if new_high < high[total]:
                high[total], changed = new_high, True
            if new_low > low[total]:
                low[total], changed = new_low, True
        if not changed:
            break
    return {key: (low[key], high[key]) for key in values if values[key] == MARK}


def assert_no_small_count_recovered(published: dict, exact: dict, equations: list) -> int:
    """Every small exact count is hidden, and subtraction does not pin it. Returns how many
    small counts were checked (so a test cannot pass on an empty world)."""
    ranges = attack(published, equations)
    checked = 0
    for key, value in exact.items():
        if isinstance(value, int) and value in SMALL:
            checked += 1
            assert published[key] == MARK, (key, value, published[key])
            low, high = ranges[key]
            assert low < high, f"{key}: exactly {value} recovered by subtraction"
    return checked


def small_counts(report: dict) -> list:
    """Every count of 1 or 2 an official could read in a report (cases, requests, people
    reached, the gaps' requests), in the period and each month."""
    found = []
    for block in [report, *report["months"]]:
        values, _equations = report_table(block, block.get("month", "period"))
        found += [(k, v) for k, v in values.items() if isinstance(v, int) and v in SMALL]
    for gap in report.get("gaps") or []:
        for key in ("requests", "unfilled_requests"):
            if isinstance(gap[key], int) and gap[key] in SMALL:
                found.append((gap["municipality_code"], gap["language_code"], key))
    return found


# --- The module's own promise, on a table -------------------------------------------------------


def test_a_lone_small_cell_in_a_row_gets_a_partner_and_the_total_cannot_pin_it():
    # Koga: 1 hospital visit, 5 labour; Mito: 4 labour. Published totals: 10 and columns.
    values = {
        "all": 10,
        "hospital": 1,
        "labour": 9,
        "Koga": 6,
        "Mito": 4,
        ("Koga", "hospital"): 1,
        ("Koga", "labour"): 5,
        ("Mito", "hospital"): 0,
        ("Mito", "labour"): 4,
    }
    rows = {
        "Koga": [("Koga", "hospital"), ("Koga", "labour")],
        "Mito": [("Mito", "hospital"), ("Mito", "labour")],
    }
    columns = {
        "hospital": [("Koga", "hospital"), ("Mito", "hospital")],
        "labour": [("Koga", "labour"), ("Mito", "labour")],
    }
    equations = margins("all", rows, columns)
    hidden = protect(values, equations, K)
    published = {k: (MARK if k in hidden else v) for k, v in values.items()}
    assert published[("Mito", "hospital")] == 0  # zeros are shown
    assert assert_no_small_count_recovered(published, values, equations) == 2


def test_cells_that_are_all_ones_are_not_left_as_the_only_hidden_ones():
    # Three categories of one case each, and a big one: 1 + 1 + 1 + 7 = 10. Hiding just the
    # three ones would pin them (10 - 7 = 3 = three hidden cells of at least 1).
    values = {"all": 10, "a": 1, "b": 1, "c": 1, "d": 7}
    equations = [("all", ["a", "b", "c", "d"])]
    hidden = protect(values, equations, K)
    assert "d" in hidden or "all" in hidden
    published = {k: (MARK if k in hidden else v) for k, v in values.items()}
    assert assert_no_small_count_recovered(published, values, equations) == 3


def protect_two_way(cells: list[list[int]]) -> int:
    """Protect a table (rows of cells) with its margins and attack it; small counts checked."""
    places = [f"m{i}" for i in range(len(cells))]
    kinds = [f"k{j}" for j in range(len(cells[0]))]
    values = {(p, k): cells[i][j] for i, p in enumerate(places) for j, k in enumerate(kinds)}
    rows = {p: [(p, k) for k in kinds] for p in places}
    columns = {k: [(p, k) for p in places] for k in kinds}
    for p in places:
        values[p] = sum(values[(p, k)] for k in kinds)
    for k in kinds:
        values[k] = sum(values[(p, k)] for p in places)
    values["all"] = sum(values[p] for p in places)
    equations = margins("all", rows, columns)
    hidden = protect(values, equations, K)
    published = {k: (MARK if k in hidden else v) for k, v in values.items()}
    return assert_no_small_count_recovered(published, values, equations)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.integers(1, 5).flatmap(
        lambda width: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 9]), min_size=width, max_size=width),
            min_size=1,
            max_size=7,
        )
    )
)
def test_random_two_way_tables_never_give_a_small_cell_away(cells):
    protect_two_way(cells)


def test_rows_of_ones_pinned_through_the_grand_total_get_one_more_cell_hidden():
    # Found by fuzzing: rows 2 and 6 are (1, 1, 1); with everything around them hidden, the
    # grand total minus the published row totals left 6 for two rows of at least 3 each.
    cells = [[4, 2, 4], [1, 1, 1], [5, 9, 2], [4, 3, 5], [0, 3, 9], [1, 1, 1], [1, 3, 0]]
    assert protect_two_way(cells) == 9


# --- The report, every channel ------------------------------------------------------------------


def test_the_old_leak_the_hospital_column_minus_the_other_towns_is_closed(app, june):
    """Before: "Koga, hospital: <3" but "Hospital (prefecture): 1" — the same page said the
    visit was in Koga, exactly once."""
    report = _json(app, OFFICIAL, "/reports/monthly/2025-06.json")
    exact = _json(app, COORDINATOR, "/reports/monthly/2025-06.json")
    assert exact["cases"]["by_category"]["hospital"] == 1  # staff keep exact figures
    assert report["cases"]["by_category"]["hospital"] == MARK
    published, equations = report_table(report, "2025-06")
    truth, _eq = report_table(exact, "2025-06")
    assert assert_no_small_count_recovered(published, truth, equations) >= 4
    assert small_counts(report) == []


def test_the_report_says_what_it_hides_and_shows_nothing_it_promised_to_hide(app, june):
    page = _client(app, OFFICIAL).get("/reports/monthly/2025-06?lang=en").get_data(as_text=True)
    assert "from 1 to 2 is shown as X" in page
    figures = page.split('data-testid="suppression-note"', 1)[1]
    tables = figures.split("<h2>Coverage gaps</h2>", 1)[0]
    import re

    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', tables)
    assert MARK in cells and not {"1", "2"} & set(cells)
    assert 'data-figure="cases-total">12<' in page  # 12 cases: the total itself is not small


@pytest.mark.parametrize("email", [OFFICIAL, OFFICER])
def test_every_download_and_the_api_carry_the_same_hidden_cells(app, june, email, tmp_path):
    client = _client(app, email)
    report = json.loads(client.get("/reports/monthly/2025-06.json").data)
    assert small_counts(report) == []
    user = june["official" if email == OFFICIAL else "municipal_officer"]
    api = ApiClient(app.test_client(), token_for(user))
    assert api.get("/reports/monthly/2025-06").get_json() == report
    assert small_counts(api.get("/reports/period?from=2025-05&to=2025-06").get_json()) == []

    hidden = {row for row in _csv_rows(client.get("/reports/monthly/2025-06.csv").data)}
    book = load_workbook(io.BytesIO(client.get("/reports/monthly/2025-06.xlsx").data))
    xlsx = {
        tuple("" if v is None else v for v in row)
        for row in book.active.iter_rows(min_row=2, values_only=True)
    }
    for rows in (hidden, xlsx):
        counts = [
            row for row in rows if row[2] not in EXACT_CODES and not str(row[2]).startswith("FY")
        ]
        values = {str(row[4]) for row in counts}
        assert MARK in values and not {"1", "2"} & values, counts

    pdf = client.get("/reports/monthly/2025-06.pdf").data
    text = _pdf_text(pdf, tmp_path)
    koga = next(line for line in text.splitlines() if line.strip().startswith("古河市"))
    assert MARK in koga.split() and not {"1", "2"} & set(koga.split()[1:])


EXACT_CODES = {"certified", "booked_yen", "paid_yen", "median_hours"}


def _csv_rows(data: bytes) -> list[tuple]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [tuple(row) for row in rows[1:] if row[0] != rows[0][0]]


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_the_command_for_officials_hides_and_exact_is_for_staff(app, june, tmp_path):
    out = tmp_path / "r.json"
    runner = app.test_cli_runner()
    base = ["report", "monthly", "2025-06", "--format", "json", "--out", str(out)]
    assert runner.invoke(args=base).exit_code == 0
    assert small_counts(json.loads(out.read_bytes())) == []
    assert runner.invoke(args=[*base, "--municipality", KOGA]).exit_code == 0
    assert small_counts(json.loads(out.read_bytes())) == []
    assert runner.invoke(args=[*base, "--exact"]).exit_code == 0
    assert json.loads(out.read_bytes())["cases"]["by_category"]["hospital"] == 1


def test_staff_read_exact_figures_in_every_format(app, june):
    client = _client(app, COORDINATOR)
    report = json.loads(client.get("/reports/monthly/2025-06.json").data)
    assert report["suppression"] is None and small_counts(report)
    rows = _csv_rows(client.get("/reports/monthly/2025-06.csv").data)
    assert [row[4] for row in rows if row[2] == "hospital"] == ["1"]


# --- Subtraction across months and periods ------------------------------------------------------


def test_a_period_minus_its_other_months_does_not_give_a_month_away(app, june):
    # May: 5 hospital visits in Koga. June: 1. Before, May–June showed 6 and May 5.
    _log(june["supporter"].supporter_id, [(MAY, "hospital", KOGA, "pt", "in_person", 5)])
    period = _json(app, OFFICIAL, "/reports/period.json?from=2025-05&to=2025-06")
    may = _json(app, OFFICIAL, "/reports/monthly/2025-05.json")
    koga = {c["code"]: c for c in period["cases"]["by_municipality"]}[KOGA]
    may_koga = {c["code"]: c for c in may["cases"]["by_municipality"]}[KOGA]
    assert may_koga["by_category"]["hospital"] == 5
    assert koga["by_category"]["hospital"] == MARK  # hidden: one of its months is
    assert period["months"][0] == may["months"][0]  # a month reads the same everywhere


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("email", [OFFICIAL, OFFICER])
def test_random_logs_resist_subtraction_across_rows_columns_months_and_periods(
    app, users, seed, email
):
    rng = random.Random(seed)
    months = [date(2025, 4, 15), date(2025, 5, 15), date(2025, 6, 15)]
    rows = []
    for _i in range(rng.randint(6, 14)):
        rows.append(
            (
                rng.choice(months),
                rng.choice(["hospital", "labor", "daily_life", "childcare"]),
                rng.choice([KOGA, KOGA, MITO, HITACHI]),
                rng.choice(["vi", "pt", "ne", None]),
                rng.choice(["in_person", "phone"]),
                rng.choice([1, 1, 2, 3, 4]),
            )
        )
    _log(users["supporter"].supporter_id, rows)
    tags = ["2025-04", "2025-05", "2025-06"]
    periods = [(t, t) for t in tags] + [
        ("2025-04", "2025-06"),
        ("2025-05", "2025-06"),
        ("2025-04", "2025-05"),
    ]
    scope = frozenset({KOGA}) if email == OFFICER else None  # the officer's: Koga only
    published, exact, equations = {}, {}, []
    for first, last in periods:
        tag = first if first == last else f"{first}/{last}"
        report = _json(app, email, f"/reports/period.json?from={first}&to={last}")
        values, eqs = report_table(report, tag)
        published.update(values)
        equations += eqs
        if first != last:
            equations += period_links(values, [t for t in tags if first <= t <= last], tag)
        truth = build_report(parse_month(first), parse_month(last), scope=scope)
        exact.update(report_table(truth, tag)[0])
    small = assert_no_small_count_recovered(published, exact, equations)
    assert small or not [v for v in exact.values() if isinstance(v, int) and v in SMALL]


# --- A municipal officer, who lists the non-hospital records of their town -----------------------


def test_an_officer_cannot_subtract_the_cases_they_can_list_from_the_towns_totals(app, june):
    """Koga's officer lists Koga's four daily-life cases one by one (hospital visits are not
    listed). Any Koga figure that may hold the visit would give it away: all are hidden."""
    officer = _json(app, OFFICER, "/reports/monthly/2025-06.json")
    assert officer["scope"] == [KOGA]
    assert officer["cases"]["by_category"]["daily_life"] == 4  # they know these anyway
    assert officer["cases"]["total"] == MARK
    assert set(officer["cases"]["by_mode"].values()) <= {MARK}
    assert {c["total"] for c in officer["cases"]["by_language"]} == {MARK}
    listed = ApiClient(app.test_client(), token_for(june["municipal_officer"]))
    body = listed.get("/activities?month=2025-06&per_page=100").get_json()
    assert body["items"] and all(item["category"] != "hospital" for item in body["items"])


def test_an_officer_cannot_subtract_listed_requests_from_the_request_counts(
    app, june, make_request
):
    for category in ("hospital", "daily_life", "daily_life", "daily_life"):
        request = make_request(category=category, municipality=KOGA)
        request.created_at = datetime(2025, 6, 3, 9, tzinfo=JST).astimezone(UTC)
    _db.session.commit()
    officer = _json(app, OFFICER, "/reports/monthly/2025-06.json")
    official = _json(app, OFFICIAL, "/reports/monthly/2025-06.json")
    assert officer["requests"]["received"] == MARK  # 3 listed + 1 hospital would be 4
    assert official["requests"]["received"] == 4  # officials list no request


# --- Coverage: pages, map and API ---------------------------------------------------------------


@pytest.fixture
def nepali_in_koga(db, users):
    """150 Nepali residents in Koga, nobody speaks Nepali; requests this month."""
    _db.session.add_all(
        [
            ResidentCount(
                municipality_code=KOGA, nationality="NP", residents=150, as_of=date(2026, 1, 1)
            ),
            NationalityLanguage(nationality="NP", language_code="ne"),
        ]
    )
    _db.session.commit()
    return users


def _unfilled(
    make_request, n: int, municipality=KOGA, language="ne", category="daily_life", when=None
):
    for _i in range(n):
        request = make_request(category=category, municipality=municipality, language=language)
        request.status = RequestStatus.UNFILLED
        if when is not None:
            request.created_at = when
    _db.session.commit()


def _coverage_views(app, user, email) -> dict:
    """What an official or officer reads on the coverage pages and API (the parts with counts)."""
    import re

    client = _client(app, email)
    api = ApiClient(app.test_client(), token_for(user))
    body = api.get("/reports/coverage").get_json()
    priorities = client.get("/coverage/").get_data(as_text=True)
    matrix = client.get("/coverage/matrix").get_data(as_text=True)
    svg = client.get("/coverage/map").get_data(as_text=True)
    return {
        "api": {k: body[k] for k in ("counts", "gaps")},
        "priorities": re.search(
            r'<table class="list" data-testid="gaps">.*?</table>', priorities, re.S
        ).group(0),
        "matrix": re.search(r"<table class=\"list matrix\".*?</table>", matrix, re.S).group(0),
        "map": re.search(r"<svg.*?</svg>", svg, re.S).group(0),
    }


@pytest.mark.parametrize("role", ["official", "municipal_officer"])
def test_coverage_shows_hidden_request_counts_and_its_scores_cannot_be_inverted(
    app, nepali_in_koga, make_request, role
):
    """The score was residents/100 × 2 + 2 × unfilled: with the residents shown, the score gave
    the hidden count back exactly. Now one unfilled request and two read the same."""
    users = nepali_in_koga
    email = OFFICIAL if role == "official" else OFFICER
    _unfilled(make_request, 1)
    one = _coverage_views(app, users[role], email)
    staff_one = _coverage_views(app, users["coordinator"], COORDINATOR)
    _unfilled(make_request, 1)
    two = _coverage_views(app, users[role], email)
    staff_two = _coverage_views(app, users["coordinator"], COORDINATOR)
    assert one == two  # nothing an official or officer reads tells 1 from 2
    assert staff_one["api"] != staff_two["api"]  # while staff see the difference
    gap = next(g for g in two["api"]["gaps"] if g["language_code"] == "ne")
    assert (gap["requests"], gap["unfilled_requests"]) == (MARK, MARK)
    assert MARK in gap["reasons"][-1]  # "X unfilled request(s) in the period"
    _unfilled(make_request, 1)  # three: no longer small
    three = _coverage_views(app, users[role], email)
    assert (
        next(g for g in three["api"]["gaps"] if g["language_code"] == "ne")["unfilled_requests"]
        == 3
    )


def test_coverage_over_a_longer_period_hides_a_cell_small_in_any_month(
    app, nepali_in_koga, make_request
):
    def month(m):
        return datetime(2026, m, 10, 9, tzinfo=JST).astimezone(UTC)

    _unfilled(make_request, 1, when=month(9))
    _unfilled(make_request, 4, when=month(10))
    client = _client(app, OFFICIAL)

    def requests_shown(period: str) -> list[str]:
        """Koga × Nepali: the cell's figure (requests) and its figures (requests, unfilled)."""
        html = client.get(f"/coverage/matrix?{period}&show=requests&lang=ne").get_data(as_text=True)
        row = html[html.index('data-municipality="08204"') :]
        cell = row[row.index('data-language="ne"') :]
        cell = cell[: cell.index("</td>")]
        figure = re.search(r'data-testid="cell-figure">([^<]*)<', cell).group(1)
        facts = re.findall(r"<dd>([^<]*)</dd>", cell)
        return [figure, facts[-2], facts[-1]]

    assert requests_shown("from=2026-10&to=2026-10") == ["4", "4", "4"]
    both = requests_shown("from=2026-09&to=2026-10")
    assert both == ["X", "X", "X"]  # 5 − 4 would be September's one


def test_an_officer_does_not_get_a_towns_request_count_that_holds_one_hospital_request(
    app, nepali_in_koga, make_request
):
    _unfilled(make_request, 3, language="ne")
    _unfilled(make_request, 1, language="ne", category="hospital")
    officer = ApiClient(app.test_client(), token_for(nepali_in_koga["municipal_officer"]))
    official = ApiClient(app.test_client(), token_for(nepali_in_koga["official"]))
    ne = lambda body: next(g for g in body["gaps"] if g["language_code"] == "ne")  # noqa: E731
    assert ne(official.get("/reports/coverage").get_json())["requests"] == 4
    assert ne(officer.get("/reports/coverage").get_json())["requests"] == MARK


def test_the_targets_page_hides_a_small_case_count_for_the_year(app, users):
    year = 2026 if today_jst().month >= 4 else 2025
    _db.session.add(ProgrammeTarget(fiscal_year=year, certified_supporters=150, cases_per_year=400))
    _db.session.commit()
    _log(users["supporter"].supporter_id, [(date(year, 4, 20), "hospital", KOGA, "pt", "phone", 1)])
    official = _client(app, OFFICIAL).get("/coverage/targets?lang=en").get_data(as_text=True)
    coordinator = _client(app, COORDINATOR).get("/coverage/targets").get_data(as_text=True)
    assert '<td class="num">X / 400</td>' in official
    assert '<td class="num">1 / 400</td>' in coordinator
    api = ApiClient(app.test_client(), token_for(users["official"]))
    assert (
        api.get(f"/reports/coverage?fiscal_year={year}").get_json()["progress"]["cases_so_far"]
        == MARK
    )
