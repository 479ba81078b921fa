"""``flask backup`` and ``flask restore``: a round trip gives back the same programme.

User story: "As the IT officer, I back up the live database every night without stopping the
app; after a bad day I restore it, and every table and the monthly report are as they were."
On SQLite always; on PostgreSQL when ``TEST_DATABASE_URL`` names a server (in a database of
this test's own, never the suite's).
"""

import os
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from supporters import create_app
from supporters.config import database_url
from supporters.demo.seed import seed_demo
from supporters.extensions import db as _db
from supporters.models import AuditEvent
from supporters.ops.backup import BackupError, backup_kind, pg_binary, tables_with_rows
from supporters.reports.monthly import build_report
from tests.conftest import PASSWORD_HASH_PARAMETERS, make_app


def _snapshot(app) -> tuple[dict[str, int], dict]:
    """Rows per table and the monthly report for April–November 2026."""
    with app.app_context():
        _db.session.remove()
        names = sorted(inspect(_db.engine).get_table_names())
        quote = _db.engine.dialect.identifier_preparer.quote
        counts = {
            name: _db.session.scalar(text(f"SELECT count(*) FROM {quote(name)}")) for name in names
        }
        report = build_report(date(2026, 4, 1), date(2026, 11, 1), locale="en")
        _db.session.rollback()
        return counts, report


def _spoil(app) -> None:
    """A bad day: rows changed and deleted behind the app's back."""
    with app.app_context():
        _db.session.execute(text("UPDATE supporter SET certified_on = NULL"))
        _db.session.execute(text("DELETE FROM weekly_slot"))
        _db.session.execute(text("DELETE FROM resident_count"))
        _db.session.commit()


def _round_trip(app, tmp_path) -> None:
    with app.app_context():
        seed_demo()
        _db.session.commit()
    before = _snapshot(app)
    assert before[0]["supporter"] > 100 and before[0]["weekly_slot"] > 0
    runner = app.test_cli_runner()
    dump = tmp_path / "nightly.backup"

    made = runner.invoke(args=["backup", str(dump)])
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output and "password" not in made.output.lower()
    again = runner.invoke(args=["backup", str(dump)])
    assert again.exit_code == 1 and "already exists" in again.output

    _spoil(app)
    spoiled = _snapshot(app)
    assert spoiled[0]["weekly_slot"] == 0
    assert spoiled[1] != before[1]  # the report shows the damage: the comparison means something

    refused = runner.invoke(args=["restore", str(dump)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    assert _snapshot(app) == spoiled  # nothing was touched

    restored = runner.invoke(args=["restore", str(dump), "--force"])
    assert restored.exit_code == 0, restored.output
    after = _snapshot(app)
    # Everything as it was, plus one audit event saying the database was restored from the file.
    assert after[0] == {**before[0], "audit_event": before[0]["audit_event"] + 1}
    assert after[1] == before[1]
    with app.app_context():
        last = _db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (last.action, last.object_id, last.channel) == (
            "database_restored",
            "nightly.backup",
            "cli",
        )


def test_sqlite_round_trip(tmp_path, sqlite_app):
    _round_trip(sqlite_app, tmp_path)
    assert backup_kind(tmp_path / "nightly.backup") == "sqlite"


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on SQLite whatever backend the suite runs on (these tests are about SQLite)."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_sqlite_restore_into_an_empty_database_needs_no_force(tmp_path, sqlite_app):
    app = sqlite_app
    with app.app_context():
        seed_demo()
        _db.session.commit()
    dump = tmp_path / "copy.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(dump)]).exit_code == 0
    fresh = tmp_path / "fresh.db"
    other = create_app(
        {"TESTING": True, "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{fresh}"}
    )
    result = other.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    assert "supporter" in tables_with_rows(f"sqlite:///{fresh}")


def test_restore_refuses_what_is_not_a_backup_of_this_database(tmp_path, sqlite_app):
    runner = sqlite_app.test_cli_runner()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = runner.invoke(args=["restore", str(junk), "--force"])
    assert result.exit_code == 1 and "not a Yorisoi backup" in result.output
    pg_dump_file = tmp_path / "pg.backup"
    pg_dump_file.write_bytes(b"PGDMP\x01\x0e")
    result = runner.invoke(args=["restore", str(pg_dump_file), "--force"])
    assert result.exit_code == 1 and "is postgresql; the database is sqlite" in result.output
    result = runner.invoke(args=["restore", str(tmp_path / "missing.backup")])
    assert result.exit_code == 1 and "is not a file" in result.output


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_tools_present() -> bool:
    try:
        pg_binary("pg_dump")
        pg_binary("pg_restore")
    except BackupError:
        return False
    return True


@pytest.fixture
def own_postgres_database():
    """A database of this test's own on TEST_DATABASE_URL's server, dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set")
    if not _pg_tools_present():
        pytest.skip("pg_dump / pg_restore not installed")
    server = make_url(database_url(url))
    name = f"yorisoi_ops_backup_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_round_trip(tmp_path, own_postgres_database):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "SQLALCHEMY_DATABASE_URI": own_postgres_database,
            "PASSWORD_HASH_PARAMETERS": PASSWORD_HASH_PARAMETERS,
            "JOBS_BACKEND": "memory",
        }
    )
    with app.app_context():
        _db.create_all()
    try:
        _round_trip(app, tmp_path)
        assert backup_kind(tmp_path / "nightly.backup") == "postgresql"
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
