"""One-tap actions from a message: accept or decline an offer, confirm an assignment.

A message for such a kind carries links ``/a/<token>``; the token is a signed name of an
:class:`ActionToken` row, which says who may do what to which record, until when, and whether it
has been used. Opening the link (GET) never acts — mail scanners and link previews open links —
it shows what the action is (date, area, language; never special-care data) and one button.
Pressing it (POST, CSRF-protected) acts through the area's service as the token's user, once:
the row is marked used by a conditional UPDATE first, so a second press, a forwarded copy or two
tabs do nothing more. Tokens are made when the message is sent (never stored in the outbox body).

A token's id is derived from the outbox message's id and the action (an HMAC with the app's
secret), so every attempt at one message carries the same links: when a worker dies between a
channel's "sent" and its commit, the retry recreates the very rows the delivered message points
at (LINE drops the repeat by its retry key; the first push's buttons still work).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.links import absolute_link
from supporters.models import ActionToken, HelpRequest, Offer, OfferStatus, User
from supporters.refusals import NOT_FOUND, Refused

ACCEPT, DECLINE, CONFIRM = "accept", "decline", "confirm"
# Which actions a message of each kind offers; the target's id is in the message's link.
ACTIONS_BY_KIND = {"offer_new": (ACCEPT, DECLINE), "assignment_confirm": (CONFIRM,)}
# Why a one-tap decline was given (the decline form asks; a tap cannot).
TAP_DECLINE_REASON = "not_available"


@dataclass(frozen=True)
class Action:
    """A one-tap link ready for a message: what it does, its signed token and where it goes."""

    action: str
    signed: str

    @property
    def url(self) -> str:
        """The absolute ``/a/<signed token>`` link (from ``BASE_URL``)."""
        return action_url(self.signed)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="yorisoi-action")


def action_url(token: ActionToken | str) -> str:
    """The absolute ``/a/<signed id>`` link of a token (a row, or its signed id)."""
    signed = _serializer().dumps(token.id) if isinstance(token, ActionToken) else token
    return absolute_link(f"/a/{signed}")


def links_for(
    kind: str,
    link: str,
    user_id: int | None,
    now: datetime | None = None,
    message_id: int | None = None,
) -> list[Action]:
    """The one-tap links for a message of ``kind`` about ``link`` to ``user_id`` (may be []).

    ``message_id`` (the outbox row) makes the tokens the same on every attempt at that message.
    """
    actions = ACTIONS_BY_KIND.get(kind, ())
    if not actions or user_id is None:
        return []
    try:
        target_id = int(link.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:  # a link without the target's id: the message goes without buttons
        return []
    expires_at = _expiry(actions[0], target_id)
    if expires_at is None or expires_at <= (now or utcnow()):
        return []
    key = f"outbox-{message_id}" if message_id is not None else None
    return [Action(a, issue(user_id, a, target_id, expires_at, key=key)) for a in actions]


def issue(
    user_id: int, action: str, target_id: int, expires_at: datetime, key: str | None = None
) -> str:
    """Make a single-use token and return its signed form for a URL.

    With ``key`` (e.g. ``outbox-12``) the token's id is derived from it, and issuing again for
    the same key and action returns the same token (its row is made if a crash lost it).
    """
    token_id = _derived_id(key, action) if key else secrets.token_hex(16)
    row = db.session.get(ActionToken, token_id) if key else None
    if row is None:
        row = ActionToken(
            id=token_id,
            user_id=user_id,
            action=action,
            target_id=target_id,
            expires_at=expires_at,
        )
        db.session.add(row)
        db.session.flush()
    return _serializer().dumps(row.id)


def _derived_id(key: str, action: str) -> str:
    """32 hex digits nobody can guess without the secret key, the same for the same input."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    digest = hmac.new(secret, f"action-token:{key}:{action}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _expiry(action: str, target_id: int) -> datetime | None:
    if action in (ACCEPT, DECLINE):
        offer = db.session.get(Offer, target_id)
        return offer.expires_at if offer is not None and offer.status == OfferStatus.OPEN else None
    request = db.session.get(HelpRequest, target_id)
    return request.starts_at if request is not None else None


def load(signed: str) -> ActionToken:
    """The token behind a link; refused (not found) if the signature or the row is wrong."""
    try:
        token_id = _serializer().loads(signed)
    except BadSignature as error:
        raise Refused(code=NOT_FOUND) from error
    token = db.session.get(ActionToken, str(token_id))
    if token is None:
        raise Refused(code=NOT_FOUND)
    return token


def state(token: ActionToken, now: datetime | None = None) -> str:
    """``open``, ``used`` or ``expired``."""
    if token.used_at is not None:
        return "used"
    if token.expires_at <= (now or utcnow()):
        return "expired"
    return "open"


def request_of(token: ActionToken) -> HelpRequest | None:
    """The request the action is about (for the page's date, area and language)."""
    if token.action == CONFIRM:
        return db.session.get(HelpRequest, token.target_id)
    offer = db.session.get(Offer, token.target_id)
    return offer.request if offer is not None else None


def perform(token: ActionToken, now: datetime | None = None) -> str:
    """Do the token's action once, as its user; returns the action. Refused if used or late."""
    from supporters.help_requests import offers
    from supporters.help_requests.confirmation import confirm

    now = now or utcnow()
    used = db.session.execute(
        update(ActionToken)
        .where(
            ActionToken.id == token.id,
            ActionToken.used_at.is_(None),
            ActionToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:  # used meanwhile (another tap, another tab) or out of time
        raise Refused(code="expired" if token.expires_at <= now else "used")
    user = db.session.get(User, token.user_id)
    if user is None or user.supporter_id is None or not user.active:
        raise Refused(code=NOT_FOUND)
    if token.action == ACCEPT:
        offers.accept(token.target_id, user.supporter_id, user, now=now)
    elif token.action == DECLINE:
        offers.decline(token.target_id, user.supporter_id, TAP_DECLINE_REASON, "", user, now=now)
    else:
        confirm(token.target_id, user.supporter_id, user, now=now)
    db.session.flush()
    return token.action
