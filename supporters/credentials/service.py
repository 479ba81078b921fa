"""Account links and password changes: invite, reset, change. Flush, audit, never commit.

A link's token is random (``secrets.token_urlsafe``), mailed once, and stored only as its
SHA-256. Using a link is one conditional UPDATE (``used_at IS NULL AND expires_at > now``), so
two tabs racing with the same link cannot both set a password. Every password set here passes
:func:`supporters.auth.passwords.password_problem_codes` and ends the account's other sessions.

This module is the only validator of these pages: the forms only hand over what was typed (a
:class:`PasswordDraft`, an e-mail address) and a refusal is a ``Refused`` with the fields
``current``, ``password``, ``confirm`` or ``email``, or the code of the state that refuses an
invitation (``not_invitable``, ``deactivated``, ``already_active``, ``email_taken``).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from supporters.accounts.standing import is_usable
from supporters.audit import record
from supporters.auth.passwords import (
    MAX_LENGTH,
    PROBLEMS,
    has_usable_password,
    hash_password,
    password_problem_codes,
    unusable_password_hash,
    user_inputs_of,
    verify_password,
)
from supporters.auth.sessions import end_sessions
from supporters.clock import utcnow
from supporters.credentials.messages import queue_link_message
from supporters.extensions import db
from supporters.models import Role, Supporter, SupporterStatus, User
from supporters.models.credentials import AccountLink, AccountLinkPurpose
from supporters.refusals import Refused, refuse_if
from supporters.tenancy import across_programmes

INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
EMAIL_LIFETIME = timedelta(hours=24)
LIFETIMES = {
    AccountLinkPurpose.INVITE: INVITE_LIFETIME,
    AccountLinkPurpose.RESET: RESET_LIFETIME,
    AccountLinkPurpose.EMAIL: EMAIL_LIFETIME,
}

INVITABLE = (SupporterStatus.APPLICANT, SupporterStatus.CERTIFIED)
# The longest e-mail address (RFC 5321's path limit), as the registry keeps it.
EMAIL_LENGTH = 254

MESSAGES = {
    "not_invitable": _l(
        "Only applicants and certified supporters can be invited. Reinstate the supporter first."
    ),
    "deactivated": _l("This supporter's account is deactivated. An admin must reactivate it."),
    "email_taken": _l(
        "Another account already uses this supporter's e-mail address. "
        "Correct the e-mail address or contact an admin."
    ),
    "already_active": _l("This supporter already has a password and can sign in."),
    "mismatch": _l("The two passwords are not the same."),
    "wrong_current": _l("The current password is not correct."),
    "required": _l("Please fill in this field."),
}


@dataclass(frozen=True)
class PasswordDraft:
    """A password as typed: the new one twice, and (to change one's own) the current one."""

    password: str = ""
    confirm: str = ""
    current: str = ""


def _refuse_state(code: str) -> None:
    """Refuse an invitation that the supporter's or the account's state does not allow."""
    raise Refused(MESSAGES[code], code=code)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


# --- Links ----------------------------------------------------------------------------------------


def expire_links(user: User, purpose: AccountLinkPurpose | None = None) -> None:
    """Make every unused link of ``user`` (of ``purpose``, or of any) stop working now."""
    now = utcnow()
    stmt = update(AccountLink).where(
        AccountLink.user_id == user.id,
        AccountLink.used_at.is_(None),
        AccountLink.expires_at > now,
    )
    if purpose is not None:
        stmt = stmt.where(AccountLink.purpose == purpose)
    db.session.execute(stmt.values(expires_at=now).execution_options(synchronize_session=False))


def issue_link(
    user: User, purpose: AccountLinkPurpose, by: User | None, new_email: str | None = None
) -> str:
    """Make a new link for ``user`` (expiring the older unused ones) and return its token."""
    now = utcnow()
    expire_links(user, purpose)
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            purpose=purpose,
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
            created_by_id=by.id if by is not None else None,
            new_email=new_email,
        )
    )
    db.session.flush()
    return token


def live_link(token: str, purpose: AccountLinkPurpose) -> AccountLink | None:
    """The link ``token`` opens, if it still works and its account may be used (reads only)."""
    if not token or len(token) > 200:
        return None
    link = db.session.scalar(
        select(AccountLink).where(
            AccountLink.token_hash == _hash(token), AccountLink.purpose == purpose
        )
    )
    if link is None or not link.is_live(utcnow()) or not is_usable(link.user):
        return None
    return link


def use_link(link: AccountLink) -> bool:
    """Mark ``link`` used, if nobody did meanwhile: True for the one caller that wins."""
    now = utcnow()
    result = db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.id == link.id,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def personal_words(user: User) -> list[str]:
    """What a guesser knows of ``user``: their e-mail and name (and the supporter record's)."""
    values = [user.email, user.name]
    if user.supporter is not None:
        values += [user.supporter.email, user.supporter.display_name]
    return user_inputs_of(*values)


def _require(draft: PasswordDraft, names: tuple[str, ...]) -> None:
    """Refuse, next to each, the boxes left empty."""
    refuse_if({name: MESSAGES["required"] for name in names if not getattr(draft, name)})


