"""One tap from the message: the e-mail carries accept / decline / confirm links; opening one
shows what it does and never acts; its button acts once, as the supporter, without sign-in."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from supporters.help_requests import offers, reminders
from supporters.models import ActionToken, HelpRequest, Offer, OfferStatus, RequestStatus
from supporters.notify import deliver_pending
from tests.conftest import csrf_token
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

LINK = re.compile(r"https://yorisoi\.example\.jp(/a/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811
    app.config.update(
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        BASE_URL="https://yorisoi.example.jp",
        MAIL_TIMEOUT=5,
    )
    return smtp_server


@pytest.fixture
def lan(make_supporter, make_user):
    supporter = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    make_user("supporter", email="lan-account@example.jp", supporter=supporter)
    return supporter


@pytest.fixture
def offered(db, lan, make_request, make_user):
    coordinator = make_user("coordinator")
    request = make_request(category="hospital", need="Internal medicine", days_ahead=2)
    (offer,) = offers.send_offers(request, [lan.id], coordinator)
    db.session.commit()
    return offer.id, request.id


def _links(mail, count: int) -> list[str]:
    deliver_pending()
    message = mail.wait_for(count)[-1]
    body = message.get_content()
    assert "Internal medicine" not in body and "病院" not in body and "Phạm" not in body
    return LINK.findall(body)


def _press(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client)})  # the session's token


def test_accept_from_the_email_with_one_tap_once(app, db, mail, offered):
    offer_id, request_id = offered
    accept, decline = _links(mail, 1)
    client = app.test_client()  # not signed in

    page = client.get(accept)
    assert page.status_code == 200
    assert db.session.get(Offer, offer_id).status == OfferStatus.OPEN  # opening never acts
    text = page.get_data(as_text=True)
    assert "Internal medicine" not in text and "Phạm" not in text

    assert _press(client, accept).status_code == 200
    db.session.expire_all()
    assert db.session.get(HelpRequest, request_id).status == RequestStatus.ASSIGNED
    again = _press(client, accept)  # a second tap
    assert again.status_code == 409 and 'data-testid="used"' in again.get_data(as_text=True)
    forwarded = app.test_client()  # the mail forwarded to someone else, opened elsewhere
    assert 'data-testid="used"' in forwarded.get(accept).get_data(as_text=True)
    assert _press(forwarded, accept).status_code == 409
    # The decline link of the same message cannot undo it.
    assert _press(client, decline).status_code == 409
    db.session.expire_all()
    assert db.session.get(HelpRequest, request_id).status == RequestStatus.ASSIGNED


def test_decline_from_the_email(app, db, mail, offered):
    offer_id, _ = offered
    _, decline = _links(mail, 1)
    assert _press(app.test_client(), decline).status_code == 200
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).status == OfferStatus.DECLINED


def test_confirm_tomorrows_assignment_from_the_reminder(app, db, mail, offered, lan):
    offer_id, request_id = offered
    offers.accept(offer_id, lan.id, None)
    db.session.commit()
    request = db.session.get(HelpRequest, request_id)
    reminders.run(request.starts_at - timedelta(hours=20))
    db.session.commit()
    (confirm,) = _links(mail, 2)  # the offer's mail, then the reminder
    assert _press(app.test_client(), confirm).status_code == 200
    db.session.expire_all()
    assert db.session.get(HelpRequest, request_id).confirmed_at is not None


def test_a_made_up_or_altered_link_is_not_found(app, mail, offered):
    accept, _ = _links(mail, 1)
    client = app.test_client()
    assert client.get("/a/made-up").status_code == 404
    assert client.get(accept[:-2] + "xx").status_code == 404


def test_an_expired_link_says_so_and_does_nothing(app, db, mail, offered):
    offer_id, _ = offered
    accept, _ = _links(mail, 1)
    for token in db.session.scalars(select(ActionToken)):
        token.expires_at = token.created_at - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    assert 'data-testid="expired"' in client.get(accept).get_data(as_text=True)
    assert _press(client, accept).status_code == 409
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).status == OfferStatus.OPEN


def test_the_outbox_never_stores_the_links(db, mail, offered):
    from supporters.models import OutboxMessage

    _links(mail, 1)
    for message in db.session.scalars(select(OutboxMessage)):
        assert "/a/" not in message.body


def test_the_page_names_the_action_in_the_supporters_language(app, db, mail, offered, lan):
    from supporters.models import User

    user = db.session.scalar(select(User).where(User.supporter_id == lan.id))
    user.locale = "vi"
    db.session.commit()
    accept, _ = _links(mail, 1)
    page = app.test_client().get(accept)
    text = page.get_data(as_text=True)
    assert 'data-testid="facts"' in text and ("Koga" in text or "古河" in text)
    assert "Nhận yêu cầu này" in text  # "Accept this request", in Vietnamese
    for secret in ("Internal medicine", "病院", "Phạm", "hospital"):
        assert secret not in text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_press_without_the_forms_token_does_nothing(app, db, mail, offered):
    offer_id, _ = offered
    accept, _ = _links(mail, 1)
    assert app.test_client().post(accept).status_code == 400  # no CSRF token: refused
    db.session.expire_all()
    assert db.session.get(Offer, offer_id).status == OfferStatus.OPEN


def test_a_retried_message_carries_the_same_links(app, db, mail, offered):
    """A worker that dies after the send but before its commit sends the message again; the
    second copy's links are the first copy's (and the first copy's rows exist again)."""
    from supporters.models import OutboxMessage
    from supporters.notify.smtp import one_tap_lines

    message = db.session.scalars(select(OutboxMessage)).one()
    first = one_tap_lines(message)
    db.session.rollback()  # the rows made for the first copy are lost with the crash
    assert db.session.scalars(select(ActionToken)).all() == []
    message = db.session.scalars(select(OutboxMessage)).one()
    assert one_tap_lines(message) == first
    db.session.commit()
    accept = LINK.findall(first)[0]
    assert _press(app.test_client(), accept).status_code == 200
