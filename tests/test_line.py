"""LINE, against a local server that speaks the Messaging API as LINE documents it and sends
signed webhooks to the app over HTTP: a supporter links with the one-time code from their
Messages page, gets offers in their language with one-tap buttons, taps once; a refused push
falls back to e-mail; a webhook with a bad signature is refused."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from supporters.clock import utcnow
from supporters.help_requests import offers
from supporters.models import (
    ChannelAddress,
    HelpRequest,
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
)
from supporters.notify import addresses, deliver_pending, notify_supporter
from tests.conftest import post_form
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

TOKEN, SECRET = "line-test-access-token", "line-test-channel-secret"
LINE_USER = "U" + "4af4980629" * 3 + "ab"
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
FRIEND_URL = "https://line.me/R/ti/p/@yorisoi-test"
ACTION_TYPES = {"postback", "uri", "message"}


class LineApi:
    """The Messaging API endpoints we call, each request checked against LINE's documentation
    (https://developers.line.biz/en/reference/messaging-api/), and LINE's webhooks to the app."""

    def __init__(self, push_answer: tuple[int, dict] | None = None):
        self.push_answer = push_answer  # answer every push with this (status, body), if given
        self.retry_keys: set[str] = set()
        self.pushes: list[dict] = []
        self.replies: list[dict] = []

    def __call__(self, got):
        assert got.headers.get("Authorization") == f"Bearer {TOKEN}", "Authorization"
        if got.path == "/v2/bot/message/quota/consumption":
            assert got.method == "GET"
            return 200, {"totalUsage": len(self.pushes)}
        if got.path == "/v2/bot/message/quota":
            assert got.method == "GET"
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
        if self.push_answer:
            return self.push_answer
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
                continue
            assert message["type"] == "template"
            assert 0 < len(message["altText"]) <= 400
            template = message["template"]
            assert template["type"] == "buttons"
            # 160 characters without a title or an image, else 60; a title is at most 40.
            plain = "title" not in template and "thumbnailImageUrl" not in template
            assert 0 < len(template["text"]) <= (160 if plain else 60)
            assert len(template.get("title", "")) <= 40
            assert 1 <= len(template["actions"]) <= 4
            for action in template["actions"]:
                assert action["type"] in ACTION_TYPES and 0 < len(action["label"]) <= 20
                if action["type"] == "postback":
                    assert 0 < len(action["data"]) <= 300
                    assert len(action.get("displayText", "")) <= 300
                if action["type"] == "uri":
                    assert len(action["uri"]) <= 1000
                    assert action["uri"].split(":", 1)[0] in ("http", "https", "line", "tel")

    def webhook(self, app_url: str, *events, secret: str = SECRET, signature: str | None = None):
        """POST ``events`` to the app as LINE does: raw JSON, ``X-Line-Signature``; the status."""
        raw = json.dumps({"destination": "U" + "f" * 32, "events": list(events)}).encode()
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": base64.b64encode(digest).decode()
            if signature is None
            else signature,
            "User-Agent": "LineBotWebhook/2.0",
        }
        request = urllib.request.Request(
            f"{app_url}/line/webhook", data=raw, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def event(kind: str, line_user: str = LINE_USER, **extra) -> dict:
    """One webhook event from ``line_user``, shaped as LINE sends it."""
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": line_user},
        "webhookEventId": "01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        **extra,
    }


def text_event(text: str) -> dict:
    return event("message", message={"type": "text", "id": "1", "text": text, "quoteToken": "q"})


