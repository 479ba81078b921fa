"""Sign-in sessions the server can end: sign-out, password change, lifetime, other browsers.

User story: "As a coordinator who signed in on the office PC and on a shared laptop at the
international centre, I know that signing out really ends the session — a copied cookie is
worthless — and that no session lives longer than a working day, however busy I am."
"""

from datetime import timedelta

from sqlalchemy import select

from supporters.auth.sessions import end_sessions, live_sessions
from supporters.clock import utcnow
from supporters.extensions import db as _db
from supporters.models import User, UserSession
from tests.conftest import Auth, post_form

SESSION_COOKIE = "session"


def _signed_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def _cookie(client) -> str:
    return client.get_cookie(SESSION_COOKIE).value


def _replay(app, cookie: str):
    """A second browser that presents a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, cookie)
    return thief


def test_signing_in_keeps_only_a_random_id_and_its_hash_on_the_server(app, client, auth, users):
    auth.login("coordinator@example.jp")
    with app.app_context():
        rows = list(_db.session.scalars(select(UserSession)))
    assert len(rows) == 1
    assert rows[0].user_id == users["coordinator"].id
    assert rows[0].ended_at is None
    assert len(rows[0].token_hash) == 64
    with client.session_transaction() as session:
        assert rows[0].token_hash not in str(dict(session))


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, auth, users):
    auth.login("coordinator@example.jp")
    copied = _cookie(client)
    assert _signed_in(_replay(app, copied))

    post_form(client, "/logout", {}, token_from="/dashboard/")

    assert not _signed_in(client)
    assert not _signed_in(_replay(app, copied))
    with app.app_context():
        row = _db.session.scalar(select(UserSession))
        assert row.ended_reason == "logout" and row.ended_at is not None


def test_a_session_ends_at_its_absolute_lifetime_even_while_in_use(app, client, auth, users):
    auth.login("coordinator@example.jp")
    assert _signed_in(client)
    with app.app_context():
        row = _db.session.scalar(select(UserSession))
        # Signed in 12 hours and a minute ago, busy all along (seen a minute ago).
        row.created_at = utcnow() - timedelta(hours=12, minutes=1)
        row.last_seen_at = utcnow() - timedelta(minutes=1)
        row.expires_at = row.created_at + app.config["SESSION_ABSOLUTE_LIFETIME"]
        _db.session.commit()
    assert not _signed_in(client)


def test_the_absolute_lifetime_is_twelve_hours_by_default(app, client, auth, users):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=12)
    auth.login("coordinator@example.jp")
    with app.app_context():
        row = _db.session.scalar(select(UserSession))
        assert row.expires_at - row.created_at == timedelta(hours=12)


def test_ending_every_session_of_an_account_signs_out_each_browser(app, auth, users):
    office, laptop = app.test_client(), app.test_client()
    Auth(office).login("coordinator@example.jp")
    Auth(laptop).login("coordinator@example.jp")
    Auth(app.test_client()).login("admin@example.jp")
    with app.app_context():
        user = _db.session.get(User, users["coordinator"].id)
        assert len(live_sessions(user)) == 2
        assert end_sessions(user, "admin") == 2
        _db.session.commit()
        assert live_sessions(user) == []
        admin = _db.session.get(User, users["admin"].id)
        assert len(live_sessions(admin)) == 1
    assert not _signed_in(office) and not _signed_in(laptop)


def test_a_forged_session_without_a_server_row_is_not_signed_in(app, client, auth, users):
    with client.session_transaction() as session:
        session["_user_id"] = str(users["admin"].id)
        session["_fresh"] = True
        session["sid"] = "made-up"
    assert not _signed_in(client)
