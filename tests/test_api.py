"""The JSON API: tokens, the same scope as the pages, one error shape, pagination, and the
coordinator's whole working day through the API alone.

User story: "As the prefecture's IT contact I can connect the municipalities' systems and our
own scripts to Yorisoi with a token, and they see and do exactly what that person could in the
web pages — no more."
"""

import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from supporters.api.tokens import issue_token, revoke_tokens
from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.models import AuditEvent, HelpRequest, Role, User
from supporters.refusals import Refused
from tests.conftest import Auth, jst_at, make_app

ERROR_KEYS = {"code", "message", "fields"}


class ApiClient:
    """The test client with a bearer token on every call."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, headers=None, **kwargs):
        return self.client.get(
            "/api/v1" + path, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def post(self, path: str, json=None, headers=None, **kwargs):
        headers = {**self.headers, **(headers or {})}
        return self.client.post("/api/v1" + path, json=json, headers=headers, **kwargs)

    def patch(self, path: str, json=None):
        return self.client.patch("/api/v1" + path, json=json, headers=self.headers)


def token_for(user: User, name: str = "test") -> str:
    _, token = issue_token(user, name)
    _db.session.commit()
    return token


@pytest.fixture
def api(app, db, users):
    """``api(role)``: a client calling the API with a fresh token of that role's account."""

    def factory(role: str | None) -> ApiClient:
        return ApiClient(app.test_client(), token_for(users[role]) if role else None)

    return factory


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert ERROR_KEYS <= set(error) <= ERROR_KEYS | {"rows"}  # rows: an import's wrong rows
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def profile(**changes) -> dict:
    data = {
        "display_name": "Nguyễn Thị Hoa",
        "email": "hoa@example.jp",
        "phone": "０９０ー１２３４ー５６７８",
        "home_municipality_code": "08204",
        "languages": [{"code": "vi", "level": "native"}],
        "japanese_level": "N2",
        "origins": ["VN"],
        "modes": ["in_person", "phone"],
        "monthly_case_cap": 4,
    }
    return {**data, **changes}


def request_body(days_ahead: int = 3, **changes) -> dict:
    data = {
        "category": "daily_life",
        "mode": "in_person",
        "language_code": "vi",
        "municipality_code": "08204",
        "starts_at": jst_at(days_ahead, 10).isoformat(),
        "ends_at": jst_at(days_ahead, 12).isoformat(),
        "duration_minutes": 60,
        "requester_name": "Phạm Thị Mai",
        "requester_contact": "080-1111-2222",
        "need": "City hall: residence card",
        "consent": {"language_shown": "vi", "channel": "phone"},
    }
    return {**data, **changes}


# --- The document ---------------------------------------------------------------------------------


def test_openapi_document_is_generated_from_the_code(client):
    """Anyone may read the OpenAPI document; it lists every resource and the error shape."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/municipalities",
        "/api/v1/languages",
        "/api/v1/supporters",
        "/api/v1/supporters/{supporter_id}/certify",
        "/api/v1/requests/{request_id}/candidates",
        "/api/v1/requests/{request_id}/offers",
        "/api/v1/offers/{offer_id}/accept",
        "/api/v1/offers/{offer_id}/decline",
        "/api/v1/activities",
        "/api/v1/stipends/{month}/close",
        "/api/v1/reports/monthly/{month}",
        "/api/v1/reports/period",
        "/api/v1/reports/coverage",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}
    per_page = next(
        p
        for p in spec["paths"]["/api/v1/supporters"]["get"]["parameters"]
        if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == 100
    page = spec["components"]["schemas"]["SupporterPage"]["properties"]
    assert {"items", "total", "page", "per_page", "pages"} <= set(page)
    categories = spec["components"]["schemas"]["RequestIn"]["properties"]["category"]["enum"]
    assert "hospital" in categories and "daily_life" in categories


def test_docs_page_is_readable_without_external_script(client):
    """The docs are plain HTML from the same document: operations, parameters, schemas."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "POST /api/v1/requests/{request_id}/offers" in page
    assert "per_page" in page
    assert 'id="schema-SupporterIn"' in page
    assert "https://" not in re.sub(r'href="[^"]*"', "", page.split("<main", 1)[-1])
    assert '<script src="/static/' in page or "<script" not in page.split("</head>", 1)[1]


