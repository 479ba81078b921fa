"""Imports in the coordinator's own words: names as well as codes, and suggestions when wrong.

User story: "As a coordinator in Gunma I import the supporter list my office keeps in Excel —
Japanese headers, 大泉町, ポルトガル語:母語, 対面 — without rewriting it into codes; a value the
app cannot place is named with what I probably meant."
"""

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, select

from supporters.imports import words
from supporters.imports.kinds import import_file
from supporters.models import Language, NationalityLanguage, Supporter
from supporters.reference import lookup
from supporters.reference.municipalities import load_municipalities


@pytest.fixture(autouse=True)
def in_english(request):
    """Messages are read in English here (Japanese stays the default everywhere else)."""
    if "db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")
    with force_locale("en"):
        yield


# --- Municipalities and languages as people write them ------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["水戸市", "水戸", "Mito", "mito-shi", "Mito City", "みと", "ミト", "082015", "08201",
     "０８２０１", "茨城県水戸市"],
)  # fmt: skip
def test_a_municipality_is_found_by_name_reading_romaji_or_code(db, written):
    assert lookup.find_municipality(written).code == "08201"


def test_a_misspelt_municipality_gets_suggestions(db):
    found = lookup.find_municipality("水土市")
    assert found.code is None
    assert (
        found.problem == "No municipality “水土市” in this programme. Did you mean: 水戸市, 土浦市?"
    )
    assert lookup.find_municipality("082016").code is None  # a wrong check digit
    assert "check digit" in lookup.find_municipality("082016").problem


def test_a_name_of_another_prefecture_says_where_it_is(db):
    found = lookup.find_municipality("大泉町")
    assert found.code is None
    assert (
        "群馬県" in found.problem and "not among this programme's municipalities" in found.problem
    )


def test_a_name_in_several_prefectures_prefers_the_programmes_or_says_it_is_ambiguous(
    db, monkeypatch
):
    load_municipalities("13")  # Tokyo: 府中市 13206
    load_municipalities("34")  # Hiroshima: 府中市 34208
    db.session.flush()
    monkeypatch.setattr(lookup, "_settings_prefecture", lambda: "13")
    db.session.add(db.session.get(Language, "vi"))  # (nothing changes: the index is per token)
    assert lookup.programme_prefecture() == "13"
    assert lookup.find_municipality("府中市").code == "13206"
    load_municipalities("40")  # a new token: the index is built again
    db.session.flush()
    monkeypatch.setattr(lookup, "_settings_prefecture", lambda: "08")
    found = lookup.find_municipality("府中市")
    assert found.code is None
    assert "names several municipalities" in found.problem
    assert "13206" in found.problem and "34208" in found.problem


@pytest.mark.parametrize(
    ("written", "code"),
    [("ベトナム語", "vi"), ("Vietnamese", "vi"), ("Tiếng Việt", "vi"), ("vi", "vi"),
     ("ポルトガル語", "pt"), ("Português", "pt"), ("pt", "pt"), ("中国語", "zh"),
     ("フィリピン語", "tl"), ("英語", "en")],
)  # fmt: skip
def test_a_language_is_found_by_its_name_in_any_ui_language_or_its_code(db, written, code):
    assert lookup.find_language(written).code == code


def test_a_language_iso_knows_but_the_programme_lacks_says_an_admin_can_add_it(db):
    found = lookup.find_language("スワヒリ語")
    assert found.code is None
    assert found.problem == (
        "“スワヒリ語” (Swahili, sw) is not in this programme's language list; an admin can add "
        "it on the Languages page."
    )
    assert lookup.find_language("ベトナ語").problem.endswith("Did you mean: Vietnamese?")


@pytest.mark.parametrize(
    ("vocabulary", "written", "code"),
    [(words.LEVELS, "母語", "native"), (words.LEVELS, "ネイティブ", "native"),
     (words.LEVELS, "ビジネスレベル", "fluent"), (words.LEVELS, "流暢", "fluent"),
     (words.LEVELS, "日常会話", "conversational"), (words.LEVELS, "Native", "native"),
     (words.MODES, "対面", "in_person"), (words.MODES, "電話", "phone"),
     (words.MODES, "オンライン", "video"), (words.MODES, "ビデオ", "video"),
     (words.MODES, "in person", "in_person"), (words.CATEGORIES, "病院", "hospital"),
     (words.CATEGORIES, "市役所", "government_office"), (words.CATEGORIES, "子育て", "childcare"),
     (words.CATEGORIES, "仕事・労働", "labor"), (words.OUTCOMES, "解決した", "resolved"),
     (words.STATUSES, "認定済み", "certified"), (words.GENDERS, "女性", "female")],
)  # fmt: skip
def test_levels_modes_and_categories_in_japanese_and_english(db, vocabulary, written, code):
    assert vocabulary.read(written) == code


@pytest.mark.parametrize(
    ("written", "level"),
    [("N2", "N2"), ("Ｎ１", "N1"), ("JLPT N3", "N3"), ("日本語能力試験N4合格", "N4"), ("2級", "N2"),
     ("母語", "native"), ("その他", "other"), ("N9", None)],
)  # fmt: skip
def test_japanese_levels_as_written(db, written, level):
    assert words.japanese_level(written) == level


# --- Whole files ----------------------------------------------------------------------------------

JAPANESE_HEADER = "氏名,メール,電話,居住市町村,対応市町村,言語,日本語レベル,対応方法\n"


