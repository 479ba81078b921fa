"""Reference data for all of Japan, shipped with the app, and the languages console.

User story: "As the first admin of a new prefecture's programme I load my prefecture's
municipalities and a list of languages with one command each, apply next year's mergers without
losing history, and add, rename or retire a language myself."
"""

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.imports.kinds import import_file
from supporters.imports.registry import operations_profile
from supporters.models import AuditEvent, Language, LanguageLevel, Municipality, Supporter
from supporters.models.coverage import NationalityLanguage
from supporters.reference import shipped
from supporters.reference.codes import (
    BAD_CHECK_DIGIT,
    NOT_A_CODE,
    check_digit,
    parse_municipality_code,
)
from supporters.reference.romaji import hepburn, place_romaji
from supporters.reference_data import reference_data
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.tenancy import get_keyed
from tests.conftest import Auth, csrf_token

# Municipalities per prefecture (市区町村, Tokyo's 23 special wards included), 2024-01-01 onwards.
PER_PREFECTURE = {
    "01": 179, "02": 40, "03": 33, "04": 35, "05": 25, "06": 35, "07": 59, "08": 44, "09": 25,
    "10": 35, "11": 63, "12": 54, "13": 62, "14": 33, "15": 30, "16": 15, "17": 19, "18": 17,
    "19": 27, "20": 77, "21": 42, "22": 35, "23": 54, "24": 29, "25": 19, "26": 26, "27": 43,
    "28": 41, "29": 39, "30": 30, "31": 19, "32": 19, "33": 27, "34": 23, "35": 19, "36": 24,
    "37": 17, "38": 20, "39": 34, "40": 60, "41": 20, "42": 21, "43": 45, "44": 18, "45": 26,
    "46": 43, "47": 41,
}  # fmt: skip


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def audits(action: str) -> int:
    return _db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# --- The shipped file -----------------------------------------------------------------------------


def test_every_municipality_of_japan_is_shipped():
    rows = shipped.municipalities()
    municipalities = [row for row in rows if row.kind != "city_ward"]
    assert len(municipalities) == 1741
    assert Counter(row.prefecture_code for row in municipalities) == PER_PREFECTURE
    assert sum(1 for row in rows if row.kind == "ward") == 23  # Tokyo's special wards
    assert all(row.prefecture_code == "13" for row in rows if row.kind == "ward")
    assert sum(1 for row in rows if row.kind == "city_ward") == 171  # the designated cities'
    assert len(shipped.prefectures()) == 47
    assert shipped.prefectures()["10"].name_en == "Gunma"


def test_codes_are_unique_and_carry_a_valid_check_digit():
    rows = shipped.municipalities()
    assert len({row.code for row in rows}) == len(rows)
    assert len({row.lg_code for row in rows}) == len(rows)
    for row in rows:
        assert row.lg_code == row.code + str(check_digit(row.code))
        assert row.prefecture_code == row.code[:2]
        assert row.kind in shipped.KINDS
        assert 20 < row.latitude < 46 and 122 < row.longitude < 154
        assert row.name_ja and row.kana and row.name_en.isascii()
    for prefecture in shipped.prefectures().values():
        assert prefecture.lg_code == prefecture.code + "000" + str(
            check_digit(prefecture.code + "000")
        )


def test_oizumi_mito_and_recent_changes():
    oizumi = shipped.shipped_municipality("10524")
    assert (oizumi.name_ja, oizumi.kana, oizumi.name_en) == ("大泉町", "おおいずみまち", "Oizumi")
    assert (oizumi.lg_code, oizumi.kind) == ("105244", "town")
    assert shipped.shipped_municipality("10521").name_ja == "板倉町"  # Oizumi's neighbour
    mito = shipped.shipped_municipality("08201")
    assert (mito.name_ja, mito.name_en, mito.lg_code) == ("水戸市", "Mito", "082015")
    assert shipped.shipped_municipality("08204").name_en == "Koga"
    # 那珂川町 became 那珂川市 (new code) in 2018; Hamamatsu's 7 wards became 3 in 2024.
    assert shipped.shipped_municipality("40231").name_ja == "那珂川市"
    assert shipped.shipped_municipality("40305") is None
    assert [shipped.shipped_municipality(c).name_ja for c in ("22138", "22139", "22140")] == [
        "浜松市中央区",
        "浜松市浜名区",
        "浜松市天竜区",
    ]
    assert shipped.shipped_municipality("22131") is None
    chiyoda = shipped.shipped_municipality("13101")
    assert (chiyoda.kind, chiyoda.name_en) == ("ward", "Chiyoda")
    sapporo_chuo = shipped.shipped_municipality("01101")
    assert (sapporo_chuo.kind, sapporo_chuo.name_en) == ("city_ward", "Chuo, Sapporo")


