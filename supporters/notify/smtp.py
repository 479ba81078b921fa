"""E-mail over SMTP with the standard library: UTF-8, encoded headers, STARTTLS and login."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app

from supporters.clock import JST, utcnow
from supporters.models import OutboxMessage
from supporters.notify.channels import PermanentDeliveryError


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row (Japanese subjects become RFC 2047 encoded-words)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow().astimezone(JST))
    email["Message-ID"] = _message_id(message, sender)
    # RFC 3834: tells auto-responders (holiday replies) not to answer.
    email["Auto-Submitted"] = "auto-generated"
    # 8-bit bodies need the server's 8BITMIME; base64 is safe everywhere and usual for Japanese.
    body = message.body + one_tap_lines(message)
    cte = None if body.isascii() else "base64"
    email.set_content(body, charset="utf-8", cte=cte)
    return email


def one_tap_lines(message: OutboxMessage) -> str:
    """The message's one-tap links (accept / decline / confirm), made now, in its language."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from supporters.notify.actions import ACCEPT, DECLINE, links_for

    links = links_for(message.kind, message.link, message.user_id, message_id=message.id)
    if not links:
        return ""
    with force_locale(message.locale or "ja"):
        labels = {
            ACCEPT: _("Accept with one tap:"),
            DECLINE: _("Decline with one tap:"),
        }
        lines = [f"{labels.get(a.action, _('Confirm with one tap:'))}\n{a.url}" for a in links]
    return "\n" + "\n\n".join(lines) + "\n"


def _message_id(message: OutboxMessage, sender: str) -> str:
    """The same Message-ID on every attempt, so a repeated delivery can be recognised."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    created = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<outbox.{message.id}.{created}@{domain}>"


class SmtpChannel:
    """Sends outbox e-mail through the SMTP server in the app's ``MAIL_*`` settings."""

    name = "email"

    def configured(self) -> bool:
        """E-mail is always on: ``MAIL_SERVER`` has a default (localhost)."""
        return bool(current_app.config.get("MAIL_SERVER"))

    def send(self, message: OutboxMessage) -> None:
        """Deliver one e-mail; a recipient refused with a 5xx code is a permanent failure."""
        config = current_app.config
        email = build_email(message, config["MAIL_SENDER"])
        try:
            with smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            ) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(email, to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentDeliveryError(f"recipient refused ({codes[0]})") from error
            raise
