"""Accounts without a server administrator: invitation, password reset, change, strength.

Stories:
- "As a coordinator I invite a new supporter from their registry page; they get an e-mail in
  their language, choose their own password on a page in their language, and are signed in."
- "As anyone who forgot their password I get a link by e-mail — and the page never tells a
  stranger whether an address has an account."
- "As a supporter who changed their password because a phone was lost, the lost phone is
  signed out, and the phone in my hand is not."
- "Nobody can choose password1234."
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from supporters.auth.passwords import password_problem_codes, user_inputs_of
from supporters.clock import utcnow
from supporters.credentials.messages import mail_locale
from supporters.models import AccountLink, AuditEvent, OutboxMessage, Role, User
from supporters.notify import deliver_pending
from tests.conftest import PASSWORD, Auth, post_form
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

BASE_URL = "https://yorisoi.example.jp"
NEW_PASSWORD = "plum kettle orbit 42 lantern"
LINK_RE = re.compile(r"https://yorisoi\.example\.jp(/(?:invite|password/reset)/[A-Za-z0-9_-]+)")
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def mail(app, smtp_server):  # noqa: F811 (pytest passes the imported fixture)
    """The app sending mail to the local SMTP server, with links on BASE_URL."""
    app.config.update(
        MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, BASE_URL=BASE_URL, MAIL_TIMEOUT=5
    )
    return smtp_server


def _deliver(app, mail, count: int):
    """Run the outbox (as cron does) and return the ``count`` messages the server received."""
    with app.app_context():
        deliver_pending()
    return mail.wait_for(count)


def _link_in(message) -> str:
    """The path of the account link in a received e-mail."""
    match = LINK_RE.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _session_cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _browser_with(app, cookie: str):
    """A new browser holding a copy of a session cookie (as a thief would)."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return other


def _set_password(client, path: str, password: str, confirm: str | None = None, **kwargs):
    return post_form(
        client,
        path + "?lang=en",
        {"password": password, "confirm": password if confirm is None else confirm},
        **kwargs,
    )


