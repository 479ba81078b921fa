"""How a queued message leaves the building: the ``Channel`` interface and a per-app registry.

``OutboxMessage.channel`` names the channel (``email``, ``line``, ``webpush``, ``sms``). A channel
is a class with a ``name``, ``configured()`` and ``send()``, registered with
:func:`register_channel`; the domain code that queues messages does not change. Which channels a
person's message tries, in which order, is ``supporters/notify/routing.py``.
"""

from typing import Protocol

from flask import current_app

from supporters.models import OutboxMessage

_REGISTRY_KEY = "yorisoi.notify.channels"


class PermanentDeliveryError(Exception):
    """Raised by a channel when retrying cannot help (e.g. the mailbox does not exist)."""


class Channel(Protocol):
    """Sends one outbox message; returns on success, raises on failure (then it is retried)."""

    name: str

    def configured(self) -> bool:
        """Whether the programme has set this channel up (its settings are present)."""
        ...

    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message`` or raise; raise :class:`PermanentDeliveryError` to stop retries."""
        ...


def _registry() -> dict[str, Channel]:
    """The current app's channels by name: e-mail, LINE, Web Push, SMS (each off until set up)."""
    registry = current_app.extensions.get(_REGISTRY_KEY)
    if registry is None:
        from supporters.notify.line import LineChannel
        from supporters.notify.sms import SmsChannel
        from supporters.notify.smtp import SmtpChannel
        from supporters.notify.webpush import WebPushChannel

        channels = (SmtpChannel(), LineChannel(), WebPushChannel(), SmsChannel())
        registry = current_app.extensions[_REGISTRY_KEY] = {c.name: c for c in channels}
    return registry


def register_channel(channel: Channel) -> None:
    """Make ``channel`` deliver the current app's messages whose ``channel`` is ``channel.name``."""
    _registry()[channel.name] = channel


def get_channel(name: str) -> Channel | None:
    """The current app's channel called ``name``, or None if there is none."""
    return _registry().get(name)
