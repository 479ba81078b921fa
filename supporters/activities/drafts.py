"""Keeping a case log typed into an expired session, to put back into the form after sign-in.

Signing in starts a fresh session (``session.clear()`` against fixation), so the draft cannot
wait in the session. It waits on the server (:class:`~supporters.models.ActivityDraft`), for
``LIFETIME``; the browser holds only a random key in an HttpOnly cookie, which reveals nothing
(a case note is health data: it must never sit in a cookie, where base64 is all that hides it).

A draft belongs to the account that typed it and is given back only to that account, once.
When the session is gone altogether (cookie dropped, phone restarted) the author is read from
the form itself: the case-log page carries a signed, timed token of the account it was shown
to (``author_token``). Without a known author nothing is kept.
"""

import hashlib
import json
import secrets
from datetime import datetime, timedelta

from flask import current_app, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Select, delete, select
from werkzeug.datastructures import MultiDict

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import ActivityDraft, UserSession

COOKIE = "yorisoi_case_draft"
AUTHOR_FIELD = "draft_author"
LIFETIME = timedelta(hours=24)
MAX_FIELDS = 40
MAX_VALUE_CHARS = 4000
PER_USER = 5  # older drafts of the same account are dropped beyond this
_SKIP = {"csrf_token", "submit", AUTHOR_FIELD}


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _author_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="case-log-draft-author")


def author_token(user_id: int) -> str:
    """A signed, timed token naming the account a case-log form was shown to."""
    return _author_serializer().dumps(user_id)


def _author_from_form(form: MultiDict) -> int | None:
    raw = form.get(AUTHOR_FIELD, "")
    if not raw:
        return None
    try:
        value = _author_serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _author_from_ended_session() -> int | None:
    """The account of this browser's session cookie even when the session has ended."""
    raw = session.get("sid")
    if not isinstance(raw, str) or not raw:
        return None
    return db.session.scalar(
        select(UserSession.user_id).where(UserSession.token_hash == _hash(raw))
    )


def stash(response, form: MultiDict, user_id: int | None, path: str):
    """Keep the posted ``form`` on the server as ``user_id``'s draft for ``path``.

    ``user_id`` is None when the session is gone: the author is then read from the form's
    signed token (or the ended session). The response gets only the draft's random key.
    """
    author = user_id or _author_from_form(form) or _author_from_ended_session()
    if author is None:
        return response  # nobody it could safely be given back to
    fields = [
        [key, value[:MAX_VALUE_CHARS]]
        for key, value in form.items(multi=True)
        if key not in _SKIP and isinstance(value, str)
    ][:MAX_FIELDS]
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        ActivityDraft(
            key_hash=_hash(raw),
            user_id=author,
            path=path[:200],
            fields=json.dumps(fields, ensure_ascii=False),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    _drop_stale(author, now)
    response.set_cookie(
        COOKIE,
        raw,
        max_age=int(LIFETIME.total_seconds()),
        path="/me/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _drop_stale(user_id: int, now: datetime) -> None:
    """Remove expired drafts, and this account's drafts beyond the newest ``PER_USER``."""
    db.session.flush()
    db.session.execute(delete(ActivityDraft).where(ActivityDraft.expires_at <= now))
    keep = select(ActivityDraft.id).where(ActivityDraft.user_id == user_id)
    keep = keep.order_by(ActivityDraft.id.desc()).limit(PER_USER)
    kept = list(db.session.scalars(keep))
    db.session.execute(
        delete(ActivityDraft).where(ActivityDraft.user_id == user_id, ActivityDraft.id.not_in(kept))
    )


def own_draft_statement(user_id: int) -> Select | None:
    """This browser's live draft of ``user_id`` as a statement; None without a draft cookie."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    return select(ActivityDraft).where(
        ActivityDraft.key_hash == _hash(raw),
        ActivityDraft.user_id == user_id,
        ActivityDraft.expires_at > utcnow(),
    )


def _own_draft(user_id: int) -> ActivityDraft | None:
    statement = own_draft_statement(user_id)
    return None if statement is None else db.session.scalar(statement)


def waiting(user_id: int) -> dict | None:
    """The draft waiting in this browser for ``user_id``, if any: {"path", "form"}."""
    draft = _own_draft(user_id)
    if draft is None:
        return None
    try:
        pairs = [(str(key), str(value)) for key, value in json.loads(draft.fields)]
    except (ValueError, TypeError):
        pairs = []
    return {"path": draft.path, "form": MultiDict(pairs)}


def forget(response):
    """Delete the signed-in account's draft of this browser (it has been put back in a form)."""
    raw = request.cookies.get(COOKIE)
    if raw and current_user.is_authenticated:
        db.session.execute(
            delete(ActivityDraft).where(
                ActivityDraft.key_hash == _hash(raw), ActivityDraft.user_id == current_user.id
            )
        )
    response.delete_cookie(COOKIE, path="/me/")
    return response


def purge_expired(now: datetime | None = None) -> int:
    """Delete every expired draft (``flask privacy purge``); returns how many."""
    result = db.session.execute(
        delete(ActivityDraft).where(ActivityDraft.expires_at <= (now or utcnow()))
    )
    return result.rowcount or 0
