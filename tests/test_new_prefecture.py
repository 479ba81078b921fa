"""A new prefecture starts from nothing, as issue [4/6] tried it: Gunma, on a fresh database.

1. ``flask db upgrade`` on an empty database, ``flask programme init --prefecture 10`` and
   ``flask users create`` for one admin: nothing else, no demo, no environment variable but the
   database's.
2. The admin imports the supporters from a CP932 file with Japanese headers, Japanese language
   and municipality names, levels and modes (大泉町, ポルトガル語:母語, 対面) through the console's
   upload → preview → confirm.
3. The admin imports the resident figures from an XLSX workbook in the layout of the published
   statistics of foreign residents (在留外国人統計), nationalities as printed.
4. A Portuguese hospital visit in Oizumi is taken through the console: the imported supporters
   are its candidates; the coverage matrix is Gunma's, with Oizumi's Brazilian residents; the
   footer and the report carry the programme's own name.
"""

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from supporters.clock import today_jst
from supporters.config import ROOT
from supporters.extensions import db as _db
from supporters.help_requests.candidates import match_request
from supporters.models import HelpRequest, Municipality, ResidentCount, Supporter
from tests.conftest import PASSWORD, Auth, csrf_token, make_app, post_form
from tests.published_statistics import published_statistics_xlsx

OIZUMI, OTA, KIRYU = "10524", "10205", "10203"
NAME_JA, NAME_EN = "ぐんま多言語サポーター", "Gunma Multilingual Supporters"

SUPPORTERS = (
    "氏名,メール,電話,居住市町村,対応市町村,言語,日本語レベル,出身国,対応方法,状態,認定日\r\n"
    "シルバ アナ,ana@example.jp,090-1111-0001,大泉町,大泉町;太田市,ポルトガル語:母語;"
    "スペイン語:日常会話,N2,ブラジル,対面;電話,認定,2026-10-01\r\n"
    "サントス ジョアン,joao@example.jp,090-1111-0002,太田市,太田市,ポルトガル語:流暢,N1,"
    "ブラジル,対面,認定,2026-10-01\r\n"
    "グエン ティ ラン,lan@example.jp,090-1111-0003,桐生市,,ベトナム語:母語,N3,ベトナム,"
    "電話;ビデオ,認定,2026-10-01\r\n"
)
RESIDENTS = {
    "大泉町": {"ブラジル": 4526, "ペルー": 1052, "ベトナム": 412, "中国": 201},
    "太田市": {"ブラジル": 4411, "ベトナム": 2570, "フィリピン": 2101, "中国": 1230},
    "桐生市": {"ベトナム": 560, "中国": 420},
}


@pytest.fixture
def fresh_app(tmp_path):
    """An app whose database has only the schema the migrations build (no reference data)."""
    app = make_app(tmp_path)
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "migrations"))
        assert _db.session.scalar(select(func.count()).select_from(Municipality)) == 0
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _import(client, kind: str, filename: str, data: bytes, **fields) -> str:
    """Upload → preview → confirm, as the console's import page does; the confirmed page."""
    preview = client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/imports/"),
            "kind": kind,
            "file": (BytesIO(data), filename),
            **fields,
        },
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, re.sub(r"<[^>]+>", " ", page)[-3000:]
    hidden = dict(re.findall(r'name="(kind|content|as_of|source|sheet)"[^>]*value="([^"]*)"', page))
    confirmed = post_form(client, "/imports/confirm", hidden, token_from="/imports/")
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[:2000]
    return client.get(confirmed.headers["Location"]).get_data(as_text=True)


def test_gunma_starts_from_nothing(fresh_app):
    app = fresh_app
    runner = app.test_cli_runner()
    with app.app_context():  # as `flask` gives every command
        started = runner.invoke(
            args=["programme", "init", "--prefecture", "10"]
            + ["--name-ja", NAME_JA, "--name-en", NAME_EN]
        )
        assert started.exit_code == 0, started.output
        assert "35 municipalities" in started.output
        admin = runner.invoke(
            args=["users", "create", "--email", "admin@gunma.example.jp", "--password", PASSWORD]
            + ["--role", "admin", "--name", "事務局"]
        )
        assert admin.exit_code == 0, admin.output

    client = app.test_client()
    Auth(client).login("admin@gunma.example.jp")
    page = _import(client, "supporters", "サポーター名簿.csv", SUPPORTERS.encode("cp932"))
    assert "3" in page
    as_of = date(2025, 6, 30)
    workbook = published_statistics_xlsx(RESIDENTS, as_of)
    _import(client, "residents", "在留外国人統計.xlsx", workbook, as_of=as_of.isoformat())

    with app.app_context():
        ana = _db.session.scalar(select(Supporter).where(Supporter.email == "ana@example.jp"))
        assert ana.home_municipality_code == OIZUMI
        assert {m.code for m in ana.served_municipalities} == {OIZUMI, OTA}
        assert {(sl.language_code, sl.level.value) for sl in ana.languages} >= {("pt", "native")}
        assert ana.offers_in_person and ana.offers_phone and not ana.offers_video
        # Certified by the file without a number: numbered in the programme's series.
        assert ana.certificate_number == "GUNMA-2026-0001"
        residents = dict(
            _db.session.execute(
                select(ResidentCount.nationality, ResidentCount.residents).where(
                    ResidentCount.municipality_code == OIZUMI
                )
            ).all()
        )
        assert residents.get("BR") == 4526

    # A hospital visit in Oizumi in Portuguese, taken through the console.
    day = today_jst() + timedelta(days=3)
    taken = post_form(
        client,
        "/requests/new",
        {
            "consent": "y",
            "consent_channel": "phone",
            "consent_language": "pt",
            "requester_name": "Maria Souza",
            "requester_contact": "080-1234-5678",
            "language_code": "pt",
            "requester_nationality": "BR",
            "category": "hospital",
            "mode": "in_person",
            "municipality_code": OIZUMI,
            "place_name": "大泉町の病院",
            "day": day.isoformat(),
            "starts": "10:00",
            "ends": "12:00",
            "duration_minutes": "90",
            "urgency": "normal",
            "preferred_gender": "",
            "source": "resident",
            "need": "Follow-up visit.",
        },
    )
    assert taken.status_code == 302, taken.get_data(as_text=True)[:3000]
    with app.app_context():
        request = _db.session.scalars(select(HelpRequest)).one()
        ranked = [r.candidate.supporter_id for r in match_request(request).ranked]
        emails = [_db.session.get(Supporter, sid).email for sid in ranked]
        assert emails[:2] == ["ana@example.jp", "joao@example.jp"]
    request_page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "シルバ アナ" in request_page

    # Gunma's gaps: Oizumi's Portuguese speakers are covered, its Vietnamese ones are not.
    gaps = client.get("/coverage/").get_data(as_text=True)
    assert "大泉町" in gaps and "太田市" in gaps and "水戸市" not in gaps
    assert "ベトナム語・大泉町周辺：住民412人" in gaps and "ポルトガル語・大泉町" not in gaps
    # The matrix: Gunma's municipalities, Oizumi's 4,526 Brazilian residents under Portuguese.
    matrix = client.get("/coverage/matrix").get_data(as_text=True)
    assert "大泉町" in matrix and "4,526" in matrix and "水戸市" not in matrix
    report = client.get("/reports/").get_data(as_text=True)
    for page in (gaps, matrix, report):
        assert NAME_JA in page  # the footer
        assert "IBARAKI" not in page.upper() and "茨城" not in page
