"""The coordinators' view of the case log: recent activities, those needing follow-up first.

Case notes are personal data (a hospital visit's notes are health data): who may read them is
``help_requests.policy.case_notes_readable``, and every note shown is an audited read.
"""

from flask import Blueprint, render_template, request
from flask_login import current_user

from supporters.access import case_log_console_required
from supporters.activities import queries
from supporters.activities.forms import duration_label
from supporters.help_requests.labels import municipality_label
from supporters.pagination import paginate
from supporters.portal.labels import CATEGORY_LABELS, MODE_LABELS, OUTCOME_LABELS

bp = Blueprint("activities", __name__, url_prefix="/activities")


@bp.get("/")
@case_log_console_required
def index():
    """The latest logged activities (officers: their municipalities, without notes)."""
    follow_up = request.args.get("follow_up") == "1"
    page = paginate(queries.recent_activities(current_user, follow_up_only=follow_up))
    rows = list(page.items)
    readable = queries.notes_shown(rows)  # only the page's notes are shown, and audited
    return render_template(
        "activities/index.html",
        activities=rows,
        page=page,
        args={"follow_up": 1} if follow_up else {},
        follow_up=follow_up,
        show_notes=bool(readable),
        readable=readable,
        duration_label=duration_label,
        municipality_label=municipality_label,
        CATEGORY_LABELS=CATEGORY_LABELS,
        MODE_LABELS=MODE_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
    )


@bp.app_context_processor
def case_log_helpers():
    """For ``activities/_for_request.html``, included on the request page."""
    return {"case_log_for": _case_log_for, "ACTIVITY_OUTCOME_LABELS": OUTCOME_LABELS}


def _case_log_for(request_id: int) -> dict:
    """The activities logged for a request, and whose notes the viewer may read (audited)."""
    activities = queries.for_request(request_id)
    return {"activities": activities, "readable": queries.notes_shown(activities)}
