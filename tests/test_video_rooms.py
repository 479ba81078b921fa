"""Video-call links: one random room per assigned video request, for its two parties only.

User story: "As a Khmer-speaking supporter taking a video request, I find the call link on my
assignment; the resident finds the same link on their status page; nobody else — another
supporter, an officer, an API caller, a message, a log — ever holds it, and when I am taken off
the request my link disappears."
"""

import logging
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from supporters import config
from supporters.extensions import db as _db
from supporters.help_requests import lifecycle, offers, video_rooms
from supporters.models import (
    AuditEvent,
    HelpRequest,
    Notification,
    OutboxMessage,
    RequestEvent,
    VideoRoom,
)
from tests.conftest import Auth, post_form
from tests.test_api import ApiClient, token_for

BASE = "https://meet.example.jp"
CONTACT = "080-1111-2222"
NAME = "Phạm Thị Mai"


@pytest.fixture(autouse=True)
def video_service(app):
    """This installation has a video service (tests that want none set it back to "")."""
    app.config["VIDEO_BASE_URL"] = BASE


@pytest.fixture
def people(make_supporter, make_user):
    """Two Vietnamese supporters who help by video, each with an account, and the staff."""
    lan = make_supporter(name="Nguyễn Thị Lan", modes=("video", "phone"))
    hoa = make_supporter(name="Trần Thị Hoa", modes=("video", "phone"))
    return {
        "lan": lan,
        "hoa": hoa,
        "lan_account": make_user("supporter", email="lan@example.jp", supporter=lan),
        "hoa_account": make_user("supporter", email="hoa@example.jp", supporter=hoa),
        "coordinator": make_user("coordinator"),
        "officer": make_user("municipal_officer", municipalities=["08204"]),
    }


def _offered(make_request, people, mode="video", to=("lan", "hoa")):
    request = make_request(mode=mode, name=NAME, contact=CONTACT)
    sent = offers.send_offers(request, [people[n].id for n in to], people["coordinator"])
    _db.session.commit()
    return request, {o.supporter_id: o for o in sent}


def _assigned(make_request, people, mode="video", who="lan"):
    """A request of ``mode`` offered to both supporters and accepted by ``who``."""
    request, sent = _offered(make_request, people, mode)
    offers.accept(sent[people[who].id].id, people[who].id, None)
    _db.session.commit()
    return _db.session.get(HelpRequest, request.id), sent


def _rooms(request) -> list[VideoRoom]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(VideoRoom).where(VideoRoom.request_id == request.id).order_by(VideoRoom.id)
        )
    )


def _signed_in(app, email):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


# --- Creation, idempotency, revocation ------------------------------------------------------------


def test_accepting_a_video_request_opens_one_random_room(db, make_request, people):
    request, _sent = _assigned(make_request, people)
    [room] = _rooms(request)
    assert room.supporter_id == people["lan"].id and room.revoked_at is None
    assert len(room.room) >= 32
    # Random URL-safe characters and nothing else: no reference, name, place or language (short
    # words like "vi" could turn up by chance in 32 random characters; these could not).
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", room.room)
    for private in (
        request.reference,
        request.reference.replace("-", ""),
        "Pham",
        "Nguyen",
        "Tran",
        "08204",
        "koga",
        "ibaraki",
        "vietnam",
        "video",
    ):
        assert private.lower() not in room.room.lower()
    link = video_rooms.link_for_supporter(request, people["lan"].id)
    assert link == f"{BASE}/{room.room}"
    # Another request's room is another random name.
    other, _ = _assigned(make_request, people, who="hoa")
    assert _rooms(other)[0].room != room.room


def test_opening_again_keeps_the_one_room(db, make_request, people):
    request, _sent = _assigned(make_request, people)
    first = _rooms(request)[0]
    assert video_rooms.open_room(request).id == first.id
    assert video_rooms.open_room(request).id == first.id
    db.session.commit()
    assert [r.id for r in _rooms(request)] == [first.id]


def test_the_database_allows_one_live_room_per_request(db, make_request, people):
    request, _sent = _assigned(make_request, people)
    db.session.add(VideoRoom(request_id=request.id, supporter_id=people["hoa"].id, room="x" * 32))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("mode", ["phone", "in_person"])
def test_phone_and_in_person_requests_get_no_room(db, make_request, people, mode):
    request, _sent = _assigned(make_request, people, mode=mode)
    assert _rooms(request) == []
    assert video_rooms.link_for_resident(request) is None


