"""Choosing the UI language, and locale-aware names for reference data and countries.

The console (coordinators, officers, officials) speaks Japanese and English. The public pages
for residents speak nine languages (``PUBLIC_LOCALES``); a signed-in supporter's pages speak
twelve (``SUPPORTER_LOCALES``). See docs/decisions.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

from babel import Locale, support
from flask import Request, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import (
    Domain,
    format_date,
    format_datetime,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_login import current_user
from markupsafe import Markup
from wtforms.i18n import messages_path

LOCALE_COOKIE = "yorisoi_lang"

# What each UI language calls itself, for the switcher (shown in its own language on purpose).
LOCALE_NAMES = {"ja": "日本語", "en": "English"}

PUBLIC_BLUEPRINT = "public"


@dataclass(frozen=True)
class PublicLocale:
    """A language of the residents' pages.

    ``code`` is what ``?lang=``, the cookie and the consent record use (a BCP 47 tag);
    ``babel`` names the Babel locale and its catalogue folder under ``translations/``.
    """

    code: str
    babel: str
    name: str  # what the language calls itself, for the switcher

    @property
    def html_lang(self) -> str:
        """The ``<html lang>`` value: Easy Japanese is Japanese to browsers and screen readers."""
        return "ja" if self.code == EASY_JAPANESE else self.code


# Easy Japanese has no BCP 47 subtag and no CLDR locale: a private-use tag outside, and the
# gettext-style modifier ``ja@easy`` inside (as in sr@latin), so that plain ``ja`` never
# falls back to its catalogue (``ja`` expands to ``ja_JP`` in gettext, never to ``ja@easy``).
EASY_JAPANESE = "ja-x-easy"

PUBLIC_LOCALES = (
    PublicLocale("ja", "ja", "日本語"),
    PublicLocale(EASY_JAPANESE, "ja@easy", "やさしいにほんご"),
    PublicLocale("en", "en", "English"),
    PublicLocale("vi", "vi", "Tiếng Việt"),
    PublicLocale("zh-Hans", "zh_Hans", "简体中文"),
    PublicLocale("fil", "fil", "Tagalog"),
    PublicLocale("pt-BR", "pt", "Português"),
    PublicLocale("id", "id", "Bahasa Indonesia"),
    PublicLocale("ne", "ne", "नेपाली"),
)
# The supporters' own pages add the languages of volunteers the residents' form does not ask for.
SUPPORTER_LOCALES = (
    *PUBLIC_LOCALES,
    PublicLocale("th", "th", "ไทย"),
    PublicLocale("ko", "ko", "한국어"),
    PublicLocale("es", "es", "Español"),
)
_PUBLIC_BY_CODE = {locale.code.lower(): locale for locale in PUBLIC_LOCALES}
_SUPPORTER_BY_CODE = {locale.code.lower(): locale for locale in SUPPORTER_LOCALES}
_SUPPORTER_BY_BABEL = {locale.babel: locale for locale in SUPPORTER_LOCALES}
# Tags people's browsers send that mean one of ours (Tagalog is ``tl`` or ``fil``).
_PUBLIC_ALIASES = {"tl": "fil", "zh": "zh-Hans", "pt": "pt-BR", "easy": EASY_JAPANESE}


def supported_locales() -> list[str]:
    """UI languages of the console, each with a complete catalogue."""
    return current_app.config["SUPPORTED_LOCALES"]


def select_locale() -> str:
    """The Babel locale of this request: residents' pages choose from nine languages, a
    signed-in supporter from twelve, everyone else (and every API answer) from the console's
    two."""
    if not has_request_context():  # CLI and cron jobs: messages in the default language
        return "ja"
    if request.path.startswith("/api/"):
        from supporters.api.auth import api_locale

        return api_locale()
    if request.blueprint == PUBLIC_BLUEPRINT:
        return public_locale().babel
    if is_supporter(current_user):
        return supporter_locale(current_user).babel
    return console_locale()


def is_supporter(user) -> bool:
    """Whether ``user`` is a signed-in supporter (whose pages speak the twelve languages)."""
    from supporters.models import Role

    return bool(user and user.is_authenticated and user.role == Role.SUPPORTER)


def console_locale() -> str:
    """User's saved language → cookie → browser's Accept-Language → Japanese."""
    supported = supported_locales()
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or "ja"


def match_public_locale(tag: str | None) -> PublicLocale | None:
    """The public language a tag asks for (``vi-VN`` → vi, ``tl`` → Tagalog), else None."""
    return _match(tag, _PUBLIC_BY_CODE)


def match_supporter_locale(tag: str | None) -> PublicLocale | None:
    """The supporters' language a tag asks for (``ko-KR`` → ko, ``es-419`` → es), else None."""
    return _match(tag, _SUPPORTER_BY_CODE)


