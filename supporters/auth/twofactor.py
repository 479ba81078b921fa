"""Two-factor sign-in: TOTP authenticators (RFC 6238) and single-use recovery codes.

Enrolment shows a new secret as a QR code rendered here (segno, a ``data:`` SVG: no external
service ever sees the secret) and keeps it as ``pending_secret`` until the person types a code
from it; only then does it become the account's secret and ten recovery codes are made (shown
once, only their SHA-256 kept). A code is accepted once: the time step of the last accepted
code is stored and a conditional UPDATE refuses the same or an older step, also when two
requests race. Every function here flushes and never commits. The settings' writes (confirm a
new authenticator, renew the codes, turn it off) are refused with ``Refused`` next to the box
that is wrong (``code`` or ``password``); the sign-in step's :func:`verify` answers None for a
code that does not sign in (the sign-in page says so with 401, and the failure is audited).
"""

import hashlib
import hmac
import secrets
import time
import unicodedata

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from supporters.audit import record
from supporters.auth.passwords import MAX_LENGTH, verify_password
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import RecoveryCode, TwoFactor, User
from supporters.refusals import Refused

STEP_SECONDS = 30
DIGITS = 6
# One step either side: a phone whose clock is a few seconds off still works.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (i, l, o, 0, 1): 31 symbols, 12 per code
# (about 59 bits), shown as xxxx-xxxx-xxxx.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 12
# The longest code box: six digits, or a recovery code, with spaces or hyphens.
CODE_INPUT_LENGTH = 20

REQUIRED = _l("Please fill in this field.")
WRONG_SETUP_CODE = _l(
    "That code does not match. Check that the app shows this account, "
    "and type the code it shows now."
)
WRONG_PASSWORD = _l("The password is not right.")


def authenticator(user: User) -> TwoFactor | None:
    """The user's two-factor row (enrolled or enrolment begun), or None."""
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))


def is_enrolled(user: User) -> bool:
    """Whether signing in as ``user`` asks for a code after the password."""
    row = authenticator(user)
    return row is not None and row.enrolled


def begin_enrolment(user: User) -> TwoFactor:
    """Make a new secret for ``user`` to scan; the current one (if any) stays in force."""
    row = authenticator(user)
    if row is None:
        row = TwoFactor(user_id=user.id)
        db.session.add(row)
    row.pending_secret = pyotp.random_base32()
    db.session.flush()
    return row


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config.get("TWO_FACTOR_ISSUER", "Yorisoi")
    )


QR_SCALE = 5  # pixels per module: large enough for a phone camera held at arm's length


def qr_code(uri: str) -> tuple[str, int]:
    """The QR code of ``uri`` as an SVG ``data:`` URI made on the server (CSP: img-src data:),
    and its width (= height) in pixels."""
    symbol = segno.make(uri, error="m")
    width, _height = symbol.symbol_size(scale=QR_SCALE, border=4)
    return symbol.svg_data_uri(scale=QR_SCALE, border=4), width


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(code: str | None) -> str:
    """What the person typed, as plain digits where possible (full-width, spaces, hyphens)."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").lower()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is ``code`` (within the allowed window), or None."""
    if not secret or len(code) != DIGITS or not code.isdigit():
        return None  # an unreadable secret (the encryption key changed) matches nothing
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Compare every candidate (no early exit) in constant time.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used, unless it (or a later one) already was: one use per code."""
    result = db.session.execute(
        update(TwoFactor)
        .where(
            TwoFactor.user_id == user.id,
            or_(TwoFactor.last_used_step.is_(None), TwoFactor.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash_code(_digits(code))) for code in codes
    )
    db.session.flush()
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Make the pending secret the account's if ``code`` comes from it; the new recovery codes.

    Refused (field ``code``, nothing changes) when no code is given, or there is no pending
    secret, or the code does not match it.
    """
    if not (code or "").strip():
        raise Refused(REQUIRED, "code")
    row = authenticator(user)
    if row is None or row.pending_secret is None or len(code) > CODE_INPUT_LENGTH:
        raise Refused(WRONG_SETUP_CODE, "code")
    step = _matching_step(row.pending_secret, _digits(code))
    if step is None:
        raise Refused(WRONG_SETUP_CODE, "code")
    replaced = row.enrolled
    row.secret = row.pending_secret
    row.pending_secret = None
    row.confirmed_at = utcnow()
    row.last_used_step = step
    codes = _replace_recovery_codes(user)
    record("two_factor_replaced" if replaced else "two_factor_enabled", user, user=user)
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: ``"totp"`` or ``"recovery"`` when accepted (and used up), else None."""
    row = authenticator(user)
    if row is None or not row.enrolled:
        return None
    typed = _digits(code)
    if not typed or len(typed) > 64:
        return None
    step = _matching_step(row.secret, typed)
    if step is not None:
        return "totp" if _claim_step(user, step) else None
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(typed),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    record(
        "two_factor_recovery_code_used",
        user,
        detail=f"remaining={remaining_recovery_codes(user)}",
        user=user,
    )
    return "recovery"


def remaining_recovery_codes(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _confirm_password(user: User, password: str) -> None:
    """Refuse (field ``password``) unless ``password`` is the account's: asked again before the
    two-factor settings change."""
    if not password:
        raise Refused(REQUIRED, "password")
    if len(password) > MAX_LENGTH or not verify_password(user.password_hash, password):
        raise Refused(WRONG_PASSWORD, "password")


def renew_recovery_codes(user: User, password: str) -> list[str] | None:
    """Replace the user's recovery codes with ten new ones (the old ones stop working), after
    their password again; None (nothing to renew) when two-factor sign-in is not on."""
    _confirm_password(user, password)
    if not is_enrolled(user):
        return None
    codes = _replace_recovery_codes(user)
    record("two_factor_recovery_codes_renewed", user, user=user)
    return codes


def _remove(user: User) -> None:
    db.session.execute(
        delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    row = authenticator(user)
    if row is not None:
        db.session.delete(row)
    db.session.flush()


def disable(user: User, password: str) -> None:
    """The user turns two-factor sign-in off, after their password again: sign-in asks for the
    password only."""
    _confirm_password(user, password)
    _remove(user)
    record("two_factor_disabled", user, user=user)


def reset(user: User, by: User | None) -> None:
    """An administrator (``by``; None from the command line) removes the authenticator and
    codes of someone who lost both; a role that requires two-factor sets it up at next sign-in.
    """
    _remove(user)
    record("two_factor_reset", user, user=by)
