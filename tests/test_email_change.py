"""A new e-mail address counts only once its owner confirms it from the link mailed to it.

Stories:
- "As a supporter I change my e-mail address on my phone; a link goes to the new address, my old
  address is told, and until I open the link I still sign in with the old one."
- "When I open the link, the address I sign in with and the address the programme writes to
  change together; my other devices are signed out."
- "A link used twice, replaced, cancelled, expired, or for an address someone else took
  meanwhile shows a clear page, never an error."
- "When the coordinators correct my address in the registry, I sign in with the corrected one
  and my old address is told."
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from supporters.clock import utcnow
from supporters.credentials import email_change
from supporters.models import AccountLink, AuditEvent, OutboxMessage, Supporter, User
from supporters.models.credentials import AccountLinkPurpose
from supporters.notify import deliver_pending
from supporters.registry import operations
from tests.conftest import Auth, post_form
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_rules_registry import profile

BASE_URL = "https://yorisoi.example.jp"
LINK_RE = re.compile(r"https://yorisoi\.example\.jp(/account/email/confirm/[A-Za-z0-9_-]+)")
OLD, NEW = "supporter@example.jp", "hung.new@example.jp"


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811 (pytest passes the imported fixture)
    """The app sending mail to the local SMTP server, with links on BASE_URL."""
    app.config.update(
        MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, BASE_URL=BASE_URL, MAIL_TIMEOUT=5
    )
    return smtp_server


@pytest.fixture
def phone(app, db, users):
    """The supporter's phone, signed in, reading English (their saved language)."""
    db.session.get(User, users["supporter"].id).locale = "en"
    db.session.commit()
    client = app.test_client()
    assert Auth(client).login(OLD).status_code == 302
    return client


def _deliver(app, mail, count: int):
    with app.app_context():
        deliver_pending()
    return mail.wait_for(count)


def _to(messages, address: str):
    (found,) = [m for m in messages if m["To"] == address]
    return found


def _link_in(message) -> str:
    match = LINK_RE.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _ask(client, email: str, phone_number: str = "090-0000-0001"):
    return post_form(client, "/me/contact", {"phone": phone_number, "email": email})


def _confirm(client, link: str, token_from: str | None = None):
    """Press the link page's button (a dead link's page has none: take a token elsewhere)."""
    return post_form(client, link, {}, token_from=token_from or link)


def _addresses(db, users) -> tuple[str, str]:
    db.session.expire_all()
    user = db.session.get(User, users["supporter"].id)
    return user.email, user.supporter.email