def _match(tag: str | None, table: dict[str, PublicLocale]) -> PublicLocale | None:
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    for candidate in (tag, tag.split("-", 1)[0]):
        candidate = _PUBLIC_ALIASES.get(candidate, candidate).lower()
        if candidate in table:
            return table[candidate]
    return None


def supporter_locale_by_babel(babel: str | None) -> PublicLocale | None:
    """The supporters' language whose Babel locale is ``babel`` (as saved in ``User.locale``)."""
    return _SUPPORTER_BY_BABEL.get(babel or "")


def supporter_locale(user=None) -> PublicLocale:
    """Saved ``User.locale`` → cookie → Accept-Language → Japanese (Easy Japanese if chosen).

    ``user`` may be None on pages opened without an account (a forgotten password).
    """
    if user is not None and (saved := supporter_locale_by_babel(user.locale)):
        return saved
    if found := match_supporter_locale(request.cookies.get(LOCALE_COOKIE)):
        return found
    for tag, _quality in request.accept_languages:
        if found := match_supporter_locale(tag):
            return found
    return SUPPORTER_LOCALES[0]


def html_lang() -> str:
    """The ``<html lang>`` of the current page: ``ja`` for Easy Japanese, ``zh-Hans``, ``fil`` …"""
    locale = current_locale()
    found = _SUPPORTER_BY_BABEL.get(locale)
    return found.html_lang if found else locale.replace("_", "-")


def public_locale() -> PublicLocale:
    """``?lang=`` → cookie → Accept-Language → Japanese (Easy Japanese only when chosen)."""
    for tag in (request.args.get("lang"), request.cookies.get(LOCALE_COOKIE)):
        if found := match_public_locale(tag):
            return found
    for tag, _quality in request.accept_languages:
        if found := match_public_locale(tag):
            return found
    return PUBLIC_LOCALES[0]


def current_locale() -> str:
    """The Babel locale of the current request, e.g. ``ja`` (``ja@easy`` for Easy Japanese)."""
    return _babel_state()[1]


def translations():
    """The catalogue of the current locale (Flask-Babel's ``get_translations``, memoised)."""
    return _babel_state()[2]


def _babel_state() -> tuple:
    """(locale, its name, its catalogue) for the current request, memoised.

    A page asks for these dozens of times (every ``_()`` in a template, every localised name);
    Flask-Babel answers each time through several context lookups. The memo sits beside
    Flask-Babel's own per-request state and is keyed on the very locale and domain objects it
    holds, so ``force_locale`` (mail in the recipient's language) and ``refresh()`` — which
    replace or drop them — are seen at once.
    """
    app_context = _cv_app.get(None)  # one context-variable read, not two proxy lookups
    state = None if app_context is None else getattr(app_context.g, "_flask_babel", None)
    if state is not None and (memo := _valid_memo(state)) is not None:
        return memo
    catalogue = get_translations()  # resolves (and caches) the locale and domain first
    locale = get_locale()
    memo = (locale, str(locale or "ja"), catalogue)
    state = None if app_context is None else getattr(app_context.g, "_flask_babel", None)
    if state is None:  # outside an app context: nothing to keep it in
        return memo
    memo = (*memo, getattr(state, "babel_domain", None))
    state.yorisoi_memo = memo
    return memo


