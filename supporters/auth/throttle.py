"""Sign-in throttling that slows the attacker's address, never locks the account itself.

A limit keyed on the account alone would let anyone lock a coordinator out by typing wrong
passwords for their e-mail. So the limits are keyed on the *source address* (any account;
``LOGIN_SOURCE_RATE_LIMIT``, generous enough for an office behind one NAT) and on the pair
*(account, source address)* (``LOGIN_RATE_LIMIT``). Only when one account collects more than
``LOGIN_ACCOUNT_CEILING`` failures from all addresses together (a spread-out guessing attack)
does each address get a slower pace on that account (``LOGIN_SLOWED_RATE_LIMIT``): the owner,
from their own address, still signs in at the first try.
"""

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from supporters.extensions import limiter


def submitted_email() -> str:
    """The e-mail typed into the sign-in form, as accounts are looked up (trimmed, lower case)."""
    return request.form.get("email", "").strip().lower()


def source_limit() -> str:
    """Sign-in attempts one address may make, whatever the accounts tried."""
    return current_app.config.get("LOGIN_SOURCE_RATE_LIMIT", "20 per minute;100 per hour")


def pair_limit() -> str:
    """Sign-in attempts one address may make on one account."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def account_and_source() -> str:
    """Rate-limit key of the pair (account tried, source address)."""
    return f"login-pair:{get_remote_address()}:{submitted_email()}"


def _ceiling():
    return parse_many(current_app.config.get("LOGIN_ACCOUNT_CEILING", "100 per hour"))


def note_failure(email: str) -> None:
    """Count a failed attempt on ``email`` (known account or not: the pace must not tell)."""
    for item in _ceiling():
        limiter.limiter.hit(item, "login-account", email)


def may_try_now(email: str) -> bool:
    """False when ``email`` is under a spread-out attack and this address tried it too recently."""
    if all(limiter.limiter.test(item, "login-account", email) for item in _ceiling()):
        return True
    slowed = parse_many(current_app.config.get("LOGIN_SLOWED_RATE_LIMIT", "1 per 20 seconds"))
    return all(
        limiter.limiter.hit(item, "login-slowed", get_remote_address(), email) for item in slowed
    )
