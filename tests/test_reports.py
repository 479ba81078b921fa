"""The monthly report for officials ([5/6]).

User story: "As a prefectural official I receive, every month, one report — on screen, printed,
or as a spreadsheet — that shows what the supporters did, where the programme is thin, and how
far it is from its targets, without any figure that could point at a resident."
"""

import csv
import io
import json
import random
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from supporters.clock import JST
from supporters.extensions import db as _db
from supporters.models import (
    Activity,
    RequestEvent,
    RequestStatus,
    StipendLine,
    StipendPayment,
)
from supporters.reports import charts
from supporters.reports.monthly import build_report, certified_at
from supporters.reports.suppression import suppressed
from supporters.stipends.months import months_between

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "reports"

# The programme's April–December 2025 figures (seeds/002): 1,806 cases in all.
BREAKDOWN = {
    "government_office": 401,
    "hospital": 268,
    "information": 794,
    "childcare": 73,
    "labor": 69,
    "daily_life": 201,
}
APRIL, DECEMBER = date(2025, 4, 1), date(2025, 12, 1)
MONTHS = months_between(APRIL, DECEMBER)
AREAS = ("08201", "08204", "08220", "08203")  # Mito, Koga, Tsukuba, Tsuchiura
LANGUAGES = ("vi", "pt", "zh", "tl", None)
MODES = ("in_person", "phone", "video")
ADDITIVE_CASES = ("total", "people_reached")


def _activity(supporter_id, day, category, area, language, mode, token, people=None) -> dict:
    return {
        "supporter_id": supporter_id,
        "happened_on": day,
        "duration_minutes": 60,
        "category": category,
        "mode": mode,
        "municipality_code": area,
        "language_code": language,
        "people_reached": people,
        "client_token": token,
        "notes": "",
        "follow_up_needed": False,
    }


def programme_log(supporter_ids: list[int]) -> list[dict]:
    """The 1,806 cases spread over the nine months, four municipalities, five languages (or
    none) and the three modes, with the month's last day and first day both used."""
    rows, k = [], 0
    for category, count in BREAKDOWN.items():
        for _i in range(count):
            month = MONTHS[k % len(MONTHS)]
            day = month if k % 2 else (month + timedelta(days=32)).replace(day=1) - timedelta(1)
            people = 5 + k % 7 if category == "information" else None
            rows.append(
                _activity(
                    supporter_ids[k % len(supporter_ids)],
                    day,
                    category,
                    AREAS[k % len(AREAS)],
                    LANGUAGES[k % len(LANGUAGES)],
                    MODES[k % len(MODES)],
                    f"log-{k}",
                    people,
                )
            )
            k += 1
    return rows


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST).astimezone(UTC)


@pytest.fixture
def programme(db, make_supporter, make_request, users):
    """The April–December 2025 log, a few help requests with their history, and stipends."""
    supporters = [
        make_supporter(name="Nguyễn Văn A", email="a@example.jp"),
        make_supporter(name="Maria Souza", email="b@example.jp", languages=(("pt", "native"),)),
    ]
    _db.session.execute(insert(Activity), programme_log([s.id for s in supporters]))
    # Requests: received in May (assigned after 6 hours), on 30 June (assigned on 2 July after
    # 30 hours: counted in July), in July (unfilled), and on 30 September at 23:30 JST (14:30
    # UTC; September in Japan), referred out in October.
    plans = [
        (_at(date(2025, 5, 10), 9), [("assigned", _at(date(2025, 5, 10), 15))]),
        (_at(date(2025, 6, 30), 20), [("assigned", _at(date(2025, 7, 2), 2))]),
        (_at(date(2025, 7, 3), 9), [("unfilled", _at(date(2025, 7, 5), 9))]),
        (
            datetime(2025, 9, 30, 23, 30, tzinfo=JST).astimezone(UTC),
            [("referred", _at(date(2025, 10, 1), 10))],
        ),
    ]
    for created_at, events in plans:
        request = make_request(municipality="08204")
        request.created_at = created_at
        for status, at in events:
            _db.session.add(
                RequestEvent(
                    request_id=request.id,
                    from_status=RequestStatus.NEW,
                    to_status=RequestStatus(status),
                    at=at,
                )
            )
    # Stipends: 2,000 yen to each supporter for May–December, June's paid.
    payment = StipendPayment(
        month=date(2025, 6, 1), transfer_date=date(2025, 7, 10), total_yen=4000
    )
    _db.session.add(payment)
    _db.session.flush()
    for month in MONTHS[1:]:
        for supporter in supporters:
            _db.session.add(
                StipendLine(
                    supporter_id=supporter.id,
                    month=month,
                    kind="regular",
                    amount_yen=2000,
                    payment_id=payment.id if month == date(2025, 6, 1) else None,
                )
            )
    _db.session.commit()
    return supporters


