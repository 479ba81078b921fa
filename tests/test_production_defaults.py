"""Production defaults: HTTPS only (HSTS, Secure cookies), and links that cannot be redirected.

User stories: "As the prefecture's IT officer, I deploy with the defaults and browsers never talk
to Yorisoi over plain HTTP, nor send its cookies over it." — "As a supporter, the link in my
e-mail and in my calendar goes to Yorisoi, even if someone sent the request that produced it with a
forged Host header."
"""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from supporters import create_app
from supporters.clock import JST
from supporters.config import ROOT, from_environment
from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.i18n import LOCALE_COOKIE
from supporters.links import BaseUrlError, absolute_url
from supporters.models import OutboxMessage
from tests.conftest import CSRF_RE, Auth, make_app, post_form

BASE_URL = "https://yorisoi.example.jp"
EVIL = {"Host": "evil.example"}
HSTS = "max-age=31536000; includeSubDomains"


def _drop(app) -> None:
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def production(tmp_path):
    """The app as deployed: production settings, not in testing mode, a real BASE_URL."""
    app = make_app(tmp_path, TESTING=False, YORISOI_ENV="production", BASE_URL=BASE_URL)
    yield app
    _drop(app)


def _cookies(response) -> dict[str, set[str]]:
    """Cookies ``response`` sets, as {name: {lower-case attributes}}. A deletion (empty value,
    ``Max-Age=0``, e.g. Flask-Login clearing its remember-me cookie) carries nothing to protect."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if rest.startswith(";") and "max-age=0" in rest.lower():
            continue
        found[name] = {part.strip().lower().split("=")[0] for part in rest.split(";")[1:]}
    return found


# --- HSTS ----------------------------------------------------------------------------------------


def test_production_answers_carry_hsts_everywhere(production):
    """Pages, errors, the public form, health checks and static files all carry HSTS."""
    client = production.test_client()
    for url in ("/login", "/help/?lang=vi", "/healthz", "/no-such-page", "/static/css/app.css"):
        with client.get(url) as response:
            assert response.headers.get("Strict-Transport-Security") == HSTS, url


def test_development_and_tests_send_no_hsts_unless_configured(tmp_path, client):
    """A developer on http://127.0.0.1 is not pinned to HTTPS; HSTS_MAX_AGE overrides both ways."""
    assert "Strict-Transport-Security" not in client.get("/login").headers
    (tmp_path / "dev").mkdir()
    (tmp_path / "configured").mkdir()
    development = make_app(tmp_path / "dev", TESTING=False, YORISOI_ENV="development")
    configured = make_app(tmp_path / "configured", HSTS_MAX_AGE=600)
    try:
        assert "Strict-Transport-Security" not in development.test_client().get("/login").headers
        header = configured.test_client().get("/login").headers["Strict-Transport-Security"]
        assert header == "max-age=600; includeSubDomains"
    finally:
        _drop(development)
        _drop(configured)


# --- Secure cookies ------------------------------------------------------------------------------


def test_production_settings_make_every_cookie_secure(monkeypatch):
    """Unless YORISOI_ENV=development, the session and every other cookie are HTTPS-only."""
    monkeypatch.delenv("YORISOI_ENV", raising=False)
    settings = from_environment()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("YORISOI_ENV", "development")
    assert from_environment()["SESSION_COOKIE_SECURE"] is False


def test_cookies_set_by_the_app_are_secure_in_production(app, client, users):
    """Session, console language and residents' language cookies all carry Secure."""
    app.config["SESSION_COOKIE_SECURE"] = True  # as from_environment() sets it in production
    seen = {}
    seen.update(_cookies(client.get("/help/?lang=vi")))
    seen.update(_cookies(post_form(client, "/language", {"language": "en"}, "/login")))
    seen.update(_cookies(Auth(client).login("coordinator@example.jp")))
    assert {LOCALE_COOKIE, "session"} <= set(seen)
    for name, attributes in seen.items():
        assert {"secure", "httponly", "samesite"} <= attributes, name


SET_COOKIE = re.compile(r"\.set_cookie\((.*?)\n\s*\)", re.DOTALL)


def test_every_cookie_the_code_sets_follows_the_secure_setting():
    """A cookie added later cannot forget Secure: each set_cookie call passes the setting."""
    calls = []
    for path in Path(ROOT, "supporters").rglob("*.py"):
        for call in SET_COOKIE.findall(path.read_text(encoding="utf-8")):
            calls.append((path.name, call))
            assert 'secure=current_app.config["SESSION_COOKIE_SECURE"]' in call, path
            assert "httponly=True" in call, path
    assert len(calls) >= 2  # the console's and the residents' language cookies at least


