"""A supporter's private iCal feed: the secret link (only its hash stored) and the VCALENDAR.

The feed is read by calendar apps without a sign-in, so it says only what a lock screen may
show: the kind of help (in person / phone / video), the municipality and the time, with a link
to the assignment page (which asks for a sign-in). No category, place name, resident or need.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from supporters import audit
from supporters.activities.ics import CalendarEvent, escape_text, fold
from supporters.calendar.service import assignments_between
from supporters.extensions import db
from supporters.help_requests.candidates import COMMITTED
from supporters.i18n import localized_name
from supporters.labels import MODE_LABELS
from supporters.links import absolute_url
from supporters.models import CalendarFeed, HelpRequest, RequestStatus, Supporter, User

# What the feed lists: from a month back to a year ahead; cancelled ones as STATUS:CANCELLED.
PAST, AHEAD = timedelta(days=31), timedelta(days=366)
FEED_STATUSES = (*COMMITTED, RequestStatus.CANCELLED)


def token_hash(token: str) -> str:
    """The SHA-256 of a feed secret (what the table keeps)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def has_feed(supporter: Supporter) -> bool:
    """Whether ``supporter`` has a live feed link."""
    return (
        db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.supporter_id == supporter.id))
        is not None
    )


def renew(supporter: Supporter) -> str:
    """Make a new secret link for ``supporter`` (an old one stops working); returns the secret,
    which is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.supporter_id == supporter.id))
    feed = CalendarFeed(supporter_id=supporter.id, token_hash=token_hash(token))
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed.renew", supporter)
    return token


def revoke(supporter: Supporter) -> bool:
    """Stop ``supporter``'s feed link; False if there was none."""
    gone = db.session.execute(
        delete(CalendarFeed).where(CalendarFeed.supporter_id == supporter.id)
    ).rowcount
    if gone:
        audit.record("calendar_feed.revoke", supporter)
    return bool(gone)


def supporter_for(token: str) -> Supporter | None:
    """The supporter whose live link carries ``token``, or None."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(Supporter)
        .join(CalendarFeed, CalendarFeed.supporter_id == Supporter.id)
        .where(CalendarFeed.token_hash == token_hash(token))
    )


def summary_of(item: HelpRequest) -> str:
    """ "Yorisoi: In person (Koga)" in the current language: never the category."""
    return _(
        "Yorisoi: %(what)s (%(where)s)",
        what=MODE_LABELS[item.mode],
        where=localized_name(item.municipality),
    )


def event_of(item: HelpRequest) -> CalendarEvent:
    """The assignment as a calendar event (the same UID as its single ``.ics``)."""
    return CalendarEvent(
        uid=f"request-{item.id}@yorisoi",
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        summary=summary_of(item),
        url=absolute_url("portal.assignment", request_id=item.id),
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_of(events: list[tuple[CalendarEvent, bool]], now: datetime, name: str) -> str:
    """A VCALENDAR (METHOD:PUBLISH) of ``(event, cancelled)`` pairs, CRLF line endings."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Yorisoi//Supporter calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for event, cancelled in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(event.starts_at)}",
            f"DTEND:{_stamp(event.ends_at)}",
            f"SUMMARY:{escape_text(event.summary)}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        ]
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def feed_for(supporter: Supporter, now: datetime) -> str:
    """The supporter's feed in their own language."""
    locale = db.session.scalar(select(User.locale).where(User.supporter_id == supporter.id))
    items = assignments_between(
        now - PAST, now + AHEAD, supporter_id=supporter.id, statuses=FEED_STATUSES
    )
    with force_locale(locale or "ja"):
        events = [(event_of(i), i.status == RequestStatus.CANCELLED) for i in items]
        name = _("Yorisoi")
    return calendar_of(events, now, name)
