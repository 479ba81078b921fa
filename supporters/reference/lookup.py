"""Municipalities and languages found by what a person writes: codes or names, with suggestions.

A coordinator's spreadsheet says 水戸市, 水戸, みと, Mito or 08201 / 082015 for the same place,
and ベトナム語, Vietnamese, Tiếng Việt or vi for the same language. :func:`find_municipality`
and :func:`find_language` answer the code, or a translated problem that names the value and
up to three suggestions (「水土市」… もしかして: 水戸市). Only the programme's own rows count
(``reference_data``): a name found in the shipped data of another prefecture, or an ISO 639
language the programme has not added, is said as such. Where a name fits several
municipalities, those of the programme's prefecture (the one most of its municipalities are
in) win; if that still leaves several, the problem says so. Nothing here writes.
"""

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers
from flask_babel import gettext as _

from supporters.i18n import current_locale
from supporters.reference import shipped
from supporters.reference.codes import BAD_CHECK_DIGIT, parse_municipality_code
from supporters.reference.romaji import to_hiragana
from supporters.reference_data import reference_data

SUGGESTIONS = 3
CUTOFF = 0.5  # difflib's ratio: 水土市 → 水戸市 is 0.67, 水土 → 水戸 0.5
_SUFFIXES = "市町村区"
_SUFFIX_READINGS = ("し", "まち", "ちょう", "むら", "そん", "く")
_ROMAJI_SUFFIX = re.compile(r" (shi|city|machi|cho|town|mura|son|village|ku|ward)$")
# The UI languages whose names of a language are accepted (the supporters' twelve, by Babel id).
NAME_LOCALES = ("ja", "en", "vi", "zh_Hans", "fil", "pt", "id", "ne", "th", "ko", "es")
# Names offices use that CLDR spells otherwise, → the codes they may mean, in order of preference.
OTHER_LANGUAGE_NAMES = {
    "フィリピン語": ("fil", "tl"),
    "フィリピノ語": ("fil", "tl"),
    "filipino": ("fil", "tl"),
    "タガログ語": ("tl", "fil"),
    "tagalog": ("tl", "fil"),
    "ビルマ語": ("my",),
    "ペルシャ語": ("fa",),
    "中国語(簡体字)": ("zh-Hans", "zh"),
    "中国語(繁体字)": ("zh-Hant", "zh"),
}


@dataclass(frozen=True)
class Found:
    """What a written value stands for: its ``code``, or a translated ``problem`` (never both).

    ``hint`` is the part of the problem worth adding to a service's own refusal of the value
    as written (which already says it is unknown): the suggestions, or why it is not found."""

    code: str | None
    problem: str | None = None
    hint: str | None = None


def plain(text: str) -> str:
    """NFKC, trimmed, without accents (Tiếng Việt → tieng viet), lower case."""
    value = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text or "").strip())
    return "".join(c for c in value if not unicodedata.combining(c)).lower()


def japanese_key(text: str) -> str:
    """A Japanese name as compared: NFKC, no spaces, ヶ/ケ and ヵ/カ made one."""
    value = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", "", value).replace("ヶ", "ケ").replace("ヵ", "カ")


def romaji_key(text: str) -> str:
    """A romanised name as compared: no accents, no kind (" City", "-machi", " (village)"),
    long vowels short (Ooizumi, Ōizumi and Oizumi are one key)."""
    value = re.sub(r"\(.*?\)", " ", plain(text))
    value = re.sub(r"[\s\-_'’.,]+", " ", value).strip()
    value = _ROMAJI_SUFFIX.sub("", value).replace(" ", "")
    return re.sub(r"o[ouh]", "o", value).replace("uu", "u")


def kana_keys(kana: str) -> list[str]:
    """A reading in hiragana, with and without the reading of its kind (みとし, みと)."""
    reading = re.sub(r"\s+", "", to_hiragana(unicodedata.normalize("NFKC", kana or "")))
    keys = [reading]
    for ending in _SUFFIX_READINGS:
        if reading.endswith(ending) and len(reading) > len(ending):
            keys.append(reading[: -len(ending)])
    return keys


def _name_keys(name_ja: str, kana: str, name_en: str) -> set[str]:
    keys = {japanese_key(name_ja), romaji_key(name_en), *kana_keys(kana)}
    stem = japanese_key(name_ja)
    if stem[-1:] in _SUFFIXES and len(stem) > 1:
        keys.add(stem[:-1])
    return {key for key in keys if key}


def _written_keys(text: str) -> list[str]:
    """The keys a written municipality is looked up by, most literal first; a leading
    prefecture (群馬県) and county (邑楽郡) are dropped as in an address."""
    value = japanese_key(text)
    keys = [value]
    for prefecture in shipped.prefectures().values():
        if value.startswith(prefecture.name_ja) and len(value) > len(prefecture.name_ja):
            value = value[len(prefecture.name_ja) :]
            keys.append(value)
            break
    county = value.find("郡")
    if 0 < county < len(value) - 1:
        keys.append(value[county + 1 :])
    keys += [to_hiragana(key) for key in keys]
    keys.append(romaji_key(text))
    return list(dict.fromkeys(key for key in keys if key))


