"""Counted numbers in the reader's language: durations, days, people and yen.

Japanese reads some numbers differently with their counter: 30分 is さんじゅっぷん but 45分 is
…ふん, 2日 is ふつか, 1人 ひとり, 4時間 よじかん. In all-hiragana Easy Japanese a placeholder and a
counter (「%(m)d ふん」, 「%(num)dにち」) cannot be right for every number (review E-01), so on
Easy Japanese pages this module writes the digits with the kanji counter and its reading as
``<ruby>``: the reading over the counter alone where the digits are read as usual
(30<ruby>分<rt>ぷん</rt></ruby>), over digits and counter together where the number itself is
read another way (<ruby>2日<rt>ふつか</rt></ruby>). Amounts take a counter that never changes
(2,000えん). Every other language keeps its catalogue's messages ("%(m)d min", ngettext).
"""

from flask_babel import format_currency, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

EASY = "ja@easy"

MINUTES, HOURS, DAYS, PEOPLE, OCLOCK = "分", "時間", "日", "人", "時"

_DIGITS = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_HUNDREDS = {1: "ひゃく", 3: "さんびゃく", 6: "ろっぴゃく", 8: "はっぴゃく"}
_THOUSANDS = {1: "せん", 3: "さんぜん", 8: "はっせん"}
# Days read as words, for a count (2日間 ふつか) and a date (5月2日 ふつか) alike; 1 differs.
_DAY_WORDS = {
    2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか", 8: "ようか",
    9: "ここのか", 10: "とおか", 20: "はつか",
}  # fmt: skip
_PEOPLE_WORDS = {1: "ひとり", 2: "ふたり"}
# The counter's own reading when the digits are read as usual.
_COUNTER_READINGS = {HOURS: "じかん", DAYS: "にち", PEOPLE: "にん", OCLOCK: "じ"}
# A last digit whose own reading changes before the counter: 4時間 よじかん, 14人 じゅうよにん.
_LAST_DIGIT = {
    HOURS: {4: "よじかん", 9: "くじかん"},
    OCLOCK: {4: "よじ", 9: "くじ"},
    DAYS: {4: "よっか"},
    PEOPLE: {4: "よにん"},
}

Piece = tuple[str, str | None]


def number_reading(value: int) -> str:
    """A whole number read in hiragana: 24 → にじゅうよん, 300 → さんびゃく (below 10⁸)."""
    if value == 0:
        return "ゼロ"
    if not 0 < value < 100_000_000:
        raise ValueError(f"no reading for {value}")
    tenthousands, rest = divmod(value, 10_000)
    head = _below_ten_thousand(tenthousands) + "まん" if tenthousands else ""
    return head + _below_ten_thousand(rest)