@pytest.mark.parametrize(
    "kana, romaji",
    [
        ("おおいずみ", "Oizumi"),
        ("とうきょう", "Tokyo"),
        ("こが", "Koga"),
        ("じょうそう", "Joso"),
        ("りゅうがさき", "Ryugasaki"),
        ("はっちょう", "Hatcho"),
        ("さっぽろ", "Sapporo"),
        ("ひたちおおた", "Hitachiota"),
        ("いいだ", "Iida"),
        ("めいわ", "Meiwa"),
        ("しんじゅく", "Shinjuku"),
        ("ちゅうおう", "Chuo"),
        ("オオイズミ", "Oizumi"),
    ],
)
def test_kana_to_hepburn(kana, romaji):
    assert hepburn(kana) == romaji


def test_place_romaji_drops_the_kind():
    assert place_romaji("大泉町", "おおいずみまち") == "Oizumi"
    assert place_romaji("水戸市", "みとし") == "Mito"
    assert place_romaji("邑楽町", "おうらまち") == "Ora"
    assert place_romaji("東海村", "とうかいむら") == "Tokai"
    assert place_romaji("読谷村", "よみたんそん") == "Yomitan"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("08201", ("08201", None)),
        ("082015", ("08201", None)),
        ("０８２０１５", ("08201", None)),  # full-width
        ("08201-5", ("08201", None)),
        (" 105244 ", ("10524", None)),
        ("082016", (None, BAD_CHECK_DIGIT)),
        ("8201", (None, NOT_A_CODE)),
        ("水戸", (None, NOT_A_CODE)),
        ("", (None, NOT_A_CODE)),
    ],
)
def test_a_typed_code_with_or_without_its_check_digit(typed, expected):
    assert parse_municipality_code(typed) == expected


# --- Commands -------------------------------------------------------------------------------------


def test_load_municipalities_of_one_prefecture_is_idempotent(app, db):
    runner = app.test_cli_runner()
    before = count(Municipality)
    result = runner.invoke(args=["reference", "load-municipalities", "--prefecture", "10"])
    assert result.exit_code == 0, result.output
    assert "35 added" in result.output
    assert count(Municipality) == before + 35
    oizumi = db.session.get(Municipality, "10524")
    assert (oizumi.name_en, oizumi.kana, oizumi.lg_code) == ("Oizumi", "おおいずみまち", "105244")

    again = runner.invoke(args=["reference", "load-municipalities", "--prefecture", "群馬県"])
    assert again.exit_code == 0 and "0 added" in again.output and "35 unchanged" in again.output
    assert count(Municipality) == before + 35
    # The demo's Ibaraki keeps its own wording.
    runner.invoke(args=["reference", "load-municipalities", "--prefecture", "08"])
    db.session.expire_all()
    assert db.session.get(Municipality, "08341").name_en == "Tokai (village)"
    assert db.session.get(Municipality, "08201").lg_code == "082015"


