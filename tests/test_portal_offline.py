"""What the supporter's phone keeps for offline use (/me/offline.json, static/sw.js).

User story: "As a supporter, my assignments of the next two weeks open on my phone without a
signal — and nobody else's data is ever stored on it."
The browser side (network cut, case logged offline, sent once) is tests/browser/
test_offline_app.py.
"""

from supporters.extensions import db
from supporters.help_requests import offers


def _assign(request, supporter, user, coordinator):
    (offer,) = offers.send_offers(request, [supporter.id], coordinator)
    offers.accept(offer.id, supporter.id, user)
    db.session.commit()


def test_lists_my_assignments_of_the_next_14_days_only(
    client, auth, users, make_supporter, make_user, make_request
):
    me = users["supporter"]
    coordinator = users["coordinator"]
    soon = make_request(days_ahead=3)
    later = make_request(days_ahead=20, contact="080-2222-3333")
    _assign(soon, me.supporter, me, coordinator)
    _assign(later, me.supporter, me, coordinator)
    other = make_supporter(name="Lê Thị Hoa", email="hoa@example.jp")
    other_user = make_user("supporter", email="hoa@example.jp", supporter=other)
    theirs = make_request(days_ahead=2, contact="080-4444-5555")
    _assign(theirs, other, other_user, coordinator)

    auth.login(me.email)
    answer = client.get("/me/offline.json")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["pages"][:3] == ["/me/", "/me/log/", "/me/log/new"]
    assert f"/me/assignments/{soon.id}" in body["pages"]
    assert f"/me/log/new?request={soon.id}" in body["pages"]
    assert f"/me/assignments/{later.id}" not in body["pages"]  # beyond 14 days
    assert f"/me/assignments/{theirs.id}" not in body["pages"]  # someone else's
    assert body["csrf"] and body["days"] == 14
    # The owner key tells two accounts apart without naming either.
    assert str(me.id) != body["owner"] and len(body["owner"]) == 32
    auth.logout()
    auth.login(other_user.email)
    assert client.get("/me/offline.json").get_json()["owner"] != body["owner"]


def test_only_supporters_get_the_list(client, auth, users):
    assert client.get("/me/offline.json").status_code in (302, 401)
    auth.login(users["coordinator"].email)
    assert client.get("/me/offline.json").status_code == 403


def test_service_worker_and_script_are_served_without_inline_code(client, auth, users):
    worker = client.get("/me/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "offline.json" in worker.get_data(as_text=True)
    auth.login(users["supporter"].email)
    page = client.get("/me/").get_data(as_text=True)
    assert 'src="/static/js/offline.js"' in page
    assert 'id="offline-box"' in page and "<script>" not in page
