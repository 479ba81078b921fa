"""Taking in a help request: consent first, then the request itself, with a reference number.

Used by the coordinators' console (a phone call) and by the public form (the resident). Either
way the consent record is written before — and in the same transaction as — any personal data.
"""

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select

from supporters import audit
from supporters.clock import JST
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.help_requests.errors import RequestError
from supporters.models import (
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
from supporters.textrules import name_problem

# No 0/O, 1/I/L: residents read these out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_DURATION_MINUTES = 12 * 60


@dataclass(frozen=True)
class ConsentGiven:
    """The privacy notice the resident was shown, in which language, and how they agreed."""

    notice_version: str
    language_shown: str
    channel: ConsentChannel


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


def new_reference() -> str:
    """A random, unique, easy-to-read reference such as ``R-7KQ2-M4XD``."""
    while True:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"R-{chars[:4]}-{chars[4:]}"
        taken = db.session.scalar(select(exists().where(HelpRequest.reference == reference)))
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


def validate(draft: RequestDraft) -> dict[str, str]:
    """Per-field problems with a draft (empty when it can be stored)."""
    problems: dict[str, str] = {}
    if db.session.get(Municipality, draft.municipality_code) is None:
        problems["municipality_code"] = _("Choose a municipality from the list.")
    if draft.language_code and db.session.get(Language, draft.language_code) is None:
        problems["language_code"] = _("Choose a language from the list.")
    if draft.starts_at.tzinfo is None or draft.ends_at.tzinfo is None:
        raise ValueError("request times must be timezone-aware")
    start, end = draft.starts_at.astimezone(JST), draft.ends_at.astimezone(JST)
    if end <= start:
        problems["ends_at"] = _("The end time must be after the start time.")
    elif start.date() != end.date():
        problems["ends_at"] = _("The time window must be within one day.")
    if not 10 <= draft.duration_minutes <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = _("Expected duration must be 10 to 720 minutes.")
    elif end > start and draft.duration_minutes > (end - start) / timedelta(minutes=1):
        problems["duration_minutes"] = _("The expected duration is longer than the time window.")
    if not draft.requester_name.strip():
        problems["requester_name"] = _("Enter the name of the person who needs help.")
    elif problem := name_problem(draft.requester_name):
        problems["requester_name"] = str(problem)
    if not draft.requester_contact.strip():
        problems["requester_contact"] = _("Enter a phone number or e-mail address.")
    return problems


def take_request(draft: RequestDraft, consent: ConsentGiven, by: User | None) -> HelpRequest:
    """Record consent and the request (status ``new``); ``by`` is None for the public form."""
    problems = validate(draft)
    if problems:
        raise RequestError("invalid", _("Please correct the marked fields."), problems)
    if not consent.notice_version:
        raise RequestError("consent_required", _("Consent to the privacy notice is required."))

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
    return request