# --- The figures ---------------------------------------------------------------------------------


def test_report_holds_the_programme_breakdown(app, programme):
    with app.app_context():
        report = build_report(APRIL, DECEMBER)
    assert report["cases"]["by_category"] == BREAKDOWN
    assert report["cases"]["total"] == 1806
    assert list(report["cases"]["by_category"]) == list(BREAKDOWN)  # every category, in order
    assert sum(cell["total"] for cell in report["cases"]["by_municipality"]) == 1806
    assert sum(cell["total"] for cell in report["cases"]["by_language"]) == 1806
    assert sum(report["cases"]["by_mode"].values()) == 1806
    assert report["requests"] == {
        "received": 4,
        "assigned": 2,
        "unfilled": 1,
        "referred": 1,
        "time_to_assignment": {"assigned": 2, "median_hours": 18.0},  # (6 + 30) / 2
    }
    # 1 + 3 supporters are certified (users' own supporter too); the target is the programme's.
    assert report["supporters"]["certified"] == 3
    assert report["supporters"]["target"] == 150
    assert report["supporters"]["target_fiscal_year"] == 2029
    assert report["stipends"] == {"booked_yen": 8 * 2 * 2000, "paid_yen": 4000}
    json.dumps(report)  # JSON-able as it is


def test_a_month_with_nothing_still_lists_every_category(app, db):
    report = build_report(date(2024, 1, 1), date(2024, 1, 1))
    assert report["cases"]["by_category"] == dict.fromkeys(BREAKDOWN, 0)
    assert report["cases"]["by_mode"] == dict.fromkeys(MODES, 0)
    assert report["requests"]["time_to_assignment"]["median_hours"] is None


def test_requests_count_in_the_month_of_each_step_in_japan_time(app, programme):
    by_month = {b["month"]: b["requests"] for b in build_report(APRIL, DECEMBER)["months"]}
    assert by_month["2025-06"]["received"] == 1 and by_month["2025-06"]["assigned"] == 0
    assert by_month["2025-07"]["assigned"] == 1
    assert by_month["2025-07"]["time_to_assignment"]["median_hours"] == 30.0
    assert by_month["2025-09"]["received"] == 1  # 23:30 JST on the 30th, 14:30 UTC
    assert by_month["2025-10"]["referred"] == 1


def test_a_second_assignment_of_the_same_request_is_not_counted_again(app, programme):
    request_id = _db.session.scalar(
        select(RequestEvent.request_id).where(RequestEvent.to_status == "assigned")
    )
    _db.session.add(
        RequestEvent(
            request_id=request_id, to_status=RequestStatus.ASSIGNED, at=_at(date(2025, 11, 2), 9)
        )
    )
    _db.session.commit()
    report = build_report(APRIL, DECEMBER)
    assert report["requests"]["assigned"] == 2
    assert report["months"][7]["requests"]["assigned"] == 0  # November


def _additive(block: dict) -> dict:
    """Every additive figure of a block, flattened to {name: number}."""
    cases, figures = block["cases"], {}
    for key in ADDITIVE_CASES:
        figures[key] = cases[key]
    for key in ("by_category", "by_mode"):
        figures.update({f"{key}.{k}": v for k, v in cases[key].items()})
    for cell in cases["by_municipality"]:
        figures[f"municipality.{cell['code']}"] = cell["total"]
        figures.update(
            {f"municipality.{cell['code']}.{k}": v for k, v in cell["by_category"].items()}
        )
    for cell in cases["by_language"]:
        figures[f"language.{cell['code']}"] = cell["total"]
    for key in ("received", "assigned", "unfilled", "referred"):
        figures[f"requests.{key}"] = block["requests"][key]
    figures["requests.timed"] = block["requests"]["time_to_assignment"]["assigned"]
    for key, value in (block["stipends"] or {}).items():
        figures[f"stipends.{key}"] = value
    return figures


