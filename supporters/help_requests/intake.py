"""Taking in a help request: consent first, then the request itself, with a reference number.

Used by the coordinators' console (a phone call), the public form (the resident) and the API
(``POST /api/v1/requests``). This module is the only place that checks a request: the forms and
the API schema only parse into a :class:`RequestDraft`, and :func:`take_request` either stores it
or raises :class:`~supporters.refusals.Refused` with a message per field. The messages are the
public form's (resident-facing, translated into every public language), so the same mistake reads
the same wherever it is made. The consent record is written before — and in the same transaction
as — any personal data.
"""

import calendar
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select

from supporters import audit
from supporters.clock import JST, today_jst, utcnow
from supporters.extensions import db
from supporters.help_requests import duplicates, lifecycle
from supporters.models import (
    GENDERS,
    SENSITIVE_CATEGORIES,
    Consent,
    ConsentChannel,
    HelpRequest,
    Language,
    Mode,
    Municipality,
    RequestCategory,
    RequestSource,
    RequestStatus,
    Urgency,
    User,
)
from supporters.refusals import Refused
from supporters.tenancy import across_programmes
from supporters.textrules import name_problem

# No 0/O, 1/I/L: residents read these out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MIN_DURATION_MINUTES = 10
MAX_DURATION_MINUTES = 12 * 60
MIN_WINDOW_MINUTES = 30  # the shortest time window a supporter can be asked for
MONTHS_AHEAD = 6  # how far ahead a request may be
# The longest text each field may hold (the forms use them as ``maxlength`` hints too).
MAX_LENGTHS = {
    "requester_name": 100,
    "requester_contact": 254,
    "place_name": 200,
    "place_address": 300,
    "residence_status": 60,
    "need": 4000,
}
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{8,18}[0-9]$")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff0d]")


@dataclass(frozen=True)
class ConsentGiven:
    """The privacy notice the resident was shown, in which language, and how they agreed."""

    notice_version: str
    language_shown: str
    channel: ConsentChannel
    agreed: bool = True  # the box the resident (or the coordinator for them) ticked


@dataclass(frozen=True)
class RequestDraft:
    """Everything a request needs, already parsed from a form or an API call."""

    category: RequestCategory
    mode: Mode
    language_code: str | None  # None: not specified / Easy Japanese
    municipality_code: str
    starts_at: datetime  # timezone-aware
    ends_at: datetime
    duration_minutes: int
    requester_name: str
    requester_contact: str
    source: RequestSource
    place_name: str = ""
    place_address: str = ""
    urgency: Urgency = Urgency.NORMAL
    preferred_gender: str | None = None
    requester_nationality: str | None = None
    residence_status: str = ""
    need: str = ""
    remind_consent: bool = False  # "remind me the day before" (reminders.py)


def new_reference() -> str:
    """A random, unique, easy-to-read reference such as ``R-7KQ2-M4XD``."""
    while True:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"R-{chars[:4]}-{chars[4:]}"
        taken = db.session.scalar(
            across_programmes(select(exists().where(HelpRequest.reference == reference)))
        )
        if not taken:
            return reference


def resident_key(contact: str) -> str:
    """A keyed hash of the resident's contact, so "helped this resident before" needs no copy.

    Phone numbers compare by digits, e-mail addresses case-insensitively, full-width or not.
    """
    text = unicodedata.normalize("NFKC", contact).strip().lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    canonical = text if "@" in text or len(digits) < 6 else digits
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()


def six_months_after(day: date) -> date:
    """The same day ``MONTHS_AHEAD`` months later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + MONTHS_AHEAD
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def normalise_phone(value: str) -> str:
    """Full-width digits and Japanese dashes (０９０ー１２３４) become ASCII (090-1234)."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", value or "")).strip()


def contact_problem(contact: str) -> str | None:
    """Why ``contact`` is neither a phone number nor an e-mail address (None if it is one)."""
    value = unicodedata.normalize("NFKC", contact or "").strip()
    if not value:
        return _("Enter a phone number or an e-mail address.")
    if "@" in value:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return _("This e-mail address does not look right.")
    elif not _PHONE.match(normalise_phone(value)):
        return _("Enter a phone number like 090-1234-5678.")
    return None


def _window_problems(draft: RequestDraft) -> dict[str, str]:
    """When: today or later, within six months, a window of 30 minutes or more in one day."""
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        raise ValueError("request times must be timezone-aware")
    problems: dict[str, str] = {}
    start, end = draft.starts_at.astimezone(JST), draft.ends_at.astimezone(JST)
    today = today_jst()
    if start.date() < today:
        problems["starts_at"] = _("Choose today or a later date.")
    elif start.date() > six_months_after(today):
        problems["starts_at"] = _("Choose a date within the next six months.")
    elif start < utcnow():
        problems["starts_at"] = _("This time has already passed.")
    window = (end - start) / timedelta(minutes=1)
    if window < MIN_WINDOW_MINUTES:
        problems["ends_at"] = _("The end time must be at least 30 minutes after the start time.")
    elif start.date() != end.date():
        problems["ends_at"] = _("The time window must be within one day.")
    if not MIN_DURATION_MINUTES <= draft.duration_minutes <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = _("Expected duration must be 10 to 720 minutes.")
    elif "ends_at" not in problems and draft.duration_minutes > window:
        problems["duration_minutes"] = _("This is longer than the time between start and end.")
    return problems


