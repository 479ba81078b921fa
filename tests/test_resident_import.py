"""Importing foreign residents by municipality × nationality: all rows or none.

User story: "As a coordinator I upload the prefecture's table of foreign residents as it is
published — whatever its encoding — see what it would import, and either every row goes in or
I get the list of every wrong line to fix."

There is one import of resident figures: /imports/ (``kind=residents``) and ``flask import
residents``; the coverage page links there. The published statistics (在留外国人統計) as
downloaded are tests/test_resident_statistics.py.
"""

import io
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.coverage.residents import nationality_code
from supporters.imports.kinds import import_file
from supporters.models import AuditEvent, ResidentCount
from tests.conftest import csrf_token

AS_OF = date(2026, 6, 30)
GOOD = (
    "市町村コード,国籍,人数\n"
    "08201,ベトナム,120\n"
    "古河市,Brazil,45\n"
    "０８２２０,中国,１，２３４\n"
    "08204,その他,3\n"
)


@pytest.fixture(autouse=True)
def in_english(request):
    """Messages are read in English here (Japanese stays the default everywhere else)."""
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with force_locale("en"):
        yield


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ResidentCount))


def _import(data: bytes, as_of: date = AS_OF, **options):
    return import_file("residents", data, None, as_of=as_of, **options)


def test_utf8_bom_and_cp932_files_import_the_same_rows(db):
    for data in (GOOD.encode(), GOOD.encode("utf-8-sig"), GOOD.encode("cp932")):
        result = _import(data, dry_run=True)
        assert result.errors == []
        assert [tuple(row.values.values()) for row in result.rows] == [
            ("08201", "VN", "120"),
            ("08204", "BR", "45"),
            ("08220", "CN", "1234"),  # full-width digits and comma
            ("08204", "ZZ", "3"),
        ]


def test_country_names_and_codes():
    assert nationality_code("ベトナム") == "VN"
    assert nationality_code("Viet Nam") == "VN"
    assert nationality_code("ｐｈ") == "PH"
    assert nationality_code("米国") == "US"
    assert nationality_code("Other") == "ZZ"
    assert nationality_code("Atlantis") is None
    assert nationality_code("QQ") is None


def test_every_bad_row_is_named_and_nothing_is_imported(db):
    data = (
        "municipality,nationality,residents\n"
        "08201,VN,10\n"  # line 2: fine
        "08999,VN,10\n"  # 3: unknown municipality
        "08202,Atlantis,10\n"  # 4: unknown nationality
        "08203,VN,ten\n"  # 5: not a number
        "08204,VN,-5\n"  # 6: negative
        "08201,ベトナム,3\n"  # 7: same as line 2
        "08205,VN\n"  # 8: missing value
        "08207,VN,1,extra\n"  # 9: extra value
        '"08208","Multi\nline",4\n'  # 10-11: a quoted newline, unknown nationality
        "08210,TH,7\n"  # 12: fine
    ).encode()
    result = _import(data)
    assert not result.saved
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert lines[3] == "Unknown municipality “08999”."
    assert lines[4] == "Unknown nationality “Atlantis”."
    assert lines[6] == "“-5” is not a number of residents."
    assert lines[7] == "Same municipality and nationality as line 2."
    assert _stored(db) == 0


def test_missing_or_extra_columns_in_the_header(db):
    for header in ("municipality,residents\n", "municipality,nationality,residents,notes\n"):
        result = _import((header + "08201,VN,1\n").encode())
        assert [error.line for error in result.errors] == [1]


