"""The assigned supporter confirms they will come (one tap from the 72 h or 24 h reminder).

An assignment nobody confirmed by the 24-hour mark alerts the coordinator (the scheduled work in
``supporters/help_requests/reminders.py``), who may release it and offer it again.
"""

from datetime import datetime

from flask_babel import gettext as _

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus, User
from supporters.refusals import CONFLICT, NOT_FOUND, Refused


def confirm(
    request_id: int, supporter_id: int, by: User | None, now: datetime | None = None
) -> HelpRequest:
    """Record that supporter ``supporter_id`` confirms assignment ``request_id``; idempotent.

    Refused (not found) unless the request is assigned to this supporter, and (conflict) once
    it has started or is no longer assigned.
    """
    now = now or utcnow()
    request = db.session.get(HelpRequest, request_id)
    if request is None or request.assigned_supporter_id != supporter_id:
        raise Refused(_("This assignment was not found."), code=NOT_FOUND)
    if request.status != RequestStatus.ASSIGNED or request.starts_at <= now:
        raise Refused(_("This assignment can no longer be confirmed."), code=CONFLICT)
    if request.confirmed_at is None:
        request.confirmed_at = now
        audit.record("assignment_confirmed", request, f"request {request.reference}", user=by)
    db.session.flush()
    return request
