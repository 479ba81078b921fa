"""API: the case log — supporters log their own cases; coordinators may log on a supporter's
behalf (paper records). Sending the same ``client_token`` again returns the saved entry."""

from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from supporters.access import STAFF, roles_required
from supporters.activities.log import MAX_AGE_DAYS, ActivityEntry, ActivityError, log_activity
from supporters.activities.queries import scope_activities
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.errors import fail, refused
from supporters.api.schemas import (
    ActivityInSchema,
    ActivityListArgsSchema,
    ActivitySchema,
    page_of,
)
from supporters.extensions import db
from supporters.models import Activity, Language, Municipality, Role, Supporter
from supporters.stipends.months import parse_month

bp = protected_blueprint(
    "api_activities",
    "The case log. Supporters read and log their own cases; municipal officers "
    "read their municipalities' cases except hospital visits, without notes.",
)

loggers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.SUPPORTER)
readers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER, Role.SUPPORTER)


@bp.get("/activities")
@readers
@bp.arguments(ActivityListArgsSchema, location="query")
@bp.response(200, page_of(ActivitySchema))
def list_activities(args):
    """Logged cases, newest first, optionally of one supporter and one month; paginated."""
    stmt = select(Activity).order_by(Activity.happened_on.desc(), Activity.id.desc())
    if current_user.role == Role.SUPPORTER:
        stmt = stmt.where(Activity.supporter_id == current_user.supporter_id)
    else:
        stmt = scope_activities(stmt, current_user)
    if args.get("supporter_id"):
        stmt = stmt.where(Activity.supporter_id == args["supporter_id"])
    if args.get("month"):
        first = parse_month(args["month"])
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        stmt = stmt.where(Activity.happened_on >= first, Activity.happened_on < following)
    return present.page(stmt, args, present_all=present.activities)


@bp.post("/activities")
@loggers
@bp.arguments(ActivityInSchema)
@bp.response(201, ActivitySchema, description="Logged.")
@bp.alt_response(200, schema=ActivitySchema, description="Already logged with this client_token.")
def log_case(data):
    """Log a case. Completes the linked request when it was assigned to the supporter."""
    supporter = _supporter_for(data.get("supporter_id"))
    _check_codes(data)
    entry = ActivityEntry(
        happened_on=data["happened_on"],
        duration_minutes=data["duration_minutes"],
        category=data["category"],
        mode=data["mode"],
        municipality_code=data["municipality_code"],
        language_code=data.get("language_code"),
        outcome=data.get("outcome"),
        people_reached=data.get("people_reached"),
        follow_up_needed=data["follow_up_needed"],
        notes=data["notes"],
        client_token=data["client_token"],
        request_id=data.get("request_id"),
    )
    try:
        # Paper records entered by staff may be older than a supporter's phone log reaches.
        age_limit = None if current_user.role in STAFF else MAX_AGE_DAYS
        logged = log_activity(supporter, entry, current_user, max_age_days=age_limit)
    except ActivityError as error:
        refused(error)
    return present.activity(logged.activity), 200 if logged.already_saved else 201


def _supporter_for(supporter_id: int | None) -> Supporter:
    """Whose log: the caller's own (supporters), or the one named (coordinators)."""
    if current_user.role == Role.SUPPORTER:
        if supporter_id not in (None, current_user.supporter_id):
            abort(403)
        supporter = current_user.supporter
        if supporter is None:
            abort(403)
        return supporter
    if supporter_id is None:
        fail(
            422, "Give the supporter whose case this is.", "invalid", {"supporter_id": "Required."}
        )
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None:
        fail(422, "Unknown supporter.", "invalid", {"supporter_id": "Unknown supporter."})
    return supporter


def _check_codes(data: dict) -> None:
    problems = {}
    if db.session.get(Municipality, data["municipality_code"]) is None:
        problems["municipality_code"] = "Unknown municipality code."
    if data.get("language_code") and db.session.get(Language, data["language_code"]) is None:
        problems["language_code"] = "Unknown language code."
    if problems:
        fail(422, "Please correct the marked fields.", "invalid", problems)
