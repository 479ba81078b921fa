"""The supporter's pages speak twelve languages, completely.

User story: "As a volunteer whose Japanese is still growing, every word of my pages — buttons,
errors, labels, notifications — is in the language I chose, not half in Japanese or English."

"Supporter-facing" is what the extractor finds in the portal's templates and code, in the
notification list and mails, and in ``supporters/labels.py`` (the label registry: the words of
coded values supporter pages show). A new message there fails this test until all twelve
catalogues have it.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from supporters.config import ROOT
from supporters.i18n import SUPPORTER_LOCALES

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
# Where supporter-facing words live (relative to the repository root).
SOURCES = [
    ("templates/portal", "**.html", "jinja2"),
    ("templates/notifications", "**.html", "jinja2"),
    ("supporters/portal", "**.py", "python"),
    # The one label registry: statuses, modes, levels, categories, reasons.
    ("supporters", "labels.py", "python"),
    ("supporters/notify", "messages.py", "python"),
    # One-tap links from messages: the e-mail's link lines and the page they open ([3/6]).
    ("supporters/notify", "smtp.py", "python"),
    ("supporters/notify", "action_routes.py", "python"),
    ("supporters/notify", "line.py", "python"),
    ("supporters/notify", "line_webhook.py", "python"),
    ("supporters/notify", "addresses.py", "python"),
    ("templates/actions", "**.html", "jinja2"),
    ("supporters/help_requests", "confirmation.py", "python"),
    # The case log's form and service messages, and the offer answers a supporter is shown.
    ("supporters/activities", "forms.py", "python"),
    ("supporters/activities", "log.py", "python"),
    ("supporters/activities", "drafts.py", "python"),
    # The stipend rule the supporter's page applies (the rest of supporters/stipends is the
    # coordinators' console, in Japanese and English only).
    ("supporters/stipends", "rules.py", "python"),
    ("supporters/help_requests", "offers.py", "python"),
    # Account pages opened from an e-mail (invitation, password reset), the change-password page
    # and the password policy's reasons: supporters read them too.
    ("templates/credentials", "**.html", "jinja2"),
    ("supporters/credentials", "**.py", "python"),
    ("supporters/auth", "passwords.py", "python"),
    # Two-factor sign-in: the settings (in the portal), the code step after the password, and
    # the sign-in forms and messages (supporters/auth/pages.py picks their layout and language).
    ("templates/auth", "two_factor.html", "jinja2"),
    ("templates/auth", "second_factor.html", "jinja2"),
    ("templates/auth", "second_factor_setup.html", "jinja2"),
    ("templates/auth", "recovery_codes.html", "jinja2"),
    ("templates/auth", "_parts.html", "jinja2"),
    ("supporters/auth", "forms.py", "python"),
    ("supporters/auth", "routes.py", "python"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def supporter_messages() -> set[str]:
    """Every msgid the supporter's pages use (the singular, for plurals)."""
    found = set()
    for folder, pattern, method in SOURCES:
        for *_where, message, _comments, _context in extract_from_dir(
            str(ROOT / folder), [(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalogue(babel_locale: str):
    path = Path(ROOT, "translations", babel_locale, "LC_MESSAGES", "messages.po")
    assert path.exists(), f"missing catalogue {path} (pybabel init -l {babel_locale})"
    with path.open("rb") as handle:
        return read_po(handle, locale=babel_locale.split("@")[0])


def test_the_sources_are_found():
    messages = supporter_messages()
    assert "Availability" in messages and "Information dissemination" in messages


@pytest.mark.parametrize("locale", [loc.babel for loc in SUPPORTER_LOCALES])
def test_every_supporter_message_is_translated(locale):
    catalogue = _catalogue(locale)
    missing, wrong = [], []
    for msgid in sorted(supporter_messages()):
        message = catalogue.get(msgid)
        strings = (
            ()
            if message is None
            else (message.string if isinstance(message.string, tuple) else (message.string,))
        )
        if message is None or message.fuzzy or not all(s.strip() for s in strings):
            missing.append(msgid)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        if any(set(PLACEHOLDER.findall(s)) != expected for s in strings):
            wrong.append(msgid)
    assert not missing, f"{locale}: untranslated or fuzzy: {missing[:15]} ({len(missing)} in all)"
    assert not wrong, f"{locale}: placeholders differ from the msgid: {wrong}"
