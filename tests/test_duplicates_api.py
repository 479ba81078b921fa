"""Possible duplicates through the API: shown on the request (item and list), merged or dismissed
by coordinators through the same service as the console; officers learn nothing of them.

User story: "Our municipal intake system sends requests to Yorisoi through the API. When a
resident has asked twice, the coordinator's script sees it on the request — which other
reference, and why (same contact, similar name, same day) — and merges it, exactly as the
console would; the municipal officer reading the same request sees no trace of the other one."
"""

from sqlalchemy import select

from supporters.extensions import db as _db
from supporters.models import (
    AuditEvent,
    DuplicateCandidate,
    DuplicateStatus,
    HelpRequest,
    RequestStatus,
)
from tests.test_api import ApiClient, assert_error, token_for


def _api(app, users, role="coordinator") -> ApiClient:
    return ApiClient(app.test_client(), token_for(users[role]))


def _pair(make_request):
    earlier = make_request(name="Phạm Thị Mai")
    later = make_request(contact="mai.pham@example.com", name="pham thi mai")
    (row,) = _db.session.scalars(select(DuplicateCandidate))
    return earlier, later, row


def test_the_item_and_the_list_show_each_side_of_a_possible_duplicate(app, users, make_request):
    earlier, later, row = _pair(make_request)
    api = _api(app, users)

    item = api.get(f"/requests/{later.id}").get_json()
    (dup,) = item["duplicates"]
    assert dup["candidate_id"] == row.id and dup["request_id"] == earlier.id
    assert dup["reference"] == earlier.reference and dup["status"] == "new"
    assert dup["reasons"] == ["similar_name", "same_day", "received_close"]
    assert dup["merge_closes_this"] is True and dup["received_at"]
    assert "Phạm Thị Mai" not in str(dup)  # the other resident's details stay on their request

    (back,) = api.get(f"/requests/{earlier.id}").get_json()["duplicates"]
    assert back["request_id"] == later.id and back["merge_closes_this"] is False

    listed = {i["id"]: i["duplicates"] for i in api.get("/requests").get_json()["items"]}
    assert [d["request_id"] for d in listed[later.id]] == [earlier.id]
    assert [d["request_id"] for d in listed[earlier.id]] == [later.id]

    # A request taken through the API answers with what intake flagged at once.
    again = api.post(
        "/requests",
        json={
            "category": "daily_life",
            "mode": "in_person",
            "language_code": "vi",
            "municipality_code": "08204",
            "starts_at": later.starts_at.isoformat(),
            "ends_at": later.ends_at.isoformat(),
            "duration_minutes": 60,
            "requester_name": "Pham Thi Mai",
            "requester_contact": "080-1111-2222",
            "consent": {"language_shown": "vi", "channel": "phone"},
        },
    )
    assert again.status_code == 201, again.get_json()
    flagged = {d["request_id"]: d["reasons"] for d in again.get_json()["duplicates"]}
    assert "same_contact" in flagged[earlier.id]


def test_officers_get_no_duplicates_and_cannot_decide(app, users, make_request):
    earlier, later, row = _pair(make_request)
    officer = _api(app, users, "municipal_officer")
    item = officer.get(f"/requests/{later.id}")
    assert item.status_code == 200
    body = item.get_json()
    assert body["duplicates"] is None and body["requester"] is None
    assert earlier.reference not in item.get_data(as_text=True)
    for listed in officer.get("/requests").get_json()["items"]:
        assert listed["duplicates"] is None
    for action in ("merge", "dismiss"):
        url = f"/requests/{later.id}/duplicates/{row.id}/{action}"
        assert_error(officer.post(url), 403, "forbidden")
        assert_error(_api(app, users, "supporter").post(url), 403, "forbidden")
    _db.session.expire_all()
    assert _db.session.get(DuplicateCandidate, row.id).status == DuplicateStatus.OPEN


def test_a_coordinator_merges_through_the_api_as_in_the_console(app, users, make_request):
    earlier, later, row = _pair(make_request)
    api = _api(app, users)
    merged = api.post(f"/requests/{later.id}/duplicates/{row.id}/merge")
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    assert body["id"] == earlier.id and body["duplicates"] == []

    _db.session.expire_all()
    later = _db.session.get(HelpRequest, later.id)
    assert later.status == RequestStatus.CANCELLED
    assert later.events[-1].code == "merged_into"
    assert later.resident_key == _db.session.get(HelpRequest, earlier.id).resident_key
    assert _db.session.get(DuplicateCandidate, row.id).status == DuplicateStatus.MERGED
    assert "request_merged" in set(_db.session.scalars(select(AuditEvent.action)))

    again = assert_error(api.post(f"/requests/{earlier.id}/duplicates/{row.id}/merge"), 409)
    assert again["code"] in ("conflict", "invalid_transition")


def test_a_coordinator_dismisses_and_both_requests_stay(app, users, make_request):
    earlier, later, row = _pair(make_request)
    api = _api(app, users)
    dismissed = api.post(f"/requests/{earlier.id}/duplicates/{row.id}/dismiss")
    assert dismissed.status_code == 200, dismissed.get_json()
    assert dismissed.get_json()["id"] == earlier.id and dismissed.get_json()["duplicates"] == []
    assert api.get(f"/requests/{later.id}").get_json()["duplicates"] == []
    assert_error(api.post(f"/requests/{later.id}/duplicates/{row.id}/dismiss"), 409, "conflict")
    _db.session.expire_all()
    assert _db.session.get(HelpRequest, later.id).status == RequestStatus.NEW


def test_merge_refusals_keep_the_api_error_shape(app, users, make_request):
    earlier, later, row = _pair(make_request)
    other = make_request(contact="070-5555-6666", name="Trần Văn Hùng", days_ahead=20)
    api = _api(app, users)
    assert_error(api.post(f"/requests/{other.id}/duplicates/{row.id}/merge"), 404, "not_found")
    assert_error(api.post(f"/requests/{later.id}/duplicates/999999/merge"), 404, "not_found")

    _db.session.execute(
        HelpRequest.__table__.update()
        .where(HelpRequest.id == later.id)
        .values(status=RequestStatus.ASSIGNED.value)
    )
    _db.session.commit()
    assert_error(
        api.post(f"/requests/{later.id}/duplicates/{row.id}/merge"), 409, "invalid_transition"
    )
    _db.session.expire_all()
    assert _db.session.get(DuplicateCandidate, row.id).status == DuplicateStatus.OPEN


def test_openapi_documents_duplicates_and_their_decisions(app, db):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    base = "/api/v1/requests/{request_id}/duplicates/{candidate_id}"
    assert spec["paths"][f"{base}/merge"]["post"]["operationId"] == "merge_duplicate"
    assert spec["paths"][f"{base}/dismiss"]["post"]["operationId"] == "dismiss_duplicate"
    assert "duplicates" in spec["components"]["schemas"]["Request"]["properties"]
