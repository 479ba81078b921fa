"""The supporter's own pages: home and the offers made to them (more in cases, settings)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supporters.access import own_offer_or_404, supporter_required
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.help_requests import offers as help_offers
from supporters.help_requests.errors import RequestError
from supporters.help_requests.forms import DeclineForm
from supporters.help_requests.policy import read_request
from supporters.models import Offer, OfferStatus

bp = Blueprint("portal", __name__, url_prefix="/me")


@bp.get("/")
@supporter_required
def me():
    """Home: open offers with time left, coming assignments, this month, and "Log an activity"."""
    from supporters.activities import drafts, queries
    from supporters.portal.cases import this_month_status

    supporter = current_user.supporter
    if supporter is None:  # an account not (yet) linked to a supporter record
        abort(404)
    now = utcnow()
    return render_template(
        "portal/me.html",
        supporter=supporter,
        open_offers=queries.open_offers(supporter.id, now),
        assignments=queries.upcoming_assignments(supporter.id, now),
        draft=drafts.waiting(current_user.id),
        format_timedelta=format_timedelta,
        now=now,
        **this_month_status(supporter),
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
    except RequestError as error:
        flash(error.message, "error")
        # The refusal is an answer, not a failure of the page: show the offer again.
        return redirect(url_for("portal.offer", offer_id=offer_id), 303)
    flash(_("Thank you! The request is yours. The details are below."), "ok")
    return redirect(url_for("portal.offer", offer_id=offer_id))


@bp.post("/offers/<int:offer_id>/decline")
@supporter_required
def decline(offer_id: int):
    """Decline with a reason, so the coordinator knows what to try next."""
    item = own_offer_or_404(offer_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_template(
            "portal/offer.html",
            offer=item,
            r=item.request,
            fields=read_request(item.request),
            decline_form=form,
            now=utcnow(),
            **_offer_labels(),
        ), 422
    try:
        help_offers.decline(
            item.id, item.supporter_id, form.reason.data, form.note.data or "", current_user
        )
    except RequestError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("portal.offer", offer_id=offer_id), 303)
    flash(_("Thank you for answering. The coordinator will ask someone else."), "ok")
    return redirect(url_for("portal.offers"))


def _offer_labels() -> dict:
    from supporters.help_requests.labels import language_label
    from supporters.portal.labels import labels

    return {**labels(), "language_label": language_label}


# Routes of the same blueprint, kept in modules of their own.
from supporters.portal import cases, continuation, settings  # noqa: E402, F401
