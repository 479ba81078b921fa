"""LINE: the Messaging API's push, through the official SDK (off until configured).

A supporter links their LINE account by sending the programme's LINE account the one-time code
shown on their "Messages" page (``addresses.py``); the webhook (``line_webhook.py``) stores their
LINE user id as a :class:`ChannelAddress`. A message is pushed as a text (title, lead, facts,
link) and, for kinds with one-tap actions, a buttons template whose postback actions carry
single-use tokens (``actions.py``) — the webhook performs them, checking that the LINE user who
tapped is the token's owner. ``X-Line-Retry-Key`` is derived from the outbox id, so a repeat
after a crash is dropped by LINE (it answers 409, which counts as sent).
"""

import uuid
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    ButtonsTemplate,
    Configuration,
    MessagingApi,
    PostbackAction,
    PushMessageRequest,
    TemplateMessage,
    TextMessage,
)
from sqlalchemy import update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import ChannelAddress, OutboxMessage
from supporters.notify.channels import PermanentDeliveryError

TEXT_LIMIT = 5000
BUTTONS_TEXT_LIMIT = 160
ALT_TEXT_LIMIT = 400
LABEL_LIMIT = 20


def api() -> MessagingApi:
    """The Messaging API client for the configured channel (``LINE_API_BASE`` in tests)."""
    config = current_app.config
    configuration = Configuration(
        host=config["LINE_API_BASE"], access_token=config["LINE_CHANNEL_ACCESS_TOKEN"]
    )
    return MessagingApi(ApiClient(configuration))


def retry_key(message: OutboxMessage) -> str:
    """The same UUID for every attempt at one outbox message."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"yorisoi-outbox-{message.id}"))


def line_messages(message: OutboxMessage, now: datetime | None = None) -> list:
    """The LINE messages for ``message``: its text, and a buttons template for one-tap answers."""
    from supporters.notify.actions import ACCEPT, DECLINE, links_for
    from supporters.notify.messages import render_message

    rendered = render_message(message.kind, message.link, message.locale, message.params)
    lines = [
        rendered.title,
        rendered.lead,
        *(f"{label}: {value}" for label, value in rendered.facts),
    ]
    text = "\n".join([*lines, rendered.url])[:TEXT_LIMIT]
    found = [TextMessage(text=text)]
    taps = links_for(message.kind, message.link, message.user_id, now)
    if taps:
        with force_locale(message.locale or "ja"):
            labels = {ACCEPT: _("Accept"), DECLINE: _("Decline")}
            actions = [
                PostbackAction(
                    label=labels.get(tap.action, _("I will come"))[:LABEL_LIMIT],
                    data=f"a={tap.url.rsplit('/a/', 1)[-1]}",
                    display_text=labels.get(tap.action, _("I will come")),
                )
                for tap in taps
            ]
        found.append(
            TemplateMessage(
                alt_text=rendered.title[:ALT_TEXT_LIMIT],
                template=ButtonsTemplate(
                    title=None,
                    text=(rendered.lead or rendered.title)[:BUTTONS_TEXT_LIMIT],
                    actions=actions,
                ),
            )
        )
    return found


class LineChannel:
    """Pushes a message to a linked LINE account."""

    name = "line"

    def configured(self) -> bool:
        """On when the channel access token and secret are set."""
        config = current_app.config
        return bool(config.get("LINE_CHANNEL_ACCESS_TOKEN") and config.get("LINE_CHANNEL_SECRET"))

    def send(self, message: OutboxMessage) -> None:
        """Push; 409 (already sent with this retry key) is success; 4xx other than 429 is final."""
        request = PushMessageRequest(to=message.recipient, messages=line_messages(message))
        try:
            api().push_message(request, x_line_retry_key=retry_key(message))
        except ApiException as error:
            if error.status == 409:  # LINE accepted this retry key before: sent once already
                return
            if error.status == 429 or (error.status or 500) >= 500:
                raise
            _mark_gone(message.recipient)
            raise PermanentDeliveryError(f"LINE refused the push ({error.status})") from error


def _mark_gone(line_user_id: str) -> None:
    """LINE refused this user (blocked us, or unknown): skip the address until re-linked."""
    db.session.execute(
        update(ChannelAddress)
        .where(ChannelAddress.channel == "line", ChannelAddress.address == line_user_id)
        .values(failed_at=utcnow())
    )


def monthly_usage() -> dict | None:
    """This month's pushed message count and the plan's limit, from LINE (None if unreachable)."""
    try:
        client = api()
        used = client.get_message_quota_consumption().total_usage
        quota = client.get_message_quota()
    except Exception:  # the console shows "unknown" rather than failing
        return None
    return {"used": used, "limit": getattr(quota, "value", None), "type": quota.type}
