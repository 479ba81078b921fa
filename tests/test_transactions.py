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


def test_two_units_of_work_that_read_then_write_both_succeed(app, db):
    """Why SQLite keeps pysqlite's own BEGIN (docs/decisions.md, "One rule, one place"): with
    the full recipe, each transaction's first read holds a lock, and the second writer fails
    with "database is locked" instead of waiting. Here both wait their turn and both count."""
    import threading

    from sqlalchemy import text

    engine = db.engine  # the app's engine, with the app's SQLite event listeners
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe_counter (n INTEGER)"))
        connection.execute(text("INSERT INTO probe_counter VALUES (0)"))
    barrier, errors = threading.Barrier(2), []

    def unit_of_work():
        try:
            with engine.begin() as connection:
                connection.execute(text("SELECT n FROM probe_counter")).scalar()
                barrier.wait(timeout=5)  # both have read before either writes
                connection.execute(text("UPDATE probe_counter SET n = n + 1"))
        except Exception as error:  # noqa: BLE001  (the assertion below names it)
            errors.append(error)

    threads = [threading.Thread(target=unit_of_work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        total = connection.execute(text("SELECT n FROM probe_counter")).scalar()
        connection.execute(text("DROP TABLE probe_counter"))
        connection.commit()
    assert errors == [] and total == 2
