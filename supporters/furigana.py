"""Furigana for kanji data on Easy Japanese pages: 古河市役所 → <ruby>古河<rt>こが</rt></ruby>….

Place names, meeting places and facility names are typed by coordinators in ordinary Japanese;
the Easy Japanese guideline (在留支援のためのやさしい日本語ガイドライン) asks for kanji with their
readings. Readings come from an offline dictionary (pykakasi, bundled with its own dictionary;
nothing is fetched), corrected by the readings the programme knows for sure: the municipalities'
own ``kana`` (古河 is こが, not ふるかわ), passed in as ``known``.
"""

import re
from collections.abc import Mapping
from functools import lru_cache

from markupsafe import Markup, escape

from supporters import counters

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


@lru_cache(maxsize=1)
def _kakasi():
    import pykakasi  # ~0.3 s to load its dictionary: only when an Easy Japanese page needs it

    return pykakasi.kakasi()


def has_kanji(text: str) -> bool:
    """Whether ``text`` holds a kanji (or 々, ヶ) that an Easy Japanese reader needs read."""
    return bool(_KANJI.search(text or ""))


def segments(text: str, known: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """``text`` cut into (surface, reading) pairs; reading is None where there is no kanji.

    ``known`` maps words to readings that win over the dictionary (longest word first).
    """
    if not text:
        return []
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in _COUNTED.finditer(text):  # numbers and weekdays: the dictionary misreads them
        pieces.extend(_words(text[position : match.start()], known))
        pieces.extend(_counted(match, text[: match.start()]))
        position = match.end()
    pieces.extend(_words(text[position:], known))
    return _merge_plain(pieces)


def _words(text: str, known: Mapping[str, str] | None) -> list[tuple[str, str | None]]:
    pattern = _known_pattern(tuple(sorted(known or {}, key=len, reverse=True)))
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in pattern.finditer(text) if pattern else ():
        pieces.extend(_dictionary(text[position : match.start()]))
        pieces.append((match.group(), known[match.group()]))
        position = match.end()
    pieces.extend(_dictionary(text[position:]))
    return pieces


# A number and its counter (14日, 30 分, 5 時間, 3か月, 2人) or a weekday (木曜日, (木)).
_COUNTED = re.compile(
    r"(?P<number>\d+)(?P<space>\s?)(?P<counter>か月|ヶ月|カ月|週間|時間|日間|年|月|日|時|分|人)"
    r"|(?P<weekday>[月火水木金土日])曜日"
)
_WEEKDAYS = {
    "月": "げつ",
    "火": "か",
    "水": "すい",
    "木": "もく",
    "金": "きん",
    "土": "ど",
    "日": "にち",
}
_COUNTERS = {
    "か月": "かげつ", "ヶ月": "かげつ", "カ月": "かげつ", "週間": "しゅうかん", "年": "ねん",
    "月": "がつ",
}  # fmt: skip


def _counted(match: re.Match, before: str) -> list[tuple[str, str | None]]:
    """The reading of a counted number: 14日 → じゅうよっか, 30分 → ぷん, 木曜日 → もくようび.

    Days, hours, minutes, o'clock and people follow ``counters.counted`` (the rules the Easy
    Japanese pages' own counts use), so Babel's "あと 4 時間" reads よじかん like the log form.
    """
    if match["weekday"]:
        return [(match.group(), _WEEKDAYS[match["weekday"]] + "ようび")]
    number, space, counter = match["number"], match["space"], match["counter"]
    if counter == "日間":  # 2日間: ふつか + かん
        return [*counters.counted(number + space, counters.DAYS), ("間", "かん")]
    if counter in _COUNTERS:
        return [(number + space, None), (counter, _COUNTERS[counter])]
    date = counter == counters.DAYS and before.rstrip().endswith("月")
    return counters.counted(number + space, counter, date=date)


def reading(text: str, known: Mapping[str, str] | None = None) -> str:
    """``text`` with every kanji written in hiragana (kana and latin letters kept as they are)."""
    return "".join(r if r is not None else s for s, r in segments(text, known))


def ruby(text: str, known: Mapping[str, str] | None = None) -> Markup:
    """``text`` as HTML with a ``<ruby>`` reading over each run of kanji; everything escaped."""
    parts = []
    for surface, read in segments(text, known):
        if read is None:
            parts.append(escape(surface))
        else:
            parts.extend(_ruby_word(surface, read))
    return Markup("").join(parts)


def _ruby_word(surface: str, read: str) -> list[Markup]:
    """新しい/あたらしい → <ruby>新<rt>あたら</rt></ruby>しい: kana around kanji stay outside."""
    head = 0
    while (
        head < len(surface) - 1
        and head < len(read) - 1
        and not has_kanji(surface[head])
        and hiragana(surface[head]) == read[head]
    ):
        head += 1
    tail = 0
    while (
        tail < len(surface) - head - 1
        and tail < len(read) - head - 1
        and not has_kanji(surface[-1 - tail])
        and hiragana(surface[-1 - tail]) == read[-1 - tail]
    ):
        tail += 1
    core, core_read = surface[head : len(surface) - tail], read[head : len(read) - tail]
    word = Markup("<ruby>%s<rt>%s</rt></ruby>") % (core, core_read)
    return [escape(surface[:head]), word, escape(surface[len(surface) - tail :])]


def _dictionary(text: str) -> list[tuple[str, str | None]]:
    if not text:
        return []
    if not has_kanji(text):
        return [(text, None)]
    out = []
    for item in _kakasi().convert(text):
        surface = item["orig"]
        out.append((surface, item["hira"] if has_kanji(surface) else None))
    return out


def _merge_plain(pieces: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    merged: list[tuple[str, str | None]] = []
    for surface, read in pieces:
        if not surface:
            continue
        if read is None and merged and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + surface, None)
        else:
            merged.append((surface, read))
    return merged


def hiragana(text: str) -> str:
    """Katakana turned into hiragana (ガ → が); everything else kept."""
    return text.translate(_KATAKANA_TO_HIRAGANA)


@lru_cache(maxsize=8)
def _known_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    words = tuple(word for word in words if has_kanji(word))
    return re.compile("|".join(map(re.escape, words))) if words else None


_SUFFIXES = {"市": ("し",), "町": ("まち", "ちょう"), "村": ("むら", "そん"), "区": ("く",)}


def municipality_readings(municipalities) -> dict[str, str]:
    """Readings the programme knows: each municipality's name and its stem (古河市 and 古河)."""
    known: dict[str, str] = {}
    for place in municipalities:
        name, kana = place.name_ja, hiragana(place.kana or "")
        if not name or not kana:
            continue
        known[name] = kana
        for suffix_read in _SUFFIXES.get(name[-1], ()):
            if len(name) > 2 and kana.endswith(suffix_read):
                known.setdefault(name[:-1], kana[: -len(suffix_read)])
    return known


# Words in CLDR's Japanese country names that the dictionary misreads (島 is とう in an island's
# name, not しま; 米領 べいりょう, not こめりょう).
COUNTRY_READINGS = {
    "諸島": "しょとう", "島": "とう", "米領": "べいりょう", "ドミニカ国": "ドミニカこく",
    "市国": "しこく", "インド洋": "インドよう", "極南": "きょくなん", "日本": "にほん",
    "香港": "ほんこん", "首長国": "しゅちょうこく",
}  # fmt: skip


def country_label(name: str) -> str:
    """A country's name for an Easy Japanese ``<option>`` (which cannot hold ``<ruby>``): its
    reading in brackets after a name with kanji, 中国（ちゅうごく）; katakana names as they are."""
    if not has_kanji(name):
        return name
    return f"{name}（{reading(name, COUNTRY_READINGS)}）"


def sort_key(name: str) -> str:
    """The 五十音 sort key of a Japanese name: its reading in hiragana (韓国 among the か)."""
    return hiragana(reading(name, COUNTRY_READINGS))