def _valid_memo(state) -> tuple | None:
    """The memo kept in Flask-Babel's request state, if its locale and domain are still those."""
    memo = getattr(state, "yorisoi_memo", None)
    if (
        memo is not None
        and memo[0] is getattr(state, "babel_locale", None)
        and memo[3] is getattr(state, "babel_domain", None)
    ):
        return memo
    return None


class _MemoDomain(Domain):
    """Flask-Babel's message domain, answering from the request's memo when it holds one.

    Every ``lazy_gettext`` label (form fields, option lists, label tables) goes through the
    domain's ``get_translations``, which otherwise looks the locale and the catalogue up again
    through several context lookups per string.
    """

    def get_translations(self):
        app_context = _cv_app.get(None)
        state = None if app_context is None else getattr(app_context.g, "_flask_babel", None)
        if state is not None:
            memo = _valid_memo(state)
            if memo is not None and memo[3] is self:
                return memo[2]
        catalogue = super().get_translations()
        if state is not None and getattr(state, "babel_domain", None) is self:
            locale = get_locale()  # resolved (and kept) by the call above
            state.yorisoi_memo = (locale, str(locale or "ja"), catalogue, self)
        return catalogue


_WTFORMS_CATALOGUES: dict[str, support.Translations] = {}


class _Request(Request):
    """Flask's request, with WTForms' own messages loaded once per process for each locale.

    Flask-WTF reads WTForms' catalogue (its "Not a valid choice" and the like) from the
    request's ``wtforms_translations`` and, when the request has none, parses the ``.mo`` file
    again for every request that builds a form. The catalogue depends on the locale alone.
    """

    @cached_property
    def wtforms_translations(self):
        locale = get_locale()
        key = str(locale)
        catalogue = _WTFORMS_CATALOGUES.get(key)
        if catalogue is None:
            catalogue = support.Translations.load(messages_path(), [locale], domain="wtforms")
            _WTFORMS_CATALOGUES[key] = catalogue
        return catalogue


_FORMATTED: dict[tuple, str] = {}
_FORMATTED_MAX = 4096


def _datetimeformat(value=None, format=None, rebase=True) -> str:
    """Flask-Babel's ``datetimeformat`` filter, remembering what it wrote.

    A list shows a date and time on every row, and the same rows again on the next request;
    Babel takes ~20 µs to format each. The answer depends only on the value, the format, the
    language, the time zone and the app's named formats, so it is kept under exactly those
    (a bounded table, emptied when full). "Now" (no value) is never kept.
    """
    if value is None:
        return format_datetime(value, format, rebase)
    babel = current_app.extensions["babel"]
    key = (value, format, rebase, current_locale(), str(get_timezone()), id(babel))
    text = _FORMATTED.get(key)
    if text is None:
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        text = _FORMATTED[key] = format_datetime(value, format, rebase)
    return text


def _dateformat(value=None, format=None, rebase=True):
    """Flask-Babel's ``dateformat`` filter; on Easy Japanese pages a day in words with its
    readings (2026年5月14日 with ruby), not the code-like 2026/05/14 (review E-15)."""
    from supporters import names

    if value is not None and format in (None, "short", "medium"):
        if current_locale() == names.EASY:
            return ruby(format_date(value, "long", rebase))
    return format_date(value, format, rebase)


def install_template_gettext(app) -> None:
    """Templates' ``_()``/``ngettext()`` through the memoised catalogue (same messages as
    Flask-Babel's own callables, which this replaces, without its per-call lookups); the same
    memo behind ``lazy_gettext`` labels (:class:`_MemoDomain`), WTForms' catalogue kept per
    locale (:class:`_Request`) and the ``datetimeformat`` filter's answers kept."""
    app.request_class = _Request  # WTForms' catalogue: loaded once, not per request
    app.jinja_env.filters["datetimeformat"] = _datetimeformat
    app.jinja_env.filters["dateformat"] = _dateformat
    babel = app.extensions["babel"].instance  # one Babel object serves every app
    if not isinstance(vars(babel).get("domain_instance"), _MemoDomain):
        babel.domain_instance = _MemoDomain(
            domain=app.config.get("BABEL_DEFAULT_DOMAIN", "messages")
        )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


