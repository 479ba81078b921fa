"""Passwords: hashing with argon2id, a constant-effort check, and the strength policy.

The policy (:func:`password_problems`) is one rule for every way a password is chosen — the
invitation, a reset, a change, ``flask users create``: at least 12 characters, at most 1024, and
not guessable by the offline estimator zxcvbn (score 3 or more, the person's own e-mail and name
counting as guessable). No network call is made.
"""

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import astuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses and more
# zxcvbn refuses longer input; a password is judged by its first 72 characters.
_ESTIMATOR_LENGTH = 72
# A stored hash that no password matches: the account exists but cannot sign in (yet).
UNUSABLE_PREFIX = "!"


# argon2 parameters (as a tuple; None: the library's recommended) → (hasher, dummy hash).
_HASHERS: dict[tuple | None, tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The current app's argon2id hasher, and a hash it made of a password nobody has.

    Deployments use the library's current recommended parameters (RFC 9106, low memory); only
    the test suite configures cheaper ones (``PASSWORD_HASH_PARAMETERS``). Verifying against the
    dummy hash keeps the work (and so the timing) the same when no account exists.
    """
    parameters = current_app.config.get("PASSWORD_HASH_PARAMETERS") if has_app_context() else None
    key = None if parameters is None else astuple(parameters)
    if key not in _HASHERS:
        if parameters is None:
            hasher = PasswordHasher()
        else:
            hasher = PasswordHasher.from_parameters(parameters)
        _HASHERS[key] = hasher, hasher.hash("yorisoi-no-such-account")
    return _HASHERS[key]


def hash_password(password: str) -> str:
    """Hash a new password."""
    hasher, _dummy = _hasher()
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; does the same work when ``password_hash`` is None."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (older, weaker ones)."""
    hasher, _dummy = _hasher()
    return hasher.check_needs_rehash(password_hash)


def unusable_password_hash() -> str:
    """A value for ``User.password_hash`` that no password verifies (argon2 refuses it)."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def has_usable_password(password_hash: str | None) -> bool:
    """False for an account made by an invitation whose password was never set."""
    return bool(password_hash) and not password_hash.startswith(UNUSABLE_PREFIX)


# Why a password is refused: code → the words shown (rendered in the reader's language).
PROBLEMS = {
    "too_short": _l("Use at least %(count)s characters.", count=MIN_LENGTH),
    "too_long": _l("Use at most %(count)s characters.", count=MAX_LENGTH),
    "personal": _l("Do not use your name or e-mail address in your password."),
    "common": _l("This is a commonly used password. Choose one that others would not."),
    "repeat": _l("Repeated letters or words are easy to guess."),
    "sequence": _l("Sequences like abc or 6543 are easy to guess."),
    "keyboard": _l("Rows of keys like qwerty are easy to guess."),
    "date": _l("Dates and years are easy to guess."),
    "word": _l("Single words and names are easy to guess."),
    "guessable": _l(
        "This password is too easy to guess. Try a few unrelated words together, "
        "like a short sentence only you would think of."
    ),
}

# zxcvbn's kind of match → our problem code (dictionary matches are told apart by their list).
_PATTERN_CODES = {"repeat": "repeat", "sequence": "sequence", "spatial": "keyboard", "date": "date"}


def _fold(text: str) -> str:
    """Lower case without accents: ``Nguyễn`` → ``nguyen``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def user_inputs_of(*values: str | None) -> list[str]:
    """The words of a person's e-mail and name an attacker would try first.

    An e-mail gives itself and its local part (not the domain: ``example`` is nobody's secret);
    a name gives itself, itself without spaces, and each word.
    """
    words: list[str] = []
    for value in values:
        if not value:
            continue
        for text in dict.fromkeys((value.strip().lower(), _fold(value))):
            local, at, _domain = text.partition("@")
            source = local if at else text
            parts = [p for p in re.split(r"[\s._+-]+", source) if len(p) >= 3]
            words += [text, local, "".join(source.split()), *parts]
    return list(dict.fromkeys(w for w in words if w))


def password_problem_codes(password: str, user_inputs: Iterable[str] = ()) -> list[str]:
    """Codes of what is wrong with ``password`` (empty when it is acceptable)."""
    if len(password) < MIN_LENGTH:
        return ["too_short"]
    if len(password) > MAX_LENGTH:
        return ["too_long"]
    inputs = [str(i).lower() for i in user_inputs if i]
    folded = _fold(password)
    if any(len(i) >= 4 and (i in folded or i in password.lower()) for i in inputs):
        return ["personal"]
    result = zxcvbn(password[:_ESTIMATOR_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return []
    return [_code_of(result["sequence"])]


def _code_of(sequence: list[dict]) -> str:
    """The most telling reason, from the longest pattern zxcvbn matched (as zxcvbn does)."""
    if any(m.get("dictionary_name") == "user_inputs" for m in sequence):
        return "personal"
    matches = [m for m in sequence if m["pattern"] != "bruteforce"]
    if not matches:
        return "guessable"
    longest = max(matches, key=lambda m: len(m["token"]))
    if longest["pattern"] == "dictionary":
        return "common" if longest.get("dictionary_name") == "passwords" else "word"
    if longest["pattern"] == "regex" and longest.get("regex_name") == "recent_year":
        return "date"
    return _PATTERN_CODES.get(longest["pattern"], "guessable")


def password_problems(password: str, user_inputs: Iterable[str] = ()) -> list[str]:
    """What is wrong with ``password``, in the current language (empty when it is acceptable)."""
    return [str(PROBLEMS[code]) for code in password_problem_codes(password, user_inputs)]
