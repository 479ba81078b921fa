"""Bulk imports through the API: one call per kind, all rows or none, with a dry run.

User story: "As the prefecture's IT contact I send last year's 1,806 paper records in one
request, see first what it would change, and either every row goes in or I get every wrong row
with its fields — the same words the import page would show."
"""

import io
import json
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.imports.kinds import import_file
from supporters.input_guard import MAX_JSON_BYTES
from supporters.models import Activity, AuditEvent, Supporter
from supporters.spreadsheets import csv_bytes, xlsx_bytes
from tests.test_api import ApiClient, assert_error, token_for

SUPPORTER_COLUMNS = [
    "display_name",
    "email",
    "phone",
    "home_municipality",
    "languages",
    "japanese_level",
    "modes",
]


def supporter_row(name="Nguyễn Thị Hoa", email="hoa@example.jp", **changes) -> dict:
    row = {
        "display_name": name,
        "email": email,
        "phone": "０９０－１２３４－５６７８",  # read as a file's cell is: NFKC
        "home_municipality": "08204",
        "languages": "vi:native",
        "japanese_level": "N2",
        "modes": "in_person;phone",
    }
    return {**row, **changes}


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def coordinator(app, db, users):
    return ApiClient(app.test_client(), token_for(users["coordinator"]))


def test_dry_run_shows_each_row_then_the_real_call_saves_all(coordinator, db):
    rows = [
        supporter_row(),
        supporter_row("Maria Santos", "maria@example.jp", languages="pt:native"),
    ]
    before = count(Supporter)

    preview = coordinator.post("/imports/supporters?dry_run=1", json={"rows": rows})
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert (body["dry_run"], body["saved"]) == (True, False)
    assert body["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert [(r["index"], r["line"], r["action"]) for r in body["rows"]] == [
        (0, 1, "create"),
        (1, 2, "create"),
    ]
    assert count(Supporter) == before  # a dry run writes nothing
    flagged = coordinator.post("/imports/supporters", json={"rows": rows, "dry_run": True})
    assert flagged.get_json()["saved"] is False and count(Supporter) == before

    saved = coordinator.post("/imports/supporters", json={"rows": rows})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["saved"] is True
    assert count(Supporter) == before + 2
    hoa = db.session.scalar(select(Supporter).where(Supporter.email == "hoa@example.jp"))
    assert hoa.phone == "090-1234-5678"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_supporters"))
    assert event.channel == "api" and "created=2" in event.detail

    again = coordinator.post("/imports/supporters?dry_run=1", json={"rows": rows})
    assert "rows.0.email" in assert_error(again, 422, "invalid_rows")["fields"]  # id, not e-mail
    update = supporter_row(id=str(hoa.id), japanese_level="N1")
    updated = coordinator.post("/imports/supporters", json={"rows": [update]})
    assert updated.get_json()["counts"]["updated"] == 1, updated.get_json()


def test_wrong_rows_are_named_by_index_and_field_and_nothing_is_written(coordinator, db):
    rows = [
        supporter_row(),
        supporter_row("", "not-an-address", home_municipality="99999"),
        supporter_row("Lan", "hoa@example.jp"),  # the same e-mail as row 0
    ]
    before = count(Supporter)
    for path in ("/imports/supporters?dry_run=1", "/imports/supporters"):
        error = assert_error(coordinator.post(path, json={"rows": rows}), 422, "invalid_rows")
        assert [(r["index"], r["line"]) for r in error["rows"]] == [(1, 2), (2, 3)]
        assert {"display_name", "email", "home_municipality_code"} <= set(
            error["rows"][0]["fields"]
        )
        assert "rows.1.email" in error["fields"] and "rows.2.email" in error["fields"]
        assert count(Supporter) == before


