"""Console for residents' rights at /privacy/residents: find, look, export, correct, anonymise.

Coordinators and admins only. A resident is reached through one of their requests (the URL
holds a request id, never a name or a phone number); every look and every export is audited.
"""

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import coordinator_required, request_or_404
from supporters.audit import record, record_read
from supporters.help_requests import event_labels, labels
from supporters.privacy import export, records, service
from supporters.privacy.forms import AnonymiseForm, CorrectionForm, SearchForm
from supporters.refusals import Refused, form_status, show_on_form
from supporters.registry.labels import MODE_LABELS

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


class ResidentSearch:
    """What a search is audited as: the kind of search and the references shown, not the query."""

    id = None


@bp.context_processor
def privacy_labels():
    from supporters.notify.messages import kind_title
    from supporters.portal.labels import CATEGORY_LABELS, OUTCOME_LABELS

    return {
        "CATEGORY_LABELS": labels.CATEGORY_LABELS,
        "REQUEST_STATUS_LABELS": labels.REQUEST_STATUS_LABELS,
        "history_line": event_labels.history_line,
        "OFFER_STATUS_LABELS": labels.OFFER_STATUS_LABELS,
        "CONSENT_CHANNEL_LABELS": labels.CONSENT_CHANNEL_LABELS,
        "ACTIVITY_CATEGORY_LABELS": CATEGORY_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "MODE_LABELS": MODE_LABELS,
        "language_label": labels.language_label,
        "municipality_label": labels.municipality_label,
        "kind_title": kind_title,
    }


@bp.route("/residents", methods=["GET", "POST"])
@coordinator_required
def index():
    """Search by reference number, phone or e-mail, or part of a name (sent by POST)."""
    form = SearchForm()
    result = None
    if form.validate_on_submit():
        result = records.find(form.q.data)
        shown = ",".join(item.reference for item in result.requests)
        record("privacy_search", ResidentSearch(), f"by={result.kind}; shown={shown}")
    return render_template("privacy/index.html", form=form, result=result), form_status(form)


@bp.get("/residents/<int:request_id>")
@coordinator_required
def resident(request_id: int):
    """Everything held about the resident who made this request."""
    file = records.resident_file(request_or_404(request_id))
    record_read("privacy_view", file.requests, detail=f"anchor={file.anchor.reference}")
    return render_template("privacy/resident.html", file=file)


@bp.get("/residents/<int:request_id>/export.json")
@coordinator_required
def export_json(request_id: int):
    """The resident's data as JSON (machine-readable), as a download."""
    file = records.resident_file(request_or_404(request_id))
    record_read("privacy_export", file.requests, channel="export", detail="json")
    response = Response(_json(export.as_dict(file)), mimetype="application/json; charset=utf-8")
    name = f"resident-{file.anchor.reference}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


@bp.get("/residents/<int:request_id>/disclosure")
@coordinator_required
def disclosure(request_id: int):
    """The readable page in Japanese, to print or hand to the resident."""
    file = records.resident_file(request_or_404(request_id))
    record_read("privacy_export", file.requests, channel="export", detail="html")
    stylesheet = url_for("static", filename="css/disclosure.css")
    return export.disclosure_html(file, stylesheet_url=stylesheet)


@bp.get("/residents/<int:request_id>/disclosure.pdf")
@coordinator_required
def disclosure_pdf(request_id: int):
    """The readable page in Japanese as a PDF download."""
    file = records.resident_file(request_or_404(request_id))
    record_read("privacy_export", file.requests, channel="pdf", detail="pdf")
    name = f"resident-{file.anchor.reference}.pdf"
    return Response(
        export.disclosure_pdf(file),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/requests/<int:request_id>/correct", methods=["GET", "POST"])
@coordinator_required
def correct(request_id: int):
    """Correct the resident's personal fields on one request, with the reason."""
    help_request = request_or_404(request_id)
    if help_request.anonymised_at is not None:
        flash(_("This request has been anonymised: nothing to correct."), "error")
        return redirect(url_for("privacy.resident", request_id=help_request.id))
    form = CorrectionForm(obj=None if request.method == "POST" else help_request)
    if form.validate_on_submit():
        try:
            changed = service.correct(
                help_request, form.personal_fields(), form.reason.data, current_user
            )
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Corrected: %(count)d field(s).", count=len(changed)), "ok")
            return redirect(url_for("privacy.resident", request_id=help_request.id))
    else:
        record_read("privacy_view", help_request, detail="correction form")
    return render_template("privacy/correct.html", form=form, r=help_request), form_status(form)


@bp.route("/residents/<int:request_id>/anonymise", methods=["GET", "POST"])
@coordinator_required
def anonymise(request_id: int):
    """Anonymise everything held about the resident, after a reason and a confirmation."""
    file = records.resident_file(request_or_404(request_id))
    form = AnonymiseForm()
    if form.validate_on_submit():
        try:
            count = service.anonymise_resident(file, form.reason.data, current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("Anonymised: %(count)d request(s).", count=count), "ok")
            return redirect(url_for("privacy.resident", request_id=file.anchor.id))
    return render_template("privacy/anonymise.html", form=form, file=file), form_status(form)
