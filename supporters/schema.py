"""Declarative base with a naming convention, so Alembic migrations name constraints stably."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An instant stored as naive UTC and always returned timezone-aware (UTC).

    Comparisons of deadlines and time windows must not depend on the database session's time
    zone (PostgreSQL) or on SQLite dropping ``tzinfo``; naive values are refused on the way in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def insert_unless_present(model, values: dict, conflict_columns: list[str]):
    """``INSERT … ON CONFLICT (conflict_columns) DO NOTHING RETURNING`` the primary key.

    For "first one wins" writes on SQLite and PostgreSQL alike: executing it returns the new
    key, or None when the row was already there (a concurrent writer waits for the first one's
    commit, then finds it). Preferred to a savepoint, because pysqlite commits a savepoint that
    opens a transaction when it is released, splitting the caller's transaction in two.
    """
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from supporters.extensions import db

    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    key = model.__mapper__.primary_key[0]
    return (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(key)
    )
