"""Which layout and language the sign-in step and two-factor pages use, by the person's role.

Supporters read their pages in one of twelve languages on a phone: signed in, their two-factor
settings sit in the portal's layout; half-signed-in (the code step after the password), the page
speaks the account's saved language in the layout of the other pages they reach without being
signed in (``credentials/layout.html``). Everyone else gets the console's layout and language.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import request
from flask_babel import force_locale

from supporters.access import is_supporter_account
from supporters.i18n import (
    SUPPORTER_LOCALES,
    is_supporter,
    match_supporter_locale,
    supporter_locale,
)
from supporters.models import User

CONSOLE_LAYOUT = "base.html"
PORTAL_LAYOUT = "portal/base.html"
# The supporters' pages opened without being signed in (set password, forgotten password).
SIGNED_OUT_LAYOUT = "credentials/layout.html"


def settings_layout(user) -> str:
    """The layout of the signed-in two-factor pages: the portal's for a supporter."""
    return PORTAL_LAYOUT if is_supporter(user) else CONSOLE_LAYOUT


@contextmanager
def sign_in_step(user: User) -> Iterator[dict]:
    """Render (and word flashes and errors of) a sign-in step for ``user``, half-signed-in.

    Yields the template variables of the layout. A supporter's step speaks ``?lang=`` (the
    layout's language links), else their saved language, cookie or browser's; the console's
    roles keep the request's language.
    """
    if not is_supporter_account(user):
        yield {"layout": CONSOLE_LAYOUT, "lang_arg": {}}
        return
    chosen = match_supporter_locale(request.args.get("lang"))
    locale = chosen or supporter_locale(user)
    with force_locale(locale.babel):
        yield {
            "layout": SIGNED_OUT_LAYOUT,
            "page_locale": locale,
            "supporter_locales": SUPPORTER_LOCALES,
            # Keep a language chosen on the page when its form is sent.
            "lang_arg": {"lang": chosen.code} if chosen else {},
        }
