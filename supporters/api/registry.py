"""API: the supporter registry — list (filtered, scoped), read, register, update, certify.

Writes go through ``registry.operations`` exactly as the registry pages do; this module only
checks what the form's option lists would have guaranteed (codes that exist).
"""

from babel import Locale
from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from supporters.access import coordinator_required, roles_required, supporter_or_404
from supporters.api import present
from supporters.api.auth import protected_blueprint
from supporters.api.errors import fail, refused
from supporters.api.schemas import (
    CertifyInSchema,
    SupporterInSchema,
    SupporterListArgsSchema,
    SupporterPatchSchema,
    SupporterSchema,
    page_of,
)
from supporters.audit import record
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.models import Language, Municipality, Role
from supporters.registry import operations
from supporters.registry.operations import RegistryError, SupporterProfile
from supporters.registry.queries import SupporterFilters, supporter_list_statement

bp = protected_blueprint(
    "api_supporters",
    "The supporter registry. Municipal officers read the supporters who live in "
    "or serve their municipalities, without contact details.",
)

registry_readers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)
COUNTRIES = frozenset(code for code in Locale("en").territories if len(code) == 2)


@bp.get("/supporters")
@registry_readers
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
@registry_readers
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
@bp.response(201, SupporterSchema)
def create_supporter(data):
    """Register a supporter as an applicant."""
    profile = _profile(data)
    try:
        supporter = operations.register_supporter(
            profile, data.get("applied_on") or today_jst(), current_user
        )
    except RegistryError as error:
        refused(error)
    return present.supporter(supporter, with_contact=True)


@bp.patch("/supporters/<int(max=2147483647):supporter_id>")
@coordinator_required
@bp.arguments(SupporterPatchSchema)
@bp.response(200, SupporterSchema)
def update_supporter(data, supporter_id: int):
    """Change any part of a supporter's profile (not their status)."""
    supporter = supporter_or_404(supporter_id)
    current = present.supporter(supporter, with_contact=True)
    merged = {**current, **{k: v for k, v in data.items() if k != "applied_on"}}
    try:
        operations.update_supporter(supporter, _profile(merged), current_user)
    except RegistryError as error:
        refused(error)
    return present.supporter(supporter, with_contact=True)


@bp.post("/supporters/<int(max=2147483647):supporter_id>/certify")
@coordinator_required
@bp.arguments(CertifyInSchema)
@bp.response(200, SupporterSchema)
def certify_supporter(data, supporter_id: int):
    """Certify an applicant; the certificate number defaults to the next free one."""
    supporter = supporter_or_404(supporter_id)
    on = data.get("effective_on") or today_jst()
    number = data.get("certificate_number") or operations.next_certificate_number(
        current_app.config["CERTIFICATE_PREFIX"], on.year
    )
    override = data.get("override_reason", "").strip() if current_user.role == Role.ADMIN else ""
    try:
        operations.certify(supporter, number, on, current_user, override_reason=override)
    except RegistryError as error:
        refused(error)
    return present.supporter(supporter, with_contact=True)


def _profile(data: dict) -> SupporterProfile:
    """The service's profile from the JSON, after the checks the form's choices make."""
    _check_codes(data)
    return SupporterProfile(
        display_name=data["display_name"],
        email=data["email"],
        phone=data["phone"],
        home_municipality_code=data["home_municipality_code"],
        served_municipality_codes=list(data.get("served_municipality_codes") or []),
        languages=[(entry["code"], entry["level"]) for entry in data["languages"]],
        japanese_level=data["japanese_level"],
        origins=list(data.get("origins") or []),
        modes=[getattr(mode, "value", mode) for mode in data["modes"]],
        gender=data.get("gender"),
        monthly_case_cap=data["monthly_case_cap"],
        training_cohort=data.get("training_cohort") or "",
        notes=data.get("notes") or "",
    )


def _check_codes(data: dict) -> None:
    problems = {}
    wanted = {data["home_municipality_code"], *(data.get("served_municipality_codes") or [])}
    known = set(db.session.scalars(select(Municipality.code).where(Municipality.code.in_(wanted))))
    if data["home_municipality_code"] not in known:
        problems["home_municipality_code"] = "Unknown municipality code."
    elif wanted - known:
        problems["served_municipality_codes"] = "Unknown municipality code(s): " + ", ".join(
            sorted(wanted - known)
        )
    codes = [entry["code"] for entry in data["languages"]]
    known = set(db.session.scalars(select(Language.code).where(Language.code.in_(codes))))
    if set(codes) - known:
        problems["languages"] = "Unknown language code(s): " + ", ".join(sorted(set(codes) - known))
    elif len(codes) != len(set(codes)):
        problems["languages"] = "Give each language once, at one level."
    unknown = set(data.get("origins") or []) - COUNTRIES
    if unknown:
        problems["origins"] = "Unknown country code(s): " + ", ".join(sorted(unknown))
    if problems:
        fail(422, "Please correct the marked fields.", "invalid", problems)
