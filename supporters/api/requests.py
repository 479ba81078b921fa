"""API: help requests — take one (consent first), list, read, ranked candidates, send offers."""

from flask import current_app
from flask_login import current_user

from supporters.access import coordinator_required, request_or_404, roles_required
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.errors import fail, refused
from supporters.api.schemas import (
    MatchSchema,
    OfferSchema,
    OffersInSchema,
    RequestInSchema,
    RequestListArgsSchema,
    RequestSchema,
    page_of,
)
from supporters.help_requests import labels, offers, policy
from supporters.help_requests.candidates import match_request
from supporters.help_requests.errors import RequestError
from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
from supporters.help_requests.queries import request_list_statement
from supporters.models import Role

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
@bp.response(201, RequestSchema)
def create_request(data):
    """Take a request: the consent record first, then the request (status ``new``)."""
    draft = RequestDraft(**{name: data[name] for name in DRAFT_FIELDS if name in data})
    consent = ConsentGiven(
        notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        language_shown=data["consent"]["language_shown"],
        channel=data["consent"]["channel"],
    )
    try:
        help_request = take_request(draft, consent, current_user)
    except RequestError as error:
        refused(error)
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
@bp.response(200, MatchSchema)
def list_candidates(request_id: int):
    """Ranked candidates with their reasons; when nobody qualifies, why and the fallbacks."""
    help_request = request_or_404(request_id)
    if help_request.status not in offers.OFFERABLE:
        fail(409, "This request can no longer be offered.", "invalid_transition")
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
@bp.response(201, OfferSchema(many=True))
def send_offers(data, request_id: int):
    """Offer the request to candidates (or fallbacks) of the match, in the order given."""
    help_request = request_or_404(request_id)
    if help_request.status not in offers.OFFERABLE:
        fail(409, "This request can no longer be offered.", "invalid_transition")
    result = match_request(help_request)
    ranked = {r.candidate.supporter_id: r for r in result.ranked}
    allowed = ranked.keys() | {i for fb in result.fallbacks for i in fb.supporter_ids}
    others = [i for i in data["supporter_ids"] if i not in allowed]
    if others:
        fail(
            422,
            "Only the request's candidates or fallbacks can be offered it.",
            "invalid",
            {"supporter_ids": "Not a candidate: " + ", ".join(map(str, others))},
        )
    # Same as the console: the offer keeps the reasons in English for the record.
    reasons = {sid: " · ".join(str(reason) for reason in r.reasons) for sid, r in ranked.items()}
    try:
        created = offers.send_offers(
            help_request, data["supporter_ids"], current_user, reasons=reasons
        )
    except RequestError as error:
        refused(error)
    return [present.offer(o) for o in created]


def _plain(value):
    """A reason's value as JSON can carry it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value
