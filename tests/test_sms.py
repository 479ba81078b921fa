"""SMS through an HTTP gateway: a local gateway checks auth, the JSON shape, E.164 and the length
in segments as a carrier counts them; a refused number falls back to e-mail, a busy gateway is
retried; the text carries no special-care data; a supporter's number is the registry's phone."""

import re

import pytest
from sqlalchemy import select

from supporters.models import ChannelAddress, OutboxMessage, OutboxStatus
from supporters.notify import addresses, deliver_pending, notify_supporter
from supporters.notify import sms as sms_module
from supporters.refusals import Refused
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

TOKEN = "sms-test-token"
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# The gateway's own count (independent of ours): printable ASCII but the backtick is in the GSM
# alphabet, these cost two septets; anything else makes the message UCS-2 (UTF-16 units).
GSM_ASCII = {chr(c) for c in range(32, 127)} - {"`"} | {"\n"}
GSM_DOUBLE = set("^{}\\[~]|")


def carrier_segments(text: str) -> int:
    """Segments as a carrier bills them: 160/153 septets (GSM) or 70/67 units (UCS-2)."""
    if set(text) <= GSM_ASCII:
        length, single, part = sum(2 if c in GSM_DOUBLE else 1 for c in text), 160, 153
    else:
        length, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if length <= single else -(-length // part)


def gateway_check(refuse: set[str] = frozenset(), busy: list | None = None):
    """What the gateway accepts: our documented contract, checked field by field."""

    def check(got):
        assert got.method == "POST" and got.path == "/messages", got.path
        assert got.headers.get("Authorization") == f"Bearer {TOKEN}", "auth"
        assert got.headers.get("Content-Type", "").startswith("application/json"), "json"
        body = got.json()
        assert set(body) == {"to", "from", "text", "reference"}, sorted(body)
        assert E164.match(body["to"]), body["to"]
        assert body["from"] == "Yorisoi"
        assert got.headers.get("Idempotency-Key") == body["reference"]
        assert body["text"] and carrier_segments(body["text"]) <= 3, body["text"]
        if busy:
            return busy.pop(0), {"error": "try later"}
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


def test_a_busy_gateway_is_retried_on_sms_not_replaced_by_email(
    app,
    db,
    lan,
    smtp_server,  # noqa: F811
):
    from datetime import timedelta

    from supporters.clock import utcnow

    with HttpRecorder(gateway_check(busy=[429, 503])) as gateway:
        _configure(app, gateway, smtp_server)
        notify_supporter(lan, "offer_new", "/me/offers/1")
        db.session.commit()
        now = utcnow()
        for minutes in (0, 2, 5):  # after each back-off
            deliver_pending(now + timedelta(minutes=minutes))
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.status, message.attempts) == ("sms", OutboxStatus.SENT, 3)
    assert len(gateway.received) == 3 and smtp_server.messages == []
    references = {got.json()["reference"] for got in gateway.received}
    assert references == {f"yorisoi-outbox-{message.id}"}  # the same key on every attempt


def test_sms_is_off_until_configured(app, db, lan, smtp_server):  # noqa: F811
    app.config.update(SMS_GATEWAY_URL="", MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    notify_supporter(lan, "offer_new", "/me/offers/1")
    db.session.commit()
    (message,) = db.session.scalars(select(OutboxMessage))
    assert (message.channel, message.fallback) == ("email", [])


@pytest.mark.parametrize("locale", ["en", "es", "ja", "vi", "th", "ne", "ko", "zh_Hans"])
def test_every_language_fits_three_segments_and_keeps_the_whole_link(app, db, locale):
    """An offer with every fact, in a long language, under a long BASE_URL."""
    app.config["BASE_URL"] = "https://yorisoi-supporters.pref.example.lg.jp"
    message = OutboxMessage(
        kind="offer_new",
        link="/me/offers/123456",
        locale=locale,
        params={
            "starts_at": "2026-12-01T10:00:00+09:00",
            "ends_at": "2026-12-01T12:30:00+09:00",
            "municipality_code": "08546",  # 猿島郡境町: a long name
            "language_code": "vi",
            "mode": "in_person",
        },
    )
    text = sms_module.sms_text(message)
    assert carrier_segments(text) <= 3, (locale, text)
    assert sms_module.segments(text) == carrier_segments(text)
    assert text.endswith("\nhttps://yorisoi-supporters.pref.example.lg.jp/me/offers/123456")
    if locale in ("en", "es"):  # no typographic character pushes Latin text into UCS-2
        assert sms_module.encoding(text) == "gsm", text


def test_segments_are_counted_as_carriers_count_them():
    assert sms_module.segments("a" * 160) == 1 and sms_module.segments("a" * 161) == 2
    assert sms_module.segments("a" * 459) == 3 and sms_module.segments("{" * 81) == 2
    assert sms_module.segments("あ" * 70) == 1 and sms_module.segments("あ" * 71) == 2
    assert sms_module.segments("あ" * 201) == 3 and sms_module.segments("あ" * 202) == 4
    assert sms_module.segments("😀" * 35) == 1  # two UTF-16 units each
    cut = sms_module.shorten("あ" * 300, "https://x.example/me/offers/1")
    assert sms_module.segments(cut) == 3 and cut.endswith("…\nhttps://x.example/me/offers/1")
    assert sms_module.shorten("a" * 600, "https://x.example/1").endswith("...\nhttps://x.example/1")


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("090-1234-5678", "+819012345678"),
        ("090 1234 5678", "+819012345678"),
        ("(080)1234-5678", "+818012345678"),
        ("+81 70-1234-5678", "+817012345678"),
        ("+84 912 345 678", "+84912345678"),  # a foreign mobile, as its owner writes it
    ],
)
def test_japanese_numbers_are_stored_in_e164(typed, stored):
    assert addresses.e164(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "12", "phone me", "0000", "029-123-4567", "0120-123-456", "+81 3-1234-5678"]
)
def test_a_number_that_is_not_one_is_refused(typed):
    with pytest.raises(Refused) as refused:
        addresses.e164(typed)
    assert refused.value.fields == {"phone": refused.value.fields["phone"]}
