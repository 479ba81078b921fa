"""SMS through a configurable HTTP gateway (off until ``SMS_GATEWAY_URL`` is set).

The gateway contract (docs/decisions.md, "SMS gateway"): ``POST SMS_GATEWAY_URL`` with
``Authorization: Bearer SMS_GATEWAY_TOKEN`` and the JSON ``{"to": "+819012345678", "from":
SMS_SENDER, "text": "...", "reference": "yorisoi-outbox-12"}``; any 2xx is accepted, 429 and 5xx
are retried, other 4xx are permanent (the next channel is tried). The text is short: the title,
when, where, and the link — at most three 70-character segments (Japanese and other non-GSM
text is sent as UCS-2).
"""

import json
import urllib.error
import urllib.request

from flask import current_app

from supporters.models import OutboxMessage
from supporters.notify.channels import PermanentDeliveryError

SEGMENT = 70  # UCS-2 characters per SMS segment
MAX_SEGMENTS = 3
TIMEOUT = 10


def sms_text(message: OutboxMessage) -> str:
    """The SMS for ``message`` in its language: title, when, area and link, cut to size."""
    from supporters.notify.messages import render_message

    rendered = render_message(message.kind, message.link, message.locale, message.params)
    facts = " ".join(value for label, value in rendered.facts if label)
    head = f"{rendered.title}: {facts}".strip(": ") if facts else rendered.title
    room = SEGMENT * MAX_SEGMENTS - len(rendered.url) - 1
    if len(head) > room:
        head = head[: room - 1] + "…"
    return f"{head}\n{rendered.url}"


class SmsChannel:
    """Sends a message's short text to a phone number through the HTTP gateway."""

    name = "sms"

    def configured(self) -> bool:
        """On when ``SMS_GATEWAY_URL`` is set."""
        return bool(current_app.config.get("SMS_GATEWAY_URL"))

    def send(self, message: OutboxMessage) -> None:
        """POST the text; 2xx is sent, 429/5xx are retried, other 4xx are permanent."""
        config = current_app.config
        payload = {
            "to": message.recipient,
            "from": config.get("SMS_SENDER", "Yorisoi"),
            "text": sms_text(message),
            "reference": f"yorisoi-outbox-{message.id}",
        }
        request = urllib.request.Request(
            config["SMS_GATEWAY_URL"],
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={
                "Authorization": f"Bearer {config.get('SMS_GATEWAY_TOKEN', '')}",
                "Content-Type": "application/json; charset=utf-8",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise
            raise PermanentDeliveryError(f"SMS gateway refused ({error.code})") from error