# --- Tokens ---------------------------------------------------------------------------------------


def test_calls_without_a_valid_token_are_refused_with_401(app, api, users, db):
    """Missing, malformed, unknown, revoked tokens and disabled accounts all get 401 JSON."""
    assert_error(api(None).get("/supporters"), 401, "unauthorized")
    client = app.test_client()
    for header in ("Bearer", "Bearer nonsense", "Basic abc", "Token ys_x", "Bearer ys_unknown"):
        response = client.get("/api/v1/supporters", headers={"Authorization": header})
        assert_error(response, 401, "unauthorized")

    coordinator = api("coordinator")
    assert coordinator.get("/supporters").status_code == 200
    revoke_tokens(_db.session.get(User, users["coordinator"].id))
    _db.session.commit()
    assert_error(coordinator.get("/supporters"), 401, "unauthorized")

    admin = api("admin")
    _db.session.get(User, users["admin"].id).active = False
    _db.session.commit()
    assert_error(admin.get("/supporters"), 401, "deactivated")  # why, in words too


def test_tokens_are_stored_hashed_and_record_their_last_use(db, users, api):
    """Only the SHA-256 is kept; a call marks the token as used."""
    from supporters.models.user import ApiToken

    token = token_for(users["coordinator"])
    row = db.session.scalar(select(ApiToken))
    assert token not in (row.token_hash, row.prefix)
    assert len(row.token_hash) == 64 and token.startswith(row.prefix)
    assert row.last_used_at is None
    client = ApiClient(current_app.test_client(), token)
    assert client.get("/municipalities").status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_the_session_cookie_never_authenticates_the_api(app, client, auth, users, db):
    """A signed-in browser (or a forged form on another site) cannot call the API."""
    auth.login("coordinator@example.jp")
    assert client.get("/dashboard/").status_code == 200
    assert_error(client.get("/api/v1/supporters"), 401, "unauthorized")
    before = db.session.scalar(select(_db.func.count()).select_from(HelpRequest))
    response = client.post("/api/v1/requests", json=request_body())
    assert_error(response, 401, "unauthorized")
    response = client.post("/api/v1/requests", data={"category": "daily_life"})
    assert_error(response, 401, "unauthorized")
    assert db.session.scalar(select(_db.func.count()).select_from(HelpRequest)) == before


def test_a_token_does_not_sign_in_to_the_web_pages(app, api):
    """An API call sets no session: the token is not a way into the console."""
    coordinator = api("coordinator")
    response = coordinator.get("/supporters")
    assert response.status_code == 200
    assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))
    assert "no-store" in response.headers["Cache-Control"]


def test_wrong_role_gets_403(api):
    """Each role calls what it may use in the web pages; the rest is 403."""
    assert_error(api("official").get("/supporters"), 403, "forbidden")
    assert_error(api("supporter").get("/requests"), 403, "forbidden")
    assert_error(api("supporter").post("/requests", json=request_body()), 403, "forbidden")
    assert_error(api("municipal_officer").post("/supporters", json=profile()), 403, "forbidden")
    assert_error(api("coordinator").post("/offers/1/accept"), 403, "forbidden")
    assert_error(api("official").post("/stipends/2025-04/close"), 403, "forbidden")
    assert api("official").get("/reports/monthly/2025-04").status_code == 200
    assert api("supporter").get("/municipalities").status_code == 200