@pytest.mark.parametrize("value", ["", "http://meet.example.jp", "meet.example.jp"])
def test_no_room_without_an_https_video_service(app, db, make_request, people, value):
    app.config["VIDEO_BASE_URL"] = value
    request, _sent = _assigned(make_request, people)
    assert _rooms(request) == []


def test_the_environment_setting_must_be_an_https_address():
    assert config.video_base_url("") == ""
    assert config.video_base_url(" https://meet.example.jp/ ") == "https://meet.example.jp"
    assert config.video_base_url("https://example.jp/meet") == "https://example.jp/meet"
    for bad in ("http://meet.example.jp", "meet.example.jp", "https://meet.example.jp/?a=1"):
        with pytest.raises(ValueError, match="VIDEO_BASE_URL"):
            config.video_base_url(bad)


def test_releasing_revokes_and_the_next_supporter_gets_a_new_room(db, make_request, people):
    request, _sent = _assigned(make_request, people)
    lifecycle.release(request, people["coordinator"], "Lan is ill")
    db.session.commit()
    [old] = _rooms(request)
    assert old.revoked_at is not None
    assert video_rooms.link_for_supporter(request, people["lan"].id) is None

    again = offers.send_offers(request, [people["hoa"].id], people["coordinator"])
    db.session.commit()
    offers.accept(again[0].id, people["hoa"].id, None)
    db.session.commit()
    old, new = _rooms(request)
    assert new.supporter_id == people["hoa"].id and new.revoked_at is None
    assert new.room != old.room
    request = db.session.get(HelpRequest, request.id)
    assert video_rooms.link_for_supporter(request, people["lan"].id) is None
    assert video_rooms.link_for_supporter(request, people["hoa"].id) == f"{BASE}/{new.room}"


@pytest.mark.parametrize("end", ["cancel", "complete"])
def test_cancelling_or_completing_revokes_the_room(db, make_request, people, end):
    request, _sent = _assigned(make_request, people)
    if end == "cancel":
        lifecycle.cancel(request, people["coordinator"], "No longer needed")
    else:
        lifecycle.complete(request, people["coordinator"])
    db.session.commit()
    [room] = _rooms(request)
    assert room.revoked_at is not None
    request = db.session.get(HelpRequest, request.id)
    assert video_rooms.link_for_resident(request) is None
    assert not video_rooms.has_room(request)


def test_the_room_is_in_no_message_event_or_audit_line(app, db, make_request, people, caplog):
    caplog.set_level(logging.DEBUG)
    request, sent = _offered(make_request, people)
    lan = _signed_in(app, "lan@example.jp")
    offer_id = sent[people["lan"].id].id
    response = post_form(
        lan, f"/me/offers/{offer_id}/accept", {}, token_from=f"/me/offers/{offer_id}"
    )
    assert response.status_code == 302
    lan.get(f"/me/assignments/{request.id}")
    lifecycle.release(db.session.get(HelpRequest, request.id), people["coordinator"], "ill")
    db.session.commit()
    [room] = _rooms(request)
    stored = [
        *(
            repr((m.body, m.subject, m.params, m.link))
            for m in db.session.scalars(select(OutboxMessage))
        ),
        *(repr((n.kind, n.link)) for n in db.session.scalars(select(Notification))),
        *(repr((e.note, e.code, e.params)) for e in db.session.scalars(select(RequestEvent))),
        *(repr((a.action, a.object_id, a.detail)) for a in db.session.scalars(select(AuditEvent))),
    ]
    assert stored and not [line for line in stored if room.room in line]
    assert room.room not in caplog.text
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "VideoRoom")
    ).all()
    assert sorted(actions) == ["video_room_opened", "video_room_revoked"]


# --- Who sees the link ---------------------------------------------------------------------------


def test_the_supporter_sees_the_link_on_the_offer_and_the_assignment(app, db, make_request, people):
    request, sent = _offered(make_request, people)
    lan = _signed_in(app, "lan@example.jp")
    offer_id = sent[people["lan"].id].id
    before = lan.get(f"/me/offers/{offer_id}").get_data(as_text=True)
    assert 'data-testid="video-call"' not in before and BASE not in before
    post_form(lan, f"/me/offers/{offer_id}/accept", {}, token_from=f"/me/offers/{offer_id}")
    [room] = _rooms(request)
    link = f"{BASE}/{room.room}"
    lan.set_cookie("yorisoi_lang", "en")
    for url in (f"/me/offers/{offer_id}", f"/me/assignments/{request.id}"):
        page = lan.get(url).get_data(as_text=True)
        assert f'href="{link}"' in page, url
        assert "Open this link at the time of the appointment." in page


