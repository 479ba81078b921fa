"""A person's ways of being reached: LINE linking codes, an SMS number, Web Push subscriptions,
and the order in which their channels are tried. Validation lives here, once."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import ChannelAddress, LinkCode, User
from supporters.refusals import Refused

LINK_CODE_MINUTES = 15
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
CHANNELS = ("line", "webpush", "email", "sms")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
JAPANESE_MOBILE = re.compile(r"^[6789]0\d{8}$")
BASE64URL = re.compile(r"^[A-Za-z0-9_\-]+=*$")


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(text: str) -> str:
    """A code as typed into LINE: spaces and hyphens dropped, upper case."""
    return re.sub(r"[\s\-]", "", text or "").upper()


def new_link_code(user: User, now: datetime | None = None) -> tuple[str, datetime]:
    """A fresh one-time LINE linking code for ``user`` (earlier unused ones stop working)."""
    now = now or utcnow()
    db.session.execute(
        update(LinkCode)
        .where(LinkCode.user_id == user.id, LinkCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(minutes=LINK_CODE_MINUTES)
    db.session.add(LinkCode(user_id=user.id, code_hash=_hash(code), expires_at=expires_at))
    db.session.flush()
    return code, expires_at


def link_line(text: str, line_user_id: str, now: datetime | None = None) -> User | None:
    """Link the LINE user who sent ``text`` if it is a valid code; the account, else None."""
    now = now or utcnow()
    code = normalise_code(text)
    if len(code) != CODE_LENGTH:
        return None
    found = db.session.scalar(
        select(LinkCode).where(
            LinkCode.code_hash == _hash(code),
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
    )
    if found is None:
        return None
    found.used_at = now
    # One LINE account reaches one person; a person has one LINE account.
    db.session.execute(
        delete(ChannelAddress).where(
            ChannelAddress.channel == "line",
            (ChannelAddress.address == line_user_id) | (ChannelAddress.user_id == found.user_id),
        )
    )
    db.session.add(ChannelAddress(user_id=found.user_id, channel="line", address=line_user_id))
    db.session.flush()
    return db.session.get(User, found.user_id)


def unlink(user: User, channel: str) -> None:
    """Forget ``user``'s addresses on ``channel`` (LINE, SMS or all Web Push subscriptions)."""
    if channel not in CHANNELS or channel == "email":
        raise Refused(_("Unknown channel."), "channel")
    db.session.execute(
        delete(ChannelAddress).where(
            ChannelAddress.user_id == user.id, ChannelAddress.channel == channel
        )
    )


def line_user_of(line_user_id: str) -> User | None:
    """The account linked to a LINE user id, if any."""
    row = db.session.scalar(
        select(ChannelAddress).where(
            ChannelAddress.channel == "line", ChannelAddress.address == line_user_id
        )
    )
    return db.session.get(User, row.user_id) if row is not None else None


def forget_line_user(line_user_id: str, now: datetime | None = None) -> None:
    """The user unfollowed the programme's LINE account: stop sending there."""
    db.session.execute(
        update(ChannelAddress)
        .where(ChannelAddress.channel == "line", ChannelAddress.address == line_user_id)
        .values(failed_at=now or utcnow())
    )


def follow_line_user(line_user_id: str) -> User | None:
    """The user (re-)added the programme's LINE account: a linked address works again."""
    db.session.execute(
        update(ChannelAddress)
        .where(ChannelAddress.channel == "line", ChannelAddress.address == line_user_id)
        .values(failed_at=None)
    )
    return line_user_of(line_user_id)


def e164(phone: str) -> str:
    """A Japanese phone number in E.164 (090-1234-5678 → +819012345678); refused if not one."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    number = digits if digits.startswith("+") else "+81" + digits.lstrip("0")
    # In Japan only 060/070/080/090 numbers receive SMS (03-…, 0120-… are landlines).
    if not E164.match(number) or (
        number.startswith("+81") and not JAPANESE_MOBILE.match(number[3:])
    ):
        raise Refused(_("Enter a mobile phone number."), "phone")
    return number


def set_sms(user: User, phone: str | None) -> None:
    """Receive messages by SMS at ``phone`` (None: stop)."""
    unlink(user, "sms")
    if phone:
        db.session.add(ChannelAddress(user_id=user.id, channel="sms", address=e164(phone)))
    db.session.flush()


def set_order(user: User, order: list[str]) -> None:
    """The order ``user``'s channels are tried in; e-mail is always included."""
    names = [name for name in order if name]
    if len(set(names)) != len(names) or any(name not in CHANNELS for name in names):
        raise Refused(_("Choose each channel once."), "order")
    if "email" not in names:
        names.append("email")
    user.channel_order = ",".join(names)


def effective_order(user: User, default: str) -> list[str]:
    """Every channel in the order ``user``'s messages try them: their own order (else
    ``default``, the programme's ``CHANNEL_ORDER``), then any channel it leaves out."""
    chosen = [name.strip() for name in (user.channel_order or default).split(",")]
    names = [name for name in dict.fromkeys(chosen) if name in CHANNELS]
    return names + [name for name in CHANNELS if name not in names]


def move(user: User, channel: str, step: int, shown: list[str], default: str) -> None:
    """Swap ``channel`` with its neighbour among ``shown`` (the channels the person sees):
    ``step`` -1 is earlier, +1 later. Channels not shown keep their places."""
    order = effective_order(user, default)
    visible = [name for name in order if name in shown]
    if channel not in visible or step not in (-1, 1):
        raise Refused(_("Unknown channel."), "channel")
    here = visible.index(channel)
    if not 0 <= here + step < len(visible):
        return  # already first (or last): nothing to move
    other = visible[here + step]
    i, j = order.index(channel), order.index(other)
    order[i], order[j] = order[j], order[i]
    set_order(user, order)


def save_push_subscription(user: User, endpoint: str, p256dh: str, auth: str) -> ChannelAddress:
    """Store a browser's Web Push subscription (an https endpoint and its two keys)."""
    problems = {}
    if not (endpoint or "").startswith("https://") or len(endpoint) > 600:
        problems["endpoint"] = _("The browser gave an invalid push address.")
    for name, value in (("p256dh", p256dh), ("auth", auth)):
        if not value or not BASE64URL.match(value) or len(value) > 200:
            problems[name] = _("The browser gave an invalid push key.")
    if problems:
        raise Refused(fields=problems)
    row = db.session.scalar(
        select(ChannelAddress).where(
            ChannelAddress.channel == "webpush", ChannelAddress.address == endpoint
        )
    )
    keys = {"p256dh": p256dh, "auth": auth}
    if row is None:
        row = ChannelAddress(user_id=user.id, channel="webpush", address=endpoint, keys=keys)
        db.session.add(row)
    row.user_id, row.keys, row.failed_at = user.id, keys, None
    db.session.flush()
    return row


def forget_push_subscription(user: User, endpoint: str) -> None:
    """This browser turned notifications off: forget its subscription (only ``user``'s own)."""
    db.session.execute(
        delete(ChannelAddress).where(
            ChannelAddress.user_id == user.id,
            ChannelAddress.channel == "webpush",
            ChannelAddress.address == endpoint,
        )
    )


def addresses_of(user: User) -> dict[str, list[ChannelAddress]]:
    """``user``'s working addresses by channel."""
    rows = db.session.scalars(
        select(ChannelAddress).where(
            ChannelAddress.user_id == user.id, ChannelAddress.failed_at.is_(None)
        )
    )
    found: dict[str, list[ChannelAddress]] = {}
    for row in rows:
        found.setdefault(row.channel, []).append(row)
    return found
