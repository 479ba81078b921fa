"""Console views of help requests: list, intake, the match with reasons, offers, transitions."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from supporters.access import (
    can_manage_requests,
    coordinator_required,
    request_or_404,
    roles_required,
)
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.help_requests import (
    duplicates,
    event_labels,
    labels,
    lifecycle,
    offers,
    policy,
    video_rooms,
)
from supporters.help_requests.candidates import TOP, match_request, rank_chosen
from supporters.help_requests.forms import (
    IntakeForm,
    OfferForm,
    ReasonForm,
    ReferForm,
)
from supporters.help_requests.intake import ConsentGiven, take_request
from supporters.help_requests.listing import RequestListForm, list_statement
from supporters.i18n import translated_labels
from supporters.models import ConsentChannel, Offer, OfferStatus, Role, Supporter
from supporters.pagination import paginate, usable_filters
from supporters.programme.settings import current as programme_settings
from supporters.refusals import NOT_FOUND, Refused, form_status, show_on_form
from supporters.registry.labels import GENDER_LABELS, MODE_LABELS

bp = Blueprint("help_requests", __name__, url_prefix="/requests")

request_viewers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)

# action → (service, needs a reason, title)
# At most this many supporters are checked for one "send offers" (a page of "show everyone").
MAX_TICKED = 200

TRANSITIONS = {
    "cancel": (lifecycle.cancel, True, _l("Cancel request")),
    "complete": (lifecycle.complete, False, _l("Mark as completed")),
    "close": (lifecycle.close, False, _l("Close request")),
    "release": (lifecycle.release, True, _l("Release the supporter")),
}


@bp.context_processor
def request_labels():
    return {
        "CATEGORY_LABELS": translated_labels(labels.CATEGORY_LABELS),
        "REQUEST_STATUS_LABELS": translated_labels(labels.REQUEST_STATUS_LABELS),
        "OFFER_STATUS_LABELS": translated_labels(labels.OFFER_STATUS_LABELS),
        "URGENCY_LABELS": translated_labels(labels.URGENCY_LABELS),
        "SOURCE_LABELS": translated_labels(labels.SOURCE_LABELS),
        "CONSENT_CHANNEL_LABELS": translated_labels(labels.CONSENT_CHANNEL_LABELS),
        "DECLINE_REASON_LABELS": translated_labels(labels.DECLINE_REASON_LABELS),
        "language_label": labels.language_label,
        "municipality_label": labels.municipality_label,
        "event_text": event_labels.event_text,
        "history_line": event_labels.history_line,
        "can_manage": can_manage_requests(current_user),
    }


def _refused_on_detail(request_id: int, refusal: Refused):
    """A refused button on the request's page: the page again, with why, as a 4xx (rolled back)."""
    flash(str(refusal.message), "error")
    status = 422 if refusal.is_about_input else 404 if refusal.code == NOT_FOUND else 409
    return detail(request_id), status


