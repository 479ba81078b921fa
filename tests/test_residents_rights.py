"""Residents' rights under the APPI (Art. 33–35): find, show, export, correct, anonymise.

User story: "A resident phones and asks what we hold about them, then asks us to correct their
phone number, and later to delete everything. As a coordinator I find them by their reference
number, name or phone, hand them a Japanese copy, correct it, and anonymise it — and the
reports we already sent to the prefecture still add up."
"""

import json
import re

import pytest
from sqlalchemy import func, select

from supporters.help_requests import intake, lifecycle, offers
from supporters.models import (
    Activity,
    AuditEvent,
    HelpRequest,
    Notification,
    OutboxMessage,
    RequestEvent,
    User,
)
from supporters.privacy import records
from supporters.privacy.service import ANONYMISED
from tests.conftest import Auth, csrf_token, post_form

EN = {"Accept-Language": "en"}
NOTE = "Mai has diabetes; her husband Taro drives her"


def _sign_in(app, role: str):
    client = app.test_client()
    assert Auth(client).login(f"{role}@example.jp").status_code == 302
    return client


def _audit(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by("id"))
    )


def _helped(db, make_request, users, **extra) -> HelpRequest:
    """A request that was offered, accepted, logged with a note, completed and closed."""
    coordinator = db.session.get(User, users["coordinator"].id)
    request = make_request(**extra)
    supporter_id = users["supporter"].supporter_id
    (offer,) = offers.send_offers(request, [supporter_id], coordinator)
    db.session.commit()
    offers.accept(offer.id, supporter_id, None)
    db.session.commit()
    request = db.session.get(HelpRequest, request.id)
    db.session.add(
        Activity(
            supporter_id=supporter_id,
            request_id=request.id,
            happened_on=request.starts_at.date(),
            duration_minutes=90,
            category="hospital" if request.category == "hospital" else "daily_life",
            mode="in_person",
            municipality_code=request.municipality_code,
            language_code="vi",
            notes=NOTE,
            client_token=f"log-{request.id}",
        )
    )
    lifecycle.complete(request, coordinator, "done")
    lifecycle.close(request, coordinator, "Mai called to say thank you")
    db.session.commit()
    return request


def _search(client, query: str):
    return post_form(client, "/privacy/residents", {"q": query}, headers=EN)


# --- Find -----------------------------------------------------------------------------------------


def test_a_coordinator_finds_a_resident_by_reference_name_or_contact(app, db, users, make_request):
    first = make_request(name="Phạm Thị Mai", contact="080-1111-2222")
    second = make_request(name="PHAM THI MAI", contact="０８０ー１１１１ー２２２２", days_ahead=9)
    other = make_request(name="Nguyễn Văn An", contact="an@example.jp")
    client = _sign_in(app, "coordinator")

    # The reference read out over the phone, in lower case, without dashes.
    compact = first.reference.replace("-", "").lower()
    page = _search(client, compact).get_data(as_text=True)
    assert first.reference in page and second.reference not in page

    # Part of the name, without the Vietnamese accents, in any case: both of Mai's requests.
    page = _search(client, "pham thi").get_data(as_text=True)
    assert first.reference in page and second.reference in page
    assert other.reference not in page

    # Her phone number, typed differently: the keyed hash finds both, and they form one resident.
    result = records.find("08011112222")
    assert result.kind == "contact"
    assert [len(group) for group in result.groups()] == [2]
    page = _search(client, "080 1111 2222").get_data(as_text=True)
    assert page.count('data-testid="resident-group"') == 1

    page = _search(client, "AN@EXAMPLE.JP").get_data(as_text=True)
    assert other.reference in page and first.reference not in page

    assert "Nothing found" in _search(client, "Somebody Else").get_data(as_text=True)

    # Every search is audited: how it searched and what it showed, never what was typed.
    searches = _audit(db, "privacy_search")
    assert len(searches) == 5
    assert all("080" not in event.detail and "pham" not in event.detail for event in searches)
    assert searches[1].detail.startswith("by=name") and first.reference in searches[1].detail


def test_a_search_sends_nothing_personal_in_the_url(app, users):
    """Names and phone numbers are POSTed: a GET with a query shows only the empty form."""
    client = _sign_in(app, "coordinator")
    page = client.get("/privacy/residents?q=Mai", headers=EN).get_data(as_text=True)
    assert 'method="post"' in page and "Results" not in page
    assert _search(client, "").status_code == 422


