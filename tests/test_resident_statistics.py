"""Importing the published statistics of foreign residents (在留外国人統計) as they are downloaded.

User story: "As a coordinator in Gunma I download the state's table of foreign residents by
municipality and nationality from e-Stat — all of Japan, title rows, nationality columns,
numbers with commas — and upload it unchanged. Only my prefecture's municipalities are taken,
the date comes from the title, and the coverage page shows Oizumi's Brazilians and Peruvians."
"""

import io
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from supporters.imports.kinds import import_file
from supporters.imports.statistics import date_in
from supporters.models import ResidentCount
from supporters.reference.start import load_for_prefecture
from supporters.refusals import Refused
from tests.conftest import csrf_token
from tests.published_statistics import (
    published_statistics_csv,
    published_statistics_long_csv,
    published_statistics_xlsx,
)

AS_OF = date(2025, 6, 30)
GUNMA = {
    "前橋市": {"中国": 1234, "ベトナム": 2100, "フィリピン": 800, "ブラジル": 350, "その他": 40},
    "伊勢崎市": {"ブラジル": 3900, "ペルー": 1250, "ベトナム": 2800, "フィリピン": 1500},
    "大泉町": {"ブラジル": 4700, "ペルー": 1100, "ネパール": 420, "ベトナム": 380, "中国": 120},
    "邑楽町": {"ブラジル": 210, "ベトナム": 90},
}
SAITAMA = {"川口市": {"中国": 25000, "ベトナム": 4000}, "蕨市": {"中国": 3500}}


@pytest.fixture(autouse=True)
def in_english(request):
    """Messages are read in English here (Japanese stays the default everywhere else)."""
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with force_locale("en"):
        yield


@pytest.fixture
def gunma(db):
    """Gunma's municipalities, languages and nationality → language mapping, as a new
    programme starts (the test database already holds Ibaraki's)."""
    load_for_prefecture("10")
    db.session.commit()


def _stored(db, as_of: date = AS_OF) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(
            ResidentCount.municipality_code, ResidentCount.nationality, ResidentCount.residents
        ).where(ResidentCount.as_of == as_of)
    )
    return {(code, nationality): residents for code, nationality, residents in rows}


def _figures(result) -> dict[tuple[str, str], str]:
    """(municipality code, nationality code) → residents, as the preview understood them."""
    return {
        (row.understood["municipality"], row.understood["nationality"]): row.values["residents"]
        for row in result.rows
    }


def test_the_date_of_a_title():
    assert date_in("（令和７年６月末現在）") == date(2025, 6, 30)
    assert date_in("令和5年末") == date(2023, 12, 31)
    assert date_in("令和元年12月末") == date(2019, 12, 31)
    assert date_in("平成30年6月末現在") == date(2018, 6, 30)
    assert date_in("2024年12月末") == date(2024, 12, 31)
    assert date_in("令和7年6月30日現在") == date(2025, 6, 30)
    assert date_in("24-12-03") == date(2024, 12, 31)  # e-Stat's sheet names
    assert date_in("第３表　市区町村別　国籍・地域別　在留外国人") is None
    assert date_in("令和7年13月末") is None


def test_a_national_workbook_imports_gunma_only_with_the_title_date(db, gunma):
    data = published_statistics_xlsx(GUNMA, AS_OF, others={"11": SAITAMA})
    result = import_file("residents", data, None, dry_run=True)
    assert result.errors == [] and result.ok
    figures = _figures(result)
    assert figures[("10524", "BR")] == "4700"  # 大泉町
    assert figures[("10524", "PE")] == "1100"
    assert figures[("10201", "ZZ")] == "40"  # その他
    oizumi = next(r for r in result.rows if r.understood["municipality"] == "10524")
    assert (oizumi.values["municipality"], oizumi.values["nationality"]) == ("大泉町", "ブラジル")
    assert ("10525", "PE") not in figures  # none: nothing stored
    assert {code for code, _n in figures} == {"10201", "10204", "10524", "10525"}
    assert len(result.rows) == sum(len(f) for f in GUNMA.values())
    assert "Figures as of 2025-06-30, the date the file gives." in result.notes
    assert "Rows of prefectures without municipalities in the database, skipped: 2." in (
        result.notes
    )
    assert any("未定・不詳" in note for note in result.notes)
    assert _stored(db) == {}

    saved = import_file("residents", data, None)
    db.session.commit()
    assert saved.saved
    stored = _stored(db)
    assert stored[("10524", "BR")] == 4700 and stored[("10204", "PE")] == 1250
    source = db.session.scalars(select(ResidentCount.source)).first()
    assert source.startswith("第３表") or source.startswith("第3表")


