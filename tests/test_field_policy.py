"""One field policy per role for a help request, and every channel keeps to it.

User story: "As the prefecture's privacy officer I can trust that what a municipal officer or a
supporter reads of a resident's request is decided once: the console page, the JSON API (one
request or a page of them) and the supporter's phone pages show the same fields, so the child
health details of a childcare request can't leak through a channel nobody looked at."

For each role the test collects the fields each channel shows — ``data-field`` marks on the
pages, non-null keys in the API — and compares them with ``policy.readable_fields``. Values
written only for this test (``NEED-…``, ``ADDR-…``) must also be absent from every answer whose
policy hides them, whatever the markup. Help requests have no export (``/exports/`` holds
supporters, the case log, municipalities and resident figures); reports hold aggregates and may
only touch the columns in ``policy.AGGREGATE_FIELDS`` (checked on their source).
"""

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from supporters.api.tokens import issue_token
from supporters.extensions import db as _db
from supporters.help_requests import offers, policy
from supporters.models import HelpRequest, RequestStatus, User
from tests.conftest import Auth

ROOT = Path(__file__).resolve().parent.parent
FIELD_RE = re.compile(r'data-field="([a-z_]+)"')

MARKERS = {
    "need": "NEED-child-has-asthma",
    "place_address": "ADDR-1-2-3-Chuo",
    "requester_name": "NAME-Pham-Thi-Mai",
    "requester_contact": "contact-marker@example.jp",
    "residence_status": "RES-designated-activities",
    "place_name": "PLACE-Koga-nursery",
}
REQUESTER_KEYS = {
    "name": "requester_name",
    "contact": "requester_contact",
    "nationality": "requester_nationality",
    "residence_status": "residence_status",
}
# What each channel can show at all (a page has no place for what its reader never needs).
API_FIELDS = policy.ALL_FIELDS - {"consent", "history_notes"}
CONSOLE_PAGE_FIELDS = policy.ALL_FIELDS
PORTAL_OFFER_FIELDS = frozenset(
    {
        "category",
        "mode",
        "language_code",
        "municipality_code",
        "place_name",
        "starts_at",
        "ends_at",
        "duration_minutes",
        "urgency",
        "requester_name",
        "requester_contact",
        "place_address",
        "need",
    }
)
PORTAL_ASSIGNMENT_FIELDS = PORTAL_OFFER_FIELDS - {"urgency", "duration_minutes", "language_code"}


@dataclass
class Scene:
    app: Flask
    users: dict[str, User]
    offered: HelpRequest  # a childcare request in Koga with an open offer to the supporter
    assigned: HelpRequest  # another, accepted by the supporter
    offer_ids: dict[str, int]


def _take(make_request, **extra) -> HelpRequest:
    return make_request(
        category="childcare",
        municipality="08204",
        name=MARKERS["requester_name"],
        contact=MARKERS["requester_contact"],
        need=MARKERS["need"],
        place_address=MARKERS["place_address"],
        place_name=MARKERS["place_name"],
        residence_status=MARKERS["residence_status"],
        requester_nationality="VN",
        preferred_gender="female",
        urgency="urgent",
        **extra,
    )


@pytest.fixture
def scene(app, db, users, make_request):
    supporter_id = users["supporter"].supporter_id
    offered = _take(make_request)
    (open_offer,) = offers.send_offers(offered, [supporter_id], users["coordinator"])
    assigned = _take(make_request, days_ahead=4)
    (accepted,) = offers.send_offers(assigned, [supporter_id], users["coordinator"])
    db.session.commit()
    offers.accept(accepted.id, supporter_id, users["supporter"])
    db.session.commit()
    return Scene(
        app,
        users,
        offered,
        assigned,
        {"offered": open_offer.id, "assigned": accepted.id},
    )


def _browser(scene: Scene, role: str):
    client = scene.app.test_client()
    response = Auth(client).login(f"{role}@example.jp")
    assert response.status_code == 302, f"could not sign in as {role}"
    return client


def _token(scene: Scene, role: str) -> dict:
    with scene.app.app_context():
        _, token = issue_token(_db.session.get(User, scene.users[role].id), "policy test")
        _db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _page_fields(response) -> frozenset[str]:
    if response.status_code != 200:
        return frozenset()
    return frozenset(FIELD_RE.findall(response.get_data(as_text=True)))


def _api_fields(item: dict | None) -> frozenset[str]:
    """The request fields an API item shows: its non-null keys, ``requester`` flattened."""
    if item is None:
        return frozenset()
    shown = {k for k, v in item.items() if v is not None and k not in ("id", "requester")}
    for key, name in REQUESTER_KEYS.items():
        if (item.get("requester") or {}).get(key) is not None:
            shown.add(name)
    return frozenset(shown)


