"""The coordinators' view of the case log: recent activities, those needing follow-up first."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from supporters.access import roles_required
from supporters.activities import queries
from supporters.activities.forms import duration_label
from supporters.extensions import db
from supporters.models import Role
from supporters.portal.labels import CATEGORY_LABELS, MODE_LABELS, OUTCOME_LABELS

bp = Blueprint("activities", __name__, url_prefix="/activities")


@bp.get("/")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)
def index():
    """The latest logged activities (officers: their municipalities, without notes)."""
    follow_up = request.args.get("follow_up") == "1"
    rows = db.session.scalars(queries.recent_activities(current_user, follow_up_only=follow_up))
    return render_template(
        "activities/index.html",
        activities=list(rows),
        follow_up=follow_up,
        show_notes=current_user.role in (Role.ADMIN, Role.COORDINATOR),
        duration_label=duration_label,
        CATEGORY_LABELS=CATEGORY_LABELS,
        MODE_LABELS=MODE_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
    )


@bp.app_context_processor
def case_log_helpers():
    """For ``activities/_for_request.html``, included on the request page."""
    return {"case_log_for": _case_log_for, "ACTIVITY_OUTCOME_LABELS": OUTCOME_LABELS}


def _case_log_for(request_id: int) -> dict:
    """The activities logged for a request, and whether the viewer may read their notes."""
    return {
        "activities": queries.for_request(request_id),
        "show_notes": current_user.is_authenticated
        and current_user.role in (Role.ADMIN, Role.COORDINATOR),
    }
