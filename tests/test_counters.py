"""Counted numbers are read right on Easy Japanese pages (review of the Japanese UI, E-01, E-03).

User story: "As a supporter who reads Easy Japanese, 30 minutes reads さんじゅっぷん, two working
days ふつか and one person ひとり — never 「30 ふん」, 「2にち」 or 「1 にん」; and no amount,
country or programme name on my pages is kanji I cannot read." (issue 16, "Words that mean
what they say")
"""

import re

import pytest
from flask_babel import force_locale

from supporters import counters
from supporters.help_requests.offers import send_offers
from tests.conftest import post_form
from tests.test_public_form import page, request_data

KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


NATIVE_NAMES = ("简体中文", "中文", "日本語")


def bare_kanji(html: str) -> list[str]:
    """Kanji the page's main content shows without a reading (outside ``<ruby>``)."""
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<ruby>.*?</ruby>", "", main, flags=re.S))
    for own_name in NATIVE_NAMES:  # a language's own name, shown beside its kana on purpose
        text = text.replace(own_name, "")
    return KANJI.findall(text)


@pytest.mark.parametrize(
    ("number", "counter", "pieces"),
    [
        ("30", "分", [("30", None), ("分", "ぷん")]),
        ("45", "分", [("45", None), ("分", "ふん")]),
        ("1", "分", [("1", None), ("分", "ぷん")]),
        ("1", "時間", [("1", None), ("時間", "じかん")]),
        ("4", "時間", [("4時間", "よじかん")]),
        ("24", "時間", [("24時間", "にじゅうよじかん")]),
        ("2", "日", [("2日", "ふつか")]),
        ("1", "日", [("1日", "いちにち")]),
        ("10", "日", [("10日", "とおか")]),
        ("11", "日", [("11", None), ("日", "にち")]),
        ("14", "日", [("14日", "じゅうよっか")]),
        ("1", "人", [("1人", "ひとり")]),
        ("2", "人", [("2人", "ふたり")]),
        ("3", "人", [("3", None), ("人", "にん")]),
        ("4", "人", [("4人", "よにん")]),
        ("104", "人", [("104人", "ひゃくよにん")]),
    ],
)
def test_each_count_has_the_reading_japanese_gives_it(number, counter, pieces):
    assert counters.counted(number, counter) == pieces


def test_numbers_read_with_their_sound_changes():
    assert counters.number_reading(300) == "さんびゃく"
    assert counters.number_reading(1800) == "せんはっぴゃく"
    assert counters.number_reading(12_000) == "いちまんにせん"


def test_durations_on_easy_pages_show_digits_kanji_counter_and_reading(app):
    with app.test_request_context("/"), force_locale("ja@easy"):
        assert counters.duration(30) == "30<ruby>分<rt>ぷん</rt></ruby>"
        assert counters.duration(90) == (
            "1<ruby>時間<rt>じかん</rt></ruby>30<ruby>分<rt>ぷん</rt></ruby>"
        )
        assert counters.duration(240) == "<ruby>4時間<rt>よじかん</rt></ruby>"
        assert counters.duration(240, plain=True) == "よじかん"  # for an <option>
        assert counters.people_count(1) == "<ruby>1人<rt>ひとり</rt></ruby>"
        assert counters.day_count(2, plain=True) == "ふつか"
        assert counters.yen(2000) == "2,000えん"


def test_other_languages_keep_their_messages(app):
    with app.test_request_context("/"), force_locale("en"):
        assert counters.duration(90) == "1 h 30 min"
        assert counters.about_duration(90) == "about 90 min"
        assert counters.people_reached(1) == "1 person reached"
        assert counters.yen(2000) == "¥2,000"
    with app.test_request_context("/"), force_locale("ja"):
        assert "ruby" not in counters.duration(30)
        assert counters.yen(2000) == "￥2,000"


def _easy_supporter(auth, users, db):
    users["supporter"].locale = "ja@easy"
    db.session.commit()
    auth.login(users["supporter"].email)
    return users["supporter"].supporter


def test_the_easy_log_form_offers_durations_read_right(client, auth, users, db):
    _easy_supporter(auth, users, db)
    html = page(client.get("/me/log/new"))
    assert "30<ruby>分<rt>ぷん</rt></ruby>" in html  # a Markup label, not escaped
    assert "&lt;ruby" not in html
    assert "30 ふん" not in html and "じかん 30 ふん" not in html
    assert not bare_kanji(html)