# --- Look and export ------------------------------------------------------------------------------


def test_the_resident_page_shows_everything_held_and_each_look_is_audited(
    app, db, users, make_request
):
    helped = _helped(db, make_request, users, category="hospital", need="Diabetes check-up")
    later = make_request(days_ahead=20, need="Ward office")
    client = _sign_in(app, "coordinator")

    page = client.get(f"/privacy/residents/{later.id}", headers=EN).get_data(as_text=True)
    assert helped.reference in page and later.reference in page
    assert "Phạm Thị Mai" in page and "080-1111-2222" in page
    assert "Diabetes check-up" in page and NOTE in page and "Mai called to say thank you" in page
    assert page.count('data-testid="resident-request"') == 2
    assert "Request assigned" in page  # the staff notification about the assignment

    views = _audit(db, "privacy_view")
    assert sorted(int(event.object_id) for event in views) == sorted([helped.id, later.id])
    assert {event.user_id for event in views} == {users["coordinator"].id}


def test_the_export_is_json_and_a_japanese_page_and_pdf_each_audited(app, db, users, make_request):
    helped = _helped(db, make_request, users, residence_status="Student", place_address="古河市")
    client = _sign_in(app, "admin")

    response = client.get(f"/privacy/residents/{helped.id}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    (item,) = data["requests"]
    assert data["references"] == [helped.reference]
    assert item["personal"]["name"] == "Phạm Thị Mai"
    assert item["personal"]["residence_status"] == "Student"
    assert item["consent"]["notice_version"] == "2026-04"
    assert [event["to"] for event in item["history"]][-1] == "closed"
    assert item["case_logs"][0]["notes"] == NOTE
    assert item["offers"][0]["status"] == "accepted"
    assert "supporter_id" not in json.dumps(item["offers"])
    assert {note["kind"] for note in data["notifications"]} >= {"offer_new", "request_assigned"}

    page = client.get(f"/privacy/residents/{helped.id}/disclosure", headers=EN)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "保有個人データの開示" in text and "受付番号" in text and "古河市" in text
    assert "Phạm Thị Mai" in text and "在留資格" in text

    pdf = client.get(f"/privacy/residents/{helped.id}/disclosure.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    exports = _audit(db, "privacy_export")
    assert [(event.channel, event.detail) for event in exports] == [
        ("export", "json"),
        ("export", "html"),
        ("pdf", "pdf"),
    ]


# --- Correct --------------------------------------------------------------------------------------


def _correction(client, request, **changes):
    form = client.get(f"/privacy/requests/{request.id}/correct", headers=EN).get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*id="(\w+)"[^>]*type="text" value="([^"]*)"', form))
    values = {k: v for k, v in values.items() if k.startswith(("requester", "residence", "place"))}
    values.update(
        requester_nationality="VN",
        need=request.need,
        csrf_token=csrf_token(client, f"/privacy/requests/{request.id}/correct"),
    )
    values.update(changes)
    return client.post(f"/privacy/requests/{request.id}/correct", data=values, headers=EN)