# --- Municipalities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MunicipalityIndex:
    keys: dict[str, frozenset[str]]  # key → codes
    home_prefecture: str | None


def _municipality_index() -> _MunicipalityIndex:
    data = reference_data()

    def build() -> _MunicipalityIndex:
        keys: dict[str, set[str]] = {}
        for ref in data.municipalities.values():
            for key in _name_keys(ref.name_ja, ref.kana, ref.name_en):
                keys.setdefault(key, set()).add(ref.code)
        current = [m.prefecture_code for m in data.municipalities.values() if not m.valid_until]
        home = _settings_prefecture() or (
            Counter(current).most_common(1)[0][0] if current else None
        )
        return _MunicipalityIndex({k: frozenset(v) for k, v in keys.items()}, home)

    return data.derive(("lookup", "municipalities"), build)


@cache
def _shipped_index() -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for row in shipped.municipalities():
        for key in _name_keys(row.name_ja, row.kana, row.name_en):
            keys.setdefault(key, set()).add(row.code)
    return {k: frozenset(v) for k, v in keys.items()}


def _settings_prefecture() -> str | None:
    """The prefecture in the programme's settings, when they are kept (and set)."""
    try:
        from supporters.programme.settings import current
    except ImportError:  # settings not in this build: the municipalities tell
        return None
    return current().prefecture_code or None


def programme_prefecture() -> str | None:
    """The programme's prefecture: its settings', else the one most of its current
    municipalities are in."""
    return _municipality_index().home_prefecture


def _latin(text: str) -> bool:
    return unicodedata.normalize("NFKC", text or "").isascii()


def municipality_label(code: str, latin: bool = False, with_prefecture: bool = False) -> str:
    """A municipality as a suggestion names it: 水戸市 (or Mito), with its prefecture if asked."""
    ref = reference_data().municipalities.get(code)
    row = ref or shipped.shipped_municipality(code)
    if row is None:
        return code
    name = row.name_en if latin else row.name_ja
    if with_prefecture:
        prefecture = shipped.prefectures().get(row.prefecture_code)
        if prefecture is not None:
            where = prefecture.name_en if latin else prefecture.name_ja
            return f"{name} ({where}, {code})"
    return name


def find_municipality(text: str) -> Found:
    """The 5-digit code of a municipality written as a code (with or without check digit) or a
    name (kanji with or without 市/町/村, kana, romaji); else a problem with suggestions."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return Found(None)  # nothing written: whoever needs one says so
    code, why = parse_municipality_code(value)
    if code is not None:
        return Found(code)  # known or not, the service that uses it says so
    if why == BAD_CHECK_DIGIT:
        problem = _(
            "“%(value)s”: the last digit is not the check digit of the JIS code.", value=value
        )
        return Found(None, problem, problem)
    index = _municipality_index()
    latin = _latin(value)
    for key in _written_keys(value):
        codes = index.keys.get(key)
        if codes:
            return _one_of(value, codes, index.home_prefecture, latin)
    return _unknown_municipality(value, index, latin)


def _one_of(value: str, codes: frozenset[str], home: str | None, latin: bool) -> Found:
    refs = reference_data().municipalities
    chosen = sorted(codes)
    current = [code for code in chosen if not refs[code].valid_until]
    chosen = current or chosen
    own = [code for code in chosen if refs[code].prefecture_code == home]
    chosen = own or chosen
    if len(chosen) == 1:
        return Found(chosen[0])
    names = ", ".join(municipality_label(code, latin, with_prefecture=True) for code in chosen)
    problem = _(
        "“%(value)s” names several municipalities: %(names)s. Give the code.",
        value=value,
        names=names,
    )
    return Found(None, problem, problem)


def _unknown_municipality(value: str, index: _MunicipalityIndex, latin: bool) -> Found:
    elsewhere = next(
        (_shipped_index()[key] for key in _written_keys(value) if key in _shipped_index()), None
    )
    if elsewhere:
        names = ", ".join(
            municipality_label(code, latin, with_prefecture=True) for code in sorted(elsewhere)
        )
        problem = _(
            "“%(value)s” (%(names)s) is not among this programme's municipalities.",
            value=value,
            names=names,
        )
        return Found(None, problem, problem)
    keys = _written_keys(value)
    close = []
    for key in keys[:1] + keys[-1:]:  # as written, and as romaji
        close += difflib.get_close_matches(key, index.keys, n=10, cutoff=CUTOFF)
    codes = []
    for key in close:
        for code in sorted(index.keys[key]):
            if code not in codes:
                codes.append(code)
    names = list(dict.fromkeys(municipality_label(code, latin) for code in codes))[:SUGGESTIONS]
    message = _("No municipality “%(value)s” in this programme.", value=value)
    return Found(None, not_found(message, names), did_you_mean(value, names))


def did_you_mean(value: str, suggestions: list[str]) -> str | None:
    """“水土市”: did you mean 水戸市, 土浦市? (None when there is nothing to suggest)."""
    if not suggestions:
        return None
    return _("“%(value)s”: did you mean %(names)s?", value=value, names=", ".join(suggestions))


def not_found(message: str, suggestions: list[str]) -> str:
    """``message`` followed by "Did you mean: …" when there is anything to suggest."""
    if not suggestions:
        return message
    more = _("Did you mean: %(names)s?", names=", ".join(suggestions))
    return f"{message} {more}"


# --- Languages ------------------------------------------------------------------------------------


def _language_keys(code: str, *names: str) -> set[str]:
    keys = {code.lower()}
    for name in names:
        if not name:
            continue
        keys.add(plain(name))
        key = japanese_key(name)
        keys.add(key)
        if key.endswith("語") and len(key) > 1:
            keys.add(key[:-1])
    return {key for key in keys if key}


@cache
def _babel_names(code: str) -> tuple[str, ...]:
    """The language's name in every UI language and in itself (as Babel/CLDR writes them)."""
    key = code.replace("-", "_")
    names = []
    for locale in (*NAME_LOCALES, key):
        try:
            found = Locale.parse(locale).languages.get(key)
        except (UnknownLocaleError, ValueError):
            found = None
        if found:
            names.append(found)
    return tuple(names)


