"""Before an assignment: the supporter is asked to confirm (72 h, 24 h), confirms with one tap
on the assignment page, the coordinators hear of silence once, the resident is reminded the day
before in their language — and none of it says what the help is for."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from supporters.clock import JST
from supporters.help_requests import offers, reminders
from supporters.models import HelpRequest, Notification, OutboxMessage
from tests.conftest import Auth, post_form
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)


@pytest.fixture
def assigned(app, db, make_request, make_supporter, make_user):
    """A hospital request in Koga, five days ahead at 10:00 JST, assigned to Lan."""
    app.config.update(CONFIRM_REMINDER_HOURS="72,24", UNCONFIRMED_ALERT_HOURS=12)
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    make_user("supporter", email="lan-account@example.jp", supporter=lan)
    coordinator = make_user("coordinator")
    request = make_request(
        category="hospital",
        days_ahead=5,
        contact="mai@example.jp",
        need="Internal medicine",
        remind_consent=True,
    )
    (offer,) = offers.send_offers(request, [lan.id], coordinator)
    offers.accept(offer.id, lan.id, None)
    db.session.commit()
    return db.session.get(HelpRequest, request.id)


def _messages(db, kind):
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def _hours_before(request, hours):
    return request.starts_at - timedelta(hours=hours)


def test_the_supporter_is_asked_to_confirm_at_72_and_24_hours_once_each(db, assigned):
    assert reminders.run(_hours_before(assigned, 80)).confirm == 0
    assert reminders.run(_hours_before(assigned, 70)).confirm == 1
    assert reminders.run(_hours_before(assigned, 69)).confirm == 0  # already asked
    db.session.commit()
    assert reminders.run(_hours_before(assigned, 23)).confirm == 1
    db.session.commit()
    asked = _messages(db, "assignment_confirm")
    assert [m.recipient for m in asked] == ["lan@example.jp"] * 2
    assert asked[0].link == f"/me/assignments/{assigned.id}"
    assert asked[0].params["municipality_code"] == "08204"
    for message in asked:  # a hospital visit: nothing in the message says so
        assert "病院" not in message.body and "Internal medicine" not in message.body
        assert "Phạm" not in message.body


def test_one_tap_on_the_assignment_page_confirms_and_stops_the_reminders(app, db, assigned):
    client = app.test_client()
    Auth(client).login("lan-account@example.jp")
    page = f"/me/assignments/{assigned.id}"
    assert 'data-testid="confirm"' in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/confirm", {}, token_from=page)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(HelpRequest, assigned.id).confirmed_at is not None
    assert 'data-testid="confirmed"' in client.get(page).get_data(as_text=True)

    report = reminders.run(_hours_before(assigned, 10))
    assert (report.confirm, report.unconfirmed) == (0, 0)


def test_silence_close_to_the_start_alerts_the_coordinator_once(app, db, assigned):
    reminders.run(_hours_before(assigned, 11))
    db.session.commit()
    reminders.run(_hours_before(assigned, 10))
    db.session.commit()
    alerts = db.session.scalars(
        select(Notification).where(Notification.kind == "assignment_unconfirmed")
    ).all()
    assert len(alerts) == 1 and alerts[0].link == f"/requests/{assigned.id}"
    assert len(_messages(db, "assignment_unconfirmed")) == 1


def test_the_dashboard_lists_an_unconfirmed_assignment_starting_soon(app, db, assigned):
    from supporters.clock import utcnow
    from supporters.help_requests.queries import queue_statement
    from supporters.models import User

    coordinator = db.session.scalars(select(User).where(User.role == "coordinator")).one()
    soon = assigned.starts_at - timedelta(hours=6)
    assert assigned in db.session.scalars(queue_statement(coordinator, soon)).all()
    assert assigned not in db.session.scalars(queue_statement(coordinator, utcnow())).all()


def test_the_resident_is_reminded_the_day_before_in_their_language(db, assigned):
    start = assigned.starts_at.astimezone(JST)
    day_before_9 = (start - timedelta(days=1)).replace(hour=9, minute=0)
    day_before_11 = day_before_9.replace(hour=11)
    assert reminders.run(day_before_9).resident == 0  # before RESIDENT_REMINDER_HOUR
    assert reminders.run(day_before_11).resident == 1
    assert reminders.run(day_before_11 + timedelta(hours=2)).resident == 0
    db.session.commit()
    (message,) = _messages(db, "resident_reminder")
    assert (message.recipient, message.locale) == ("mai@example.jp", "vi")
    assert "Nhắc" in message.subject or "ngày mai" in message.body  # Vietnamese
    for secret in ("Phạm", "Internal medicine", "hospital", "Bệnh viện", "病院"):
        assert secret not in message.body and secret not in message.subject


def test_a_resident_with_a_phone_number_gets_no_reminder_without_sms(
    db, make_request, make_supporter, make_user
):
    lan = make_supporter(email="lan2@example.jp", home="08204")
    coordinator = make_user("coordinator")
    request = make_request(days_ahead=2, contact="090-1234-5678", remind_consent=True)
    (offer,) = offers.send_offers(request, [lan.id], coordinator)
    offers.accept(offer.id, lan.id, None)
    db.session.commit()
    start = request.starts_at.astimezone(JST)
    assert reminders.run((start - timedelta(days=1)).replace(hour=12)).resident == 0


def _assigned_to_someone(db, make_request, make_supporter, make_user, **request_args):
    lan = make_supporter(email="lan3@example.jp", home="08204")
    request = make_request(days_ahead=2, **request_args)
    (offer,) = offers.send_offers(request, [lan.id], make_user("coordinator"))
    offers.accept(offer.id, lan.id, None)
    db.session.commit()
    return request


def _day_before(request, hour):
    start = request.starts_at.astimezone(JST)
    return (start - timedelta(days=1)).replace(hour=hour, minute=0)


def test_no_reminder_to_a_resident_who_did_not_ask_for_one(
    db, make_request, make_supporter, make_user
):
    request = _assigned_to_someone(
        db, make_request, make_supporter, make_user, contact="mai@example.jp"
    )
    assert request.remind_consent is False
    assert reminders.run(_day_before(request, 12)).resident == 0


def test_no_reminder_late_in_the_evening(db, make_request, make_supporter, make_user):
    request = _assigned_to_someone(
        db, make_request, make_supporter, make_user, contact="mai@example.jp", remind_consent=True
    )
    assert reminders.run(_day_before(request, 21)).resident == 0
    assert reminders.run(_day_before(request, 20)).resident == 1


def test_the_resident_reminder_reaches_their_mailbox(
    app,
    db,
    make_request,
    make_supporter,
    make_user,
    smtp_server,  # noqa: F811
):
    from supporters.notify import deliver_pending

    app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    request = _assigned_to_someone(
        db,
        make_request,
        make_supporter,
        make_user,
        category="hospital",
        contact="mai@example.jp",
        need="Internal medicine",
        remind_consent=True,
    )
    reminders.run(_day_before(request, 12))
    db.session.commit()
    deliver_pending()  # the supporter's reminder to confirm goes too
    smtp_server.wait_for(2)
    (mail,) = [m for m in smtp_server.messages if m["To"] == "mai@example.jp"]
    text = mail["Subject"] + mail.get_body(("plain",)).get_content()
    assert "ngày mai" in text or "Nhắc" in text
    assert "Phạm" not in text and "Internal medicine" not in text and "Bệnh viện" not in text


def test_a_mobile_number_gets_the_reminder_by_sms_when_sms_is_configured(
    app, db, make_request, make_supporter, make_user
):
    from supporters.notify import deliver_pending
    from tests.http_recorder import HttpRecorder

    def gateway(got):
        assert got.headers.get("Authorization") == "Bearer t"
        return 202, {"id": "1"}

    request = _assigned_to_someone(
        db,
        make_request,
        make_supporter,
        make_user,
        category="hospital",
        contact="090-1234-5678",
        need="Internal medicine",
        remind_consent=True,
    )
    with HttpRecorder(gateway) as server:
        app.config.update(SMS_GATEWAY_URL=f"{server.url}/messages", SMS_GATEWAY_TOKEN="t")
        assert reminders.run(_day_before(request, 12)).resident == 1
        db.session.commit()
        (message,) = _messages(db, "resident_reminder")
        assert (message.channel, message.recipient) == ("sms", "+819012345678")
        deliver_pending()
    (got,) = [r for r in server.received if r.json()["to"] == "+819012345678"]
    text = got.json()["text"]
    assert "Nhắc" in text or "ngày mai" in text  # the resident's language (Vietnamese)
    for secret in ("Internal medicine", "Bệnh viện", "病院", "Phạm"):
        assert secret not in text


def test_the_public_form_box_asks_for_the_reminder(app, db):
    from tests.test_public_form import request_data

    client = app.test_client()
    post_form(client, "/help/?lang=vi", request_data(contact="mai@example.jp", remind="y"))
    post_form(client, "/help/?lang=vi", request_data(contact="hoa@example.jp"))
    db.session.expire_all()
    asked = dict(
        db.session.execute(select(HelpRequest.requester_contact, HelpRequest.remind_consent)).all()
    )
    assert asked == {"mai@example.jp": True, "hoa@example.jp": False}


def test_the_coordinator_sees_on_the_request_page_whether_the_supporter_confirmed(
    app, db, assigned
):
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    page = f"/requests/{assigned.id}"
    shown = client.get(page).get_data(as_text=True)
    assert 'data-testid="confirmation"' in shown and "not confirmed" in _english(client, page)
    confirmation_confirm(db, assigned)
    assert "not confirmed" not in _english(client, page)
    assert 'data-testid="confirmation"' in client.get(page).get_data(as_text=True)


def test_a_released_assignment_is_confirmed_again_by_the_next_supporter(
    app, db, assigned, make_supporter
):
    from supporters.help_requests import lifecycle
    from supporters.models import User

    coordinator = db.session.scalars(select(User).where(User.role == "coordinator")).one()
    assert reminders.run(_hours_before(assigned, 11)).unconfirmed == 1  # Lan is silent
    db.session.commit()
    confirmation_confirm(db, assigned)  # too late: the coordinator releases her anyway
    request = db.session.get(HelpRequest, assigned.id)
    lifecycle.release(request, coordinator, "Lan is ill")
    db.session.commit()
    assert request.confirmed_at is None

    hoa = make_supporter(name="Hoa", email="hoa@example.jp", home="08204")
    (offer,) = offers.send_offers(request, [hoa.id], coordinator)
    offers.accept(offer.id, hoa.id, None)
    db.session.commit()
    report = reminders.run(_hours_before(request, 10))
    assert (report.confirm, report.unconfirmed) == (1, 1)  # Hoa is asked; the coordinator told
    db.session.commit()
    assert _messages(db, "assignment_confirm")[-1].recipient == "hoa@example.jp"
    assert len(_messages(db, "assignment_unconfirmed")) == 2


def confirmation_confirm(db, request):
    from supporters.help_requests import confirmation

    confirmation.confirm(request.id, request.assigned_supporter_id, None)
    db.session.commit()


def _english(client, page):
    return client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_a_coordinator_taking_a_request_by_phone_records_the_reminder_wish(app, db, make_user):
    from tests.conftest import jst_at
    from tests.test_requests import _intake_form

    make_user("coordinator")
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    day = jst_at(3, 0).date()
    form = _intake_form(day, requester_contact="mai@example.jp", remind_consent="y")
    post_form(client, "/requests/new", form)
    post_form(client, "/requests/new", _intake_form(day, requester_contact="hoa@example.jp"))
    db.session.expire_all()
    asked = dict(
        db.session.execute(select(HelpRequest.requester_contact, HelpRequest.remind_consent)).all()
    )
    assert asked == {"mai@example.jp": True, "hoa@example.jp": False}
