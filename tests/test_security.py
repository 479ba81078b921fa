"""The web security baseline: CSRF, safe GETs, sign-in, rate limits, headers and idle sessions.

User story: "As a coordinator, a municipal officer or a supporter, my account and the personal data
of the people we help cannot be taken over or leaked through another web site, a guessed password,
or a session I forgot to close."
"""

import re
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from flask import url_for
from sqlalchemy import select

from supporters import create_app
from supporters.auth.passwords import hash_password, needs_rehash
from supporters.config import ROOT, from_environment
from supporters.extensions import db as _db
from supporters.i18n import LOCALE_COOKIE
from supporters.models import Role, SupporterStatus, User
from supporters.safety import safe_next
from tests.conftest import PASSWORD, csrf_token, make_app, post_form

TOKEN_PAGE = "/no-such-page"  # every page, even a 404, carries a CSRF token in its language form
SIGNED_IN_ROLES = ("admin", "coordinator", "municipal_officer", "official", "supporter")
TEST_HOST = "localhost"


def _fresh(obj):
    """``obj`` as the database has it now (requests write through sessions of their own)."""
    _db.session.refresh(obj)
    return obj


def _add_account(app, role: Role, email: str) -> None:
    """An account on an app made with ``make_app`` (for tests that need an app of their own)."""
    with app.app_context():
        user = User(email=email, name=role.value, role=role, password_hash=hash_password(PASSWORD))
        _db.session.add(user)
        _db.session.commit()


def _drop(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _rules():
    """The app's routes; building the URL map needs no database."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


RULES = _rules()
ARGUMENTS = {rule.endpoint: rule.arguments for rule in RULES}


def _routes(method: str) -> list[tuple[str, dict]]:
    """(endpoint, URL values) for every route that takes ``method``, each any() choice apart."""
    routes = []
    for rule in sorted(RULES, key=lambda rule: (rule.endpoint, rule.rule)):
        if method in rule.methods:
            choices = [None]
            if "action" in rule.arguments:
                choices = sorted(rule._converters["action"].items)
            routes += [(rule.endpoint, {"action": a} if a else {}) for a in choices]
    return routes


def _route_params(method: str):
    return [
        pytest.param(endpoint, values, id=f"{endpoint}[{values['action']}]" if values else endpoint)
        for endpoint, values in _routes(method)
    ]


def _url(app, endpoint: str, values: dict, targets: dict) -> str:
    """The URL of ``endpoint`` with the ids of the test's records filled in."""
    values = {**values, **{k: v for k, v in targets.items() if k in ARGUMENTS[endpoint]}}
    with app.test_request_context():
        return url_for(endpoint, **values)


def _snapshot() -> dict:
    """Every row of every table except the audit trail (reading a page may add to that)."""
    _db.session.expire_all()
    return {
        table.name: sorted((tuple(row) for row in _db.session.execute(select(table))), key=repr)
        for table in _db.metadata.sorted_tables
        if table.name != "audit_event"
    }


def _signed_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


@pytest.fixture
def applicant(make_supporter):
    """An applicant in Koga, so every supporter page (certify included) has something to do."""
    return make_supporter(name="Nguyễn Thị Lan", status="applicant", email="lan@example.jp")


@pytest.fixture
def targets(applicant, make_request, make_supporter, users):
    """Ids for every kind of URL argument: a supporter, a request and an open offer on it."""
    from supporters.clock import today_jst
    from supporters.help_requests import offers
    from supporters.models import (
        Activity,
        DuplicateCandidate,
        JobFailure,
        OutboxMessage,
        OutboxStatus,
        TrainingCohort,
        TrainingSession,
    )

    request = make_request(category="daily_life")
    helper = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    offer = offers.send_offers(request, [helper.id], users["coordinator"])[0]
    activity = Activity(
        supporter_id=users["supporter"].supporter_id,
        happened_on=today_jst(),
        duration_minutes=60,
        category="daily_life",
        mode="in_person",
        municipality_code="08204",
        client_token="targets",
    )
    _db.session.add(activity)
    cohort = TrainingCohort(name="2025-1", starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 30))
    session = TrainingSession(
        cohort=cohort, held_on=date(2025, 4, 5), title="Ethics", hours=Decimal("3")
    )
    _db.session.add_all([cohort, session])
    # A dead letter of each kind for the Background work console.
    message = OutboxMessage(
        channel="email",
        recipient="x@example.jp",
        subject="-",
        body="-",
        kind="offer_new",
        status=OutboxStatus.FAILED,
    )
    failure = JobFailure(job="schedule:weekly_digest", args=["2026-W48"])
    _db.session.add_all([message, failure])
    _db.session.commit()
    # The same resident again: a possible duplicate of the request to merge or dismiss.
    make_request(category="daily_life")
    candidate = _db.session.scalars(select(DuplicateCandidate.id)).first()
    return {
        "candidate_id": candidate,
        "message_id": message.id,
        "failure_id": failure.id,
        "language_code": "vi",  # a language in the admins' languages console
        "cohort_id": cohort.id,
        "session_id": session.id,
        "supporter_id": applicant.id,
        "request_id": request.id,
        "offer_id": offer.id,
        "activity_id": activity.id,
        "month": "2025-04",  # stipend and payment pages of a month
        "token": "made-up-link",  # account links (invitation, reset) nobody was sent
        "user_id": users["official"].id,  # an account in the admins' accounts console
    }


