"""The audit trail: who did what to which record, and who looked at personal data.

Rows are only ever added. The mapper refuses to update or delete one (``before_update`` /
``before_delete``), and the session refuses bulk ``UPDATE``/``DELETE`` statements on the table,
so no code path of the app can rewrite history; there is no route for it either.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.schema import UTCDateTime
from supporters.tenancy import Owned


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit event."""


class AuditEvent(Owned, db.Model):
    """One recorded action. Rows are only ever added, never changed."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The role the actor acted in at that moment ("why may they see it"); kept even if the
    # account's role changes later.
    role: Mapped[str] = mapped_column(String(20), default="")
    # Where it happened: web, api, export, pdf, cli ("" for older rows and background jobs).
    channel: Mapped[str] = mapped_column(String(10), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")

    user: Mapped["User | None"] = relationship(viewonly=True)  # noqa: F821


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditTrailIsAppendOnly("audit events cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditTrailIsAppendOnly("audit events cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    """``session.execute(update(AuditEvent)…)`` / ``delete(AuditEvent)`` bypass the mapper."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
