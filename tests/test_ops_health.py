"""Health checks and the production start-up refusals.

User stories: "As the prefecture's IT officer, my load balancer asks /healthz whether a process
is alive and /readyz whether it can work — database, migrations, background worker — and the
answer names what is wrong, never anything about a person." — "If I forget SECRET_KEY or
BASE_URL, the app refuses to start and tells me both."
"""

from datetime import timedelta

import pytest
from sqlalchemy import text

from supporters import create_app
from supporters.clock import utcnow
from supporters.config import from_environment
from supporters.extensions import db as _db
from supporters.extensions import limiter
from supporters.models import WorkerHeartbeat
from supporters.ops.health import code_heads, migrations_folder
from supporters.ops.settings import ProductionSettingsError, rate_limit_problem
from tests.conftest import Auth, make_app


@pytest.fixture(autouse=True)
def _no_alembic_table_afterwards(app):
    """The suite's databases are built without Alembic: leave none behind (PostgreSQL keeps
    tables between tests)."""
    yield
    with app.app_context():
        _db.session.rollback()
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()


def _stamp(db, revisions) -> None:
    """Record ``revisions`` as the database's Alembic revision (as ``flask db upgrade`` would)."""
    db.session.execute(
        text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    )
    db.session.execute(text("DELETE FROM alembic_version"))
    for revision in revisions:
        db.session.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    db.session.commit()


def _beat(db, minutes_ago: float, name: str = "worker-1") -> None:
    db.session.merge(WorkerHeartbeat(name=name, beat_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()


@pytest.fixture
def heads(app):
    with app.app_context():
        return sorted(code_heads(str(migrations_folder())))


def test_ready_when_database_migrations_and_worker_are_fine(app, db, client, heads):
    _stamp(db, heads)
    _beat(db, minutes_ago=5, name="old-worker")
    _beat(db, minutes_ago=0.5, name="worker-1")
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
        "failed": [],
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_a_silent_worker_makes_the_app_not_ready(app, db, client, heads):
    _stamp(db, heads)
    assert client.get("/readyz").get_json()["checks"]["worker"] == "no worker has beaten"
    _beat(db, minutes_ago=4)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["worker"]
    assert body["checks"]["worker"] == "silent for 4 minutes"


def test_migrations_behind_or_missing_make_the_app_not_ready(app, db, client, heads):
    _beat(db, minutes_ago=0)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"].startswith("not migrated")
    _stamp(db, ["0001"])
    body = client.get("/readyz").get_json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"] == f"at 0001, code at {','.join(heads)}"


def test_healthz_answers_without_the_database_and_readyz_names_it(tmp_path):
    """A database outage: the process is alive (no restart loop), not ready, and says why."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}",
        }
    )
    client = app.test_client()
    alive = client.get("/healthz")
    assert (alive.status_code, alive.get_json()) == (200, {"status": "ok"})
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["failed"] == ["database"]
    assert ready.get_json()["checks"]["database"] == "unreachable"


def test_health_checks_are_exempt_from_rate_limits(tmp_path):
    """Even under a default limit on every route, a load balancer asking every second is served."""
    app = make_app(tmp_path, RATELIMIT_DEFAULT="3 per minute")
    try:
        client = app.test_client()
        assert [client.get("/login").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert {client.get("/healthz").status_code for _ in range(20)} == {200}
        assert {client.get("/readyz").status_code for _ in range(20)} == {503}  # not 429
    finally:
        limiter.limit_manager.set_default_limits([])  # the extension object outlives this app
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_health_checks_are_public_and_carry_no_personal_data(app, client, users):
    Auth(client).login("coordinator@example.jp")
    body = client.get("/readyz").get_data(as_text=True)
    assert "coordinator" not in body and "@" not in body
    # POST is not a health check: 405, not a CSRF refusal or a sign-in page.
    assert client.post("/healthz").status_code == 405


# --- production refuses to start without its settings -------------------------------------------


def test_production_without_secret_key_or_base_url_refuses_naming_both(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("YORISOI_ENV", "production")
    monkeypatch.setattr("supporters.config.INSTANCE_DIR", tmp_path)
    settings = from_environment()
    assert settings["SECRET_KEY"] == ""  # never a key generated on one machine
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ProductionSettingsError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "SECRET_KEY is not set" in str(refused.value)
    assert "BASE_URL is not set" in str(refused.value)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "https://yorisoi.example.jp"}
    with pytest.raises(ProductionSettingsError, match="SECRET_KEY"):
        create_app(config)
    assert create_app({**config, "SECRET_KEY": "k" * 64})
    monkeypatch.setenv("YORISOI_ENV", "development")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})  # a developer needs neither


def test_shared_rate_limit_storage_is_required_for_several_processes():
    production = {"YORISOI_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}
    assert rate_limit_problem(production, 1) is None
    assert "WEB_CONCURRENCY=1" in rate_limit_problem(production, 2)
    shared = {**production, "RATELIMIT_STORAGE_URI": "redis://localhost:6379/1"}
    assert rate_limit_problem(shared, 4) is None
    assert rate_limit_problem({**production, "YORISOI_ENV": "development"}, 4) is None