def test_cli_makes_and_revokes_tokens(app, users):
    """`flask users token EMAIL` prints a token on its last line; revoke-token ends it."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "coordinator@example.jp", "--name", "script"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    client = ApiClient(app.test_client(), token)
    assert client.get("/municipalities").status_code == 200

    prefix = token[:12]
    result = runner.invoke(
        args=["users", "revoke-token", "coordinator@example.jp", "--prefix", prefix]
    )
    assert result.exit_code == 0, result.output
    assert prefix in result.output
    assert_error(client.get("/municipalities"), 401)
    result = runner.invoke(args=["users", "token", "nobody@example.jp"])
    assert result.exit_code != 0


# --- Scope equals the web UI ----------------------------------------------------------------------


def test_officer_sees_supporters_of_their_area_only_without_contacts(api, make_supporter):
    """The municipal officer's list is the registry page's list; others are 404."""
    inside = make_supporter(name="Lê Thị Thu", home="08204", email="thu@example.jp")
    serving = make_supporter(name="Maria Santos", home="08201", served=["08204"])
    outside = make_supporter(name="Pedro Oliveira", home="08201", email="pedro@example.jp")
    officer = api("municipal_officer")
    names = {s["display_name"] for s in officer.get("/supporters?per_page=100").get_json()["items"]}
    assert {"Lê Thị Thu", "Maria Santos", "Trần Văn Hùng"} <= names
    assert "Pedro Oliveira" not in names
    names = {
        s["display_name"] for s in officer.get("/supporters?municipality=08201").get_json()["items"]
    }
    assert names == {"Maria Santos"}

    assert_error(officer.get(f"/supporters/{outside.id}"), 404, "not_found")
    record = officer.get(f"/supporters/{inside.id}").get_json()
    assert record["display_name"] == "Lê Thị Thu"
    assert record["email"] is None and record["phone"] is None and record["notes"] is None
    assert officer.get(f"/supporters/{serving.id}").status_code == 200


def test_coordinator_reads_contacts_and_each_look_is_audited(api, make_supporter, db, users):
    supporter = make_supporter(email="lan@example.jp")
    record = api("coordinator").get(f"/supporters/{supporter.id}").get_json()
    assert record["email"] == "lan@example.jp"
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "view_contact", AuditEvent.user_id == users["coordinator"].id
        )
    ).all()
    assert len(events) == 1


def test_officer_sees_their_requests_except_hospital_and_no_resident(api, make_request):
    """Officers: requests in their municipalities, no hospital ones, never the resident."""
    koga = make_request(municipality="08204")
    mito = make_request(municipality="08201")
    hospital = make_request(category="hospital", municipality="08204")
    officer = api("municipal_officer")
    listed = officer.get("/requests").get_json()
    assert [r["id"] for r in listed["items"]] == [koga.id]
    assert listed["items"][0]["requester"] is None
    assert officer.get(f"/requests/{koga.id}").get_json()["requester"] is None
    assert_error(officer.get(f"/requests/{mito.id}"), 404)
    assert_error(officer.get(f"/requests/{hospital.id}"), 404)
    assert_error(officer.get(f"/requests/{koga.id}/candidates"), 403)

    coordinator = api("coordinator").get(f"/requests/{hospital.id}").get_json()
    assert coordinator["requester"]["name"] == "Phạm Thị Mai"
    assert coordinator["sensitive"] is True


def test_supporter_sees_only_offers_made_to_them(api, make_request, make_supporter, users):
    """A supporter's token lists and answers their own offers; others' are "not found"."""
    from supporters.help_requests import offers

    other = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    request = make_request(category="hospital")
    mine, theirs = offers.send_offers(
        request, [users["supporter"].supporter_id, other.id], users["coordinator"]
    )
    _db.session.commit()
    supporter = api("supporter")
    listed = supporter.get("/offers").get_json()
    assert [o["id"] for o in listed["items"]] == [mine.id]
    before = listed["items"][0]["request"]
    assert before["requester"] is None and before["need"] is None  # hidden (null) until assigned
    assert_error(supporter.get(f"/offers/{theirs.id}"), 404)
    assert_error(supporter.post(f"/offers/{theirs.id}/accept"), 404)
    assert_error(supporter.post(f"/offers/{theirs.id}/decline", json={"reason": "other"}), 404)

    accepted = supporter.post(f"/offers/{mine.id}/accept")
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["status"] == "accepted"
    assert body["request"]["status"] == "assigned"
    assert body["request"]["requester"]["name"] == "Phạm Thị Mai"
    # The other offer was withdrawn: a second acceptance is a 409 with the service's code.
    assert_error(supporter.post(f"/offers/{mine.id}/accept"), 409, "answered")


def test_decline_needs_a_known_reason(api, make_request, users):
    from supporters.help_requests import offers

    (offer,) = offers.send_offers(
        make_request(), [users["supporter"].supporter_id], users["coordinator"]
    )
    _db.session.commit()
    supporter = api("supporter")
    error = assert_error(supporter.post(f"/offers/{offer.id}/decline", json={}), 422, "invalid")
    assert "reason" in error["fields"]
    # The note's limit is the offers service's (the same words as the supporter's page).
    long_note = {"reason": "too_far", "note": "x" * 1001}
    error = assert_error(supporter.post(f"/offers/{offer.id}/decline", json=long_note), 422)
    assert set(error["fields"]) == {"note"}
    with pytest.raises(Refused) as refused:
        offers.decline(offer.id, users["supporter"].supporter_id, "nope", "x" * 1001, by=None)
    assert set(refused.value.fields) == {"reason", "note"}
    _db.session.rollback()
    response = supporter.post(f"/offers/{offer.id}/decline", json={"reason": "too_far"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined"
    assert response.get_json()["request"]["status"] == "unfilled"


# --- Validation, errors, pagination ---------------------------------------------------------------


def test_validation_errors_are_422_with_fields(api):
    coordinator = api("coordinator")
    error = assert_error(coordinator.post("/supporters", json={}), 422, "invalid")
    assert {"display_name", "email", "phone", "languages", "modes"} <= set(error["fields"])

    body = profile(home_municipality_code="99999", languages=[{"code": "xx", "level": "native"}])
    error = assert_error(coordinator.post("/supporters", json=body), 422, "invalid")
    assert set(error["fields"]) == {"home_municipality_code", "languages"}

    error = assert_error(coordinator.post("/supporters", json={**profile(), "shoe_size": 42}), 422)
    assert "shoe_size" in error["fields"]

    error = assert_error(
        coordinator.post("/supporters", json=profile(languages=[{"code": "vi", "level": "x"}])),
        422,
    )
    assert "languages.0.level" in error["fields"]

    start = jst_at(3, 12).isoformat()
    error = assert_error(
        coordinator.post("/requests", json=request_body(ends_at=start, starts_at=start)), 422
    )
    assert "ends_at" in error["fields"]
    error = assert_error(coordinator.get("/supporters?per_page=101"), 422)
    assert "per_page" in error["fields"]


def test_service_refusals_keep_their_field_or_become_conflicts(api, make_supporter):
    coordinator = api("coordinator")
    first = coordinator.post("/supporters", json=profile())
    assert first.status_code == 201
    assert first.get_json()["phone"] == "090-1234-5678"  # normalised like the form
    error = assert_error(coordinator.post("/supporters", json=profile()), 422, "invalid")
    assert "email" in error["fields"]
    certified = make_supporter(email="done@example.jp")
    assert_error(coordinator.post(f"/supporters/{certified.id}/certify", json={}), 409, "conflict")


def test_errors_have_one_shape_everywhere(app, api):
    coordinator = api("coordinator")
    assert_error(coordinator.get("/no-such-thing"), 404, "not_found")
    assert_error(coordinator.get("/supporters/999999"), 404, "not_found")
    response = coordinator.client.delete("/api/v1/supporters", headers=coordinator.headers)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    response = coordinator.client.post(
        "/api/v1/supporters",
        data="{not json",
        content_type="application/json",
        headers=coordinator.headers,
    )
    assert_error(response, 400)
    assert_error(coordinator.get("/stipends/2025-13"), 404)
    error = assert_error(coordinator.get("/reports/period?from=2025-06&to=2025-04"), 422)
    assert "from" in error["fields"]


@pytest.fixture
def app_with(tmp_path):
    """``app_with(**config)``: an app of its own, with one coordinator and their token."""
    made = []

    def factory(**config):
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        app = make_app(folder, **config)
        made.append(app)
        with app.app_context():
            user = User(email="c@example.jp", name="c", role=Role.COORDINATOR, password_hash="-")
            _db.session.add(user)
            _db.session.commit()
            return ApiClient(app.test_client(), token_for(user))

    yield factory
    for app in made:
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()


def test_too_large_body_is_413_json(app_with):
    client = app_with(MAX_CONTENT_LENGTH=1000)
    response = client.post("/supporters", json=profile(notes="x" * 5000))
    assert_error(response, 413, "request_entity_too_large")


def test_rate_limit_is_429_json(app_with):
    client = app_with(API_RATE_LIMIT="2 per minute")
    assert client.get("/languages").status_code == 200
    assert client.get("/languages").status_code == 200
    limited = client.get("/languages")
    assert_error(limited, 429, "too_many_requests")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60  # seconds until the minute is over


def test_every_rate_limited_call_says_when_to_try_again(app_with):
    """Writes, unknown ids and calls without a token too: each 429 carries Retry-After."""
    client = app_with(API_RATE_LIMIT="1 per hour")
    for call in (
        lambda: client.get("/supporters"),
        lambda: client.post("/supporters", json=profile()),
        lambda: client.get("/supporters/999999"),
    ):
        assert call().status_code in (200, 201, 404)
        response = call()
        assert_error(response, 429, "too_many_requests")
        assert 1 <= int(response.headers["Retry-After"]) <= 3600
    anonymous = ApiClient(client.client, None)
    assert anonymous.get("/languages").status_code == 401
    limited = anonymous.get("/languages")
    assert_error(limited, 429)
    assert int(limited.headers["Retry-After"]) >= 1


def test_an_error_and_its_field_errors_speak_one_language(api):
    """A refused write answers in the caller's Accept-Language (ja or en), else the token
    owner's saved language, else Japanese — the message and every field error alike."""
    coordinator = api("coordinator")
    bad = profile(phone="12", home_municipality_code="99999")
    english = assert_error(coordinator.post("/supporters", json=bad, headers=EN), 422)
    japanese = assert_error(coordinator.post("/supporters", json=bad, headers=JA), 422)
    assert is_english(english["message"]) and is_japanese(japanese["message"])
    assert set(english["fields"]) == set(japanese["fields"]) == {"phone", "home_municipality_code"}
    assert all(is_english(text) for text in english["fields"].values())
    assert all(is_japanese(text) for text in japanese["fields"].values())

    # Fields refused by the body's shape (marshmallow) follow the same language.
    shape_en = assert_error(coordinator.post("/requests", json={}, headers=EN), 422)
    shape_ja = assert_error(coordinator.post("/requests", json={}, headers=JA), 422)
    assert shape_en["fields"]["category"] == "Required."
    assert all(is_japanese(text) for text in shape_ja["fields"].values()), shape_ja
    assert is_japanese(shape_ja["message"])

    # Without Accept-Language: the token owner's saved language.
    _db.session.get(User, current_app_user(coordinator)).locale = "en"
    _db.session.commit()
    saved = assert_error(coordinator.post("/supporters", json=bad), 422)
    assert saved == english
    assert all(is_english(text) for text in saved["fields"].values())