@pytest.fixture
def app_url(app, db):
    """The app served over HTTP on a free port (LINE's webhooks come over the network)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="app", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def lan(db, make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    user.locale = "vi"
    db.session.commit()
    return supporter, user


@pytest.fixture
def mail(smtp_server):  # noqa: F811
    """The local SMTP server the app falls back to."""
    return smtp_server


@pytest.fixture
def line_api():
    return LineApi()


@pytest.fixture
def line(app, line_api, smtp_server):  # noqa: F811
    """The fake Messaging API running, and the app configured to use it (and the SMTP server)."""
    with HttpRecorder(line_api) as server:
        app.config.update(
            LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
            LINE_CHANNEL_SECRET=SECRET,
            LINE_API_BASE=server.url,
            LINE_FRIEND_URL=FRIEND_URL,
            MAIL_SERVER=smtp_server.host,
            MAIL_PORT=smtp_server.port,
            BASE_URL="https://yorisoi.example.jp",
        )
        yield server
    assert server.errors == [], "the app called LINE in a way LINE does not document"


def send(db, line_api, app_url, *events, **kwargs) -> int:
    """Commit the test's work, let LINE send ``events``, then see the app's writes."""
    db.session.commit()
    status = line_api.webhook(app_url, *events, **kwargs)
    db.session.expire_all()
    return status


def link(db, line_api, app_url, user) -> None:
    code, _ = addresses.new_link_code(user)
    assert send(db, line_api, app_url, text_event(code.lower())) == 200


def line_address():
    from supporters.extensions import db

    return db.session.scalar(select(ChannelAddress).where(ChannelAddress.channel == "line"))


def test_the_messages_page_shows_a_code_and_qr_the_code_links_and_unlink_forgets(
    app, db, client, auth, lan, line, line_api, app_url
):
    _, user = lan
    auth.login("lan-account@example.jp")
    page = post_form(client, "/me/messages/line-code", {}, token_from="/me/messages")
    html = page.get_data(as_text=True)
    code = re.search(r'data-testid="line-code"[^>]*>([A-Z0-9]{8})<', html).group(1)
    assert f"https://line.me/R/oaMessage/@yorisoi-test/?{code}" in html
    assert 'src="data:image/svg+xml' in html  # the QR, drawn on the server

    assert send(db, line_api, app_url, text_event(f" {code[:4]}-{code[4:].lower()} ")) == 200
    assert line_address().address == LINE_USER and line_address().user_id == user.id
    assert "liên kết" in line_api.replies[-1]["messages"][0]["text"]  # "linked", in Vietnamese
    assert 'data-testid="line-linked"' in client.get("/me/messages").get_data(as_text=True)

    # The code works once.
    assert send(db, line_api, app_url, text_event(code)) == 200
    assert "không hợp lệ" in line_api.replies[-1]["messages"][0]["text"]  # "not valid" (vi)

    post_form(client, "/me/messages/line/off", {}, token_from="/me/messages")
    db.session.expire_all()
    assert line_address() is None


def test_a_code_is_good_for_fifteen_minutes(db, lan):
    _, user = lan
    code, expires_at = addresses.new_link_code(user)
    assert expires_at - utcnow() <= timedelta(minutes=15)
    assert addresses.link_line(code, LINE_USER, now=expires_at + timedelta(seconds=1)) is None
    assert addresses.link_line(code, LINE_USER, now=expires_at - timedelta(seconds=1)) is not None


def test_an_offer_arrives_on_line_in_vietnamese_and_one_tap_accepts_once(
    app, db, lan, make_request, make_user, line, line_api, app_url, mail
):
    supporter, user = lan
    link(db, line_api, app_url, user)
    request = make_request(category="hospital", need="Internal medicine")
    offers.send_offers(request, [supporter.id], make_user("coordinator"))
    db.session.commit()
    assert deliver_pending().sent == 1

    (push,) = line_api.pushes
    assert push["to"] == LINE_USER
    text = push["messages"][0]["text"]
    assert "Lời mời mới" in text  # "New offer"
    assert "Khi nào" in text  # "When"
    assert "Koga" in text or "古河" in text
    everything = json.dumps(push, ensure_ascii=False)
    for secret in ("Internal medicine", "病院", "Bệnh viện", "hospital", "Phạm", "Nguyễn"):
        assert secret not in everything
    accept, decline, open_app = push["messages"][1]["template"]["actions"]
    assert (accept["type"], decline["type"], open_app["type"]) == ("postback", "postback", "uri")
    assert open_app["uri"].startswith("https://yorisoi.example.jp/me/offers/")

    tap = event("postback", postback={"data": accept["data"]})
    assert send(db, line_api, app_url, tap) == 200
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.ASSIGNED
    assert send(db, line_api, app_url, tap) == 200  # a second tap does nothing more
    assert "đã được sử dụng" in line_api.replies[-1]["messages"][0]["text"]  # "already used"
    assert mail.messages == []  # LINE worked: no e-mail


def test_a_tap_on_decline_declines(db, lan, make_request, make_user, line, line_api, app_url):
    supporter, user = lan
    link(db, line_api, app_url, user)
    request = make_request()
    (offer,) = offers.send_offers(request, [supporter.id], make_user("coordinator"))
    db.session.commit()
    deliver_pending()
    decline = line_api.pushes[0]["messages"][1]["template"]["actions"][1]
    send(db, line_api, app_url, event("postback", postback={"data": decline["data"]}))
    assert db.session.get(Offer, offer.id).status == OfferStatus.DECLINED


def test_someone_elses_tap_does_nothing(db, lan, make_request, make_user, line, line_api, app_url):
    supporter, user = lan
    link(db, line_api, app_url, user)
    request = make_request()
    offers.send_offers(request, [supporter.id], make_user("coordinator"))
    db.session.commit()
    deliver_pending()
    data = line_api.pushes[0]["messages"][1]["template"]["actions"][0]["data"]
    stranger = event("postback", line_user="U" + "0" * 32, postback={"data": data})
    send(db, line_api, app_url, stranger)
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.OFFERED


@pytest.mark.parametrize(
    ("status", "body", "address_gone"),
    [
        (400, {"message": "The user hasn't added the LINE Official Account as a friend."}, True),
        (401, {"message": "Authentication failed. Confirm that the access token is valid."}, False),
        (
            400,
            {
                "message": "The request body has 1 error(s)",
                "details": [{"message": "May not be empty", "property": "messages[0].text"}],
            },
            False,
        ),
        (429, {"message": "You have reached your monthly limit."}, False),
    ],
)
def test_a_refused_push_falls_back_to_email(
    app, db, lan, line, line_api, app_url, mail, status, body, address_gone
):
    supporter, user = lan
    link(db, line_api, app_url, user)
    line_api.push_answer = (status, body)
    notify_supporter(supporter, "offer_new", "/me/offers/1")
    db.session.commit()
    deliver_pending()
    deliver_pending()
    mail.wait_for(1)
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("email", OutboxStatus.SENT)
    # Only a refusal of the user stops the channel for them (until they link again).
    assert (line_address().failed_at is not None) is address_gone


@pytest.mark.parametrize("status", [429, 500])
def test_a_busy_line_is_tried_again_later(db, lan, line, line_api, app_url, status):
    supporter, user = lan
    link(db, line_api, app_url, user)
    line_api.push_answer = (status, {"message": "Too many requests"})
    notify_supporter(supporter, "offer_new", "/me/offers/1")
    db.session.commit()
    assert deliver_pending().retried == 1
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("line", OutboxStatus.PENDING)
    assert line_address().failed_at is None


def test_a_repeat_after_a_crash_is_recognised_and_the_first_buttons_still_work(
    db, lan, make_request, make_user, line, line_api, app_url
):
    from supporters.notify.line import LineChannel

    supporter, user = lan
    link(db, line_api, app_url, user)
    request = make_request()
    offers.send_offers(request, [supporter.id], make_user("coordinator"))
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    LineChannel().send(message)
    db.session.rollback()  # the worker died after LINE's 200, before its commit
    message = db.session.scalars(select(OutboxMessage)).one()
    LineChannel().send(message)  # the retry: LINE answers 409 and drops it
    db.session.commit()
    assert len(line_api.pushes) == 1
    accept = line_api.pushes[0]["messages"][1]["template"]["actions"][0]
    send(db, line_api, app_url, event("postback", postback={"data": accept["data"]}))
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.ASSIGNED


def test_a_webhook_with_a_bad_or_missing_signature_is_refused(db, lan, line, line_api, app_url):
    _, user = lan
    code, _ = addresses.new_link_code(user)
    linking = text_event(code)
    assert send(db, line_api, app_url, linking, secret="wrong") == 400
    assert send(db, line_api, app_url, linking, signature="") == 400
    assert send(db, line_api, app_url, linking, signature="not base64!") == 400
    assert line_address() is None and line_api.replies == []


def test_the_webhook_is_off_until_line_is_configured(app, db, app_url):
    assert LineApi().webhook(app_url, event("unfollow")) == 404


def test_unfollow_stops_line_messages_and_follow_restores_them(
    db, lan, line, line_api, app_url, mail
):
    supporter, user = lan
    link(db, line_api, app_url, user)
    send(db, line_api, app_url, event("unfollow"))
    assert line_address().failed_at is not None
    notify_supporter(supporter, "offer_new", "/me/offers/1")
    db.session.commit()
    assert db.session.scalars(select(OutboxMessage)).one().channel == "email"

    replies = len(line_api.replies)
    send(db, line_api, app_url, event("follow", follow={"isUnblocked": True}))
    assert line_address().failed_at is None
    assert len(line_api.replies) == replies + 1
    assert "liên kết" in line_api.replies[-1]["messages"][0]["text"]


def test_the_monthly_count_comes_from_line(app, db, line):
    from supporters.notify.line import monthly_usage

    app.config["LINE_MONTHLY_QUOTA"] = 5000
    assert monthly_usage() == {"used": 0, "limit": 200, "type": "limited", "plan": 5000}


def test_tomorrows_assignment_is_confirmed_with_one_tap_on_line(
    db, lan, make_request, make_user, line, line_api, app_url
):
    from supporters.help_requests import reminders

    supporter, user = lan
    link(db, line_api, app_url, user)
    request = make_request(days_ahead=2)
    (offer,) = offers.send_offers(request, [supporter.id], make_user("coordinator"))
    offers.accept(offer.id, supporter.id, None)
    db.session.commit()
    reminders.run(request.starts_at - timedelta(hours=20))
    db.session.commit()
    deliver_pending()
    confirm = line_api.pushes[-1]["messages"][1]["template"]["actions"][0]
    assert confirm["type"] == "postback"
    send(db, line_api, app_url, event("postback", postback={"data": confirm["data"]}))
    assert db.session.get(HelpRequest, request.id).confirmed_at is not None
