"""Read-side queries for the request console: the list and the coordinators' queue."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import joinedload

from supporters.access import scope_requests
from supporters.extensions import db
from supporters.models import OPEN_STATUSES, HelpRequest, RequestStatus, User


def request_list_statement(
    status: str, municipality: str, user: User, *, labels: bool = True
) -> Select:
    """Requests filtered by status ("open" = new, offered, unfilled) and municipality.

    With ``labels``, each request's municipality and language objects are loaded with it (the
    API's answer nests them); pages name them by code from the process's copy of the reference
    data (``reference_data.py``) and pass ``labels=False``.
    """
    stmt = select(HelpRequest)
    if status == "open":
        stmt = stmt.where(HelpRequest.status.in_(sorted(OPEN_STATUSES)))
    elif status:
        stmt = stmt.where(HelpRequest.status == RequestStatus(status))
    if municipality:
        stmt = stmt.where(HelpRequest.municipality_code == municipality)
    stmt = scope_requests(stmt, user).order_by(HelpRequest.starts_at, HelpRequest.id)
    return _with_labels(stmt) if labels else stmt


def queue_statement(user: User, now: datetime) -> Select:
    """What needs a coordinator now: new and unfilled requests, offers past their deadline, and
    assignments starting within ``UNCONFIRMED_ALERT_HOURS`` that the supporter has not confirmed."""
    stmt = _queue_of(now, now + _unconfirmed_window())
    # The queue names languages by code (language_label): no municipality or language objects.
    return scope_requests(stmt, user).order_by(HelpRequest.starts_at, HelpRequest.id)


QUEUE_SIZE = 20


def queue(user: User, now: datetime) -> list[HelpRequest]:
    """The first ``QUEUE_SIZE`` requests of :func:`queue_statement` (the dashboard's list).

    The statement is built once with bound ``now`` and ``soon``; for the staff, whose queue is not
    narrowed, SQLAlchemy then reuses it as it is on every dashboard.
    """
    params = {"now": now, "soon": now + _unconfirmed_window()}
    return list(db.session.scalars(scope_requests(_QUEUE, user), params))


def _unconfirmed_window() -> timedelta:
    return timedelta(hours=float(current_app.config.get("UNCONFIRMED_ALERT_HOURS", 12)))


def _queue_of(now, soon) -> Select:
    """The queue's requests (``now`` and ``soon`` are values or bound parameters)."""
    return select(HelpRequest).where(
        or_(
            HelpRequest.status.in_([RequestStatus.NEW, RequestStatus.UNFILLED]),
            (HelpRequest.status == RequestStatus.OFFERED) & (HelpRequest.answer_by <= now),
            (HelpRequest.status == RequestStatus.ASSIGNED)
            & HelpRequest.confirmed_at.is_(None)
            & (HelpRequest.starts_at > now)
            & (HelpRequest.starts_at <= soon),
        )
    )


_QUEUE = (
    _queue_of(bindparam("now"), bindparam("soon"))
    .order_by(HelpRequest.starts_at, HelpRequest.id)
    .limit(QUEUE_SIZE)
)


def _with_labels(stmt: Select) -> Select:
    """Load each listed request's municipality and language with it (the rows show their names;
    one query per row otherwise)."""
    return stmt.options(joinedload(HelpRequest.municipality), joinedload(HelpRequest.language))