def _audit_count(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def _invite(client, supporter_id: int, **kwargs):
    return post_form(
        client,
        f"/supporters/{supporter_id}/invite",
        {},
        token_from=f"/supporters/{supporter_id}",
        **kwargs,
    )


# --- Invitation -----------------------------------------------------------------------------------


def test_invited_supporter_sets_a_password_and_lands_on_their_page(
    app, db, users, make_supporter, mail
):
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp")
    coordinator = app.test_client()
    # The Host header is the sender's to choose; the link must still point at BASE_URL.
    coordinator.environ_base["HTTP_HOST"] = "evil.example"
    Auth(coordinator).login("coordinator@example.jp")
    page = coordinator.get(f"/supporters/{lan.id}", headers=ENGLISH).get_data(as_text=True)
    assert "Invite to sign in" in page and "No account yet." in page

    response = _invite(coordinator, lan.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/supporters/{lan.id}")
    page = coordinator.get(f"/supporters/{lan.id}", headers=ENGLISH).get_data(as_text=True)
    assert "Send a new invitation" in page and "the link works until" in page

    (message,) = _deliver(app, mail, 1)
    assert message["To"] == "lan@example.jp"
    body = message.get_content()
    assert "evil.example" not in body
    assert "Nguyễn" not in body  # nothing personal in the message: no name
    link = _link_in(message)
    assert link.startswith("/invite/")
    # Only the token's hash is kept; once the mail is sent, the token is in the mailbox only.
    token = link.rsplit("/", 1)[1]
    assert db.session.scalar(select(func.count()).where(AccountLink.token_hash == token)) == 0
    db.session.expire_all()
    (sent,) = db.session.scalars(select(OutboxMessage)).all()
    assert sent.kind == "account_invite" and token not in sent.body

    # The supporter has an account that cannot be signed in to until they choose a password.
    account = db.session.scalar(select(User).where(User.supporter_id == lan.id))
    assert account.role == Role.SUPPORTER and account.email == "lan@example.jp"
    assert Auth(app.test_client()).login("lan@example.jp", NEW_PASSWORD).status_code != 302
    assert mail_locale(account) == "vi"  # the invitation speaks the supporter's language

    phone = app.test_client()
    form = phone.get(link + "?lang=vi")
    assert form.status_code == 200
    assert '<html lang="vi">' in form.get_data(as_text=True)
    response = _set_password(phone, link, NEW_PASSWORD)
    assert response.status_code == 302
    assert phone.get("/me/").status_code == 200  # signed in, on their own page

    db.session.expire_all()
    assert db.session.get(User, account.id).locale == "en"  # the language they chose (?lang=en)
    assert _audit_count(db, "account_invited") == 1
    assert _audit_count(db, "account_invite_used") == 1

    # The link works once: a second browser (or a second tab) is refused with a clear page.
    again = app.test_client()
    refused = again.get(link + "?lang=en")
    assert refused.status_code == 404
    assert "ask your coordinator" in refused.get_data(as_text=True)
    late = _set_password(again, link, "another fine passphrase 77", token_from="/password/forgot")
    assert late.status_code == 404
    assert Auth(app.test_client()).login("lan@example.jp", NEW_PASSWORD).status_code == 302

    # Once the password is set, the registry says so and offers no invitation.
    page = coordinator.get(f"/supporters/{lan.id}", headers=ENGLISH).get_data(as_text=True)
    assert "can sign in" in page and "Invite to sign in" not in page


def test_two_tabs_cannot_both_use_one_invitation(app, db, users, make_supporter, mail):
    lan = make_supporter(email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    link = _link_in(_deliver(app, mail, 1)[0])

    first, second = app.test_client(), app.test_client()
    for tab in (first, second):  # both tabs show the form
        assert tab.get(link).status_code == 200
    assert _set_password(first, link, NEW_PASSWORD, token_from=link).status_code == 302
    late = _set_password(second, link, "second tab passphrase 55", token_from="/password/forgot")
    assert late.status_code == 404
    assert Auth(app.test_client()).login("lan@example.jp", NEW_PASSWORD).status_code == 302


def test_an_expired_invitation_is_refused(app, db, users, make_supporter, mail):
    lan = make_supporter(email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    link = _link_in(_deliver(app, mail, 1)[0])
    link_row = db.session.scalar(select(AccountLink))
    assert link_row.expires_at - link_row.created_at == timedelta(days=7)

    db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    phone = app.test_client()
    page = phone.get(link + "?lang=en")
    assert page.status_code == 404
    assert "has expired" in page.get_data(as_text=True)
    response = _set_password(phone, link, NEW_PASSWORD, token_from="/password/forgot")
    assert response.status_code == 404
    assert Auth(app.test_client()).login("lan@example.jp", NEW_PASSWORD).status_code != 302


def test_suspending_the_supporter_kills_a_pending_invitation(app, db, users, make_supporter, mail):
    from datetime import date

    from supporters.registry import operations

    lan = make_supporter(email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    link = _link_in(_deliver(app, mail, 1)[0])
    operations.suspend(db.session.merge(lan), date(2026, 11, 28), "test", by=None)
    db.session.commit()
    phone = app.test_client()
    assert phone.get(link).status_code == 404
    response = _set_password(phone, link, NEW_PASSWORD, token_from="/password/forgot")
    assert response.status_code == 404


def test_a_new_invitation_replaces_the_old_one(app, db, users, make_supporter, mail):
    lan = make_supporter(email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    _invite(coordinator, lan.id)
    old, new = (_link_in(m) for m in _deliver(app, mail, 2))
    phone = app.test_client()
    assert phone.get(old).status_code == 404
    assert phone.get(new).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) == 6  # one account only


def test_suspended_supporters_are_not_invited(app, db, users, make_supporter, mail):
    gone = make_supporter(email="gone@example.jp", status="suspended")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    response = _invite(coordinator, gone.id, headers=ENGLISH)  # the message is made here
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"], headers=ENGLISH).get_data(as_text=True)
    assert "Only applicants and certified supporters can be invited" in page
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(User).where(User.supporter_id == gone.id)) is None


def test_weak_password_on_the_invitation_page_keeps_the_link(app, db, users, make_supporter, mail):
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    link = _link_in(_deliver(app, mail, 1)[0])
    phone = app.test_client()
    for weak in ("password1234", "aaaaaaaaaaaa", "lan@example.jp", "nguyenthilan"):
        response = _set_password(phone, link, weak, token_from=link)
        assert response.status_code == 422, weak
        assert 'class="error"' in response.get_data(as_text=True)
    mismatch = _set_password(phone, link, NEW_PASSWORD, confirm=NEW_PASSWORD + "!", token_from=link)
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    assert _set_password(phone, link, NEW_PASSWORD, token_from=link).status_code == 302


# --- Password reset -------------------------------------------------------------------------------


def _forgot(client, email: str, **kwargs):
    return post_form(client, "/password/forgot?lang=en", {"email": email}, **kwargs)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(
    app, db, users, make_user, mail
):
    gone = make_user("coordinator", email="gone@example.jp")
    gone.active = False
    db.session.commit()
    client = app.test_client()
    answers = [_forgot(client, email) for email in ("supporter@example.jp", "nobody@example.jp")]
    answers.append(_forgot(client, "gone@example.jp"))  # deactivated: silently nothing
    assert {a.status_code for a in answers} == {302}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert len({a.get_data() for a in answers}) == 1
    page = client.get(answers[0].headers["Location"])
    assert "If an account uses this address" in page.get_data(as_text=True)

    (message,) = _deliver(app, mail, 1)  # only the real, usable account gets mail
    assert message["To"] == "supporter@example.jp"
    assert _link_in(message).startswith("/password/reset/")
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_reset_sets_a_new_password_and_ends_every_session(app, db, users, mail):
    laptop = app.test_client()
    assert Auth(laptop).login("coordinator@example.jp").status_code == 302
    stolen = _session_cookie(app, laptop)

    _forgot(app.test_client(), "Coordinator@Example.jp")
    (message,) = _deliver(app, mail, 1)
    link = _link_in(message)
    row = db.session.scalar(select(AccountLink))
    assert row.expires_at - row.created_at == timedelta(hours=1)

    browser = app.test_client()
    assert browser.get(link).status_code == 200
    response = _set_password(browser, link, NEW_PASSWORD, token_from=link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")

    # The copied cookie of the old sign-in opens nothing any more.
    replay = _browser_with(app, stolen).get("/dashboard/")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert laptop.get("/dashboard/").status_code == 302
    assert Auth(app.test_client()).login("coordinator@example.jp", PASSWORD).status_code != 302
    assert Auth(app.test_client()).login("coordinator@example.jp", NEW_PASSWORD).status_code == 302
    assert _audit_count(db, "password_reset") == 1

    # The link was single-use.
    assert app.test_client().get(link).status_code == 404


def test_a_lost_invitation_can_be_replaced_by_a_reset_and_then_dies(
    app, db, users, make_supporter, mail
):
    lan = make_supporter(email="lan@example.jp")
    coordinator = app.test_client()
    Auth(coordinator).login("coordinator@example.jp")
    _invite(coordinator, lan.id)
    _forgot(app.test_client(), "lan@example.jp")  # the invitation went to the spam folder
    invitation, reset = (_link_in(m) for m in _deliver(app, mail, 2))
    assert reset.startswith("/password/reset/")
    phone = app.test_client()
    assert _set_password(phone, reset, NEW_PASSWORD, token_from=reset).status_code == 302
    assert phone.get(invitation).status_code == 404  # no second way to set the password


def test_an_expired_reset_link_is_refused(app, db, users, mail):
    _forgot(app.test_client(), "supporter@example.jp")
    link = _link_in(_deliver(app, mail, 1)[0])
    db.session.execute(update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = app.test_client().get(link + "?lang=en")
    assert page.status_code == 404
    assert "Ask for a new link" in page.get_data(as_text=True)


def test_forgot_password_is_rate_limited_per_address_asked_for(app, users, mail):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per hour"
    for n in range(2):  # from two different places: the per-e-mail limit still counts
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        assert _forgot(client, "supporter@example.jp").status_code == 302
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    refused = _forgot(client, "supporter@example.jp")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    # Another address from a fresh place is not held up by the first one's limit.
    assert _forgot(client, "coordinator@example.jp").status_code == 302


def test_forgot_password_is_rate_limited_per_client(app, users, mail):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per hour"
    client = app.test_client()
    for n in range(2):
        assert _forgot(client, f"someone{n}@example.jp").status_code == 302
    assert _forgot(client, "someone9@example.jp").status_code == 429


# --- Change password ------------------------------------------------------------------------------


def test_changing_the_password_signs_out_the_other_browsers_only(app, db, users):
    phone, lost_phone = app.test_client(), app.test_client()
    for browser in (phone, lost_phone):
        assert Auth(browser).login("supporter@example.jp").status_code == 302
    profile = phone.get("/me/profile").get_data(as_text=True)
    assert 'href="/account/password"' in profile

    def change(current, new, confirm=None):
        data = {"current": current, "password": new, "confirm": confirm or new}
        return post_form(phone, "/account/password", data)

    assert change("not my password", NEW_PASSWORD).status_code == 422
    for weak in ("password1234", "aaaaaaaaaaaa", "own@example.jp"):
        assert change(PASSWORD, weak).status_code == 422
    assert lost_phone.get("/me/").status_code == 200  # nothing changed yet

    response = change(PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/profile")
    assert phone.get("/me/").status_code == 200
    assert lost_phone.get("/me/").status_code == 302
    assert _audit_count(db, "password_changed") == 1
    assert Auth(app.test_client()).login("supporter@example.jp", NEW_PASSWORD).status_code == 302


def test_staff_find_change_password_in_the_console_header(app, users):
    client = app.test_client()
    Auth(client).login("official@example.jp")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/account/password"' in page
    response = post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": "official@example.jp", "confirm": "official@example.jp"},
        headers=ENGLISH,
    )
    assert response.status_code == 422
    assert "Do not use your name or e-mail address" in response.get_data(as_text=True)


def test_the_sign_in_page_offers_a_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


# --- Password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short pass", "too_short"),
        ("x" * 1025, "too_long"),
        ("password1234", "common"),
        ("aaaaaaaaaaaa", "repeat"),
        ("abcdefghijklmnop", "sequence"),
        ("lan@example.jp", "personal"),
        ("Nguyen-Thi-Lan!", "personal"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, code):
    inputs = user_inputs_of("lan@example.jp", "Nguyễn Thị Lan")
    assert password_problem_codes(password, inputs) == [code]


def test_a_passphrase_is_accepted():
    assert password_problem_codes(NEW_PASSWORD, user_inputs_of("lan@example.jp", "Lan")) == []


def test_flask_users_create_applies_the_policy(app, db):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "new@example.jp", "--role", "official", "--name", "N"]
    result = runner.invoke(args=[*args, "--password", "password1234"])
    assert result.exit_code != 0 and "commonly used password" in result.output
    result = runner.invoke(args=[*args, "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output


def _race(app, calls) -> list[str]:
    """Start every call at the same instant, each with its own connection (as two tabs would)."""
    import threading

    from supporters.extensions import db as _db

    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[index] = "won" if call() is not None else "refused"
                _db.session.commit()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_uses_of_one_link_set_the_password_once(app, db, users):
    """Four tabs press "save" at the same instant, three times over: one password wins."""
    from supporters.auth.passwords import verify_password
    from supporters.credentials.service import PasswordDraft, issue_link, set_password_with_link
    from supporters.models import AccountLinkPurpose

    user_id = users["supporter"].id
    for round_no in range(3):
        token = issue_link(db.session.get(User, user_id), AccountLinkPurpose.RESET, by=None)
        db.session.commit()
        db.session.remove()
        passwords = [f"round {round_no} racer {n} kettle orbit" for n in range(4)]
        calls = [
            lambda p=p, t=token: set_password_with_link(
                t, AccountLinkPurpose.RESET, PasswordDraft(p, p)
            )
            for p in passwords
        ]

        outcomes = _race(app, calls)

        assert sorted(outcomes) == ["refused"] * 3 + ["won"], outcomes
        stored = db.session.get(User, user_id).password_hash
        assert verify_password(stored, passwords[outcomes.index("won")])
        db.session.remove()