# --- links from BASE_URL, never from the Host header ---------------------------------------------


def test_calendar_link_uses_base_url_not_the_host_header(app, db, users, make_request):
    """A forged Host header does not end up in the .ics a supporter imports."""
    app.config["BASE_URL"] = BASE_URL
    request = make_request()
    supporter_id = users["supporter"].supporter_id
    (offer,) = offers.send_offers(request, [supporter_id], users["coordinator"])
    db.session.commit()
    offers.accept(offer.id, supporter_id, None)
    db.session.commit()

    client = app.test_client()
    Auth(client).login("supporter@example.jp")
    signed_in = client.get_cookie("session", domain="localhost").value
    client.set_cookie("session", signed_in, domain="evil.example")  # same browser, forged Host
    response = client.get(f"/me/assignments/{request.id}.ics", headers=EVIL)
    assert response.status_code == 200, response.headers.get("Location")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True).replace("\r\n ", "")  # unfold
    assert f"URL:{BASE_URL}/me/assignments/{request.id}\r\n" in body
    assert "evil.example" not in body


def test_mail_links_use_base_url_not_the_host_header(app, db, make_user):
    """An anonymous visitor with a forged Host triggers a mail (the ceiling alert): its link
    still points at BASE_URL."""
    app.config.update(BASE_URL=BASE_URL, PUBLIC_DAILY_CEILING=1)
    make_user("coordinator")
    client = app.test_client()
    page = client.get("/help/?lang=en", headers=EVIL).get_data(as_text=True)
    data = {
        "csrf_token": CSRF_RE.search(page).group(1),
        "category": "daily_life",
        "mode": "phone",
        "language": "vi",
        "on": _next_week(),
        "time_from": "10:00",
        "time_to": "12:00",
        "municipality": "08204",
        "name": "Test Resident",
        "contact": "090-1234-5678",
        "consent": "y",
    }
    assert client.post("/help/?lang=en", data=data, headers=EVIL).status_code == 302
    db.session.expire_all()
    (mail,) = db.session.scalars(select(OutboxMessage)).all()
    assert f"{BASE_URL}/requests/" in mail.body
    assert "evil.example" not in mail.body


def test_absolute_urls_ignore_the_request(app):
    """The helper takes scheme, host and prefix from BASE_URL, the path from the URL map."""
    app.config["BASE_URL"] = "https://pref.example.jp/yorisoi/"
    with app.test_request_context("/", base_url="http://evil.example/mounted"):
        assert absolute_url("public.request_form", lang="vi") == (
            "https://pref.example.jp/yorisoi/help/?lang=vi"
        )


# --- a production app refuses to start without a real BASE_URL ----------------------------------


@pytest.mark.parametrize(
    "base_url",
    [None, "http://127.0.0.1:5000", "http://yorisoi.example.jp", "https://", "https://a?x=1"],
)
def test_production_refuses_to_start_without_a_real_base_url(monkeypatch, base_url):
    monkeypatch.delenv("BASE_URL", raising=False)
    config = {
        "SECRET_KEY": "s",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "YORISOI_ENV": "production",
    }
    if base_url is not None:
        config["BASE_URL"] = base_url
    with pytest.raises(BaseUrlError, match="BASE_URL"):
        create_app(config)


def test_production_starts_with_https_base_url_and_development_without(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    common = {"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert create_app({**common, "YORISOI_ENV": "production", "BASE_URL": BASE_URL})
    assert create_app({**common, "YORISOI_ENV": "development"})
    assert create_app({**common, "YORISOI_ENV": "production", "TESTING": True})


def _next_week() -> str:
    return (datetime.now(JST).date() + timedelta(days=7)).isoformat()


# --- passwords: full argon2 cost outside the test suite ------------------------------------------


def test_deployed_apps_hash_passwords_with_argon2s_recommended_parameters():
    """Only the test suite turns argon2 down (tests/conftest.py): a deployed app hashes with
    argon2-cffi's recommended parameters, and would strengthen a hash made at the tests' cost."""
    from argon2 import extract_parameters, profiles

    from supporters.auth.passwords import hash_password, needs_rehash
    from tests.conftest import _PASSWORD_HASH, PASSWORD

    assert from_environment()["PASSWORD_HASH_PARAMETERS"] is None
    config = {"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": BASE_URL}
    app = create_app({**config, "YORISOI_ENV": "production"})
    with app.app_context():
        assert extract_parameters(hash_password(PASSWORD)) == profiles.get_default_parameters()
        assert needs_rehash(_PASSWORD_HASH)