_TRANSLATED: dict[tuple[int, str], tuple] = {}


def translated_labels(labels: Mapping | tuple) -> dict | tuple:
    """A module-level label table (``lazy_gettext`` words) in the current language, kept.

    A list page looks a status, mode or category up on every row; each lazy word is translated
    again through Flask-Babel every time it is shown. The table translated once per process for
    each language gives the same words. Lazy words become :class:`~markupsafe.Markup`, as a
    template treated them (their ``__html__``), so the page's escaping is unchanged. A table by
    position (the weekdays) comes back as a tuple.
    """
    key = (id(labels), current_locale())
    found = _TRANSLATED.get(key)
    if found is None or found[0] is not labels:
        if isinstance(labels, Mapping):
            table = {code: _as_shown(word) for code, word in labels.items()}
        else:
            table = tuple(_as_shown(word) for word in labels)
        found = _TRANSLATED[key] = (labels, table)
    return found[1]


def _as_shown(word):
    return Markup(word.__html__()) if hasattr(word, "__html__") else word


def localized_name(obj) -> str:
    """The name of a municipality or language in the current UI language (``names.py``: CLDR
    language names in the reader's language, municipalities in kana for Easy Japanese)."""
    from supporters import names

    if obj is None:
        return ""
    if hasattr(obj, "kana"):
        return names.municipality_name(obj, current_locale())
    if hasattr(obj, "name_native"):
        return names.language_name(obj, current_locale())
    return obj.name(current_locale())


def ruby(value) -> Markup | str:
    """Jinja filter ``ruby``: kanji data with furigana on Easy Japanese pages, else unchanged.

    Readings the programme knows (its municipalities' kana) win over the dictionary's."""
    from supporters import furigana, names

    if isinstance(value, Markup) or not value or current_locale() != names.EASY:
        return value  # Markup is already HTML: never escaped twice
    if not furigana.has_kanji(str(value)):
        return value
    from supporters.reference_data import reference_data

    data = reference_data()
    known = data.derive(
        "furigana", lambda: furigana.municipality_readings(data.municipalities.values())
    )
    return furigana.ruby(str(value), known)


def country_name(code: str) -> str:
    """A country or region's name (ISO 3166-1 alpha-2) in the current UI language."""
    return Locale.parse(current_locale()).territories.get(code.upper(), code.upper())


# CLDR's two-letter codes that are no country or region a person is a national of: the EU, the
# euro area, the UN, "outlying Oceania", the pseudo-locales and "unknown region".
NOT_A_NATIONALITY = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def country_choices() -> list[tuple[str, str]]:
    """Every country and region as (code, localised name), sorted by name — in Japanese by
    reading (五十音順: 中国 among the ち, not after every katakana name), and in Easy Japanese
    with the reading after a kanji name, 中国（ちゅうごく） (an ``<option>`` holds no ruby)."""
    return list(_country_choices(current_locale()))


@lru_cache(maxsize=32)
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(locale).territories
    pairs = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_A_NATIONALITY
    ]
    if not locale.startswith("ja"):
        return tuple(sorted(pairs, key=lambda pair: pair[1]))
    from supporters import furigana, names

    pairs.sort(key=lambda pair: furigana.sort_key(pair[1]))
    if locale == names.EASY:
        return tuple((code, furigana.country_label(name)) for code, name in pairs)
    return tuple(pairs)


def list_sep() -> str:
    """The separator between items of an inline list: 、 in Japanese, a comma elsewhere."""
    return "、" if current_locale().startswith("ja") else ", "
