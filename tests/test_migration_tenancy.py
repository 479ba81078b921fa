"""Today's single-programme data moves to programmes without losing a row ([6/6]).

User story: "As the operator of Ibaraki's installation I upgrade to the release that can hold
several programmes, and every record we have becomes Ibaraki's: our people sign in and see
everything they saw before."

Built on a copy of the demo: seeded at the head revision, taken back to 0015 (before programmes
owned records; the downgrades are tested on the way) and upgraded again.
"""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from supporters import tenancy
from supporters.config import ROOT
from supporters.demo.seed import DEMO_PASSWORD, seed_demo
from supporters.extensions import db
from supporters.models import Activity, HelpRequest, Programme, StipendMonth, Supporter
from tests.conftest import Auth, make_app

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def demo_app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=MIGRATIONS)
        seed_demo()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(
            select(func.count()).select_from(model).execution_options(all_programmes=True)
        )
        for model in (Supporter, HelpRequest, Activity, StipendMonth)
    }


def _first_moves() -> list[tuple]:
    """Each request's first move into assigned / unfilled / referred (migration 0021 fills them
    from the events), in id order."""
    hr = HelpRequest
    return db.session.execute(
        select(hr.id, hr.first_assigned_at, hr.first_unfilled_at, hr.first_referred_at)
        .order_by(hr.id)
        .execution_options(all_programmes=True)
    ).all()


def test_the_demo_becomes_the_first_programme_after_a_round_trip(demo_app):
    app = demo_app
    with app.app_context():
        before = _counts()
        assert all(before.values()), before
        moves = _first_moves()
        assert sum(row[1] is not None for row in moves) > 100  # the demo's assigned requests
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0015")
        assert "programme_id" not in {
            c["name"] for c in inspect(db.engine).get_columns("supporter")
        }
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        assert _counts() == before
        assert _first_moves() == moves  # filled again by 0021 from the events
        programme = db.session.scalar(select(Programme.id))
        for table in tenancy.owned_tables():
            column = table.c.programme_id
            stray = db.session.scalar(
                select(func.count()).select_from(table).where(column.is_distinct_from(programme))
            )
            assert stray == 0, f"{table.name}: {stray} row(s) not the programme's"

    client = app.test_client()
    assert Auth(client).login("coordinator@example.jp", DEMO_PASSWORD).status_code == 302
    assert client.get("/supporters/").status_code == 200
    with app.app_context():
        first, last = db.session.execute(
            select(func.min(Supporter.id), func.max(Supporter.id))
        ).one()
    assert client.get(f"/supporters/{first}").status_code == 200
    assert client.get(f"/supporters/{last}").status_code == 200
