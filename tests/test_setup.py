"""A fresh machine: migrations build the schema the models describe; demo data loads once."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from supporters.config import ROOT, database_url
from supporters.extensions import db
from supporters.models import Language, Municipality, Role, Supporter, SupporterStatus, User
from tests.conftest import make_app

MIGRATIONS = str(ROOT / "migrations")


def _empty_database(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_migrations_match_the_models_and_downgrade_cleanly(tmp_path):
    app = make_app(tmp_path)
    _empty_database(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_seed_demo_loads_ibaraki_once(tmp_path):
    app = make_app(tmp_path)
    _empty_database(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@example.jp" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 new sample supporters" in second.output
    assert "0 new requests" in second.output

    with app.app_context():
        municipalities = db.session.scalars(select(Municipality)).all()
        assert len(municipalities) == 44
        kinds = [m.kind for m in municipalities]
        assert (kinds.count("city"), kinds.count("town"), kinds.count("village")) == (32, 10, 2)
        assert {m.code for m in municipalities} >= {"08201", "08204", "08220", "08564"}
        assert all(35.7 < m.latitude < 37.0 and 139.6 < m.longitude < 140.9 for m in municipalities)
        assert db.session.scalar(select(func.count()).select_from(Language)) >= 21
        assert db.session.scalar(select(func.count()).select_from(Supporter)) == 104
        certified = db.session.scalar(
            select(func.count()).where(Supporter.status == SupporterStatus.CERTIFIED)
        )
        assert 80 <= certified <= 104
        assert all(s.is_sample for s in db.session.scalars(select(Supporter)))
        roles = set(db.session.scalars(select(User.role)))
        # Every role of a programme; the national administrator belongs to none (made with
        # `flask users create --role national_admin`, not by a programme's demo).
        assert roles == set(Role) - {Role.NATIONAL_ADMIN}
        supporter_account = db.session.scalar(select(User).where(User.role == Role.SUPPORTER))
        assert supporter_account.supporter is not None
        assert supporter_account.supporter.home_municipality_code == "08204"  # Koga, the demo story

        # Requests at different stages; the demo story's request has a ranked list with reasons,
        # the Khmer one explains why nobody qualifies.
        from supporters.help_requests.candidates import match_request
        from supporters.models import HelpRequest

        requests = db.session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
        # This week's four come first; the programme's past follows (tests/test_demo_history.py).
        assert len(requests) > 1000
        requests = requests[:4]
        assert match_request(requests[0]).ranked
        impossible = match_request(requests[1])
        assert impossible.ranked == [] and impossible.emptied_by == "language"
        assert requests[2].status.value == "offered"
        db.session.remove()
        db.engine.dispose()


def test_database_url_uses_psycopg_for_postgres():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert database_url(None).endswith("instance/yorisoi.db")
