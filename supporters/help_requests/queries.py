"""Read-side queries for the request console: the list and the coordinators' queue."""

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from supporters.access import scope_requests
from supporters.models import OPEN_STATUSES, HelpRequest, RequestStatus, User


def request_list_statement(status: str, municipality: str, user: User) -> Select:
    """Requests filtered by status ("open" = new, offered, unfilled) and municipality."""
    stmt = select(HelpRequest)
    if status == "open":
        stmt = stmt.where(HelpRequest.status.in_(sorted(OPEN_STATUSES)))
    elif status:
        stmt = stmt.where(HelpRequest.status == RequestStatus(status))
    if municipality:
        stmt = stmt.where(HelpRequest.municipality_code == municipality)
    return _with_labels(scope_requests(stmt, user).order_by(HelpRequest.starts_at, HelpRequest.id))


def queue_statement(user: User, now: datetime) -> Select:
    """What needs a coordinator now: new and unfilled requests, offers past their deadline, and
    assignments starting within ``UNCONFIRMED_ALERT_HOURS`` that the supporter has not confirmed."""
    from datetime import timedelta

    from flask import current_app

    soon = now + timedelta(hours=float(current_app.config.get("UNCONFIRMED_ALERT_HOURS", 12)))
    stmt = select(HelpRequest).where(
        or_(
            HelpRequest.status.in_([RequestStatus.NEW, RequestStatus.UNFILLED]),
            (HelpRequest.status == RequestStatus.OFFERED) & (HelpRequest.answer_by <= now),
            (HelpRequest.status == RequestStatus.ASSIGNED)
            & HelpRequest.confirmed_at.is_(None)
            & (HelpRequest.starts_at > now)
            & (HelpRequest.starts_at <= soon),
        )
    )
    return _with_labels(scope_requests(stmt, user).order_by(HelpRequest.starts_at, HelpRequest.id))


def _with_labels(stmt: Select) -> Select:
    """Load each listed request's municipality and language with it (the rows show their names;
    one query per row otherwise)."""
    return stmt.options(joinedload(HelpRequest.municipality), joinedload(HelpRequest.language))
