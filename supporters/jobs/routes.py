"""The console's "Background work" page (admins): workers, outbox, calendar, dead letters."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.access import admin_required
from supporters.jobs import console
from supporters.refusals import Refused

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

JOB_LABELS = {
    "retention_purge": _l("Anonymise requests past the retention period"),
    "continuation_check": _l("Yearly continuation check"),
    "weekly_digest": _l("Weekly digest for coordinators"),
    "stipend_close_reminder": _l("Reminder to close last month's stipends"),
    "resident_reminders": _l("Reminders to residents the day before"),
    "run_scheduled_job": _l("Scheduled job run by hand"),
    "deliver_outbox": _l("Message delivery"),
}


def job_label(name: str) -> str:
    """A job's name in the viewer's language (its code if it has no label)."""
    return str(JOB_LABELS.get(name.removeprefix("schedule:"), name))


@bp.get("/")
@admin_required
def index():
    """Workers' heartbeats, the outbox by status, each scheduled job's last run, dead letters."""
    return render_template(
        "jobs/index.html",
        view=console.overview(),
        masked=console.masked,
        job_label=job_label,
        when=_when,
        channel_labels={
            "email": _("E-mail"),
            "line": "LINE",
            "webpush": _("Web Push (supporters' phones)"),
            "sms": "SMS",
        },
    )


def _when(value) -> str:
    """An instant in the viewer's language, in JST (Flask-Babel's time zone setting)."""
    return format_datetime(value, "short") if value is not None else "—"


@bp.post("/messages/<int:message_id>/<any(retry,discard):action>")
@admin_required
def message_action(message_id: int, action: str):
    """Retry or discard a message that failed on every channel."""
    return _decide(
        console.act_on_message,
        message_id,
        action,
        _("This message is no longer waiting for a decision."),
    )


@bp.post("/failures/<int:failure_id>/<any(retry,discard):action>")
@admin_required
def job_action(failure_id: int, action: str):
    """Run a failed job again, or discard it."""
    return _decide(
        console.act_on_job, failure_id, action, _("This job is no longer waiting for a decision.")
    )


def _decide(act, dead_letter_id: int, action: str, already_decided: str):
    """Apply an admin's retry or discard; 404 if the dead letter is unknown, back to the page."""
    try:
        act(dead_letter_id, action)
    except Refused as refusal:
        if refusal.code == "not_found":
            abort(404)
        flash(already_decided, "error")
        return redirect(url_for("jobs.index"), 303)
    flash(_("Queued again.") if action == "retry" else _("Discarded."), "success")
    return redirect(url_for("jobs.index"), 303)