def _actions(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_a_new_address_waits_for_its_link_and_then_switches_sign_in_and_contact(
    app, db, users, phone, mail
):
    laptop = app.test_client()
    assert Auth(laptop).login(OLD).status_code == 302

    response = _ask(phone, NEW)
    assert response.status_code == 302
    # Nothing changed yet: the old address signs in and gets the programme's messages.
    assert _addresses(db, users) == (OLD, "own@example.jp")
    page = phone.get("/me/profile").get_data(as_text=True)
    assert f"Waiting for confirmation at {NEW}" in page
    contact = phone.get("/me/contact").get_data(as_text=True)
    assert 'data-testid="email-resend"' in contact and 'data-testid="email-cancel"' in contact

    messages = _deliver(app, mail, 2)
    confirmation, notice = _to(messages, NEW), _to(messages, OLD)
    assert "Confirm your new e-mail address" in confirmation["Subject"]
    assert "24 hours" in confirmation.get_content()
    told = notice.get_content()
    assert "h***@example.jp" in told and NEW not in told  # masked
    assert "Trần" not in told and "Hùng" not in told  # no name in either message
    assert "/account/email/confirm/" not in told  # the link goes to the new address only
    link = _link_in(confirmation)
    token = link.rsplit("/", 1)[1]
    assert db.session.scalar(select(func.count()).where(AccountLink.token_hash == token)) == 0
    db.session.expire_all()
    sent = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(sent) == {"email_change_confirm", "email_change_requested"}
    assert token not in sent["email_change_confirm"].body  # blanked once delivered

    # Opening the link shows what it will do; a scanner fetching it changes nothing.
    mailbox = app.test_client()
    shown = mailbox.get(link)
    assert shown.status_code == 200 and NEW in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert _addresses(db, users) == (OLD, "own@example.jp")

    # Confirmed from the mail app, signed in nowhere: both addresses switch together.
    done = _confirm(mailbox, link)
    assert done.status_code == 200
    assert "Please sign in with it" in done.get_data(as_text=True)
    assert _addresses(db, users) == (NEW, NEW)
    assert _actions(db, "email_changed") == 1 and _actions(db, "email_change_requested") == 1
    # Every session of the account ended (as after a password reset): phone and laptop.
    assert laptop.get("/me/").status_code == 302
    assert phone.get("/me/").status_code == 302
    assert Auth(app.test_client()).login(OLD).status_code != 302
    assert Auth(app.test_client()).login(NEW).status_code == 302

    # The link works once.
    again = app.test_client()
    assert again.get(link).status_code == 404
    late = _confirm(again, link + "?lang=en", token_from="/password/forgot")
    assert late.status_code == 404 and "does not work any more" in late.get_data(as_text=True)


def test_confirming_on_the_phone_keeps_it_signed_in_and_signs_out_the_others(
    app, db, users, phone, mail
):
    laptop = app.test_client()
    assert Auth(laptop).login(OLD).status_code == 302
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    done = _confirm(phone, link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/contact")
    page = phone.get("/me/contact").get_data(as_text=True)
    assert f"Your e-mail address is now {NEW}" in page
    assert "Other devices signed in to your account were signed out." in page
    assert laptop.get("/me/").status_code == 302
    assert _addresses(db, users) == (NEW, NEW)


def test_the_phone_number_counts_at_once_and_an_unchanged_address_sends_nothing(
    app, db, users, phone, mail
):
    email_before = _addresses(db, users)[1]
    assert _ask(phone, email_before.upper(), "080-2222-3333").status_code == 302
    db.session.expire_all()
    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    assert supporter.phone == "080-2222-3333"
    assert email_change.pending_change(db.session.get(User, users["supporter"].id)) is None


def test_sending_again_replaces_the_link_and_cancelling_kills_it(app, db, users, phone, mail):
    _ask(phone, NEW)
    first = _link_in(_to(_deliver(app, mail, 2), NEW))
    resent = post_form(phone, "/account/email/resend", {}, token_from="/me/contact")
    assert resent.status_code == 302
    messages = _deliver(app, mail, 3)
    second = _link_in(messages[-1])
    assert messages[-1]["To"] == NEW and second != first
    assert app.test_client().get(first).status_code == 404  # replaced
    assert app.test_client().get(second).status_code == 200

    cancelled = post_form(phone, "/account/email/cancel", {}, token_from="/me/contact")
    assert cancelled.status_code == 302
    assert "is cancelled" in phone.get("/me/contact").get_data(as_text=True)
    assert "Waiting for confirmation" not in phone.get("/me/profile").get_data(as_text=True)
    assert _confirm(app.test_client(), second, "/password/forgot").status_code == 404
    assert _addresses(db, users) == (OLD, "own@example.jp")
    assert _actions(db, "email_change_cancelled") == 1
    # Nothing left to send again: a message, not an error.
    assert (
        post_form(phone, "/account/email/resend", {}, token_from="/me/contact").status_code == 302
    )


def test_an_address_someone_else_took_meanwhile_gets_a_clear_page(
    app, db, users, phone, mail, make_supporter
):
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    make_supporter(name="Other", email=NEW.upper())  # registered by the coordinators since
    refused = _confirm(app.test_client(), link)
    assert refused.status_code == 409
    assert "Nothing was changed" in refused.get_data(as_text=True)
    assert _addresses(db, users) == (OLD, "own@example.jp")


def test_an_expired_or_made_up_link_is_refused_with_a_page(app, db, users, phone, mail):
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert app.test_client().get(link).status_code == 404
    assert app.test_client().get("/account/email/confirm/" + "x" * 300).status_code == 404
    assert "Waiting for confirmation" not in phone.get("/me/profile").get_data(as_text=True)


def test_a_password_reset_drops_a_pending_change(app, db, users, phone, mail):
    # Whoever asked with a stolen session loses the change when the owner resets the password.
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    from supporters.credentials.service import expire_links

    expire_links(db.session.get(User, users["supporter"].id))  # what every password change does
    db.session.commit()
    assert _confirm(app.test_client(), link, "/password/forgot").status_code == 404


def test_addresses_of_other_accounts_are_refused_on_the_contact_page(app, db, users, phone):
    response = _ask(phone, "Coordinator@example.jp")
    assert response.status_code == 422
    assert "Another account already uses this e-mail address." in response.get_data(as_text=True)
    bad = _ask(phone, "not-an-address")
    assert bad.status_code == 422
    assert _addresses(db, users) == (OLD, "own@example.jp")


def test_the_coordinators_correction_is_trusted_and_the_account_follows(
    app, db, users, make_supporter, make_user, mail
):
    lan = make_supporter(name="Lan", email="lan@example.jp")
    account = make_user("supporter", email="lan@example.jp", supporter=lan)
    account.locale = "en"
    db.session.commit()
    phone = app.test_client()
    Auth(phone).login("lan@example.jp")
    _ask(phone, "lan.pending@example.jp")
    _deliver(app, mail, 2)

    operations.update_supporter(lan, profile(email="lan.fixed@example.jp"), by=users["coordinator"])
    db.session.commit()
    db.session.expire_all()
    account = db.session.get(User, account.id)
    assert (account.email, account.supporter.email) == ("lan.fixed@example.jp",) * 2
    assert email_change.pending_change(account) is None  # the supporter's own request dropped
    notice = _deliver(app, mail, 3)[-1]
    assert notice["To"] == "lan@example.jp"
    assert "l***@example.jp" in notice.get_content()
    assert Auth(app.test_client()).login("lan.fixed@example.jp").status_code == 302

    # Another account's address is refused on the registry too (they must not collide).
    from supporters.refusals import Refused

    with pytest.raises(Refused) as refusal:
        operations.update_supporter(lan, profile(email="admin@example.jp"), by=None)
    assert set(refusal.value.fields) == {"email"}


def test_an_edit_that_keeps_the_address_leaves_the_sign_in_alone(db, users):
    # The test account signs in as supporter@… while its record says own@…: an edit of another
    # field must not move the sign-in address.
    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    operations.update_supporter(
        supporter, profile(email="own@example.jp", display_name="Hùng"), by=None
    )
    db.session.commit()
    assert db.session.get(User, users["supporter"].id).email == OLD


def test_the_link_purpose_is_separate_from_password_links(app, db, users, phone, mail):
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    token = link.rsplit("/", 1)[1]
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404
    row = db.session.scalar(select(AccountLink))
    assert row.purpose == AccountLinkPurpose.EMAIL and row.new_email == NEW
    assert row.expires_at - row.created_at == timedelta(hours=24)


def test_another_site_cannot_confirm_or_cancel_a_pending_change(app, db, users, phone, mail):
    _ask(phone, NEW)
    link = _link_in(_to(_deliver(app, mail, 2), NEW))
    assert phone.post("/account/email/cancel").status_code == 400
    assert phone.post("/account/email/resend").status_code == 400
    assert phone.post(link).status_code == 400
    db.session.expire_all()
    assert email_change.pending_change(db.session.get(User, users["supporter"].id)) is not None
    assert _addresses(db, users) == (OLD, "own@example.jp")


def test_one_account_cannot_mail_address_after_address(app, users, phone):
    for n in range(10):
        assert _ask(phone, f"not-an-address-{n}").status_code == 422
    assert _ask(phone, "stranger@example.jp").status_code == 429
