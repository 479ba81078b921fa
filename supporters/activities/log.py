"""Writing the case log: validate an entry, add or correct an Activity, audit it; never commit.

A double tap or a form sent again after an expired session carries the same ``client_token``,
so the second call returns the activity the first one saved instead of logging the case twice.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from supporters import audit
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.models import (
    Activity,
    ActivityCategory,
    ActivityOutcome,
    HelpRequest,
    Mode,
    RequestStatus,
    Supporter,
    User,
)
from supporters.schema import insert_unless_present
from supporters.stipends.close import is_closed as month_closed

MAX_AGE_DAYS = 90  # older cases belong on paper to the coordinator, not in a phone form
MAX_PEOPLE_REACHED = 100_000
MAX_DURATION = 1440


class ActivityError(Exception):
    """A refused entry: a translated message per field (``fields``) or for the whole form."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


@dataclass
class ActivityEntry:
    """What the supporter typed, already parsed; ``request_id`` links it to an assignment."""

    happened_on: date
    duration_minutes: int
    category: ActivityCategory
    mode: Mode
    municipality_code: str
    language_code: str | None = None
    outcome: ActivityOutcome | None = None
    people_reached: int | None = None
    follow_up_needed: bool = False
    notes: str = ""
    client_token: str = ""
    request_id: int | None = None


@dataclass(frozen=True)
class Logged:
    """The outcome of :func:`log_activity`: the activity, and whether it had been saved before."""

    activity: Activity
    already_saved: bool = False


def check(
    entry: ActivityEntry, today: date | None = None, max_age_days: int | None = MAX_AGE_DAYS
) -> dict[str, str]:
    """The business rules of an entry, as {field: translated message}; empty when it is fine.

    ``max_age_days=None`` lifts the age limit, for paper records a coordinator imports.
    """
    today = today or today_jst()
    errors: dict[str, str] = {}
    if entry.happened_on > today:
        errors["happened_on"] = _("The date cannot be in the future.")
    elif max_age_days is not None and entry.happened_on < today - timedelta(days=max_age_days):
        errors["happened_on"] = _(
            "Cases older than %(days)d days are entered by your coordinator.", days=MAX_AGE_DAYS
        )
    if "happened_on" not in errors and month_closed(entry.happened_on):
        errors["happened_on"] = _(
            "This month is closed; ask your coordinator to add or correct it."
        )
    if not 0 < entry.duration_minutes <= MAX_DURATION:
        errors["duration_minutes"] = _("Enter a duration between 1 minute and 24 hours.")
    if entry.category == ActivityCategory.INFORMATION:
        if entry.people_reached is None:
            errors["people_reached"] = _("Enter how many people the information reached.")
        elif not 1 <= entry.people_reached <= MAX_PEOPLE_REACHED:
            errors["people_reached"] = _(
                "Enter a number between 1 and %(max)d.", max=MAX_PEOPLE_REACHED
            )
    if not entry.client_token:
        errors["client_token"] = _("The form was incomplete. Please send it again.")
    return errors


def log_activity(
    supporter: Supporter,
    entry: ActivityEntry,
    by: User | None,
    max_age_days: int | None = MAX_AGE_DAYS,
) -> Logged:
    """Add ``entry`` to ``supporter``'s log; completes the linked assignment if still open.

    Returns the already saved activity, unchanged, when ``entry.client_token`` was used before.
    ``max_age_days=None`` is for a coordinator's paper records (see ``check``).
    """
    existing = _by_token(supporter.id, entry.client_token)
    if existing is not None:
        return Logged(existing, already_saved=True)
    _raise_if_invalid(entry, max_age_days=max_age_days)
    request = _own_request(supporter, entry.request_id)
    draft = Activity()
    _populate(draft, entry)
    values = {column: getattr(draft, column) for column in POPULATED}
    values |= {
        "supporter_id": supporter.id,
        "logged_by_id": by.id if by else None,
        "client_token": entry.client_token,
        "request_id": request.id if request is not None else None,
    }
    # A concurrent double tap finds the row taken by the first one (unique supporter + token).
    new_id = db.session.execute(
        insert_unless_present(Activity, values, ["supporter_id", "client_token"])
    ).scalar()
    if new_id is None:
        return Logged(_by_token(supporter.id, entry.client_token), already_saved=True)
    activity = db.session.get(Activity, new_id)
    audit.record("activity_logged", activity, activity.category.value, user=by)
    if request is not None and request.status == RequestStatus.ASSIGNED:
        lifecycle.complete(request, by, _("Case logged by the supporter."))
    return Logged(activity)


def update_activity(activity: Activity, entry: ActivityEntry, by: User | None) -> Activity:
    """Correct a logged activity (its supporter, request and token stay as they were)."""
    if not can_edit(activity):
        raise ActivityError(_("This month is closed; ask your coordinator to correct it."))
    _raise_if_invalid(entry, token_needed=False)
    _populate(activity, entry)
    db.session.flush()
    audit.record("activity_updated", activity, activity.category.value, user=by)
    return activity


def editable_since(today: date | None = None) -> date:
    """The oldest day a supporter's own log reaches back to on the phone (``MAX_AGE_DAYS``)."""
    return (today or today_jst()) - timedelta(days=MAX_AGE_DAYS)


def can_edit(activity: Activity) -> bool:
    """Whether ``activity`` may still be corrected: until its month is closed ([4/6])."""
    return not month_closed(activity.happened_on)


def _raise_if_invalid(
    entry: ActivityEntry, token_needed: bool = True, max_age_days: int | None = MAX_AGE_DAYS
) -> None:
    errors = check(entry, max_age_days=max_age_days)
    if not token_needed:
        errors.pop("client_token", None)
    if errors:
        raise ActivityError(next(iter(errors.values())), errors)


# The columns ``_populate`` sets from an entry.
POPULATED = (
    "happened_on",
    "duration_minutes",
    "category",
    "mode",
    "municipality_code",
    "language_code",
    "outcome",
    "people_reached",
    "follow_up_needed",
    "notes",
)


def _populate(activity: Activity, entry: ActivityEntry) -> None:
    activity.happened_on = entry.happened_on
    activity.duration_minutes = entry.duration_minutes
    activity.category = entry.category
    activity.mode = entry.mode
    activity.municipality_code = entry.municipality_code
    activity.language_code = entry.language_code or None
    activity.outcome = entry.outcome
    information = entry.category == ActivityCategory.INFORMATION
    activity.people_reached = entry.people_reached if information else None
    activity.follow_up_needed = entry.follow_up_needed
    activity.notes = (entry.notes or "").strip()


def _by_token(supporter_id: int, token: str) -> Activity | None:
    if not token:
        return None
    return db.session.scalar(
        select(Activity).where(
            Activity.supporter_id == supporter_id, Activity.client_token == token
        )
    )


def _own_request(supporter: Supporter, request_id: int | None) -> HelpRequest | None:
    """The linked request, only if it was assigned to this supporter (else the link is refused)."""
    if request_id is None:
        return None
    request = db.session.get(HelpRequest, request_id)
    if request is None or request.assigned_supporter_id != supporter.id:
        message = _("This request is not assigned to you.")
        raise ActivityError(message, {"request_id": message})
    return request