@bp.get("/")
@request_viewers
def index():
    """Requests, open ones first by default; officers see their area without hospital cases."""
    form = RequestListForm(request.args, user=current_user)
    if "status" not in request.args:
        form.status.data = "open"
    usable_filters(form)  # ?status=zzz: marked on the form, not applied
    page = paginate(list_statement(form, current_user))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    # Names are shown on request, where the field policy allows; each row's look is audited.
    fields = policy.read_requests(page.items) if form.shows_names() else {}
    return render_template(
        "requests/index.html",
        form=form,
        page=page,
        args=args,
        now=utcnow(),
        fields=fields,
        duplicates=duplicates.open_candidates([r.id for r in page.items])
        if can_manage_requests(current_user)
        else {},
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def create():
    """Take a request on the phone: consent first, then the request; then straight to the match."""
    form = IntakeForm()
    if form.validate_on_submit():
        consent = ConsentGiven(
            notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            language_shown=form.consent_language.data,
            channel=ConsentChannel(form.consent_channel.data),
            agreed=form.consent.data,
        )
        try:
            help_request = take_request(form.draft(), consent, current_user)
        except Refused as refusal:
            show_on_form(form, refusal, IntakeForm.SERVICE_FIELDS)
        else:
            flash(_("Request %(ref)s was saved.", ref=help_request.reference), "ok")
            return redirect(url_for("help_requests.detail", request_id=help_request.id))
    return render_template("requests/new.html", form=form), form_status(form)


@bp.get("/<int:request_id>")
@request_viewers
def detail(request_id: int):
    """One request: details, history, offers and — while it is open — the ranked candidates."""
    help_request = request_or_404(request_id)
    fields = policy.read_request(help_request)
    result, names = None, {}
    offered_ids = {o.supporter_id for o in help_request.offers if o.status == OfferStatus.OPEN}
    show_all = request.args.get("candidates") == "all"
    if can_manage_requests(current_user) and help_request.status in offers.OFFERABLE:
        # The first ten (found without ranking the whole pool); everyone on request.
        result = match_request(help_request, top=None if show_all else TOP)
        fallback_ids = {i for fb in result.fallbacks for i in fb.supporter_ids}
        if fallback_ids:
            names = dict(
                db.session.execute(
                    select(Supporter.id, Supporter.display_name).where(
                        Supporter.id.in_(fallback_ids)
                    )
                ).all()
            )
        # Other programmes' supporters ([6/6]), as the matching read them.
        names |= {p.supporter_id: labels.lent_text(p) for p in result.lent}
    return render_template(
        "requests/detail.html",
        r=help_request,
        fields=fields,
        result=result,
        shows_top=result is not None and not show_all and len(result.ranked) >= TOP,
        offered_ids=offered_ids,
        names=names,
        MODE_LABELS=MODE_LABELS,
        GENDER_LABELS=GENDER_LABELS,
        reason_text=labels.reason_text,
        fallback_text=labels.fallback_text,
        FILTER_LABELS=labels.FILTER_LABELS,
        PART_LABELS=labels.PART_LABELS,
        referral_service=programme_settings().referral_service,
        # Staff know a call link exists, never the link (help_requests/video_rooms.py).
        video_room=video_rooms.has_room(help_request),
        now=utcnow(),
    )


@bp.post("/<int:request_id>/offers")
@coordinator_required
def send_offers(request_id: int):
    """Offer the request to the candidates ticked on the match list."""
    help_request = request_or_404(request_id)
    # Anyone who qualifies may be offered it (the page may have shown all of them): the ticked
    # ids are checked against every hard filter, and only ids that fail them (a fallback's:
    # a neighbour, a remote helper, a lent supporter) need the whole ranking and its fallbacks.
    offerable = help_request.status in offers.OFFERABLE
    ticked = [int(i) for i in request.form.getlist("supporter_ids") if i.isdigit()][:MAX_TICKED]
    result = rank_chosen(help_request, ticked) if offerable else None
    ranked = {r.candidate.supporter_id: r for r in result.ranked} if result else {}
    fallback_ids: set[int] = set()
    if offerable and set(ticked) - ranked.keys():
        whole = match_request(help_request, top=None)
        ranked |= {r.candidate.supporter_id: r for r in whole.ranked}
        fallback_ids = {i for fb in whole.fallbacks for i in fb.supporter_ids}
    form = OfferForm([(i, str(i)) for i in sorted(ranked.keys() | fallback_ids)])
    if not form.validate_on_submit() or not form.supporter_ids.data:
        flash(_("Choose at least one supporter."), "error")
        return redirect(url_for("help_requests.detail", request_id=request_id)), 303
    reasons = {sid: " · ".join(str(reason) for reason in r.reasons) for sid, r in ranked.items()}
    try:
        created = offers.send_offers(
            help_request, form.supporter_ids.data, current_user, reasons=reasons
        )
    except Refused as refusal:
        return _refused_on_detail(request_id, refusal)
    flash(_("%(n)d offer(s) sent.", n=len(created)), "ok")
    return redirect(url_for("help_requests.detail", request_id=request_id))


@bp.post("/offers/<int:offer_id>/withdraw")
@coordinator_required
def withdraw_offer(offer_id: int):
    """Take back one open offer."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        abort(404)
    try:
        offers.withdraw(offer, current_user)
    except Refused as refusal:
        return _refused_on_detail(offer.request_id, refusal)
    flash(_("The offer was withdrawn."), "ok")
    return redirect(url_for("help_requests.detail", request_id=offer.request_id))


@bp.route(
    "/<int:request_id>/<any(cancel, complete, close, release):action>", methods=["GET", "POST"]
)
@coordinator_required
def change_status(request_id: int, action: str):
    """Cancel, complete, close or release a request, with a reason where one is needed."""
    help_request = request_or_404(request_id)
    service, needs_reason, title = TRANSITIONS[action]
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            service(help_request, current_user, form.reason.data or "")
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(
                _(
                    "The request is now: %(status)s.",
                    status=labels.REQUEST_STATUS_LABELS[help_request.status],
                ),
                "ok",
            )
            return redirect(url_for("help_requests.detail", request_id=request_id))
    page = render_template(
        "requests/transition.html",
        form=form,
        r=help_request,
        title=title,
        needs_reason=needs_reason,
        action=action,
    )
    return page, form_status(form)


@bp.route("/<int:request_id>/refer", methods=["GET", "POST"])
@coordinator_required
def refer(request_id: int):
    """Send the request to an outside service."""
    help_request = request_or_404(request_id)
    form = ReferForm()
    if request.method == "GET":
        form.referred_to.data = programme_settings().referral_service
    if form.validate_on_submit():
        try:
            lifecycle.refer(
                help_request, current_user, form.referred_to.data or "", form.reason.data or ""
            )
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(
                _("The request was referred to %(service)s.", service=help_request.referred_to),
                "ok",
            )
            return redirect(url_for("help_requests.detail", request_id=request_id))
    page = render_template(
        "requests/transition.html",
        form=form,
        r=help_request,
        title=_l("Refer to an outside service"),
        needs_reason=False,
        action="refer",
    )
    return page, form_status(form)
