"""Structured logs: one JSON line per request, and a request id on every record of the request.

The request id comes from ``X-Request-ID`` when it is well-formed (a proxy or load balancer
made it), else it is generated; it is echoed in the response header always, and added to every
log record emitted while the request runs. JSON lines are written in production (outside tests)
or with ``LOG_FORMAT=json``; ``LOG_FORMAT=text`` keeps plain lines.

What a request line holds is deliberately little: time, request id, method, the path without
its query string (secret path parts such as invitation tokens replaced by their name), status,
duration and the signed-in user's numeric id. Never an e-mail, a name or a query string.
"""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a few separators (UUIDs, AWS/GCP trace ids); anything else is replaced.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")
# URL parts that are credentials (invitation, reset and one-tap tokens): logged by name only.
SECRET_PATH_ARGS = frozenset({"token", "code", "secret", "key"})
PATH_MAX = 200
REQUEST_LOGGER = "supporters.requests"
_HANDLER_NAME = "yorisoi-json"
_PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def _take_request_id() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if WELL_FORMED_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def logged_path() -> str:
    """The request's path for a log: no query string, secret parts named, not the values."""
    rule = request.url_rule
    args = request.view_args or {}
    if rule is not None and SECRET_PATH_ARGS & set(args):

        def part(match: re.Match) -> str:
            name = match.group(1)
            return f"<{name}>" if name in SECRET_PATH_ARGS else str(args.get(name, name))

        return _PLACEHOLDER.sub(part, rule.rule)[:PATH_MAX]
    return request.path[:PATH_MAX]


def signed_in_user_id() -> int | None:
    """The numeric id of the user this request signed in, without loading anyone.

    Only a user Flask-Login already loaded counts (a static file does not load the session's
    user); the id comes from the identity map, so an expired row costs no query.
    """
    user = g.get("_login_user")
    if user is None or getattr(user, "is_anonymous", True):
        return None
    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def _log_request(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or ""
    if not g.get("json_logs"):
        return response
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started else None
    logging.getLogger(REQUEST_LOGGER).info(
        "request",
        extra={
            "fields": {
                "method": request.method,
                "path": logged_path(),
                "status": response.status_code,
                "duration_ms": round(duration, 1) if duration is not None else None,
                "user_id": signed_in_user_id(),
            }
        },
    )
    return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record emitted during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (gunicorn and pytest replace it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def wants_json(app: Flask) -> bool:
    """JSON logs: LOG_FORMAT=json, or production outside tests unless LOG_FORMAT=text."""
    chosen = (app.config.get("LOG_FORMAT") or "").lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    return app.config.get("YORISOI_ENV") == "production" and not app.testing


def json_handler() -> logging.Handler:
    """The one JSON handler on the root logger (installed once per process, shared by apps)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.get_name() == _HANDLER_NAME:
            return handler
    handler = StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


def remove_json_handler() -> None:
    """Take the JSON handler off the root logger (after a test that turned it on)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.NOTSET)
    logging.getLogger("supporters").setLevel(logging.NOTSET)


def init_app(app: Flask) -> None:
    """Request ids always; JSON request lines and records when :func:`wants_json`."""
    json_logs = wants_json(app)
    if json_logs:
        from flask.logging import default_handler

        json_handler()
        app.logger.removeHandler(default_handler)  # the root's JSON handler says it once
        logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO)
        logging.getLogger(app.import_name).setLevel(logging.INFO)

    def start():
        _take_request_id()
        g.json_logs = json_logs

    # First in, last out: the id exists before any other hook runs (even one that refuses the
    # request), and the line is written after every other hook has settled the status.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)
