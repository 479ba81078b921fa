"""Views of the supporter registry: thin wrappers around queries, forms and operations."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from supporters import tenancy
from supporters.access import (
    can_certify_short_of_hours,
    can_manage_supporters,
    can_see_contact,
    coordinator_required,
    registry_viewers,
    supporter_or_404,
)
from supporters.audit import record
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.help_requests.labels import language_label
from supporters.i18n import translated_labels
from supporters.labels import OFFER_STATUS_LABELS
from supporters.lending import service as lending
from supporters.lending.forms import LendingForm
from supporters.pagination import paginate, usable_filters
from supporters.programme.settings import current as programme_settings
from supporters.reference_data import reference_data
from supporters.refusals import Refused, form_status, show_on_form
from supporters.registry import operations
from supporters.registry.forms import (
    PROFILE_FIELDS,
    CertifyForm,
    StatusChangeForm,
    SupporterFilterForm,
    SupporterForm,
)
from supporters.registry.labels import (
    GENDER_LABELS,
    JAPANESE_LEVEL_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    STATUS_LABELS,
    status_reason_text,
)
from supporters.registry.queries import SupporterFilters, supporter_list_statement

bp = Blueprint("registry", __name__, url_prefix="/supporters")

STATUS_ACTIONS = {
    "suspend": (operations.suspend, _l("Suspend supporter")),
    "reinstate": (operations.reinstate, _l("Reinstate supporter")),
    "retire": (operations.retire, _l("Retire supporter")),
    "reactivate": (operations.reactivate, _l("Re-activate supporter")),
}


@bp.context_processor
def labels():
    return {
        "STATUS_LABELS": translated_labels(STATUS_LABELS),
        "LEVEL_LABELS": translated_labels(LEVEL_LABELS),
        "MODE_LABELS": translated_labels(MODE_LABELS),
        "GENDER_LABELS": translated_labels(GENDER_LABELS),
        "JAPANESE_LEVEL_LABELS": translated_labels(JAPANESE_LEVEL_LABELS),
        "can_manage": can_manage_supporters(current_user),
        "status_reason_text": status_reason_text,
        "OFFER_STATUS_LABELS": translated_labels(OFFER_STATUS_LABELS),
        "language_label": language_label,
    }


@bp.get("/")
@registry_viewers
def index():
    """The supporter list with filters, search and pagination."""
    form = usable_filters(SupporterFilterForm(request.args))
    filters = SupporterFilters(
        q=form.q.data or "",
        language=form.language.data or "",
        municipality=form.municipality.data or "",
        status=form.status.data or "",
        mode=form.mode.data or "",
    )
    page = paginate(supporter_list_statement(filters, current_user))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "registry/index.html", form=form, page=page, args=args, reference=reference_data()
    )


@bp.route("/new", methods=["GET", "POST"])
@coordinator_required
def create():
    """Register a new supporter (as an applicant)."""
    form = SupporterForm()
    if form.validate_on_submit():
        try:
            supporter = operations.register_supporter(form.profile(), today_jst(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal, PROFILE_FIELDS)
        else:
            flash(_("%(name)s was registered as an applicant.", name=supporter.display_name), "ok")
            return redirect(url_for("registry.detail", supporter_id=supporter.id))
    return render_template("registry/form.html", form=form, supporter=None), form_status(form)


@bp.get("/<int:supporter_id>")
@registry_viewers
def detail(supporter_id: int):
    """One supporter's record; contact details only for those who need them."""
    supporter = supporter_or_404(supporter_id)
    show_contact = can_see_contact(current_user, supporter)
    if show_contact:
        record("view_contact", supporter)
    lent = lent_offers = None
    if tenancy.programme_count(db.session) > 1:  # lending needs another programme ([6/6])
        lent = lending.live_consents(supporter)
        lent_offers = lending.offers_from_other_programmes(supporter)
    return render_template(
        "registry/detail.html",
        supporter=supporter,
        show_contact=show_contact,
        lent=lent,
        lent_offers=lent_offers,
        lending_form=LendingForm(formdata=None),
    )


