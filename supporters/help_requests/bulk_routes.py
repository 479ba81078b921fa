"""Console routes for possible duplicates (merge, dismiss) and bulk actions (close requests,
message supporters). Thin: parse, call ``duplicates.py`` / ``bulk.py``, redirect or re-render."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import bulk_actions_required, can_manage_requests, request_or_404
from supporters.help_requests import bulk, duplicates, labels
from supporters.help_requests.bulk_forms import (
    BulkCloseForm,
    DecisionForm,
    MessageForm,
    selected_ids,
)
from supporters.help_requests.routes import _refused_on_detail, request_labels
from supporters.i18n import translated_labels
from supporters.refusals import NOT_FOUND, Refused, show_on_form

bp = Blueprint("bulk_actions", __name__)
# A refused decision re-renders the request page, which needs the request console's words.
bp.context_processor(request_labels)


@bp.app_context_processor
def duplicate_helpers():
    """The request page and the list ask for open duplicate candidates through these."""
    return {
        "open_duplicates": _open_duplicates,
        "duplicate_reason": _reason_label,
    }


def _open_duplicates(request_ids) -> dict:
    """Open candidates by request, for those who decide them (staff); nobody else is told that a
    resident may have another request (it may be a hospital request they cannot see)."""
    if not can_manage_requests(current_user):
        return {}
    return duplicates.open_candidates(request_ids)


def _reason_label(code: str) -> str:
    return translated_labels(duplicates.REASON_LABELS).get(code, code)


def _status_of(refusal: Refused) -> int:
    return 422 if refusal.is_about_input else 404 if refusal.code == NOT_FOUND else 409


def _chosen(loader, ids) -> tuple[list, int]:
    """The selected rows the user may see, or none and 422 when too many were selected."""
    if not ids:
        return [], 200
    try:
        return loader(ids, current_user), 200
    except Refused as refusal:
        flash(str(refusal.message), "error")
        return [], 422


def _candidate(request_id: int, candidate_id: int):
    help_request = request_or_404(request_id)
    row = duplicates.candidate_or_none(help_request, candidate_id)
    if row is None:
        abort(404)
    return help_request, row


@bp.post("/requests/<int:request_id>/duplicates/<int:candidate_id>/merge")
@bulk_actions_required
def merge_duplicate(request_id: int, candidate_id: int):
    """Close the later request as merged into the earlier one; go to the earlier one."""
    _help_request, row = _candidate(request_id, candidate_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        earlier = duplicates.merge(row, current_user)
    except Refused as refusal:
        return _refused_on_detail(request_id, refusal)
    flash(_("The duplicate was merged into request %(ref)s.", ref=earlier.reference), "ok")
    return redirect(url_for("help_requests.detail", request_id=earlier.id))


@bp.post("/requests/<int:request_id>/duplicates/<int:candidate_id>/dismiss")
@bulk_actions_required
def dismiss_duplicate(request_id: int, candidate_id: int):
    """Record that the two requests are not the same."""
    _help_request, row = _candidate(request_id, candidate_id)
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        duplicates.dismiss(row, current_user)
    except Refused as refusal:
        return _refused_on_detail(request_id, refusal)
    flash(_("Marked as not a duplicate."), "ok")
    return redirect(url_for("help_requests.detail", request_id=request_id))


@bp.post("/requests/bulk/close")
@bulk_actions_required
def close_requests():
    """Close the requests ticked on the list: first a page to confirm with a reason."""
    ids = selected_ids(request.form.getlist("ids"))
    form = BulkCloseForm()
    chosen, status = _chosen(bulk.requests_for, ids)
    # As they are now: a refusal below rolls back whatever the service changed before it.
    statuses = {r.id: r.status for r in chosen}
    if form.validate_on_submit() and form.confirmed.data == "1":
        try:
            closed = bulk.close_requests(ids, form.reason.data or "", current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
            flash(str(refusal.message), "error")
            status = _status_of(refusal)
        else:
            flash(_("%(n)d request(s) closed.", n=len(closed)), "ok")
            return redirect(url_for("help_requests.index"))
    elif not ids:
        flash(_("Select at least one."), "error")
        status = 422
    return render_template(
        "requests/bulk_close.html",
        form=form,
        chosen=chosen,
        statuses=statuses,
        REQUEST_STATUS_LABELS=translated_labels(labels.REQUEST_STATUS_LABELS),
    ), status


@bp.route("/supporters/bulk/message", methods=["GET", "POST"])
@bulk_actions_required
def message_supporters():
    """Send a fixed message to the supporters ticked on the search or registry list."""
    source = request.form if request.method == "POST" else request.args
    ids = selected_ids(source.getlist("ids"))
    form = MessageForm()
    status = 200
    if form.validate_on_submit():
        try:
            sent = bulk.message_supporters(ids, form.message.data, current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
            flash(str(refusal.message), "error")
            status = _status_of(refusal)
        else:
            flash(_("Message sent to %(n)d supporter(s).", n=len(sent)), "ok")
            return redirect(url_for("registry.index"))
    chosen, listed = _chosen(bulk.supporters_for, ids)
    status = max(status, listed)
    if status == 200 and form.errors:
        status = 422
    return render_template("requests/bulk_message.html", form=form, chosen=chosen), status
