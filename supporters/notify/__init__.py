"""Notifications: an in-app list per user, and messages (e-mail today) sent through an outbox.

``notify_supporter`` / ``notify_users`` add the in-app line and queue the message in the caller's
transaction, so a message exists exactly when the change that caused it was committed.
``deliver_pending`` (run by ``flask outbox deliver`` from cron) sends what is due, with retries.
Messages say only what happened and where to look: never names, health or residence details.
"""

from supporters.notify.channels import (
    Channel,
    PermanentDeliveryError,
    get_channel,
    register_channel,
)
from supporters.notify.delivery import DeliveryReport, deliver_pending, outbox_counts
from supporters.notify.inbox import mark_read, recent, unread_count
from supporters.notify.messages import KINDS, kind_title, render_message
from supporters.notify.service import notify_supporter, notify_users
from supporters.notify.smtp import SmtpChannel

__all__ = [
    "KINDS",
    "Channel",
    "DeliveryReport",
    "PermanentDeliveryError",
    "SmtpChannel",
    "deliver_pending",
    "get_channel",
    "kind_title",
    "mark_read",
    "notify_supporter",
    "notify_users",
    "outbox_counts",
    "recent",
    "register_channel",
    "render_message",
    "unread_count",
]
