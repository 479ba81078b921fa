"""API: a supporter's own offers — list, read, accept (first accept wins), decline."""

from functools import wraps

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from supporters.access import own_offer_or_404, supporter_required
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.common import ErrorSchema, PageArgsSchema, page_of
from supporters.api.errors import refused
from supporters.api.requests import OfferSchema, RequestSchema
from supporters.help_requests import offers
from supporters.help_requests.offers import DECLINE_REASONS
from supporters.models import Offer, OfferStatus
from supporters.refusals import Refused

# --- JSON shapes (parse types only; the rules are the service's) ---


class OfferedRequestSchema(RequestSchema):
    """A request as the supporter offered it sees it (no other offers)."""

    class Meta:
        exclude = ("offers",)


class OwnOfferSchema(OfferSchema):
    """An offer as the supporter it was made to sees it, with the request."""

    request = fields.Nested(OfferedRequestSchema)


class DeclineInSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(DECLINE_REASONS))
    note = fields.String(load_default="", metadata={"description": "At most 1,000 characters."})


bp = protected_blueprint(
    "api_offers",
    "Offers, for the supporter they were made to (with their own token).",
)


def own_offer_first(view):
    """Answer 404 for someone else's offer before looking at the body (which could say 422)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        own_offer_or_404(kwargs["offer_id"])
        return view(*args, **kwargs)

    return wrapped


@bp.get("/offers")
@supporter_required
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_of(OwnOfferSchema))
def list_offers(args):
    """The caller's offers: open ones first, then the latest answered; paginated."""
    stmt = (
        select(Offer)
        .where(Offer.supporter_id == current_user.supporter_id)
        .order_by(Offer.status != OfferStatus.OPEN, Offer.sent_at.desc(), Offer.id.desc())
    )
    return present.page(stmt, args, present.own_offer)


@bp.get("/offers/<int(max=2147483647):offer_id>")
@supporter_required
@bp.response(200, OwnOfferSchema)
def get_offer(offer_id: int):
    """One of the caller's offers; the resident's details once the request is theirs."""
    return present.own_offer(own_offer_or_404(offer_id))


@bp.post("/offers/<int(max=2147483647):offer_id>/accept")
@supporter_required
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description=(
        "``taken``: another supporter accepted first (or the request moved on); "
        "``expired``: the answer time has passed; ``answered``: already answered; "
        "``not_certified``, ``account_inactive``; ``busy``: try again."
    ),
)
@bp.response(200, OwnOfferSchema)
def accept_offer(offer_id: int):
    """Take the request. Only the first acceptance wins; the others get 409 ``taken``."""
    item = own_offer_or_404(offer_id)
    try:
        accepted = offers.accept(item.id, item.supporter_id, current_user)
    except Refused as refusal:
        refused(refusal)
    return present.own_offer(accepted)


@bp.post("/offers/<int(max=2147483647):offer_id>/decline")
@supporter_required
@own_offer_first
@bp.arguments(DeclineInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description=(
        "``answered``: already answered; ``expired``: the answer time has passed; "
        "``busy``: try again."
    ),
)
@bp.response(200, OwnOfferSchema)
def decline_offer(data, offer_id: int):
    """Say no, with a reason, so the coordinator knows what to try next."""
    item = own_offer_or_404(offer_id)
    try:
        declined = offers.decline(
            item.id, item.supporter_id, data["reason"], data["note"], current_user
        )
    except Refused as refusal:
        refused(refusal)
    return present.own_offer(declined)
