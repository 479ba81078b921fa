"""Keeping a case log typed into an expired session, to put back into the form after sign-in.

Signing in starts a fresh session (``session.clear()`` against fixation), so the draft cannot
wait in the session: it waits in a signed, HttpOnly cookie of its own, for a short while, and
is given back only to the same account (or, when the session was lost and nobody is known, to
whoever signs in next in that browser within ``MAX_AGE``).
"""

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

COOKIE = "yorisoi_case_draft"
MAX_AGE = 2 * 3600  # seconds
MAX_BYTES = 3800  # a cookie holds about 4 KB
_SKIP = {"csrf_token", "submit"}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="case-log-draft")


def stash(response, form: MultiDict, user_id: int | None, path: str):
    """Put the posted ``form`` on ``response`` as the draft for ``path`` (a same-site URL)."""
    fields = [[key, value] for key, value in form.items(multi=True) if key not in _SKIP]
    value = _serializer().dumps({"u": user_id, "p": path, "f": fields})
    while len(value) > MAX_BYTES:  # long notes: keep what fits rather than nothing
        notes = next((pair for pair in fields if pair[0] == "notes" and pair[1]), None)
        if notes is None:
            return response
        notes[1] = notes[1][: len(notes[1]) // 2]
        value = _serializer().dumps({"u": user_id, "p": path, "f": fields})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        path="/me/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def waiting(user_id: int) -> dict | None:
    """The draft waiting in this browser for ``user_id``, if any: {"path", "form"}."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if data.get("u") not in (None, user_id):
        return None
    return {"path": data.get("p", ""), "form": MultiDict([tuple(pair) for pair in data["f"]])}


def forget(response):
    """Drop the draft cookie (it has been put back into a form)."""
    response.delete_cookie(COOKIE, path="/me/")
    return response
