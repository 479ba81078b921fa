"""Writing the case log: THE rules of an entry, add or correct an Activity, audit it; never commit.

Every channel (the supporter's phone form, the API, the paper-record import) parses what it was
given into an :class:`ActivityEntry` and hands it over; :func:`check` is the only place that
knows the rules, and a refused entry raises :class:`~supporters.refusals.Refused` with every
problem at once (``fields``, code ``invalid``: the API answers 422).

A double tap or a form sent again after an expired session carries the same ``client_token``,
so the second call returns the activity the first one saved instead of logging the case twice.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from supporters import audit
from supporters.clock import JST, today_jst, utcnow
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.models import (
    Activity,
    ActivityCategory,
    ActivityOutcome,
    HelpRequest,
    Language,
    Mode,
    Municipality,
    RequestStatus,
    Supporter,
    User,
)
from supporters.refusals import CONFLICT, Refused, refuse_if
from supporters.schema import insert_unless_present
from supporters.stipends.close import is_closed as month_closed
from supporters.stipends.months import month_text

MAX_AGE_DAYS = 90  # older cases belong on paper to the coordinator, not in a phone form
OLDEST_RECORD = date(2000, 1, 1)  # paper records: guards against a mistyped year
MAX_PEOPLE_REACHED = 100_000
MAX_DURATION = 1440
MAX_NOTES = 1000
MAX_TOKEN = 64


@dataclass
class ActivityEntry:
    """What the supporter typed, already parsed; ``request_id`` links it to an assignment.

    A channel that could not read a value (an empty radio, an unknown word) passes ``None``;
    :func:`check` says what is missing.
    """

    happened_on: date | None
    duration_minutes: int | None
    category: ActivityCategory | None
    mode: Mode | None
    municipality_code: str | None
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
    entry: ActivityEntry,
    supporter: Supporter | None = None,
    *,
    paper: bool = False,
    today: date | None = None,
    closed: set[date] | None = None,
    token_needed: bool = True,
    now: datetime | None = None,
) -> dict[str, str]:
    """THE rules of a case log, as {field: translated message}; empty when it is fine.

    ``paper`` is a coordinator's paper record: it may be older than a supporter's phone log
    reaches (not before ``OLDEST_RECORD``), and a closed month is explained to staff. ``closed``
    (the closed months' first days) saves a query per row when many entries are checked.
    ``supporter`` is whose log it is: a linked request must be assigned to them, must have
    started (``now``: a case is logged when it has happened, never before) and cannot be
    dated before its day.
    """
    today = today or today_jst()
    errors: dict[str, str] = {}
    day = entry.happened_on
    if day is None:
        errors["happened_on"] = _("Enter the date.")
    elif day > today:
        errors["happened_on"] = _("The date cannot be in the future.")
    elif paper and day < OLDEST_RECORD:
        errors["happened_on"] = _(
            "Dates before %(date)s are not accepted.", date=OLDEST_RECORD.isoformat()
        )
    elif not paper and day < today - timedelta(days=MAX_AGE_DAYS):
        errors["happened_on"] = _(
            "Cases older than %(days)d days are entered by your coordinator.", days=MAX_AGE_DAYS
        )
    elif _in_closed_month(day, closed):
        errors["happened_on"] = (
            _(
                "The stipend month %(month)s is closed; an administrator must re-open "
                "it before records are added.",
                month=month_text(day),
            )
            if paper
            else _("This month is closed; ask your coordinator to add or correct it.")
        )
    if entry.duration_minutes is None or not 0 < entry.duration_minutes <= MAX_DURATION:
        errors["duration_minutes"] = _("Enter a duration between 1 minute and 24 hours.")
    if entry.category is None:
        errors["category"] = _("Choose one.")
    if entry.mode is None:
        errors["mode"] = _("Choose one.")
    errors |= _place_problems(entry)
    if entry.category not in (None, ActivityCategory.INFORMATION) and entry.outcome is None:
        errors["outcome"] = _("Choose how it went.")
    if entry.category == ActivityCategory.INFORMATION:
        if entry.people_reached is None:
            errors["people_reached"] = _("Enter how many people the information reached.")
        elif not 1 <= entry.people_reached <= MAX_PEOPLE_REACHED:
            errors["people_reached"] = _(
                "Enter a number between 1 and %(max)d.", max=MAX_PEOPLE_REACHED
            )
    if len(entry.notes or "") > MAX_NOTES:
        errors["notes"] = _("At most 1,000 characters, please.")
    if token_needed and not entry.client_token:
        errors["client_token"] = _("The form was incomplete. Please send it again.")
    elif len(entry.client_token or "") > MAX_TOKEN:
        errors["client_token"] = _("The token is longer than 64 characters.")
    if entry.request_id is not None:
        request = _own_request(supporter, entry.request_id)
        if request is None:
            errors["request_id"] = _("This request is not assigned to you.")
        elif (problem := _not_yet(request, day, now)) and "happened_on" not in errors:
            errors["happened_on"] = problem
    return errors


def loggable_from(request: HelpRequest) -> datetime:
    """When a case of ``request`` may be logged (and the request completed): once it started."""
    return request.starts_at


def _not_yet(request: HelpRequest, day: date | None, now: datetime | None) -> str | None:
    """Why a case of ``request`` cannot be logged (yet) for ``day``, or None."""
    if loggable_from(request) > (now or utcnow()):
        return _(
            "This assignment starts on %(when)s. Log it once it has happened.",
            when=format_datetime(loggable_from(request), "short"),
        )
    starts_on = request.starts_at.astimezone(JST).date()
    if day is not None and day < starts_on:
        return _(
            "The assignment was on %(date)s; the case cannot be dated before it.",
            date=format_date(starts_on, "medium"),
        )
    return None


def log_activity(
    supporter: Supporter, entry: ActivityEntry, by: User | None, paper: bool = False
) -> Logged:
    """Add ``entry`` to ``supporter``'s log; completes the linked assignment if still open.

    Returns the already saved activity, unchanged, when ``entry.client_token`` was used before.
    ``paper=True`` is for a coordinator's paper records (see :func:`check`). Refuses with
    :class:`~supporters.refusals.Refused`, every problem at once.
    """
    existing = _by_token(supporter.id, entry.client_token)
    if existing is not None:
        return Logged(existing, already_saved=True)
    refuse_if(check(entry, supporter, paper=paper))
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
    if request is not None and request.programme_id is not None:
        # A case counts for the request's programme (a lent supporter's too: [6/6]).
        values["programme_id"] = request.programme_id
    # A concurrent double tap finds the row taken by the first one (unique supporter + token).
    new_id = db.session.execute(
        insert_unless_present(Activity, values, ["supporter_id", "client_token"])
    ).scalar()
    if new_id is None:
        return Logged(_by_token(supporter.id, entry.client_token), already_saved=True)
    activity = db.session.get(Activity, new_id)
    audit.record("activity_logged", activity, activity.category.value, user=by)
    if request is not None and request.status == RequestStatus.ASSIGNED:
        lifecycle.complete(request, by, code="case_logged")
    return Logged(activity)


def update_activity(activity: Activity, entry: ActivityEntry, by: User | None) -> Activity:
    """Correct a logged activity (its supporter, request and token stay as they were)."""
    if not can_edit(activity):
        raise Refused(_("This month is closed; ask your coordinator to correct it."), code=CONFLICT)
    refuse_if(check(replace(entry, request_id=None), token_needed=False))
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


def _in_closed_month(day: date, closed: set[date] | None) -> bool:
    return day.replace(day=1) in closed if closed is not None else month_closed(day)


def _place_problems(entry: ActivityEntry) -> dict[str, str]:
    """The municipality and the language must be ones the programme knows."""
    errors = {}
    code = entry.municipality_code or ""
    if not code or db.session.get(Municipality, code) is None:
        errors["municipality_code"] = _("Unknown municipality code “%(value)s”.", value=code)
    language = entry.language_code
    if language and db.session.get(Language, language) is None:
        errors["language_code"] = _("Unknown language code “%(value)s”.", value=language)
    return errors


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


def _own_request(supporter: Supporter | None, request_id: int | None) -> HelpRequest | None:
    """The linked request, only if it was assigned to ``supporter`` (else None)."""
    if request_id is None or supporter is None:
        return None
    request = db.session.get(HelpRequest, request_id)
    if request is None or request.assigned_supporter_id != supporter.id:
        return None
    return request
