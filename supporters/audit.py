"""Recording actions in the audit trail, inside the same transaction as the change itself."""

from flask import has_request_context
from flask_login import current_user

from supporters.extensions import db
from supporters.models import AuditEvent, User


def record(action: str, obj: object, detail: str = "", user: User | None = None) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` by ``user`` (default: the signed-in user)."""
    actor = user if user is not None or not has_request_context() else current_user
    actor_id = actor.id if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        user_id=actor_id,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "id", None) or getattr(obj, "code", "")),
        detail=detail,
    )
    db.session.add(event)
    return event
