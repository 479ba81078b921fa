"""Which channels a message tries, in order: the person's own order, then the programme's default.

A channel is tried only if the programme has configured it (``Channel.configured``) and the
person has a working address on it: their e-mail, or a :class:`ChannelAddress` (a linked LINE
account, a Web Push subscription, a phone number for SMS) that has not been reported gone.
"""

from flask import current_app
from sqlalchemy import select

from supporters.extensions import db
from supporters.models import ChannelAddress, User
from supporters.notify.channels import get_channel

EMAIL = "email"
DEFAULT_ORDER = ("line", "webpush", EMAIL, "sms")


def channel_order(user: User | None) -> list[str]:
    """The channel names to try for ``user``: their own order, else ``CHANNEL_ORDER``."""
    configured = current_app.config.get("CHANNEL_ORDER") or ",".join(DEFAULT_ORDER)
    order = user.channel_order if user is not None and user.channel_order else configured
    names = [name.strip() for name in order.split(",") if name.strip()]
    # A person who put e-mail last or left it out still gets e-mail when nothing else works.
    return names if EMAIL in names else [*names, EMAIL]


def route_for(user: User | None, email: str | None) -> list[tuple[str, str]]:
    """``[(channel, address), ...]`` to try in order; empty if the person cannot be reached."""
    addresses: dict[str, list[str]] = {}
    if user is not None and user.id is not None:
        rows = db.session.execute(
            select(ChannelAddress.channel, ChannelAddress.address)
            .where(ChannelAddress.user_id == user.id, ChannelAddress.failed_at.is_(None))
            .order_by(ChannelAddress.id.desc())
        )
        for channel, address in rows:
            addresses.setdefault(channel, []).append(address)
    if email:
        addresses[EMAIL] = [email]
    route = []
    for name in channel_order(user):
        channel = get_channel(name)
        if channel is None or not channel.configured():
            continue
        route.extend((name, address) for address in addresses.get(name, []))
    return route