def _summed(reports: list[dict]) -> dict:
    total: dict = {}
    for report in reports:
        for key, value in _additive(report).items():
            total[key] = total.get(key, 0) + value
    return {k: v for k, v in total.items() if v}


def test_a_range_equals_the_sum_of_its_months(app, programme):
    report = build_report(APRIL, DECEMBER)
    singles = [build_report(month, month) for month in MONTHS]
    expected = _summed(singles)
    assert {k: v for k, v in _additive(report).items() if v} == expected
    assert _summed(report["months"]) == expected  # the per-month blocks say the same
    for block, single in zip(report["months"], singles, strict=True):
        assert _additive(block) == _additive(single)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_range_equals_the_sum_of_its_months_on_random_logs(app, db, make_supporter, seed):
    rng = random.Random(seed)
    supporter = make_supporter()
    first, last = date(2025, 1, 1), date(2026, 2, 1)
    rows = []
    for k in range(rng.randint(50, 300)):
        day = date(2024, 12, 1) + timedelta(days=rng.randint(0, 480))
        category = rng.choice(list(BREAKDOWN))
        people = rng.randint(1, 50) if category == "information" else None
        rows.append(
            _activity(
                supporter.id,
                day,
                category,
                rng.choice(AREAS),
                rng.choice(LANGUAGES),
                rng.choice(MODES),
                f"r{k}",
                people,
            )
        )
    _db.session.execute(insert(Activity), rows)
    _db.session.commit()
    scope = frozenset(rng.sample(AREAS, 2)) if seed == 3 else None
    report = build_report(first, last, scope=scope)
    singles = [build_report(m, m, scope=scope) for m in months_between(first, last)]
    assert {k: v for k, v in _additive(report).items() if v} == _summed(singles)
    inside = [r for r in rows if first <= r["happened_on"] < date(2026, 3, 1)]
    if scope:
        inside = [r for r in inside if r["municipality_code"] in scope]
    assert report["cases"]["total"] == len(inside)


def test_certified_supporters_follow_the_status_history(app, make_supporter):
    """The SQL count agrees with the stipend rule's own reading of each history."""
    from supporters.stipends.close import status_histories

    make_supporter(email="c1@example.jp")
    make_supporter(email="c2@example.jp", status="suspended")  # suspended 2025-09-01
    make_supporter(email="c3@example.jp", status="retired")
    make_supporter(email="c4@example.jp", status="applicant")
    for day in (date(2025, 4, 30), date(2025, 5, 1), date(2025, 8, 31), date(2025, 9, 1)):
        expected = 0
        for history in status_histories().values():
            current = [change.status for change in history if change.effective_on <= day]
            expected += bool(current) and current[-1] == "certified"
        assert certified_at(day, None) == expected
    assert certified_at(date(2025, 8, 31), None) == 3
    assert certified_at(date(2025, 9, 1), None) == 1


def test_the_target_of_the_fiscal_year_is_used_when_set(app, db, make_supporter):
    from supporters.models import ProgrammeTarget

    _db.session.add(ProgrammeTarget(fiscal_year=2025, certified_supporters=120))
    _db.session.commit()
    report = build_report(date(2026, 1, 1), date(2026, 3, 1))  # still fiscal year 2025
    assert (report["supporters"]["target"], report["supporters"]["target_fiscal_year"]) == (
        120,
        2025,
    )
    assert build_report(date(2026, 4, 1), date(2026, 4, 1))["supporters"]["target"] == 150


# --- Suppression and scope -----------------------------------------------------------------------


def _small_log(supporter_id: int) -> None:
    """Hitachi: 2 Nepali cases; Mito: 5 Vietnamese; Koga: 1 Portuguese hospital visit."""
    day = date(2025, 6, 10)
    rows = [
        _activity(supporter_id, day, "daily_life", "08202", "ne", "phone", f"h{i}")
        for i in range(2)
    ]
    rows += [
        _activity(supporter_id, day, "labor", "08201", "vi", "in_person", f"m{i}") for i in range(5)
    ]
    rows.append(_activity(supporter_id, day, "hospital", "08204", "pt", "in_person", "k0"))
    _db.session.execute(insert(Activity), rows)
    _db.session.commit()


