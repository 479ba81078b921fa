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
    """What needs a coordinator now: new and unfilled requests, and offers past their deadline."""
    stmt = select(HelpRequest).where(
        or_(
            HelpRequest.status.in_([RequestStatus.NEW, RequestStatus.UNFILLED]),
            (HelpRequest.status == RequestStatus.OFFERED) & (HelpRequest.answer_by <= now),
        )
    )
    return _with_labels(scope_requests(stmt, user).order_by(HelpRequest.starts_at, HelpRequest.id))


def _with_labels(stmt: Select) -> Select:
    """Load each listed request's municipality and language with it (the rows show their names;
    one query per row otherwise)."""
    return stmt.options(joinedload(HelpRequest.municipality), joinedload(HelpRequest.language))
