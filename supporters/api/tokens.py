"""Personal API tokens: made once and shown once, stored as a SHA-256, expiring, revocable.

A token is ``ys_`` followed by 32 random bytes (URL-safe base64). Only its hash is kept, so a
copy of the database does not let anyone call the API; ``prefix`` (its first 12 characters)
lets a person tell their tokens apart without revealing it. A token works until it expires
(``API_TOKEN_DAYS``, 90 by default), is revoked (by its owner, an admin, or because the account
was deactivated or the supporter suspended or retired), and only while its account may be used
(:mod:`supporters.accounts.standing`).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from supporters import audit
from supporters.accounts.standing import refusal
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import User
from supporters.models.user import ApiToken
from supporters.refusals import refuse_if

TOKEN_START = "ys_"
PREFIX_LENGTH = 12
# last_used_at is bookkeeping: refresh it at most this often, not on every call.
LAST_USED_PRECISION = timedelta(minutes=1)
# The longest lifetime a token may be given (a year), whoever makes it.
MAX_DAYS = 365
# What a token is for: shown on the owner's page and in the console.
NAME_LENGTH = 100


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token is worth: its user, or the code of why it is refused.

    ``refusal`` is an account refusal of :mod:`supporters.accounts.standing` (``deactivated``,
    ``supporter_suspended``, ``supporter_retired``: told even for a token revoked with the
    account), ``unknown`` (never made, revoked, or malformed) or ``expired``.
    """

    user: User | None
    refusal: str | None = None


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def default_days() -> int:
    """How long a new token lives unless told otherwise (``API_TOKEN_DAYS``)."""
    return int(current_app.config.get("API_TOKEN_DAYS", 90))


def token_problems(name: str, days: int | None) -> dict[str, object]:
    """What is wrong with a token asked for, as ``{field: message}`` (the rules of every way a
    token is made: the owner's page, the console, ``flask users token``)."""
    problems: dict[str, object] = {}
    if len((name or "").strip()) > NAME_LENGTH:
        problems["name"] = _l("At most %(max)d characters.", max=NAME_LENGTH)
    if days is not None and not 1 <= days <= MAX_DAYS:
        problems["days"] = _l("Choose from 1 to %(max)d days.", max=MAX_DAYS)
    return problems


def issue_token(user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Make a new token for ``user``; returns the row and the token (never stored in clear).

    It expires after ``days`` (default ``API_TOKEN_DAYS``). Refused (``Refused``, fields ``name``
    and ``days``) for a name longer than :data:`NAME_LENGTH` or ``days`` not between 1 and
    :data:`MAX_DAYS`.
    """
    refuse_if(token_problems(name, days))
    days = default_days() if days is None else days
    token = TOKEN_START + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        token_hash=token_hash(token),
        prefix=token[:PREFIX_LENGTH],
        name=(name or "").strip(),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_issued", row, f"{row.prefix}; {days} days", user=user)
    return row, token


def _revoke(rows: list[ApiToken], by: User | None) -> list[ApiToken]:
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        audit.record("api_token_revoked", row, row.prefix, user=by)
    db.session.flush()
    return rows


def revoke_tokens(user: User, prefix: str | None = None, by: User | None = None) -> list[ApiToken]:
    """Revoke ``user``'s unrevoked tokens (only the one starting with ``prefix``, when given).

    ``by`` is who did it, for the audit trail (default: the signed-in user; nobody on the
    command line).
    """
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if prefix:
        stmt = stmt.where(ApiToken.prefix == prefix[:PREFIX_LENGTH])
    return _revoke(list(db.session.scalars(stmt)), by)


def revoke_token(user: User, token_id: int, by: User | None = None) -> ApiToken | None:
    """Revoke one token of ``user`` by its id; None when it is not theirs or already revoked."""
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    _revoke([row], by)
    return row


def tokens_of(user: User, limit: int = 50) -> list[ApiToken]:
    """``user``'s tokens, live and past, newest first (for the owner's page and the console)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(limit)
        )
    )


def check_token(token: str) -> TokenCheck:
    """Whether ``token`` authenticates a request now, and as whom (see :class:`TokenCheck`)."""
    if not token.startswith(TOKEN_START) or len(token) > 200:
        return TokenCheck(None, "unknown")
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None:
        return TokenCheck(None, "unknown")
    # Whoever holds the token may learn why their account is closed (as at sign-in), even
    # though closing it revoked the token too.
    refused = refusal(row.user)
    if refused is not None:
        return TokenCheck(None, refused)
    if row.revoked_at is not None:
        return TokenCheck(None, "unknown")
    now = utcnow()
    if row.expires_at <= now:
        return TokenCheck(None, "expired")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        # Conditional UPDATE: of concurrent calls with one token, one writes and the others
        # change nothing (no lost update, no lock held for long).
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == row.id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at <= now - LAST_USED_PRECISION,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return TokenCheck(row.user)


def user_for_token(token: str) -> User | None:
    """The account a live token belongs to, or None (unknown, revoked, expired, or the account
    may not be used now: deactivated, or a suspended or retired supporter)."""
    return check_token(token).user
