"""Read-side of the audit trail: the filtered statement, the filter choices, the CSV rows."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from supporters.audit_trail.labels import ACTION_LABELS, action_label
from supporters.clock import JST
from supporters.extensions import db
from supporters.models import AuditEvent, User

CSV_HEADERS = [
    "at_jst",
    "actor_email",
    "role",
    "channel",
    "action",
    "action_words",
    "object_type",
    "object_id",
    "detail",
]
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class AuditFilters:
    """What the admin narrowed the trail to; empty values mean "any"."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    """Midnight JST of ``day`` as an aware instant (the column stores UTC)."""
    return datetime.combine(day, time.min, JST)


def audit_statement(filters: AuditFilters) -> Select:
    """Events matching ``filters``, newest first, with their actor loaded (none for system
    events)."""
    stmt = (
        select(AuditEvent)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .options(selectinload(AuditEvent.user))
    )
    if filters.actor:
        # Escape LIKE wildcards so "%" or "_" typed by the admin match themselves.
        text = filters.actor.strip().lower().replace("\\", "\\\\")
        pattern = "%" + text.replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.email.ilike(pattern, escape="\\"),
                User.name.ilike(pattern, escape="\\"),
            )
        )
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id.strip())
    if filters.channel:
        stmt = stmt.where(AuditEvent.channel == filters.channel)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= _start_of(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def known_actions() -> list[str]:
    """Every action with a label, and any other code already in the trail."""
    stored = db.session.scalars(select(AuditEvent.action).distinct())
    return sorted(set(ACTION_LABELS) | set(stored))


def known_object_types() -> list[str]:
    """The record types present in the trail."""
    return sorted(db.session.scalars(select(AuditEvent.object_type).distinct()))


def csv_rows(filters: AuditFilters) -> list[list]:
    """The filtered trail as CSV rows (JST times, codes and words), at most MAX_EXPORT_ROWS."""
    rows = []
    for event in db.session.scalars(audit_statement(filters).limit(MAX_EXPORT_ROWS)):
        rows.append(
            [
                event.at.astimezone(JST).isoformat(timespec="seconds"),
                event.user.email if event.user is not None else "",
                event.role,
                event.channel,
                event.action,
                action_label(event.action),
                event.object_type,
                event.object_id,
                event.detail,
            ]
        )
    return rows