def _has_value(request_obj: HelpRequest, name: str) -> bool:
    """Whether the request holds something to show for ``name`` (pages skip empty fields)."""
    if name in ("need", "consent", "requester_name", "requester_contact"):
        return True
    if name == "history_notes":
        return any(event.note for event in request_obj.events)
    if name == "duplicates":  # rows of their own; these scenes' requests have none open
        return False
    return bool(getattr(request_obj, name))


def _api_value(request_obj: HelpRequest, name: str) -> bool:
    """The API answers null for an empty optional value as well as for a hidden one."""
    if name in ("offers", "duplicates"):  # a list, empty or not
        return True
    return getattr(request_obj, name) is not None


def _policy(scene: Scene, role: str, request_obj: HelpRequest) -> frozenset[str]:
    with scene.app.app_context():
        user = _db.session.get(User, scene.users[role].id)
        stored = _db.session.get(HelpRequest, request_obj.id)
        return policy.readable_fields(user, stored)


def _channels(scene: Scene, role: str, request_obj: HelpRequest, offer_key: str | None):
    """{channel: (fields shown, fields the channel can show, answer)} for one role; a list's
    answer is only this request's item (the page holds the supporter's other offers too)."""
    api = scene.app.test_client()
    headers = _token(scene, role)
    if role == "supporter":
        offer_id = scene.offer_ids[offer_key]
        browser = _browser(scene, role)
        page_url = (
            f"/me/assignments/{request_obj.id}"
            if offer_key == "assigned"
            else f"/me/offers/{offer_id}"
        )
        page = browser.get(page_url)
        offer_page = browser.get(f"/me/offers/{offer_id}")
        item = api.get(f"/api/v1/offers/{offer_id}", headers=headers)
        listed = api.get("/api/v1/offers?per_page=100", headers=headers)
        in_list = next(
            (o["request"] for o in listed.get_json()["items"] if o["id"] == offer_id), None
        )
        page_fields = PORTAL_ASSIGNMENT_FIELDS if offer_key == "assigned" else PORTAL_OFFER_FIELDS
        return {
            "portal page": (_page_fields(page), page_fields, page),
            "portal offer page": (_page_fields(offer_page), PORTAL_OFFER_FIELDS, offer_page),
            "API item": (_api_fields(item.get_json()["request"]), API_FIELDS, item),
            "API list": (_api_fields(in_list), API_FIELDS, json.dumps(in_list)),
        }
    browser = _browser(scene, role)
    page = browser.get(f"/requests/{request_obj.id}")
    item = api.get(f"/api/v1/requests/{request_obj.id}", headers=headers)
    listed = api.get("/api/v1/requests?status=&per_page=100", headers=headers)
    items = listed.get_json().get("items", []) if listed.status_code == 200 else []
    in_list = next((r for r in items if r["id"] == request_obj.id), None)
    return {
        "console page": (_page_fields(page), CONSOLE_PAGE_FIELDS, page),
        "API item": (
            _api_fields(item.get_json() if item.status_code == 200 else None),
            API_FIELDS,
            item,
        ),
        "API list": (_api_fields(in_list), API_FIELDS, json.dumps(in_list)),
    }


CASES = [
    ("admin", "offered", None),
    ("coordinator", "offered", None),
    ("municipal_officer", "offered", None),
    ("official", "offered", None),
    ("supporter", "offered", "offered"),
    ("supporter", "assigned", "assigned"),
]


@pytest.mark.parametrize(
    ("role", "which", "offer_key"),
    CASES,
    ids=[
        "admin",
        "coordinator",
        "municipal_officer",
        "official",
        "supporter-offered",
        "supporter-assigned",
    ],
)
def test_every_channel_shows_exactly_what_the_policy_allows(scene, role, which, offer_key):
    """Each role reads the same fields of a childcare request through every channel."""
    request_obj = getattr(scene, which)
    allowed = _policy(scene, role, request_obj)
    with scene.app.app_context():
        stored = _db.session.get(HelpRequest, request_obj.id)
        present = {name for name in policy.ALL_FIELDS if _has_value(stored, name)}
        api_present = {name for name in API_FIELDS if _api_value(stored, name)}
    for channel, (shown, capable, response) in _channels(
        scene, role, request_obj, offer_key
    ).items():
        assert shown <= allowed, f"{role} sees {sorted(shown - allowed)} through the {channel}"
        values = api_present if channel.startswith("API") else present
        expected = allowed & capable & values
        assert shown == expected, f"{role}: the {channel} misses {sorted(expected - shown)}"
        body = response if isinstance(response, str) else response.get_data(as_text=True)
        for name, marker in MARKERS.items():
            visible = name in allowed and name in capable
            assert (marker in body) == visible, f"{role}: {name} through the {channel}"


