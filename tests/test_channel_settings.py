"""The supporter's "Messages" page: link LINE with a one-time code, turn SMS and push on and off,
choose which channel comes first."""

import re

import pytest
from sqlalchemy import select

from supporters.models import ChannelAddress, User
from supporters.notify import addresses
from tests.conftest import Auth, csrf_token, post_form


@pytest.fixture
def lan(app, db, make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    client = app.test_client()
    Auth(client).login("lan-account@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    return client, user, supporter


@pytest.fixture
def all_channels(app):
    from py_vapid import Vapid02
    from py_vapid.utils import b64urlencode

    key = Vapid02()
    key.generate_keys()
    app.config.update(
        LINE_CHANNEL_ACCESS_TOKEN="t",
        LINE_CHANNEL_SECRET="s",
        LINE_FRIEND_URL="https://line.me/R/ti/p/@yorisoi-test",
        SMS_GATEWAY_URL="http://127.0.0.1:9/messages",
        VAPID_PRIVATE_KEY=b64urlencode(
            key.private_key.private_numbers().private_value.to_bytes(32, "big")
        ),
        VAPID_SUBJECT="mailto:yorisoi@example.jp",
    )


def _addresses(db, user):
    db.session.expire_all()
    return {
        row.channel: row.address
        for row in db.session.scalars(
            select(ChannelAddress).where(ChannelAddress.user_id == user.id)
        )
    }


def test_without_external_channels_only_email_is_offered(lan):
    client, _, _ = lan
    page = client.get("/me/messages").get_data(as_text=True)
    assert "lan@example.jp" in page
    assert "LINE" not in page and "SMS" not in page and "push-on" not in page


def test_link_line_with_the_code_on_the_page(app, db, lan, all_channels):
    client, user, _ = lan
    page = post_form(client, "/me/messages/line-code", {}, token_from="/me/messages")
    text = page.get_data(as_text=True)
    code = re.search(r'data-testid="line-code" lang="en">(\w+)<', text).group(1)
    assert "https://line.me/R/oaMessage/@yorisoi-test/?" + code in text  # LINE opens with it
    assert 'src="data:image/svg+xml' in text  # and its QR
    assert addresses.link_line(code, "U" + "1" * 32) is not None
    db.session.commit()
    assert 'data-testid="line-linked"' in client.get("/me/messages").get_data(as_text=True)
    post_form(client, "/me/messages/line/off", {}, token_from="/me/messages")
    assert "line" not in _addresses(db, user)


def test_sms_uses_the_registry_phone_in_e164(db, lan, all_channels):
    client, user, supporter = lan
    post_form(client, "/me/messages/sms", {}, token_from="/me/messages")
    digits = re.sub(r"\D", "", supporter.phone).lstrip("0")
    assert _addresses(db, user)["sms"] == "+81" + digits


def test_a_push_subscription_is_stored_and_a_bad_one_refused(db, lan, all_channels):
    client, user, _ = lan
    token = csrf_token(client, "/me/messages")
    good = {
        "endpoint": "https://push.example.net/send/abc",
        "keys": {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
            "-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    }
    response = client.post("/me/messages/push", json=good, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert _addresses(db, user)["webpush"] == good["endpoint"]
    bad = client.post(
        "/me/messages/push",
        json={"endpoint": "http://x", "keys": {}},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {
        "endpoint",
        "p256dh",
        "auth",
    }


def _order(client) -> list[tuple[str, str]]:
    """The order on the page: (channel, state) in the order shown."""
    page = client.get("/me/messages").get_data(as_text=True)
    return re.findall(r'data-channel="(\w+)">.*?data-testid="state-\w+">([^<]+)<', page, re.S)


def test_the_page_shows_the_order_and_which_channels_are_linked(db, lan, all_channels):
    client, user, _ = lan
    assert _order(client) == [
        ("line", "Not set up: skipped"),
        ("webpush", "Not set up: skipped"),
        ("email", "Ready"),
        ("sms", "Not set up: skipped"),
    ]
    post_form(client, "/me/messages/sms", {}, token_from="/me/messages")
    assert ("sms", "Ready") in _order(client)


def test_moving_a_channel_up_and_down(db, lan, all_channels):
    client, user, _ = lan

    def move(channel, direction):
        return post_form(
            client,
            "/me/messages/order",
            {"channel": channel, "move": direction},
            token_from="/me/messages",
        )

    assert move("sms", "up").status_code == 303
    assert move("sms", "up").status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).channel_order == "line,sms,webpush,email"
    move("line", "down")
    move("email", "up")
    move("sms", "up")  # moving the first channel up changes nothing
    db.session.expire_all()
    assert db.session.get(User, user.id).channel_order == "sms,line,email,webpush"
    assert [name for name, _ in _order(client)] == ["sms", "line", "email", "webpush"]
    assert move("pigeon", "up").status_code == 422
    assert move("sms", "sideways").status_code == 422


def test_a_channel_the_programme_has_not_set_up_keeps_its_place(app, db, lan, all_channels):
    """SMS off: moving e-mail above LINE swaps the two the supporter sees, SMS stays put."""
    client, user, _ = lan
    app.config["SMS_GATEWAY_URL"] = ""
    user.channel_order = "line,sms,email,webpush"
    db.session.commit()
    assert [name for name, _ in _order(client)] == ["line", "email", "webpush"]
    post_form(
        client,
        "/me/messages/order",
        {"channel": "email", "move": "up"},
        token_from="/me/messages",
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).channel_order == "email,sms,line,webpush"


def test_email_is_always_in_the_order(db, lan):
    _, user, _ = lan
    addresses.set_order(user, ["sms", "line"])
    assert user.channel_order == "sms,line,email"
    user.channel_order = None
    assert addresses.effective_order(user, "sms,pigeon,line") == ["sms", "line", "webpush", "email"]


def test_this_phone_can_turn_its_notifications_off(db, lan, all_channels, make_user):
    client, user, _ = lan
    token = csrf_token(client, "/me/messages")
    keys = {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
        "-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    }
    for device in ("phone", "tablet"):
        endpoint = f"https://push.example.net/send/{device}"
        client.post(
            "/me/messages/push",
            json={"endpoint": endpoint, "keys": keys},
            headers={"X-CSRFToken": token},
        )
    other = make_user("supporter", email="other@example.jp")
    addresses.save_push_subscription(other, "https://push.example.net/send/other", **keys)
    db.session.commit()
    forget = {"X-CSRFToken": token}
    for endpoint in ("https://push.example.net/send/phone", "https://push.example.net/send/other"):
        response = client.post("/me/messages/push/off", json={"endpoint": endpoint}, headers=forget)
        assert response.status_code == 200
    db.session.expire_all()
    left = set(db.session.scalars(select(ChannelAddress.address)))
    # Only this phone is forgotten: the tablet stays on, and nobody else's subscription moves.
    assert left == {"https://push.example.net/send/tablet", "https://push.example.net/send/other"}
    page = client.get("/me/messages").get_data(as_text=True)
    assert "Devices with notifications on: 1" in page and 'id="push-off"' in page


def test_the_service_worker_is_served_for_the_supporter_pages(client):
    response = client.get("/me/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "showNotification" in response.get_data(as_text=True)


def test_the_supporter_pages_install_as_an_app(client, lan):
    """iPhones allow Web Push only to an installed home-screen app: the pages link a manifest
    whose scope is the service worker's."""
    signed_in, _, _ = lan
    assert 'rel="manifest" href="/me/manifest.webmanifest"' in signed_in.get("/me/").get_data(
        as_text=True
    )
    response = client.get("/me/manifest.webmanifest")  # fetched without cookies by browsers
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/me/",
        "/me/",
        "standalone",
    )
