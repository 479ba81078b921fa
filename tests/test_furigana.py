"""Easy Japanese pages read kanji data with furigana; names come in the reader's language.

User stories: "As a supporter who reads Easy Japanese, the meeting place 古河市役所 shows its
reading (こがしやくしょ), and the municipality is written in kana." — "As a Vietnamese
supporter, the language of a request is 'Tiếng Việt', not 'Vietnamese'." (issue 16, item 3)
"""

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale
from markupsafe import Markup

from supporters import furigana, names

KOGA = SimpleNamespace(
    code="08204", name_ja="古河市", name_en="Koga", kana="こがし", successor_code=None
)
VIETNAMESE = SimpleNamespace(
    code="vi", name_en="Vietnamese", name_ja="ベトナム語", name_native="Tiếng Việt"
)
TAGALOG = SimpleNamespace(code="tl", name_en="Tagalog", name_ja="タガログ語", name_native="Tagalog")
KNOWN = furigana.municipality_readings([KOGA])


def _named(language):
    language.name = lambda locale: language.name_ja if locale.startswith("ja") else language.name_en
    return language


def test_the_programmes_own_readings_win_over_the_dictionary():
    assert KNOWN == {"古河市": "こがし", "古河": "こが"}
    assert furigana.reading("古河市役所 2階", KNOWN) == "こがしやくしょ 2かい"
    html = furigana.ruby("古河駅 西口", KNOWN)
    assert html == (
        "<ruby>古河<rt>こが</rt></ruby><ruby>駅<rt>えき</rt></ruby> "
        "<ruby>西口<rt>にしぐち</rt></ruby>"
    )


def test_kana_around_kanji_stay_outside_the_ruby():
    assert furigana.ruby("新しい 公民館") == (
        "<ruby>新<rt>あたら</rt></ruby>しい <ruby>公民館<rt>こうみんかん</rt></ruby>"
    )


def test_text_without_kanji_is_left_as_it_is_and_everything_is_escaped():
    assert furigana.ruby("ABC ホール 3F") == "ABC ホール 3F"
    html = furigana.ruby('<script>alert("古河")</script> & 駅', KNOWN)
    assert isinstance(html, Markup)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<ruby>古河<rt>こが</rt></ruby>" in html


def test_language_names_in_the_readers_language():
    vi, tl = _named(VIETNAMESE), _named(TAGALOG)
    assert names.language_name(vi, "vi") == "Tiếng Việt"
    assert names.language_name(vi, "pt") == "Vietnamita"
    assert names.language_name(vi, "zh_Hans") == "越南语"
    assert names.language_name(tl, "ne") == "फिलिपिनी"  # CLDR's Nepali knows fil only
    assert names.language_name(vi, "ja") == "ベトナム語"  # the reference data's own names
    assert names.language_name(vi, "en") == "Vietnamese"
    assert names.language_name(vi, "ja@easy") == "ベトナムご"
    assert names.language_name(vi, "xx") == "Vietnamese"  # no CLDR data: the English name


def test_municipality_names_in_kana_for_easy_japanese_and_romaji_elsewhere():
    koga = SimpleNamespace(**vars(KOGA))
    koga.name = lambda locale: "古河市" if locale.startswith("ja") else "Koga"
    assert names.municipality_name(koga, "ja@easy") == "こがし"
    assert names.municipality_name(koga, "vi") == "Koga"
    assert names.municipality_name(koga, "ja") == "古河市"
    merged = SimpleNamespace(
        code="08999",
        name_ja="旧村",
        name_en="Old",
        kana="きゅうむら",
        successor_code="08204",
        successor=koga,
    )
    assert names.municipality_name(merged, "ja@easy") == "きゅうむら → こがし"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "ja@easy",
            "<ruby>古河市<rt>こがし</rt></ruby><ruby>役所<rt>やくしょ</rt></ruby> &amp; 1F",
        ),
        ("ja", "古河市役所 &amp; 1F"),
        ("vi", "古河市役所 &amp; 1F"),
    ],
)
def test_the_ruby_filter_acts_on_easy_japanese_pages_only(app, locale, expected):
    with app.test_request_context("/"), force_locale(locale):
        html = render_template_string("{{ place|ruby }}", place="古河市役所 & 1F")
    assert html == expected


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("2026年5月14日木曜日", "2026ねん5がつじゅうよっかもくようび"),
        ("5月1日", "5がつついたち"),
        ("あと 1 日", "あと いちにち"),
        ("あと 2 日", "あと ふつか"),
        ("あと 5 時間", "あと 5 じかん"),
        ("30 分", "30 ぷん"),
        ("45分", "45ふん"),
        ("3か月", "3かげつ"),
    ],
)
def test_numbers_and_weekdays_are_read_by_rule_not_by_the_dictionary(text, read):
    # Babel writes these on Easy Japanese pages (a full date, "あと 5 時間"); the dictionary alone
    # reads 14日木曜日 as ひき…
    assert furigana.reading(text) == read
