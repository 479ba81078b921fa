"""Telling people something happened: an in-app line and a queued e-mail, in one transaction.

Nothing here commits. The caller's unit of work commits the notification together with the change
that caused it, so a rolled-back change sends nothing and a committed one is never forgotten.
"""

from collections.abc import Iterable

from sqlalchemy import select

from supporters.extensions import db
from supporters.models import Notification, OutboxMessage, OutboxStatus, Supporter, User
from supporters.notify.messages import check_kind_and_link, recipient_locale, render_message

EMAIL = "email"


def notify_supporter(supporter: Supporter, kind: str, link: str) -> None:
    """Tell a supporter: in-app if they have an active account, and by e-mail to their address."""
    check_kind_and_link(kind, link)
    if supporter.id is None:
        db.session.flush()
    account = db.session.scalar(select(User).where(User.supporter_id == supporter.id))
    if account is not None and not account.active:
        account = None
    _notify(account, supporter.email, recipient_locale(account), kind, link)


def notify_users(users: Iterable[User], kind: str, link: str) -> None:
    """Tell staff accounts (each once; inactive accounts are skipped): in-app and by e-mail."""
    check_kind_and_link(kind, link)
    seen: set[int] = set()
    for user in users:
        if not user.active or user.id in seen:
            continue
        seen.add(user.id)
        _notify(user, user.email, recipient_locale(user), kind, link)


def _notify(user: User | None, email: str, locale: str, kind: str, link: str) -> None:
    """Add the in-app line for ``user`` (if any) and queue the e-mail to ``email`` (if any)."""
    if user is not None:
        db.session.add(Notification(user_id=user.id, kind=kind, link=link))
    if email:
        rendered = render_message(kind, link, locale)
        db.session.add(
            OutboxMessage(
                channel=EMAIL,
                recipient=email,
                subject=rendered.subject,
                body=rendered.body,
                kind=kind,
                status=OutboxStatus.PENDING,
                attempts=0,
            )
        )
