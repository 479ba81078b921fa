"""Reads of the case log and of a supporter's assignments, scoped to who is asking."""

from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from supporters.access import scope_activities
from supporters.audit import record_read
from supporters.extensions import db
from supporters.help_requests.policy import case_notes_readable
from supporters.models import (
    Activity,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestStatus,
    User,
)

# Requests whose details the assigned supporter keeps seeing (to log the case, to call back).
ASSIGNMENT_STATUSES = (RequestStatus.ASSIGNED, RequestStatus.COMPLETED, RequestStatus.CLOSED)


def recent_activities(user: User, follow_up_only: bool = False, limit: int | None = None) -> Select:
    """The activities ``user`` may see, newest first (all, or the ``limit`` latest); optionally
    only those needing follow-up."""
    # Municipality names come from the reference data kept per process (no statement).
    stmt = select(Activity).options(selectinload(Activity.supporter))
    if follow_up_only:
        stmt = stmt.where(Activity.follow_up_needed.is_(True))
    stmt = stmt.order_by(Activity.happened_on.desc(), Activity.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return scope_activities(stmt, user)


def notes_shown(activities: list[Activity], channel: str | None = None) -> set[int]:
    """The ids of ``activities`` whose notes the signed-in user may read; each non-empty note
    among them is recorded as read (one audit event per activity)."""
    readable = {a.id for a in activities if case_notes_readable(current_user, a)}
    others = [
        a
        for a in activities
        if a.id in readable and a.notes and a.supporter_id != current_user.supporter_id
    ]
    if others:
        record_read("view_case_note", others, channel)
    return readable


def for_request(request_id: int) -> list[Activity]:
    """The activities logged for a help request (normally one)."""
    return list(
        db.session.scalars(
            select(Activity).where(Activity.request_id == request_id).order_by(Activity.id)
        )
    )


def own_activity_or_404(activity_id: int) -> Activity:
    """An activity of the signed-in supporter; anyone else's is "not found"."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or current_user.supporter_id is None:
        abort(404)
    if activity.supporter_id != current_user.supporter_id:
        abort(404)
    return activity


def own_assignment_or_404(request_id: int) -> HelpRequest:
    """A request assigned to the signed-in supporter; anyone else's is "not found"."""
    request = db.session.get(HelpRequest, request_id)
    if request is None or current_user.supporter_id is None:
        abort(404)
    if request.assigned_supporter_id != current_user.supporter_id:
        abort(404)
    if request.status not in ASSIGNMENT_STATUSES:
        abort(404)
    return request


def my_activities(supporter_id: int, since: date) -> list[Activity]:
    """The supporter's activities from ``since`` on, newest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.supporter_id == supporter_id, Activity.happened_on >= since)
            .order_by(Activity.happened_on.desc(), Activity.id.desc())
        )
    )


def activity_count_statement(supporter_id: int, since: date) -> Select:
    """The count of the supporter's activities from ``since`` on, as a statement."""
    return (
        select(func.count())
        .select_from(Activity)
        .where(Activity.supporter_id == supporter_id, Activity.happened_on >= since)
    )


def coordinator_of(request: HelpRequest) -> User | None:
    """The staff member who sent the offer the assigned supporter accepted."""
    return db.session.scalar(
        select(User)
        .join(Offer, Offer.sent_by_id == User.id)
        .where(
            Offer.request_id == request.id,
            Offer.supporter_id == request.assigned_supporter_id,
            Offer.status == OfferStatus.ACCEPTED,
        )
        .limit(1)
    )