def test_the_policy_per_role(scene):
    """The policy itself, as the privacy notice describes it."""
    officer = _policy(scene, "municipal_officer", scene.offered)
    assert {"need", "place_address", "requester_name", "offers"}.isdisjoint(officer)
    assert {"category", "municipality_code", "starts_at", "status"} <= officer
    assert _policy(scene, "official", scene.offered) == frozenset()
    offered = _policy(scene, "supporter", scene.offered)
    assert offered == policy.OFFER  # no need, address, name or contact before acceptance
    assigned = _policy(scene, "supporter", scene.assigned)
    assert {"need", "place_address", "requester_name", "requester_contact"} <= assigned
    # Data minimisation: the assigned supporter never reads nationality or residence status.
    assert {"requester_nationality", "residence_status", "consent", "offers"}.isdisjoint(assigned)
    assert _policy(scene, "coordinator", scene.offered) == policy.ALL_FIELDS


def test_officer_api_no_longer_shows_a_childcare_requests_need(scene):
    """The finding: the officer's API answer gave ``need`` and ``place_address`` of a childcare
    request that the page hid; both are now null, in the item and in the list."""
    api = scene.app.test_client()
    headers = _token(scene, "municipal_officer")
    item = api.get(f"/api/v1/requests/{scene.offered.id}", headers=headers).get_json()
    assert item["need"] is None and item["place_address"] is None and item["requester"] is None
    listed = api.get("/api/v1/requests", headers=headers).get_json()["items"]
    assert len(listed) == 2  # both childcare requests are in the officer's municipality
    assert all(r["need"] is None and r["place_address"] is None for r in listed)


def test_a_released_request_hides_the_details_again(scene, db):
    """Once the coordinator releases the supporter, their pages stop showing the resident."""
    from supporters.help_requests import lifecycle

    request_obj = db.session.get(HelpRequest, scene.assigned.id)
    lifecycle.release(request_obj, scene.users["coordinator"], "resident cancelled by phone")
    db.session.commit()
    assert request_obj.status != RequestStatus.ASSIGNED
    api = scene.app.test_client()
    item = api.get(
        f"/api/v1/offers/{scene.offer_ids['assigned']}", headers=_token(scene, "supporter")
    ).get_json()
    assert item["request"]["need"] is None and item["request"]["requester"] is None


# --- Reports and coverage: aggregates only -------------------------------------------------------

AGGREGATE_MODULES = [
    *sorted((ROOT / "supporters" / "reports").glob("*.py")),
    *sorted((ROOT / "supporters" / "coverage").glob("*.py")),
]


def _columns_used(path: Path, model: str) -> set[str]:
    """Every ``Model.attribute`` a module's source names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == model
    }


@pytest.mark.parametrize("path", AGGREGATE_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reports_only_group_by_aggregate_fields(path):
    """Reports and coverage figures never read a request's personal fields or case notes."""
    request_columns = _columns_used(path, "HelpRequest")
    assert request_columns <= policy.AGGREGATE_FIELDS, sorted(
        request_columns - policy.AGGREGATE_FIELDS
    )
    activity_columns = _columns_used(path, "Activity")
    assert activity_columns <= policy.AGGREGATE_ACTIVITY_FIELDS, sorted(
        activity_columns - policy.AGGREGATE_ACTIVITY_FIELDS
    )


def test_aggregate_fields_hold_nothing_personal():
    assert not policy.AGGREGATE_FIELDS & policy.PERSONAL
    assert "notes" not in policy.AGGREGATE_ACTIVITY_FIELDS


def test_the_monthly_report_carries_no_marker(scene):
    """The report's JSON for this month, as a coordinator (exact figures) reads it."""
    from supporters.clock import today_jst

    month = today_jst().strftime("%Y-%m")
    response = _browser(scene, "coordinator").get(f"/reports/monthly/{month}.json")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for marker in MARKERS.values():
        assert marker not in body


def test_a_suspended_supporter_reads_nothing_of_their_assignment(scene, db):
    """Defence in depth: even before their sessions end, the policy gives them no field."""
    from datetime import date

    from supporters.registry import operations

    supporter = db.session.get(User, scene.users["supporter"].id).supporter
    operations.suspend(supporter, date(2026, 11, 28), "complaint under review", by=None)
    db.session.commit()
    assert _policy(scene, "supporter", scene.assigned) == frozenset()
