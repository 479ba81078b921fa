"""SMS through a configurable HTTP gateway (off until ``SMS_GATEWAY_URL`` is set).

The gateway contract (docs/decisions.md, "SMS gateway"): ``POST SMS_GATEWAY_URL`` with
``Authorization: Bearer SMS_GATEWAY_TOKEN`` and the JSON ``{"to": "+819012345678", "from":
SMS_SENDER, "text": "...", "reference": "yorisoi-outbox-12"}``; any 2xx is accepted, 429 and 5xx
are retried, other 4xx are permanent (the next channel is tried). The text is short: the title,
when, where, and the link — at most three segments. Text in the GSM 7-bit alphabet fits 160
characters in one segment (153 each when split); anything else (Japanese, Vietnamese, Thai …) is
sent as UCS-2: 70 UTF-16 units in one segment, 67 each when split (the rest is the header that
joins them). The link is never cut; the words before it are.
"""

import json
import math
import urllib.error
import urllib.request

from flask import current_app

from supporters.models import OutboxMessage
from supporters.notify.channels import PermanentDeliveryError

SEGMENT = 70  # UCS-2 units in a single-segment SMS
MAX_SEGMENTS = 3
TIMEOUT = 10
# (single, per part of a split message) for each encoding.
CAPACITY = {"gsm": (160, 153), "ucs2": (70, 67)}
# The GSM 03.38 default alphabet, and its extension table (each of those costs two septets).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
# Typography that would turn an otherwise GSM text (English, Spanish …) into UCS-2 and cost
# twice the segments: CLDR's narrow no-break space in "10:00 AM", the en dash of a time range.
GSM_LOOKALIKES = str.maketrans(
    {
        "\u202f": " ",
        "\u00a0": " ",
        "\u2009": " ",
        "–": "-",
        "—": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
    }
)


def encoding(text: str) -> str:
    """``gsm`` if every character is in the GSM 7-bit alphabet, else ``ucs2``."""
    return "gsm" if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text) else "ucs2"


def units(text: str) -> int:
    """The text's length as the network counts it: septets (GSM) or UTF-16 units (UCS-2)."""
    if encoding(text) == "gsm":
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments ``text`` is sent as."""
    single, part = CAPACITY[encoding(text)]
    length = units(text)
    return 1 if length <= single else math.ceil(length / part)


def shorten(head: str, tail: str, max_segments: int = MAX_SEGMENTS) -> str:
    """``head``, newline, ``tail`` in at most ``max_segments``, cutting ``head`` if needed."""
    text = f"{head}\n{tail}" if head else tail
    if segments(text) <= max_segments:
        return text
    while head:
        head = head[:-1].rstrip()
        ellipsis = "…" if encoding(head + tail) == "ucs2" else "..."
        text = f"{head}{ellipsis}\n{tail}"
        if segments(text) <= max_segments:
            return text
    return tail


def sms_text(message: OutboxMessage) -> str:
    """The SMS for ``message`` in its language: title, when, area (and language), link."""
    from supporters.notify.messages import render_message

    rendered = render_message(message.kind, message.link, message.locale, message.params)
    facts = " ".join(value for label, value in rendered.facts if value)
    head = f"{rendered.title}: {facts}" if facts else rendered.title
    plain = head.translate(GSM_LOOKALIKES)
    return shorten(plain if encoding(plain) == "gsm" else head, rendered.url)


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
            "from": config.get("SMS_SENDER") or "Yorisoi",
            "text": sms_text(message),
            "reference": f"yorisoi-outbox-{message.id}",
        }
        request = urllib.request.Request(
            config["SMS_GATEWAY_URL"],
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={
                "Authorization": f"Bearer {config.get('SMS_GATEWAY_TOKEN', '')}",
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": payload["reference"],
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
