"""Exports: the importers' columns in CSV (BOM) and XLSX, safe in Excel, personal data guarded.

User story: "As a coordinator I download the registry or the case log, correct it in Excel and
import it back; a municipal officer or an official never gets supporters' contact details."
"""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from supporters.activities.log import ActivityEntry, log_activity
from supporters.clock import today_jst
from supporters.imports.kinds import import_file
from supporters.models import (
    Activity,
    ActivityCategory,
    ActivityOutcome,
    AuditEvent,
    Mode,
    Municipality,
    ResidentCount,
    Supporter,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def registry(db, make_supporter, users):
    """Two more supporters: one whose fields start like formulas, and a case each."""
    tricky = make_supporter(
        name='=HYPERLINK("http://evil.example","click")',
        email="tricky@example.jp",
        notes="@SUM(A1:A9)\n-2 and +3",
        languages=(("vi", "native"), ("en", "fluent")),
        served=("08201",),
    )
    plain = make_supporter(
        name="Maria Santos", email="maria@example.jp", languages=(("pt", "native"),)
    )
    for supporter, notes in ((tricky, "=1+1"), (plain, 'Went well, "thanks"\nnext line')):
        log_activity(
            supporter,
            ActivityEntry(
                happened_on=today_jst() - timedelta(days=2),
                duration_minutes=60,
                category=ActivityCategory.DAILY_LIFE,
                mode=Mode.IN_PERSON,
                municipality_code="08204",
                language_code="vi",
                outcome=ActivityOutcome.RESOLVED,
                notes=notes,
                client_token=f"phone-{supporter.id}",
            ),
            None,
        )
    import_file(
        "residents",
        b"municipality,nationality,residents\n08204,VN,120\n08201,BR,45\n",
        as_of=date(2026, 6, 30),
    )
    db.session.commit()
    return {"tricky": tricky.id, "plain": plain.id}


def download(client, kind: str, fmt: str = "csv"):
    response = client.get(f"/exports/{kind}?format={fmt}")
    assert response.status_code == 200, response.status_code
    return response


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("kind", ["municipalities", "supporters", "activities"])
def test_an_export_imports_again_unchanged(client, auth, db, registry, kind):
    auth.login("coordinator@example.jp")
    body = download(client, kind).data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    model = {"municipalities": Municipality, "supporters": Supporter, "activities": Activity}[kind]
    before = count(db, model)
    result = import_file(kind, body, None)
    db.session.commit()
    assert result.saved, result.errors
    assert result.count("create") == result.count("update") == 0
    assert result.count("unchanged") == len(result.rows) > 0
    assert count(db, model) == before


def test_resident_figures_round_trip(client, auth, db, registry):
    auth.login("admin@example.jp")
    body = download(client, "residents").data
    import_file("residents", body, None, as_of=date(2026, 9, 30))
    db.session.commit()
    rows = db.session.execute(
        select(
            ResidentCount.as_of, ResidentCount.municipality_code, ResidentCount.residents
        ).order_by(ResidentCount.as_of, ResidentCount.municipality_code)
    ).all()
    assert [tuple(r) for r in rows] == [
        (date(2026, 6, 30), "08201", 45),
        (date(2026, 6, 30), "08204", 120),
        (date(2026, 9, 30), "08201", 45),
        (date(2026, 9, 30), "08204", 120),
    ]


def test_formulas_are_neutralised_in_csv_and_xlsx_and_restored_on_import(
    client, auth, db, registry
):
    auth.login("coordinator@example.jp")
    text = download(client, "supporters").data.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "\"'@SUM(A1:A9)" in text
    book = load_workbook(io.BytesIO(download(client, "supporters", "xlsx").data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["id", "display_name", "email"]
    names = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    cell = names['\'=HYPERLINK("http://evil.example","click")']
    assert cell.data_type == "s"
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [value for value in values if value.startswith(("=", "+", "-", "@"))]
    activities = load_workbook(io.BytesIO(download(client, "activities", "xlsx").data)).active
    notes = [row[11].value for row in activities.iter_rows(min_row=2)]
    assert "'=1+1" in notes

    # Importing the CSV back gives the same values, apostrophes taken off.
    result = import_file("supporters", text.encode("utf-8-sig"), None, dry_run=True)
    (row,) = [r for r in result.rows if r.values["email"] == "tricky@example.jp"]
    assert row.values["display_name"].startswith("=HYPERLINK(")
    assert row.action == "unchanged"


def test_each_download_is_audited(client, auth, db, registry):
    auth.login("coordinator@example.jp")
    download(client, "supporters", "xlsx")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export_supporters"))
    assert event is not None and "format=xlsx" in event.detail


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", {"municipalities", "residents", "supporters", "activities"}),
        ("coordinator", {"municipalities", "residents", "supporters", "activities"}),
        ("municipal_officer", {"municipalities", "residents"}),
        ("official", {"municipalities", "residents"}),
        ("supporter", set()),
    ],
)
def test_who_may_download_what(client, auth, db, registry, role, allowed):
    auth.login(f"{role}@example.jp")
    for kind in ("municipalities", "residents", "supporters", "activities"):
        status = client.get(f"/exports/{kind}?format=csv").status_code
        assert (status == 200) == (kind in allowed), (kind, status)
        if kind not in allowed:
            assert status == 403
    index = client.get("/exports/")
    assert index.status_code == (200 if allowed else 403)
    if allowed:
        html = index.get_data(as_text=True)
        assert ("/exports/supporters" in html) == ("supporters" in allowed)


def test_officers_get_the_resident_figures_of_their_area_only(client, auth, db, registry):
    auth.login("municipal_officer@example.jp")
    text = download(client, "residents").data.decode("utf-8-sig")
    assert "08204" in text and "08201" not in text


def test_unknown_format_is_not_found(client, auth, db, registry):
    auth.login("coordinator@example.jp")
    assert client.get("/exports/supporters?format=pdf").status_code == 404
