"""API: help requests — take one (consent first), list, read, ranked candidates, send offers,
and decide a possible duplicate (merge or dismiss) through ``help_requests/duplicates.py``."""

from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields, validate

from supporters.access import (
    bulk_actions_required,
    coordinator_required,
    request_or_404,
    roles_required,
)
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.common import (
    CODE,
    ID,
    ErrorSchema,
    PageArgsSchema,
    enum_field,
    page_of,
    within_years,
)
from supporters.api.errors import fail, refused
from supporters.help_requests import duplicates, labels, offers, policy
from supporters.help_requests.candidates import match_request
from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
from supporters.help_requests.queries import request_list_statement
from supporters.models import (
    ConsentChannel,
    Mode,
    OfferStatus,
    RequestCategory,
    RequestSource,
    RequestStatus,
    Role,
    Urgency,
)
from supporters.refusals import Refused

# --- JSON shapes (parse types only; the rules are the service's) ---


class ConsentInSchema(Schema):
    language_shown = fields.String(required=True, validate=CODE)
    channel = enum_field(ConsentChannel, required=True)


class RequestInSchema(Schema):
    """A request as taken on the phone or handed over by a municipal system.

    Only parsed here: the rules (required fields, lengths, times, municipality and language,
    contact) are the intake service's, which answers 422 with the same messages as the forms.
    """

    category = enum_field(RequestCategory, required=True)
    mode = enum_field(Mode, required=True)
    language_code = fields.String(allow_none=True, load_default=None, validate=CODE)
    municipality_code = fields.String(load_default="")
    starts_at = fields.AwareDateTime(required=True, validate=within_years)
    ends_at = fields.AwareDateTime(required=True, validate=within_years)
    duration_minutes = fields.Integer(required=True)
    requester_name = fields.String(load_default="")
    requester_contact = fields.String(load_default="")
    source = enum_field(RequestSource, load_default=RequestSource.RESIDENT)
    place_name = fields.String(load_default="")
    place_address = fields.String(load_default="")
    urgency = enum_field(Urgency, load_default=Urgency.NORMAL)
    preferred_gender = fields.String(allow_none=True, load_default=None)
    requester_nationality = fields.String(allow_none=True, load_default=None)
    residence_status = fields.String(load_default="")
    need = fields.String(load_default="")
    consent = fields.Nested(
        ConsentInSchema,
        required=True,
        metadata={"description": "How the resident agreed to the privacy notice in force."},
    )


class RequesterSchema(Schema):
    name = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    nationality = fields.String(allow_none=True)
    residence_status = fields.String(allow_none=True)


class OfferSchema(Schema):
    id = fields.Integer()
    request_id = fields.Integer()
    supporter_id = fields.Integer()
    status = enum_field(OfferStatus)
    rank = fields.Integer(allow_none=True)
    sent_at = fields.DateTime()
    expires_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String()


class DuplicateSchema(Schema):
    """An open possible duplicate: the other request and why (codes), not its resident."""

    candidate_id = fields.Integer(metadata={"description": "For …/duplicates/{id}/merge|dismiss."})
    request_id = fields.Integer(metadata={"description": "The other request."})
    reference = fields.String()
    status = enum_field(RequestStatus)
    received_at = fields.DateTime()
    reasons = fields.List(
        fields.String(),
        metadata={
            "description": "same_contact (same phone or e-mail), similar_name, same_day "
            "(appointment day), received_close (received within two days)."
        },
    )
    merge_closes_this = fields.Boolean(
        metadata={"description": "This request is the later one: a merge cancels it."}
    )


class RequestSchema(Schema):
    """A help request through the field policy: a field the caller may not read is null.

    Municipal officers get the basics and the progress, never ``need``, ``place_address`` or
    ``requester``; a supporter offered the request gets what the offer needs, and the need,
    address, name and contact once it is assigned to them.
    """

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    category = enum_field(RequestCategory, allow_none=True)
    mode = enum_field(Mode, allow_none=True)
    language_code = fields.String(allow_none=True)
    municipality_code = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True)
    place_address = fields.String(allow_none=True)
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    duration_minutes = fields.Integer(allow_none=True)
    urgency = enum_field(Urgency, allow_none=True)
    preferred_gender = fields.String(allow_none=True)
    source = enum_field(RequestSource, allow_none=True)
    sensitive = fields.Boolean(
        allow_none=True, metadata={"description": "Hospital requests (health data)."}
    )
    status = enum_field(RequestStatus, allow_none=True)
    answer_by = fields.DateTime(allow_none=True)
    assigned_supporter_id = fields.Integer(allow_none=True)
    referred_to = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    need = fields.String(allow_none=True)
    requester = fields.Nested(RequesterSchema, allow_none=True)
    offers = fields.List(
        fields.Nested(OfferSchema),
        allow_none=True,
        metadata={"description": "Coordinators and admins only."},
    )
    duplicates = fields.List(
        fields.Nested(DuplicateSchema),
        allow_none=True,
        metadata={
            "description": "Open possible duplicates found at intake; coordinators and admins "
            "only (null for everybody else)."
        },
    )


