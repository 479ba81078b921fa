"""Who may do what: role decorators and per-object checks, all in one place.

Views never compare roles themselves; they call these functions, so a change of policy is a
change here and the route × role test matrix shows its effect on every route.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Select, or_, select

from supporters.extensions import db, login_manager
from supporters.models import Role, Supporter, User
from supporters.models.supporter import supporter_served_municipality

STAFF = (Role.ADMIN, Role.COORDINATOR)
CONSOLE = (Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER, Role.OFFICIAL)


def wants_json() -> bool:
    """True for API callers, who get JSON errors instead of pages and login redirects."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def roles_required(*roles: Role) -> Callable:
    """Decorate a view so only signed-in users holding one of ``roles`` reach it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)
        return wrapped

    return decorator


coordinator_required = roles_required(*STAFF)
console_required = roles_required(*CONSOLE)
supporter_required = roles_required(Role.SUPPORTER)
# The accounts console (users, their sessions and tokens, deactivation): administrators only.
admin_required = roles_required(Role.ADMIN)
# Pages about one's own account (e.g. API tokens): anyone signed in, whatever the role.
signed_in_required = roles_required(*Role)
# The national pages ([6/6]): programmes and national aggregates, never a programme's records.
national_required = roles_required(Role.NATIONAL_ADMIN)


def is_national_admin(user: User) -> bool:
    """Whether ``user`` is a national administrator (no programme; national pages only)."""
    return user.role == Role.NATIONAL_ADMIN


def is_supporter_account(user: User) -> bool:
    """Whether ``user`` is a supporter's account (their pages: the portal's layout, their
    language, the supporter's standing), whether or not fully signed in yet."""
    return user.role == Role.SUPPORTER


def can_manage_supporters(user: User) -> bool:
    """Create, edit, certify, suspend and retire supporters."""
    return user.is_authenticated and user.role in STAFF


def can_view_supporter(user: User, supporter: Supporter) -> bool:
    """See a supporter's registry record (not necessarily their contact details)."""
    if user.role in STAFF:
        return True
    if user.role == Role.MUNICIPAL_OFFICER:
        scope = user.municipality_codes
        served = {m.code for m in supporter.served_municipalities}
        return supporter.home_municipality_code in scope or bool(served & scope)
    if user.role == Role.SUPPORTER:
        return user.supporter_id == supporter.id
    return False


def can_see_contact(user: User, supporter: Supporter) -> bool:
    """See a supporter's e-mail and phone: coordinators, and the supporter themself."""
    if user.role in STAFF:
        return True
    return user.role == Role.SUPPORTER and user.supporter_id == supporter.id


def scope_supporters(stmt: Select, user: User) -> Select:
    """Restrict a supporter query to what ``user`` may list (municipal officers: their area)."""
    if user.role in STAFF:
        return stmt
    if user.role == Role.MUNICIPAL_OFFICER:
        codes = sorted(user.municipality_codes)
        serves = select(supporter_served_municipality.c.supporter_id).where(
            supporter_served_municipality.c.municipality_code.in_(codes)
        )
        return stmt.where(
            or_(Supporter.home_municipality_code.in_(codes), Supporter.id.in_(serves))
        )
    return stmt.where(False)


def supporter_or_404(supporter_id: int) -> Supporter:
    """Load a supporter the current user may see; others are "not found", so ids leak nothing."""
    supporter = db.session.get(Supporter, supporter_id)
    if supporter is None or not can_view_supporter(current_user, supporter):
        abort(404)
    return supporter


# The registry's list and records: staff, and municipal officers for their area.
registry_viewers = roles_required(Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)


def can_certify_short_of_hours(user: User | None) -> bool:
    """Certify an applicant whose cohort's training hours are not complete: administrators."""
    return user is not None and user.role == Role.ADMIN


# --- Help requests --------------------------------------------------------------------------------
# Hospital requests carry health data: officers never see them one by one (only in aggregates),
# supporters only once offered, and the resident's name and contact only after acceptance.


def can_view_request(user: User, request_obj) -> bool:
    """See a help request's page (what, when, where; personal details are a separate check)."""
    if user.role in STAFF:
        return True
    if user.role == Role.MUNICIPAL_OFFICER:
        return (
            request_obj.municipality_code in user.municipality_codes and not request_obj.sensitive
        )
    return False


