"""Notifications: the in-app list, and e-mail that leaves through the outbox to a real SMTP server.

Stories: a supporter is told about a new offer in their language, with a link and nothing
personal; a mail server that is down delays the message but never the change that caused it;
a bad address or a broken channel never holds up anyone else's message.
"""

import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supporters.clock import utcnow
from supporters.models import (
    Consent,
    HelpRequest,
    Notification,
    Offer,
    OutboxMessage,
    OutboxStatus,
    Supporter,
)
from supporters.notify import (
    DeliveryReport,
    deliver_pending,
    kind_title,
    mark_read,
    notify_supporter,
    notify_users,
    recent,
    register_channel,
    unread_count,
)
from supporters.notify.delivery import retry_delay
from tests.smtp_server import SmtpServer, free_port, smtp_server  # noqa: F401 (fixture)

BASE_URL = "https://yorisoi.example.jp"
SENDER = "Yorisoi <no-reply@yorisoi.example.jp>"


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811 (pytest passes the imported fixture)
    """The app sending its mail to the local SMTP server; yields the server."""
    app.config.update(
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        BASE_URL=BASE_URL,
        MAIL_SENDER=SENDER,
        MAIL_TIMEOUT=5,
    )
    return smtp_server


@pytest.fixture
def mail_down(app):
    """The app pointed at a port where no SMTP server listens; yields a server not yet started."""
    server = SmtpServer(port=free_port())
    app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_TIMEOUT=5)
    yield server
    server.stop()


