"""gunicorn settings for ``make serve``.

The command: ``gunicorn -c python:supporters.ops.gunicorn_conf app:app``.

Environment: ``PORT`` (8000) and ``BIND_HOST`` (127.0.0.1: a reverse proxy in front terminates
TLS), ``WEB_CONCURRENCY`` worker processes (2), ``WEB_THREADS`` threads each (1), ``WEB_TIMEOUT``
seconds a request may take (60: the monthly report's PDF and a 10 MB import fit). gunicorn's
access log is off: the app writes one JSON line per request itself (supporters/ops/logs.py).

Before any worker starts, the master checks the production settings (SECRET_KEY, BASE_URL, and
shared rate-limit storage when more than one process serves) and exits with the list of what to
fix, instead of letting each worker fail to boot.
"""

import os
import sys

bind = [f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30  # SIGTERM: requests in flight get this long to finish
keepalive = 5  # seconds an idle connection from the proxy stays open
# A worker is replaced after this many requests (plus jitter, so they do not all restart at once):
# memory a library leaks cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files on tmpfs: a slow disk cannot make gunicorn think they hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "yorisoi-web"
# Long request lines and many headers are refused before the app sees them.
limit_request_line = 8190
limit_request_fields = 100


def _json_logs() -> bool:
    """The app's rule (supporters/ops/logs.py): JSON in production unless LOG_FORMAT says."""
    chosen = os.environ.get("LOG_FORMAT", "").lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    return os.environ.get("YORISOI_ENV", "production") == "production"


if _json_logs():
    # gunicorn's own lines ("Booting worker", "Worker timeout") as JSON too, so every line on
    # standard error parses; they do not propagate to the root logger, where the app's JSON
    # handler would write them a second time.
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
        "handlers": {
            "error_json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": "supporters.ops.logs.JsonFormatter"}},
    }


def on_starting(server):
    """Refuse to start, with every reason at once, when production settings are missing."""
    from supporters.config import from_environment
    from supporters.ops.settings import format_problems, serving_problems

    problems = serving_problems(from_environment(), workers)
    if problems:
        print(format_problems(problems), file=sys.stderr, flush=True)
        sys.exit(1)
