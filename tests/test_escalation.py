"""Escalation: nobody answers → the next candidates get the offer → after the last round the
request is unfilled and the coordinators are told. Safe to run twice."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from supporters.clock import utcnow
from supporters.help_requests import escalation, offers
from supporters.help_requests.candidates import match_request
from supporters.help_requests.event_labels import event_text
from supporters.models import (
    HelpRequest,
    Notification,
    Offer,
    OfferStatus,
    OutboxMessage,
    RequestEvent,
    RequestStatus,
)

KOGA = "08204"


@pytest.fixture
def six_speakers(make_supporter):
    """Six Vietnamese speakers in Koga: more than two rounds of three need."""
    return [
        make_supporter(name=f"Supporter {n}", email=f"s{n}@example.jp", home=KOGA) for n in range(6)
    ]


@pytest.fixture
def offered(app, db, make_request, make_user, six_speakers):
    """A request offered to the best-ranked supporter by a coordinator, an hour ago."""
    app.config.update(ESCALATE_AFTER_HOURS=4, ESCALATION_ROUNDS=2, ESCALATION_BATCH=3)
    coordinator = make_user("coordinator")
    request = make_request(days_ahead=5)
    first = match_request(request).ranked[0].candidate.supporter_id
    sent = utcnow() - timedelta(hours=1)
    offers.send_offers(request, [first], coordinator, now=sent)
    db.session.commit()
    return request.id, sent, coordinator


def _offered_to(db, request_id):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Offer.supporter_id).where(Offer.request_id == request_id).order_by(Offer.id)
        )
    )


def test_nothing_happens_before_the_wait_is_over(db, offered):
    request_id, sent, _ = offered
    report = escalation.escalate(sent + timedelta(hours=3, minutes=59))
    assert (report.escalated, report.given_up) == (0, 0)
    assert len(_offered_to(db, request_id)) == 1


def test_no_answer_offers_to_the_next_three_once_however_often_it_runs(app, db, offered):
    request_id, sent, _ = offered
    first = _offered_to(db, request_id)
    now = sent + timedelta(hours=4, minutes=5)
    assert escalation.escalate(now).escalated == 1
    db.session.commit()
    assert escalation.escalate(now).escalated == 0  # the same minute again: nothing more
    db.session.commit()

    asked = _offered_to(db, request_id)
    assert len(asked) == 4 and asked[0] == first[0] and len(set(asked)) == 4
    (event,) = db.session.scalars(select(RequestEvent).where(RequestEvent.code == "escalated"))
    assert event.params == {"round": 1, "offered": 3}
    with app.test_request_context(), force_locale("en"):  # the history line, in English
        assert "3 more supporter(s)" in event_text(event)
    # The three were told, with facts and no special-care data.
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "offer_new")).all()
    assert len(mails) == 4
    assert all(m.params["municipality_code"] == KOGA for m in mails)


def test_after_the_last_round_the_request_is_unfilled_and_the_coordinator_is_told(db, offered):
    request_id, sent, coordinator = offered
    escalation.escalate(sent + timedelta(hours=4, minutes=1))  # round 1: three more
    db.session.commit()
    escalation.escalate(sent + timedelta(hours=8, minutes=2))  # round 2: the last two
    db.session.commit()
    assert len(_offered_to(db, request_id)) == 6

    report = escalation.escalate(sent + timedelta(hours=12, minutes=3))
    db.session.commit()
    assert report.given_up == 1
    request = db.session.get(HelpRequest, request_id)
    assert request.status == RequestStatus.UNFILLED
    still_open = db.session.scalars(
        select(Offer).where(Offer.request_id == request_id, Offer.status == OfferStatus.OPEN)
    ).all()
    assert still_open == []
    alert = db.session.scalars(
        select(Notification).where(
            Notification.user_id == coordinator.id, Notification.kind == "request_unfilled"
        )
    ).one()
    assert alert.link == f"/requests/{request_id}"


def test_the_worker_sweep_escalates(db, offered):
    request_id, sent, _ = offered
    offers.sweep(sent + timedelta(hours=5))
    db.session.commit()
    assert len(_offered_to(db, request_id)) == 4


def test_when_nobody_else_qualifies_the_request_is_unfilled_at_once_and_shown(
    app, db, make_request, make_supporter, make_user
):
    from tests.conftest import Auth

    app.config.update(ESCALATE_AFTER_HOURS=4, ESCALATION_ROUNDS=2, ESCALATION_BATCH=3)
    only = make_supporter(email="only@example.jp", home=KOGA)
    coordinator = make_user("coordinator")
    request = make_request(days_ahead=5)
    sent = utcnow() - timedelta(hours=1)
    offers.send_offers(request, [only.id], coordinator, now=sent)
    db.session.commit()

    later = sent + timedelta(hours=4, minutes=1)
    assert escalation.escalate(later).given_up == 1
    db.session.commit()
    assert escalation.escalate(later).given_up == 0  # twice: one alert
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.UNFILLED
    alerts = db.session.scalars(
        select(Notification).where(Notification.kind == "request_unfilled")
    ).all()
    assert len(alerts) == 1
    # The supporter whose offer was closed is told once, by e-mail (she has no account).
    closed = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "offer_expired")
    ).all()
    assert [m.recipient for m in closed] == ["only@example.jp"]

    client = app.test_client()
    Auth(client).login(coordinator.email)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="queue"' in page and request.reference in page