# --- CSRF ----------------------------------------------------------------------------------------

PROFILE = {
    "display_name": "Nguyễn Thị Hoa",
    "email": "hoa@example.jp",
    "phone": "090-1234-5678",
    "home_municipality": "08204",
    "native_languages": ["vi"],
    "japanese_level": "N2",
    "origins": ["VN"],
    "modes": ["in_person"],
    "monthly_case_cap": "4",
}
PROGRAMME_FORM = {
    "name_ja": "ぐんま母国語サポーター",
    "name_en": "Gunma Native Language Supporters",
    "certificate_prefix": "GNCS",
    "target_supporters": "100",
    "target_fiscal_year": "2029",
    "stipend_default_yen": "2000",
    "stipend_budget_default_yen": "2400000",
    "payer_account_type": "1",
    "travel_radius_km": "30",
    "offer_answer_hours": "24",
}
# Complete, valid forms: without a token they must fail for that reason alone.
VALID_POSTS = {
    "auth.login": {"email": "admin@example.jp", "password": PASSWORD},
    "main.set_language": {"language": "en", "next": "/dashboard/"},
    "registry.create": PROFILE,
    "registry.edit": {**PROFILE, "email": "lan@example.jp"},
    "registry.certify": {"certificate_number": "INCS-2026-0001", "effective_on": "2026-01-15"},
    "registry.change_status": {"effective_on": "2026-01-15", "reason": "Moved to Osaka"},
    "programme.start": {**PROGRAMME_FORM, "prefecture_code": "10"},
    "programme.settings": PROGRAMME_FORM,
    "bulk_actions.close_requests": {"ids": "1", "confirmed": "1", "reason": "Handled by phone"},
    "bulk_actions.message_supporters": {"ids": "1", "message": "check_availability"},
    # A new e-mail address ([5/6] item 14): buttons only (the CSRF token is the whole form);
    # tests/test_email_change.py refuses them without a token while a change is pending.
    "credentials.confirm_email": {},
    "credentials.resend_email_link": {},
    "credentials.cancel_email_change": {},
    "portal.contact": {"phone": "090-1234-5678", "email": "new@example.jp"},
}


