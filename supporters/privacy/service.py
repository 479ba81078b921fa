"""Correcting and anonymising a resident's personal data. Writes flush, never commit; each one
adds an audit event. Retention (``flask privacy purge``) uses the same ``anonymise_request``.

Anonymising keeps every row (so past reports count exactly what they counted) and replaces what
could identify the resident: the personal fields become ``ANONYMISED`` or empty, the resident
key is dropped, and free-text notes about the request (history notes, decline notes, case-log
notes) are cleared. The audit trail is kept as it is.
"""

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.help_requests import intake
from supporters.models import Activity, HelpRequest, Offer, RequestEvent, RequestStatus, User
from supporters.privacy.records import ResidentFile
from supporters.refusals import Refused

# The marker left in the name and contact columns (both are required columns).
ANONYMISED = "[anonymised]"
# Requests still being worked on: anonymise them only after they are cancelled or closed.
ACTIVE_STATUSES = frozenset(
    {RequestStatus.NEW, RequestStatus.OFFERED, RequestStatus.ASSIGNED, RequestStatus.UNFILLED}
)
MAX_REASON = 500


@dataclass(frozen=True)
class PersonalFields:
    """The personal fields of one request, as the resident wants them corrected."""

    requester_name: str
    requester_contact: str
    requester_nationality: str | None
    residence_status: str
    need: str
    place_name: str
    place_address: str

    @classmethod
    def of(cls, request: HelpRequest) -> "PersonalFields":
        """The fields as they are stored now."""
        return cls(**{f.name: getattr(request, f.name) for f in fields(cls)})


FIELD_NAMES = tuple(f.name for f in fields(PersonalFields))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            _("Give the reason (for example, the resident's request and its date)."), "reason"
        )
    if len(reason) > MAX_REASON:
        raise Refused(_("At most %(n)d characters, please.", n=MAX_REASON), "reason")
    return reason


def _problems(request: HelpRequest, wanted: PersonalFields) -> dict[str, str]:
    """Field problems with the corrected values: the intake's own rules, nothing added here."""
    draft = intake.RequestDraft(
        category=request.category,
        mode=request.mode,
        language_code=request.language_code,
        municipality_code=request.municipality_code,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        duration_minutes=request.duration_minutes,
        source=request.source,
        urgency=request.urgency,
        preferred_gender=request.preferred_gender,
        **{name: getattr(wanted, name) or "" for name in FIELD_NAMES},
    )
    return {k: v for k, v in intake.validate(draft).items() if k in FIELD_NAMES}


def correct(request: HelpRequest, wanted: PersonalFields, reason: str, by: User) -> list[str]:
    """Correct the personal fields of ``request`` (APPI Art. 34); returns the fields changed.

    A new contact gets a new resident key. Refused with field errors when a value breaks the
    intake's rules, and when the request has been anonymised already.
    """
    if request.anonymised_at is not None:
        raise Refused(_("This request has been anonymised: nothing to correct."), code="anonymised")
    reason = _reason(reason)
    wanted = PersonalFields(
        **{
            name: (getattr(wanted, name) or "").strip()
            for name in FIELD_NAMES
            if name != "requester_nationality"
        },
        requester_nationality=(wanted.requester_nationality or "").strip().upper() or None,
    )
    problems = _problems(request, wanted)
    if problems:
        raise Refused(_("Please correct the marked fields."), fields=problems)
    changed = [name for name in FIELD_NAMES if getattr(request, name) != getattr(wanted, name)]
    if not changed:
        raise Refused(_("Nothing was changed."), code="unchanged")
    for name in changed:
        setattr(request, name, getattr(wanted, name))
    if "requester_contact" in changed:
        request.resident_key = intake.resident_key(wanted.requester_contact)
    db.session.flush()
    audit.record(
        "privacy_corrected", request, f"fields={','.join(changed)}; reason={reason}", user=by
    )
    return changed


def anonymise_request(
    request: HelpRequest,
    detail: str,
    by: User | None,
    now: datetime | None = None,
    action: str = "privacy_anonymised",
) -> bool:
    """Replace what identifies the resident in ``request``; False if it was done before."""
    if request.anonymised_at is not None:
        return False
    request.requester_name = ANONYMISED
    request.requester_contact = ANONYMISED
    request.requester_nationality = None
    request.residence_status = ""
    request.need = ""
    request.place_name = ""
    request.place_address = ""
    request.resident_key = ""
    request.anonymised_at = now or utcnow()
    for model, column in ((RequestEvent, "note"), (Offer, "decline_note"), (Activity, "notes")):
        db.session.execute(
            update(model)
            .where(model.request_id == request.id, getattr(model, column) != "")
            .values({column: ""})
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    audit.record(action, request, detail, user=by)
    return True


def anonymise_resident(file: ResidentFile, reason: str, by: User) -> int:
    """Anonymise every request of a resident (APPI Art. 35); returns how many were changed.

    Refused while one of them is still being worked on (cancel or close it first), so a
    supporter on their way is never left without the resident's contact.
    """
    reason = _reason(reason)
    active = [
        item.reference
        for item in file.requests
        if item.status in ACTIVE_STATUSES and item.anonymised_at is None
    ]
    if active:
        raise Refused(
            _(
                "Cancel or close these requests first: %(references)s",
                references=", ".join(active),
            ),
            code="still_open",
        )
    now = utcnow()
    return sum(anonymise_request(item, f"reason={reason}", by, now) for item in file.requests)
