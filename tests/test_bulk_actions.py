"""Bulk actions: close the selected requests (all or nothing), message the selected supporters.

User story: "After a holiday I close the twelve requests that were handled by phone with one
reason, and ask the supporters of one language to check their times — without writing the same
thing twelve times, and without any resident's details in the message."
"""

from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.models import (
    AuditEvent,
    HelpRequest,
    Notification,
    OutboxMessage,
    RequestEvent,
    RequestStatus,
)
from tests.conftest import post_form


def _status(request_id: int) -> RequestStatus:
    _db.session.expire_all()
    return _db.session.get(HelpRequest, request_id).status


def test_closing_asks_for_a_reason_first_then_closes_each(client, auth, users, make_request):
    a = make_request(contact="070-0000-0001", name="A One")
    b = make_request(contact="070-0000-0002", name="B Two", days_ahead=5)
    auth.login("coordinator@example.jp")
    ids = {"ids": [str(a.id), str(b.id)]}

    confirm = post_form(client, "/requests/bulk/close", ids, token_from="/requests/")
    assert confirm.status_code == 200  # the confirmation page, nothing changed yet
    assert a.reference in confirm.get_data(as_text=True)
    assert _status(a.id) == RequestStatus.NEW

    no_reason = post_form(
        client, "/requests/bulk/close", {**ids, "confirmed": "1"}, token_from="/requests/"
    )
    assert no_reason.status_code == 422
    assert _status(a.id) == RequestStatus.NEW

    done = post_form(
        client,
        "/requests/bulk/close",
        {**ids, "confirmed": "1", "reason": "Handled by phone"},
        token_from="/requests/",
    )
    assert done.status_code == 302
    assert _status(a.id) == _status(b.id) == RequestStatus.CANCELLED
    notes = _db.session.scalars(
        select(RequestEvent.note).where(RequestEvent.to_status == "cancelled")
    )
    assert list(notes) == ["Handled by phone", "Handled by phone"]


def test_one_that_cannot_close_leaves_all_unchanged(client, auth, users, make_request):
    """All or nothing: a cancelled request in the selection stops the whole action."""
    a = make_request(contact="070-0000-0001", name="A One")
    b = make_request(contact="070-0000-0002", name="B Two", days_ahead=5)
    _db.session.execute(
        HelpRequest.__table__.update()
        .where(HelpRequest.id == b.id)
        .values(status=RequestStatus.CANCELLED.value)
    )
    _db.session.commit()
    auth.login("coordinator@example.jp")
    response = post_form(
        client,
        "/requests/bulk/close",
        {"ids": [str(a.id), str(b.id)], "confirmed": "1", "reason": "Done"},
        token_from="/requests/",
    )
    assert response.status_code == 409  # the state of one request refuses it
    page = response.get_data(as_text=True)
    assert b.reference in page
    assert f"{a.reference} — New" in page or f"{a.reference} — 新規" in page  # as it still is
    assert _status(a.id) == RequestStatus.NEW  # rolled back with the refusal


def test_nothing_selected_or_foreign_ids_are_refused(client, auth, users, make_request):
    auth.login("coordinator@example.jp")
    assert post_form(client, "/requests/bulk/close", {}, token_from="/requests/").status_code == 422
    response = post_form(
        client,
        "/requests/bulk/close",
        {"ids": ["999999", "x"], "confirmed": "1", "reason": "Done"},
        token_from="/requests/",
    )
    assert response.status_code == 422


def test_supporters_get_a_fixed_message_in_their_language(
    client, auth, users, make_supporter, make_request
):
    make_request(name="Phạm Thị Mai")
    hoa = make_supporter(name="Nguyễn Thị Hoa", email="hoa@example.jp")
    lan = make_supporter(name="Lê Thị Lan", email="lan@example.jp")
    auth.login("coordinator@example.jp")

    page = client.get("/supporters/bulk/message", query_string={"ids": [hoa.id, lan.id]})
    assert page.status_code == 200 and "Nguyễn Thị Hoa" in page.get_data(as_text=True)
    response = post_form(
        client,
        "/supporters/bulk/message",
        {"ids": [str(hoa.id), str(lan.id)], "message": "check_availability"},
        token_from="/supporters/bulk/message",
    )
    assert response.status_code == 302
    outbox = list(_db.session.scalars(select(OutboxMessage)))
    assert {m.kind for m in outbox} == {"supporters_check_availability"}
    assert len(outbox) == 2
    for message in outbox:  # no resident or request detail ever travels
        assert "Phạm" not in message.body and "R-" not in message.body
    assert (
        _db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "supporter_messaged")
        )
        == 2
    )


def test_an_unknown_message_is_refused(client, auth, users, make_supporter):
    hoa = make_supporter(name="Nguyễn Thị Hoa", email="hoa@example.jp")
    auth.login("coordinator@example.jp")
    response = post_form(
        client,
        "/supporters/bulk/message",
        {"ids": [str(hoa.id)], "message": "free text: the resident's diagnosis"},
        token_from="/supporters/bulk/message",
    )
    assert response.status_code == 422
    assert _db.session.scalar(select(func.count()).select_from(Notification)) == 0