def test_a_cp932_csv_with_names_only_and_thousands_separators(db):
    ibaraki = {"水戸市": {"中国": 1520, "ベトナム": 1203}, "常総市": {"ブラジル": 2104}}
    data = published_statistics_csv(ibaraki, AS_OF, prefecture_code="08", with_codes=False)
    assert b"1,520" in data and "茨城県".encode("cp932") in data
    result = import_file("residents", data, None, dry_run=True)
    assert result.errors == []
    assert {
        (r.understood["municipality"], r.understood["nationality"], r.understood["residents"])
        for r in result.rows
    } == {  # fmt: skip
        ("08201", "CN", "1520"),
        ("08201", "VN", "1203"),
        ("08211", "BR", "2104"),
    }


def test_an_unknown_municipality_is_named_with_suggestions_and_nothing_is_saved(db, gunma):
    rows = {**GUNMA, "大泉村": {"ブラジル": 5}}
    data = published_statistics_csv(rows, AS_OF)
    result = import_file("residents", data, None)
    assert not result.saved
    [error] = result.errors
    assert error.line == 11  # title, date, blank, header, 総数, 群馬県, then the 5th municipality
    assert "大泉村" in error.message and "大泉町" in error.message
    assert _stored(db) == {}


def test_an_unknown_nationality_column_is_named(db, gunma):
    data = published_statistics_csv(GUNMA, AS_OF).replace(
        "ペルー".encode("cp932"), "ペルーX".encode("cp932")
    )
    result = import_file("residents", data, None)
    assert [error.line for error in result.errors] == [4]
    assert "ペルーX" in result.errors[0].message and "ペルー" in result.errors[0].message


def test_the_long_table_data_sums_statuses(db, gunma):
    data = published_statistics_long_csv(GUNMA)
    result = import_file("residents", data, None, as_of=AS_OF, dry_run=True)
    assert result.errors == []
    figures = _figures(result)
    assert figures[("10524", "BR")] == "4700" and figures[("10204", "PE")] == "1250"


def test_without_a_date_in_the_file_or_the_form_it_is_refused(db, gunma):
    data = published_statistics_long_csv(GUNMA)  # the table data has no title
    with pytest.raises(Refused) as refused:
        import_file("residents", data, None)
    assert refused.value.field_messages() == {"as_of": "Give the date of the figures."}


def test_a_date_given_wins_and_the_preview_says_so(db, gunma):
    data = published_statistics_xlsx(GUNMA, AS_OF)
    result = import_file("residents", data, None, as_of=date(2025, 7, 1), dry_run=True)
    assert any("The file gives 2025-06-30" in note for note in result.notes)


def test_importing_again_shows_new_updated_unchanged_and_removed(db, gunma):
    import_file("residents", published_statistics_xlsx(GUNMA, AS_OF), None)
    db.session.commit()
    changed = {**GUNMA, "大泉町": {**GUNMA["大泉町"], "ブラジル": 4800, "タイ": 12}}
    del changed["邑楽町"]
    result = import_file("residents", published_statistics_xlsx(changed, AS_OF), None)
    db.session.commit()
    assert (result.count("create"), result.count("update")) == (1, 1)
    [updated] = [row for row in result.rows if row.action == "update"]
    assert updated.changes == ("residents",) and updated.values["residents"] == "4800"
    assert result.count("unchanged") == len(result.rows) - 2
    assert any("2 stored figures as of 2025-06-30 are not in the file" in n for n in result.notes)
    stored = _stored(db)
    assert stored[("10524", "BR")] == 4800 and stored[("10524", "TH")] == 12
    assert not any(code == "10525" for code, _n in stored)


