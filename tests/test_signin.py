"""Signing in: two-factor (TOTP and recovery codes), throttling that cannot lock the owner out,
every failed attempt audited, and a clear refusal for an account that may not be used.

User stories: "As a coordinator, my account opens residents' hospital visits, so a stolen
password alone must not be enough — and nobody can lock me out by guessing at my e-mail."
"As a supporter whose registration is suspended, I am told why I cannot sign in, in my language."
"""

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from supporters.i18n import LOCALE_COOKIE
from supporters.models import AuditEvent, RecoveryCode, TwoFactor, User
from tests.conftest import PASSWORD, Auth, post_form

SECRET_ON_PAGE = re.compile(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>')
RECOVERY_CODES = re.compile(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>")


def _english(client):
    client.set_cookie(LOCALE_COOKIE, "en")
    return client


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client, email: str) -> tuple[str, list[str]]:
    """Sign in, set up an authenticator on the settings page, sign out: (secret, codes)."""
    auth = Auth(client)
    assert auth.login(email).status_code == 302
    assert (
        post_form(client, "/account/two-factor/start", {}, "/account/two-factor").status_code == 302
    )
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    response = post_form(
        client, "/account/two-factor/confirm", {"code": _code(secret)}, "/account/two-factor"
    )
    assert response.status_code == 200
    codes = RECOVERY_CODES.findall(response.get_data(as_text=True))
    _logout(client)
    return secret, codes


def _logout(client) -> None:
    """Sign out with the button every page carries (the token from any page will do)."""
    assert post_form(client, "/logout", {}, "/no-such-page").status_code == 302


def _events(db, action: str, user: User | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if user is not None:
        stmt = stmt.where(AuditEvent.object_type == "User", AuditEvent.object_id == str(user.id))
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def _signed_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


# --- Enrolment ------------------------------------------------------------------------------------


def test_coordinator_sets_up_an_authenticator_with_a_local_qr_code(client, auth, db, users):
    """The QR code is drawn by the server (a data: image, no outside service sees the secret),
    the key is also shown as text, a code confirms it, and ten recovery codes are shown once."""
    _english(client)
    auth.login("coordinator@example.jp")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Off." in page

    assert (
        post_form(client, "/account/two-factor/start", {}, "/account/two-factor").status_code == 302
    )
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;[^"]+"[^>]* alt="[^"]+"', page)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    wrong = post_form(
        client, "/account/two-factor/confirm", {"code": "000000"}, "/account/two-factor"
    )
    assert wrong.status_code == 422
    assert "That code does not match" in wrong.get_data(as_text=True)
    assert db.session.scalar(select(TwoFactor.secret)) is None  # not on until confirmed

    done = post_form(
        client, "/account/two-factor/confirm", {"code": _code(secret)}, "/account/two-factor"
    )
    assert done.status_code == 200
    codes = RECOVERY_CODES.findall(done.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & set(codes)  # only hashes are kept
    assert db.session.scalar(select(TwoFactor.secret)) == secret
    assert len(_events(db, "two_factor_enabled", users["coordinator"])) == 1

    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "On since" in page and "Unused recovery codes left: 10" in page
    assert not RECOVERY_CODES.search(page)  # shown once, never again


def test_settings_page_is_linked_for_console_users(client, auth, users):
    auth.login("official@example.jp")
    assert 'href="/account/two-factor"' in client.get("/dashboard/").get_data(as_text=True)


# --- Signing in with the second factor ------------------------------------------------------------


def test_enrolled_account_needs_the_code_and_the_password_alone_opens_nothing(
    client, auth, db, users
):
    """After the password, the half-signed-in browser sees no page until the code is typed."""
    secret, _ = _enrol(client, "coordinator@example.jp")

    response = post_form(
        client,
        "/login",
        {"email": "coordinator@example.jp", "password": PASSWORD, "next": "/supporters/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/two-factor"
    for url in ("/dashboard/", "/supporters/", "/account/two-factor", "/me/"):
        refused = client.get(url)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")

    page = client.get("/login/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">' in page and '<label for="recovery_code">' in page

    response = post_form(client, "/login/two-factor", {"code": _code(secret, 1)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/supporters/"  # where they were going
    assert _signed_in(client)
    assert _events(db, "login", users["coordinator"])[-1].detail == "totp"


def test_a_code_is_accepted_only_once(app, client, auth, db, users):
    """A code seen over someone's shoulder (or replayed) does not sign in a second time."""
    secret, _ = _enrol(client, "coordinator@example.jp")
    code = _code(secret, 1)
    auth.login("coordinator@example.jp")
    assert post_form(client, "/login/two-factor", {"code": code}).status_code == 302
    _logout(client)

    other = app.test_client()
    Auth(other).login("coordinator@example.jp")
    replay = post_form(other, "/login/two-factor", {"code": code})
    assert replay.status_code == 401
    assert not _signed_in(other)
    failed = _events(db, "login_failed", users["coordinator"])
    assert failed[-1].detail.startswith("bad_second_factor")


def test_recovery_code_signs_in_once(client, auth, db, users):
    """A lost phone: a recovery code stands in for the app, once; the rest stay usable."""
    _, codes = _enrol(client, "coordinator@example.jp")
    _english(client)
    auth.login("coordinator@example.jp")
    typed = "  " + codes[0].upper().replace("-", " ") + " "  # as people copy it
    response = post_form(client, "/login/two-factor", {"recovery_code": typed})
    assert response.status_code == 302
    assert "9 are left" in client.get("/dashboard/").get_data(as_text=True)
    assert len(_events(db, "two_factor_recovery_code_used", users["coordinator"])) == 1
    _logout(client)

    auth.login("coordinator@example.jp")
    again = post_form(client, "/login/two-factor", {"recovery_code": codes[0]})
    assert again.status_code == 401
    assert post_form(client, "/login/two-factor", {"recovery_code": codes[1]}).status_code == 302


def test_half_signed_in_state_expires(client, auth, users):
    secret, _ = _enrol(client, "coordinator@example.jp")
    auth.login("coordinator@example.jp")
    with client.session_transaction() as session:
        session["signin_pending"] = {**session["signin_pending"], "at": time.time() - 301}
    response = post_form(client, "/login/two-factor", {"code": _code(secret, 1)}, "/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_code_attempts_are_limited(app, client, auth, users):
    """Whoever holds the password gets a few guesses at the code, then even the right one waits."""
    secret, _ = _enrol(client, "coordinator@example.jp")
    app.config["TWO_FACTOR_RATE_LIMIT"] = "3 per minute"
    auth.login("coordinator@example.jp")
    for guess in ("111111", "222222", "333333"):
        assert post_form(client, "/login/two-factor", {"code": guess}).status_code == 401
    assert post_form(client, "/login/two-factor", {"code": _code(secret, 1)}).status_code == 429
    assert not _signed_in(client)


def test_second_factor_page_says_what_is_wrong(client, auth, users):
    """An empty or wrong code gets a summary at the top that links to the field."""
    _enrol(client, "coordinator@example.jp")
    _english(client)
    auth.login("coordinator@example.jp")
    page = post_form(client, "/login/two-factor", {"code": ""}).get_data(as_text=True)
    assert 'role="alert"' in page and "Enter the code from your authenticator app" in page
    page = post_form(client, "/login/two-factor", {"code": "12"}).get_data(as_text=True)
    assert "That code is not right" in page


# --- Required for admins and coordinators ---------------------------------------------------------


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin", "coordinator")
    return app


def test_coordinator_without_authenticator_must_set_one_up_before_anything(
    required, client, db, users
):
    """Right after the password, a coordinator without an authenticator is sent to set one up,
    and can open nothing else until it is confirmed."""
    response = Auth(client).login("coordinator@example.jp")
    assert response.headers["Location"] == "/login/two-factor/setup"
    for url in ("/dashboard/", "/account/two-factor", "/requests/"):
        assert client.get(url).headers["Location"].startswith("/login")

    page = client.get("/login/two-factor/setup").get_data(as_text=True)
    assert "data:image/svg+xml" in page
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    done = post_form(client, "/login/two-factor/setup", {"code": _code(secret)})
    assert done.status_code == 200
    assert len(RECOVERY_CODES.findall(done.get_data(as_text=True))) == 10
    assert _signed_in(client)
    assert _events(db, "login", users["coordinator"])[-1].detail == "enrolled"


def test_other_roles_sign_in_with_the_password_alone(required, client, users):
    response = Auth(client).login("official@example.jp")
    assert response.headers["Location"] == "/"
    assert _signed_in(client)


def test_session_from_before_the_rule_is_sent_to_set_up(app, client, auth, users):
    """A coordinator signed in before two-factor became required reaches only the setup page."""
    auth.login("coordinator@example.jp")
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("coordinator",)
    response = client.get("/supporters/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200

    post_form(client, "/account/two-factor/start", {}, "/account/two-factor")
    secret = SECRET_ON_PAGE.search(client.get("/account/two-factor").get_data(as_text=True))
    code = _code(secret.group(1).replace(" ", ""))
    post_form(client, "/account/two-factor/confirm", {"code": code}, "/account/two-factor")
    assert client.get("/supporters/").status_code == 200


def test_required_role_cannot_turn_it_off(app, client, db, users):
    _, _codes = _enrol(client, "coordinator@example.jp")
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("admin", "coordinator")
    Auth(client).login("coordinator@example.jp")
    post_form(client, "/login/two-factor", {"recovery_code": _codes[0]})
    response = post_form(
        client, "/account/two-factor/disable", {"disable-password": PASSWORD}, "/account/two-factor"
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 1


# --- Turning off, new recovery codes (with the password again) ------------------------------------


def test_turning_off_needs_the_password(client, auth, db, users):
    secret, _ = _enrol(client, "official@example.jp")
    auth.login("official@example.jp")
    post_form(client, "/login/two-factor", {"code": _code(secret, 1)})

    wrong = post_form(
        client, "/account/two-factor/disable", {"disable-password": "not it"}, "/account/two-factor"
    )
    assert wrong.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 1

    right = post_form(
        client, "/account/two-factor/disable", {"disable-password": PASSWORD}, "/account/two-factor"
    )
    assert right.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 0
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert len(_events(db, "two_factor_disabled", users["official"])) == 1
    _logout(client)
    assert auth.login("official@example.jp").headers["Location"] == "/"  # password only again


def test_new_recovery_codes_replace_the_old_ones(client, auth, db, users):
    secret, old = _enrol(client, "coordinator@example.jp")
    auth.login("coordinator@example.jp")
    post_form(client, "/login/two-factor", {"code": _code(secret, 1)})
    refused = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"renew-password": "nope"},
        "/account/two-factor",
    )
    assert refused.status_code == 422
    response = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"renew-password": PASSWORD},
        "/account/two-factor",
    )
    new = RECOVERY_CODES.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    _logout(client)

    auth.login("coordinator@example.jp")
    assert post_form(client, "/login/two-factor", {"recovery_code": old[1]}).status_code == 401
    assert post_form(client, "/login/two-factor", {"recovery_code": new[0]}).status_code == 302


# --- No targeted lockout --------------------------------------------------------------------------


def _attempt(app, email: str, ip: str, password: str = "a wrong guess, again"):
    client = app.test_client()
    return post_form(
        client, "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_attacker_cannot_lock_the_coordinator_out(app, users):
    """An attacker at 10.0.0.1 who uses up the attempts on the coordinator's e-mail is refused;
    the coordinator, at their own desk (10.0.0.2), signs in at once."""
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert _attempt(app, "coordinator@example.jp", "10.0.0.1").status_code == 401
    refused = _attempt(app, "coordinator@example.jp", "10.0.0.1", PASSWORD)
    assert refused.status_code == 429
    assert 'action="/login"' in refused.get_data(as_text=True)  # a page, saying why
    # The same machine may still sign in to another account (the pair is limited, not the source).
    assert _attempt(app, "official@example.jp", "10.0.0.1", PASSWORD).status_code == 302
    assert _attempt(app, "coordinator@example.jp", "10.0.0.2", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_limited(app, users):
    app.config["LOGIN_SOURCE_RATE_LIMIT"] = "3 per minute"
    for n in range(3):
        assert _attempt(app, f"person{n}@example.jp", "10.0.0.7").status_code == 401
    assert _attempt(app, "coordinator@example.jp", "10.0.0.7", PASSWORD).status_code == 429
    assert _attempt(app, "coordinator@example.jp", "10.0.0.8", PASSWORD).status_code == 302


def test_spread_out_guessing_slows_each_address_but_never_locks_the_owner(app, users):
    """Past the account's ceiling of failures, every address gets a slow pace on that account —
    one try, then wait — so the owner's first try from their own address still works."""
    app.config["LOGIN_ACCOUNT_CEILING"] = "3 per hour"
    app.config["LOGIN_SLOWED_RATE_LIMIT"] = "1 per minute"
    for n in range(3):
        assert _attempt(app, "coordinator@example.jp", f"10.0.2.{n}").status_code == 401
    assert _attempt(app, "coordinator@example.jp", "10.0.2.50").status_code == 401
    assert _attempt(app, "coordinator@example.jp", "10.0.2.50").status_code == 429
    assert _attempt(app, "coordinator@example.jp", "10.0.2.99", PASSWORD).status_code == 302


# --- Failed sign-ins are audited ------------------------------------------------------------------


def test_every_failed_sign_in_is_audited_with_its_reason_and_address(app, db, users, make_user):
    """Even though the answer is an error (whose transaction is rolled back), the record stays."""
    users["official"].active = False
    db.session.commit()
    _attempt(app, "nobody@example.jp", "10.0.0.5")
    _attempt(app, "coordinator@example.jp", "10.0.0.5")
    _attempt(app, "official@example.jp", "10.0.0.5", PASSWORD)
    events = _events(db, "login_failed")
    assert [(e.object_type, e.object_id, e.detail) for e in events] == [
        ("User", "", "unknown_account from=10.0.0.5"),
        ("User", str(users["coordinator"].id), "bad_password from=10.0.0.5"),
        ("User", str(users["official"].id), "refused:deactivated from=10.0.0.5"),
    ]
    assert all(e.user_id is None for e in events)


# --- A clear refusal for an account that may not be used -----------------------------------------


def test_suspended_supporter_is_told_why_in_their_language(client, db, make_supporter, make_user):
    """With the right password a suspended supporter learns why (in their saved language); with a
    wrong one, the page is the one any stranger gets."""
    supporter = make_supporter(status="suspended", email="lan@example.jp")
    user = make_user("supporter", email="lan@example.jp", supporter=supporter)
    user.locale = "vi"
    db.session.commit()

    response = Auth(client).login("lan@example.jp")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert re.search(r'<p id="error-summary-title" lang="vi">[^<]+</p>', page)
    assert not _signed_in(client)
    assert Auth(client).login("lan@example.jp", "not the password").status_code == 401


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("suspended", "Your supporter registration is suspended"),
        ("retired", "Your supporter registration has ended"),
    ],
)
def test_refusal_names_the_reason(client, db, make_supporter, make_user, status, words):
    supporter = make_supporter(status=status, email="hung@example.jp")
    user = make_user("supporter", email="hung@example.jp", supporter=supporter)
    user.locale = "en"
    db.session.commit()
    response = Auth(client).login("hung@example.jp")
    assert response.status_code == 403
    assert words in response.get_data(as_text=True)
    failed = _events(db, "login_failed", user)
    assert failed[-1].detail == f"refused:supporter_{status} from=127.0.0.1"


def test_administrator_resets_a_lost_authenticator_from_the_command_line(app, client, db, users):
    """Phone and recovery codes both lost: `flask users reset-two-factor` removes them (audited),
    and a role that requires two-factor sets it up again at the next sign-in."""
    _enrol(client, "coordinator@example.jp")
    result = app.test_cli_runner().invoke(
        args=["users", "reset-two-factor", "coordinator@example.jp"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 0
    assert len(_events(db, "two_factor_reset", users["coordinator"])) == 1
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ("coordinator",)
    response = Auth(client).login("coordinator@example.jp")
    assert response.headers["Location"] == "/login/two-factor/setup"


def test_two_factor_is_required_for_staff_in_production_only(monkeypatch):
    """Deployed, admins, coordinators and the national administrator need it; the development
    demo accounts do not."""
    from supporters.config import from_environment

    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    monkeypatch.delenv("YORISOI_ENV", raising=False)
    expected = ("admin", "coordinator", "national_admin")
    assert from_environment()["TWO_FACTOR_REQUIRED_ROLES"] == expected
    monkeypatch.setenv("YORISOI_ENV", "development")
    assert from_environment()["TWO_FACTOR_REQUIRED_ROLES"] == ()
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin, coordinator, municipal_officer")
    assert from_environment()["TWO_FACTOR_REQUIRED_ROLES"] == (
        "admin",
        "coordinator",
        "municipal_officer",
    )
