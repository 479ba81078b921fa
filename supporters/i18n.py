"""Choosing the UI language, and locale-aware names for reference data and countries."""

from babel import Locale
from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user

LOCALE_COOKIE = "yorisoi_lang"

# What each UI language calls itself, for the switcher (shown in its own language on purpose).
LOCALE_NAMES = {"ja": "日本語", "en": "English"}


def supported_locales() -> list[str]:
    """UI languages with a complete catalogue."""
    return current_app.config["SUPPORTED_LOCALES"]


def select_locale() -> str:
    """User's saved language → cookie → browser's Accept-Language → Japanese."""
    supported = supported_locales()
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or "ja"


def current_locale() -> str:
    """The language code of the current request, e.g. ``ja``."""
    return str(get_locale() or "ja")


def localized_name(obj) -> str:
    """The name of a municipality or language in the current UI language."""
    return obj.name(current_locale()) if obj is not None else ""


def country_name(code: str) -> str:
    """A country or region's name (ISO 3166-1 alpha-2) in the current UI language."""
    return Locale.parse(current_locale()).territories.get(code.upper(), code.upper())


def country_choices() -> list[tuple[str, str]]:
    """Every country and region as (code, localised name), sorted by name."""
    territories = Locale.parse(current_locale()).territories
    pairs = [
        (code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()
    ]
    return sorted(pairs, key=lambda pair: pair[1])


def list_sep() -> str:
    """The separator between items of an inline list: 、 in Japanese, a comma elsewhere."""
    return "、" if current_locale() == "ja" else ", "