def test_designated_city_wards_are_used_when_the_database_has_them(db):
    load_for_prefecture("11")
    db.session.commit()
    saitama = {"さいたま市": {"中国": 9000}, "さいたま市西区": {"中国": 300},
               "さいたま市大宮区": {"中国": 1200}, "川口市": {"中国": 25000}}  # fmt: skip
    data = published_statistics_xlsx(saitama, AS_OF, prefecture_code="11")
    result = import_file("residents", data, None, dry_run=True)
    assert result.errors == []
    assert {r.understood["municipality"] for r in result.rows} == {"11101", "11103", "11203"}


def test_coordinator_uploads_the_workbook_and_the_coverage_page_shows_it(
    client, auth, db, users, gunma
):
    auth.login("coordinator@example.jp")
    token = csrf_token(client, "/imports/?kind=residents")
    upload = {
        "csrf_token": token,
        "kind": "residents",
        "file": (io.BytesIO(published_statistics_xlsx(GUNMA, AS_OF)), "zairyu.xlsx"),
    }
    page = client.post("/imports/preview", data=upload, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "the date the file gives" in html
    content = html.split('id="content" name="content" type="hidden" value="')[1].split('"')[0]
    confirm = {"csrf_token": token, "kind": "residents", "content": content, "as_of": ""}
    assert client.post("/imports/confirm", data=confirm).status_code == 302
    assert _stored(db)[("10524", "BR")] == 4700
    matrix = client.get("/coverage/matrix", headers={"Accept-Language": "ja"})
    assert matrix.status_code == 200
    assert "大泉町" in matrix.get_data(as_text=True)


def test_the_coverage_matrix_and_gaps_show_the_imported_figures(app, db, gunma):
    from supporters.coverage.analysis import coverage_matrix

    import_file("residents", published_statistics_xlsx(GUNMA, AS_OF), None)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        matrix = coverage_matrix(None, date(2025, 4, 1), date(2025, 9, 1))
        assert matrix.as_of == AS_OF
        assert {place.code for place in matrix.places} >= {"10201", "10204", "10524", "10525"}
        oizumi_portuguese = matrix.cell("10524", "pt")  # ブラジル → Portuguese
        assert oizumi_portuguese.residents == 4700 and oizumi_portuguese.is_gap
        assert matrix.cell("10524", "es").residents == 1100  # ペルー → Spanish
        assert ("10524", "pt") in {(c.municipality_code, c.language_code) for c in matrix.gaps()}


def test_the_command_line_reads_the_workbook(app, db, gunma, tmp_path):
    path = tmp_path / "zairyu.xlsx"
    path.write_bytes(published_statistics_xlsx(GUNMA, AS_OF))
    result = app.test_cli_runner().invoke(args=["import", "residents", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Figures as of 2025-06-30" in result.output
    db.session.expire_all()
    assert _stored(db)[("10524", "PE")] == 1100


def test_without_wards_in_the_database_a_designated_city_gets_its_own_row_or_their_sum(db):
    from sqlalchemy import delete

    from supporters.models import Municipality

    load_for_prefecture("11")
    db.session.execute(delete(Municipality).where(Municipality.kind == "city_ward"))
    db.session.commit()
    with_city = {"さいたま市": {"中国": 9000}, "さいたま市西区": {"中国": 300}}
    result = import_file(
        "residents", published_statistics_xlsx(with_city, AS_OF, prefecture_code="11"), None,
        dry_run=True,
    )  # fmt: skip
    assert [(r.understood["municipality"], r.understood["residents"]) for r in result.rows] == [
        ("11100", "9000")
    ]
    wards_only = {"さいたま市西区": {"中国": 300}, "さいたま市大宮区": {"中国": 1200}}
    result = import_file(
        "residents",
        published_statistics_csv(wards_only, AS_OF, prefecture_code="11", with_codes=False),
        None,
        dry_run=True,
    )
    assert result.errors == []
    assert [(r.understood["municipality"], r.understood["residents"]) for r in result.rows] == [
        ("11100", "1500")
    ]


def test_a_bare_name_found_in_two_prefectures_is_an_error_naming_both(db, gunma):
    from supporters.reference.municipalities import load_municipalities

    load_municipalities("24")  # Mie has a 明和町 too
    db.session.commit()
    data = "市区町村,ブラジル,ペルー\n明和町,10,2\n大泉,5,1\n".encode("cp932")
    result = import_file("residents", data, None, as_of=AS_OF)
    [error] = result.errors
    assert error.line == 2 and "群馬県明和町" in error.message and "三重県明和町" in error.message
    assert not result.saved


def _database_download(times: tuple[str, ...]) -> bytes:
    """A download of e-Stat's database table「市区町村別 国籍・地域別 在留外国人」."""
    lines = [
        '"統計名：","在留外国人統計"',
        '"表題：","市区町村別 国籍・地域別 在留外国人"',
        "",
        '"cat01_code","国籍・地域","area_code","市区町村","time_code","時間軸(年月)","unit","value"',
    ]
    for number, time in enumerate(times):
        lines += [
            f'"000","総数","10524","大泉町","{number}","{time}","人","8000"',
            f'"410","ブラジル","10524","大泉町","{number}","{time}","人","4,700"',
            f'"434","ペルー","10524","大泉町","{number}","{time}","人","1,100"',
            f'"410","ブラジル","10204","伊勢崎市","{number}","{time}","人","***"',
            f'"410","ブラジル","11203","川口市","{number}","{time}","人","100"',
        ]
    return "\r\n".join(lines).encode("cp932")


def test_a_database_download_takes_its_date_from_the_time_column(db, gunma):
    result = import_file("residents", _database_download(("2017年6月",)), None, dry_run=True)
    assert result.errors == []
    assert [(r.understood["nationality"], r.understood["residents"]) for r in result.rows] == [
        ("BR", "4700"),
        ("PE", "1100"),
    ]
    assert "Figures as of 2017-06-30, the date the file gives." in result.notes
    assert "Figures printed as hidden (…, x), not imported: 1." in result.notes
    several = import_file("residents", _database_download(("2016年12月", "2017年6月")), None,
                          as_of=AS_OF)  # fmt: skip
    assert [error.line for error in several.errors] == [4]
    assert "several dates" in several.errors[0].message


def test_a_two_row_header_and_hidden_figures(db, gunma):
    data = (
        "第３表　市区町村別　国籍・地域別　在留外国人,,,,\r\n"
        "令和６年１２月末現在,,,,\r\n"
        "都道府県／市区町村,総数,国籍・地域,,\r\n"
        ",,ブラジル,ペルー,ネパール\r\n"
        '群馬県,"9,000","6,000","2,000","1,000"\r\n'
        '邑楽郡　大泉町,"5,800","4,700","1,100",…\r\n'
        '太田市,"1,200",900,x,-\r\n'
    ).encode("cp932")
    result = import_file("residents", data, None, dry_run=True)
    assert result.errors == []
    assert [
        (
            r.line,
            r.understood["municipality"],
            r.understood["nationality"],
            r.understood["residents"],
        )
        for r in result.rows
    ] == [  # fmt: skip
        (6, "10524", "BR", "4700"),
        (6, "10524", "PE", "1100"),
        (7, "10205", "BR", "900"),
    ]
    assert "Figures as of 2024-12-31, the date the file gives." in result.notes
    assert "Figures printed as hidden (…, x), not imported: 2." in result.notes


def test_the_api_takes_the_published_workbook_too(app, db, users, gunma):
    from tests.test_api import ApiClient, token_for

    caller = ApiClient(app.test_client(), token_for(users["coordinator"]))
    response = caller.client.post(
        "/api/v1/imports/residents/file",
        headers=caller.headers,
        data={"file": (io.BytesIO(published_statistics_xlsx(GUNMA, AS_OF)), "zairyu.xlsx")},
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert _stored(db)[("10524", "BR")] == 4700


def test_a_sheet_of_notes_first_the_sheet_is_found_or_named(app, db, gunma, tmp_path):
    data = published_statistics_xlsx(GUNMA, AS_OF, notes_first=True)
    found = import_file("residents", data, None, dry_run=True)
    assert found.errors == [] and "Read the sheet 25-06-03." in found.notes
    path = tmp_path / "zairyu.xlsx"
    path.write_bytes(data)
    runner = app.test_cli_runner()
    named = runner.invoke(args=["import", "residents", str(path), "--sheet", "25-06-03"])
    assert named.exit_code == 0, named.output
    assert _stored(db)[("10524", "BR")] == 4700
    wrong = runner.invoke(args=["import", "residents", str(path), "--sheet", "注意事項"])
    assert wrong.exit_code == 1