def _outbox(db) -> list[OutboxMessage]:
    """Every outbox message as the database has it now, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _hospital_offer(db, supporter: Supporter) -> Offer:
    """A hospital request offered to ``supporter``, full of details no mail may carry."""
    consent = Consent(notice_version="2026-04", language_shown="pt", channel="phone")
    request = HelpRequest(
        reference="R7XK2Q",
        category="hospital",
        mode="in_person",
        language_code="pt",
        municipality_code="08204",
        place_name="古河赤十字病院",
        place_address="古河市下山町1150",
        starts_at=utcnow() + timedelta(days=2),
        ends_at=utcnow() + timedelta(days=2, hours=2),
        duration_minutes=120,
        requester_name="Maria Aparecida Santos",
        requester_contact="maria.santos@example.com",
        requester_nationality="BR",
        residence_status="定住者",
        need="妊婦健診の付き添い（切迫早産の疑い）",
        source="hospital",
        sensitive=True,
        resident_key="k" * 64,
        consent=consent,
    )
    offer = Offer(request=request, supporter_id=supporter.id, expires_at=utcnow() + timedelta(1))
    db.session.add(offer)
    db.session.commit()
    return offer


def test_offer_mail_arrives_in_japanese_with_the_link_and_nothing_personal(
    db, mail, make_supporter
):
    supporter = make_supporter(
        name="Ana Paula Yamamoto",
        email="ana@example.jp",
        languages=(("pt", "native"),),
        notes="夜勤あり、火曜は不可",
    )
    offer = _hospital_offer(db, supporter)

    notify_supporter(supporter, "offer_new", f"/me/offers/{offer.id}")
    db.session.commit()
    report = deliver_pending()

    assert report == DeliveryReport(sent=1, retried=0, failed=0)
    (message,) = mail.wait_for(1)
    assert message["To"] == "ana@example.jp"
    assert mail.envelopes[0].rcpt_tos == ("ana@example.jp",)
    assert message["From"] == SENDER
    assert message["Subject"] == "【よりそい】新しい打診"
    assert message["Message-ID"].endswith("@yorisoi.example.jp>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "新しい打診が届きました" in body
    assert f"{BASE_URL}/me/offers/{offer.id}" in body

    # On the wire the Japanese subject is an RFC 2047 encoded-word; the headers stay ASCII.
    raw_headers = mail.raw[0].split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii() and b"=?utf-8?" in raw_headers.lower()

    text = message["Subject"] + body + mail.raw[0].decode("ascii")
    request = offer.request
    for private in (
        supporter.display_name,
        supporter.phone,
        supporter.notes,
        request.reference,
        request.requester_name,
        request.requester_contact,
        request.place_name,
        request.place_address,
        request.residence_status,
        request.need,
        "Maria",
        "妊婦",
        "hospital",
        "病院",
    ):
        assert private not in text, private

    (sent,) = _outbox(db)
    assert sent.status == OutboxStatus.SENT and sent.attempts == 1 and sent.sent_at is not None


def test_the_account_language_chooses_the_mail_language(db, mail, make_supporter, make_user):
    english_speaker = make_supporter(name="John Smith", email="john@example.jp")
    account = make_user("supporter", email="john.login@example.jp", supporter=english_speaker)
    account.locale = "en"
    no_account = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    db.session.commit()

    notify_supporter(english_speaker, "offer_withdrawn", "/me/offers/3")
    notify_supporter(no_account, "offer_withdrawn", "/me/offers/4")
    db.session.commit()
    deliver_pending()

    english, japanese = mail.wait_for(2)
    assert english["To"] == "john@example.jp"
    assert english["Subject"] == "Yorisoi: Offer withdrawn"
    assert "You do not need to answer it." in english.get_content()
    assert japanese["To"] == "nam@example.jp"
    assert japanese["Subject"] == "【よりそい】打診の取り下げ"
    assert "回答の必要はありません" in japanese.get_content()


def test_staff_are_told_in_their_own_language(db, make_user):
    japanese = make_user("coordinator", email="sato@example.jp")
    english = make_user("coordinator", email="kim@example.jp")
    english.locale = "en"
    gone = make_user("admin", email="left@example.jp")
    gone.active = False
    db.session.commit()

    notify_users([japanese, english, english, gone], "request_unfilled", "/requests/5")
    db.session.commit()

    by_recipient = {m.recipient: m for m in _outbox(db)}
    assert set(by_recipient) == {"sato@example.jp", "kim@example.jp"}
    assert by_recipient["sato@example.jp"].subject == "【よりそい】担当者未定の支援依頼"
    assert by_recipient["kim@example.jp"].subject == "Yorisoi: Request unfilled"
    assert "/requests/5" in by_recipient["kim@example.jp"].body
    assert unread_count(japanese) == 1 and unread_count(english) == 1 and unread_count(gone) == 0


def test_in_app_notification_only_for_a_supporter_with_an_account(db, make_supporter, make_user):
    with_account = make_supporter(name="Trần Văn Hùng", email="hung@example.jp")
    user = make_user("supporter", supporter=with_account)
    without_account = make_supporter(name="Gurung Sita", email="sita@example.jp")

    notify_supporter(with_account, "offer_new", "/me/offers/1")
    notify_supporter(without_account, "offer_new", "/me/offers/2")
    db.session.commit()

    assert unread_count(user) == 1
    (line,) = recent(user)
    assert (line.kind, line.link, line.read_at) == ("offer_new", "/me/offers/1", None)
    assert kind_title(line.kind) == "新しい打診"
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert [m.recipient for m in _outbox(db)] == ["hung@example.jp", "sita@example.jp"]


def test_nothing_is_queued_when_the_change_is_rolled_back(db, make_supporter):
    supporter = make_supporter()
    notify_supporter(supporter, "offer_new", "/me/offers/1")
    db.session.rollback()
    assert _outbox(db) == []


def test_server_down_keeps_the_change_and_the_message_is_sent_when_it_returns(
    db, mail_down, make_supporter
):
    supporter = make_supporter(email="lan@example.jp")
    supporter.monthly_case_cap = 2  # the change that causes the message
    notify_supporter(supporter, "offer_expired", "/me/offers/9")
    db.session.commit()

    report = deliver_pending()

    assert report == DeliveryReport(sent=0, retried=1, failed=0)
    (message,) = _outbox(db)
    assert db.session.get(Supporter, supporter.id).monthly_case_cap == 2
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > utcnow()
    retry_at = message.next_attempt_at

    mail_down.start()
    assert deliver_pending(now=retry_at - timedelta(seconds=1)) == DeliveryReport()
    assert deliver_pending(now=retry_at) == DeliveryReport(sent=1)

    (received,) = mail_down.wait_for(1)
    assert received["To"] == "lan@example.jp"
    (message,) = _outbox(db)
    assert (message.status, message.attempts, message.sent_at) == (OutboxStatus.SENT, 2, retry_at)


def test_retries_back_off_and_give_up_after_the_last_attempt(app, db, mail_down, make_supporter):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 4
    notify_supporter(make_supporter(), "offer_new", "/me/offers/1")
    db.session.commit()

    now = utcnow()
    waits = []
    for expected in ("retried", "retried", "retried", "failed"):
        report = deliver_pending(now=now)
        assert getattr(report, expected) == 1
        (message,) = _outbox(db)
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at

    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 4)
    assert deliver_pending(now=now + timedelta(days=1)) == DeliveryReport()


def test_backoff_is_capped_at_an_hour():
    assert [retry_delay(n).total_seconds() // 60 for n in (1, 2, 3, 7, 8, 20)] == [
        1,
        2,
        4,
        60,
        60,
        60,
    ]


class FlakyLine:
    """A channel that records what it sends and breaks for one recipient (a delivery test)."""

    name = "flaky"

    def __init__(self):
        """Nothing sent yet."""
        self.sent: list[str] = []

    def configured(self) -> bool:
        """Always on."""
        return True

    def send(self, message: OutboxMessage) -> None:
        """Fail for ``line-user-broken``, record everyone else."""
        if message.recipient == "line-user-broken":
            raise RuntimeError("LINE API returned 500")
        self.sent.append(message.recipient)


def test_one_failing_message_does_not_block_the_others(db, mail, make_supporter):
    mail.refuse("gone@example.jp")
    line = FlakyLine()
    register_channel(line)
    refused = make_supporter(email="gone@example.jp")
    notify_supporter(refused, "offer_new", "/me/offers/1")
    for recipient in ("line-user-broken", "line-user-ok"):
        db.session.add(
            OutboxMessage(
                channel="flaky", recipient=recipient, subject="-", body="-", kind="offer_new"
            )
        )
    db.session.add(
        OutboxMessage(channel="pigeon", recipient="090", subject="-", body="-", kind="offer_new")
    )
    notify_supporter(make_supporter(email="fine@example.jp"), "offer_new", "/me/offers/2")
    db.session.commit()

    report = deliver_pending()

    assert report == DeliveryReport(sent=2, retried=2, failed=1)
    assert [m["To"] for m in mail.wait_for(1)] == ["fine@example.jp"]
    assert line.sent == ["line-user-ok"]
    status = {m.recipient: (m.status, m.last_error) for m in _outbox(db)}
    assert status["gone@example.jp"][0] == OutboxStatus.FAILED  # 550: retrying cannot help
    assert "PermanentDeliveryError" in status["gone@example.jp"][1]
    assert status["line-user-broken"] == (
        OutboxStatus.PENDING,
        "RuntimeError: LINE API returned 500",
    )
    assert status["090"] == (
        OutboxStatus.PENDING,
        "LookupError: no channel registered for 'pigeon'",
    )


def test_limit_leaves_the_rest_for_the_next_run(db, mail, make_supporter):
    for n in range(3):
        notify_supporter(make_supporter(email=f"s{n}@example.jp"), "offer_new", f"/me/offers/{n}")
    db.session.commit()
    assert deliver_pending(limit=2) == DeliveryReport(sent=2)
    assert deliver_pending(limit=2) == DeliveryReport(sent=1)
    assert [m["To"] for m in mail.wait_for(3)] == [
        "s0@example.jp",
        "s1@example.jp",
        "s2@example.jp",
    ]


@pytest.fixture
def cli(app):
    """A CLI runner with the ``outbox`` commands (registered here until the factory does it)."""
    if "outbox" not in app.cli.commands:
        from supporters.notify import cli as notify_cli

        notify_cli.init_app(app)
    return app.test_cli_runner()


def test_cli_delivers_and_reports(db, cli, mail, make_supporter):
    notify_supporter(make_supporter(email="a@example.jp"), "offer_new", "/me/offers/1")
    notify_supporter(make_supporter(email="b@example.jp"), "offer_new", "/me/offers/2")
    db.session.commit()

    status = cli.invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    assert status.output.strip() == "Outbox: 2 pending (2 due now), 0 sent, 0 failed."

    result = cli.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Outbox: 2 sent, 0 to retry, 0 failed."
    assert len(mail.wait_for(2)) == 2

    status = cli.invoke(args=["outbox", "status"])
    assert status.output.strip() == "Outbox: 0 pending (0 due now), 2 sent, 0 failed."


def test_mark_read_touches_only_the_users_own_notifications(db, make_user):
    me = make_user("coordinator", email="me@example.jp")
    other = make_user("coordinator", email="other@example.jp")
    for n in range(3):
        notify_users([me], "request_assigned", f"/requests/{n}")
    notify_users([other], "request_assigned", "/requests/9")
    db.session.commit()
    mine = [n.id for n in recent(me)]
    theirs = [n.id for n in recent(other)]
    assert [n.link for n in recent(me)] == ["/requests/2", "/requests/1", "/requests/0"]

    assert mark_read(me, [mine[0], *theirs]) == 1
    db.session.commit()
    assert (unread_count(me), unread_count(other)) == (2, 1)
    assert mark_read(me) == 2
    db.session.commit()
    assert (unread_count(me), unread_count(other)) == (0, 1)
    assert mark_read(me, []) == 0
    assert len(recent(me, limit=2)) == 2


@pytest.mark.parametrize(
    ("kind", "link"),
    [
        ("offer_accepted_by_magic", "/me/offers/1"),
        ("offer_new", "https://evil.example/phish"),
        ("offer_new", "//evil.example/phish"),
        ("offer_new", "/me/offers/1\r\nBcc: everyone@example.jp"),
    ],
)
def test_unknown_kinds_and_outside_links_are_refused(db, make_supporter, kind, link):
    supporter = make_supporter()
    with pytest.raises(ValueError):
        notify_supporter(supporter, kind, link)
    assert _outbox(db) == []


def test_delivery_needs_an_aware_time(db):
    with pytest.raises(ValueError):
        deliver_pending(now=utcnow().replace(tzinfo=None))


def test_login_when_the_server_requires_it(app, db, make_supporter):
    with SmtpServer(credentials=("yorisoi", "s3cret")) as server:
        app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_USERNAME="yorisoi")
        app.config["MAIL_PASSWORD"] = "wrong"
        notify_supporter(make_supporter(email="lan@example.jp"), "offer_new", "/me/offers/1")
        db.session.commit()

        assert deliver_pending() == DeliveryReport(retried=1)
        assert "SMTPAuthenticationError" in _outbox(db)[0].last_error

        app.config["MAIL_PASSWORD"] = "s3cret"
        assert deliver_pending(now=utcnow() + timedelta(minutes=1)) == DeliveryReport(sent=1)
        assert [m["To"] for m in server.wait_for(1)] == ["lan@example.jp"]
        assert server.envelopes[0].login == "yorisoi"


def test_mail_language_is_the_recipients_not_the_senders(app, db, make_supporter):
    supporter = make_supporter(email="nam@example.jp")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        from supporters.i18n import current_locale

        assert current_locale() == "en"  # an English-speaking coordinator is at work
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        assert current_locale() == "en"  # and their page stays in English
    db.session.commit()
    assert _outbox(db)[0].subject == "【よりそい】新しい打診"


class SlowChannel:
    """A channel that takes its time, so two delivery runs overlap."""

    name = "slow"

    def __init__(self):
        """Nothing sent yet; runs in two threads share the list."""
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def configured(self) -> bool:
        """Always on."""
        return True

    def send(self, message: OutboxMessage) -> None:
        """Take a moment, then record the recipient."""
        time.sleep(0.05)
        with self._lock:
            self.sent.append(message.recipient)


@pytest.mark.skipif(
    os.environ.get("YORISOI_TEST_BACKEND") != "postgresql",
    reason="row locks (FOR UPDATE SKIP LOCKED) need PostgreSQL; SQLite runs one writer anyway",
)
def test_two_runs_at_once_send_each_message_once(app, db):
    channel = SlowChannel()
    register_channel(channel)
    recipients = [f"r{n}" for n in range(8)]
    for recipient in recipients:
        db.session.add(
            OutboxMessage(channel="slow", recipient=recipient, subject="-", body="-", kind="x")
        )
    db.session.commit()
    reports: list[DeliveryReport] = []

    def run():
        """One delivery run, as cron would start it, in its own app context and session."""
        with app.app_context():
            reports.append(deliver_pending())

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()

    assert sorted(channel.sent) == recipients
    assert sum(report.sent for report in reports) == len(recipients)
    assert all(report.sent for report in reports)  # both runs really took part
