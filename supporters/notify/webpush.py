"""Web Push (RFC 8030, encrypted per RFC 8291, authorised with VAPID per RFC 8292).

Off until ``VAPID_PRIVATE_KEY`` (the base64url private key ``flask webpush keys`` prints, or a
PEM) and ``VAPID_SUBJECT`` (``mailto:`` the programme) are set. A supporter turns it on from the
"Messages" page of the installed app: the browser's subscription (its push service's endpoint and
the keys ``p256dh`` and ``auth``) is stored as a :class:`ChannelAddress`. A message is sent as
JSON ``{"title", "body", "url"}`` — the body is the lead and the facts — which ``static/sw.js``
shows as a notification that opens the link. 404/410 from the push service mean the
subscription is gone (permanent: the next channel is tried, the address is not used again).
"""

import json

import click
from flask import Flask, current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import select, update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import ChannelAddress, OutboxMessage
from supporters.notify.channels import PermanentDeliveryError

TTL_SECONDS = 24 * 3600
TIMEOUT = 10


def vapid() -> Vapid02:
    """The programme's VAPID key."""
    key = current_app.config["VAPID_PRIVATE_KEY"].strip()
    if key.startswith("-----BEGIN"):
        return Vapid02.from_pem(key.encode())
    return Vapid02.from_string(key)


def public_key() -> str:
    """The VAPID public key for the browser's ``applicationServerKey`` (base64url, raw point)."""
    from cryptography.hazmat.primitives import serialization
    from py_vapid.utils import b64urlencode

    point = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(point)


def payload(message: OutboxMessage) -> dict:
    """What the notification shows, in the recipient's language: title, lead and facts, link."""
    from supporters.notify.messages import render_message

    rendered = render_message(message.kind, message.link, message.locale, message.params)
    body = "\n".join([rendered.lead, *(f"{label}: {value}" for label, value in rendered.facts)])
    return {
        "title": rendered.title,
        "body": body,
        "url": rendered.url,
        # The same message sent twice (at least once delivery) replaces itself on the screen.
        "tag": f"{message.kind}:{message.link}",
        "lang": (message.locale or "ja").replace("_", "-").split("@")[0],
    }


# What cannot wait (RFC 8030 §5.3): the push service may hold back other messages on a
# phone that saves its battery.
HIGH_URGENCY = frozenset({"offer_new", "assignment_confirm"})


def urgency(message: OutboxMessage) -> str:
    """``high`` for an offer or a confirmation to give, ``normal`` for the rest."""
    return "high" if message.kind in HIGH_URGENCY else "normal"


class WebPushChannel:
    """Sends an encrypted push message to one browser subscription."""

    name = "webpush"

    def configured(self) -> bool:
        """On when the VAPID key and subject are set."""
        config = current_app.config
        return bool(config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_SUBJECT"))

    def send(self, message: OutboxMessage) -> None:
        """Encrypt and send; a gone subscription is permanent, 429/5xx are retried."""
        row = db.session.scalar(
            select(ChannelAddress).where(
                ChannelAddress.channel == self.name, ChannelAddress.address == message.recipient
            )
        )
        if row is None or not row.keys:
            raise PermanentDeliveryError("the push subscription no longer exists")
        try:
            key = vapid()
        except Exception as error:  # retrying cannot fix a setting: the next channel, now
            raise PermanentDeliveryError("VAPID_PRIVATE_KEY cannot be read") from error
        try:
            webpush(
                subscription_info={"endpoint": row.address, "keys": row.keys},
                data=json.dumps(payload(message), ensure_ascii=False),
                vapid_private_key=key,
                vapid_claims={"sub": current_app.config["VAPID_SUBJECT"]},
                ttl=TTL_SECONDS,
                headers={"Urgency": urgency(message)},
                timeout=TIMEOUT,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in (404, 410):
                db.session.execute(
                    update(ChannelAddress)
                    .where(ChannelAddress.id == row.id)
                    .values(failed_at=utcnow())
                )
                raise PermanentDeliveryError(f"push subscription gone ({status})") from error
            if status is not None and 400 <= status < 500 and status != 429:
                raise PermanentDeliveryError(f"push service refused ({status})") from error
            raise


def init_app(app: Flask) -> None:
    """``flask webpush keys``: make a VAPID key pair for the settings."""

    @app.cli.group("webpush")
    def webpush_group():
        """Web Push: VAPID keys."""

    @webpush_group.command("keys")
    def keys():
        """Print a new VAPID key pair (put the private one in VAPID_PRIVATE_KEY)."""
        from cryptography.hazmat.primitives import serialization
        from py_vapid.utils import b64urlencode

        key = Vapid02()
        key.generate_keys()
        raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
        point = key.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        click.echo(f"VAPID_PRIVATE_KEY={b64urlencode(raw)}")
        click.echo(f"# public key (browsers get it from the app): {b64urlencode(point)}")
        click.echo(
            "# Keep the private key secret; changing it makes every browser subscribe again."
        )