def _below_ten_thousand(value: int) -> str:
    thousands, rest = divmod(value, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, ones = divmod(rest, 10)
    text = _THOUSANDS.get(thousands, _DIGITS[thousands] + "せん") if thousands else ""
    text += _HUNDREDS.get(hundreds, _DIGITS[hundreds] + "ひゃく") if hundreds else ""
    text += ("じゅう" if tens == 1 else _DIGITS[tens] + "じゅう") if tens else ""
    return text + _DIGITS[ones]


def counted(number: str, counter: str, *, date: bool = False) -> list[Piece]:
    """(surface, reading) pieces of digits and a counter: ``("30", "分")`` →
    ``[("30", None), ("分", "ぷん")]``, ``("2", "日")`` → ``[("2日", "ふつか")]``.

    ``number`` may end in a space (Babel writes "5 時間"); ``date`` says a 日 is a day of the
    month (1日 ついたち), not a count of days (1日 いちにち).
    """
    value = int(number)
    whole = number + counter
    if counter == MINUTES:  # 1, 3, 4, 6, 8, 10 …: ぷん, the number's small っ is read with it
        return [(number, None), (counter, "ぷん" if number.strip()[-1] in "134680" else "ふん")]
    if counter == DAYS and value == 1:
        return [(whole, "ついたち" if date else "いちにち")]
    words = {DAYS: _DAY_WORDS, PEOPLE: _PEOPLE_WORDS}.get(counter, {})
    if value in words:
        return [(whole, words[value])]
    last = _LAST_DIGIT.get(counter, {}).get(value % 10)
    if last is not None and value < 100_000_000:
        head = number_reading(value - value % 10) if value >= 10 else ""
        return [(whole, head + last)]
    return [(number, None), (counter, _COUNTER_READINGS[counter])]


def ruby_html(pieces: list[Piece]) -> Markup:
    """Pieces as HTML: each reading as ``<ruby>``, everything escaped."""
    return Markup("").join(
        escape(surface) if read is None else Markup("<ruby>%s<rt>%s</rt></ruby>") % (surface, read)
        for surface, read in pieces
    )


def kana_text(pieces: list[Piece]) -> str:
    """Pieces as plain text for places that cannot hold ``<ruby>`` (an ``<option>``):
    digits stay where they are read as usual (30ぷん), the whole word in kana where not (ふつか)."""
    return "".join(surface if read is None else read for surface, read in pieces)


def is_easy() -> bool:
    """Whether the current page is in Easy Japanese."""
    from supporters.i18n import current_locale

    return current_locale() == EASY


def _easy(pieces: list[Piece], plain: bool) -> Markup | str:
    return kana_text(pieces) if plain else ruby_html(pieces)


def duration(minutes: int, *, plain: bool = False) -> Markup | str:
    """``90`` → "1 h 30 min"; on Easy Japanese pages 1<ruby>時間<rt>じかん</rt></ruby>30<ruby>
    分<rt>ぷん</rt></ruby> (``plain``: 1じかん30ぷん, for an ``<option>``)."""
    hours, rest = divmod(minutes, 60)
    if not is_easy():
        if not hours:
            return _("%(m)d min", m=rest)
        return _("%(h)d h", h=hours) if not rest else _("%(h)d h %(m)d min", h=hours, m=rest)
    pieces = counted(str(hours), HOURS) if hours else []
    if rest or not hours:
        pieces += counted(str(rest), MINUTES)
    return _easy(pieces, plain)


def about_duration(minutes: int) -> Markup | str:
    """``90`` → "about 90 min"; on Easy Japanese pages 1時間30分 くらい, with readings."""
    if not is_easy():
        return _("about %(m)d min", m=minutes)
    return _with(_("about %(duration)s"), duration=duration(minutes))


def day_count(days: int, *, plain: bool = False) -> Markup | str:
    """A number of days for Easy Japanese pages: <ruby>2日<rt>ふつか</rt></ruby>, 11<ruby>日
    <rt>にち</rt></ruby> (``plain``: ふつか, 11にち)."""
    return _easy(counted(str(days), DAYS), plain)


def people_count(people: int, *, plain: bool = False) -> Markup | str:
    """A number of people for Easy Japanese pages: <ruby>1人<rt>ひとり</rt></ruby>, 3<ruby>人
    <rt>にん</rt></ruby> (``plain``: ひとり, 3にん)."""
    return _easy(counted(str(people), PEOPLE), plain)


def people_reached(people: int) -> Markup | str:
    """``3`` → "3 people reached"; on Easy Japanese pages the count with its reading."""
    if not is_easy():
        return ngettext("%(num)d person reached", "%(num)d people reached", people)
    return _with(_("%(people)s reached"), people=people_count(people))


def yen(amount: int) -> str:
    """An amount of yen: ￥2,000 (CLDR); on Easy Japanese pages 2,000えん, whose counter never
    changes and has no kanji."""
    if is_easy():
        return f"{amount:,}えん"
    return format_currency(amount, "JPY")


def _with(message: str, **values) -> Markup:
    """A translated message with HTML values put in: the message escaped, the values kept."""
    return Markup(escape(message)) % values