# The JSON API needs a bearer token instead (browsers never add one by themselves), and never
# reads the session cookie: see test_api_ignores_the_session_cookie below.
API_ENDPOINTS = {rule.endpoint for rule in RULES if rule.rule.startswith("/api/")}
# LINE's webhook carries LINE's signature instead (tests/test_line.py refuses a bad one); no
# browser can produce it, and it reads no session.
SIGNED_BY_SENDER = {"line.webhook"}


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [p for p in _route_params("POST") if p.values[0] not in API_ENDPOINTS | SIGNED_BY_SENDER],
)
def test_post_without_csrf_token_is_refused_and_changes_nothing(
    app, client, auth, users, applicant, targets, endpoint, values
):
    """Another site cannot make a signed-in coordinator's browser change anything."""
    auth.login("admin@example.jp")
    url = _url(app, endpoint, values, targets)
    data = VALID_POSTS.get(endpoint, {})
    before = _snapshot()

    response = client.post(url, data=data)
    assert response.status_code == 400
    response = client.post(url, data=data, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"

    assert _snapshot() == before
    assert client.get_cookie(LOCALE_COOKIE) is None
    assert _signed_in(client)
    assert _fresh(applicant).status == SupporterStatus.APPLICANT

    # The same form with the page's token gets past the CSRF check.
    token = csrf_token(client, TOKEN_PAGE)
    assert client.post(url, data={"csrf_token": token, **data}).status_code != 400


@pytest.mark.parametrize(
    ("endpoint", "method"),
    sorted(
        (rule.endpoint, method)
        for rule in RULES
        if rule.endpoint in API_ENDPOINTS
        for method in rule.methods & {"POST", "PATCH"}
    ),
)
def test_api_ignores_the_session_cookie(
    app, client, auth, users, applicant, targets, endpoint, method
):
    """A signed-in admin's browser cannot write through the API: no token, no call (401)."""
    auth.login("admin@example.jp")
    url = _url(app, endpoint, {}, targets)
    before = _snapshot()
    for body in ({"json": {}}, {"data": VALID_POSTS["registry.certify"]}):
        response = client.open(url, method=method, **body)
        assert response.status_code == 401, url
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert _snapshot() == before
    assert _fresh(applicant).status == SupporterStatus.APPLICANT
    assert _signed_in(client)


def test_certify_without_token_leaves_the_applicant_uncertified(client, auth, users, applicant):
    """A forged "certify" button on another site does not certify anyone."""
    auth.login("coordinator@example.jp")
    response = client.post(
        f"/supporters/{applicant.id}/certify", data=VALID_POSTS["registry.certify"]
    )
    assert response.status_code == 400
    assert _fresh(applicant).status == SupporterStatus.APPLICANT
    assert _fresh(applicant).certificate_number is None


# --- GET is safe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ("anonymous", *SIGNED_IN_ROLES))
def test_get_never_changes_data(app, client, auth, users, applicant, targets, role):
    """Opening any page — a prefetch, a crawler, a link in a mail — never changes a record."""
    if role != "anonymous":
        auth.login(f"{role}@example.jp")
    before = _snapshot()
    for endpoint, values in _routes("GET"):
        url = _url(app, endpoint, values, targets)
        status = client.get(url).status_code
        # /readyz answers 503 by design here: no worker, no Alembic revision (test_ops_health).
        assert status < 500 or (endpoint, status) == ("ops.readyz", 503), url
        assert _snapshot() == before, f"GET {url} as {role} changed data"


# --- Signing in ----------------------------------------------------------------------------------

NEXT_FIELD = re.compile(r'name="next" type="hidden" value="([^"]*)"')


def _kept_next(page: str) -> str:
    """The ``next`` the sign-in form will send back (the language switcher has one of its own)."""
    login_form = page.split('action="/login"', 1)[1]
    return NEXT_FIELD.search(login_form).group(1)


def _comparable(response, email: str) -> str:
    """The page without what legitimately differs: the CSRF token and the e-mail typed in."""
    page = response.get_data(as_text=True)
    page = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "csrf", page)
    return page.replace(email, "EMAIL")


