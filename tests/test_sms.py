"""SMS through an HTTP gateway: a local gateway checks auth, the JSON shape, E.164 and length;
a refused number falls back to e-mail; the text carries no special-care data."""

import re

import pytest
from sqlalchemy import select

from supporters.models import ChannelAddress, OutboxMessage, OutboxStatus
from supporters.notify import deliver_pending, notify_supporter
from supporters.notify.sms import MAX_SEGMENTS, SEGMENT
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

TOKEN = "sms-test-token"
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def gateway_check(refuse: set[str] = frozenset()):
    """What the gateway accepts: our documented contract, checked field by field."""

    def check(got):
        assert got.method == "POST" and got.path == "/messages", got.path
        assert got.headers.get("Authorization") == f"Bearer {TOKEN}", "auth"
        assert got.headers.get("Content-Type", "").startswith("application/json"), "json"
        body = got.json()
        assert set(body) == {"to", "from", "text", "reference"}, sorted(body)
        assert E164.match(body["to"]), body["to"]
        assert body["from"] == "Yorisoi"
        assert 0 < len(body["text"]) <= SEGMENT * MAX_SEGMENTS, len(body["text"])
        if body["to"] in refuse:
            return 400, {"error": "invalid number"}
        return 202, {"id": "sms-1"}

    return check


@pytest.fixture
def lan(db, make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    user = make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    user.locale = "vi"
    user.channel_order = "sms,email"
    db.session.add(ChannelAddress(user_id=user.id, channel="sms", address="+819012345678"))
    db.session.commit()
    return supporter


def _configure(app, gateway, mail):
    app.config.update(
        SMS_GATEWAY_URL=f"{gateway.url}/messages",
        SMS_GATEWAY_TOKEN=TOKEN,
        MAIL_SERVER=mail.host,
        MAIL_PORT=mail.port,
        BASE_URL="https://yorisoi.example.jp",
    )


def test_an_offer_goes_out_as_a_short_sms_in_the_supporters_language(
    app,
    db,
    lan,
    make_request,
    make_user,
    smtp_server,  # noqa: F811
):
    from supporters.help_requests import offers

    with HttpRecorder(gateway_check()) as gateway:
        _configure(app, gateway, smtp_server)
        request = make_request(category="hospital", need="Internal medicine")
        offers.send_offers(request, [lan.id], make_user("coordinator"))
        db.session.commit()
        report = deliver_pending()
    assert gateway.errors == [] and report.sent == 1
    (got,) = gateway.received
    text = got.json()["text"]
    assert got.json()["to"] == "+819012345678"
    assert "Koga" in text or "古河" in text  # the area, in the supporter's words
    assert "https://yorisoi.example.jp/me/offers/" in text
    for secret in ("Internal medicine", "病院", "Bệnh viện", "Phạm", "hospital"):
        assert secret not in text
    assert smtp_server.messages == []  # SMS worked: no e-mail


def test_a_refused_number_falls_back_to_email(app, db, lan, smtp_server):  # noqa: F811
    with HttpRecorder(gateway_check(refuse={"+819012345678"})) as gateway:
        _configure(app, gateway, smtp_server)
        notify_supporter(lan, "offer_new", "/me/offers/1")
        db.session.commit()
        deliver_pending()  # SMS: 400, permanent → e-mail is next
        deliver_pending()
    smtp_server.wait_for(1)
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status) == ("email", OutboxStatus.SENT)


def test_sms_is_off_until_configured(app, db, lan, smtp_server):  # noqa: F811
    app.config.update(SMS_GATEWAY_URL="", MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    notify_supporter(lan, "offer_new", "/me/offers/1")
    db.session.commit()
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.fallback) == ("email", [])