def test_another_supporter_never_sees_the_link(app, db, make_request, people):
    request, sent = _assigned(make_request, people)
    [room] = _rooms(request)
    hoa = _signed_in(app, "hoa@example.jp")
    assert hoa.get(f"/me/assignments/{request.id}").status_code == 404
    # Hoa's own offer of the same request (withdrawn when Lan accepted) shows no link.
    page = hoa.get(f"/me/offers/{sent[people['hoa'].id].id}").get_data(as_text=True)
    assert room.room not in page
    assert room.room not in hoa.get("/me/").get_data(as_text=True)


def test_a_released_supporter_loses_the_link(app, db, make_request, people):
    request, sent = _assigned(make_request, people)
    [room] = _rooms(request)
    lifecycle.release(request, people["coordinator"], "Lan is ill")
    db.session.commit()
    lan = _signed_in(app, "lan@example.jp")
    assert lan.get(f"/me/assignments/{request.id}").status_code == 404
    page = lan.get(f"/me/offers/{sent[people['lan'].id].id}").get_data(as_text=True)
    assert room.room not in page


def test_the_resident_sees_the_link_on_the_status_page(app, db, client, make_request, people):
    request, _sent = _assigned(make_request, people)
    [room] = _rooms(request)
    response = post_form(
        client, "/help/status?lang=en", {"reference": request.reference, "contact": CONTACT}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="{BASE}/{room.room}"' in page
    assert "Open this link at the time of the appointment." in page
    assert response.headers["Cache-Control"] == "no-store"
    # The reference with a wrong contact: not found, no link.
    wrong = post_form(
        client, "/help/status?lang=en", {"reference": request.reference, "contact": "080-9"}
    )
    assert wrong.status_code == 422 and room.room not in wrong.get_data(as_text=True)


def test_staff_see_that_a_room_exists_but_not_the_link(app, db, make_request, people):
    request, _sent = _assigned(make_request, people)
    [room] = _rooms(request)
    coordinator = _signed_in(app, "coordinator@example.jp")
    page = coordinator.get(f"/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="video-room"' in page and room.room not in page
    officer = _signed_in(app, "municipal_officer@example.jp")
    response = officer.get(f"/requests/{request.id}")
    assert response.status_code == 200 and room.room not in response.get_data(as_text=True)


def test_no_api_answer_holds_the_link(app, db, make_request, people, make_user):
    request, sent = _assigned(make_request, people)
    [room] = _rooms(request)
    admin = make_user("admin")
    for user in (people["coordinator"], people["officer"], admin):
        api = ApiClient(app.test_client(), token_for(user))
        for path in (f"/requests/{request.id}", "/requests?status=assigned"):
            response = api.get(path)
            assert response.status_code == 200, (user.email, path, response.status_code)
            assert room.room not in response.get_data(as_text=True)
    # The supporter's own offers through the API: the resident's details, not the link (the
    # link is on the signed-in pages only).
    own = ApiClient(app.test_client(), token_for(people["lan_account"]))
    for path in ("/offers", f"/offers/{sent[people['lan'].id].id}"):
        response = own.get(path)
        assert response.status_code == 200 and room.room not in response.get_data(as_text=True)
    # A third party's token: the other supporter's offer is not theirs, the request not readable.
    stranger = ApiClient(app.test_client(), token_for(people["hoa_account"]))
    assert stranger.get(f"/offers/{sent[people['lan'].id].id}").status_code == 404
    assert stranger.get(f"/requests/{request.id}").status_code in (403, 404)
    listed = stranger.get("/offers")
    assert listed.status_code == 200 and room.room not in listed.get_data(as_text=True)


def test_no_video_service_means_no_link_on_any_page(app, db, client, make_request, people):
    request, _sent = _assigned(make_request, people)
    app.config["VIDEO_BASE_URL"] = ""  # the operator turned the service off
    lan = _signed_in(app, "lan@example.jp")
    assert 'data-testid="video-call"' not in lan.get(f"/me/assignments/{request.id}").get_data(
        as_text=True
    )
    response = post_form(
        client, "/help/status?lang=en", {"reference": request.reference, "contact": CONTACT}
    )
    assert 'data-testid="video-call"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(VideoRoom)) == 1
