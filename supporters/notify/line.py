"""LINE: the Messaging API's push, through the official SDK (off until configured).

A supporter links their LINE account by sending the programme's LINE account the one-time code
shown on their "Messages" page (``addresses.py``); the webhook (``line_webhook.py``) stores their
LINE user id as a :class:`ChannelAddress`. A message is pushed as a text (title, lead, facts,
link) and a buttons template: a button that opens Yorisoi and, for kinds with one-tap actions,
postback buttons carrying single-use tokens (``actions.py``) — the webhook performs them,
checking that the LINE user who tapped is the token's owner. ``X-Line-Retry-Key`` is derived
from the outbox id, so a repeat after a crash is dropped by LINE (it answers 409, which counts as
sent); the one-tap tokens are derived from it too, so the dropped repeat's buttons still work.
"""

import json
import logging
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
    URIAction,
)
from sqlalchemy import update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import ChannelAddress, OutboxMessage
from supporters.notify.channels import PermanentDeliveryError

log = logging.getLogger(__name__)

# LINE's documented limits (Messaging API reference: text, template, buttons, actions).
TEXT_LIMIT = 5000
BUTTONS_TEXT_LIMIT = 160
ALT_TEXT_LIMIT = 400
LABEL_LIMIT = 20
URI_LIMIT = 1000
TIMEOUT_SECONDS = 10
# 429 with this message: the month's messages are used up — retrying this month cannot help.
MONTHLY_LIMIT = "monthly limit"


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
    """The LINE messages for ``message``: a text (title, lead, facts, link) and a buttons
    template with the one-tap answers of its kind and a button that opens Yorisoi."""
    from supporters.notify.actions import ACCEPT, DECLINE, links_for
    from supporters.notify.messages import render_message

    rendered = render_message(message.kind, message.link, message.locale, message.params)
    lines = [
        rendered.title,
        rendered.lead,
        *(f"{label}: {value}" for label, value in rendered.facts),
    ]
    text = "\n".join([*lines, rendered.url])[:TEXT_LIMIT]
    taps = links_for(message.kind, message.link, message.user_id, now, message_id=message.id)
    with force_locale(message.locale or "ja"):
        labels = {ACCEPT: _("Accept"), DECLINE: _("Decline")}
        actions = [
            PostbackAction(
                label=labels.get(tap.action, _("I will come"))[:LABEL_LIMIT],
                data=f"a={tap.signed}",
                display_text=labels.get(tap.action, _("I will come")),
            )
            for tap in taps
        ]
        if len(rendered.url) <= URI_LIMIT:
            actions.append(URIAction(label=_("Open Yorisoi")[:LABEL_LIMIT], uri=rendered.url))
    found = [TextMessage(text=text)]
    if actions:
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
        """Push. 409 (this retry key was accepted before) is success; 429 and 5xx are retried,
        except the month's limit; other 4xx are final (the message falls back)."""
        request = PushMessageRequest(to=message.recipient, messages=line_messages(message))
        try:
            api().push_message(
                request, x_line_retry_key=retry_key(message), _request_timeout=TIMEOUT_SECONDS
            )
        except ApiException as error:
            status = error.status or 500
            if status == 409:  # LINE accepted this retry key before: sent once already
                return
            body = _error_body(error)
            reason = str((body or {}).get("message", "")).lower()
            if status == 429 and MONTHLY_LIMIT in reason:
                raise PermanentDeliveryError(
                    "LINE: the monthly message limit is reached"
                ) from error
            if status == 429 or status >= 500:
                raise
            if _about_the_recipient(status, body):
                _mark_gone(message.recipient)
            raise PermanentDeliveryError(f"LINE refused the push ({status})") from error


def _error_body(error: ApiException) -> dict | None:
    """LINE's JSON error body (``message``, ``details``); None if the answer is not LINE's."""
    try:
        body = json.loads(error.body or b"{}")
    except ValueError:  # e.g. a proxy's HTML page
        return None
    return body if isinstance(body, dict) else None


def _about_the_recipient(status: int, body: dict | None) -> bool:
    """Whether LINE refused *this user* (unknown, blocked us, not a friend) rather than our
    token (401, 403) or our request body (a 400 with ``details``: our bug to fix). An answer
    that is not LINE's unlinks nobody on a guess."""
    if status == 404:
        return True
    return status == 400 and body is not None and not body.get("details")


def _mark_gone(line_user_id: str) -> None:
    """LINE refused this user (blocked us, or unknown): skip the address until re-linked."""
    db.session.execute(
        update(ChannelAddress)
        .where(ChannelAddress.channel == "line", ChannelAddress.address == line_user_id)
        .values(failed_at=utcnow())
    )


def monthly_usage() -> dict | None:
    """This month's pushed message count, LINE's target limit and the plan's (for the console).

    ``used`` is LINE's ``quota/consumption``; ``limit`` is the target limit set in LINE (None
    when there is none); ``plan`` is ``LINE_MONTHLY_QUOTA`` (the messages the programme's plan
    includes, None when unset). None when LINE cannot be asked (not configured, unreachable).
    """
    if not LineChannel().configured():
        return None
    try:
        client = api()
        used = client.get_message_quota_consumption(_request_timeout=TIMEOUT_SECONDS).total_usage
        quota = client.get_message_quota(_request_timeout=TIMEOUT_SECONDS)
    except Exception as error:  # the console shows "unknown" rather than failing
        log.warning("LINE quota unavailable: %s", type(error).__name__)
        return None
    kind = str(getattr(quota.type, "value", quota.type))
    return {
        "used": used,
        "limit": quota.value if kind == "limited" else None,
        "type": kind,
        "plan": current_app.config.get("LINE_MONTHLY_QUOTA") or None,
    }
