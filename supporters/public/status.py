"""The residents' status page: a request's status in plain words, by reference and contact.

A resident types the reference number from the confirmation page and the phone number or
e-mail address they gave on the form (or on the request it was merged with); both must match
(phone numbers by digits, e-mail addresses case-insensitively, as ``intake.resident_key``
compares them). The page says only where the request is, in plain words, and its dates —
never a supporter's name, the need or anything else from the request (only, for an assigned
video request, its call link, which holds nothing but a random room name). Every lookup counts
against the public form's limits per address and per network, so guessing references is as
slow as sending requests; a wrong reference and a wrong contact get the same answer.
"""

import hmac
import unicodedata

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, SubmitField

from supporters.clock import JST
from supporters.extensions import db, limiter
from supporters.help_requests import video_rooms
from supporters.help_requests.intake import resident_key
from supporters.models import HelpRequest, RequestEvent, RequestStatus
from supporters.public import abuse
from supporters.public.routes import _address_limit, _network_limit, bp

# What each status means to the resident (no supporter, no need, no referral service named).
STATUS_WORDS = {
    RequestStatus.NEW: _l("We have received your request. A coordinator will contact you."),
    RequestStatus.OFFERED: _l("We are looking for a supporter who speaks your language."),
    RequestStatus.UNFILLED: _l(
        "We are still looking for a supporter. A coordinator will contact you."
    ),
    RequestStatus.ASSIGNED: _l("A supporter will help you. A coordinator tells you the details."),
    RequestStatus.COMPLETED: _l("The help has taken place. Thank you."),
    RequestStatus.CLOSED: _l("This request is finished."),
    RequestStatus.CANCELLED: _l("This request was cancelled."),
    RequestStatus.REFERRED: _l(
        "We could not find a supporter. A coordinator has suggested another service to you."
    ),
}
# Statuses whose appointment date is still worth showing.
SHOW_APPOINTMENT = {
    RequestStatus.NEW,
    RequestStatus.OFFERED,
    RequestStatus.UNFILLED,
    RequestStatus.ASSIGNED,
    RequestStatus.COMPLETED,
}


def _strip(value):
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


class StatusForm(FlaskForm):
    """The reference number and the contact given on the form (parsed only)."""

    reference = StringField(_l("Your reference number"), filters=[_strip])
    contact = StringField(_l("Phone number or e-mail"), filters=[_strip])
    submit = SubmitField(_l("Show the status"))


def find_request(reference: str, contact: str) -> HelpRequest | None:
    """The request with ``reference`` whose contact is ``contact`` (None if either is wrong)."""
    reference = (reference or "").upper().replace(" ", "")
    if not reference or not contact:
        return None
    if not reference.startswith("R-") and len(reference) == 9:  # typed without the "R-"
        reference = f"R-{reference}"
    found = db.session.scalar(
        select(HelpRequest).where(
            HelpRequest.reference == reference, HelpRequest.anonymised_at.is_(None)
        )
    )
    if found is None:
        return None
    given = resident_key(contact)
    # The contact written on this request; after a merge its key is the kept request's, so the
    # contact of either request opens it.
    own = resident_key(found.requester_contact) if found.requester_contact else ""
    if hmac.compare_digest(found.resident_key, given) or (own and hmac.compare_digest(own, given)):
        return found
    return None


def status_changed_on(help_request: HelpRequest):
    """The JST date of the request's last status change (its creation if it never moved)."""
    at = db.session.scalar(
        select(RequestEvent.at)
        .where(RequestEvent.request_id == help_request.id)
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(1)
    )
    return (at or help_request.created_at).astimezone(JST).date()


def merged_into_reference(help_request: HelpRequest) -> str | None:
    """The reference of the request this one was merged into (the resident sent the same request
    twice), or None."""
    from supporters.help_requests.duplicates import MERGED_INTO

    if help_request.status != RequestStatus.CANCELLED:
        return None
    params = db.session.scalar(
        select(RequestEvent.params)
        .where(RequestEvent.request_id == help_request.id, RequestEvent.code == MERGED_INTO)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )
    return (params or {}).get("reference") if params is not None else None


def _words(found: HelpRequest):
    """What the resident reads about ``found``'s status."""
    merged = merged_into_reference(found)
    if merged:
        return _l(
            "You sent this request twice. We keep it under reference number %(reference)s.",
            reference=merged,
        )
    return STATUS_WORDS.get(found.status)


def _every_lookup(response) -> bool:
    """Every lookup counts, found or not, so references cannot be guessed quickly."""
    return request.method == "POST"


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit(
    _address_limit, key_func=abuse.address_key, methods=["POST"], deduct_when=_every_lookup
)
@limiter.limit(
    _network_limit, key_func=abuse.network_key, methods=["POST"], deduct_when=_every_lookup
)
def status():
    """Ask for the reference and contact; answer with the status in plain words and its dates."""
    form = StatusForm()
    if request.method == "GET" and request.args.get("ref"):
        form.reference.data = _strip(request.args["ref"])[:20]
    found, problem = None, None
    if form.validate_on_submit():
        found = find_request(form.reference.data or "", form.contact.data or "")
        if found is None:
            problem = _l(
                "We could not find a request with this reference number and this phone number "
                "or e-mail. Check both, or contact us."
            )
    page = render_template(
        "public/status.html",
        form=form,
        found=found,
        problem=problem,
        words=_words(found) if found else None,
        changed_on=status_changed_on(found) if found else None,
        appointment_on=(
            found.starts_at.astimezone(JST).date()
            if found and found.status in SHOW_APPOINTMENT
            else None
        ),
        # Only here, after reference and contact matched: the call link of an assigned video
        # request (help_requests/video_rooms.py).
        video_link=video_rooms.link_for_resident(found) if found else None,
    )
    status_code = 422 if problem or (form.is_submitted() and form.errors) else 200
    # The answer may hold the call link: no cache keeps it (the page is for no signed-in user).
    return page, status_code, {"Cache-Control": "no-store"}