def test_a_correction_is_validated_audited_and_renews_the_resident_key(
    app, db, users, make_request
):
    request = make_request(requester_nationality="VN", need="Ward office")
    client = _sign_in(app, "coordinator")

    refused = _correction(client, request, requester_contact="090-9999-0000", reason="")
    assert refused.status_code == 422
    assert "Give the reason" in refused.get_data(as_text=True)
    refused = _correction(client, request, requester_name="", reason="Phone call 28 Nov")
    assert refused.status_code == 422
    refused = _correction(
        client, request, requester_name="Mai\u202egpj.exe", reason="Phone call 28 Nov"
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).requester_contact == "080-1111-2222"

    response = _correction(
        client,
        request,
        requester_contact="０９０ー９９９９ー００００",
        residence_status="Permanent resident",
        reason="Resident asked by phone on 28 Nov",
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(HelpRequest, request.id)
    assert stored.requester_contact == "090-9999-0000"
    assert stored.residence_status == "Permanent resident"
    assert stored.resident_key == intake.resident_key("09099990000")
    assert records.find("090-9999-0000").requests == [stored]
    (event,) = _audit(db, "privacy_corrected")
    assert event.object_id == str(request.id) and event.user_id == users["coordinator"].id
    assert "requester_contact" in event.detail and "residence_status" in event.detail
    assert "Resident asked by phone" in event.detail


# --- Anonymise ------------------------------------------------------------------------------------


def test_anonymising_removes_the_person_keeps_the_rows_and_past_reports(
    app, db, users, make_request
):
    helped = _helped(db, make_request, users, category="hospital", need="Diabetes check-up")
    coordinator = db.session.get(User, users["coordinator"].id)
    cancelled = make_request(days_ahead=8, place_address="古河市中央町1-2-3")
    lifecycle.cancel(cancelled, coordinator, "Mai's daughter will go with her")
    db.session.commit()
    stranger = make_request(name="Nguyễn Văn An", contact="an@example.jp")
    month = helped.created_at.strftime("%Y-%m")
    client = _sign_in(app, "coordinator")
    report_before = client.get(f"/reports/monthly/{month}.json").get_json()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    # A reason and the confirmation are required.
    url = f"/privacy/residents/{cancelled.id}/anonymise"
    assert post_form(client, url, {"confirm": "y"}, headers=EN).status_code == 422
    assert post_form(client, url, {"reason": "Asked by phone"}, headers=EN).status_code == 422
    response = post_form(client, url, {"reason": "Asked by phone 28 Nov", "confirm": "y"})
    assert response.status_code == 302

    db.session.expire_all()
    for request_id in (helped.id, cancelled.id):
        row = db.session.get(HelpRequest, request_id)
        assert (row.requester_name, row.requester_contact) == (ANONYMISED, ANONYMISED)
        assert row.need == row.place_address == row.residence_status == row.resident_key == ""
        assert row.anonymised_at is not None
        assert all(event.note == "" for event in row.events)  # rows kept, notes cleared
    assert db.session.scalar(select(Activity.notes).where(Activity.request_id == helped.id)) == ""
    assert db.session.get(HelpRequest, stranger.id).requester_name == "Nguyễn Văn An"
    assert db.session.scalar(select(func.count()).select_from(RequestEvent)) >= 6

    # The counts the prefecture already has are unchanged, and so is the audit trail (plus one
    # event per anonymised request).
    assert client.get(f"/reports/monthly/{month}.json").get_json() == report_before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > audit_before
    assert len(_audit(db, "privacy_anonymised")) == 2

    # Nothing is found by her name or phone any more; the reference still shows "anonymised".
    assert records.find("Phạm").requests == []
    assert records.find("080-1111-2222").requests == []
    page = client.get(f"/privacy/residents/{helped.id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="anonymised"' in page and "Phạm" not in page and NOTE not in page

    # Once anonymised, there is nothing to correct, and anonymising again changes nothing.
    correct = client.get(f"/privacy/requests/{helped.id}/correct")
    assert correct.status_code == 302
    post_form(client, f"/privacy/residents/{helped.id}/anonymise", {"reason": "x", "confirm": "y"})
    assert len(_audit(db, "privacy_anonymised")) == 2


def test_a_request_still_being_worked_on_is_not_anonymised(app, db, users, make_request):
    """The supporter on their way must not lose the resident's contact: cancel or close first."""
    request = make_request()
    client = _sign_in(app, "coordinator")
    response = post_form(
        client,
        f"/privacy/residents/{request.id}/anonymise",
        {"reason": "Asked by phone", "confirm": "y"},
        headers=EN,
    )
    assert response.status_code == 422
    assert request.reference in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).anonymised_at is None


def test_notifications_and_messages_about_the_requests_are_listed(app, db, users, make_request):
    helped = _helped(db, make_request, users)
    file = records.resident_file(db.session.get(HelpRequest, helped.id))
    assert {note.kind for note in file.notifications} >= {"offer_new", "request_assigned"}
    assert file.outbox and all(isinstance(m, OutboxMessage) for m in file.outbox)
    unrelated = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.link == "/requests/999")
    )
    assert unrelated == 0


@pytest.mark.parametrize("role", ["municipal_officer", "official", "supporter"])
def test_only_coordinators_and_admins_reach_residents_data(app, db, users, make_request, role):
    request = make_request()
    client = _sign_in(app, role)
    for url in (
        "/privacy/residents",
        f"/privacy/residents/{request.id}",
        f"/privacy/residents/{request.id}/export.json",
        f"/privacy/residents/{request.id}/disclosure.pdf",
        f"/privacy/requests/{request.id}/correct",
    ):
        assert client.get(url).status_code == 403, url
    assert _audit(db, "privacy_view") == []