class RequestListArgsSchema(PageArgsSchema):
    status = fields.String(
        load_default="",
        validate=validate.OneOf(["", "open", *(s.value for s in RequestStatus)]),
        metadata={"description": "A status, or open (new, offered, unfilled)."},
    )
    municipality = fields.String(load_default="", validate=validate.Length(max=5))


class ReasonSchema(Schema):
    code = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Raw())
    text = fields.String(metadata={"description": "In the caller's language."})


class CandidateSchema(Schema):
    supporter_id = fields.Integer()
    name = fields.String()
    score = fields.Float()
    km = fields.Float(allow_none=True)
    parts = fields.Dict(keys=fields.String(), values=fields.Float())
    reasons = fields.List(fields.Nested(ReasonSchema))


class FilterCountSchema(Schema):
    filter = fields.String()
    remaining = fields.Integer()


class FallbackSchema(Schema):
    kind = fields.String(metadata={"description": "neighbouring, remote, widen_window, referral"})
    supporter_ids = fields.List(fields.Integer())
    municipality = fields.String(allow_none=True)
    km = fields.Float(allow_none=True)
    text = fields.String()


class MatchSchema(Schema):
    """Ranked candidates with reasons; when nobody qualifies, why and what else to try."""

    request_id = fields.Integer()
    candidates = fields.List(fields.Nested(CandidateSchema))
    counts_after_each_filter = fields.List(fields.Nested(FilterCountSchema))
    emptied_by = fields.String(allow_none=True)
    fallbacks = fields.List(fields.Nested(FallbackSchema))


class OffersInSchema(Schema):
    supporter_ids = fields.List(
        fields.Integer(strict=True, validate=ID),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Candidates or fallbacks of GET /requests/{id}/candidates."},
    )


bp = protected_blueprint(
    "api_requests",
    "Help requests. Municipal officers see their municipalities' requests except "
    "hospital ones, never the need, the address or the resident's details. A field the "
    "caller may not read is null (the field policy of help_requests/policy.py). Every item "
    "shown with personal fields, in a list too, is an audited read.",
)

request_viewers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)
DRAFT_FIELDS = (
    "category",
    "mode",
    "language_code",
    "municipality_code",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "requester_name",
    "requester_contact",
    "source",
    "place_name",
    "place_address",
    "urgency",
    "preferred_gender",
    "requester_nationality",
    "residence_status",
    "need",
)


@bp.get("/requests")
@request_viewers
@bp.arguments(RequestListArgsSchema, location="query")
@bp.response(200, page_of(RequestSchema))
def list_requests(args):
    """Requests by start time, filtered by status (or ``open``) and municipality; paginated."""
    stmt = request_list_statement(args["status"], args["municipality"], current_user)
    return present.page(stmt, args, present_all=present.help_requests)


@bp.post("/requests")
@coordinator_required
@bp.arguments(RequestInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the request cannot be taken in the present state of things.",
)
@bp.response(201, RequestSchema)
def create_request(data):
    """Take a request: the consent record first, then the request (status ``new``)."""
    draft = RequestDraft(**{name: data[name] for name in DRAFT_FIELDS if name in data})
    # The consent object is the caller's statement that the resident agreed (the schema
    # requires it); the intake service checks everything else.
    consent = ConsentGiven(
        notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        language_shown=data["consent"]["language_shown"],
        channel=data["consent"]["channel"],
        agreed=True,
    )
    try:
        help_request = take_request(draft, consent, current_user)
    except Refused as refusal:
        refused(refusal)
    # The caller just typed these details: answering with them is not a look at anybody's data.
    return present.help_request(
        help_request, fields=policy.readable_fields(current_user, help_request)
    )


@bp.get("/requests/<int(max=2147483647):request_id>")
@request_viewers
@bp.response(200, RequestSchema)
def get_request(request_id: int):
    """One request through the field policy; each read of personal fields is audited."""
    return present.help_request(request_or_404(request_id))


