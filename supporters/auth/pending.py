"""The half-signed-in state between a right password and the second factor.

It lives in the signed session cookie as ``{"uid", "stage", "at", "next"}`` and is *not* a
sign-in: Flask-Login knows no user, so every page still asks to sign in. It opens only the
two-factor step named by ``stage`` (``verify``: type a code; ``enrol``: set up the authenticator
the role requires), for ``TWO_FACTOR_PENDING_SECONDS`` (default 5 minutes), and only while the
account stays usable. Code attempts are limited per account in the routes.
"""

import time

from flask import current_app, session

from supporters.accounts.standing import is_usable
from supporters.extensions import db
from supporters.models import User

KEY = "signin_pending"
VERIFY = "verify"
ENROL = "enrol"


def begin(user: User, stage: str, next_url: str | None) -> None:
    """Remember that ``user`` gave the right password and must now pass ``stage``."""
    session.clear()  # nothing of an earlier session survives into the new one
    session[KEY] = {"uid": user.id, "stage": stage, "at": time.time(), "next": next_url or ""}


def _state(stage: str) -> dict | None:
    state = session.get(KEY)
    if not isinstance(state, dict) or state.get("stage") != stage:
        return None
    limit = current_app.config.get("TWO_FACTOR_PENDING_SECONDS", 300)
    started = state.get("at")
    if not isinstance(started, int | float) or time.time() - started > limit:
        return None
    return state


def pending_user(stage: str) -> User | None:
    """The account half-signed-in at ``stage``, or None (none, expired, or no longer usable)."""
    state = _state(stage)
    if state is None:
        return None
    user = db.session.get(User, state.get("uid")) if isinstance(state.get("uid"), int) else None
    if user is None or not is_usable(user):
        return None
    return user


def pending_user_id() -> str:
    """The id of the half-signed-in account, for per-account rate limits ("" when none)."""
    state = session.get(KEY)
    return str(state.get("uid", "")) if isinstance(state, dict) else ""


def next_url() -> str:
    """Where the person asked to go before signing in."""
    state = session.get(KEY)
    return str(state.get("next", "")) if isinstance(state, dict) else ""


def clear() -> None:
    """Forget the half-signed-in state (too many wrong codes, or given up)."""
    session.pop(KEY, None)
