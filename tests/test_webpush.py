"""Web Push, against a local push service that does what a browser vendor's does: it checks the
VAPID authorisation (RFC 8292: an ES256 JWT for this origin, expiring within 24 hours) and we
decrypt the payload (RFC 8291, aes128gcm) with the subscription's own keys, as the browser would."""

import base64
import json
import os
import time
from urllib.parse import urlsplit

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode
from sqlalchemy import select

from supporters.models import ChannelAddress, OutboxMessage, OutboxStatus
from supporters.notify import addresses, deliver_pending, notify_supporter
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A subscription's secrets, as the browser keeps them."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        point = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.p256dh = b64urlencode(point)
        self.auth_secret = os.urandom(16)
        self.auth = b64urlencode(self.auth_secret)


class PushService:
    """``POST /push/<id>``: VAPID checked, payload decrypted with the browser's keys."""

    def __init__(self, browser: Browser, gone: bool = False, answers: list | None = None):
        self.browser, self.gone = browser, gone
        self.answers = list(answers or [])  # statuses to answer first (429, 503 …)
        self.delivered: list[dict] = []
        self.urgencies: list[str] = []
        self.origin = ""

    def __call__(self, got):
        assert got.method == "POST" and got.path.startswith("/push/")
        assert got.headers.get("Content-Encoding") == "aes128gcm", "RFC 8291 encoding"
        assert int(got.headers.get("TTL", "-1")) > 0, "TTL"
        assert got.headers.get("Urgency") in ("very-low", "low", "normal", "high")
        self._check_vapid(got.headers.get("Authorization", ""))
        self.urgencies.append(got.headers["Urgency"])
        if self.gone:
            return 410, {"reason": "unsubscribed"}
        if self.answers:
            return self.answers.pop(0), {"reason": "busy"}
        plain = http_ece.decrypt(
            got.body,
            private_key=self.browser.private,
            auth_secret=self.browser.auth_secret,
            version="aes128gcm",
        )
        self.delivered.append(json.loads(plain))
        return 201, {}

    def _check_vapid(self, header: str):
        assert header.startswith("vapid "), header
        parts = dict(part.strip().split("=", 1) for part in header[6:].split(","))
        jwt, key = parts["t"], parts["k"]
        signing_input, _, signature = jwt.rpartition(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(key))
        raw = b64decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
        header_part, claims_part = signing_input.split(".")
        assert json.loads(b64decode(header_part))["alg"] == "ES256"
        claims = json.loads(b64decode(claims_part))
        assert claims["aud"] == self.origin, claims
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600
        assert claims["sub"].startswith("mailto:")


@pytest.fixture
def vapid_key():
    key = Vapid02()
    key.generate_keys()
    return b64urlencode(key.private_key.private_numbers().private_value.to_bytes(32, "big"))


