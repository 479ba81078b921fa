"""Tokens per programme for what each process keeps of a programme's data.

Matching keeps two things per process and programme: the requests' outcomes
(``help_requests/experience.py``) and the certified supporters' lasting facts
(``help_requests/pool_facts.py``). A process may reuse what it keeps only while the database
still holds the token it was read under (:class:`~supporters.models.reference.CacheToken`, one
row per kind and programme). A write renews the token of the programme it changed, in its own
transaction (a rollback takes the token back), so:

- a write in one programme leaves every other programme's kept data in place, in this process
  and in the others;
- writers of different programmes never queue on one row's lock (PostgreSQL holds a row lock
  from the UPDATE to the commit);
- a reader without a programme in context (an installation that never started one, or a
  statement across programmes) keeps data of every programme, named by all of the kind's
  tokens together, so a write in any programme renews it.

A write whose programme is not known (a Core statement, one marked ``all_programmes``, an
INSERT statement) renews the kind's token in every programme.
"""

import secrets
from collections.abc import Iterable

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from supporters import tenancy
from supporters.models.reference import CacheToken

EVERY_PROGRAMME = "every programme"  # renew(): the kind's token in every programme

_TABLE = CacheToken.__table__


def renew(connection, kind: str, programmes: Iterable[int | None] | str) -> None:
    """Fresh tokens of ``kind`` for ``programmes`` (ids, None for no programme) or for
    :data:`EVERY_PROGRAMME`, written on ``connection`` in its transaction."""
    if programmes == EVERY_PROGRAMME:
        written = connection.execute(
            update(_TABLE).where(_TABLE.c.kind == kind).values(token=secrets.token_hex(16))
        )
        if not written.rowcount:  # the first write of its kind this database has seen
            _write(connection, kind, None)
        return
    # In a fixed order, so that two transactions renewing the same programmes lock them alike.
    for programme in sorted(set(programmes), key=lambda p: -1 if p is None else p):
        _write(connection, kind, programme)


def _write(connection, kind: str, programme: int | None) -> None:
    token = secrets.token_hex(16)
    if programme is not None and connection.dialect.name in ("postgresql", "sqlite"):
        # One atomic statement: two first writes of a programme at once cannot both insert.
        upsert = _upsert_for(connection.dialect.name)
        statement = upsert(_TABLE).values(kind=kind, programme_id=programme, token=token)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[_TABLE.c.kind, _TABLE.c.programme_id], set_={"token": token}
            )
        )
        return
    mine = (
        _TABLE.c.programme_id.is_(None) if programme is None else _TABLE.c.programme_id == programme
    )
    written = connection.execute(
        update(_TABLE).where(_TABLE.c.kind == kind, mine).values(token=token)
    )
    if not written.rowcount:
        connection.execute(insert(_TABLE).values(kind=kind, programme_id=programme, token=token))


def _upsert_for(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    return upsert


def read(session: Session, kinds: tuple[str, ...]) -> dict[str, object]:
    """The tokens of ``kinds`` for the programme in context, in one statement: kind → token
    (None: never written, keep nothing). Without a programme in context, every programme's
    tokens of the kind together (a tuple), as what is then kept holds every programme's data."""
    programme = tenancy.current_programme_id()
    statement = select(_TABLE.c.kind, _TABLE.c.programme_id, _TABLE.c.token).where(
        _TABLE.c.kind.in_(kinds)
    )
    if programme is not None:
        statement = statement.where(_TABLE.c.programme_id == programme)
    rows = session.execute(statement).all()
    if programme is not None:
        found = {kind: token for kind, _programme, token in rows}
        return {kind: found.get(kind) for kind in kinds}
    together: dict[str, list] = {kind: [] for kind in kinds}
    for kind, owner, token in rows:
        together[kind].append((-1 if owner is None else owner, token))
    return {kind: tuple(sorted(pairs)) or None for kind, pairs in together.items()}


def programmes_of(objects: Iterable) -> set[int | None]:
    """The programmes of ORM objects a flush wrote, and those they were moved out of."""
    found: set[int | None] = set()
    for obj in objects:
        found.add(obj.programme_id)
        history = inspect(obj).attrs.programme_id.history
        found.update(history.deleted or ())
    return found


def programmes_of_statement(state: ORMExecuteState) -> set[int] | str:
    """The programmes an UPDATE or DELETE statement can change: those the programme scoping
    limits it to (an ORM statement in a programme's context), else every programme."""
    if not state.is_orm_statement or state.is_insert:
        return EVERY_PROGRAMME
    if state.execution_options.get(tenancy.ALL_PROGRAMMES):
        return EVERY_PROGRAMME
    visible = tenancy.visible_programmes(state.session)
    return set(visible) if visible else EVERY_PROGRAMME
