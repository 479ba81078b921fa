"""The one transaction rule, and what SQLite needs to keep it.

**The rule.** A web request is one unit of work. Services flush and never commit; the view never
commits or rolls back; :func:`commit_on_success` (an after-request hook) commits once when the
response is below 400 and rolls back otherwise. So a view that re-shows a refused form answers
422 (``refusals.form_status``) and whatever the service had written before it refused is gone.
Work outside a request (a CLI command, delivery) commits itself, per batch.

Two writes are deliberately committed inside a request that is refused, because they are the
record of the refusal itself: the audit of a failed sign-in (``auth/service.py``) and the public
form's daily counter (``public/routes.py``).

**SQLite savepoints.** pysqlite (the standard library's driver) opens a transaction only before
an INSERT, UPDATE or DELETE. A SAVEPOINT sent while no transaction is open therefore *starts* one,
and releasing that savepoint commits it: a later rollback of the caller's unit of work could not
undo it. :func:`nest_savepoints_for_real` sends ``BEGIN`` first whenever a savepoint would open the
transaction, so every savepoint nests inside the unit of work, as it does on PostgreSQL.

We keep pysqlite's own transaction handling otherwise (see docs/decisions.md, "One rule, one
place"): SQLAlchemy's full recipe (driver transactions off, ``BEGIN`` at the first statement)
would make every read take a lock for the rest of the request, so two requests that read and
then write would fail with "database is locked" instead of waiting for each other.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def commit_on_success(response):
    """Commit the request's unit of work once, here, if the view succeeded; else roll it back."""
    from supporters.extensions import db

    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


@event.listens_for(Engine, "savepoint")
def nest_savepoints_for_real(connection, name) -> None:
    """On SQLite, open the transaction with ``BEGIN`` before a savepoint that would open it."""
    driver = connection.connection.dbapi_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")
