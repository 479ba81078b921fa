"""API: the supporter registry — list (filtered, scoped), read, register, update, certify.

Writes go through ``registry.operations`` exactly as the registry pages do: this module only
turns the JSON into the service's drafts, and the service's refusal into the error body.
"""

from flask_login import current_user
from marshmallow import Schema, fields, pre_load, validate

from supporters.access import (
    can_certify_short_of_hours,
    coordinator_required,
    registry_viewers,
    supporter_or_404,
)
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.common import ErrorSchema, PageArgsSchema, enum_field, page_of
from supporters.api.errors import refused
from supporters.audit import record
from supporters.clock import today_jst
from supporters.models import GENDERS, JAPANESE_LEVELS, LanguageLevel, Mode, SupporterStatus
from supporters.programme.settings import current as programme_settings
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.forms import normalise_phone, normalise_text
from supporters.registry.operations import SupporterProfile
from supporters.registry.queries import SupporterFilters, supporter_list_statement

# --- JSON shapes (parse types only; the rules are the service's) ---


class SupporterLanguageSchema(Schema):
    code = fields.String(required=True)
    level = enum_field(LanguageLevel, required=True)


class SupporterSchema(Schema):
    """A supporter's registry record; contact fields are null for who may not see them."""

    id = fields.Integer()
    display_name = fields.String()
    status = enum_field(SupporterStatus)
    home_municipality_code = fields.String()
    served_municipality_codes = fields.List(fields.String())
    languages = fields.List(fields.Nested(SupporterLanguageSchema))
    japanese_level = fields.String()
    origins = fields.List(fields.String())
    modes = fields.List(enum_field(Mode))
    monthly_case_cap = fields.Integer()
    training_cohort = fields.String()
    applied_on = fields.Date(allow_none=True)
    certified_on = fields.Date(allow_none=True)
    suspended_on = fields.Date(allow_none=True)
    retired_on = fields.Date(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    paused_until = fields.Date(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class SupporterListArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    language = fields.String(load_default="", validate=validate.Length(max=16))
    municipality = fields.String(load_default="", validate=validate.Length(max=5))
    status = enum_field(SupporterStatus, load_default=None)
    mode = enum_field(Mode, load_default=None)


class SupporterInSchema(Schema):
    """A supporter's profile as a coordinator enters it (the registry form's fields).

    Only types are checked here; every rule (required fields, lengths, formats, codes that
    exist, the case limit) is the registry service's, so the API answers with the same field
    messages as the form and the CSV import (422 ``invalid``).
    """

    display_name = fields.String(metadata={"description": "Required; at most 100 characters."})
    email = fields.String(metadata={"description": "Required; unique in the registry."})
    phone = fields.String(metadata={"example": "090-1234-5678", "description": "Required."})
    home_municipality_code = fields.String(metadata={"description": "Required."})
    served_municipality_codes = fields.List(fields.String())
    languages = fields.List(
        fields.Nested(SupporterLanguageSchema),
        metadata={"description": "At least one; strongest first; each language once."},
    )
    japanese_level = fields.String(metadata={"description": ", ".join(JAPANESE_LEVELS)})
    origins = fields.List(fields.String(), metadata={"description": "ISO 3166 codes, e.g. VN."})
    modes = fields.List(enum_field(Mode), metadata={"description": "At least one."})
    gender = fields.String(allow_none=True, metadata={"description": ", ".join(GENDERS)})
    monthly_case_cap = fields.Integer(metadata={"description": "Required; 1 to 60."})
    training_cohort = fields.String(metadata={"description": "At most 30 characters."})
    notes = fields.String(metadata={"description": "At most 4,000 characters."})
    applied_on = fields.Date(metadata={"description": "Default: today (JST)."})

    @pre_load
    def normalise(self, data, **kwargs):
        """The same clean-up as the registry form: NFC names, lower-case e-mail, NFKC phone."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key in ("display_name", "training_cohort"):
            if isinstance(data.get(key), str):
                data[key] = normalise_text(data[key])
        if isinstance(data.get("email"), str):
            data["email"] = normalise_text(data["email"]).lower()
        if isinstance(data.get("phone"), str):
            data["phone"] = normalise_phone(data["phone"])
        return data


class SupporterPatchSchema(SupporterInSchema):
    """Any subset of the profile; the rest stays as it is."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class CertifyInSchema(Schema):
    certificate_number = fields.String(
        metadata={"description": "Default: the next free number, e.g. INCS-2026-0001."},
    )
    effective_on = fields.Date(metadata={"description": "Default: today (JST)."})
    override_reason = fields.String(
        metadata={"description": "Administrators only: certify with training hours missing."},
    )


bp = protected_blueprint(
    "api_supporters",
    "The supporter registry. Municipal officers read the supporters who live in "
    "or serve their municipalities, without contact details.",
)


@bp.get("/supporters")
@registry_viewers
@bp.arguments(SupporterListArgsSchema, location="query")
@bp.response(200, page_of(SupporterSchema))
def list_supporters(args):
    """Supporters by name, filtered like the registry list; paginated."""
    filters = SupporterFilters(
        q=args["q"],
        language=args["language"],
        municipality=args["municipality"],
        status=args["status"].value if args["status"] else "",
        mode=args["mode"].value if args["mode"] else "",
    )
    return present.page(supporter_list_statement(filters, current_user), args, present.supporter)


@bp.get("/supporters/<int(max=2147483647):supporter_id>")
@registry_viewers
@bp.response(200, SupporterSchema)
def get_supporter(supporter_id: int):
    """One supporter; e-mail, phone, gender and notes for coordinators (each look audited)."""
    supporter = supporter_or_404(supporter_id)
    data = present.supporter(supporter, with_contact=True)
    if data["email"] is not None:
        record("view_contact", supporter)
    return data


@bp.post("/supporters")
@coordinator_required
@bp.arguments(SupporterInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the registry refuses the change in its present state.",
)
@bp.response(201, SupporterSchema)
def create_supporter(data):
    """Register a supporter as an applicant."""
    profile = _profile(data)
    try:
        supporter = operations.register_supporter(
            profile, data.get("applied_on") or today_jst(), current_user
        )
    except Refused as refusal:
        refused(refusal)
    return present.supporter(supporter, with_contact=True)


@bp.patch("/supporters/<int(max=2147483647):supporter_id>")
@coordinator_required
@bp.arguments(SupporterPatchSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: the supporter's status does not allow this change.",
)
@bp.response(200, SupporterSchema)
def update_supporter(data, supporter_id: int):
    """Change any part of a supporter's profile (not their status)."""
    supporter = supporter_or_404(supporter_id)
    current = present.supporter(supporter, with_contact=True)
    merged = {**current, **{k: v for k, v in data.items() if k != "applied_on"}}
    try:
        operations.update_supporter(supporter, _profile(merged), current_user)
    except Refused as refusal:
        refused(refusal)
    return present.supporter(supporter, with_contact=True)


@bp.post("/supporters/<int(max=2147483647):supporter_id>/certify")
@coordinator_required
@bp.arguments(CertifyInSchema)
@bp.alt_response(
    409,
    schema=ErrorSchema,
    description="``conflict``: only applicants can be certified (or hours are missing).",
)
@bp.response(200, SupporterSchema)
def certify_supporter(data, supporter_id: int):
    """Certify an applicant; the certificate number defaults to the next free one."""
    supporter = supporter_or_404(supporter_id)
    on = data.get("effective_on") or today_jst()
    number = data.get("certificate_number")
    if number is None:
        prefix = programme_settings().certificate_prefix
        number = operations.next_certificate_number(prefix, on.year)
    may_override = can_certify_short_of_hours(current_user)
    override = data.get("override_reason", "").strip() if may_override else ""
    try:
        operations.certify(supporter, number, on, current_user, override_reason=override)
    except Refused as refusal:
        refused(refusal)
    return present.supporter(supporter, with_contact=True)


def _profile(data: dict) -> SupporterProfile:
    """The service's draft from the JSON; a missing value is empty, for the service to refuse."""
    return SupporterProfile(
        display_name=data.get("display_name") or "",
        email=data.get("email") or "",
        phone=data.get("phone") or "",
        home_municipality_code=data.get("home_municipality_code") or "",
        served_municipality_codes=list(data.get("served_municipality_codes") or []),
        languages=[(entry["code"], entry["level"]) for entry in data.get("languages") or []],
        japanese_level=data.get("japanese_level") or "",
        origins=list(data.get("origins") or []),
        modes=[getattr(mode, "value", mode) for mode in data.get("modes") or []],
        gender=data.get("gender"),
        monthly_case_cap=data.get("monthly_case_cap"),
        training_cohort=data.get("training_cohort") or "",
        notes=data.get("notes") or "",
    )
