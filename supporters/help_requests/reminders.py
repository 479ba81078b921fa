"""Reminders before an assignment: the supporter confirms, the coordinator hears of silence,
the resident is reminded the day before.

- **Confirm or release.** ``CONFIRM_REMINDER_HOURS`` (72 and 24) before the start, an assigned
  supporter who has not confirmed gets ``assignment_confirm`` (the message's one-tap link and
  the assignment page's button both call ``confirmation.confirm``). Still unconfirmed
  ``UNCONFIRMED_ALERT_HOURS`` (12) before the start, the coordinators get
  ``assignment_unconfirmed`` and the request heads the dashboard's queue; they may release it.
- **The resident**, the day before (JST) between ``RESIDENT_REMINDER_HOUR`` (10:00) and
  ``QUIET_FROM_HOUR`` (21:00), only where they asked for it (``HelpRequest.remind_consent``, the
  public form's "remind me" box: the privacy notice alone does not cover an automatic message)
  and the contact is an e-mail address — or a mobile number when SMS is configured: the date,
  time and municipality, in the language they were given the privacy notice in. Never the
  category, the need, the place or a name.

Every message has a ``dedupe_key`` per request and threshold, so the worker's tick (every 15
minutes) may run as often as it likes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from supporters.clock import JST, utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, OutboxMessage, OutboxStatus, RequestStatus

RESIDENT_LINK = "/help/"
QUIET_FROM_HOUR = 21  # no message to a resident late in the evening (JST); tomorrow is too late
MOBILE_PREFIXES = ("070", "080", "090", "+8170", "+8180", "+8190")


@dataclass
class ReminderReport:
    """What one run queued."""

    confirm: int = 0
    unconfirmed: int = 0
    resident: int = 0


def thresholds() -> list[float]:
    """The hours before the start at which supporters are asked to confirm, largest first."""
    raw = str(current_app.config.get("CONFIRM_REMINDER_HOURS", "72,24"))
    return sorted((float(part) for part in raw.split(",") if part.strip()), reverse=True)


def run(now: datetime | None = None) -> ReminderReport:
    """Queue every reminder that is due and not yet queued (idempotent)."""
    from supporters.help_requests.offers import message_facts

    now = now or utcnow()
    hours = thresholds()
    horizon = max([*hours, float(current_app.config.get("UNCONFIRMED_ALERT_HOURS", 12)), 48])
    coming = db.session.scalars(
        select(HelpRequest).where(
            HelpRequest.status == RequestStatus.ASSIGNED,
            HelpRequest.starts_at > now,
            HelpRequest.starts_at <= now + timedelta(hours=horizon),
        )
    ).all()
    report = ReminderReport()
    for request in coming:
        left = (request.starts_at - now).total_seconds() / 3600
        facts = message_facts(request)
        if request.confirmed_at is None:
            report.confirm += _ask_to_confirm(request, left, hours, facts)
            report.unconfirmed += _alert_if_silent(request, left, facts)
        report.resident += _remind_resident(request, now)
    db.session.flush()
    return report


def _ask_to_confirm(request: HelpRequest, left: float, hours: list[float], facts: dict) -> int:
    """The reminder for the nearest threshold already passed (72 h, then 24 h)."""
    from supporters.notify.service import already_queued, notify_supporter

    passed = [h for h in hours if left <= h]
    if not passed or request.assigned_supporter is None:
        return 0
    key = f"confirm{passed[-1]:g}:r{request.id}:s{request.assigned_supporter_id}"
    if already_queued(key):
        return 0
    notify_supporter(
        request.assigned_supporter,
        "assignment_confirm",
        f"/me/assignments/{request.id}",
        facts,
        dedupe_key=key,
    )
    return 1


def _alert_if_silent(request: HelpRequest, left: float, facts: dict) -> int:
    """Tell the coordinators once when an assignment is still unconfirmed close to its start."""
    from supporters.help_requests.offers import staff_to_tell
    from supporters.notify.service import already_queued, notify_users

    if left > float(current_app.config.get("UNCONFIRMED_ALERT_HOURS", 12)):
        return 0
    key = f"unconfirmed:r{request.id}:s{request.assigned_supporter_id}"  # again after a release
    staff = staff_to_tell(request)
    if not staff or already_queued(f"{key}:u{staff[0].id}"):
        return 0
    notify_users(staff, "assignment_unconfirmed", f"/requests/{request.id}", facts, key)
    return 1


def _remind_resident(request: HelpRequest, now: datetime) -> int:
    """The day-before reminder to the resident, where their contact allows one."""
    from supporters.notify.channels import get_channel
    from supporters.notify.messages import render_message

    if not request.remind_consent or request.anonymised_at is not None:
        return 0
    local_now, local_start = now.astimezone(JST), request.starts_at.astimezone(JST)
    if local_start.date() - local_now.date() != timedelta(days=1):
        return 0
    first_hour = int(current_app.config.get("RESIDENT_REMINDER_HOUR", 10))
    if not first_hour <= local_now.hour < QUIET_FROM_HOUR:
        return 0
    contact = (request.requester_contact or "").strip()
    if "@" in contact:
        channel = "email"
    elif _is_mobile(contact) and (sms := get_channel("sms")) is not None and sms.configured():
        channel, contact = "sms", _e164(contact)
    else:
        return 0
    key = f"resident:r{request.id}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return 0
    locale = resident_locale(request)
    facts = {
        "starts_at": request.starts_at.isoformat(),
        "ends_at": request.ends_at.isoformat(),
        "municipality_code": request.municipality_code,
    }
    rendered = render_message("resident_reminder", RESIDENT_LINK, locale, facts)
    db.session.add(
        OutboxMessage(
            channel=channel,
            recipient=contact,
            subject=rendered.subject,
            body=rendered.body,
            kind="resident_reminder",
            status=OutboxStatus.PENDING,
            attempts=0,
            locale=locale,
            link=RESIDENT_LINK,
            params=facts,
            dedupe_key=key,
        )
    )
    return 1


def resident_locale(request: HelpRequest) -> str:
    """The language the resident read the privacy notice in, as a public-form locale."""
    from supporters.i18n import match_public_locale

    shown = request.consent.language_shown if request.consent is not None else None
    locale = match_public_locale(shown)
    return locale.babel if locale is not None else "ja"


def _digits(contact: str) -> str:
    return "".join(ch for ch in contact if ch.isdigit() or ch == "+")


def _is_mobile(contact: str) -> bool:
    return _digits(contact).startswith(MOBILE_PREFIXES)


def _e164(contact: str) -> str:
    """A Japanese number as E.164: 090-1234-5678 → +819012345678."""
    digits = _digits(contact)
    return digits if digits.startswith("+") else "+81" + digits.lstrip("0")
