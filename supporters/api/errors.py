"""API errors: one JSON shape, ``{"error": {"code", "message", "fields"}}``, for every refusal.

Views raise HTTP errors through :func:`fail` (or let a service's error pass through
:func:`refused`); the app's error handler (``create_app``) writes the body, also for 404 on
unknown routes, 405, 413, 429 and webargs' validation errors.
"""

import time
from typing import NoReturn

from werkzeug.exceptions import HTTPException, default_exceptions

from supporters.api.messages import field_message
from supporters.refusals import INVALID, NOT_FOUND, Refused

# Default ``code`` per status when the view gives none.
CODES = {422: "invalid", 409: "conflict"}


def fail(
    status: int,
    message,
    code: str | None = None,
    fields: dict[str, str] | None = None,
    rows: list[dict] | None = None,
) -> NoReturn:
    """Abort with ``status`` and the API's error body (``rows``: an import's wrong rows)."""
    error = default_exceptions[status](description=str(message))
    error.data = {
        "code": code or CODES.get(status),
        "message": str(message),
        "fields": {name: str(text) for name, text in (fields or {}).items()},
    }
    if rows is not None:
        error.data["rows"] = rows
    raise error


def refused(error: Exception) -> NoReturn:
    """Turn a service's refusal into the right status: 422 for a field, 409 for a state."""
    if isinstance(error, Refused):
        if error.is_about_input:
            fail(422, error.message, INVALID, error.field_messages())
        if error.code == NOT_FOUND:
            fail(404, error.message, NOT_FOUND)
        fail(409, error.message, error.code, error.field_messages())
    raise error


def error_fields(data: dict) -> dict[str, str]:
    """``fields`` of the body: given by :func:`fail`, or flattened from webargs' messages.

    webargs reports ``{"json": {"languages": {"0": {"code": ["…"]}}}}``; callers get
    ``{"languages.0.code": "…"}`` — the location is left out, the path kept, and marshmallow's
    English words put in the request's language (``messages``), like the error's message.
    """
    if "fields" in data:
        return dict(data["fields"])
    flat: dict[str, str] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat[path or "_"] = " ".join(field_message(v) for v in value)
        else:
            flat[path or "_"] = field_message(str(value))

    for messages in (data.get("messages") or {}).values():
        walk(messages, "")
    return flat


def extra_body(data: dict) -> dict:
    """What an error body holds beyond code, message and fields: an import's wrong ``rows``."""
    return {"rows": data["rows"]} if "rows" in data else {}


def retry_after(error: HTTPException) -> int:
    """Seconds until a rate-limited caller may try again (the ``Retry-After`` of a 429).

    The breached limit's window end when Flask-Limiter knows it, else the limit's whole window,
    else a minute.
    """
    from supporters.extensions import limiter

    try:
        current = limiter.current_limit
        if current is not None and current.breached:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # the storage cannot be reached: the window below still answers
        pass
    limit = getattr(getattr(error, "limit", None), "limit", None)
    if limit is not None:
        return max(1, int(limit.get_expiry()))
    return 60
