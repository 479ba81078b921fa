"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for load balancers.

Both are public, carry no personal data, are exempt from rate limits and CSRF, and are never
cached. ``/readyz`` answers 503 with the checks that failed: the database is reachable, its
Alembic revision is the code's head, and a worker beat within the last three minutes.
"""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

from supporters.clock import utcnow
from supporters.config import ROOT
from supporters.extensions import csrf, db, limiter

# A worker beats every minute (supporters/jobs); silent longer than this, it is taken as gone.
WORKER_FRESH = timedelta(minutes=3)

bp = Blueprint("ops", __name__)
csrf.exempt(bp)


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Alive: the process answers. Touches no database, so a database outage does not make a
    load balancer restart every web process."""
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready: database reachable, migrations current, a worker alive; 503 naming what failed."""
    checks = readiness()
    failed = sorted(name for name, result in checks.items() if result not in ("ok", "unchecked"))
    body = {"status": "not_ready" if failed else "ready", "checks": checks, "failed": failed}
    return _answer(body, 503 if failed else 200)


def migrations_folder() -> Path:
    """Flask-Migrate's folder, resolved against the project (gunicorn may run elsewhere)."""
    migrate = current_app.extensions.get("migrate")
    folder = Path(getattr(migrate, "directory", None) or "migrations")
    return folder if folder.is_absolute() else ROOT / folder


@lru_cache(maxsize=4)
def code_heads(folder: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts (read once per process)."""
    config = Config()
    config.set_main_option("script_location", folder)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def readiness(now=None) -> dict[str, str]:
    """``{check: "ok" | why not}`` for database, migrations and worker; reads outside the
    request's session so a failure here cannot disturb the request's unit of work."""
    now = now or utcnow()
    checks = {"database": "ok", "migrations": "unchecked", "worker": "unchecked"}
    try:
        connection = db.engine.connect()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        current_app.logger.warning("readyz: database unreachable (%s)", type(error).__name__)
        checks["database"] = "unreachable"
        return checks
    with connection:
        try:
            connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001
            current_app.logger.warning("readyz: database unreachable (%s)", type(error).__name__)
            checks["database"] = "unreachable"
            return checks
        checks["migrations"] = _migrations(connection)
        checks["worker"] = _worker(connection, now)
        connection.rollback()
    return checks


def _migrations(connection) -> str:
    try:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
        expected = code_heads(str(migrations_folder()))
    except Exception as error:  # noqa: BLE001
        current_app.logger.warning("readyz: migrations unreadable (%s)", type(error).__name__)
        connection.rollback()
        return "unreadable"
    if not current:
        return "not migrated (run flask db upgrade)"
    if current != expected:
        return f"at {','.join(sorted(current))}, code at {','.join(sorted(expected))}"
    return "ok"


def _worker(connection, now) -> str:
    from supporters.models import WorkerHeartbeat

    try:
        newest = connection.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    except Exception as error:  # noqa: BLE001
        current_app.logger.warning("readyz: heartbeats unreadable (%s)", type(error).__name__)
        connection.rollback()
        return "unreadable"
    if newest is None:
        return "no worker has beaten"
    silent = now - newest
    if silent > WORKER_FRESH:
        return f"silent for {int(silent.total_seconds() // 60)} minutes"
    return "ok"
