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


def test_choosing_the_first_channel(db, lan, all_channels):
    client, user, _ = lan
    post_form(client, "/me/messages/first", {"first": "sms"}, token_from="/me/messages")
    db.session.expire_all()
    assert db.session.get(User, user.id).channel_order == "sms,line,webpush,email"
    refused = post_form(
        client, "/me/messages/first", {"first": "pigeon"}, token_from="/me/messages"
    )
    assert refused.status_code == 422


def test_the_service_worker_is_served_for_the_supporter_pages(client):
    response = client.get("/me/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "showNotification" in response.get_data(as_text=True)