@pytest.fixture
def lan(db, make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    user.locale = "vi"
    db.session.commit()
    return supporter, user


def _subscribe(app, db, user, service_url, browser):
    endpoint = service_url.replace("http://", "https://") + "/push/abc"
    addresses.save_push_subscription(user, endpoint, browser.p256dh, browser.auth)
    db.session.commit()
    return endpoint


@pytest.fixture
def plain_http_push(monkeypatch):
    """The local push service speaks HTTP; subscriptions are stored with https (as browsers give
    them), so requests to them are sent to the same host over http."""
    import requests

    original = requests.Session.request

    def to_local(self, method, url, *args, **kwargs):
        return original(
            self, method, url.replace("https://127.0.0.1", "http://127.0.0.1"), *args, **kwargs
        )

    monkeypatch.setattr(requests.Session, "request", to_local)


def test_an_offer_reaches_the_browser_encrypted_and_in_the_supporters_language(
    app,
    db,
    lan,
    vapid_key,
    plain_http_push,
    make_request,
    make_user,
    smtp_server,  # noqa: F811
):
    from supporters.help_requests import offers

    supporter, user = lan
    browser = Browser()
    service = PushService(browser)
    with HttpRecorder(service) as push:
        service.origin = (
            urlsplit(push.url.replace("http://", "https://"))._replace(path="").geturl()
        )
        app.config.update(
            VAPID_PRIVATE_KEY=vapid_key,
            VAPID_SUBJECT="mailto:yorisoi@example.jp",
            MAIL_SERVER=smtp_server.host,
            MAIL_PORT=smtp_server.port,
            BASE_URL="https://yorisoi.example.jp",
        )
        _subscribe(app, db, user, push.url, browser)
        request = make_request(category="hospital", need="Internal medicine")
        offers.send_offers(request, [supporter.id], make_user("coordinator"))
        db.session.commit()
        report = deliver_pending()
    assert push.errors == []
    assert report.sent == 1
    (note,) = service.delivered
    assert note["url"].startswith("https://yorisoi.example.jp/me/offers/")
    assert "Khi nào" in note["body"]  # "When", in Vietnamese
    for secret in ("Internal medicine", "病院", "Bệnh viện", "Phạm", "hospital"):
        assert secret not in json.dumps(note, ensure_ascii=False)
    assert smtp_server.messages == []


def test_a_gone_subscription_falls_back_to_email_and_is_not_used_again(
    app,
    db,
    lan,
    vapid_key,
    plain_http_push,
    smtp_server,  # noqa: F811
):
    supporter, user = lan
    browser = Browser()
    service = PushService(browser, gone=True)
    with HttpRecorder(service) as push:
        service.origin = (
            urlsplit(push.url.replace("http://", "https://"))._replace(path="").geturl()
        )
        app.config.update(
            VAPID_PRIVATE_KEY=vapid_key,
            VAPID_SUBJECT="mailto:yorisoi@example.jp",
            MAIL_SERVER=smtp_server.host,
            MAIL_PORT=smtp_server.port,
        )
        _subscribe(app, db, user, push.url, browser)
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        deliver_pending()
        deliver_pending()
    smtp_server.wait_for(1)
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("email", OutboxStatus.SENT)
    row = db.session.scalar(select(ChannelAddress).where(ChannelAddress.channel == "webpush"))
    assert row.failed_at is not None


def test_a_bad_subscription_is_refused(db, lan):
    from supporters.refusals import Refused

    _, user = lan
    with pytest.raises(Refused) as refused:
        addresses.save_push_subscription(user, "http://insecure.example/push", "!!", "")
    assert set(refused.value.fields) == {"endpoint", "p256dh", "auth"}


def _push_config(app, service, push, vapid_key, smtp):
    service.origin = urlsplit(push.url.replace("http://", "https://"))._replace(path="").geturl()
    app.config.update(
        VAPID_PRIVATE_KEY=vapid_key,
        VAPID_SUBJECT="mailto:yorisoi@example.jp",
        MAIL_SERVER=smtp.host,
        MAIL_PORT=smtp.port,
        BASE_URL="https://yorisoi.example.jp",
    )


def test_subscribed_from_the_messages_page_then_delivered_and_decrypted(
    app,
    db,
    lan,
    vapid_key,
    plain_http_push,
    smtp_server,  # noqa: F811
):
    """The browser posts its subscription to the page's endpoint, as static/js/push.js does;
    a reminder then reaches that browser, encrypted for it alone, at normal urgency."""
    from tests.conftest import Auth, csrf_token

    supporter, user = lan
    browser = Browser()
    service = PushService(browser)
    with HttpRecorder(service) as push:
        _push_config(app, service, push, vapid_key, smtp_server)
        client = app.test_client()
        Auth(client).login("lan-account@example.jp")
        endpoint = push.url.replace("http://", "https://") + "/push/from-the-page"
        response = client.post(
            "/me/messages/push",
            json={"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}},
            headers={"X-CSRFToken": csrf_token(client, "/me/messages")},
        )
        assert response.status_code == 200
        notify_supporter(supporter, "continuation_check", "/me/continue")
        db.session.commit()
        assert deliver_pending().sent == 1
    assert push.errors == []
    (note,) = service.delivered
    assert (note["title"], note["lang"]) == ("Tiếp tục làm người hỗ trợ", "vi")
    assert note["url"] == "https://yorisoi.example.jp/me/continue"
    assert note["tag"] == "continuation_check:/me/continue"
    assert service.urgencies == ["normal"]


def test_a_busy_push_service_is_retried_not_replaced(
    app,
    db,
    lan,
    vapid_key,
    plain_http_push,
    smtp_server,  # noqa: F811
):
    from datetime import timedelta

    from supporters.clock import utcnow

    supporter, user = lan
    browser = Browser()
    service = PushService(browser, answers=[429, 503])
    with HttpRecorder(service) as push:
        _push_config(app, service, push, vapid_key, smtp_server)
        _subscribe(app, db, user, push.url, browser)
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        now = utcnow()
        for minutes in (0, 2, 5):  # after each back-off
            deliver_pending(now + timedelta(minutes=minutes))
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status, message.attempts) == (
        "webpush",
        OutboxStatus.SENT,
        3,
    )
    assert len(service.delivered) == 1 and service.urgencies == ["high"] * 3
    assert smtp_server.messages == []


def test_a_pem_key_works_and_the_cli_makes_a_usable_one(
    app,
    db,
    lan,
    plain_http_push,
    smtp_server,  # noqa: F811
):
    from cryptography.hazmat.primitives import serialization

    result = app.test_cli_runner().invoke(args=["webpush", "keys"])
    assert result.exit_code == 0
    printed = result.output.split("VAPID_PRIVATE_KEY=", 1)[1].split()[0]
    key = Vapid02.from_string(printed)
    public = result.output.split("public key (browsers get it from the app): ", 1)[1].split()[0]
    with app.app_context():
        app.config["VAPID_PRIVATE_KEY"] = printed
        from supporters.notify.webpush import public_key

        assert public_key() == public  # what the settings page gives the browser
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    supporter, user = lan
    browser = Browser()
    service = PushService(browser)
    with HttpRecorder(service) as push:
        _push_config(app, service, push, pem, smtp_server)
        _subscribe(app, db, user, push.url, browser)
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        assert deliver_pending().sent == 1
    assert push.errors == [] and len(service.delivered) == 1


def test_an_unreadable_key_falls_back_to_email_at_once(
    app,
    db,
    lan,
    vapid_key,
    smtp_server,  # noqa: F811
):
    """A wrong setting is not retried for hours while the offer waits: e-mail goes now."""
    supporter, user = lan
    browser = Browser()
    addresses.save_push_subscription(
        user, "https://push.example.net/1", browser.p256dh, browser.auth
    )
    app.config.update(
        VAPID_PRIVATE_KEY=vapid_key,
        VAPID_SUBJECT="mailto:yorisoi@example.jp",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    notify_supporter(supporter, "offer_new", "/me/offers/1")
    db.session.commit()
    app.config["VAPID_PRIVATE_KEY"] = "not a key"
    deliver_pending()
    deliver_pending()
    smtp_server.wait_for(1)
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("email", OutboxStatus.SENT)
    assert "VAPID_PRIVATE_KEY cannot be read" in message.last_error
