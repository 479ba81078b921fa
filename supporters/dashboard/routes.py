"""Dashboard view."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from supporters.access import console_required, report_scope, sees_request_queue
from supporters.clock import utcnow
from supporters.help_requests.queries import queue as request_queue
from supporters.i18n import translated_labels
from supporters.roster import roster_summary

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@console_required
def index():
    """The requests waiting for a coordinator, then the roster against its targets."""
    scope = report_scope(current_user) or frozenset()  # an officer's municipalities, else all
    summary = roster_summary(
        target=current_app.config["TARGET_SUPPORTERS"],
        target_fiscal_year=current_app.config["TARGET_FISCAL_YEAR"],
        scope=scope,
    )
    queue = []
    if sees_request_queue(current_user):
        queue = request_queue(current_user, utcnow())
    return render_template(
        "dashboard/index.html", summary=summary, queue=queue, now=utcnow(), **_request_labels()
    )


def _request_labels() -> dict:
    from supporters.help_requests.labels import (
        CATEGORY_LABELS,
        REQUEST_STATUS_LABELS,
        language_label,
    )

    return {
        "CATEGORY_LABELS": translated_labels(CATEGORY_LABELS),
        "REQUEST_STATUS_LABELS": translated_labels(REQUEST_STATUS_LABELS),
        "language_label": language_label,
    }
