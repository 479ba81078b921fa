"""The per-process copy of municipalities and languages never shows stale names.

Each process keeps the reference data while the database's newest ``ReferenceVersion`` token is
the one it read them under; every ORM write to a municipality or language writes a new token in
the same transaction. These tests play the other process by putting back the copy it would still
hold, and check what a page shows.
"""

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from supporters import reference_data
from supporters.extensions import db as _db
from supporters.models import Language, Municipality
from supporters.models.reference import ReferenceVersion
from tests.conftest import Auth

MITO = "08201"


@pytest.fixture
def coordinator_client(app, users):
    client = app.test_client()
    Auth(client).login("coordinator@example.jp", headers={"Accept-Language": "ja"})
    return client


def _list(client) -> str:
    return client.get("/supporters/", headers={"Accept-Language": "ja"}).get_data(as_text=True)


def test_a_rename_committed_by_another_process_shows_on_the_next_page(app, db, coordinator_client):
    assert "水戸市" in _list(coordinator_client)
    stale = reference_data._kept  # what another process still holds after the rename below
    assert stale is not None and stale.municipalities[MITO].name_ja == "水戸市"

    with Session(db.engine) as other:  # the admin's request, in another process
        other.get(Municipality, MITO).name_ja = "新水戸市"
        other.commit()
    reference_data._kept = stale

    page = _list(coordinator_client)
    assert "新水戸市" in page
    assert reference_data._kept.token != stale.token


def test_a_language_rename_in_this_process_is_seen_at_once(app, db, coordinator_client):
    _list(coordinator_client)
    db.session.get(Language, "vi").name_ja = "ベトナム語（新）"
    db.session.commit()
    assert "ベトナム語（新）" in _list(coordinator_client)


def test_a_change_rolled_back_leaves_the_names_as_they_were(app, db, coordinator_client):
    _list(coordinator_client)
    db.session.get(Municipality, MITO).name_ja = "取り消される名前"
    db.session.flush()  # a token for the change is written, then thrown away with it
    assert reference_data.reference_data().municipalities[MITO].name_ja == "取り消される名前"
    db.session.rollback()

    page = _list(coordinator_client)
    assert "水戸市" in page and "取り消される名前" not in page


def test_without_a_token_nothing_is_kept_and_names_are_read_each_time(app, db, coordinator_client):
    db.session.execute(delete(ReferenceVersion))
    db.session.commit()
    reference_data._kept = None
    assert "水戸市" in _list(coordinator_client)
    assert reference_data._kept is None

    # A write that bypasses the ORM is seen too, as nothing was kept.
    db.session.execute(
        Municipality.__table__.update()
        .where(Municipality.code == MITO)
        .values(name_ja="直接書いた名前")
    )
    db.session.commit()
    assert "直接書いた名前" in _list(coordinator_client)


def test_each_write_of_reference_data_adds_a_token(app, db):
    before = db.session.scalar(select(reference_data.LATEST_TOKEN))
    db.session.add(Language(code="xx", name_en="Test", name_ja="テスト", name_native="Test"))
    db.session.flush()
    after = db.session.scalar(select(reference_data.LATEST_TOKEN))
    assert after is not None and after != before
    db.session.rollback()
    assert db.session.scalar(select(reference_data.LATEST_TOKEN)) == before


def test_unrelated_writes_add_no_token(app, db, make_supporter):
    before = _db.session.scalar(select(reference_data.LATEST_TOKEN))
    make_supporter(name="Somebody New")
    assert _db.session.scalar(select(reference_data.LATEST_TOKEN)) == before
