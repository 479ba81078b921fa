"""Writes to user accounts: deactivate and reactivate, end sessions, revoke tokens.

Also the rule that *the account follows the supporter*: when a supporter is suspended or
retired (a lapse retires too), their account's sessions end, its API tokens are revoked and
their open offers are withdrawn — in the same transaction as the status change, so there is no
moment at which the registry says "suspended" and the supporter can still act. Nothing here
commits; every write is audited. This module is the only validator of these writes: a refusal
is a ``Refused`` (``invalid`` with fields, or ``own_account``, ``already``, ``not_found``).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters.accounts.standing import USABLE_SUPPORTER_STATUSES
from supporters.api import tokens
from supporters.audit import record
from supporters.auth import sessions
from supporters.extensions import db
from supporters.models import ApiToken, Supporter, SupporterStatus, User
from supporters.refusals import NOT_FOUND, Refused, refuse_if

# Why a supporter's access was closed: the same codes as accounts.standing's refusals.
SUPPORTER_STATUS_CODES = {
    SupporterStatus.SUSPENDED: "supporter_suspended",
    SupporterStatus.RETIRED: "supporter_retired",
}


# The longest reason kept in the audit trail.
REASON_LENGTH = 1000


@dataclass(frozen=True)
class TokenDraft:
    """A token asked for on the owner's page: what it is for, and how many days it lives."""

    name: str = ""
    days: int | None = None


@dataclass(frozen=True)
class AccessClosed:
    """What closing an account's access did: sessions ended, tokens revoked, offers withdrawn."""

    sessions: int = 0
    tokens: int = 0
    offers: int = 0


def account_of(supporter: Supporter) -> User | None:
    """The account linked to ``supporter``, if they have one."""
    return db.session.scalar(select(User).where(User.supporter_id == supporter.id))


def _close(user: User | None, supporter_id: int | None, reason: str, by: User | None):
    ended = revoked = 0
    if user is not None:
        ended = sessions.end_sessions(user, "deactivated")
        revoked = len(tokens.revoke_tokens(user, by=by))
    withdrawn = []
    if supporter_id is not None:
        from supporters.help_requests.offers import withdraw_supporter_offers

        withdrawn = withdraw_supporter_offers(supporter_id, reason, by)
    return AccessClosed(ended, revoked, len(withdrawn))


def follow_supporter(supporter: Supporter, by: User | None) -> AccessClosed:
    """After a status change: close the access of a supporter who is no longer usable.

    For a suspended or retired supporter, ends every session of their account, revokes its API
    tokens and withdraws their open offers (each request's history says so; a request left
    without an open offer goes back to the coordinators as unfilled). Reinstating or
    re-activating needs nothing here: the account may be used again, with a new sign-in.
    """
    if supporter.status in USABLE_SUPPORTER_STATUSES:
        return AccessClosed()
    reason = SUPPORTER_STATUS_CODES[supporter.status]
    user = account_of(supporter)
    closed = _close(user, supporter.id, reason, by)
    if user is not None:
        detail = f"{reason}: {closed.sessions} sessions, {closed.tokens} tokens"
        record("close_account_access", user, detail=detail, user=by)
    return closed


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give a reason."), "reason")
    if len(reason) > REASON_LENGTH:
        raise Refused(_l("At most %(max)d characters.", max=REASON_LENGTH), "reason")
    return reason


def deactivate(user: User, reason: str, by: User | None) -> AccessClosed:
    """Deactivate an account at once: it cannot sign in, its sessions end, its tokens are
    revoked and (for a supporter) their open offers are withdrawn. A reason is required.

    ``by`` is the admin (None on the command line); nobody can deactivate their own account.
    """
    reason = _require_reason(reason)
    if by is not None and user.id == by.id:
        raise Refused(_l("You cannot deactivate your own account."), code="own_account")
    if not user.active:
        raise Refused(_l("This account is already deactivated."), code="already")
    user.active = False
    db.session.flush()
    closed = _close(user, user.supporter_id, "deactivated", by)
    record("deactivate_account", user, detail=reason, user=by)
    return closed


def activate(user: User, reason: str, by: User | None) -> User:
    """Give a deactivated account back (its owner signs in again). A reason is required.

    A supporter's account stays unusable while the supporter is suspended or retired: the
    registry decides that (reinstate or re-activate the supporter there).
    """
    reason = _require_reason(reason)
    if user.active:
        raise Refused(_l("This account is already active."), code="already")
    user.active = True
    db.session.flush()
    record("activate_account", user, detail=reason, user=by)
    return user


def end_session(user: User, session_id: int, by: User) -> None:
    """End one live session of ``user`` (the browser is signed out on its next request)."""
    if not sessions.end_session_by_id(user, session_id, "admin"):
        raise Refused(_l("This session has already ended."), code=NOT_FOUND)
    record("end_session", user, detail=f"session {session_id}", user=by)


def end_all_sessions(user: User, by: User) -> int:
    """End every live session of ``user``; returns how many were ended."""
    ended = sessions.end_sessions(user, "admin")
    record("end_all_sessions", user, detail=f"{ended} sessions", user=by)
    return ended


def revoke_token(user: User, token_id: int, by: User) -> ApiToken:
    """Revoke one of ``user``'s tokens (by its owner, or by an admin in the console)."""
    row = tokens.revoke_token(user, token_id, by=by)
    if row is None:
        raise Refused(_l("This token does not exist or is already revoked."), code=NOT_FOUND)
    return row


def issue_own_token(user: User, draft: TokenDraft) -> tuple[ApiToken, str]:
    """Make a token for the signed-in ``user`` (shown to them once).

    Refused when it does not say what it is for, when no lifetime is given, or by the rules
    every token follows (:func:`supporters.api.tokens.token_problems`).
    """
    name = (draft.name or "").strip()
    problems = tokens.token_problems(name, draft.days)
    if not name:
        problems.setdefault("name", _l("Say what the token is for."))
    if draft.days is None:
        problems.setdefault("days", _l("Enter a number of days."))
    refuse_if(problems)
    return tokens.issue_token(user, name, draft.days)
