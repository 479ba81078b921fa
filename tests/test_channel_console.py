"""The console's Channels page: an administrator sees which channels are configured (never a
secret), whether each is working — including a failure the person never noticed because the
message reached them by e-mail instead — this month's figures, and LINE's count against the plan."""

import re

import pytest
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode
from sqlalchemy import select

from supporters.models import ChannelAddress
from supporters.notify import deliver_pending, notify_supporter
from tests.conftest import Auth
from tests.http_recorder import HttpRecorder
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

SECRETS = {
    "LINE_CHANNEL_ACCESS_TOKEN": "line-token-SECRET-1",
    "LINE_CHANNEL_SECRET": "line-secret-SECRET-2",
    "SMS_GATEWAY_TOKEN": "sms-token-SECRET-3",
    "MAIL_PASSWORD": "mail-password-SECRET-4",
}


@pytest.fixture
def admin(app, users):
    client = app.test_client()
    Auth(client).login("admin@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    return client


def _section(page: str, name: str) -> str:
    start = page.index(f'data-testid="channel-{name}"')
    return page[start : page.find("</section>", start)]


def _figures(section: str) -> dict[str, int]:
    found = re.findall(r'data-testid="month-([\w-]+)">(\d+)<', section)
    return {key: int(value) for key, value in found}


def _vapid_key() -> str:
    key = Vapid02()
    key.generate_keys()
    return b64urlencode(key.private_key.private_numbers().private_value.to_bytes(32, "big"))


def test_external_channels_are_off_until_configured(admin):
    page = admin.get("/channels/").get_data(as_text=True)
    for name in ("line", "webpush", "sms"):
        assert "Off (not configured)" in _section(page, name)
    assert "Off (not configured)" not in _section(page, "email")
    assert "<code>VAPID_PRIVATE_KEY</code>: not set" in page


def test_settings_are_shown_as_set_never_their_values(app, admin):
    vapid = _vapid_key()
    app.config.update(
        SECRETS,
        VAPID_PRIVATE_KEY=vapid,
        VAPID_SUBJECT="mailto:yorisoi@example.jp",
        SMS_GATEWAY_URL="https://sms.example.net/v1/messages?key=SECRET-5",
        LINE_API_BASE="http://127.0.0.1:9",  # unreachable: the count is "unknown", no error
    )
    response = admin.get("/channels/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for secret in [*SECRETS.values(), vapid, "SECRET-5", "sms.example.net"]:
        assert secret not in page
    assert "<code>SMS_GATEWAY_TOKEN</code>: set" in page
    assert "LINE&#39;s monthly count could not be read." in page or (
        "LINE's monthly count could not be read." in page
    )
    assert "Configured, nothing sent yet" in _section(page, "webpush")


def test_a_broken_setting_is_named(app, admin):
    app.config.update(
        VAPID_PRIVATE_KEY="not-a-key", VAPID_SUBJECT="yorisoi@example.jp", SMS_GATEWAY_URL="x"
    )
    page = admin.get("/channels/").get_data(as_text=True)
    push = _section(page, "webpush")
    assert "A setting is wrong" in push and "VAPID_PRIVATE_KEY is not a valid key" in push
    assert "VAPID_SUBJECT must start with mailto:" in push
    sms = _section(page, "sms")
    assert "SMS_GATEWAY_URL must be an http or https address." in sms
    assert "SMS_GATEWAY_TOKEN is not set." in sms


def test_a_failure_hidden_by_the_email_fallback_shows_on_its_channel(
    app,
    db,
    admin,
    make_supporter,
    make_user,
    smtp_server,  # noqa: F811
):
    refused = "+819000000000"

    def gateway(got):
        assert got.headers.get("Authorization") == "Bearer t"
        return (400, {"error": "invalid number"}) if got.json()["to"] == refused else (202, {})

    people = []
    for n, number in enumerate(("+819012345678", refused)):
        supporter = make_supporter(name=f"Supporter {n}", email=f"s{n}@example.jp")
        user = make_user("supporter", email=f"s{n}-account@example.jp", supporter=supporter)
        user.channel_order = "sms,email"
        db.session.add(ChannelAddress(user_id=user.id, channel="sms", address=number))
        people.append(supporter)
    db.session.commit()
    with HttpRecorder(gateway) as sms:
        app.config.update(
            SMS_GATEWAY_URL=f"{sms.url}/messages",
            SMS_GATEWAY_TOKEN="t",
            MAIL_SERVER=smtp_server.host,
            MAIL_PORT=smtp_server.port,
        )
        for supporter in people:
            notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()
        deliver_pending()  # one SMS sent, one refused → e-mail
        deliver_pending()
    smtp_server.wait_for(1)
    page = admin.get("/channels/").get_data(as_text=True)
    sms_part, email_part = _section(page, "sms"), _section(page, "email")
    assert "The last attempt failed" in sms_part or "Working" in sms_part
    assert "PermanentDeliveryError: SMS gateway refused (400)" in sms_part
    assert "moved on to the next channel" in sms_part
    assert _figures(sms_part) == {
        "sent": 1,
        "pending": 0,
        "failed": 0,
        "discarded": 0,
        "attempts-failed": 1,
    }
    assert 'data-testid="people">2<' in sms_part
    assert "Working" in email_part
    assert _figures(email_part)["sent"] == 1 and _figures(email_part)["attempts-failed"] == 0
    for number in ("+819012345678", refused, "9012345678"):
        assert number not in page


def test_line_count_against_the_plan(app, admin):
    def line_api(got):
        assert got.headers.get("Authorization") == "Bearer line-token"
        if got.path == "/v2/bot/message/quota/consumption":
            return 200, {"totalUsage": 4700}
        assert got.path == "/v2/bot/message/quota", got.path
        return 200, {"type": "none"}

    with HttpRecorder(line_api) as line:
        app.config.update(
            LINE_CHANNEL_ACCESS_TOKEN="line-token",
            LINE_CHANNEL_SECRET="s",
            LINE_API_BASE=line.url,
            LINE_MONTHLY_QUOTA=5000,
        )
        page = admin.get("/channels/").get_data(as_text=True)
    assert line.errors == []
    part = _section(page, "line")
    assert "Messages pushed this month: 4700" in part and "plan: 5000" in part
    assert "Nearly used up" in part


@pytest.mark.parametrize("role", ["coordinator", "municipal_officer", "official", "supporter"])
def test_only_admins_see_the_page(app, users, role):
    client = app.test_client()
    Auth(client).login(users[role].email)
    assert client.get("/channels/").status_code == 403


def test_a_failure_is_remembered_without_the_recipient(db):
    """What a server said may name the person (``<lan@example.jp>: mailbox unknown``): only the
    error's type and status code are kept, or our own reason for a final refusal."""
    import smtplib
    import urllib.error

    from supporters.clock import utcnow
    from supporters.models import ChannelFailure, OutboxMessage
    from supporters.notify.channels import PermanentDeliveryError
    from supporters.notify.delivery import record_failure

    message = OutboxMessage(channel="email", recipient="lan@example.jp", subject="s", body="b")
    message.kind = "offer_new"
    db.session.add(message)
    db.session.flush()
    errors = [
        (smtplib.SMTPRecipientsRefused({"lan@example.jp": (550, b"unknown")}), False),
        (
            urllib.error.HTTPError("https://sms.example/?to=+819012345678", 503, "x", {}, None),
            False,
        ),
        (PermanentDeliveryError("recipient refused (550)"), True),
    ]
    for error, permanent in errors:
        record_failure(message, error, permanent, utcnow())
    db.session.flush()
    stored = list(db.session.scalars(select(ChannelFailure.error).order_by(ChannelFailure.id)))
    assert stored == [
        "SMTPRecipientsRefused",
        "HTTPError: status 503",
        "PermanentDeliveryError: recipient refused (550)",
    ]