@bp.route("/<int:supporter_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(supporter_id: int):
    """Edit a supporter's profile."""
    supporter = supporter_or_404(supporter_id)
    form = SupporterForm(obj=supporter)
    if request.method == "GET":
        _fill_form(form, supporter)
        record("view_contact", supporter)  # the form shows e-mail, phone and notes
    if form.validate_on_submit():
        try:
            operations.update_supporter(supporter, form.profile(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal, PROFILE_FIELDS)
        else:
            flash(_("The changes were saved."), "ok")
            return redirect(url_for("registry.detail", supporter_id=supporter.id))
    page = render_template("registry/form.html", form=form, supporter=supporter)
    return page, form_status(form)


def _fill_form(form: SupporterForm, supporter) -> None:
    form.home_municipality.data = supporter.home_municipality_code
    form.served_municipalities.data = [m.code for m in supporter.served_municipalities]
    by_level = {level: [] for level in LEVEL_LABELS}
    for entry in supporter.languages:
        by_level[entry.level].append(entry.language_code)
    form.native_languages.data = by_level[operations.LanguageLevel.NATIVE]
    form.fluent_languages.data = by_level[operations.LanguageLevel.FLUENT]
    form.conversational_languages.data = by_level[operations.LanguageLevel.CONVERSATIONAL]
    form.origins.data = supporter.origin_codes
    form.modes.data = [mode.value for mode in supporter.modes]
    form.gender.data = supporter.gender or ""


@bp.route("/<int:supporter_id>/certify", methods=["GET", "POST"])
@coordinator_required
def certify(supporter_id: int):
    """Certify an applicant, assigning a certificate number and date."""
    from supporters.training.service import progress_of

    supporter = supporter_or_404(supporter_id)
    form = CertifyForm()
    may_override = can_certify_short_of_hours(current_user)
    if request.method == "GET":
        today = today_jst()
        form.effective_on.data = today
        form.certificate_number.data = operations.next_certificate_number(
            programme_settings().certificate_prefix, today.year
        )
    if form.validate_on_submit():
        try:
            operations.certify(
                supporter,
                form.certificate_number.data,
                form.effective_on.data,
                current_user,
                override_reason=(form.override_reason.data or "").strip() if may_override else "",
            )
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(
                _(
                    "%(name)s is certified (certificate %(number)s).",
                    name=supporter.display_name,
                    number=supporter.certificate_number,
                ),
                "ok",
            )
            return redirect(url_for("registry.detail", supporter_id=supporter.id))
    return render_template(
        "registry/certify.html",
        form=form,
        supporter=supporter,
        progress=progress_of(supporter),
        may_override=may_override,
    ), form_status(form)


@bp.post("/<int:supporter_id>/lending")
@coordinator_required
def lending_consent(supporter_id: int):
    """Record or withdraw the supporter's consent to be lent for other programmes' remote
    requests in one of their languages ([6/6])."""
    supporter = supporter_or_404(supporter_id)
    form = LendingForm()
    language = form.language.data or ""
    if not form.validate_on_submit():
        flash(_("Choose a language the supporter speaks."), "error")
    elif form.action.data == "withdraw":
        lending.withdraw(supporter, language, current_user)
        flash(_("The supporter is no longer lent for this language."), "ok")
    else:
        try:
            lending.lend(supporter, language, current_user)
        except Refused as refusal:
            flash(str(refusal.message), "error")
        else:
            flash(_("Other programmes may now offer the supporter remote requests."), "ok")
    return redirect(url_for("registry.detail", supporter_id=supporter.id, _anchor="lending"))


@bp.route(
    "/<int:supporter_id>/<any(suspend, reinstate, retire, reactivate):action>",
    methods=["GET", "POST"],
)
@coordinator_required
def change_status(supporter_id: int, action: str):
    """Suspend, reinstate, retire or re-activate a supporter, with a date and a reason."""
    supporter = supporter_or_404(supporter_id)
    operation, title = STATUS_ACTIONS[action]
    form = StatusChangeForm()
    if request.method == "GET":
        form.effective_on.data = today_jst()
    if form.validate_on_submit():
        try:
            operation(supporter, form.effective_on.data, form.reason.data or "", current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("The supporter's status was changed."), "ok")
            return redirect(url_for("registry.detail", supporter_id=supporter.id))
    return render_template(
        "registry/status.html", form=form, supporter=supporter, action=action, title=title
    ), form_status(form)
