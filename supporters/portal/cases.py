"""The supporter's work: assignments, the two-minute case log, stipends.

A case typed on a phone must never be lost: a double tap saves it once (``client_token``), an
expired form token shows the form again with what was typed, and an expired session keeps the
input in a server-side draft that fills the form again after sign-in (``activities/drafts.py``).
"""

import time
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from supporters import counters
from supporters.access import keeps_own_case_log, supporter_required, wants_json
from supporters.activities import drafts, queries
from supporters.activities.forms import ActivityForm, duration_label
from supporters.activities.ics import calendar
from supporters.activities.log import can_edit, editable_since, log_activity, update_activity
from supporters.clock import today_jst, utcnow
from supporters.help_requests import video_rooms
from supporters.help_requests.policy import read_request
from supporters.input_guard import parse_id
from supporters.portal.labels import labels
from supporters.portal.routes import bp
from supporters.refusals import Refused, form_status, show_on_form
from supporters.stipends import queries as stipend_queries
from supporters.stipends.rules import eligible, fiscal_months, history_of
from supporters.stipends.settings import rule_for

LOG_ENDPOINTS = frozenset({"portal.log_new", "portal.log_edit"})


def _supporter():
    supporter = current_user.supporter
    if supporter is None:
        abort(404)
    return supporter


# --- Assignments ---------------------------------------------------------------------------------


@bp.get("/assignments/<int:request_id>")
@supporter_required
def assignment(request_id: int):
    """Where and when to meet, whom, what is needed, and who the coordinator is."""
    item = queries.own_assignment_or_404(request_id)
    return render_template(
        "portal/assignment.html",
        r=item,
        fields=read_request(item),
        coordinator=queries.coordinator_of(item),
        logged=queries.for_request(item.id),
        video_link=video_rooms.link_for_supporter(item, current_user.supporter_id),
        now=utcnow(),
        **labels(),
    )


@bp.post("/assignments/<int:request_id>/confirm")
@supporter_required
def confirm_assignment(request_id: int):
    """ "I will come": the supporter confirms the assignment (as from the reminder's link)."""
    from supporters.help_requests.confirmation import confirm

    item = queries.own_assignment_or_404(request_id)
    try:
        confirm(item.id, _supporter().id, current_user)
    except Refused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("portal.assignment", request_id=item.id), 303)
    flash(_("Thank you. The coordinator knows you will come."), "ok")
    return redirect(url_for("portal.assignment", request_id=item.id), 303)


@bp.get("/assignments/<int:request_id>.ics")
@supporter_required
def assignment_ics(request_id: int):
    """The assignment as a calendar event; no name, contact or health detail in it."""
    from dataclasses import replace

    from supporters.calendar.feed import event_of

    item = queries.own_assignment_or_404(request_id)
    # The same event as in the supporter's feed (kind of help and town, never the category),
    # with the place added: this file is fetched by the signed-in supporter, not synced.
    event = replace(event_of(item), location=item.place_name)
    return Response(
        calendar(event, utcnow()),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="yorisoi-{item.id}.ics"'},
    )


# --- Case log ------------------------------------------------------------------------------------


@bp.get("/log/")
@supporter_required
def log():
    """My activities this month and last, newest first."""
    supporter = _supporter()
    return render_template(
        "portal/log_list.html",
        activities=queries.my_activities(supporter.id, editable_since()),
        duration_label=duration_label,
        **labels(),
    )


@bp.route("/log/new", methods=["GET", "POST"])
@supporter_required
def log_new():
    """Log a case (pre-filled from ``?request=<id>`` when it closes an assignment)."""
    supporter = _supporter()
    form = ActivityForm()
    assigned = None
    if (request_id := parse_id(request.args.get("request"))) is not None:
        assigned = queries.own_assignment_or_404(request_id)
    if request.method == "GET":
        form.prefill(supporter, assigned)
        restored = _restore_draft(form)
        return _form_page(form, assigned, restored=restored)
    if not form.validate_on_submit():
        return _form_page(form, assigned), form_status(form)
    try:
        logged = log_activity(supporter, form.entry(), current_user)
    except Refused as refusal:
        show_on_form(form, refusal, ActivityForm.FIELD_NAMES)
        return _form_page(form, assigned), form_status(form)
    if logged.already_saved:
        flash(_("This case was already saved."), "info")
    elif logged.activity.request_id:
        flash(_("Saved. The assignment is done — thank you!"), "ok")
    else:
        flash(_("Saved. Thank you!"), "ok")
    return redirect(url_for("portal.log", _anchor=f"a{logged.activity.id}"))


