"""Dashboard view."""

from flask import Blueprint, render_template
from flask_login import current_user

from supporters.access import (
    can_change_programme,
    console_required,
    report_scope,
    sees_request_queue,
)
from supporters.clock import utcnow
from supporters.help_requests.queries import queue as request_queue
from supporters.i18n import translated_labels
from supporters.programme.settings import current as programme_settings
from supporters.roster import roster_summary

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@console_required
def index():
    """The requests waiting for a coordinator, then the roster against its targets."""
    scope = report_scope(current_user) or frozenset()  # an officer's municipalities, else all
    programme = programme_settings()
    summary = roster_summary(
        target=programme.target_supporters,
        target_fiscal_year=programme.target_fiscal_year,
        scope=scope,
    )
    queue = []
    if sees_request_queue(current_user):
        queue = request_queue(current_user, utcnow())
    return render_template(
        "dashboard/index.html",
        summary=summary,
        queue=queue,
        now=utcnow(),
        start_programme=can_change_programme(current_user) and not programme.exists,
        scope_names=_scope_names(scope),
        **_request_labels(),
    )


def _scope_names(scope: frozenset[str]) -> list[str]:
    """An officer's municipalities by name in the reader's language (never bare codes)."""
    from supporters.i18n import localized_name
    from supporters.reference_data import reference_data

    municipalities = reference_data().municipalities
    return [
        localized_name(municipalities[code]) if code in municipalities else code
        for code in sorted(scope)
    ]


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
