"""Password hashing with argon2id, and a constant-effort check for unknown accounts."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the work (and so the timing) the same when no account exists.
_DUMMY_HASH = _hasher.hash("yorisoi-no-such-account")

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    """Hash a new password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; does the same work when ``password_hash`` is None."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
