"""How a queued message leaves the building: the ``Channel`` interface and a per-app registry.

``OutboxMessage.channel`` names the channel (``email`` today; LINE or SMS later). A new channel
is a class with a ``name`` and a ``send`` method, registered with :func:`register_channel`; the
domain code that queues messages does not change.
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

    def send(self, message: OutboxMessage) -> None:
        """Deliver ``message`` or raise; raise :class:`PermanentDeliveryError` to stop retries."""
        ...


def _registry() -> dict[str, Channel]:
    """The current app's channels by name, starting with e-mail over SMTP."""
    from supporters.notify.smtp import SmtpChannel

    return current_app.extensions.setdefault(_REGISTRY_KEY, {"email": SmtpChannel()})


def register_channel(channel: Channel) -> None:
    """Make ``channel`` deliver the current app's messages whose ``channel`` is ``channel.name``."""
    _registry()[channel.name] = channel


def get_channel(name: str) -> Channel | None:
    """The current app's channel called ``name``, or None if there is none."""
    return _registry().get(name)
