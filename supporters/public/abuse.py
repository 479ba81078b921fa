"""Telling a resident from a bot on the public form, and whom the rate limits count.

Two traps, neither of which a person notices: a *honeypot* field hidden from sight, from the
keyboard and from screen readers (a person leaves it empty, form-filling bots do not), and a
*minimum fill time* (the page carries a signed note of when it was shown; a form sent back faster
than ``PUBLIC_MIN_FILL_SECONDS`` was not read by anyone). The rate limits count per address and per
network (/24 IPv4, /64 IPv6), because one IPv6 connection holds billions of addresses and a
rented IPv4 block hundreds.
"""

import ipaddress
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

HONEYPOT_FIELD = "website"
STARTED_FIELD = "started"
_SALT = "public-form-started"

# Why a submission was taken for a bot (stored in the audit trail as codes).
HONEYPOT = "honeypot"
TOO_FAST = "too_fast"
NO_START = "no_start"  # the signed time is missing or forged


def now() -> float:
    """Seconds since the epoch (one function, so a test can move the clock)."""
    return time.time()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def started_token() -> str:
    """A signed note of when the form was shown, for its hidden field (it cannot be changed)."""
    return _serializer().dumps(round(now(), 3))


def min_fill_seconds() -> float:
    """The configured minimum time between showing and sending the form (0 = not checked)."""
    return float(current_app.config.get("PUBLIC_MIN_FILL_SECONDS") or 0)


def trap(form_data) -> str | None:
    """Why this submission looks automated (a code above); None when a person may have sent it."""
    if (form_data.get(HONEYPOT_FIELD) or "").strip():
        return HONEYPOT
    minimum = min_fill_seconds()
    if minimum <= 0:
        return None
    try:
        started = float(_serializer().loads(form_data.get(STARTED_FIELD) or ""))
    except (BadSignature, TypeError, ValueError):
        return NO_START
    return TOO_FAST if now() - started < minimum else None


def _client_ip() -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address((get_remote_address() or "").split("%", 1)[0])
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:203.0.113.5 is the IPv4 client 203.0.113.5
    return ip


def address_key() -> str:
    """Rate-limit key for the client's own address."""
    ip = _client_ip()
    return f"addr:{ip if ip is not None else get_remote_address() or 'unknown'}"


def network() -> str:
    """The client's network: its /24 (IPv4) or /64 (IPv6), as configured (``203.0.113.0/24``)."""
    ip = _client_ip()
    if ip is None:
        return get_remote_address() or "unknown"
    prefix = current_app.config.get(
        "PUBLIC_NETWORK_PREFIX_V4" if ip.version == 4 else "PUBLIC_NETWORK_PREFIX_V6",
        24 if ip.version == 4 else 64,
    )
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_key() -> str:
    """Rate-limit key for the client's network."""
    return f"net:{network()}"
