"""Likely duplicate requests: marked at intake on every channel, merged or dismissed by staff.

User story: "A resident sent the form twice, once with her mobile and once with her husband's
number. As a coordinator I see that the second request is probably the first one again, merge it
into the first with one button, and the resident keeps one history; nobody was refused."
"""

from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.help_requests import duplicates
from supporters.models import (
    AuditEvent,
    DuplicateCandidate,
    DuplicateStatus,
    HelpRequest,
    OutboxMessage,
    RequestStatus,
)
from supporters.privacy.records import resident_file
from tests.conftest import post_form
from tests.test_api import ApiClient, request_body, token_for
from tests.test_public_form import request_data


def _candidates() -> list[DuplicateCandidate]:
    return list(_db.session.scalars(select(DuplicateCandidate).order_by(DuplicateCandidate.id)))


def _by_reference(reference: str) -> HelpRequest:
    return _db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference))


# --- Detection -----------------------------------------------------------------------------------


def test_names_fold_alike_across_case_width_accents_order_and_kana():
    """The comparison sees through how a name happened to be typed."""
    assert duplicates.similar_names("Phạm Thị Mai", "pham thi MAI")
    assert duplicates.similar_names("Phạm Thị Mai", "ＰＨＡＭ　ＴＨＩ　ＭＡＩ")
    assert duplicates.similar_names("Phạm Thị Mai", "Mai Pham Thi")
    assert duplicates.similar_names("Nguyen Thi Mai", "Nguyen Thi Mail")  # a typo
    assert duplicates.similar_names("サントス マリア", "Santosu Maria")  # kana read as romaji
    assert not duplicates.similar_names("Phạm Thị Mai", "Trần Văn Hùng")
    assert not duplicates.similar_names("", "")


def test_the_public_form_sent_twice_is_marked_not_refused(client, db):
    """Same resident, same contact, same day: the second request is taken and marked."""
    first = post_form(client, "/help/?lang=vi", request_data())
    second = post_form(client, "/help/?lang=vi", request_data(name="NGUYEN THI MAI"))
    assert first.status_code == second.status_code == 302
    assert _db.session.scalar(select(func.count()).select_from(HelpRequest)) == 2

    (row,) = _candidates()
    assert row.request.id > row.other.id  # the later request points at the earlier one
    assert set(row.reasons) == {"same_contact", "similar_name", "same_day", "received_close"}
    assert row.status == DuplicateStatus.OPEN
    # Marking sends nothing to anybody: no name or need travels anywhere.
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_another_number_but_the_same_name_and_day_is_marked(make_request):
    """The husband's phone: the name and the day give it away."""
    make_request(contact="080-1111-2222", name="Phạm Thị Mai")
    make_request(contact="mai.pham@example.com", name="pham thi mai")
    (row,) = _candidates()
    assert row.reasons == ["similar_name", "same_day", "received_close"]


def test_someone_else_with_their_own_contact_is_not_marked(make_request):
    make_request(contact="080-1111-2222", name="Phạm Thị Mai")
    make_request(contact="080-9999-0000", name="Trần Văn Hùng")
    assert _candidates() == []


def test_the_console_and_the_api_mark_duplicates_too(app, client, auth, users, make_request):
    """One intake service, so every channel marks a repeat."""
    make_request(by=users["coordinator"])  # the console's path: take_request with a coordinator
    api = ApiClient(app.test_client(), token_for(users["coordinator"]))
    response = api.post(
        "/requests", json=request_body(requester_contact="０８０ー１１１１ー２２２２")
    )
    assert response.status_code == 201, response.get_json()
    (row,) = _candidates()
    assert "same_contact" in row.reasons  # full-width digits are the same number


# --- What the coordinator sees and does ----------------------------------------------------------