def test_the_api_says_what_the_import_page_says_about_a_row(coordinator, db):
    """One rule, one place: the API's JSON row and the page's CSV row meet the same importer."""
    row = supporter_row("", "x@", phone="12", languages="vi:fluentish")
    data = csv_bytes(SUPPORTER_COLUMNS, [[row[c] for c in SUPPORTER_COLUMNS]])
    by_file = import_file("supporters", data, None, dry_run=True)
    error = assert_error(
        coordinator.post(
            "/imports/supporters", json={"rows": [row]}, headers={"Accept-Language": "ja"}
        ),
        422,
    )
    assert error["rows"][0]["fields"] == dict(by_file.errors[0].fields)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_uploaded_csv_or_xlsx_goes_through_the_same_import(coordinator, db, kind):
    header = ["code", "name_ja", "name_en", "latitude", "longitude"]
    rows = [["08201", "水戸市", "Mito", "36.3659", "140.4714"]]
    if kind == "csv":
        data, name = (
            ",".join(header).encode() + b"\r\n" + ",".join(rows[0]).encode("cp932"),
            "m.csv",
        )
    else:
        data, name = xlsx_bytes(header, rows), "m.xlsx"
    response = coordinator.client.post(
        "/api/v1/imports/municipalities/file?dry_run=1",
        headers=coordinator.headers,
        data={"file": (io.BytesIO(data), name)},
    )
    assert response.status_code == 200, response.get_json()
    assert [(r["index"], r["line"], r["action"]) for r in response.get_json()["rows"]] == [
        (None, 2, "update")
    ]
    if kind == "xlsx":  # a named sheet of a workbook with others before it
        data = xlsx_bytes(["note"], [["read me"]], more_sheets=[("Municipalities", header, rows)])
        named = coordinator.client.post(
            "/api/v1/imports/municipalities/file?dry_run=1&sheet=Municipalities",
            headers=coordinator.headers,
            data={"file": (io.BytesIO(data), name)},
        )
        assert named.get_json()["counts"]["updated"] == 1, named.get_json()
    broken = coordinator.client.post(
        "/api/v1/imports/municipalities/file",
        headers=coordinator.headers,
        data={"file": (io.BytesIO(b"\xff\xfe\x00\x00"), name)},
    )
    assert assert_error(broken, 422, "invalid_file")["fields"]["file"]


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_only_coordinators_and_admins_import(app, users, role):
    caller = ApiClient(app.test_client(), token_for(users[role]))
    assert_error(caller.post("/imports/supporters", json={"rows": [supporter_row()]}), 403)
    admin = ApiClient(app.test_client(), token_for(users["admin"]))
    assert (
        admin.post("/imports/supporters?dry_run=1", json={"rows": [supporter_row()]}).status_code
        == 200
    )


def test_resident_figures_need_their_date(coordinator):
    rows = [{"municipality": "08204", "nationality": "VN", "residents": 412}]
    error = assert_error(coordinator.post("/imports/residents", json={"rows": rows}), 422)
    assert "as_of" in error["fields"]
    saved = coordinator.post(
        "/imports/residents", json={"rows": rows, "as_of": "2025-12-31", "source": "e-Stat"}
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["counts"]["created"] == 1


def test_only_the_import_calls_take_bodies_larger_than_a_megabyte(coordinator):
    rows = [
        {"code": f"0{8000 + n:04d}"[-5:], "name_ja": "町" * 300, "name_en": "x" * 300}
        for n in range(1500)
    ]
    body = {"rows": rows}
    assert len(json.dumps(body)) > MAX_JSON_BYTES
    answered = coordinator.post("/imports/municipalities?dry_run=1", json=body)
    assert answered.status_code != 413  # read and checked (its rows are wrong: 422)
    assert_error(coordinator.post("/supporters", json={**supporter_row(), "notes": rows}), 413)


# FY2025 April–December as the programme recorded it on paper: 1,806 cases.
FY2025 = {
    "government_office": 401,
    "hospital": 268,
    "information": 794,
    "childcare": 73,
    "labor": 69,
    "daily_life": 201,
}


def paper_records(emails: list[str]) -> list[dict]:
    """1,806 rows spread over April–December 2025, the supporters and three municipalities."""
    rows, n = [], 0
    for category, total in FY2025.items():
        for _ in range(total):
            month = 4 + n % 9
            row = {
                "supporter_email": emails[n % len(emails)],
                "happened_on": date(2025, month, 1 + n % 28).isoformat(),
                "duration_minutes": 30 + n % 4 * 30,
                "category": category,
                "mode": ("in_person", "phone", "video")[n % 3],
                "municipality": ("08204", "08201", "08220")[n % 3],
                "language": "vi",
                "notes": f"paper record {n + 1:04d}",
            }
            if category == "information":
                row["people_reached"] = 1 + n % 40
            else:
                row["outcome"] = "resolved"
            rows.append(row)
            n += 1
    return rows


def test_1806_paper_records_are_one_request(coordinator, make_supporter, db, capsys):
    emails = [make_supporter(email=f"paper{n}@example.jp").email for n in range(12)]
    rows = paper_records(emails)
    assert len(rows) == 1806
    size = len(json.dumps({"rows": rows}).encode())

    started = time.perf_counter()
    preview = coordinator.post("/imports/activities?dry_run=1", json={"rows": rows})
    dry_seconds = time.perf_counter() - started
    assert preview.status_code == 200, str(preview.get_json())[:2000]
    assert preview.get_json()["counts"]["created"] == 1806
    assert count(Activity) == 0

    started = time.perf_counter()
    saved = coordinator.post("/imports/activities", json={"rows": rows})
    seconds = time.perf_counter() - started
    assert saved.status_code == 200, str(saved.get_json())[:2000]
    assert count(Activity) == 1806
    with capsys.disabled():
        print(
            f"\n1,806 paper records: {size / 1024:.0f} KB of JSON, "
            f"dry run {dry_seconds:.1f} s, import {seconds:.1f} s"
        )

    report = coordinator.get("/reports/period?from=2025-04&to=2025-12&lang=en").get_json()
    assert report["cases"]["total"] == 1806
    assert report["cases"]["by_category"] == FY2025
    again = coordinator.post("/imports/activities", json={"rows": rows})
    assert again.get_json()["counts"]["unchanged"] == 1806  # the same records never double
    assert count(Activity) == 1806
