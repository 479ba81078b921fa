"""A supporter's private calendar feed: a secret link, stored hashed, renewable and revocable.

User story: "As a supporter I see my assignments in my phone's calendar app without signing in
there, and nothing on my lock screen says 'hospital' or names the resident."
"""

import re

import icalendar
import pytest
from sqlalchemy import select

from supporters.extensions import db
from supporters.models import CalendarFeed, RequestStatus
from tests.conftest import csrf_token

BASE_URL = "https://yorisoi.example.jp"


def _assign(request, supporter_id, status=RequestStatus.ASSIGNED):
    request.assigned_supporter_id = supporter_id
    request.status = status
    db.session.commit()
    return request


@pytest.fixture
def assignments(app, users, make_request):
    app.config["BASE_URL"] = BASE_URL
    sid = users["supporter"].supporter_id
    hospital = _assign(
        make_request(category="hospital", place_name="古河赤十字病院", name="Phạm Thị Mai"), sid
    )
    cancelled = _assign(make_request(days_ahead=5), sid, RequestStatus.CANCELLED)
    return hospital, cancelled, None


def _new_link(client) -> str:
    token = csrf_token(client, "/me/calendar")
    page = client.post("/me/calendar/feed", data={"csrf_token": token})
    assert page.status_code == 200
    url = re.search(
        r'value="(https://[^"]+/calendar/feed/[^"]+\.ics)"', page.get_data(as_text=True)
    )
    assert url
    return url.group(1).removeprefix(BASE_URL)


def test_feed_lists_assignments_as_valid_events_without_special_care_words(
    client, auth, assignments
):
    hospital, cancelled, _ = assignments
    auth.login("supporter@example.jp")
    path = _new_link(client)
    auth.logout()

    response = client.get(path)  # a calendar app: no session
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    cal = icalendar.Calendar.from_ical(body)
    assert cal["METHOD"] == "PUBLISH" and cal["VERSION"] == "2.0"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"request-{hospital.id}@yorisoi", f"request-{cancelled.id}@yorisoi"}
    event = events[f"request-{hospital.id}@yorisoi"]
    assert event.decoded("DTSTART") == hospital.starts_at
    assert event.decoded("DTEND") == hospital.ends_at
    assert "DTSTAMP" in event
    assert str(event["URL"]) == f"{BASE_URL}/me/assignments/{hospital.id}"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(events[f"request-{cancelled.id}@yorisoi"]["STATUS"]) == "CANCELLED"
    # Japanese by default: "よりそい: 対面 (古河市)" style — the kind of help, never the category.
    for word in ("病院", "Hospital", "hospital", "赤十字", "Phạm", "080-1111-2222"):
        assert word not in body
    assert "\n" not in body.replace("\r\n", "")


def test_feed_speaks_the_supporters_language(client, auth, users, assignments):
    users["supporter"].locale = "en"
    db.session.merge(users["supporter"])
    db.session.commit()
    auth.login("supporter@example.jp")
    path = _new_link(client)
    body = client.get(path).get_data(as_text=True)
    assert "SUMMARY:Yorisoi: In person (Koga" in body


def test_only_the_hash_is_stored_and_renewing_stops_the_old_link(client, auth, assignments):
    auth.login("supporter@example.jp")
    old = _new_link(client)
    secret = old.rsplit("/", 1)[1].removesuffix(".ics")
    (stored,) = db.session.scalars(select(CalendarFeed.token_hash))
    assert secret not in stored and len(stored) == 64

    new = _new_link(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_revoking_stops_the_link(client, auth, assignments):
    auth.login("supporter@example.jp")
    path = _new_link(client)
    token = csrf_token(client, "/me/calendar")
    response = client.post("/me/calendar/feed/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get(path).status_code == 404
    assert db.session.scalars(select(CalendarFeed)).all() == []


def test_unknown_or_silly_tokens_are_not_found(client):
    for token in ("nothing", "x" * 500, "%00", "a.b"):
        assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_renewing_needs_the_form_token(client, auth, assignments):
    auth.login("supporter@example.jp")
    assert client.post("/me/calendar/feed").status_code == 400
    assert db.session.scalars(select(CalendarFeed)).all() == []
