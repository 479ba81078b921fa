"""The supporter's pages speak twelve languages, completely.

User story: "As a volunteer whose Japanese is still growing, every word of my pages — buttons,
errors, labels, notifications — is in the language I chose, not half in Japanese or English."

"Supporter-facing" is *derived* (tests/i18n_reach.py): from the entry points below — the
portal's views, the pages a supporter opens from a message, the account pages — the test follows
every template they render and every name they import, wherever it is defined. The decline form
of the offer page lives in ``supporters/help_requests/forms.py`` (``DeclineForm``); a hand list of
files once missed it and the form was English in every language. A new message anywhere a
supporter's page reaches fails this test until all twelve catalogues have it.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from supporters.config import ROOT
from supporters.i18n import SUPPORTER_LOCALES
from tests.i18n_reach import reach

# Entry points of a supporter (globs under the repository root): what they import is followed.
ENTRY_MODULES = [
    "supporters/portal/*.py",  # /me/: offers, assignments, case log, stipends, settings
    "supporters/labels.py",  # the label registry: the words of coded values portal pages show
    "supporters/notify/messages.py",  # what a notification says, in the supporter's language
    "supporters/notify/smtp.py",  # the e-mail's link lines
    "supporters/notify/action_routes.py",  # one-tap links from messages and the page they open
    "supporters/notify/line.py",
    "supporters/notify/line_webhook.py",
    "supporters/notify/addresses.py",
    "supporters/help_requests/confirmation.py",  # "I will be there" from a reminder
    "supporters/credentials/*.py",  # invitation, password reset, change password
    "supporters/auth/forms.py",  # the second factor's forms and the password policy
    "supporters/auth/passwords.py",
    "supporters/auth/routes.py",
]
ENTRY_TEMPLATE_FOLDERS = ["portal", "actions", "notifications", "credentials"]
ENTRY_TEMPLATES = [
    "auth/two_factor.html",
    "auth/second_factor.html",
    "auth/second_factor_setup.html",
    "auth/recovery_codes.html",
    "auth/_parts.html",
]
# Reached, but in the console's languages (ja/en) by design: the sign-in page uses the console
# layout before anyone is known (docs/glossary.md, "Known gaps").
CONSOLE_TEMPLATES = ["templates/base.html", "templates/auth/login.html"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@cache
def _reach():
    return reach(ENTRY_MODULES, ENTRY_TEMPLATES, ENTRY_TEMPLATE_FOLDERS, stop=CONSOLE_TEMPLATES)


def supporter_messages() -> set[tuple[str | None, str]]:
    """Every (context, msgid) a supporter's page reaches (the singular, for plurals)."""
    return _reach().messages


def _catalogue(babel_locale: str):
    path = Path(ROOT, "translations", babel_locale, "LC_MESSAGES", "messages.po")
    assert path.exists(), f"missing catalogue {path} (pybabel init -l {babel_locale})"
    with path.open("rb") as handle:
        return read_po(handle, locale=babel_locale.split("@")[0])


def test_the_sources_are_found():
    messages = {msgid for _context, msgid in supporter_messages()}
    assert "Availability" in messages and "Information dissemination" in messages


def test_what_a_supporter_reaches_is_followed_wherever_it_is_defined():
    """The decline form, its reasons and the resident's language words live outside the portal."""
    reached = _reach()
    assert "supporters/help_requests/forms.py:DeclineForm" in reached.python
    assert "supporters/help_requests/forms.py:IntakeForm" not in reached.python  # console only
    messages = {msgid for _context, msgid in supporter_messages()}
    assert {"Why not?", "Anything to add (optional)", "Decline"} <= messages
    assert "Not specified / Easy Japanese" in messages  # help_requests/labels.language_label
    assert "portal/offer.html" in reached.templates and "_macros.html" in reached.templates


@pytest.mark.parametrize("locale", [loc.babel for loc in SUPPORTER_LOCALES])
def test_every_supporter_message_is_translated(locale):
    catalogue = _catalogue(locale)
    missing, wrong = [], []
    for context, msgid in sorted(supporter_messages(), key=lambda m: (m[1], m[0] or "")):
        message = catalogue.get(msgid, context=context)
        strings = (
            ()
            if message is None
            else (message.string if isinstance(message.string, tuple) else (message.string,))
        )
        if message is None or message.fuzzy or not all(s.strip() for s in strings):
            missing.append(f"{msgid!r} ({_reach().origin[context, msgid]})")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        if any(set(PLACEHOLDER.findall(s)) != expected for s in strings):
            wrong.append(msgid)
    assert not missing, f"{locale}: untranslated or fuzzy: {missing[:15]} ({len(missing)} in all)"
    assert not wrong, f"{locale}: placeholders differ from the msgid: {wrong}"
