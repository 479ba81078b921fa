"""The supporter's own pages: home and the offers made to them (more in cases, settings)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from supporters import counters
from supporters.access import own_offer_or_404, supporter_required
from supporters.clock import today_jst, utcnow
from supporters.extensions import db
from supporters.help_requests import offers as help_offers
from supporters.help_requests import video_rooms
from supporters.help_requests.forms import DeclineForm
from supporters.help_requests.policy import read_request
from supporters.i18n import translated_labels
from supporters.models import HelpRequest, Offer, OfferStatus
from supporters.portal import home
from supporters.reference_data import reference_data
from supporters.refusals import NOT_FOUND, Refused, show_on_form

bp = Blueprint("portal", __name__, url_prefix="/me")


@bp.get("/")
@supporter_required
def me():
    """Home: open offers with time left, coming assignments, this month, and "Log an activity"."""
    supporter = current_user.supporter
    if supporter is None:  # an account not (yet) linked to a supporter record
        abort(404)
    now = utcnow()
    month = home.figures(current_user, supporter, today_jst().replace(day=1))
    open_offers, assignments = home.offers_and_assignments(supporter.id, now)
    return render_template(
        "portal/me.html",
        supporter=supporter,
        open_offers=open_offers,
        assignments=assignments,
        month=month,
        stipend_amount=counters.yen(month.stipend_amount_yen),  # 2,000えん in Easy Japanese
        # Read with the figures above, so the header and the notice cost no statement.
        unread_notifications=lambda: month.unread_notifications,
        continuation_pending=lambda: month.continuation_pending,
        format_timedelta=format_timedelta,
        now=now,
        reference=reference_data(),
        **_offer_labels(),
    )


# --- Offers --------------------------------------------------------------------------------------
# Before acceptance a supporter sees what, when, where, which language and how long — never the
# resident's name or contact, and for hospital requests not the free-text need either.


def _own_supporter():
    supporter = current_user.supporter
    if supporter is None:
        abort(404)
    return supporter


@bp.get("/offers/")
@supporter_required
def offers():
    """The supporter's offers: open ones first, then the last answered ones."""
    supporter = _own_supporter()
    rows = list(
        db.session.scalars(
            select(Offer)
            .where(Offer.supporter_id == supporter.id)
            .order_by(Offer.status != OfferStatus.OPEN, Offer.sent_at.desc())
            .limit(50)
            .options(  # each row shows its request's municipality and language
                joinedload(Offer.request).joinedload(HelpRequest.municipality),
                joinedload(Offer.request).joinedload(HelpRequest.language),
            )
        )
    )
    return render_template("portal/offers.html", offers=rows, now=utcnow(), **_offer_labels())


@bp.get("/offers/<int:offer_id>")
@supporter_required
def offer(offer_id: int):
    """One offer, with accept and decline; the resident's details appear once accepted."""
    item = own_offer_or_404(offer_id)
    return render_template(
        "portal/offer.html",
        offer=item,
        r=item.request,
        fields=read_request(item.request),
        decline_form=DeclineForm(formdata=None),
        video_link=video_rooms.link_for_supporter(item.request, item.supporter_id),
        now=utcnow(),
        **_offer_labels(),
    )


@bp.post("/offers/<int:offer_id>/accept")
@supporter_required
def accept(offer_id: int):
    """Accept: the first supporter to accept gets the request (exactly once)."""
    item = own_offer_or_404(offer_id)
    try:
        help_offers.accept(item.id, item.supporter_id, current_user)
    except Refused as refusal:
        # Too late, expired, already answered …: the offer again, with why. The 4xx rolls back
        # whatever the lost acceptance had written.
        return _refused_offer(item, refusal)
    flash(_("Thank you! The request is yours. The details are below."), "ok")
    return redirect(url_for("portal.offer", offer_id=offer_id))


@bp.post("/offers/<int:offer_id>/decline")
@supporter_required
def decline(offer_id: int):
    """Decline with a reason, so the coordinator knows what to try next."""
    item = own_offer_or_404(offer_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _offer_page(item, form), 422
    try:
        help_offers.decline(
            item.id, item.supporter_id, form.reason.data or "", form.note.data or "", current_user
        )
    except Refused as refusal:
        return _refused_offer(item, refusal, form)
    flash(_("Thank you for answering. The coordinator will ask someone else."), "ok")
    return redirect(url_for("portal.offers"))


def _offer_page(item: Offer, decline_form: DeclineForm) -> str:
    """The offer's page, with the decline form as given."""
    return render_template(
        "portal/offer.html",
        offer=item,
        r=item.request,
        fields=read_request(item.request),
        decline_form=decline_form,
        video_link=video_rooms.link_for_supporter(item.request, item.supporter_id),
        now=utcnow(),
        **_offer_labels(),
    )


def _refused_offer(item: Offer, refusal: Refused, form: DeclineForm | None = None):
    """An answer the offers service refused: the page again with why, as a 4xx (rolled back)."""
    form = form or DeclineForm(formdata=None)
    if refusal.fields:
        show_on_form(form, refusal)
    else:
        flash(str(refusal.message), "error")
    status = 422 if refusal.is_about_input else 404 if refusal.code == NOT_FOUND else 409
    return _offer_page(item, form), status


def _offer_labels() -> dict:
    from supporters.help_requests.labels import language_label
    from supporters.portal.labels import labels

    tables = {name: translated_labels(table) for name, table in labels().items()}
    return {**tables, "language_label": language_label}
