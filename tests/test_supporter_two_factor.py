"""Two-factor sign-in for supporters: offered on their profile, in the portal, in their language.

User stories: "As a supporter who sees residents' names and hospital visits, I can protect my
account with a code from my phone, set up from my profile in my own language — and nobody forces
me to." "As a supporter signing in on a small phone, the code step speaks my language too."
"""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from supporters.models import AuditEvent, TwoFactor, User
from tests.conftest import Auth, post_form
from tests.test_page_weight import ASSET, BUDGET, EXTERNAL, _weight

SECRET_ON_PAGE = re.compile(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>')
RECOVERY_CODES = re.compile(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")
PORTAL = "css/portal.css"
CONSOLE_NAV = ("/dashboard/", 'class="top"', "css/app.css")


@pytest.fixture
def supporter_account(db, make_supporter, make_user):
    """A certified supporter's account, reading its pages in a language set per test."""

    def factory(locale: str = "en", email: str = "lan@example.jp") -> User:
        supporter = make_supporter(email=email)
        user = make_user("supporter", email=email, supporter=supporter)
        user.locale = locale
        db.session.commit()
        return user

    return factory


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _page(response) -> str:
    return response.get_data(as_text=True)


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _in_portal_layout(page: str) -> bool:
    return PORTAL in page and not any(mark in page for mark in CONSOLE_NAV)


def _enrol_from_profile(client) -> tuple[str, str]:
    """Open the settings from the profile, set up an authenticator: (secret, codes page)."""
    profile = _page(client.get("/me/profile"))
    assert 'href="/account/two-factor" data-testid="two-factor-link"' in profile
    start = post_form(client, "/account/two-factor/start", {}, "/account/two-factor")
    assert start.status_code == 302
    page = _page(client.get("/account/two-factor"))
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    done = post_form(
        client, "/account/two-factor/confirm", {"code": _code(secret)}, "/account/two-factor"
    )
    assert done.status_code == 200
    return secret, _page(done)


def _sign_out(client) -> None:
    assert post_form(client, "/logout", {}, "/me/profile").status_code == 302


def test_supporter_enrols_from_the_profile_and_signs_in_with_a_code(client, db, supporter_account):
    """From the profile to the recovery codes, all in the portal; then password + code → /me/."""
    user = supporter_account("en")
    assert Auth(client).login("lan@example.jp").status_code == 302

    settings = _page(client.get("/account/two-factor"))
    assert _in_portal_layout(settings) and "Off." in settings
    secret, codes_page = _enrol_from_profile(client)
    assert _in_portal_layout(codes_page)
    assert len(RECOVERY_CODES.findall(codes_page)) == 10
    assert db.session.scalar(select(TwoFactor.secret).where(TwoFactor.user_id == user.id))
    _sign_out(client)

    password_step = Auth(client).login("lan@example.jp")
    assert password_step.headers["Location"].endswith("/login/two-factor")
    assert client.get("/me/").status_code == 302  # the password alone opens nothing
    step = _page(client.get("/login/two-factor"))
    assert "Open the authenticator app" in step
    # A code is accepted once (the enrolment used this step's): the phone's next one is taken.
    code = _code(secret, steps_ahead=1)
    signed_in = post_form(client, "/login/two-factor", {"code": code}, follow_redirects=True)
    assert signed_in.status_code == 200
    assert signed_in.request.path == "/me/"
    login = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.id.desc())
    ).first()
    assert login.detail == "totp"


def test_vietnamese_supporter_sees_the_pages_in_vietnamese_in_the_portal(client, supporter_account):
    """Settings and recovery codes in the portal layout, the code step in the account's language
    and the layout of the pages opened without signing in, readable on a phone."""
    supporter_account("vi")
    Auth(client).login("lan@example.jp")
    settings = _page(client.get("/account/two-factor"))
    assert _html_lang(settings) == "vi" and _in_portal_layout(settings)
    secret, codes_page = _enrol_from_profile(client)
    assert _html_lang(codes_page) == "vi" and _in_portal_layout(codes_page)
    _sign_out(client)

    client.set_cookie("yorisoi_lang", "ja")  # the browser's earlier choice: their account wins
    Auth(client).login("lan@example.jp")
    step = _page(client.get("/login/two-factor"))
    assert _html_lang(step) == "vi"
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in step
    assert not any(mark in step for mark in ("/dashboard/", 'class="top"'))
    assert 'name="code"' in step and 'autocomplete="one-time-code"' in step

    # The layout's language links work on this step, and the form keeps the choice.
    thai = _page(client.get("/login/two-factor?lang=th"))
    assert _html_lang(thai) == "th" and 'action="/login/two-factor?lang=th"' in thai
    wrong = post_form(client, "/login/two-factor?lang=th", {"code": "000000"}, "/login/two-factor")
    assert wrong.status_code == 401 and _html_lang(_page(wrong)) == "th"


def test_console_roles_keep_the_console_layout(client, auth, users):
    auth.login("official@example.jp")
    page = _page(client.get("/account/two-factor"))
    assert "css/app.css" in page and PORTAL not in page


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin", "coordinator")
    return app


def test_two_factor_stays_optional_for_supporters_when_staff_must_use_it(
    required, client, db, supporter_account
):
    """Signing in needs no authenticator, and one set up can be turned off with the password."""
    user = supporter_account("en")
    signed_in = Auth(client).login("lan@example.jp", follow_redirects=True)
    assert signed_in.request.path == "/me/"
    assert "Your role requires" not in _page(client.get("/account/two-factor"))
    _enrol_from_profile(client)

    off = post_form(
        client,
        "/account/two-factor/disable",
        {"disable-password": "correct horse battery staple"},
        "/account/two-factor",
    )
    assert off.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))
    assert row is None or not row.enrolled


def test_supporter_renews_recovery_codes_in_the_portal(client, supporter_account):
    supporter_account("en")
    Auth(client).login("lan@example.jp")
    _secret, first = _enrol_from_profile(client)
    wrong = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"renew-password": "no"},
        "/account/two-factor",
    )
    assert wrong.status_code == 422 and _in_portal_layout(_page(wrong))
    renewed = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"renew-password": "correct horse battery staple"},
        "/account/two-factor",
    )
    page = _page(renewed)
    assert renewed.status_code == 200 and _in_portal_layout(page)
    assert set(RECOVERY_CODES.findall(page)).isdisjoint(RECOVERY_CODES.findall(first))


@pytest.mark.parametrize("locale", ["ne", "th"])
def test_two_factor_pages_stay_light_on_a_phone(client, supporter_account, locale):
    """With the QR code inline, the settings page and the code step stay under the portal's
    budget and fetch nothing from elsewhere."""
    supporter_account(locale)
    Auth(client).login("lan@example.jp")
    post_form(client, "/account/two-factor/start", {}, "/account/two-factor")
    pages = [_weight(client, "/account/two-factor")]
    secret = SECRET_ON_PAGE.search(pages[0][1]).group(1).replace(" ", "")
    post_form(client, "/account/two-factor/confirm", {"code": _code(secret)}, "/account/two-factor")
    _sign_out(client)
    Auth(client).login("lan@example.jp")
    pages.append(_weight(client, "/login/two-factor"))
    for total, page, assets in pages:
        assert total <= BUDGET, f"{total} bytes with {assets}"
        assert not [a for a in ASSET.findall(page) if EXTERNAL.search(a)]