def test_the_easy_offer_page_reads_its_duration_right(client, auth, users, db, make_request):
    supporter = _easy_supporter(auth, users, db)
    request = make_request(duration_minutes=90)
    (offer,) = send_offers(request, [supporter.id], users["coordinator"])
    db.session.commit()
    html = page(client.get(f"/me/offers/{offer.id}"))
    assert "1<ruby>時間<rt>じかん</rt></ruby>30<ruby>分<rt>ぷん</rt></ruby>" in html
    assert "90 ふん" not in html
    assert not bare_kanji(html)


def test_the_easy_stipends_page_shows_yen_without_kanji_or_sign(client, auth, users, db):
    _easy_supporter(auth, users, db)
    html = page(client.get("/me/stipends"))
    assert "えん" in html
    assert "￥" not in html and "¥" not in html
    assert not bare_kanji(html)  # months carry their readings: 2026<ruby>年…


def test_two_working_days_read_futsuka_on_the_easy_confirmation(client):
    response = post_form(client, "/help/?lang=ja-x-easy", request_data(language="none"))
    html = page(client.get(response.headers["Location"]))
    assert "<ruby>2日<rt>ふつか</rt></ruby>" in html
    assert "2にち" not in html


def test_the_easy_form_gives_each_kanji_country_its_reading(client, set_programme):
    set_programme()
    html = page(client.get("/help/?lang=ja-x-easy"))
    select = re.search(r'<select[^>]*name="nationality".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert "中国（ちゅうごく）" in options and "韓国（かんこく）" in options
    assert not [o for o in options if KANJI.search(o) and "（" not in o]
    # Languages in kana too: "Tiếng Việt (ベトナムご)", not CLDR's ベトナム語.
    assert "Tiếng Việt (ベトナムご)" in html and "語)" not in html
    # The programme's name in the header has its reading too (いばらき母国語…).
    tagline = re.search(r'<span class="tagline">(.*?)</span>', html, re.S).group(1)
    assert not KANJI.search(re.sub(r"<ruby>.*?</ruby>", "", tagline))


def test_japanese_countries_are_sorted_by_reading(client):
    html = page(client.get("/help/?lang=ja"))
    select = re.search(r'<select[^>]*name="nationality".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    # 五十音順: 中国 (ちゅうごく) before ドイツ, 韓国 (かんこく) before コロンビア.
    assert options.index("中国") < options.index("ドイツ")
    assert options.index("韓国") < options.index("コロンビア")


def test_the_nationality_list_holds_countries_only(client):
    """CLDR's EU, UN, "unknown region" and pseudo-locales are no nationality."""
    html = page(client.get("/help/?lang=en"))
    select = re.search(r'<select[^>]*name="nationality".*?</select>', html, re.S).group(0)
    codes = set(re.findall(r'<option[^>]*value="([A-Z]{2})"', select))
    assert {"VN", "CN", "BR", "PH"} <= codes
    assert not codes & {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def test_easy_pages_write_days_in_words_with_readings(app, client, auth, users, db):
    """Review E-15: 2026/05/14 reads as a code; Easy pages say 2026年5月14日 with readings."""
    from datetime import date

    with app.test_request_context("/"), force_locale("ja@easy"):
        template = app.jinja_env.from_string(
            '{{ d|dateformat("medium") }}|{{ d|dateformat("yyyy-MM") }}'
        )
        html = template.render(d=date(2026, 5, 14))
    assert html.startswith("2026<ruby>年<rt>ねん</rt></ruby>5<ruby>月<rt>がつ</rt></ruby>")
    assert "<ruby>14日<rt>じゅうよっか</rt></ruby>" in html and html.endswith("|2026-05")
    with app.test_request_context("/"), force_locale("ja@easy"):
        first = app.jinja_env.from_string("{{ d|dateformat }}").render(d=date(2026, 12, 1))
    assert "<ruby>1日<rt>ついたち</rt></ruby>" in first
    with app.test_request_context("/"), force_locale("ja"):
        assert (
            app.jinja_env.from_string('{{ d|dateformat("medium") }}').render(d=date(2026, 5, 14))
            == "2026/05/14"
        )