@bp.get("/requests/<int(max=2147483647):request_id>/candidates")
@coordinator_required
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``invalid_transition``: the request can no longer be offered.",
)
@bp.response(200, MatchSchema)
def list_candidates(request_id: int):
    """Ranked candidates with their reasons; when nobody qualifies, why and the fallbacks."""
    help_request = request_or_404(request_id)
    if help_request.status not in offers.OFFERABLE:
        fail(409, _("This request can no longer be offered."), "invalid_transition")
    result = match_request(help_request)
    return {
        "request_id": help_request.id,
        "candidates": [
            {
                "supporter_id": ranked.candidate.supporter_id,
                "name": ranked.candidate.name,
                "score": ranked.score,
                "km": ranked.km,
                "parts": ranked.parts,
                "reasons": [
                    {
                        "code": reason.code,
                        "values": {k: _plain(v) for k, v in reason.values},
                        "text": labels.reason_text(reason),
                    }
                    for reason in ranked.reasons
                ],
            }
            for ranked in result.ranked
        ],
        "counts_after_each_filter": [
            {"filter": name, "remaining": count} for name, count in result.counts_after_each_filter
        ],
        "emptied_by": result.emptied_by,
        "fallbacks": [
            {
                "kind": fallback.kind,
                "supporter_ids": list(fallback.supporter_ids),
                "municipality": fallback.municipality,
                "km": fallback.km,
                "text": labels.fallback_text(fallback),
            }
            for fallback in result.fallbacks
        ],
    }


@bp.post("/requests/<int(max=2147483647):request_id>/offers")
@coordinator_required
@bp.arguments(OffersInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description=(
        "``invalid_transition``: no longer offerable; ``too_late``: its time has "
        "started; ``duplicate``: these supporters already have an open offer."
    ),
)
@bp.response(201, OfferSchema(many=True))
def send_offers(data, request_id: int):
    """Offer the request to candidates (or fallbacks) of the match, in the order given."""
    help_request = request_or_404(request_id)
    if help_request.status not in offers.OFFERABLE:
        fail(409, _("This request can no longer be offered."), "invalid_transition")
    result = match_request(help_request, top=None)  # anyone who qualifies, not only the top
    ranked = {r.candidate.supporter_id: r for r in result.ranked}
    allowed = ranked.keys() | {i for fb in result.fallbacks for i in fb.supporter_ids}
    others = [i for i in data["supporter_ids"] if i not in allowed]
    if others:
        fail(
            422,
            _("Only the request's candidates or fallbacks can be offered it."),
            "invalid",
            {"supporter_ids": _("Not a candidate: %(ids)s", ids=", ".join(map(str, others)))},
        )
    # Same as the console: the offer keeps the reasons in English for the record.
    reasons = {sid: " · ".join(str(reason) for reason in r.reasons) for sid, r in ranked.items()}
    try:
        created = offers.send_offers(
            help_request, data["supporter_ids"], current_user, reasons=reasons
        )
    except Refused as refusal:
        refused(refusal)
    return [present.offer(o) for o in created]


def _candidate_or_404(request_id: int, candidate_id: int):
    row = duplicates.candidate_or_none(request_or_404(request_id), candidate_id)
    if row is None:
        abort(404)
    return row


@bp.post(
    "/requests/<int(max=2147483647):request_id>/duplicates/<int(max=2147483647):candidate_id>/merge"
)
@bulk_actions_required
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``invalid_transition``: the later request is no longer waiting (someone is "
    "assigned, or it is closed); ``conflict``: this possible duplicate was already decided.",
)
@bp.response(200, RequestSchema)
def merge_duplicate(request_id: int, candidate_id: int):
    """Merge a possible duplicate: the later request is cancelled as merged into the earlier
    one, which is answered (one history per resident)."""
    row = _candidate_or_404(request_id, candidate_id)
    try:
        earlier = duplicates.merge(row, current_user)
    except Refused as refusal:
        refused(refusal)
    return present.help_request(earlier)


@bp.post(
    "/requests/<int(max=2147483647):request_id>/duplicates/"
    "<int(max=2147483647):candidate_id>/dismiss"
)
@bulk_actions_required
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: this possible duplicate was already decided.",
)
@bp.response(200, RequestSchema)
def dismiss_duplicate(request_id: int, candidate_id: int):
    """Record that the two requests are not the same; both stay as they are."""
    row = _candidate_or_404(request_id, candidate_id)
    try:
        duplicates.dismiss(row, current_user)
    except Refused as refusal:
        refused(refusal)
    return present.help_request(request_or_404(request_id))


def _plain(value):
    """A reason's value as JSON can carry it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value
