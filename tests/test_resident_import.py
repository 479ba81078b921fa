"""Importing foreign residents by municipality × nationality: all rows or none.

User story: "As a coordinator I upload the prefecture's table of foreign residents as it is
published — whatever its encoding — see what it would import, and either every row goes in or
I get the list of every wrong line to fix."
"""

import io
from datetime import date

from sqlalchemy import func, select

from supporters.coverage.residents import import_residents, nationality_code, parse_residents
from supporters.models import ResidentCount
from tests.conftest import csrf_token

AS_OF = date(2026, 6, 30)
GOOD = (
    "市町村コード,国籍,人数\n"
    "08201,ベトナム,120\n"
    "古河市,Brazil,45\n"
    "０８２２０,中国,１，２３４\n"
    "08204,その他,3\n"
)


def _stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ResidentCount))


def test_utf8_bom_and_cp932_files_import_the_same_rows(db):
    for data in (GOOD.encode(), GOOD.encode("utf-8-sig"), GOOD.encode("cp932")):
        result = parse_residents(data, AS_OF)
        assert result.errors == []
        assert [(r.municipality_code, r.nationality, r.residents) for r in result.rows] == [
            ("08201", "VN", 120),
            ("08204", "BR", 45),
            ("08220", "CN", 1234),  # full-width digits and comma
            ("08204", "ZZ", 3),
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
    result = import_residents(data, AS_OF, by=None)
    assert not result.saved
    lines = {error.line: error.message for error in result.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "08999" in lines[3]
    assert "Atlantis" in lines[4]
    assert "line 2" in lines[7] or "2" in lines[7]
    assert _stored(db) == 0


def test_missing_or_extra_columns_in_the_header(db):
    for header in ("municipality,residents\n", "municipality,nationality,residents,notes\n"):
        result = parse_residents((header + "08201,VN,1\n").encode(), AS_OF)
        assert [error.line for error in result.errors] == [1]


def test_dry_run_changes_nothing_and_reimport_replaces_the_date(db):
    result = import_residents(GOOD.encode(), AS_OF, by=None, dry_run=True)
    assert result.ok and not result.saved
    assert _stored(db) == 0
    import_residents(GOOD.encode(), AS_OF, source="Ibaraki 2026-06", by=None)
    db.session.commit()
    assert _stored(db) == 4
    second = import_residents(b"code,nationality,residents\n08201,VN,99\n", AS_OF, by=None)
    db.session.commit()
    assert second.replaced == 4
    assert db.session.scalars(select(ResidentCount.residents)).all() == [99]
    # Another date is kept apart.
    import_residents(GOOD.encode(), date(2025, 12, 31), by=None)
    db.session.commit()
    assert _stored(db) == 5


def test_coordinator_previews_then_confirms(client, auth, db, users):
    auth.login("coordinator@example.jp")
    token = csrf_token(client, "/coverage/residents")
    upload = {
        "csrf_token": token,
        "file": (io.BytesIO(GOOD.encode("cp932")), "residents.csv"),
        "as_of": "2026-06-30",
        "source": "Ibaraki",
    }
    page = client.post("/coverage/residents/preview", data=upload)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="confirm-form"' in html
    assert _stored(db) == 0  # the preview saves nothing

    content = html.split('id="content" name="content" type="hidden" value="')[1].split('"')[0]
    confirm = {"csrf_token": token, "content": content, "as_of": "2026-06-30", "source": "Ibaraki"}
    response = client.post("/coverage/residents/import", data=confirm)
    assert response.status_code == 302
    assert _stored(db) == 4


def test_upload_with_bad_rows_shows_every_line(client, auth, db, users):
    auth.login("coordinator@example.jp")
    data = b"code,nationality,residents\n08999,VN,1\n08201,VN,x\n"
    upload = {
        "csrf_token": csrf_token(client, "/coverage/residents"),
        "file": (io.BytesIO(data), "bad.csv"),
        "as_of": "2026-06-30",
    }
    page = client.post("/coverage/residents/preview", data=upload)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-testid="row-errors"' in html and 'data-testid="confirm-form"' not in html
    assert "08999" in html
    assert _stored(db) == 0