def _person_problems(draft: RequestDraft) -> dict[str, str]:
    """Who and what: name, contact, the free texts' lengths, nationality, preferred gender."""
    problems: dict[str, str] = {}
    if not (draft.requester_name or "").strip():
        problems["requester_name"] = _("Enter your name.")
    elif problem := name_problem(draft.requester_name):
        problems["requester_name"] = str(problem)
    if problem := contact_problem(draft.requester_contact):
        problems["requester_contact"] = problem
    for name, limit in MAX_LENGTHS.items():
        if name not in problems and len((getattr(draft, name) or "").strip()) > limit:
            problems[name] = _("Please keep this to %(max)d characters or fewer.", max=limit)
    nationality = draft.requester_nationality or ""
    if nationality and not (
        len(nationality) == 2 and nationality.isascii() and nationality.isalpha()
    ):
        problems["requester_nationality"] = _("Choose a country from the list.")
    if draft.preferred_gender and draft.preferred_gender not in GENDERS:
        problems["preferred_gender"] = _("Choose from the list.")
    return problems


def validate(draft: RequestDraft, consent: ConsentGiven | None = None) -> dict[str, str]:
    """Per-field problems with a draft (empty when it can be stored) — the only intake check.

    ``consent`` is checked when given: without agreement to the notice nothing is stored.
    """
    problems: dict[str, str] = {}
    if consent is not None and not (consent.agreed and consent.notice_version):
        problems["consent"] = _(
            "Please agree to the privacy notice. Without it we cannot take your request."
        )
    if not draft.municipality_code or (
        db.session.get(Municipality, draft.municipality_code) is None
        or not in_programme_area(draft.municipality_code)
    ):
        problems["municipality_code"] = _("Choose your city, town or village.")
    if draft.language_code and db.session.get(Language, draft.language_code) is None:
        problems["language_code"] = _("Choose your language.")
    problems.update(_window_problems(draft))
    problems.update(_person_problems(draft))
    return problems


def in_programme_area(municipality_code: str) -> bool:
    """Whether the programme takes requests in this municipality: those of its prefecture (the
    first two digits of the municipality's code are the prefecture's, JIS X 0401/0402). A
    programme without a prefecture (none started yet) takes any."""
    from supporters.programme.settings import current as programme_settings

    area = programme_settings().prefecture_code
    return not area or municipality_code.startswith(area)


def check(draft: RequestDraft, consent: ConsentGiven) -> None:
    """Raise :class:`Refused` (``invalid``, a message per field) unless the draft may be taken."""
    problems = validate(draft, consent)
    if problems:
        raise Refused(_("Please correct the marked fields."), fields=problems)


def take_request(draft: RequestDraft, consent: ConsentGiven, by: User | None) -> HelpRequest:
    """Record consent and the request (status ``new``); ``by`` is None for the public form.

    Raises :class:`Refused` with the fields to correct (nothing is written then).
    """
    check(draft, consent)

    consent_row = Consent(
        notice_version=consent.notice_version,
        language_shown=consent.language_shown,
        channel=consent.channel,
        recorded_by_id=by.id if by is not None else None,
    )
    db.session.add(consent_row)
    request = HelpRequest(
        reference=new_reference(),
        category=draft.category,
        mode=draft.mode,
        language_code=draft.language_code or None,
        municipality_code=draft.municipality_code,
        place_name=draft.place_name.strip(),
        place_address=draft.place_address.strip(),
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        duration_minutes=draft.duration_minutes,
        urgency=draft.urgency,
        preferred_gender=draft.preferred_gender or None,
        requester_name=draft.requester_name.strip(),
        requester_contact=draft.requester_contact.strip(),
        requester_nationality=(draft.requester_nationality or "").upper() or None,
        residence_status=draft.residence_status.strip(),
        need=draft.need.strip(),
        remind_consent=bool(draft.remind_consent),
        source=draft.source,
        sensitive=draft.category in SENSITIVE_CATEGORIES,
        resident_key=resident_key(draft.requester_contact),
        status=RequestStatus.NEW,
        consent=consent_row,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(request)
    db.session.flush()
    lifecycle.record(request, None, RequestStatus.NEW, by)
    audit.record("request_created", request, request.reference, user=by)
    # Never refused for it: a likely repeat is marked for the coordinators (duplicates.py).
    duplicates.flag_duplicates(request)
    return request