def can_manage_requests(user: User) -> bool:
    """Take requests, match, send offers and move them through their lifecycle."""
    return user.is_authenticated and user.role in STAFF


def can_see_requester(user: User, request_obj) -> bool:
    """See the resident's name and contact. Which fields exactly each role reads is the field
    policy's (``help_requests/policy.py``); this asks it, so there is one rule."""
    from supporters.help_requests.policy import CONTACT, readable_fields

    return CONTACT <= readable_fields(user, request_obj)


def sees_request_queue(user: User) -> bool:
    """Whether the dashboard shows ``user`` the requests waiting for a coordinator (officials,
    who read figures only, do not see requests)."""
    return user.role in (Role.ADMIN, Role.COORDINATOR, Role.MUNICIPAL_OFFICER)


def scope_requests(stmt: Select, user: User) -> Select:
    """Restrict a request query to what ``user`` may list."""
    from supporters.models import HelpRequest

    if user.role in STAFF:
        return stmt
    if user.role == Role.MUNICIPAL_OFFICER:
        return stmt.where(
            HelpRequest.municipality_code.in_(sorted(user.municipality_codes)),
            HelpRequest.sensitive.is_(False),
        )
    return stmt.where(False)


def request_or_404(request_id: int):
    """Load a help request the current user may see; others are "not found"."""
    from supporters.models import HelpRequest

    request_obj = db.session.get(HelpRequest, request_id)
    if request_obj is None or not can_view_request(current_user, request_obj):
        abort(404)
    return request_obj


def own_offer_or_404(offer_id: int):
    """Load an offer made to the signed-in supporter; anyone else's offer is "not found"."""
    from supporters.models import Offer

    offer = db.session.get(Offer, offer_id)
    if offer is None or current_user.supporter_id is None:
        abort(404)
    if offer.supporter_id != current_user.supporter_id:
        abort(404)
    return offer


# --- Finding things (supporters/search/) and bulk actions -----------------------------------------
# The header's search: staff find requests by reference, resident name or contact and supporters
# by name, e-mail or phone; municipal officers find their area's requests by reference only (they
# never read residents). Every request shown with personal fields is audited by the field policy.

search_required = roles_required(*STAFF, Role.MUNICIPAL_OFFICER)
# Merge or dismiss a possible duplicate, close requests or message supporters in bulk.
bulk_actions_required = coordinator_required


def can_search(user: User) -> bool:
    """Whether the console header shows ``user`` the search box."""
    return user.is_authenticated and user.role in (*STAFF, Role.MUNICIPAL_OFFICER)


def can_search_residents(user: User) -> bool:
    """Find requests by a resident's name or contact (personal data): staff only."""
    return user.is_authenticated and user.role in STAFF


def can_search_supporters(user: User) -> bool:
    """Find supporters by name, e-mail or phone (contact details): staff only."""
    return user.is_authenticated and user.role in STAFF


# --- Case log -------------------------------------------------------------------------------------
# Supporters keep their own log (phone and API); coordinators and admins log paper records on a
# supporter's behalf, older than a phone log reaches. Readers: staff everything, municipal officers
# their municipalities except hospital visits (health data), supporters their own.

case_log_console_required = roles_required(*STAFF, Role.MUNICIPAL_OFFICER)
case_log_read_required = roles_required(*STAFF, Role.MUNICIPAL_OFFICER, Role.SUPPORTER)
case_log_write_required = roles_required(*STAFF, Role.SUPPORTER)


def keeps_own_case_log(user: User) -> bool:
    """Whether ``user`` reads and logs only their own cases (a supporter)."""
    return user.role == Role.SUPPORTER


def enters_paper_records(user: User) -> bool:
    """Whether ``user`` logs cases on a supporter's behalf, without the phone's 90-day limit."""
    return user.role in STAFF


def scope_activities(stmt: Select, user: User) -> Select:
    """Restrict an activity query to what ``user`` may read (see the section's comment)."""
    from supporters.models import Activity, ActivityCategory

    if user.role in STAFF:
        return stmt
    if user.role == Role.MUNICIPAL_OFFICER:
        return stmt.where(
            Activity.municipality_code.in_(sorted(user.municipality_codes)),
            Activity.category != ActivityCategory.HOSPITAL,
        )
    if keeps_own_case_log(user) and user.supporter_id is not None:
        return stmt.where(Activity.supporter_id == user.supporter_id)
    return stmt.where(False)


