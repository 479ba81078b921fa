"""API: the case log — supporters log their own cases; coordinators may log on a supporter's
behalf (paper records). Sending the same ``client_token`` again returns the saved entry."""

from datetime import date

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select

from supporters.access import (
    case_log_read_required,
    case_log_write_required,
    enters_paper_records,
    keeps_own_case_log,
    scope_activities,
)
from supporters.activities.log import ActivityEntry, log_activity
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.common import (
    ID,
    MONTH_PATTERN,
    ErrorSchema,
    PageArgsSchema,
    enum_field,
    page_of,
    valid_month,
    within_years,
)
from supporters.api.errors import fail, refused
from supporters.extensions import db
from supporters.models import Activity, ActivityCategory, ActivityOutcome, Mode, Supporter
from supporters.refusals import Refused
from supporters.stipends.months import parse_month

# --- JSON shapes (parse types only; the rules are the service's) ---


class ActivityInSchema(Schema):
    """A case for the log. Supporters log their own; staff give ``supporter_id``.

    Types only: the rules (required, ranges, codes, lengths) are ``activities.log.check``'s.
    """

    supporter_id = fields.Integer(
        validate=ID,
        metadata={"description": "Required for coordinators; a supporter may only give their own."},
    )
    happened_on = fields.Date(allow_none=True, validate=within_years)
    duration_minutes = fields.Integer(allow_none=True, metadata={"description": "1 to 1440."})
    category = enum_field(ActivityCategory, allow_none=True)
    mode = enum_field(Mode, allow_none=True)
    municipality_code = fields.String(allow_none=True)
    language_code = fields.String(allow_none=True)
    outcome = enum_field(
        ActivityOutcome, allow_none=True, metadata={"description": "Required for cases."}
    )
    people_reached = fields.Integer(allow_none=True, metadata={"description": "Information only."})
    follow_up_needed = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", metadata={"description": "At most 1,000 characters."})
    client_token = fields.String(
        load_default="",
        metadata={"description": "Idempotency key: sending it again returns the saved entry."},
    )
    request_id = fields.Integer(allow_none=True, validate=ID)


class ActivitySchema(Schema):
    id = fields.Integer()
    supporter_id = fields.Integer()
    request_id = fields.Integer(allow_none=True)
    happened_on = fields.Date()
    duration_minutes = fields.Integer()
    category = enum_field(ActivityCategory)
    mode = enum_field(Mode)
    municipality_code = fields.String()
    language_code = fields.String(allow_none=True)
    outcome = enum_field(ActivityOutcome, allow_none=True)
    people_reached = fields.Integer(allow_none=True)
    follow_up_needed = fields.Boolean()
    notes = fields.String(allow_none=True, metadata={"description": "Null for officers."})
    logged_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ActivityListArgsSchema(PageArgsSchema):
    supporter_id = fields.Integer(validate=ID)
    month = fields.String(
        validate=valid_month, metadata={"description": "YYYY-MM", "pattern": MONTH_PATTERN}
    )


bp = protected_blueprint(
    "api_activities",
    "The case log. Supporters read and log their own cases; municipal officers "
    "read their municipalities' cases except hospital visits, without notes.",
)


@bp.get("/activities")
@case_log_read_required
@bp.arguments(ActivityListArgsSchema, location="query")
@bp.response(200, page_of(ActivitySchema))
def list_activities(args):
    """Logged cases, newest first, optionally of one supporter and one month; paginated."""
    stmt = select(Activity).order_by(Activity.happened_on.desc(), Activity.id.desc())
    stmt = scope_activities(stmt, current_user)
    if args.get("supporter_id"):
        stmt = stmt.where(Activity.supporter_id == args["supporter_id"])
    if args.get("month"):
        first = parse_month(args["month"])
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        stmt = stmt.where(Activity.happened_on >= first, Activity.happened_on < following)
    return present.page(stmt, args, present_all=present.activities)


@bp.post("/activities")
@case_log_write_required
@bp.arguments(ActivityInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the stipend month is closed.",
)
@bp.response(201, ActivitySchema, description="Logged.")
@bp.alt_response(200, schema=ActivitySchema, description="Already logged with this client_token.")
def log_case(data):
    """Log a case. Completes the linked request when it was assigned to the supporter."""
    supporter = _supporter_for(data.get("supporter_id"))
    entry = ActivityEntry(
        happened_on=data.get("happened_on"),
        duration_minutes=data.get("duration_minutes"),
        category=data.get("category"),
        mode=data.get("mode"),
        municipality_code=data.get("municipality_code"),
        language_code=data.get("language_code"),
        outcome=data.get("outcome"),
        people_reached=data.get("people_reached"),
        follow_up_needed=data["follow_up_needed"],
        notes=data["notes"],
        client_token=data["client_token"],
        request_id=data.get("request_id"),
    )
    try:
        paper = enters_paper_records(current_user)
        logged = log_activity(supporter, entry, current_user, paper=paper)
    except Refused as refusal:
        refused(refusal)
    return present.activity(logged.activity), 200 if logged.already_saved else 201


def _supporter_for(supporter_id: int | None) -> Supporter:
    """Whose log: the caller's own (supporters), or the one named (coordinators)."""
    if keeps_own_case_log(current_user):
        if supporter_id not in (None, current_user.supporter_id):
            abort(403)
        supporter = current_user.supporter
        if supporter is None:
            abort(403)
        return supporter
    if supporter_id is None:
        fail(
            422, _("Please correct the marked fields."), "invalid", {"supporter_id": _("Required.")}
        )
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None:
        fail(422, _("Unknown supporter."), "invalid", {"supporter_id": _("Unknown supporter.")})
    return supporter