@bp.route("/log/<int:activity_id>/edit", methods=["GET", "POST"])
@supporter_required
def log_edit(activity_id: int):
    """Correct one of my activities (this month and last; [4/6] closes months)."""
    activity = queries.own_activity_or_404(activity_id)
    form = ActivityForm()
    editable = can_edit(activity)
    if request.method == "GET":
        form.load(activity)
        restored = _restore_draft(form)
        return _form_page(form, activity.request, activity=activity, restored=restored)
    if not editable:
        abort(403)
    if not form.validate_on_submit():
        return _form_page(form, activity.request, activity=activity), form_status(form)
    entry = form.entry()
    entry.request_id = activity.request_id
    try:
        update_activity(activity, entry, current_user)
    except Refused as refusal:
        show_on_form(form, refusal, ActivityForm.FIELD_NAMES)
        return _form_page(form, activity.request, activity=activity), form_status(form)
    flash(_("Your changes are saved."), "ok")
    return redirect(url_for("portal.log", _anchor=f"a{activity.id}"))


def _form_page(form, assigned=None, activity=None, restored=False, problem=None):
    return render_template(
        "portal/log_form.html",
        form=form,
        assigned=assigned,
        activity=activity,
        editable=activity is None or can_edit(activity),
        restored=restored,
        problem=problem,
        draft_author=drafts.author_token(current_user.id),
        **labels(),
    )


def _restore_draft(form: ActivityForm) -> bool:
    """Fill ``form`` with the draft kept through an expired session, if it belongs here."""
    draft = drafts.waiting(current_user.id)
    if draft is None or draft["path"] != request.path:
        return False
    form.process(formdata=draft["form"])
    after_this_request(drafts.forget)
    return True


@bp.errorhandler(CSRFError)
def form_expired(error):
    """On the case log, an expired form token or session must not lose what was typed."""
    supporter_form = request.endpoint in LOG_ENDPOINTS and request.method == "POST"
    if not supporter_form or wants_json():
        return current_app.error_handler_spec[None][400][CSRFError](error)
    if not current_user.is_authenticated:  # the session itself is gone
        response = redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return drafts.stash(response, request.form, None, request.path)
    if not keeps_own_case_log(current_user) or current_user.supporter is None:
        return current_app.error_handler_spec[None][400][CSRFError](error)
    form = ActivityForm()  # what was posted, with a fresh token
    activity = None
    if request.view_args and "activity_id" in request.view_args:
        activity = queries.own_activity_or_404(request.view_args["activity_id"])
    problem = _("Your session had expired. Please check the form and send it again.")
    assigned = activity.request if activity else None
    return _form_page(form, assigned, activity=activity, problem=problem), 400


@bp.before_app_request
def _keep_case_log_through_idle_timeout():
    """A case log sent from a session past the idle timeout is kept for after sign-in.

    Runs before ``safety._enforce_idle_timeout`` (blueprints register their hooks before
    ``safety.init_app``), which signs the user out and redirects to /login; the draft and a
    ``next`` back to the form are added to that redirect. So is a case log sent after the
    session ended on the server (absolute lifetime, signed out elsewhere) while its cookie,
    and so the form token, still looks valid: ``drafts`` finds the author without a session.
    """
    if request.method != "POST" or request.endpoint not in LOG_ENDPOINTS:
        return
    if not current_user.is_authenticated:
        user_id = None
    elif _idle():
        user_id = current_user.id
    else:
        return
    posted, path = request.form.copy(), request.path
    back = request.full_path.rstrip("?")

    @after_this_request
    def keep(response):
        to_login = response.status_code in (302, 303)
        to_login = to_login and urlsplit(response.location).path == url_for("auth.login")
        if to_login:
            response.location = url_for("auth.login", next=back)
        if user_id is None and not to_login:
            return response
        return drafts.stash(response, posted, user_id, path)


def _idle() -> bool:
    """Mirrors the rule of ``safety._enforce_idle_timeout`` (signed out after IDLE_TIMEOUT)."""
    last_seen = session.get("seen_at")
    limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
    return last_seen is not None and time.time() - last_seen > limit


# --- Stipends ------------------------------------------------------------------------------------


@bp.get("/stipends")
@supporter_required
def stipends():
    """This fiscal year, month by month: closed months with their lines (paid or pending), open
    months with what the rule would give if I stay certified."""
    supporter = _supporter()
    today = today_jst()
    earns = {
        row.month: row.eligible for row in eligible(fiscal_months(today), history_of(supporter))
    }
    rows = stipend_queries.own_months(supporter, earns, today)
    total = sum(row.booked_yen if row.closed else row.expected_yen for row in rows)
    return render_template(
        "portal/stipends.html",
        rows=rows,
        amount=counters.yen(rule_for(today.replace(day=1)).amount_yen),  # 2,000えん in Easy
        total=counters.yen(total),
    )
