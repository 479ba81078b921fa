"""LINE, against a local server that speaks the Messaging API as LINE documents it: a supporter
links with a one-time code, gets offers in their language with one-tap buttons, taps once; a
refused push falls back to e-mail; a webhook with a bad signature is refused."""

import base64
import hashlib
import hmac
import json
import re
import time
import uuid

import pytest
from sqlalchemy import select

from supporters.help_requests import offers
from supporters.models import (
    ChannelAddress,
    HelpRequest,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
)
from supporters.notify import addresses, deliver_pending, notify_supporter
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

TOKEN, SECRET = "line-test-access-token", "line-test-channel-secret"
LINE_USER = "U" + "4af4980629" * 3 + "ab"
USER_ID = re.compile(r"^U[0-9a-f]{32}$")


class LineApi:
    """The Messaging API endpoints we call, each request checked against LINE's documentation."""

    def __init__(self, refuse_push: bool = False):
        self.refuse_push = refuse_push
        self.retry_keys: set[str] = set()
        self.pushes: list[dict] = []
        self.replies: list[dict] = []

    def __call__(self, got):
        assert got.headers.get("Authorization") == f"Bearer {TOKEN}", "Authorization"
        if got.path == "/v2/bot/message/quota/consumption":
            return 200, {"totalUsage": len(self.pushes)}
        if got.path == "/v2/bot/message/quota":
            return 200, {"type": "limited", "value": 200}
        assert got.method == "POST"
        assert got.headers.get("Content-Type", "").startswith("application/json")
        body = got.json()
        self._check_messages(body["messages"])
        if got.path == "/v2/bot/message/reply":
            assert body["replyToken"]
            self.replies.append(body)
            return 200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]}
        assert got.path == "/v2/bot/message/push", got.path
        assert USER_ID.match(body["to"]), body["to"]
        key = got.headers.get("X-Line-Retry-Key")
        assert key and str(uuid.UUID(key)) == key.lower(), "X-Line-Retry-Key must be a UUID"
        if self.refuse_push:
            return 400, {"message": "The user hasn't added the LINE Official Account as a friend."}
        if key in self.retry_keys:
            return 409, {"message": "The retry key is already accepted"}
        self.retry_keys.add(key)
        self.pushes.append(body)
        return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}

    @staticmethod
    def _check_messages(messages):
        assert 1 <= len(messages) <= 5, "1 to 5 messages"
        for message in messages:
            if message["type"] == "text":
                assert 0 < len(message["text"]) <= 5000
            else:
                assert message["type"] == "template"
                assert len(message["altText"]) <= 400
                template = message["template"]
                assert template["type"] == "buttons" and len(template["text"]) <= 160
                assert 1 <= len(template["actions"]) <= 4
                for action in template["actions"]:
                    assert action["type"] == "postback" and len(action["label"]) <= 20
                    assert len(action["data"]) <= 300


def signed(body: dict, secret: str = SECRET) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return raw, base64.b64encode(digest).decode()


def event(kind: str, **extra) -> dict:
    """One webhook event from LINE_USER, shaped as LINE sends it."""
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": LINE_USER},
        "webhookEventId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        **extra,
    }


def post_webhook(client, *events, secret: str = SECRET):
    raw, signature = signed({"destination": "Uxxxxxxxx", "events": list(events)}, secret)
    return client.post(
        "/line/webhook",
        data=raw,
        headers={"X-Line-Signature": signature, "Content-Type": "application/json"},
    )