def test_suppression_hides_small_cells_but_keeps_the_exact_report(app, db, make_supporter):
    _small_log(make_supporter().id)
    exact = build_report(date(2025, 6, 1), date(2025, 6, 1))
    hidden = suppressed(exact, 3)
    municipalities = {cell["code"]: cell for cell in hidden["cases"]["by_municipality"]}
    assert municipalities["08202"]["total"] == "X"
    assert municipalities["08201"]["total"] == 5
    assert municipalities["08201"]["by_category"]["labor"] == 5
    assert municipalities["08204"]["by_category"]["hospital"] == "X"
    assert municipalities["08204"]["by_category"]["labor"] == 0  # zero is not hidden
    languages = {cell["code"]: cell["total"] for cell in hidden["cases"]["by_language"]}
    assert languages == {"vi": 5, "ne": "X", "pt": "X"}
    # Prefecture-wide small counts are hidden too (and one more, so the total cannot give the
    # hospital visit away); the month blocks are suppressed too.
    assert hidden["cases"]["by_category"]["hospital"] == "X"
    assert {c["code"]: c["total"] for c in hidden["months"][0]["cases"]["by_municipality"]}[
        "08202"
    ] == "X"
    # The exact report is untouched.
    assert {c["code"]: c["total"] for c in exact["cases"]["by_municipality"]}["08202"] == 2
    assert hidden["suppression"] == {"below": 3, "mark": "X", "method": "complementary"}


def test_a_scoped_report_hides_every_small_count(app, db, make_supporter):
    _small_log(make_supporter().id)
    report = suppressed(
        build_report(date(2025, 6, 1), date(2025, 6, 1), scope=frozenset({"08204"})), 3
    )
    assert report["cases"]["total"] == "X"
    assert report["cases"]["by_category"]["hospital"] == "X"
    assert [cell["code"] for cell in report["cases"]["by_municipality"]] == ["08204"]
    assert report["stipends"] is None


def _get_report(app, email, url):
    """``url`` fetched by a fresh browser signed in as ``email``."""
    from tests.conftest import Auth

    client = app.test_client()
    Auth(client).login(email)
    return client.get(url)


def test_official_gets_suppressed_figures_and_coordinator_exact_ones(app, client, auth, users, db):
    _small_log(users["supporter"].supporter_id)
    url = "/reports/monthly/2025-06.json"
    official = _get_report(app, "official@example.jp", url).get_json()
    coordinator = _get_report(app, "coordinator@example.jp", url).get_json()
    officer = _get_report(app, "municipal_officer@example.jp", url).get_json()
    hitachi = "08202"
    assert {c["code"]: c["total"] for c in official["cases"]["by_municipality"]}[hitachi] == "X"
    assert {c["code"]: c["total"] for c in coordinator["cases"]["by_municipality"]}[hitachi] == 2
    assert official["suppression"] and coordinator["suppression"] is None
    # The officer of Koga sees Koga only, suppressed.
    assert officer["scope"] == ["08204"]
    assert [c["code"] for c in officer["cases"]["by_municipality"]] == ["08204"]
    assert officer["cases"]["total"] == "X"


def test_officials_csv_and_page_carry_the_suppressed_cells(app, client, auth, users, db):
    _small_log(users["supporter"].supporter_id)
    auth.login("official@example.jp")
    rows = list(
        csv.reader(io.StringIO(client.get("/reports/monthly/2025-06.csv").data.decode("utf-8-sig")))
    )
    hitachi = [row for row in rows if row[2] == "08202"]
    assert hitachi and hitachi[0][4] == "X"
    page = client.get("/reports/monthly/2025-06").get_data(as_text=True)
    assert '<td class="num">X</td>' in page


def test_supporters_cannot_open_reports(client, auth, users):
    auth.login("supporter@example.jp")
    assert client.get("/reports/monthly/2025-06.pdf").status_code == 403


