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


@pytest.fixture
def assigned(app, db, make_request, make_supporter, make_user):
    """A hospital request in Koga, five days ahead at 10:00 JST, assigned to Lan."""
    app.config.update(CONFIRM_REMINDER_HOURS="72,24", UNCONFIRMED_ALERT_HOURS=12)
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    make_user("supporter", email="lan-account@example.jp", supporter=lan)
    coordinator = make_user("coordinator")
    request = make_request(
        category="hospital", days_ahead=5, contact="mai@example.jp", need="Internal medicine"
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
    request = make_request(days_ahead=2, contact="090-1234-5678")
    (offer,) = offers.send_offers(request, [lan.id], coordinator)
    offers.accept(offer.id, lan.id, None)
    db.session.commit()
    start = request.starts_at.astimezone(JST)
    assert reminders.run((start - timedelta(days=1)).replace(hour=12)).resident == 0