EN, JA = {"Accept-Language": "en"}, {"Accept-Language": "ja"}


def is_japanese(text: str) -> bool:
    return bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text))


def is_english(text: str) -> bool:
    return text.isascii()


def current_app_user(client: ApiClient) -> int:
    from supporters.api.tokens import check_token

    return check_token(client.headers["Authorization"].split()[1]).user.id


def test_lists_are_paginated(api, make_supporter):
    for n in range(5):
        make_supporter(name=f"Supporter {n}", email=f"s{n}@example.jp")
    coordinator = api("coordinator")
    first = coordinator.get("/supporters?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (6, 1, 2, 3)
    assert len(first["items"]) == 2
    third = coordinator.get("/supporters?per_page=2&page=3").get_json()
    assert len(third["items"]) == 2
    ids = {s["id"] for s in first["items"]} | {s["id"] for s in third["items"]}
    assert len(ids) == 4
    beyond = coordinator.get("/supporters?per_page=2&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 6
    assert coordinator.get("/municipalities?per_page=100").get_json()["total"] == 44


def test_update_changes_only_what_is_sent(api, make_supporter):
    supporter = make_supporter(email="lan@example.jp", notes="Prefers mornings")
    response = api("coordinator").patch(
        f"/supporters/{supporter.id}", json={"monthly_case_cap": 8, "modes": ["video"]}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["monthly_case_cap"], body["modes"]) == (8, ["video"])
    assert (body["email"], body["notes"]) == ("lan@example.jp", "Prefers mornings")


def test_activities_are_idempotent_and_supporters_log_only_their_own(api, users, make_supporter):
    other = make_supporter(email="other@example.jp")
    supporter = api("supporter")
    entry = {
        "happened_on": today_jst().isoformat(),
        "duration_minutes": 90,
        "category": "government_office",
        "mode": "in_person",
        "municipality_code": "08204",
        "language_code": "vi",
        "outcome": "resolved",
        "client_token": "phone-1",
    }
    first = supporter.post("/activities", json=entry)
    assert first.status_code == 201, first.get_json()
    again = supporter.post("/activities", json=entry)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert_error(supporter.post("/activities", json={**entry, "supporter_id": other.id}), 403)
    listed = supporter.get("/activities").get_json()
    assert [a["id"] for a in listed["items"]] == [first.get_json()["id"]]

    coordinator = api("coordinator")
    error = assert_error(coordinator.post("/activities", json=entry), 422)
    assert "supporter_id" in error["fields"]
    on_behalf = coordinator.post(
        "/activities", json={**entry, "supporter_id": other.id, "client_token": "paper-7"}
    )
    assert on_behalf.status_code == 201
    assert on_behalf.get_json()["logged_by_id"] == users["coordinator"].id
    future = (today_jst() + timedelta(days=2)).isoformat()
    error = assert_error(
        supporter.post("/activities", json={**entry, "happened_on": future, "client_token": "f"}),
        422,
    )
    assert "happened_on" in error["fields"]


def test_reports_are_the_json_the_report_pages_render(app, api, users):
    """The API's report is the download's JSON, suppressed for officials as on the page."""
    import json

    for role in ("coordinator", "official", "municipal_officer"):
        browser = app.test_client()
        Auth(browser).login(f"{role}@example.jp")
        page_json = json.loads(browser.get("/reports/monthly/2025-04.json?lang=en").data)
        api_json = api(role).get("/reports/monthly/2025-04?lang=en").get_json()
        assert api_json == page_json, role
        page_json = json.loads(browser.get("/reports/period.json?from=2025-04&to=2025-06").data)
        api_json = api(role).get("/reports/period?from=2025-04&to=2025-06").get_json()
        api_json.pop("locale"), page_json.pop("locale")
        assert api_json == page_json, role
    officer = api("municipal_officer").get("/reports/monthly/2025-04").get_json()
    assert officer["scope"] == ["08204"]


def test_coverage_report_for_a_fiscal_year(api):
    body = api("official").get("/reports/coverage?fiscal_year=2025").get_json()
    assert body["fiscal_year"] == 2025 and body["first_month"] == "2025-04"
    assert body["scope"] is None
    assert body["progress"]["fiscal_year"] == 2025
    officer = api("municipal_officer").get("/reports/coverage").get_json()
    assert officer["scope"] == ["08204"]
    assert all(gap["municipality_code"] == "08204" for gap in officer["gaps"])
    assert_error(api("official").get("/reports/coverage?fiscal_year=1999"), 422)


# --- Done when ------------------------------------------------------------------------------------


def test_a_coordinators_script_runs_the_whole_month_through_the_api(app, db, make_user):
    """Register and certify supporters, take a request, read the candidates, offer it; the
    supporter accepts with their own token and logs the case; the coordinator enters a paper
    record for last month, closes last month and reads its report. Tokens come from the CLI."""
    runner = app.test_cli_runner()
    make_user("coordinator", email="coordinator@example.jp")

    def cli_token(email: str) -> str:
        result = runner.invoke(args=["users", "token", email, "--name", "month-script"])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    coordinator = ApiClient(app.test_client(), cli_token("coordinator@example.jp"))

    # 1. Register two supporters and certify them.
    ids = []
    for n, (name, home) in enumerate((("Nguyễn Văn An", "08204"), ("Trần Thị Bình", "08201"))):
        created = coordinator.post(
            "/supporters",
            json=profile(display_name=name, email=f"s{n}@example.jp", home_municipality_code=home),
        )
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["status"] == "applicant"
        certified = coordinator.post(f"/supporters/{created.get_json()['id']}/certify", json={})
        assert certified.status_code == 200, certified.get_json()
        # No programme started in this database: the neutral prefix (programme/settings.py).
        assert certified.get_json()["certificate_number"].startswith("NLS-")
        ids.append(created.get_json()["id"])

    # The first supporter gets an account and makes their own token on the CLI.
    result = runner.invoke(
        args=[
            *("users", "create", "--email", "an@example.jp", "--password", "a long password"),
            *("--role", "supporter", "--name", "An", "--supporter", str(ids[0])),
        ]
    )
    assert result.exit_code == 0, result.output
    supporter = ApiClient(app.test_client(), cli_token("an@example.jp"))

    # 2. Take a request (consent recorded) and read the ranked candidates with reasons.
    taken = coordinator.post("/requests", json=request_body(days_ahead=2))
    assert taken.status_code == 201, taken.get_json()
    request_id = taken.get_json()["id"]
    assert taken.get_json()["status"] == "new"
    match = coordinator.get(f"/requests/{request_id}/candidates").get_json()
    ranked = [c["supporter_id"] for c in match["candidates"]]
    assert ranked[0] == ids[0]  # lives in Koga
    assert all(c["reasons"] and c["reasons"][0]["text"] for c in match["candidates"])

    # 3. Offer it; the supporter sees the offer and accepts it with their own token.
    sent = coordinator.post(f"/requests/{request_id}/offers", json={"supporter_ids": ranked})
    assert sent.status_code == 201, sent.get_json()
    offers = supporter.get("/offers").get_json()["items"]
    assert [o["request_id"] for o in offers] == [request_id]
    accepted = supporter.post(f"/offers/{offers[0]['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert coordinator.get(f"/requests/{request_id}").get_json()["assigned_supporter_id"] == ids[0]

    # 4. Once the visit has happened (yesterday), the supporter logs the case: the request is
    # completed. (A case is never logged before its assignment starts: issue 16, item 4.)
    from supporters.models import HelpRequest

    visited = _db.session.get(HelpRequest, request_id)
    visited.starts_at, visited.ends_at = jst_at(-1, 10), jst_at(-1, 12)
    _db.session.commit()
    logged = supporter.post(
        "/activities",
        json={
            "happened_on": today_jst().isoformat(),
            "duration_minutes": 60,
            "category": "daily_life",
            "mode": "in_person",
            "municipality_code": "08204",
            "language_code": "vi",
            "outcome": "resolved",
            "client_token": "an-1",
            "request_id": request_id,
        },
    )
    assert logged.status_code == 201, logged.get_json()
    assert coordinator.get(f"/requests/{request_id}").get_json()["status"] == "completed"

    # 5. Last month's paper record, entered by the coordinator; then last month is closed.
    last_month_end = today_jst().replace(day=1) - timedelta(days=1)
    month = f"{last_month_end:%Y-%m}"
    paper = coordinator.post(
        "/activities",
        json={
            "supporter_id": ids[1],
            "happened_on": last_month_end.isoformat(),
            "duration_minutes": 120,
            "category": "hospital",
            "mode": "in_person",
            "municipality_code": "08201",
            "outcome": "referred",
            "client_token": "paper-001",
        },
    )
    assert paper.status_code == 201, paper.get_json()
    assert_error(coordinator.post(f"/stipends/{today_jst():%Y-%m}/close"), 409)  # not over yet
    preview = coordinator.get(f"/stipends/{month}/close").get_json()  # who is paid, locked logs
    assert preview["locked_logs"] >= 1 and preview["token"]
    closed = coordinator.post(f"/stipends/{month}/close", json={"confirm": preview["token"]})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["already_closed"] is False
    assert coordinator.get(f"/stipends/{month}").get_json()["status"] == "closed"
    assert coordinator.post(f"/stipends/{month}/close").get_json()["already_closed"] is True

    # 6. The month's report counts the case; this month's shows the request assigned.
    report = coordinator.get(f"/reports/monthly/{month}?lang=en").get_json()
    assert report["period"]["from"] == month
    assert report["cases"]["total"] == 1
    now = coordinator.get(f"/reports/monthly/{today_jst():%Y-%m}?lang=en").get_json()
    assert now["cases"]["total"] == 1
    assert now["requests"]["received"] == 1