# --- Input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-13",
        "from=2025-4",
        "from=April",
        "from=2025-12&to=2025-04",
        "from=2020-01&to=2026-01",
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(client, auth, users, query):
    auth.login("coordinator@example.jp")
    for path in ("/reports/period", "/reports/period.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422
        assert 'role="alert"' in response.get_data(as_text=True)


def test_a_month_that_does_not_exist_is_not_found(client, auth, users):
    auth.login("coordinator@example.jp")
    assert client.get("/reports/monthly/2025-13.pdf").status_code == 404


# --- Every format shows the same numbers ---------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_every_format_shows_the_programme_numbers(app, client, auth, users, programme, tmp_path):
    auth.login("coordinator@example.jp")
    query = "?from=2025-04&to=2025-12"

    data = client.get(f"/reports/period.json{query}").get_json()
    assert data["cases"]["by_category"] == BREAKDOWN and data["cases"]["total"] == 1806

    page = client.get(f"/reports/period{query}").get_data(as_text=True)
    for code, n in BREAKDOWN.items():
        assert f'data-category="{code}">{n:,}<' in page
    assert 'data-figure="cases-total">1,806<' in page
    assert 'data-figure="certified">3 / 150' in page
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]

    response = client.get(f"/reports/period.csv{query}")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    period = {row[2]: row[4] for row in rows[1:] if row[3] == "2025-04/2025-12"}
    assert {code: int(period[code]) for code in BREAKDOWN} == BREAKDOWN
    assert period["total"] == "1806"
    assert [row[4] for row in rows if row[2] == "certified"] == ["3"]
    assert [row[4] for row in rows if row[2] == "FY2029"] == ["150"]

    book = load_workbook(io.BytesIO(client.get(f"/reports/period.xlsx{query}").data))
    sheet = book.active
    cells = {
        row[2]: row[4]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[3] == "2025-04/2025-12"
    }
    assert {code: cells[code] for code in BREAKDOWN} == BREAKDOWN
    assert cells["total"] == 1806

    pdf = client.get(f"/reports/period.pdf{query}").data
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    assert "1,806" in text and "3 / 150" in text
    for n in BREAKDOWN.values():
        assert f"{n:,}" in text
    assert "古河市" in text and "病院" in text  # Japanese by default

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report-2025-04_2025-12.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            str(ARTIFACTS / "report-2025-04_2025-12.pdf"),
            str(ARTIFACTS / "page"),
        ],
        check=True,
    )
    assert list(ARTIFACTS.glob("page-*1.png"))


def test_english_on_request(app, client, auth, users, programme, tmp_path):
    auth.login("coordinator@example.jp")
    page = client.get("/reports/monthly/2025-05?lang=en").get_data(as_text=True)
    assert "Koga" in page and "Hospital" in page
    text = _pdf_text(client.get("/reports/monthly/2025-05.pdf?lang=en").data, tmp_path)
    assert "Koga" in text


def test_csv_cells_cannot_run_as_formulas(app, db, make_supporter):
    from supporters.reports.render import _cell

    assert _cell("=HYPERLINK()") == "'=HYPERLINK()"
    assert _cell("-1+1") == "'-1+1" and _cell("@x") == "'@x" and _cell("+1") == "'+1"
    assert _cell(-5) == -5  # numbers stay numbers


def test_charts_are_plain_svg(app):
    svg = str(charts.horizontal_bars("件数 <b>", [("病院", 268), ("小さい", "<3")]))
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg
    assert (
        "&lt;b&gt;" in svg
        and "&lt;3" in svg
        and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    )


# --- The command ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx", "json"])
def test_the_command_writes_each_format(app, programme, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = app.test_cli_runner().invoke(
        args=["report", "monthly", "2025-04", "--to", "2025-12", "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if fmt == "json":
        report = json.loads(data)
        assert report["cases"]["by_category"] == BREAKDOWN
        assert report["suppression"]["mark"] == "X"  # for officials by default
    elif fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and b"1806" in data
    elif fmt == "xlsx":
        assert data.startswith(b"PK")
    else:
        assert "1,806" in _pdf_text(data, tmp_path)


def test_the_command_refuses_a_backwards_range(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["report", "monthly", "2025-12", "--to", "2025-04", "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code != 0


def test_the_gap_list_names_places_with_residents_and_no_supporter(app, programme, client, auth):
    from supporters.models import NationalityLanguage, ResidentCount

    _db.session.add_all(
        [
            ResidentCount(
                municipality_code="08202", nationality="NP", residents=412, as_of=date(2025, 10, 1)
            ),
            NationalityLanguage(nationality="NP", language_code="ne"),
        ]
    )
    _db.session.commit()
    report = build_report(APRIL, DECEMBER)
    assert report["period"]["residents_as_of"] == "2025-10-01"
    gap = next(g for g in report["gaps"] if g["municipality_code"] == "08202")
    assert (gap["municipality_name"], gap["language_code"], gap["residents"]) == (
        "日立市",
        "ne",
        412,
    )
    assert gap["in_person_supporters"] == 0 and gap["reasons"]
    auth.login("official@example.jp")
    page = client.get("/reports/period?from=2025-04&to=2025-12").get_data(as_text=True)
    assert "日立市" in page and "<svg" in page