def _failed_login(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    return post_form(client, "/login", {"email": email, "password": password})


def test_wrong_password_and_unknown_account_look_the_same(app, users):
    """A stranger cannot find out who has an account by trying e-mail addresses."""
    wrong_password = _failed_login(app, "admin@example.jp", "not the password at all")
    unknown = _failed_login(app, "nobody@example.jp")
    assert wrong_password.status_code == unknown.status_code == 401
    assert _comparable(wrong_password, "admin@example.jp") == _comparable(
        unknown, "nobody@example.jp"
    )


def test_disabled_account_is_refused_clearly_only_with_the_right_password(app, db, users):
    """A deactivated account cannot sign in. Its owner (who knows the password) is told why;
    a stranger guessing passwords learns nothing: the page is the one for an unknown account."""
    users["official"].active = False
    users["official"].locale = "en"
    db.session.commit()
    owner = _failed_login(app, "official@example.jp")
    assert owner.status_code == 403
    assert "This account has been deactivated." in owner.get_data(as_text=True)
    assert not _signed_in_client(app, "official@example.jp")

    guessed = _failed_login(app, "official@example.jp", "not the password at all")
    unknown = _failed_login(app, "nobody@example.jp")
    assert guessed.status_code == unknown.status_code == 401
    assert _comparable(guessed, "official@example.jp") == _comparable(unknown, "nobody@example.jp")


def _signed_in_client(app, email: str) -> bool:
    """Whether signing in as ``email`` with the right password leaves a browser signed in."""
    client = app.test_client()
    post_form(client, "/login", {"email": email, "password": PASSWORD})
    return client.get("/dashboard/").status_code == 200


def test_disabling_an_account_ends_its_open_session(client, auth, db, users):
    """An account switched off by an administrator loses access at once, not at sign-out."""
    auth.login("coordinator@example.jp")
    assert _signed_in(client)
    users["coordinator"].active = False
    db.session.commit()
    response = client.get("/supporters/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_sign_in_returns_to_the_page_asked_for(client, auth, users):
    """A coordinator who follows a link to a supporter lands on it after signing in."""
    response = client.get("/supporters/?q=Lan")
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["next"] == ["/supporters/?q=Lan"]

    page = client.get(location).get_data(as_text=True)
    assert _kept_next(page) == "/supporters/?q=Lan"
    response = post_form(
        client,
        location,
        {"email": "coordinator@example.jp", "password": PASSWORD, "next": "/supporters/?q=Lan"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/supporters/?q=Lan"


def _lands_on_this_site(location: str) -> bool:
    """Read ``location`` as a browser would: tabs and newlines dropped, ``\\`` taken for ``/``."""
    url = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(33))))
    parts = urlsplit(url.replace("\\", "/"))
    if parts.scheme:
        return parts.scheme in {"http", "https"} and parts.netloc == TEST_HOST
    return parts.netloc == ""


NASTY_NEXT = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "https://evil.example/x",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\r\nLocation: https://evil.example",
    "//localhost@evil.example",
    "http://localhost@evil.example/",
    "／／evil.example",
    # Odd-looking but harmless: browsers read these as paths on this site.
    "/%5Cevil.example",
    "/／evil.example",
]
STILL_ON_SITE = {"/%5Cevil.example", "/／evil.example"}
# Each end-to-end case costs a real (argon2) sign-in, so it takes one of each kind of trick;
# the unit table below takes them all.
END_TO_END_NEXT = [
    "//evil.example",
    "https://evil.example/x",
    "https:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/%5Cevil.example",
    "\t//evil.example",
    "/\t/evil.example",
    " //evil.example",
    "/\r\nLocation: https://evil.example",
    "http://localhost@evil.example/",
]


@pytest.fixture(scope="module")
def redirect_site(tmp_path_factory):
    """One app for all the redirect cases: they only sign in and switch language."""
    app = make_app(tmp_path_factory.mktemp("redirects"))
    _add_account(app, Role.ADMIN, "admin@example.jp")
    yield app
    _drop(app)


@pytest.mark.parametrize("target", END_TO_END_NEXT)
def test_next_never_leads_off_site(redirect_site, target):
    """A crafted sign-in or language link cannot send someone on to a look-alike site."""
    client = redirect_site.test_client()
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    kept = _kept_next(page)
    assert kept == "" or _lands_on_this_site(kept)

    response = post_form(
        client, "/login", {"email": "admin@example.jp", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert _lands_on_this_site(response.headers["Location"]), response.headers["Location"]

    response = client.get("/login", query_string={"next": target})  # already signed in
    assert _lands_on_this_site(response.headers["Location"]), response.headers["Location"]

    response = post_form(client, "/language", {"language": "en", "next": target}, TOKEN_PAGE)
    assert response.status_code == 302
    assert _lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/dashboard/",
        "/supporters/?q=Lan&page=2",
        "/supporters/12",
        "/me/#profile",
        "/%E5%8F%A4%E6%B2%B3",
        *sorted(STILL_ON_SITE),
    ],
)
def test_safe_next_keeps_paths_on_this_site(target):
    """Same-site paths, query strings included, survive the sign-in round trip."""
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "dashboard",
        "/x\\y",
        "/x\ty",
        "/x\x7f",
        *(t for t in NASTY_NEXT if t not in STILL_ON_SITE),
    ],
)
def test_safe_next_refuses_everything_else(target):
    """Anything that is not plainly a path here is dropped (the caller then goes home)."""
    assert safe_next(target) is None


def test_login_ignores_the_case_of_the_email(client, auth, users):
    """People type their address as they like: ``Admin@Example.JP`` is the same account."""
    response = auth.login("Admin@EXAMPLE.jp")
    assert response.status_code == 302
    assert _signed_in(client)


