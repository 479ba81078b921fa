"""Secrets kept in the database encrypted at rest (today: two-factor authenticator secrets).

A stolen copy of the database (a backup, a dump) must not let anyone generate a coordinator's
sign-in codes. :class:`SealedString` encrypts on the way in and decrypts on the way out with
Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``); the key is derived with HKDF from
``DATA_ENCRYPTION_KEY`` (or, when unset, ``SECRET_KEY``), so it never sits in the database.

Changing that key makes the stored values unreadable: they then read as an empty string, which
matches no code (the person signs in with a recovery code, or an admin resets their two-factor
with ``flask users reset-two-factor``) — never as "no secret", which would skip the second step.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

UNREADABLE = ""


@functools.lru_cache(maxsize=8)
def _fernet(master: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"yorisoi-sealed", info=b"database fields"
    ).derive(master.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _current() -> Fernet:
    config = current_app.config
    return _fernet(config.get("DATA_ENCRYPTION_KEY") or config["SECRET_KEY"])


def seal(value: str) -> str:
    """``value`` encrypted for storage (a different text each time)."""
    return _current().encrypt(value.encode()).decode("ascii")


def unseal(stored: str) -> str:
    """The value sealed in ``stored``; :data:`UNREADABLE` if the key has changed since."""
    try:
        return _current().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        current_app.logger.warning("A sealed database value could not be decrypted (key changed?)")
        return UNREADABLE


class SealedString(TypeDecorator):
    """A string column stored encrypted; Python code sees the plain value."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)
