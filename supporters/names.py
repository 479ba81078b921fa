"""Names of languages and municipalities as the reader reads them.

- Japanese and English (the console's languages): the names the reference data holds, which
  admins keep (``name_ja`` / ``name_en``).
- Easy Japanese: no kanji without a reading — a municipality by its own kana (古河市 → こがし),
  a language in kana (ベトナム語 → ベトナムご).
- Every other language: a language by its name in that language from CLDR through Babel
  (``Locale("vi").languages["vi"]`` → "Tiếng Việt", not "Vietnamese"), falling back to the
  English name; a municipality by its romanised name (Koga), which is how it is signposted.
"""

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from supporters import furigana

EASY = "ja@easy"
# Language codes CLDR files under another code in some languages (Nepali knows फिलिपिनी only).
_ALIASES = {"tl": "fil", "fil": "tl"}


def language_name(language, locale: str) -> str:
    """A language (``Language`` or ``LanguageRef``) named in the reader's ``locale``."""
    if language is None:
        return ""
    if locale == EASY:
        return furigana.reading(language.name_ja)
    if locale in ("ja", "en") or locale.startswith(("ja_", "en_")):
        return language.name(locale)
    return _cldr_language(language.code, locale) or language.name_en


def municipality_name(place, locale: str) -> str:
    """A municipality (``Municipality`` or ``MunicipalityRef``) named for ``locale``."""
    if place is None:
        return ""
    if locale != EASY:
        return place.name(locale)
    own = furigana.hiragana(place.kana) if place.kana else furigana.reading(place.name_ja)
    if not place.successor_code:
        return own
    return f"{own} → {_successor_kana(place)}"


def _successor_kana(place) -> str:
    successor = getattr(place, "successor", None)  # the model has the relationship
    if successor is None:
        from flask import has_request_context

        if has_request_context():
            from supporters.reference_data import reference_data

            successor = reference_data().municipalities.get(place.successor_code)
    if successor is not None and successor.kana:
        return furigana.hiragana(successor.kana)
    return furigana.reading(getattr(place, "successor_name_ja", "") or place.successor_code)


def _cldr_language(code: str, locale: str) -> str | None:
    names = _cldr_names(locale)
    if not names:
        return None
    tag = code.replace("-", "_")
    for candidate in (tag, tag.split("_", 1)[0], _ALIASES.get(tag)):
        if candidate and (name := names.get(candidate)):
            return name[:1].upper() + name[1:]  # standalone label: "Vietnamita", "Tiếng Việt"
    return None


@lru_cache(maxsize=32)
def _cldr_names(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).languages)
    except (UnknownLocaleError, ValueError):
        return {}
