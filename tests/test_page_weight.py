"""Supporter pages stay light: under 60 KB with their stylesheets and scripts, nothing external.

User story: "As a volunteer on a cheap phone and a small mobile data plan, my pages open quickly
and cost little, and nothing is fetched from other sites (no fonts, no CDNs, no trackers)."

Every GET route of the ``portal`` blueprint is measured, its URL filled in from the fixtures
below; a route with an argument we cannot fill fails ``test_every_portal_page_is_measured``.
"""

import re
from datetime import date

import pytest
from flask import url_for

from supporters.extensions import db as _db
from supporters.models import Activity, ActivityCategory, Mode
from tests.conftest import make_app

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"', re.I)
STYLESHEET_OR_SCRIPT = re.compile(
    r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<script\b[^>]*src="([^"]+)"', re.I
)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A supporter with an offer, an assigned request and a logged activity: every page has data."""
    app = make_app(tmp_path_factory.mktemp("weight"))
    with app.app_context():
        ids = _world(app)
    yield app, ids
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _world(app) -> dict:
    from supporters.auth.passwords import hash_password
    from supporters.help_requests import offers as offer_service
    from supporters.models import Role, User
    from tests.conftest import PASSWORD
    from tests.test_access_matrix import _add_requests, _add_supporter

    own = _add_supporter("Trần Văn Hùng", "hung@example.jp", home="08204")
    other = _add_supporter("Nguyễn Thị Lan", "lan@example.jp", home="08204")
    accounts = {}
    for role in ("coordinator", "supporter"):
        user = User(
            email=f"{role}@example.jp",
            name=role,
            role=Role(role),
            password_hash=hash_password(PASSWORD),
            supporter_id=own if role == "supporter" else None,
        )
        _db.session.add(user)
        _db.session.flush()
        accounts[role] = user
    _db.session.commit()
    requests, offers = _add_requests(
        {"own": own, "in_scope": other}, _db.session.get(User, accounts["coordinator"].id)
    )
    offer_service.accept(offers["own_offer"], own, _db.session.get(User, accounts["supporter"].id))
    activity = Activity(
        supporter_id=own,
        request_id=requests["koga"],
        happened_on=date.today(),
        duration_minutes=90,
        category=ActivityCategory.DAILY_LIFE,
        mode=Mode.IN_PERSON,
        municipality_code="08204",
        language_code="vi",
        client_token="weight-test",
        logged_by_id=accounts["supporter"].id,
    )
    _db.session.add(activity)
    # The yearly question is open, so /me/continue shows its form.
    from supporters.models import ContinuationCheck

    _db.session.add(ContinuationCheck(supporter_id=own, fiscal_year=2026))
    _db.session.commit()
    return {
        "offer_id": offers["own_offer"],
        "request_id": requests["koga"],
        "activity_id": activity.id,
    }


def _portal_get_rules(app):
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith("portal.") and "GET" in r.methods
        ),
        key=lambda r: r.rule,
    )


def _signed_in(app):
    from tests.conftest import Auth

    client = app.test_client()
    assert Auth(client).login("supporter@example.jp").status_code == 302
    return client


def _weight(client, url: str) -> tuple[int, str, list[str]]:
    """Bytes of the page plus every stylesheet and script it links; the page; its assets."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    total = len(response.data)
    assets = [a or b for a, b in STYLESHEET_OR_SCRIPT.findall(page)]
    for asset in assets:
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        total += len(fetched.data)
        fetched.close()
    return total, page, assets


def test_every_portal_page_is_measured(site):
    app, ids = site
    unfilled = {
        (r.endpoint, a) for r in _portal_get_rules(app) for a in r.arguments if a not in ids
    }
    assert unfilled == set(), "add a fixture value for these URL arguments"


@pytest.mark.parametrize("lang", ["ja", "ne", "th"])
def test_supporter_pages_are_light_and_self_contained(site, lang):
    app, ids = site
    client = _signed_in(app)
    client.set_cookie("yorisoi_lang", lang)
    measured = 0
    for rule in _portal_get_rules(app):
        with app.test_request_context():
            url = url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments})
        head = client.get(url)
        if head.mimetype != "text/html":  # e.g. the calendar file of an assignment
            continue
        total, page, assets = _weight(client, url)
        assert total <= BUDGET, f"{url}: {total} bytes with {assets}"
        for target in ASSET.findall(page):
            assert not EXTERNAL.search(target), f"{url} fetches {target} from elsewhere"
        assert "@import" not in page and "fonts.googleapis" not in page
        assert "css/app.css" not in assets, f"{url} should use the light portal.css"
        measured += 1
    assert measured >= 4


def test_portal_stylesheet_fetches_nothing_else(client):
    response = client.get("/static/css/portal.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "url(" not in css and "@import" not in css
