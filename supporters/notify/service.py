"""Telling people something happened: an in-app line and a queued message, in one transaction.

Nothing here commits. The caller's unit of work commits the notification together with the change
that caused it, so a rolled-back change sends nothing and a committed one is never forgotten.
The message goes out on the person's first working channel (``routing.py``) and falls back to
the next; it carries facts (``params``: when, area, language, how), never special-care data.
"""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from supporters.extensions import db
from supporters.models import Notification, OutboxMessage, OutboxStatus, Supporter, User
from supporters.notify.messages import (
    check_kind_and_link,
    check_params,
    recipient_locale,
    render_message,
)
from supporters.notify.routing import EMAIL, route_for


def notify_supporter(
    supporter: Supporter,
    kind: str,
    link: str,
    params: dict | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Tell a supporter: in-app if they have an active account, and on their channels."""
    check_kind_and_link(kind, link)
    if supporter.id is None:
        db.session.flush()
    account = db.session.scalar(select(User).where(User.supporter_id == supporter.id))
    if account is not None and not account.active:
        account = None
    _notify(account, supporter.email, recipient_locale(account), kind, link, params, dedupe_key)


def notify_users(
    users: Iterable[User],
    kind: str,
    link: str,
    params: dict | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Tell staff accounts (each once; inactive accounts are skipped): in-app and by message.

    With ``dedupe_key``, each user's message is queued at most once for that key (the key is
    suffixed with the user's id).
    """
    check_kind_and_link(kind, link)
    seen: set[int] = set()
    for user in users:
        if not user.active or user.id in seen:
            continue
        seen.add(user.id)
        key = f"{dedupe_key}:u{user.id}" if dedupe_key else None
        _notify(user, user.email, recipient_locale(user), kind, link, params, key)


def already_queued(dedupe_key: str) -> bool:
    """Whether a message with ``dedupe_key`` exists (work that runs by itself asks first)."""
    return (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        is not None
    )


def _notify(
    user: User | None,
    email: str,
    locale: str,
    kind: str,
    link: str,
    params: dict | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Add the in-app line for ``user`` (if any) and queue the message on their channels."""
    params = check_params(params)
    if dedupe_key is not None and already_queued(dedupe_key):
        return
    route = route_for(user, email)
    if not route and user is None:
        return
    if user is not None:
        db.session.add(Notification(user_id=user.id, kind=kind, link=link))
    if not route:
        return
    # The e-mail's words are kept with the message (a fallback to e-mail sends them); the other
    # channels render theirs from the same facts when they send.
    rendered = render_message(kind, link, locale, params)
    (channel, address), fallback = route[0], route[1:]
    message = OutboxMessage(
        channel=channel,
        recipient=address,
        subject=rendered.subject,
        body=rendered.body,
        kind=kind,
        status=OutboxStatus.PENDING,
        attempts=0,
        user_id=user.id if user is not None else None,
        locale=locale,
        link=link,
        params=params,
        fallback=[list(step) for step in fallback],
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        db.session.add(message)
        return
    try:  # two runs at once: the unique key keeps one, the other's savepoint rolls back
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        pass


__all__ = ["EMAIL", "already_queued", "notify_supporter", "notify_users"]
