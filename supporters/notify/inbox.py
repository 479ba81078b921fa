"""A user's in-app notification list: how many are unread, the latest ones, marking them read."""

from sqlalchemy import Select, bindparam, func, select, update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import Notification, User


def unread_count_statement(user_id: int) -> Select:
    """The count of the user's unread notifications, as a statement (pages fold it into theirs)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


# Built once (every page's header asks): SQLAlchemy reuses its compiled form and cache key.
_UNREAD_COUNT = unread_count_statement(bindparam("user_id"))


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return db.session.scalar(_UNREAD_COUNT, {"user_id": user.id})


def recent(user: User, limit: int = 20) -> list[Notification]:
    """``user``'s latest notifications, newest first, read or not."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_ids: list[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read (all, or only these ids); no commit.

    Ids belonging to someone else are ignored, so a view may pass ids straight from a form.
    Returns how many were marked.
    """
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        if not notification_ids:
            return 0
        statement = statement.where(Notification.id.in_(notification_ids))
    result = db.session.execute(
        statement.values(read_at=utcnow()), execution_options={"synchronize_session": "fetch"}
    )
    return result.rowcount