@pytest.fixture
def lan(db, make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    user.locale = "vi"
    db.session.commit()
    return supporter, user


def _configure(app, line, mail):
    app.config.update(
        LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
        LINE_CHANNEL_SECRET=SECRET,
        LINE_API_BASE=line.url,
        MAIL_SERVER=mail.host,
        MAIL_PORT=mail.port,
        BASE_URL="https://yorisoi.example.jp",
    )


def _link(app, db, user):
    code, _ = addresses.new_link_code(user)
    db.session.commit()
    client = app.test_client()
    response = post_webhook(
        client,
        event(
            "message", message={"type": "text", "id": "1", "text": code.lower(), "quoteToken": "q"}
        ),
    )
    assert response.status_code == 200
    return client


def test_link_with_a_code_then_an_offer_arrives_on_line_and_one_tap_accepts_once(
    app,
    db,
    lan,
    make_request,
    make_user,
    smtp_server,  # noqa: F811
):
    supporter, user = lan
    api = LineApi()
    with HttpRecorder(api) as line:
        _configure(app, line, smtp_server)
        client = _link(app, db, user)
        assert (
            db.session.scalar(
                select(ChannelAddress.address).where(ChannelAddress.channel == "line")
            )
            == LINE_USER
        )
        assert "liên kết" in api.replies[-1]["messages"][0]["text"]  # "linked", in Vietnamese

        request = make_request(category="hospital", need="Internal medicine")
        offers.send_offers(request, [supporter.id], make_user("coordinator"))
        db.session.commit()
        assert deliver_pending().sent == 1
        assert line.errors == []
        (push,) = api.pushes
        text = push["messages"][0]["text"]
        assert "Koga" in text or "古河" in text
        for secret in ("Internal medicine", "病院", "Bệnh viện", "Phạm", "hospital"):
            assert secret not in json.dumps(push, ensure_ascii=False)
        accept = push["messages"][1]["template"]["actions"][0]

        tap = event("postback", postback={"data": accept["data"]})
        assert post_webhook(client, tap).status_code == 200
        db.session.expire_all()
        assert db.session.get(HelpRequest, request.id).status == RequestStatus.ASSIGNED
        assert post_webhook(client, tap).status_code == 200  # a second tap does nothing
        assert line.errors == []
    assert smtp_server.messages == []  # LINE worked: no e-mail


def test_someone_elses_tap_does_nothing(app, db, lan, make_request, make_user, smtp_server):  # noqa: F811
    supporter, user = lan
    api = LineApi()
    with HttpRecorder(api) as line:
        _configure(app, line, smtp_server)
        _link(app, db, user)
        request = make_request()
        offers.send_offers(request, [supporter.id], make_user("coordinator"))
        db.session.commit()
        deliver_pending()
        data = api.pushes[0]["messages"][1]["template"]["actions"][0]["data"]
        stranger = event("postback", postback={"data": data})
        stranger["source"]["userId"] = "U" + "0" * 32
        post_webhook(app.test_client(), stranger)
        db.session.expire_all()
        assert db.session.get(HelpRequest, request.id).status == RequestStatus.OFFERED


def test_a_refused_push_falls_back_to_email(app, db, lan, smtp_server):  # noqa: F811
    supporter, user = lan
    with HttpRecorder(LineApi(refuse_push=True)) as line:
        _configure(app, line, smtp_server)
        _link(app, db, user)
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        deliver_pending()
        deliver_pending()
    smtp_server.wait_for(1)
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("email", OutboxStatus.SENT)
    failed = db.session.scalar(select(ChannelAddress).where(ChannelAddress.channel == "line"))
    assert failed.failed_at is not None  # not tried again until re-linked


def test_a_repeat_after_a_crash_is_recognised_by_its_retry_key(app, db, lan, smtp_server):  # noqa: F811
    from supporters.notify.line import LineChannel

    supporter, user = lan
    api = LineApi()
    with HttpRecorder(api) as line:
        _configure(app, line, smtp_server)
        _link(app, db, user)
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        message = db.session.scalars(select(OutboxMessage)).one()
        LineChannel().send(message)
        LineChannel().send(message)  # as if the worker died before recording "sent"
    assert len(api.pushes) == 1


def test_a_webhook_with_a_bad_signature_is_refused(app, db, lan, smtp_server):  # noqa: F811
    with HttpRecorder(LineApi()) as line:
        _configure(app, line, smtp_server)
        response = post_webhook(app.test_client(), event("unfollow"), secret="wrong")
    assert response.status_code == 400


def test_unfollow_stops_line_messages(app, db, lan, smtp_server):  # noqa: F811
    supporter, user = lan
    with HttpRecorder(LineApi()) as line:
        _configure(app, line, smtp_server)
        client = _link(app, db, user)
        post_webhook(client, event("unfollow"))
    row = db.session.scalar(select(ChannelAddress).where(ChannelAddress.channel == "line"))
    assert row.failed_at is not None


def test_the_monthly_count_comes_from_line(app, db, smtp_server):  # noqa: F811
    from supporters.notify.line import monthly_usage

    with HttpRecorder(LineApi()) as line:
        _configure(app, line, smtp_server)
        assert monthly_usage() == {"used": 0, "limit": 200, "type": "limited"}
