"""Personal API tokens: made once and shown once, stored as a SHA-256, revocable.

A token is ``ys_`` followed by 32 random bytes (URL-safe base64). Only its hash is kept, so a
copy of the database does not let anyone call the API; ``prefix`` (its first 12 characters)
lets a person tell their tokens apart without revealing them.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import User
from supporters.models.user import ApiToken

TOKEN_START = "ys_"
PREFIX_LENGTH = 12
# last_used_at is bookkeeping: refresh it at most this often, not on every call.
LAST_USED_PRECISION = timedelta(minutes=5)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Make a new token for ``user``; returns the row and the token (never stored in clear)."""
    token = TOKEN_START + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=token_hash(token),
        prefix=token[:PREFIX_LENGTH],
        name=name.strip()[:100],
    )
    db.session.add(row)
    db.session.flush()
    audit.record("api_token_issued", row, row.prefix, user=user)
    return row, token


def revoke_tokens(user: User, prefix: str | None = None) -> list[ApiToken]:
    """Revoke ``user``'s live tokens (only the one starting with ``prefix``, when given)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if prefix:
        stmt = stmt.where(ApiToken.prefix == prefix[:PREFIX_LENGTH])
    rows = list(db.session.scalars(stmt))
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        audit.record("api_token_revoked", row, row.prefix, user=user)
    db.session.flush()
    return rows


def user_for_token(token: str) -> User | None:
    """The active account a live token belongs to, or None (unknown, revoked, disabled)."""
    if not token.startswith(TOKEN_START) or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        # Conditional UPDATE: concurrent calls with one token do not fight over the row.
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return row.user
