"""The one transaction rule: services flush, the request commits or rolls back once.

On SQLite a savepoint must nest inside the unit of work: releasing it may not commit what the
caller later rolls back (pysqlite alone would, when the savepoint is the first statement).
"""

from sqlalchemy import func, select

from supporters.models import Language


def _languages(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Language))


def test_a_released_savepoint_is_undone_by_the_outer_rollback(db):
    before = _languages(db)
    db.session.commit()  # nothing open: the savepoint below is the first statement
    with db.session.begin_nested():
        db.session.add(
            Language(code="x-km", name_ja="クメール語", name_en="Khmer", name_native="ខ្មែរ")
        )
    db.session.rollback()
    db.session.expire_all()
    assert _languages(db) == before


def test_a_savepoint_after_reads_nests_too(db):
    before = _languages(db)
    with db.session.begin_nested():
        db.session.add(
            Language(code="x-km", name_ja="クメール語", name_en="Khmer", name_native="ខ្មែរ")
        )
    with db.session.begin_nested() as inner:
        db.session.add(
            Language(
                code="x-uk", name_ja="ウクライナ語", name_en="Ukrainian", name_native="Українська"
            )
        )
        inner.rollback()
    db.session.rollback()
    assert _languages(db) == before


def test_a_released_savepoint_is_kept_by_the_outer_commit(db):
    before = _languages(db)
    with db.session.begin_nested():
        db.session.add(
            Language(code="x-km", name_ja="クメール語", name_en="Khmer", name_native="ខ្មែរ")
        )
    db.session.commit()
    assert _languages(db) == before + 1
