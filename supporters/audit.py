"""Recording actions in the audit trail, inside the same transaction as the change itself.

Two helpers, one table: :func:`record` for a change ("request_cancelled"), :func:`record_read`
for a look at personal data ("view_request", "view_case_note", "view_contact",
"view_bank_details", exports). Both note the actor, the role they acted in and the channel
(web, api, export, pdf, cli), so the trail answers "who saw what, when, and as what". Reads are
written on GET too: ``_commit_on_success`` commits every answer below 400.
"""

from collections.abc import Iterable

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import AuditEvent, User

CHANNELS = ("web", "api", "export", "pdf", "cli")


def _actor(user: User | None):
    actor = user if user is not None or not has_request_context() else current_user
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor


def _channel() -> str:
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def _object_id(obj: object) -> str:
    return str(getattr(obj, "id", None) or getattr(obj, "code", "") or "")


def record(
    action: str,
    obj: object,
    detail: str = "",
    user: User | None = None,
    channel: str | None = None,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` by ``user`` (default: the signed-in user)."""
    actor = _actor(user)
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        role=actor.role.value if actor is not None else "",
        channel=channel or _channel(),
        action=action,
        object_type=type(obj).__name__,
        object_id=_object_id(obj)[:40],
        detail=detail,
    )
    db.session.add(event)
    return event


def record_read(
    action: str,
    objects: object | Iterable[object],
    channel: str | None = None,
    detail: str = "",
    user: User | None = None,
) -> int:
    """Note that the signed-in user (or ``user``) read personal data: one event per object read.

    ``objects`` is one record or several (a list page or an API page writes one row per item
    shown, so "who looked at this resident" is one indexed query). ``channel`` defaults to
    ``api`` under /api/ and ``web`` elsewhere; exports and PDFs pass theirs. The rows go in as
    one bulk INSERT (a page of 100 case notes: one statement, no ORM object per row). Returns
    how many events were written.
    """
    if isinstance(objects, (list, tuple, set, frozenset)):
        items = list(objects)
    else:
        items = [objects]
    if not items:
        return 0
    actor = _actor(user)
    common = {
        "at": utcnow(),
        "user_id": actor.id if actor is not None else None,
        "role": actor.role.value if actor is not None else "",
        "channel": channel or _channel(),
        "action": action,
        "detail": detail,
    }
    rows = [
        {**common, "object_type": type(obj).__name__, "object_id": _object_id(obj)[:40]}
        for obj in items
    ]
    db.session.execute(insert(AuditEvent), rows)
    return len(rows)