def test_load_municipalities_needs_a_real_prefecture(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reference", "load-municipalities"]).exit_code != 0
    wrong = runner.invoke(args=["reference", "load-municipalities", "--prefecture", "48"])
    assert wrong.exit_code != 0 and "not a prefecture" in wrong.output


MERGER = (
    "date,code,merged_codes,name_ja,kana,name_en,kind,latitude,longitude\n"
    "2027-04-01,08237,08217 085642,とりで利根市,とりでとねし,,city,35.9114,140.0503\n"
    "2027-04-01,47999,47201,架空市,かくうし,Kaku,city,26.2,127.7\n"  # Okinawa: not loaded here
)


def test_a_merger_keeps_the_old_codes_and_their_records(app, db, make_supporter, tmp_path):
    supporter = make_supporter(home="08564", served=("08217",))
    path = tmp_path / "update.csv"
    path.write_text(MERGER, encoding="utf-8")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["reference", "apply-update", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "2 merged" in result.output
    assert "1 about prefectures not loaded here" in result.output
    db.session.expire_all()
    new = db.session.get(Municipality, "08237")
    assert (new.name_en, new.lg_code, new.successor_code) == ("Toridetone", "082376", None)
    tone = db.session.get(Municipality, "08564")
    assert (tone.successor_code, tone.valid_until) == ("08237", date(2027, 3, 31))
    assert tone.name("ja") == "利根町 → とりで利根市"
    assert tone.name("en") == "Tone → Toridetone"
    # Records that named the old code still name it.
    supporter = db.session.get(Supporter, supporter.id)
    assert supporter.home_municipality_code == "08564"
    assert {m.code for m in supporter.served_municipalities} >= {"08217", "08564"}
    assert reference_data().municipalities["08217"].name("en") == "Toride → Toridetone"
    assert audits("municipality_merged") == 2 and audits("municipality_added") == 1
    assert db.session.get(Municipality, "47999") is None

    again = runner.invoke(args=["reference", "apply-update", str(path)])
    assert again.exit_code == 0 and "0 new" in again.output and "0 merged" in again.output
    assert audits("municipality_merged") == 2


def test_a_wrong_update_file_changes_nothing(app, db, tmp_path):
    path = tmp_path / "update.csv"
    path.write_text(
        "date,code,merged_codes\n2027-04-01,082376,08217\n2027-13-01,08238,082016\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["reference", "apply-update", str(path)])
    assert result.exit_code == 1
    assert "line 3" in result.output
    db.session.expire_all()
    assert db.session.get(Municipality, "08217").successor_code is None


def test_load_languages_adds_the_default_list_once(app, db):
    runner = app.test_cli_runner()
    before = count(Language)
    result = runner.invoke(args=["reference", "load-languages"])
    assert result.exit_code == 0, result.output
    codes = set(db.session.scalars(select(Language.code)))
    assert {"km", "uk", "my", "si", "mn", "bn", "ur", "fa", "ar", "tr", "ru", "fr"} <= codes
    assert {"de", "it", "ms", "lo", "ps", "am", "sw"} <= codes
    arabic = db.session.get(Language, "ar")
    assert (arabic.name_en, arabic.name_ja, arabic.name_native) == (
        "Arabic",
        "アラビア語",
        "العربية",
    )
    assert get_keyed(NationalityLanguage, "AF", "ps") is not None
    assert get_keyed(NationalityLanguage, "VN", "vi") is not None
    added = count(Language) - before
    again = runner.invoke(args=["reference", "load-languages"])
    assert again.output.startswith("0 languages and 0 nationality")
    assert count(Language) == before + added
    extra = runner.invoke(args=["reference", "load-languages", "--code", "ha"])
    assert extra.exit_code == 0 and db.session.get(Language, "ha").name_ja == "ハウサ語"


# --- The languages console ------------------------------------------------------------------------


def signed_in(app, email: str):
    client = app.test_client()
    Auth(client).login(email, headers={"Accept-Language": "en"})
    return client


def post(client, url: str, data: dict):
    token = csrf_token(client, "/reference/languages")
    return client.post(url, data={"csrf_token": token, **data}, headers={"Accept-Language": "en"})


def test_admin_adds_a_language_with_names_from_cldr(app, db, users):
    admin = signed_in(app, "admin@example.jp")
    response = post(admin, "/reference/languages/add", {"code": "SW", "name_ja": ""})
    assert response.status_code == 302
    swahili = db.session.get(Language, "sw")
    assert (swahili.name_en, swahili.name_ja, swahili.name_native) == (
        "Swahili",
        "スワヒリ語",
        "Kiswahili",
    )
    assert audits("language_added") == 1
    typed = post(admin, "/reference/languages/add", {"code": "zh_hant", "name_en": "Chinese (TW)"})
    assert typed.status_code == 302
    assert db.session.get(Language, "zh-Hant").name_en == "Chinese (TW)"

    for code, message in (("xx", "Not an ISO 639"), ("vi", "already in the list")):
        refused = post(admin, "/reference/languages/add", {"code": code})
        assert refused.status_code == 422
        assert message in refused.get_data(as_text=True)


def test_admin_renames_and_retires_a_language(app, db, users, make_supporter):
    admin = signed_in(app, "admin@example.jp")
    page = admin.get("/reference/languages/fa/edit")
    assert page.status_code == 200 and "ペルシア語" in page.get_data(as_text=True)
    renamed = post(
        admin,
        "/reference/languages/fa/edit",
        {"name_ja": "ペルシャ語", "name_en": "Persian (Farsi)", "name_native": "فارسی"},
    )
    assert renamed.status_code == 302
    assert db.session.get(Language, "fa").name_ja == "ペルシャ語"
    assert audits("language_renamed") == 1
    blank = post(admin, "/reference/languages/fa/edit", {"name_ja": "", "name_en": "x"})
    assert blank.status_code == 422

    speaker = make_supporter(languages=(("fa", "native"), ("en", "fluent")))
    assert post(admin, "/reference/languages/fa/retire", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Language, "fa").retired_on is not None
    assert audits("language_retired") == 1
    assert post(admin, "/reference/languages/fa/retire", {}).status_code == 409

    # Nobody new gets it; the supporter who has it keeps it through an edit; reports keep it.
    with force_locale("en"):
        with pytest.raises(Refused, match="retired"):
            make_supporter(languages=(("fa", "fluent"),))
        supporter = db.session.get(Supporter, speaker.id)
        profile = operations_profile(supporter)
        assert [code for code, _level in profile.languages] == ["fa", "en"]
        operations.update_supporter(
            supporter, replace(profile, display_name="Renamed"), by=None
        )  # keeps Persian
        refused = replace(profile, languages=[("en", LanguageLevel.NATIVE)])
        operations.update_supporter(supporter, refused, by=None)  # drops it: fine
        with pytest.raises(Refused, match="retired"):  # and cannot take it back
            operations.update_supporter(supporter, profile, by=None)
        _db.session.rollback()
    coordinator = signed_in(app, "coordinator@example.jp")
    new_form = coordinator.get("/supporters/new").get_data(as_text=True)
    assert 'value="fa"' not in new_form and 'value="vi"' in new_form
    edit_form = coordinator.get(f"/supporters/{speaker.id}/edit").get_data(as_text=True)
    assert 'value="fa" selected' in edit_form or 'selected value="fa"' in edit_form
    assert "Persian (Farsi)" in coordinator.get("/reference/languages").get_data(as_text=True)

    assert post(admin, "/reference/languages/fa/reinstate", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Language, "fa").retired_on is None


@pytest.mark.parametrize("role", ["coordinator", "municipal_officer", "official"])
def test_only_admins_change_languages(app, db, users, role):
    client = signed_in(app, users[role].email)
    assert post(client, "/reference/languages/add", {"code": "sw"}).status_code == 403
    assert post(client, "/reference/languages/vi/retire", {}).status_code == 403
    assert client.get("/reference/languages/vi/edit").status_code == 403
    assert db.session.get(Language, "sw") is None
    page = client.get("/reference/languages").get_data(as_text=True)
    assert "language-add-form" not in page


# --- Check digits in the imports ------------------------------------------------------------------


def test_the_municipality_import_checks_the_check_digit(db):
    data = (
        "code,name_ja,name_en,kana,kind,latitude,longitude\n"
        "０８２０１５,水戸市,Mito,みとし,city,36.3659,140.4714\n"  # full-width, right digit
        "085464,境町,Sakai,さかいまち,town,36.1086,139.795\n"  # right
        "082024,日立市,Hitachi,ひたちし,city,36.5992,140.6515\n"  # wrong: 08202's is 3
    ).encode()
    with force_locale("en"):
        result = import_file("municipalities", data, None, dry_run=True)
    assert [error.line for error in result.errors] == [4]
    assert "check digit" in result.errors[0].message
    fixed = data.replace(b"082024", b"082023")
    with force_locale("en"):
        result = import_file("municipalities", fixed, None)
    assert result.errors == [] and result.saved
    assert db.session.get(Municipality, "08202").lg_code == "082023"


def test_a_new_prefecture_starts_with_one_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reference", "init", "--prefecture", "群馬"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Gunma: 35 municipalities")
    assert db.session.get(Municipality, "10524").name("en") == "Oizumi"
    assert get_keyed(NationalityLanguage, "BR", "pt") is not None
    again = runner.invoke(args=["reference", "init", "--prefecture", "10"])
    assert again.output.startswith("Gunma: 0 municipalities, 0 languages and 0 nationality")
    wrong = runner.invoke(args=["reference", "init", "--prefecture", "Atlantis"])
    assert wrong.exit_code != 0 and "Not a prefecture" in wrong.output


def test_matching_follows_a_merger_from_the_day_it_takes_effect(
    app, db, make_supporter, make_request, tmp_path
):
    """Someone who served 利根町 serves とりで利根市 once they have merged (and not before)."""
    from supporters.clock import today_jst
    from supporters.help_requests.candidates import match_request

    path = tmp_path / "update.csv"
    path.write_text(MERGER, encoding="utf-8")
    assert (
        app.test_cli_runner().invoke(args=["reference", "apply-update", str(path)]).exit_code == 0
    )
    # She lives in Hitachi (far beyond the travel radius) and serves Tone and Toride by car.
    tone = make_supporter(name="Tone server", home="08202", served=("08564", "08217"))
    first_day = (date(2027, 4, 1) - today_jst()).days

    def candidates(municipality: str, days_ahead: int) -> set[int]:
        request = make_request(municipality=municipality, days_ahead=days_ahead)
        return {r.candidate.supporter_id for r in match_request(request).ranked}

    assert tone.id in candidates("08237", first_day + 9)  # the new city, after the merger
    assert tone.id not in candidates("08237", first_day - 9)  # the code exists, no merger yet
