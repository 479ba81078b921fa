"""Changing an account's e-mail address, confirmed by a link to the new one. Flush, audit.

The e-mail address is how a person signs in and how the programme reaches them, so a new one
counts only once its owner has opened the link mailed to it (an account link of purpose
``email_change``: random token, only its hash stored, single use, 24 hours, a newer request
replaces it — the machinery of ``credentials/service.py``). Until then the old address stays the
sign-in and contact address, and it is told that a change was asked for.

Confirming switches the account's ``User.email`` and its supporter's ``Supporter.email``
together (:func:`set_address` is the only place that writes either after registration, so they
cannot drift apart), ends the account's other sessions as a password change does, and is
audited. A link used twice, replaced, cancelled, expired, or for an address another account took
meanwhile is refused with a code, never an error.

Addresses the coordinators enter on the registry (``registry/operations.update_supporter``) are
trusted and follow at once (:func:`follow_registry`): see docs/decisions.md.
"""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from supporters.audit import record
from supporters.auth.passwords import has_usable_password
from supporters.auth.sessions import current_session, end_sessions
from supporters.clock import utcnow
from supporters.credentials import email_messages
from supporters.credentials.service import (
    EMAIL_LENGTH,
    expire_links,
    issue_link,
    live_link,
    supporter_account,
    use_link,
)
from supporters.extensions import db
from supporters.models import Supporter, User
from supporters.models.credentials import AccountLink, AccountLinkPurpose
from supporters.refusals import Refused
from supporters.tenancy import across_programmes

EMAIL = AccountLinkPurpose.EMAIL

MESSAGES = {
    "required": _l("Enter an e-mail address."),
    "too_long": _l("The e-mail address is too long."),
    "invalid": _l("Enter a valid e-mail address, like name@example.jp."),
    "taken": _l("Another account already uses this e-mail address."),
    "nothing_pending": _l("There is no change of e-mail address waiting for confirmation."),
}


@dataclass(frozen=True)
class Confirmation:
    """What following a link did: ``changed``, ``dead`` (unknown, used, replaced, cancelled,
    expired) or ``taken`` (another account has the address now); the account and the number of
    its other sessions ended when ``changed``."""

    outcome: str
    user: User | None = None
    address: str = ""
    sessions_ended: int = 0


def address_taken(address: str, user: User | None) -> bool:
    """Whether an account or supporter other than ``user`` (and its supporter) uses ``address``."""
    folded = address.strip().lower()
    accounts = select(User.id).where(func.lower(User.email) == folded)
    supporters = select(Supporter.id).where(func.lower(Supporter.email) == folded)
    if user is not None:
        accounts = accounts.where(User.id != user.id)
        if user.supporter_id is not None:
            supporters = supporters.where(Supporter.id != user.supporter_id)
    return (
        db.session.scalar(across_programmes(accounts.limit(1))) is not None
        or db.session.scalar(across_programmes(supporters.limit(1))) is not None
    )


def address_problem(address: str, user: User | None) -> str | None:
    """The code of what is wrong with ``address`` as ``user``'s new one (None: nothing)."""
    if not address:
        return "required"
    if len(address) > EMAIL_LENGTH:
        return "too_long"
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return "invalid"
    if address_taken(address, user):
        return "taken"
    return None


def _refuse(code: str) -> None:
    raise Refused(MESSAGES[code], "email", code=code)


def pending_change(user: User) -> AccountLink | None:
    """The change of ``user``'s address waiting for confirmation, if any (newest live link)."""
    if user is None or user.id is None:
        return None
    return db.session.scalar(
        select(AccountLink)
        .where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == EMAIL,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > utcnow(),
        )
        .order_by(AccountLink.created_at.desc(), AccountLink.id.desc())
        .limit(1)
    )


def is_current(user: User, address: str) -> bool:
    """Whether ``address`` is already ``user``'s sign-in address (letter case aside)."""
    return address.strip().lower() == (user.email or "").lower()


def request_change(user: User, address: str) -> AccountLink:
    """Ask to change ``user``'s address to ``address``: mail the link there, tell the old one.

    Refused (field ``email``) for an empty, too long, malformed or taken address. A pending
    change to another address is replaced (its link stops working).
    """
    address = (address or "").strip()
    if problem := address_problem(address, user):
        _refuse(problem)
    token = issue_link(user, EMAIL, by=user, new_email=address)
    email_messages.queue_confirmation(user, address, token)
    if not is_current(user, address):  # (only the contact address differs: one message is enough)
        email_messages.queue_requested_notice(user, user.email, address)
    link = pending_change(user)
    record("email_change_requested", user, detail=f"link {link.id}", user=user)
    return link


def resend(user: User) -> AccountLink:
    """Mail a fresh link for the pending change (the previous link stops working)."""
    pending = pending_change(user)
    if pending is None:
        _refuse("nothing_pending")
    address = pending.new_email
    token = issue_link(user, EMAIL, by=user, new_email=address)
    email_messages.queue_confirmation(user, address, token)
    link = pending_change(user)
    record("email_change_requested", user, detail=f"link {link.id} (sent again)", user=user)
    return link


def cancel(user: User) -> bool:
    """Stop the pending change (its link stops working); False if there was none."""
    pending = pending_change(user)
    if pending is None:
        return False
    expire_links(user, EMAIL)
    record("email_change_cancelled", user, detail=f"link {pending.id}", user=user)
    return True


def set_address(user: User, address: str) -> None:
    """Make ``address`` the account's sign-in address and its supporter's contact address."""
    user.email = address.strip().lower()
    if user.supporter is not None:
        user.supporter.email = address.strip()
    expire_links(user, EMAIL)  # a change asked for earlier must not undo this one


def confirm_change(token: str, signed_in: User | None) -> Confirmation:
    """Follow a confirmation link: switch the address, end the other sessions, audit.

    ``signed_in`` is who this browser is signed in as; their session stays when it is the
    account's own. Two tabs with one link: one changes, the other gets ``dead``.
    """
    link = live_link(token, EMAIL)
    if link is None or not link.new_email:
        return Confirmation("dead")
    user, address = link.user, link.new_email
    if address_problem(address, user) == "taken":
        use_link(link)  # it can never work now
        return Confirmation("taken", user, address)
    if not use_link(link):
        return Confirmation("dead")
    try:
        with db.session.begin_nested():  # another account took it this very moment
            set_address(user, address)
            db.session.flush()
    except IntegrityError:
        return Confirmation("taken", user, address)
    own = signed_in is not None and signed_in.id == user.id and current_session() is not None
    ended = end_sessions(user, "email_changed", keep_current=own)
    record("email_changed", user, detail=f"link {link.id}; {ended} sessions ended", user=user)
    return Confirmation("changed", user, address, ended)


def follow_registry(supporter: Supporter, former_email: str, by: User | None) -> None:
    """The coordinators changed ``supporter``'s address from ``former_email``: the account signs
    in with the new one at once.

    Coordinator-entered addresses are trusted (see docs/decisions.md); a pending change of the
    supporter's own is dropped, and the former address is told (when the account has been used).
    Nothing happens when the registry's address did not change.
    """
    if former_email.strip().lower() == supporter.email.strip().lower():
        return
    user = supporter_account(supporter)
    if user is None:
        return
    if is_current(user, supporter.email):
        expire_links(user, EMAIL)  # the registry decided: a pending change of their own is moot
        return
    former = user.email
    set_address(user, supporter.email)
    if has_usable_password(user.password_hash):
        email_messages.queue_changed_notice(user, former, supporter.email)
    record("email_changed", user, detail="by the coordinators", user=by)