def _check_new_password(user: User, draft: PasswordDraft) -> None:
    """The strength rule (``auth.passwords``), then the two copies must agree."""
    codes = password_problem_codes(draft.password, personal_words(user))
    if codes:
        raise Refused(PROBLEMS[codes[0]], "password")
    if draft.password != draft.confirm:
        raise Refused(MESSAGES["mismatch"], "confirm")


def set_password_with_link(
    token: str, purpose: AccountLinkPurpose, draft: PasswordDraft
) -> User | None:
    """Set the password of the link's account and use the link up; None if the link is dead.

    Refused (``Refused``, fields ``password`` / ``confirm``) for an empty, weak or mistyped
    password (the link stays usable). Ends every session of the account (a reset must lock out
    whoever had the old password).
    """
    link = live_link(token, purpose)
    if link is None:
        return None
    user = link.user
    _require(draft, ("password", "confirm"))
    _check_new_password(user, draft)
    if not use_link(link):
        return None
    user.password_hash = hash_password(draft.password)
    expire_links(user)  # a pending invitation or an older reset link must not set it again
    end_sessions(user, "password_changed")
    action = "account_invite_used" if purpose == AccountLinkPurpose.INVITE else "password_reset"
    record(action, user, detail=f"link {link.id}", user=user)
    return user


# --- Invitation -----------------------------------------------------------------------------------


def supporter_account(supporter: Supporter) -> User | None:
    """The account linked to ``supporter``, if any."""
    return db.session.scalar(select(User).where(User.supporter_id == supporter.id))


def _email_taken(email: str, other_than: User | None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if other_than is not None:
        stmt = stmt.where(User.id != other_than.id)
    return db.session.scalar(across_programmes(stmt)) is not None


def invite_supporter(supporter: Supporter, by: User) -> User:
    """Create the supporter's account if needed and mail them a 7-day link to set a password.

    A new invitation replaces older unused ones. Refused for suspended or retired supporters,
    deactivated accounts, accounts that already have a password, and an e-mail address that
    another account uses.
    """
    if supporter.status not in INVITABLE:
        _refuse_state("not_invitable")
    user = supporter_account(supporter)
    if user is not None and not user.active:
        _refuse_state("deactivated")
    if user is not None and has_usable_password(user.password_hash):
        _refuse_state("already_active")
    if _email_taken(supporter.email, other_than=user):
        _refuse_state("email_taken")
    if user is None:
        user = User(
            email=supporter.email.strip().lower(),
            name=supporter.display_name,
            role=Role.SUPPORTER,
            password_hash=unusable_password_hash(),
            supporter_id=supporter.id,
        )
        db.session.add(user)
        db.session.flush()
        record("account_created", user, detail=f"supporter {supporter.id}", user=by)
    else:
        # Never signed in yet: follow the registry if the address was corrected since.
        user.email = supporter.email.strip().lower()
        user.name = supporter.display_name
    token = issue_link(user, AccountLinkPurpose.INVITE, by)
    queue_link_message(user, AccountLinkPurpose.INVITE, token)
    record("account_invited", user, detail=f"supporter {supporter.id}", user=by)
    return user


def pending_invitation(user: User | None) -> AccountLink | None:
    """The newest invitation of ``user`` that still works (for the registry page)."""
    if user is None:
        return None
    return db.session.scalar(
        select(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == AccountLinkPurpose.INVITE,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > utcnow(),
        )
        .order_by(AccountLink.created_at.desc())
    )


# --- Reset and change -----------------------------------------------------------------------------


def request_reset(email: str) -> None:
    """Mail a 1-hour reset link if ``email`` names a usable account; otherwise do nothing.

    The caller answers the same either way, so the page tells nobody whether an address has an
    account. Deactivated, suspended and retired accounts get nothing. Refused (field ``email``)
    only when no address, or one longer than any address can be, was given.
    """
    from supporters.auth.service import find_user

    email = (email or "").strip()
    if not email:
        raise Refused(MESSAGES["required"], "email")
    if len(email) > EMAIL_LENGTH:
        raise Refused(_l("At most %(max)d characters.", max=EMAIL_LENGTH), "email")
    user = find_user(email)
    if user is None or not is_usable(user):
        return
    token = issue_link(user, AccountLinkPurpose.RESET, by=None)
    queue_link_message(user, AccountLinkPurpose.RESET, token)
    record("password_reset_requested", user, user=user)


def change_password(user: User, draft: PasswordDraft) -> int:
    """Change ``user``'s own password; ends their other sessions (returns how many).

    Refused (fields ``current``, ``password``, ``confirm``) for an empty box, a wrong current
    password, or a new one that is weak or mistyped.
    """
    _require(draft, ("current", "password", "confirm"))
    too_long = len(draft.current) > MAX_LENGTH  # no password is this long: not worth hashing
    if too_long or not verify_password(user.password_hash, draft.current):
        raise Refused(MESSAGES["wrong_current"], "current")
    _check_new_password(user, draft)
    user.password_hash = hash_password(draft.password)
    expire_links(user)
    ended = end_sessions(user, "password_changed", keep_current=True)
    record("password_changed", user, detail=f"{ended} other sessions ended", user=user)
    return ended
