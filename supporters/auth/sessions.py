"""Revocable sign-in sessions: start, check on every request, end one or all of a user's.

The signed cookie carries only a random session id (``session["sid"]``); the server keeps its
hash in :class:`~supporters.models.UserSession`. A cookie copied before sign-out, a password
change or a deactivation is therefore worthless afterwards, and every session ends at its
absolute lifetime (``SESSION_ABSOLUTE_LIFETIME``, default 12 h) however active it is.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from supporters import reference_data
from supporters.accounts.standing import is_usable
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import User, UserSession

SESSION_KEY = "sid"
# How often a live session's "last seen" is written (not on every request: GET stays cheap).
TOUCH_EVERY = timedelta(minutes=5)

END_REASONS = {
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "email_changed": _l("E-mail address changed"),
    "deactivated": _l("Account deactivated"),
    "admin": _l("Ended by an administrator"),
    "expired": _l("Expired"),
}


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def lifetime() -> timedelta:
    """The absolute lifetime of a session, from sign-in."""
    return current_app.config.get("SESSION_ABSOLUTE_LIFETIME", timedelta(hours=12))


def start_session(user: User) -> UserSession:
    """Sign ``user`` in on this browser with a fresh server-side session (no fixation)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(raw),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime(),
        ip_address=(request.remote_addr or "")[:45],
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(row)
    session.clear()
    session[SESSION_KEY] = raw
    login_user(user)
    return row


def current_session() -> UserSession | None:
    """The live server-side session of this browser's cookie, or None."""
    return _live_row(session.get(SESSION_KEY))


def session_is_live(raw: str | None) -> bool:
    """Whether the session id ``raw`` (as kept in a cookie) still signs a browser in."""
    return _live_row(raw) is not None


def _live_row(raw) -> UserSession | None:
    if not isinstance(raw, str) or not raw:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(raw)))
    if row is None or not row.is_live(utcnow()):
        return None
    return row


# One statement on every request: the session row, its account and (for the standing check)
# the account's supporter record, joined; and, as it costs no extra round trip, the token that
# tells whether this process's copy of the reference data is current (reference_data.py).
# Built once, so SQLAlchemy reuses its compiled form.
_SESSION_AND_USER = (
    select(UserSession, User, reference_data.LATEST_TOKEN)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
    .options(joinedload(User.supporter))
)


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only while this browser's session is live."""
    try:
        wanted = int(user_id)
    except (TypeError, ValueError):
        return None
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        return None
    found = db.session.execute(_SESSION_AND_USER, {"token_hash": _hash(raw)}).first()
    if found is None:
        return None
    row, user, reference_token = found
    reference_data.remember_token(reference_token)
    now = utcnow()
    if not row.is_live(now) or row.user_id != wanted or not is_usable(user):
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        # A separate, committed write: seeing a page must not depend on the page's own
        # transaction (which may roll back), and it never touches the programme's records.
        db.session.execute(
            update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
    return user


def end_current_session(reason: str = "logout") -> None:
    """End this browser's session on the server (its cookie stops working at once)."""
    row = current_session()
    if row is not None:
        row.ended_at = utcnow()
        row.ended_reason = reason
    session.clear()


def end_sessions(user: User, reason: str, keep_current: bool = False) -> int:
    """End every live session of ``user`` (all but this browser's with ``keep_current``).

    Returns how many were ended. Used on password change or reset, deactivation, and by an
    admin in the accounts console. Runs in the caller's transaction.
    """
    now = utcnow()
    stmt = update(UserSession).where(
        UserSession.user_id == user.id,
        UserSession.ended_at.is_(None),
        UserSession.expires_at > now,
    )
    if keep_current:
        current = current_session()
        if current is not None:
            stmt = stmt.where(UserSession.id != current.id)
    result = db.session.execute(
        stmt.values(ended_at=now, ended_reason=reason).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end_session_by_id(user: User, session_id: int, reason: str = "admin") -> bool:
    """End one session of ``user`` by its id (the accounts console). False if not live."""
    now = utcnow()
    result = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that still sign a browser in, newest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.created_at.desc())
        )
    )