def _language_index() -> dict[str, str]:
    data = reference_data()

    def build() -> dict[str, str]:
        keys: dict[str, str] = {}
        ordered = sorted(data.languages.values(), key=lambda ref: (len(ref.code), ref.code))
        for ref in ordered:
            names = (ref.name_en, ref.name_ja, ref.name_native, *_babel_names(ref.code))
            for key in _language_keys(ref.code, *names):
                keys.setdefault(key, ref.code)
        for name, codes in OTHER_LANGUAGE_NAMES.items():
            code = next((code for code in codes if code in data.languages), None)
            if code is not None:
                for key in _language_keys(code, name):
                    keys.setdefault(key, code)
        return keys

    return data.derive(("lookup", "languages"), build)


@cache
def _iso_index() -> dict[str, str]:
    """Every ISO 639 language Babel knows (what an admin may add), by code and name."""
    keys: dict[str, str] = {}
    natives = set(locale_identifiers())
    english, japanese = Locale("en").languages, Locale("ja").languages
    codes = sorted(
        (c for c in english if re.fullmatch(r"[a-z]{2,3}", c)), key=lambda c: (len(c), c)
    )
    for code in codes:
        names = [english[code], japanese.get(code, "")]
        if code in natives:
            names.append(Locale.parse(code).languages.get(code, ""))
        for key in _language_keys(code, *names):
            keys.setdefault(key, code)
    return keys


def language_label(code: str) -> str:
    """A language as a message names it, in the viewer's language."""
    ref = reference_data().languages.get(code)
    if ref is not None:
        return ref.name(current_locale())
    key = code.replace("-", "_")
    names = Locale.parse("ja" if current_locale().startswith("ja") else "en").languages
    return names.get(key, code)


def _language_written_keys(text: str) -> list[str]:
    value = unicodedata.normalize("NFKC", text or "").strip()
    keys = [value.lower().replace("_", "-"), plain(value), japanese_key(value)]
    return list(dict.fromkeys(key for key in keys if key))


def find_language(text: str) -> Found:
    """The code of a language the programme has, written as a code or a name in Japanese,
    English, the language itself or another UI language; else a problem: not in the list
    (but known to ISO 639: an admin can add it), or unknown with suggestions."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return Found(None)
    index = _language_index()
    keys = _language_written_keys(value)
    lowered = reference_data().derive(
        ("lookup", "languages", "lower"), lambda: {k.lower(): c for k, c in index.items()}
    )
    for key in keys:
        code = index.get(key) or lowered.get(key.lower())
        if code:
            return Found(code)
    iso = next((_iso_index()[key] for key in keys if key in _iso_index()), None)
    if iso is not None:
        problem = _(
            "“%(value)s” (%(name)s, %(code)s) is not in this programme's language list; "
            "an admin can add it on the Languages page.",
            value=value,
            name=language_label(iso),
            code=iso,
        )
        return Found(None, problem, problem)
    close = []
    for key in keys:
        close += difflib.get_close_matches(key, index, n=10, cutoff=CUTOFF)
    names = list(dict.fromkeys(language_label(index[key]) for key in close))[:SUGGESTIONS]
    if not index:
        problem = _(
            "No language “%(value)s”: this programme's language list is empty; an admin adds "
            "languages on the Languages page.",
            value=value,
        )
        return Found(None, problem, problem)
    message = _("No language “%(value)s” in this programme's list.", value=value)
    return Found(None, not_found(message, names), did_you_mean(value, names))
