"""Which fields of a help request each person may read: the one field policy for every channel.

``access.py`` decides *who may* open a request at all (``can_view_request``, ``own_offer_or_404``);
this module decides *which fields* they then read. The console page, the JSON API (item and list),
the supporter's offer and assignment pages and any export take their fields from
:func:`readable_fields`, so a new channel cannot show what an old one hides. Reports hold
aggregates only: they may group and count by :data:`AGGREGATE_FIELDS` and nothing else.

Field names are the ``HelpRequest`` attribute names, plus ``consent``, ``offers``,
``history_notes`` and ``duplicates`` (rows linked to the request).
"""

from supporters.models import RequestStatus, Role, User

# What an offer needs for the supporter to decide: what, when, where (roughly), which language.
OFFER = frozenset(
    {
        "category",
        "mode",
        "language_code",
        "municipality_code",
        "place_name",
        "starts_at",
        "ends_at",
        "duration_minutes",
        "urgency",
        "sensitive",
        "status",
    }
)
# The request as the programme counts it: the offer's facts plus the reference the resident quotes.
BASICS = OFFER | {"reference"}
# How the programme handled it (no person's data beyond the assigned supporter's id).
PROGRESS = frozenset({"source", "created_at", "answer_by", "assigned_supporter_id", "referred_to"})
# What exactly is needed and where: for a hospital or childcare request, health details.
DETAILS = frozenset({"need", "place_address"})
# Who the resident is and how to reach them.
CONTACT = frozenset({"requester_name", "requester_contact"})
# The resident's nationality, residence status and the consent they gave.
PROFILE = frozenset({"requester_nationality", "residence_status", "consent"})
# The coordinators' working data: offers (with decline reasons), history notes, gender wish, and
# the open possible duplicates (``duplicates.py``: other references and reason codes — that a
# resident may have asked twice is for those who merge or dismiss them).
COORDINATION = frozenset({"offers", "history_notes", "preferred_gender", "duplicates"})

GROUPS = {
    "basics": BASICS,
    "progress": PROGRESS,
    "details": DETAILS,
    "contact": CONTACT,
    "profile": PROFILE,
    "coordination": COORDINATION,
}
ALL_FIELDS = frozenset().union(*GROUPS.values())
# Fields whose reading is a look at a person's data, and so is audited.
PERSONAL = DETAILS | CONTACT | PROFILE | frozenset({"preferred_gender", "history_notes"})
# The only request columns a report or a coverage figure may group or count by.
AGGREGATE_FIELDS = frozenset(
    {
        "id",
        "programme_id",  # whose record it is ([6/6]): reports group by it, never personal
        "category",
        "mode",
        "language_code",
        "municipality_code",
        "starts_at",
        "ends_at",
        "duration_minutes",
        "urgency",
        "status",
        "source",
        "sensitive",
        "created_at",
        # first event into each outcome, kept on the request for the report (#17); updated_at
        # only to leave it as it was when those are refreshed (reports/first_moves.py)
        "first_assigned_at",
        "first_unfilled_at",
        "first_referred_at",
        "updated_at",
    }
)
# Case-log columns a report may use: never the free-text notes.
AGGREGATE_ACTIVITY_FIELDS = frozenset(
    {
        "id",
        "programme_id",
        "supporter_id",
        "request_id",
        "happened_on",
        "duration_minutes",
        "category",
        "mode",
        "municipality_code",
        "language_code",
        "outcome",
        "people_reached",
        "follow_up_needed",
        "created_at",
    }
)

ASSIGNED_STATUSES = frozenset(
    {RequestStatus.ASSIGNED, RequestStatus.COMPLETED, RequestStatus.CLOSED}
)
NOTHING: frozenset[str] = frozenset()


def readable_fields(user: User, request_obj) -> frozenset[str]:
    """The fields of ``request_obj`` that ``user`` may read (empty: none, not even that it exists).

    - admins and coordinators: everything;
    - municipal officers: the basics and progress of their municipalities' non-hospital requests,
      never the need, the address or the resident;
    - a supporter offered the request: what the offer needs; once it is assigned to them, also
      the reference, the need, the address and the resident's name and contact;
    - officials, unusable accounts and anybody else: nothing (officials see aggregates only).
    """
    from supporters.access import can_view_request
    from supporters.accounts.standing import is_usable

    # A deactivated account, or a suspended or retired supporter, reads nothing (defence in
    # depth: their sessions and tokens are ended as well).
    if not getattr(user, "is_authenticated", False) or not is_usable(user):
        return NOTHING
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return ALL_FIELDS
    if user.role == Role.MUNICIPAL_OFFICER:
        return BASICS | PROGRESS if can_view_request(user, request_obj) else NOTHING
    if user.role == Role.SUPPORTER and user.supporter_id is not None:
        if _assigned_to(user, request_obj):
            return BASICS | DETAILS | CONTACT
        if any(offer.supporter_id == user.supporter_id for offer in request_obj.offers):
            return OFFER
    return NOTHING


def read_request(request_obj, channel: str | None = None) -> frozenset[str]:
    """The fields the signed-in user may read of ``request_obj``, auditing the look when any of
    them is personal. Every channel that shows a request calls this (or :func:`read_requests`)."""
    return read_requests([request_obj], channel)[request_obj.id]


def read_requests(requests, channel: str | None = None) -> dict[int, frozenset[str]]:
    """:func:`read_request` for a list or a page: one audit event per request whose personal
    fields are shown, none for the others."""
    from flask_login import current_user

    from supporters import audit

    shown = {}
    for request_obj in requests:
        fields = readable_fields(current_user, request_obj)
        shown[request_obj.id] = fields
        if personal(fields):
            action = "view_sensitive_request" if request_obj.sensitive else "view_request"
            audit.record_read(
                action, request_obj, channel, detail=",".join(groups_of(personal(fields)))
            )
    return shown


def personal(fields: frozenset[str]) -> frozenset[str]:
    """The personal fields among ``fields`` (reading any of them is audited)."""
    return fields & PERSONAL


def groups_of(fields: frozenset[str]) -> list[str]:
    """The names of the groups ``fields`` reach into, for the audit trail ("details,contact")."""
    return [name for name, members in GROUPS.items() if fields & members]


def case_notes_readable(user: User, activity) -> bool:
    """Whether ``user`` may read an activity's free-text notes: staff, and the supporter who
    logged the case; municipal officers and officials never."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return user.role == Role.SUPPORTER and user.supporter_id == activity.supporter_id


def _assigned_to(user: User, request_obj) -> bool:
    return (
        request_obj.assigned_supporter_id == user.supporter_id
        and request_obj.status in ASSIGNED_STATUSES
    )