def test_dry_run_changes_nothing_and_reimport_replaces_the_date(db):
    result = _import(GOOD.encode(), dry_run=True)
    assert result.ok and not result.saved
    assert "4 rows, 3 municipalities, 1,402 residents as of 2026-06-30." in result.notes
    assert _stored(db) == 0
    _import(GOOD.encode(), source="Ibaraki 2026-06")
    db.session.commit()
    assert _stored(db) == 4
    second = _import(b"code,nationality,residents\n08201,VN,99\n")
    db.session.commit()
    assert "3 stored figures as of 2026-06-30 are not in the file and will be removed." in (
        second.notes
    )
    assert [row.action for row in second.rows] == ["update"]
    assert db.session.scalars(select(ResidentCount.residents)).all() == [99]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "import_residents").order_by(AuditEvent.id)
    ).all()[-1]
    assert "as_of=2026-06-30 replaced=4 removed=3" in event.detail
    # The same file again changes nothing.
    third = _import(b"code,nationality,residents\n08201,VN,99\n")
    assert [row.action for row in third.rows] == ["unchanged"] and third.saved
    # Another date is kept apart.
    _import(GOOD.encode(), date(2025, 12, 31))
    db.session.commit()
    assert _stored(db) == 5


def test_figures_need_their_date_and_a_short_source(db):
    from supporters.refusals import Refused

    with pytest.raises(Refused) as refused:
        import_file("residents", GOOD.encode(), None)
    assert refused.value.field_messages() == {"as_of": "Give the date of the figures."}
    with pytest.raises(Refused) as refused:
        _import(GOOD.encode(), source="x" * 201)
    assert refused.value.field_messages() == {"source": "At most 200 characters."}


def test_the_coverage_page_sends_coordinators_to_the_one_import(client, auth, db, users):
    auth.login("coordinator@example.jp")
    response = client.get("/coverage/residents")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/imports/?kind=residents")
    html = client.get("/coverage/matrix").get_data(as_text=True)
    assert "/imports/?kind=residents" in html


def test_coordinator_previews_then_confirms(client, auth, db, users):
    auth.login("coordinator@example.jp")
    token = csrf_token(client, "/imports/?kind=residents")
    upload = {
        "csrf_token": token,
        "kind": "residents",
        "file": (io.BytesIO(GOOD.encode("cp932")), "residents.csv"),
        "as_of": "2026-06-30",
        "source": "Ibaraki",
    }
    page = client.post("/imports/preview", data=upload, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="confirm-form"' in html
    assert "4 rows, 3 municipalities, 1,402 residents as of 2026-06-30." in html
    assert _stored(db) == 0  # the preview saves nothing

    content = html.split('id="content" name="content" type="hidden" value="')[1].split('"')[0]
    confirm = {
        "csrf_token": token,
        "kind": "residents",
        "content": content,
        "as_of": "2026-06-30",
        "source": "Ibaraki",
    }
    response = client.post("/imports/confirm", data=confirm)
    assert response.status_code == 302
    assert _stored(db) == 4
    html = client.get("/imports/?kind=residents").get_data(as_text=True)
    assert 'data-testid="resident-dates"' in html and "2026-06-30" in html


def test_upload_without_a_date_is_refused_on_the_form(client, auth, db, users):
    auth.login("coordinator@example.jp")
    upload = {
        "csrf_token": csrf_token(client, "/imports/?kind=residents"),
        "kind": "residents",
        "file": (io.BytesIO(GOOD.encode()), "residents.csv"),
    }
    page = client.post("/imports/preview", data=upload, headers={"Accept-Language": "en"})
    assert page.status_code == 422
    assert "Give the date of the figures." in page.get_data(as_text=True)


def test_upload_with_bad_rows_shows_every_line(client, auth, db, users):
    auth.login("coordinator@example.jp")
    data = b"code,nationality,residents\n08999,VN,1\n08201,VN,x\n"
    upload = {
        "csrf_token": csrf_token(client, "/imports/?kind=residents"),
        "kind": "residents",
        "file": (io.BytesIO(data), "bad.csv"),
        "as_of": "2026-06-30",
    }
    page = client.post("/imports/preview", data=upload)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-testid="row-errors"' in html and 'data-testid="confirm-form"' not in html
    assert "08999" in html
    assert _stored(db) == 0


def test_names_as_coordinators_write_them_and_suggestions(db):
    data = "市町村,国籍,人数\n水戸,ブラジル,3\nMito,ペルー,2\n水土市,ベトナム,1\n水戸市,ペルーX,1\n"
    result = _import(data.encode("cp932"))
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [4, 5]
    assert "水土市" in lines[4] and "水戸市" in lines[4]
    assert lines[5] == "Unknown nationality “ペルーX”."
