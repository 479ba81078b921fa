"""Japanese first, English complete: every message translated, the language chosen as promised."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from supporters.config import ROOT

CATALOGUES = ("ja", "en")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
METHOD_MAP = [("supporters/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> set:
    """Every msgid the code and templates use (singular form for plurals); a message with a
    context (``pgettext``) as ``(context, msgid)``."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid) if context else msgid)
    return found


def _catalogue(locale: str):
    path = Path(ROOT, "translations", locale, "LC_MESSAGES", "messages.po")
    assert path.exists(), f"missing catalogue {path}"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_source_message_is_translated(locale):
    catalogue = _catalogue(locale)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        key = (message.context, key) if message.context else key
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = message.fuzzy is False and all(s.strip() for s in strings)
    missing = sorted((m for m in _source_messages() if not translated.get(m)), key=str)
    assert not missing, f"{locale}: untranslated or fuzzy: {missing[:20]} ({len(missing)} in all)"


@pytest.mark.parametrize("locale", CATALOGUES)
def test_placeholders_survive_translation(locale):
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in _catalogue(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(placeholder.findall(i) for i in ids))
        for string in strings:
            assert set(placeholder.findall(string)) == expected, (message.id, string)


def _lang(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_japanese_is_the_default(client):
    assert _lang(client.get("/login")) == "ja"
    assert "ログイン" in client.get("/login").get_data(as_text=True)


def test_browser_language_is_honoured(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(response) == "en"
    assert "Sign in" in response.get_data(as_text=True)
    assert _lang(client.get("/login", headers={"Accept-Language": "fr, de"})) == "ja"


def test_switcher_sets_a_cookie_that_beats_the_browser(client):
    from tests.conftest import post_form

    response = post_form(client, "/language", {"language": "en", "next": "/login"}, "/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _lang(client.get("/login", headers={"Accept-Language": "ja"})) == "en"


def test_users_saved_language_beats_the_cookie(client, db, auth, users):
    from supporters.models import User
    from tests.conftest import post_form

    auth.login("coordinator@example.jp")
    post_form(client, "/language", {"language": "en", "next": "/dashboard/"}, "/dashboard/")
    db.session.expire_all()
    assert db.session.get(User, users["coordinator"].id).locale == "en"
    client.set_cookie("yorisoi_lang", "ja")
    assert _lang(client.get("/dashboard/")) == "en"


def test_unknown_language_is_refused(client):
    from tests.conftest import post_form

    post_form(client, "/language", {"language": "xx", "next": "/login"}, "/login")
    assert _lang(client.get("/login")) == "ja"


def test_switcher_does_not_redirect_off_site(client):
    from tests.conftest import post_form

    data = {"language": "en", "next": "//evil.example"}
    response = post_form(client, "/language", data, "/login")
    assert response.headers["Location"] == "/"
