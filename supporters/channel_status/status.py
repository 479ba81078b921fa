"""What the Channels page shows, read from the settings, the outbox and the channels' failures.

For each channel (e-mail, LINE, Web Push, SMS): whether it is configured (settings named, never
their values), a problem with a setting that is present but unusable, how many people it
reaches, the last message it delivered, its last failure (``ChannelFailure``: a message that
failed on LINE and reached the person by e-mail counts as a LINE failure), and this month's
messages by status. For LINE, the month's pushes against the plan (``line.monthly_usage``).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import case, func, select

from supporters.clock import JST, utcnow
from supporters.extensions import db
from supporters.models import ChannelAddress, ChannelFailure, OutboxMessage, OutboxStatus
from supporters.notify.channels import get_channel

log = logging.getLogger(__name__)

CHANNELS = ("email", "line", "webpush", "sms")
# The settings each channel reads; the page says only whether each is set.
SETTINGS = {
    "email": ("MAIL_SERVER", "MAIL_PORT", "MAIL_SENDER", "MAIL_USERNAME", "MAIL_PASSWORD"),
    "line": (
        "LINE_CHANNEL_ACCESS_TOKEN",
        "LINE_CHANNEL_SECRET",
        "LINE_FRIEND_URL",
        "LINE_MONTHLY_QUOTA",
    ),
    "webpush": ("VAPID_PRIVATE_KEY", "VAPID_SUBJECT"),
    "sms": ("SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "SMS_SENDER"),
}
# Past this share of the plan, the LINE figure is flagged.
LINE_WARNING_SHARE = 0.9

OFF, PROBLEM, FAILING, WORKING, UNUSED = "off", "problem", "failing", "working", "unused"


@dataclass
class ChannelStatus:
    """One channel as the page shows it."""

    name: str
    configured: bool
    settings: list[tuple[str, bool]]
    problems: list[str] = field(default_factory=list)  # codes: see routes.PROBLEM_LABELS
    people: int = 0
    gone: int = 0
    last_sent_at: datetime | None = None
    last_failure: ChannelFailure | None = None
    month: dict[str, int] = field(default_factory=dict)
    month_failures: int = 0

    @property
    def state(self) -> str:
        """off, problem, failing (its last attempt failed), working, or unused (nothing yet)."""
        if not self.configured:
            return OFF
        if self.problems:
            return PROBLEM
        failed_at = self.last_failure.failed_at if self.last_failure is not None else None
        if failed_at is not None and (self.last_sent_at is None or failed_at > self.last_sent_at):
            return FAILING
        return WORKING if self.last_sent_at is not None else UNUSED


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s calendar month in Japan time."""
    local = now.astimezone(JST)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overview(now: datetime | None = None) -> list[ChannelStatus]:
    """Every channel's status, in the order of ``CHANNELS``."""
    now = now or utcnow()
    since = month_start(now)
    found = {name: _settings(name) for name in CHANNELS}
    for name, sent_at in db.session.execute(
        select(OutboxMessage.channel, func.max(OutboxMessage.sent_at))
        .where(OutboxMessage.status == OutboxStatus.SENT)
        .group_by(OutboxMessage.channel)
    ):
        if name in found:
            found[name].last_sent_at = sent_at
    for name, status, count in db.session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count())
        .where(OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ):
        if name in found:
            found[name].month[OutboxStatus(status).value] = count
    for name, count in db.session.execute(
        select(ChannelFailure.channel, func.count())
        .where(ChannelFailure.failed_at >= since)
        .group_by(ChannelFailure.channel)
    ):
        if name in found:
            found[name].month_failures = count
    gone = case((ChannelAddress.failed_at.is_not(None), 1), else_=0)
    for name, people, gone_count in db.session.execute(
        select(
            ChannelAddress.channel,
            func.count(func.distinct(ChannelAddress.user_id)),
            func.sum(gone),
        ).group_by(ChannelAddress.channel)
    ):
        if name in found:
            found[name].people, found[name].gone = people, int(gone_count or 0)
    for status in found.values():
        status.last_failure = db.session.scalar(
            select(ChannelFailure)
            .where(ChannelFailure.channel == status.name)
            .order_by(ChannelFailure.failed_at.desc(), ChannelFailure.id.desc())
            .limit(1)
        )
    return [found[name] for name in CHANNELS]


def _settings(name: str) -> ChannelStatus:
    config = current_app.config
    channel = get_channel(name)
    return ChannelStatus(
        name=name,
        configured=bool(channel is not None and channel.configured()),
        settings=[(key, _is_set(config.get(key))) for key in SETTINGS[name]],
        problems=_problems(name),
    )


def _is_set(value) -> bool:
    return value not in (None, "", 0)


def _problems(name: str) -> list[str]:
    """Settings that are present but cannot work (checked without contacting anyone)."""
    config = current_app.config
    problems = []
    if name == "webpush" and config.get("VAPID_PRIVATE_KEY"):
        from supporters.notify.webpush import public_key

        try:
            public_key()
        except Exception:  # any parse error: the page names the setting, not the error
            problems.append("vapid_key")
        subject = config.get("VAPID_SUBJECT") or ""
        if subject and not subject.startswith(("mailto:", "https://")):
            problems.append("vapid_subject")
    if name == "sms" and config.get("SMS_GATEWAY_URL"):
        url = urlsplit(config["SMS_GATEWAY_URL"])
        if url.scheme not in ("http", "https") or not url.hostname:
            problems.append("sms_url")
        if not config.get("SMS_GATEWAY_TOKEN"):
            problems.append("sms_token")
    return problems


@dataclass(frozen=True)
class LineUsage:
    """This month's LINE pushes against the plan and LINE's own limit (None: not known)."""

    used: int
    plan: int | None
    limit: int | None

    @property
    def near_plan(self) -> bool:
        """Whether the month's pushes have used most of the plan (or LINE's limit)."""
        ceiling = min(x for x in (self.plan, self.limit, float("inf")) if x)
        return ceiling != float("inf") and self.used >= ceiling * LINE_WARNING_SHARE


def line_usage() -> LineUsage | None:
    """The LINE figures from ``supporters.notify.line.monthly_usage``; None if not available."""
    try:
        from supporters.notify import line
    except ImportError:
        return None
    usage = getattr(line, "monthly_usage", None)
    if usage is None:
        return None
    try:
        found = usage()
    except Exception as error:  # the page shows "unknown" rather than failing
        log.warning("LINE usage unavailable: %s", type(error).__name__)
        return None
    if not isinstance(found, dict) or not isinstance(found.get("used"), int):
        return None
    return LineUsage(found["used"], found.get("plan") or None, found.get("limit") or None)