def test_a_cp932_file_with_japanese_headers_and_names_imports(db):
    """The issue's Gunma case: 大泉町, ポルトガル語:母語, 対面 — in Shift_JIS from Excel."""
    load_municipalities("10")
    db.session.flush()
    data = (
        JAPANESE_HEADER + "シルバ・マリア,maria@example.jp,090-1111-2222,大泉町,太田市、邑楽町,"
        "ポルトガル語:母語; 英語（日常会話）,N3,対面・電話\n"
        + "グエン・ティ・ラン,lan@example.jp,090-3333-4444,群馬県邑楽郡大泉町,,"
        "ベトナム語 ネイティブ,日本語能力試験N2,ビデオ\n"
    ).encode("cp932")
    result = import_file("supporters", data, None)
    db.session.commit()
    assert result.saved, [e.message for e in result.errors]
    maria = db.session.scalar(select(Supporter).where(Supporter.email == "maria@example.jp"))
    assert maria.home_municipality_code == "10524"
    assert sorted(m.code for m in maria.served_municipalities) == ["10205", "10524", "10525"]
    assert [(e.language_code, e.level.value) for e in maria.languages] == [
        ("pt", "native"),
        ("en", "conversational"),
    ]
    assert sorted(mode.value for mode in maria.modes) == ["in_person", "phone"]
    lan = db.session.scalar(select(Supporter).where(Supporter.email == "lan@example.jp"))
    assert (lan.home_municipality_code, lan.japanese_level) == ("10524", "N2")
    assert [mode.value for mode in lan.modes] == ["video"]
    # The preview showed what each name was read as.
    assert result.rows[0].understood["home_municipality"] == "10524"


def test_misspelt_values_are_refused_with_suggestions_and_the_services_words(db):
    data = (
        JAPANESE_HEADER + "テスト,t@example.jp,090-1111-2222,水土市,,ベトナ語:母国,N9,対面\n"
    ).encode("cp932")
    result = import_file("supporters", data, None)
    (error,) = result.errors
    assert not result.saved
    # The service's own messages, field by field (as on the form and in the API) …
    fields = dict(error.fields)
    assert fields["home_municipality_code"] == "Unknown municipality codes: 水土市."
    assert fields["languages"] == "Unknown language: ベトナ語"
    # … and what the import adds: what the coordinator probably meant.
    assert "“水土市”: did you mean 水戸市, 土浦市?" in error.message
    assert "“ベトナ語”: did you mean Vietnamese?" in error.message
    assert "Accepted: Native, N1, N2, N3, N4, N5, Other." in error.message


def test_an_empty_language_list_is_not_called_a_wrong_format(db):
    """The bug of the issue: "Not understood: pt:native" when the table was simply empty."""
    db.session.execute(delete(NationalityLanguage))
    for language in db.session.scalars(select(Language)):
        db.session.delete(language)
    db.session.flush()
    data = JAPANESE_HEADER + "マリア,m@example.jp,090-1111-2222,水戸市,,pt:native,N3,対面\n"
    result = import_file("supporters", data.encode(), None)
    (error,) = result.errors
    assert "Not understood" not in error.message and "code:level" not in error.message
    assert (
        "“pt” (Portuguese, pt) is not in this programme's language list; an admin can add it on "
        "the Languages page." in error.message
    )


def test_case_log_rows_in_japanese(db, make_supporter):
    from datetime import timedelta

    from supporters.clock import today_jst

    make_supporter(email="lan@example.jp")
    day = (today_jst() - timedelta(days=3)).isoformat()
    data = (
        "メール,日付,時間(分),区分,方法,市町村,言語,結果,要フォロー\n"
        f"lan@example.jp,{day},45,病院,対面,古河,ベトナム語,解決した,いいえ\n"
        f"lan@example.jp,{day},30,びょういん,テレパシー,古川市,ベトナム語,解決した,いいえ\n"
    ).encode("cp932")
    result = import_file("activities", data, None, dry_run=True)
    assert [error.line for error in result.errors] == [3]
    message = result.errors[0].message
    assert "Unknown category “びょういん”" in message
    assert "Unknown way of helping “テレパシー”" in message
    assert "“古川市”: did you mean" in message and "古河市" in message
    first = import_file("activities", data.splitlines(keepends=True)[0] + data.splitlines(
        keepends=True)[1], None)  # fmt: skip
    assert first.saved
    assert first.rows[0].understood["category"] == "hospital"
    assert first.rows[0].understood["municipality"] == "08204"


def test_an_update_says_which_columns_change(db, make_supporter):
    lan = make_supporter(email="lan@example.jp", home="08204")
    db.session.commit()
    data = (
        "id,氏名,メール,電話,居住市町村,言語,日本語レベル,対応方法\n"
        f"{lan.id},{lan.display_name},lan@example.jp,{lan.phone},水戸市,ベトナム語:母語,"
        f"{lan.japanese_level},対面\n"
    ).encode()
    result = import_file("supporters", data, None, dry_run=True)
    assert result.errors == []
    (row,) = result.rows
    assert row.action == "update"
    assert "home_municipality" in row.changes and "languages" not in row.changes


def test_municipalities_with_japanese_headers_kinds_and_prefecture_names(db):
    data = (
        "団体コード,都道府県,市町村名,英語名,よみ,種別,緯度,経度\n"
        "105244,群馬県,大泉町,Oizumi,おおいずみまち,町,36.2478,139.4049\n"
    ).encode("cp932")
    result = import_file("municipalities", data, None)
    assert result.saved, [error.message for error in result.errors]
    (row,) = result.rows
    assert row.payload == ("10524", row.payload[1])
    assert (row.payload[1]["prefecture_code"], row.payload[1]["kind"]) == ("10", "town")
