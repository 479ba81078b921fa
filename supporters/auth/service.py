"""Authenticating an account by e-mail and password."""

from sqlalchemy import func, select

from supporters.auth.passwords import hash_password, needs_rehash, verify_password
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import User


def find_user(email: str) -> User | None:
    """The account with this e-mail, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active account matching these credentials, or None — the same effort either way."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user
