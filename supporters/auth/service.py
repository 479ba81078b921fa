"""Signing in: checking the password, recording failures, and completing the sign-in."""

from dataclasses import dataclass

from flask import session
from sqlalchemy import func, select

from supporters.accounts.standing import refusal
from supporters.audit import record
from supporters.auth.passwords import hash_password, needs_rehash, verify_password
from supporters.auth.sessions import start_session
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import User


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of the password step.

    ``user`` is set only when the password was right. ``refused`` is then the code of why the
    account may not be used (``supporters.accounts.standing``), or None when it may go on.
    """

    user: User | None
    refused: str | None = None

    @property
    def passed(self) -> bool:
        """Right password and a usable account: go on to the second factor, or sign in."""
        return self.user is not None and self.refused is None


def find_user(email: str) -> User | None:
    """The account with this e-mail, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_password(email: str, password: str, source: str) -> PasswordCheck:
    """Check e-mail and password with the same effort whether or not the account exists.

    A wrong password and an unknown e-mail give the same outcome (and the same page); only a
    person who knows the password learns that the account is deactivated or suspended. Every
    failure is audited and committed (see :func:`record_failure`).
    """
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        record_failure(user, "unknown_account" if user is None else "bad_password", source)
        return PasswordCheck(None)
    code = refusal(user)
    if code is not None:
        record_failure(user, f"refused:{code}", source)
        return PasswordCheck(user, code)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return PasswordCheck(user)


def record_failure(user: User | None, reason: str, source: str) -> None:
    """Audit a failed sign-in (``login_failed``: reason code and source address) and commit it.

    The one service function that commits: the failed attempt is answered with 401/403, and
    ``_commit_on_success`` rolls back every answer of 400 and above, which would silently drop
    the very record a security review needs. Nothing else is pending in the session at this
    point (the password step writes nothing before it), so the commit holds only this event.
    """
    event = record("login_failed", user, detail=f"{reason} from={source}", user=None)
    if user is None:  # no account to point at; still say what kind of object was tried
        event.object_type, event.object_id = "User", ""
    db.session.commit()


# Session flag: this sign-in passed a second factor (see routes._require_two_factor).
SECOND_FACTOR_DONE = "second_factor"
SECOND_FACTOR_METHODS = ("totp", "recovery", "enrolled")


def complete_sign_in(user: User, method: str = "password") -> None:
    """Sign ``user`` in on this browser (all factors passed) and audit how.

    ``method`` is ``password``, or the second factor passed: ``totp``, ``recovery`` or
    ``enrolled`` (an authenticator set up during this sign-in).
    """
    user.last_login_at = utcnow()
    start_session(user)  # a fresh server-side session: no fixation
    if method in SECOND_FACTOR_METHODS:
        session[SECOND_FACTOR_DONE] = True
    record("login", user, detail=method, user=user)