def test_passwords_are_hashed_with_argon2id(app, db, users):
    """Stored passwords are argon2id hashes, never the password itself."""
    assert hash_password(PASSWORD).startswith("$argon2id$")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "New.Person@Example.jp", "--password", PASSWORD]
        + ["--role", "official", "--name", "New Person"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.jp"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_weak_hash_is_upgraded_at_sign_in(client, auth, db, users):
    """Hashes made with older, cheaper settings are strengthened at the next sign-in."""
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    users["official"].password_hash = weak
    db.session.commit()
    assert auth.login("official@example.jp").status_code == 302
    upgraded = _fresh(users["official"]).password_hash
    assert upgraded != weak
    assert upgraded.startswith("$argon2id$")
    assert not needs_rehash(upgraded)


# --- Rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path):
    """An app that allows three sign-in attempts a minute, with one real account."""
    (tmp_path / "limited").mkdir()
    limits = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_SOURCE_RATE_LIMIT": "3 per minute"}
    app = make_app(tmp_path / "limited", **limits)
    _add_account(app, Role.COORDINATOR, "coordinator@example.jp")
    yield app
    _drop(app)


def _attempt(app, email: str, ip: str, password: str = "wrong password, guessed"):
    client = app.test_client()
    data = {"email": email, "password": password}
    return post_form(client, "/login", data, environ_base={"REMOTE_ADDR": ip})


def test_fourth_attempt_from_one_client_is_refused(limited_app):
    """Password guessing from one machine is slowed down, and says nothing about the account."""
    refusals = {}
    for email, ip in (("coordinator@example.jp", "10.0.0.1"), ("nobody@example.jp", "10.0.0.2")):
        for n in range(3):  # three different addresses: only the per-client limit is reached
            assert _attempt(limited_app, f"{n}{email}", ip).status_code == 401
        refusals[email] = _attempt(limited_app, email, ip)
        assert refusals[email].status_code == 429
    assert _comparable(refusals["coordinator@example.jp"], "coordinator@example.jp") == _comparable(
        refusals["nobody@example.jp"], "nobody@example.jp"
    )
    # Even the right password waits until the minute is over.
    response = _attempt(limited_app, "coordinator@example.jp", "10.0.0.1", PASSWORD)
    assert response.status_code == 429


def test_attempts_on_one_account_do_not_lock_its_owner_out(limited_app):
    """Guessing a coordinator's password from one machine stops that machine, not the account:
    the coordinator still signs in from their own (no targeted lockout)."""
    spellings = ("coordinator@example.jp", "Coordinator@Example.jp", " COORDINATOR@example.jp ")
    for email in spellings:
        assert _attempt(limited_app, email, "10.0.1.1").status_code == 401
    refused = _attempt(limited_app, "coordinator@example.jp", "10.0.1.1", PASSWORD)
    assert refused.status_code == 429
    assert 'role="alert"' in refused.get_data(as_text=True)  # the sign-in page, saying why
    owner = _attempt(limited_app, "coordinator@example.jp", "10.0.1.2", PASSWORD)
    assert owner.status_code == 302


# --- Signing out ---------------------------------------------------------------------------------


def test_logout_is_post_only(client, auth, users):
    """A link or an image on another site cannot sign anyone out."""
    auth.login("admin@example.jp")
    assert client.get("/logout").status_code == 405
    assert _signed_in(client)


def test_logout_needs_the_csrf_token(client, auth, users):
    """A forged sign-out form from another site is refused; the real button works."""
    auth.login("admin@example.jp")
    assert client.post("/logout").status_code == 400
    assert _signed_in(client)

    response = post_form(client, "/logout", {}, TOKEN_PAGE)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not _signed_in(client)


# --- Response headers and cookies ----------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _session_cookie(response) -> list[str]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            return [part.strip().lower() for part in header.split(";")]
    raise AssertionError("no session cookie was set")


@pytest.mark.parametrize("role", ("anonymous", "admin", "supporter"))
def test_every_page_carries_the_security_headers(app, client, auth, users, targets, role):
    """No page can be framed elsewhere or run injected script; personal pages stay uncached."""
    if role != "anonymous":
        auth.login(f"{role}@example.jp")
    urls = [_url(app, endpoint, values, targets) for endpoint, values in _routes("GET")]
    for url in [*urls, "/no-such-page", "/logout"]:
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        if role != "anonymous":
            assert "no-store" in response.headers.get("Cache-Control", ""), url
        if response.mimetype != "text/html":
            continue
        csp = _csp(response)
        assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"]), url
        assert "'unsafe-eval'" not in csp.get("script-src", csp["default-src"]), url
        assert csp["frame-ancestors"] == ["'none'"], url
        assert csp["object-src"] == ["'none'"], url


def test_session_cookie_is_httponly_and_lax(client, auth, users):
    """Scripts cannot read the session, and other sites' forms and images do not carry it."""
    attributes = _session_cookie(auth.login("admin@example.jp"))
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_session_cookie_is_secure_in_production(tmp_path, monkeypatch):
    """In production the session cookie is only ever sent over HTTPS."""
    monkeypatch.delenv("YORISOI_ENV", raising=False)
    assert from_environment()["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("YORISOI_ENV", "development")
    assert from_environment()["SESSION_COOKIE_SECURE"] is False

    (tmp_path / "production").mkdir()
    app = make_app(tmp_path / "production", SESSION_COOKIE_SECURE=True)
    try:
        attributes = _session_cookie(app.test_client().get("/login"))
        assert {"secure", "httponly", "samesite=lax"} <= set(attributes)
    finally:
        _drop(app)


def test_language_cookie_is_httponly_and_lax(client):
    """The remembered language is not readable by scripts either."""
    response = post_form(client, "/language", {"language": "en"}, "/login")
    cookies = response.headers.getlist("Set-Cookie")
    cookie = next(c for c in cookies if c.startswith(f"{LOCALE_COOKIE}="))
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax"} <= attributes


TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>|<script\b[^>]*>\s*[^<\s]", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize(
    "template",
    sorted((ROOT / "templates").rglob("*.html")),
    ids=lambda path: str(path.relative_to(ROOT / "templates")),
)
def test_templates_have_no_inline_script_or_style(template: Path):
    """The CSP forbids inline script and style, so templates must not rely on them."""
    source = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "inline <script>: move it to static/js"
    assert "<style" not in source.lower(), "inline <style>: move it to static/css"
    for tag in TAG.findall(source):
        assert not HANDLER.search(tag), f"event handler attribute in {tag}"
        assert "javascript:" not in tag.lower(), f"javascript: URL in {tag}"
        assert not re.search(r"\sstyle\s*=", tag, re.I), f"style attribute in {tag}"


# --- Idle sessions -------------------------------------------------------------------------------


def _idle_for(client, seconds: float) -> None:
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - seconds


def test_idle_session_is_signed_out(app, client, auth, users):
    """A session left open on a shared computer ends after the idle period."""
    auth.login("coordinator@example.jp")
    assert _signed_in(client)
    _idle_for(client, app.config["IDLE_TIMEOUT"].total_seconds() + 1)

    response = client.get("/supporters/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/supporters/"]
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert not _signed_in(client)


def test_active_session_stays_signed_in(app, client, auth, users):
    """Someone still working is not signed out, and each request restarts the idle clock."""
    auth.login("coordinator@example.jp")
    _idle_for(client, app.config["IDLE_TIMEOUT"].total_seconds() - 60)
    assert client.get("/supporters/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60


def test_idle_timeout_follows_the_configuration(app, client, auth, users):
    """The idle period is a setting (IDLE_TIMEOUT_MINUTES in production)."""
    app.config["IDLE_TIMEOUT"] = timedelta(minutes=5)
    auth.login("coordinator@example.jp")
    _idle_for(client, 4 * 60)
    assert client.get("/supporters/").status_code == 200
    _idle_for(client, 6 * 60)
    assert client.get("/supporters/").status_code == 302


def test_idle_session_cannot_change_data(app, client, auth, users, applicant):
    """A form sent from an idle session is not acted on, even with a valid token."""
    auth.login("coordinator@example.jp")
    url = f"/supporters/{applicant.id}/certify"
    token = csrf_token(client, url)
    _idle_for(client, app.config["IDLE_TIMEOUT"].total_seconds() + 1)
    response = client.post(url, data={"csrf_token": token, **VALID_POSTS["registry.certify"]})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert _fresh(applicant).status == SupporterStatus.APPLICANT


# --- NUL characters ------------------------------------------------------------------------------


def test_nul_characters_are_refused_before_any_view(app, client, auth, users):
    """PostgreSQL cannot store NUL; a form, query or JSON body holding one is refused as invalid."""
    assert auth.login("coordinator@example.jp").status_code == 302
    page = client.get("/supporters/?q=Lan%00")
    assert page.status_code == 422
    posted = client.post(
        "/supporters/new",
        data={"csrf_token": csrf_token(client, "/supporters/new"), "display_name": "A\x00B"},
    )
    assert posted.status_code == 422
    api = client.post("/api/v1/supporters", json={"display_name": "A\x00B"})
    assert api.status_code == 422
    assert api.get_json()["error"]["fields"] == {"display_name": api.get_json()["error"]["message"]}