# --- Reports --------------------------------------------------------------------------------------
# Officials and municipal officers receive aggregates with small cells suppressed; coordinators
# and admins may see exact figures. A municipal officer's report covers their municipalities.

REPORT_ROLES = CONSOLE
report_required = roles_required(*REPORT_ROLES)


def sees_exact_report(user: User) -> bool:
    """Whether ``user`` may see the report's exact small counts (staff only)."""
    return user.role in STAFF


def report_scope(user: User) -> frozenset[str] | None:
    """The municipalities ``user``'s reports cover: None for the whole programme."""
    if user.role == Role.MUNICIPAL_OFFICER:
        return frozenset(user.municipality_codes)
    return None


# --- Coverage -------------------------------------------------------------------------------------
# Coverage pages hold counts only (never a supporter's or a resident's name), so officials see
# them for the whole prefecture; municipal officers see their own municipalities' rows.


def coverage_scope(user: User) -> frozenset[str] | None:
    """The municipalities whose coverage ``user`` may see; ``None`` means all of them."""
    if user.role == Role.MUNICIPAL_OFFICER:
        return frozenset(user.municipality_codes)
    return None


# --- Reference data -------------------------------------------------------------------------------
# Everyone in the console reads the municipalities and languages; only admins add, rename or
# retire a language.

languages_admin_required = roles_required(Role.ADMIN)


def can_manage_languages(user: User) -> bool:
    """Add, rename, retire or reinstate a language: admins only."""
    return user.is_authenticated and user.role == Role.ADMIN


def can_change_targets(user: User) -> bool:
    """Change the programme's yearly targets: admins only."""
    return user.is_authenticated and user.role == Role.ADMIN


change_targets_required = roles_required(Role.ADMIN)
# The data coverage is computed from (resident figures, the nationality → language mapping):
# coordinators and admins.
coverage_data_required = roles_required(*STAFF)


def can_edit_coverage_data(user: User) -> bool:
    """Import resident figures and edit the nationality → language mapping."""
    return user.is_authenticated and user.role in STAFF


# --- Stipends -------------------------------------------------------------------------------------
# Coordinators and admins close months, book adjustments and pay; re-opening a closed month and
# changing the dated rule or the budget is for admins.

stipends_required = coordinator_required
stipend_settings_required = admin_required


def can_change_stipends(user: User | None) -> bool:
    """Re-open a closed month, or change the stipend rule or the budget: admins only."""
    return user is not None and user.is_authenticated and user.role == Role.ADMIN


# --- The programme --------------------------------------------------------------------------------
# Starting the programme (its prefecture) and changing its settings (names, certificate, targets,
# stipend defaults, the payer's bank, residents' contact): admins only.

programme_admin_required = admin_required


def can_change_programme(user: User | None) -> bool:
    """Start the programme or change its settings: admins only."""
    return user is not None and user.is_authenticated and user.role == Role.ADMIN


# --- Imports and exports --------------------------------------------------------------------------
# Imports change the programme's data: coordinators and admins. Exports of supporters and the
# case log hold personal data (contacts, notes) and go to coordinators and admins only;
# municipalities and the (published) resident figures to every console role, officers for their
# own municipalities.

import_required = coordinator_required
PERSONAL_EXPORTS = frozenset({"supporters", "activities"})


def can_export(user: User, kind: str) -> bool:
    """Download the ``kind`` export (see ``supporters/exports``)."""
    if not user.is_authenticated or user.role not in CONSOLE:
        return False
    return user.role in STAFF or kind not in PERSONAL_EXPORTS


def export_scope(user: User) -> frozenset[str] | None:
    """The municipalities whose resident figures ``user`` may export; ``None`` means all."""
    return coverage_scope(user)


# --- Two-factor sign-in ---------------------------------------------------------------------------
# Every account may add an authenticator (supporters from their profile, in the portal's layout
# and their language); the roles in TWO_FACTOR_REQUIRED_ROLES (admins and coordinators in
# production) must have one to sign in.

two_factor_settings_required = signed_in_required


def must_use_two_factor(user: User) -> bool:
    """Whether ``user`` may only sign in with a second factor (``TWO_FACTOR_REQUIRED_ROLES``)."""
    from flask import current_app

    return user.role.value in current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", ())
