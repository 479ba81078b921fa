"""Upgrading to settings in the database loses nothing an installation's environment said.

Until migration 0011 the programme's names, certificate prefix, payer bank … came from
environment variables. An installation that already runs a programme (its database holds
municipalities) gets its programme row from them when it upgrades; a fresh database gets none.
"""

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from supporters.config import ROOT
from supporters.extensions import db
from supporters.models import Programme
from supporters.programme.settings import current
from tests.conftest import make_app

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def app_at_0010(tmp_path):
    """An app whose database the migrations have built up to 0010 (its connections closed
    afterwards, so none is left for the garbage collector)."""
    app = make_app(tmp_path)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=MIGRATIONS, revision="0010")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_installation_keeps_what_its_environment_said(app_at_0010, monkeypatch):
    app = app_at_0010
    for variable, value in {
        "PREFECTURE_CODE": "10",
        "PROGRAMME_NAME_JA": "ぐんま母国語サポーター",
        "PROGRAMME_NAME": "Gunma Native Language Supporters",
        "CERTIFICATE_PREFIX": "GNLS",
        "ZENGIN_BANK_CODE": "0128",
        "TRAVEL_RADIUS_KM": "25",
    }.items():
        monkeypatch.setenv(variable, value)
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO municipality (code, prefecture_code, name_ja, name_en, kana, kind,"
                " latitude, longitude, lg_code) VALUES ('10524', '10', '大泉町', 'Oizumi',"
                " 'おおいずみまち', 'town', 36.2478, 139.4048, '105244')"
            )
        )
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        programme = db.session.scalars(select(Programme)).one()
        assert (programme.prefecture_code, programme.name_ja, programme.certificate_prefix) == (
            "10",
            "ぐんま母国語サポーター",
            "GNLS",
        )
        assert (programme.payer_bank_code, programme.travel_radius_km) == ("0128", 25.0)
        # What was not set keeps the default it had before the move.
        assert (programme.stipend_default_yen, programme.offer_answer_hours) == (2000, 24)
        assert current().name("en") == "Gunma Native Language Supporters"


def test_a_fresh_database_waits_for_its_first_admin(app_at_0010):
    app = app_at_0010
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert db.session.scalars(select(Programme)).all() == []
        assert not current().exists