def test_coordinator_sees_the_duplicate_and_merges_it(client, auth, users, make_request):
    """Request page and list show it; merging cancels the later one into the earlier one."""
    earlier = make_request(name="Phạm Thị Mai")
    later = make_request(contact="mai.pham@example.com", name="Pham Thi Mai")
    auth.login("coordinator@example.jp")

    listing = client.get("/requests/").get_data(as_text=True)
    assert listing.count('data-testid="possible-duplicate"') == 2
    queue = client.get("/dashboard/").get_data(as_text=True)  # the queue marks them too
    assert queue.count('data-testid="possible-duplicate"') == 2
    page = client.get(f"/requests/{later.id}").get_data(as_text=True)
    assert 'data-testid="duplicates"' in page and earlier.reference in page
    (row,) = _candidates()

    response = post_form(
        client,
        f"/requests/{later.id}/duplicates/{row.id}/merge",
        {},
        token_from=f"/requests/{later.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{earlier.id}")

    _db.session.expire_all()
    later, earlier = (
        _db.session.get(HelpRequest, later.id),
        _db.session.get(HelpRequest, earlier.id),
    )
    assert later.status == RequestStatus.CANCELLED
    assert later.events[-1].code == "merged_into"
    assert later.events[-1].params["reference"] == earlier.reference
    assert earlier.events[-1].code == "merged_from"
    assert later.resident_key == earlier.resident_key  # one history for the resident
    assert resident_file(earlier).references == [earlier.reference, later.reference]
    assert _candidates()[0].status == DuplicateStatus.MERGED
    actions = set(_db.session.scalars(select(AuditEvent.action)))
    assert "request_merged" in actions

    text = client.get(f"/requests/{later.id}").get_data(as_text=True)
    assert 'data-testid="event-merged_into"' in text
    assert 'data-testid="duplicates"' not in text  # decided: no longer shown
    text = client.get(f"/requests/{earlier.id}").get_data(as_text=True)
    assert 'data-testid="event-merged_from"' in text and later.reference in text


def test_not_a_duplicate_is_dismissed_and_both_stay(client, auth, users, make_request):
    earlier = make_request()
    later = make_request()
    (row,) = _candidates()
    auth.login("coordinator@example.jp")
    response = post_form(
        client, f"/requests/{earlier.id}/duplicates/{row.id}/dismiss", {}, token_from="/requests/"
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert _candidates()[0].status == DuplicateStatus.DISMISSED
    assert _db.session.get(HelpRequest, later.id).status == RequestStatus.NEW
    assert 'data-testid="possible-duplicate"' not in client.get("/requests/").get_data(as_text=True)


def test_an_assigned_request_cannot_be_merged_away(client, auth, users, make_request):
    """Somebody is already going: merging is refused (409) and nothing changes."""
    make_request()
    later = make_request()
    _db.session.execute(
        HelpRequest.__table__.update()
        .where(HelpRequest.id == later.id)
        .values(status=RequestStatus.ASSIGNED.value)
    )
    _db.session.commit()
    (row,) = _candidates()
    auth.login("coordinator@example.jp")
    response = post_form(
        client, f"/requests/{later.id}/duplicates/{row.id}/merge", {}, token_from="/requests/"
    )
    assert response.status_code == 409
    _db.session.expire_all()
    assert _candidates()[0].status == DuplicateStatus.OPEN
    assert _db.session.get(HelpRequest, later.id).status == RequestStatus.ASSIGNED


def test_a_candidate_of_another_request_is_not_found(client, auth, users, make_request):
    a = make_request()
    make_request()
    c = make_request(contact="070-5555-6666", name="Trần Văn Hùng")
    row = _candidates()[0]
    auth.login("coordinator@example.jp")
    response = post_form(
        client, f"/requests/{c.id}/duplicates/{row.id}/merge", {}, token_from="/requests/"
    )
    assert response.status_code == 404
    assert a.id in (row.request_id, row.other_id)


def test_officers_do_not_see_names_or_decide(client, auth, users, make_request):
    """A municipal officer sees the marker on the list but never the resident's name."""
    make_request()
    make_request()
    auth.login(users["municipal_officer"].email)
    listing = client.get("/requests/").get_data(as_text=True)
    assert "Phạm Thị Mai" not in listing
    # Not even that the resident has another request (it might be one they may not see).
    assert 'data-testid="possible-duplicate"' not in listing
    assert 'data-testid="possible-duplicate"' not in client.get("/dashboard/").get_data(
        as_text=True
    )
    (row,) = _candidates()
    response = post_form(
        client,
        f"/requests/{row.request_id}/duplicates/{row.id}/merge",
        {},
        token_from="/requests/",
    )
    assert response.status_code == 403
