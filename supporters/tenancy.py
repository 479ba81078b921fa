"""Which programme's records a unit of work sees: the one place every query is scoped.

One installation can hold several programmes (normally one prefecture each; issue [6/6]). A row
that belongs to a programme carries ``programme_id`` (:class:`Owned`). Here, once for the whole
app:

- **Reading.** Every ORM statement run while a programme is *in context* — a SELECT, and an
  ORM-enabled UPDATE or DELETE — gets ``programme_id = <that programme>`` added for every owned
  entity it touches (SQLAlchemy's ``with_loader_criteria``, applied by a ``do_orm_execute`` hook),
  so a page, an API call, an export, a report or a search of programme A cannot find a row of
  programme B: looking one up by id answers 404 as if it did not exist. The criterion travels
  with the rows it loaded, so their lazy loads (``request.assigned_supporter``) are scoped too.
- **Writing.** ``programme_id``'s column default is the programme in context, else the
  installation's first (CLI commands, jobs and the residents' form of a single-programme
  installation): it applies to every INSERT, the unit of work's, bulk and Core ones.
- **The context** is the signed-in user's programme (web session or API token), read from the
  user Flask-Login has loaded for this request; :func:`using` sets one explicitly (commands,
  jobs, tests). No user, or a user without a programme (the national administrator, and every
  account of an installation that never started a programme), means no scoping.

A statement that must see across programmes says so: ``.execution_options(all_programmes=True)``
(the national aggregates, a unique reference's check, lending supporters). Core statements on
``Table`` objects and ``text()`` bypass the hook; none may read owned rows without their own
``programme_id`` filter.
"""

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import g, has_app_context
from sqlalchemy import ForeignKey, Integer, event, func, or_, select, update
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

ALL_PROGRAMMES = "all_programmes"
T = TypeVar("T")
_EXPLICIT = "tenancy_programme_id"
_UNSET = object()


class Owned:
    """Mixin of a model whose rows belong to one programme (scoped by this module)."""

    @declared_attr
    def programme_id(cls) -> Mapped[int | None]:  # noqa: N805 (declared_attr takes the class)
        return mapped_column(ForeignKey("programme.id"), index=True, default=_programme_of_insert)


class OwnedKey(Owned):
    """Mixin of a model whose key includes its programme: a month, a fiscal year, a day or a
    mapping that each programme has once (``programme_id`` is part of its primary or unique key).

    Key columns cannot be NULL, so a row written before any programme exists has
    :data:`NO_PROGRAMME_YET` (0, no foreign key); the first programme adopts it.
    """

    @declared_attr
    def programme_id(cls) -> Mapped[int]:  # noqa: N805 (declared_attr takes the class)
        return mapped_column(Integer, index=True, default=_programme_key_of_insert)


NO_PROGRAMME_YET = 0


def _programme_key_of_insert(context) -> int:
    programme_id = _programme_of_insert(context)
    return NO_PROGRAMME_YET if programme_id is None else programme_id


def _programme_of_insert(context) -> int | None:
    """The column default: the programme in context, else the installation's first. A default
    is applied to every INSERT, the unit of work's and bulk and Core ones alike."""
    programme_id = current_programme_id()
    if programme_id is not None:
        return programme_id
    return _first_programme(context.connection)


# The first programme never changes once there is one (programmes are never deleted); "none yet"
# is asked again after a few seconds (another process may just have started it:
# ``adopt_unowned`` takes what came before). Kept per database (one process may use several:
# the tests).
_first: dict[str, tuple[int | None, float]] = {}
NONE_YET_KEPT_SECONDS = 5.0


def _first_programme(connection) -> int | None:
    database = str(connection.engine.url)
    programme_id, read_at = _first.get(database, (None, 0.0))
    if programme_id is not None or time.monotonic() - read_at < NONE_YET_KEPT_SECONDS:
        return programme_id
    from supporters.models.programme import Programme

    table = Programme.__table__
    programme_id = connection.scalar(select(table.c.id).order_by(table.c.id).limit(1))
    _first[database] = (programme_id, time.monotonic())
    return programme_id


def forget_first_programme() -> None:
    """Ask again which programme is first (a programme was just started, or a database was
    emptied under the process: the tests)."""
    _first.clear()


def across_programmes(statement):
    """``statement`` run unscoped: for what is unique in the whole installation (an e-mail
    address signs in anywhere; a request reference, a certificate number are never reused)."""
    return statement.execution_options(**{ALL_PROGRAMMES: True})


def current_programme_id() -> int | None:
    """The programme whose records this unit of work sees (None: no scoping)."""
    if not has_app_context():
        return None
    explicit = g.get(_EXPLICIT, _UNSET)
    if explicit is not _UNSET:
        return explicit
    user = g.get("_login_user")  # set by Flask-Login once it loaded this request's user
    return getattr(user, "programme_id", None) if user is not None else None


@contextmanager
def using(programme_id: int | None) -> Iterator[None]:
    """Run the block as programme ``programme_id`` (None: across programmes, no scoping)."""
    before = g.get(_EXPLICIT, _UNSET)
    setattr(g, _EXPLICIT, programme_id)
    try:
        yield
    finally:
        if before is _UNSET:
            g.pop(_EXPLICIT, None)
        else:
            setattr(g, _EXPLICIT, before)


def choose(programme_id: int) -> None:
    """Run the rest of this request as programme ``programme_id``: for pages nobody signs in
    to (the residents' form, which names its programme in its address)."""
    setattr(g, _EXPLICIT, programme_id)


def programme_ids(session: Session) -> list[int]:
    """Every programme of the installation, in the order they were started."""
    from supporters.models.programme import Programme

    return list(session.scalars(select(Programme.id).order_by(Programme.id)))


def for_each_programme(function: Callable[[], T]) -> dict[int | None, T]:
    """Run ``function`` once per programme, each in its own context (work that runs by itself:
    a sweep, reminders, a month-end job), so no programme's job reads or writes another's. An
    installation with one programme or none runs it once, as before (key None)."""
    from supporters.extensions import db

    ids = programme_ids(db.session)
    if len(ids) < 2:
        return {None: function()}
    results = {}
    for programme_id in ids:
        with using(programme_id):
            db.session.expunge_all()  # nothing read in another programme's context is reused
            results[programme_id] = function()
    return results


def get_keyed(model: type, *key):
    """The row of an :class:`OwnedKey` model with ``key`` (its key without the programme: a
    month, a fiscal year …) in the programme in context, or None."""
    from supporters.extensions import db

    columns = [c for c in model.__table__.primary_key.columns if c.name != "programme_id"]
    if len(columns) != len(key):
        raise TypeError(f"{model.__name__} is keyed by {[c.name for c in columns]}")
    statement = select(model).where(
        *(column == value for column, value in zip(columns, key, strict=True))
    )
    return db.session.scalar(statement.order_by(model.programme_id).limit(1))


def first_programme_id(session: Session) -> int | None:
    """The installation's first programme (where writes without a context go), or None."""
    return _first_programme(session.connection())


def owned_tables():
    """Every table whose rows belong to a programme, parents before children (a target before
    its languages: their key follows the target's, ON UPDATE CASCADE)."""
    from supporters.extensions import db

    owned = {
        mapper.local_table
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Owned) and mapper.local_table is not None
    }
    return [table for table in db.metadata.sorted_tables if table in owned]


def adopt_unowned(session: Session, programme_id: int) -> None:
    """Give every row without a programme to ``programme_id``: what a database held before its
    first programme was started becomes that programme's."""
    for table in owned_tables():
        column = table.c.programme_id
        unowned = or_(column.is_(None), column == NO_PROGRAMME_YET)
        session.execute(update(table).where(unowned).values(programme_id=programme_id))


def programme_count(session: Session) -> int:
    """How many programmes the installation runs (kept with the reference data)."""
    from supporters.models.programme import Programme
    from supporters.reference_data import reference_data

    def read() -> int:
        with session.no_autoflush:
            return session.scalar(select(func.count()).select_from(Programme)) or 0

    return reference_data().derive("programme_count", read)


def visible_programmes(session: Session) -> tuple[int, ...]:
    """The programmes whose rows this unit of work may read: the one in context and, for a
    supporter lent to other programmes, those that offered them a request or assigned them one
    (what of it they see is then decided by the supporter's role, as for their own programme's).
    Worked out once per request."""
    programme_id = current_programme_id()
    if programme_id is None:
        return ()
    user = g.get("_login_user") if has_app_context() else None
    supporter_id = getattr(user, "supporter_id", None) if _EXPLICIT not in g else None
    if supporter_id is None:
        return (programme_id,)
    known = g.get("_visible_programmes")
    if known is not None and known[0] == programme_id:
        return known
    if g.get("_tenancy_busy"):  # the statements below run unscoped
        return ()
    from supporters.models.offer import Offer

    g._tenancy_busy = True
    try:
        if programme_count(session) < 2:
            return (programme_id,)
        with session.no_autoflush:
            lenders = session.scalars(
                across_programmes(
                    select(Offer.programme_id)
                    .where(Offer.supporter_id == supporter_id, Offer.programme_id != programme_id)
                    .distinct()
                )
            ).all()
    finally:
        g._tenancy_busy = False
    visible = (programme_id, *sorted(p for p in lenders if p is not None))
    g._visible_programmes = visible
    return visible


@event.listens_for(Session, "do_orm_execute")
def _scope_to_programme(state: ORMExecuteState) -> None:
    """Add the programme's criterion to every ORM statement run in a programme's context."""
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_PROGRAMMES):
        return
    visible = visible_programmes(state.session)
    if not visible:
        return
    dialect = state.session.get_bind().dialect.name
    statement = state.statement
    try:
        kept = _SCOPED.get(statement)
    except TypeError:  # a statement that cannot be weakly referenced: scoped afresh each time
        kept = None
    scoped = kept.get((visible, dialect)) if kept is not None else None
    if scoped is None:
        scoped = statement.options(_programme_criteria(visible, dialect))
        if kept is None:
            try:
                kept = _SCOPED[statement] = {}
            except TypeError:
                kept = {}
        if len(kept) >= _SCOPED_PER_STATEMENT:
            kept.clear()
        kept[(visible, dialect)] = scoped
    state.statement = scoped


# The scoped forms of each statement, kept while the statement lives, one per set of visible
# programmes. A statement built once (the home's, the sign-in check's, the queue's) is then
# scoped once per programme and process, and SQLAlchemy reuses the scoped statement's cache key
# instead of walking the whole statement again on every request; statements built per call are
# dropped with them.
_SCOPED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SCOPED_PER_STATEMENT = 128


def _programme_criteria(visible: tuple[int, ...], dialect: str):
    """The ``with_loader_criteria`` option that limits every owned entity to ``visible``."""
    if dialect == "sqlite":
        # ``programme_id + 0``: SQLite must not pick the programme_id index to drive a join (one
        # programme is every row; without planner statistics it took it for selective, and the
        # supporter's home went from 2 ms to 900 ms). PostgreSQL plans from its statistics.
        if len(visible) == 1:
            programme_id = visible[0]
            return with_loader_criteria(
                Owned, lambda cls: (cls.programme_id + 0) == programme_id, include_aliases=True
            )
        return with_loader_criteria(
            Owned, lambda cls: (cls.programme_id + 0).in_(visible), include_aliases=True
        )
    if len(visible) == 1:
        programme_id = visible[0]
        return with_loader_criteria(
            Owned, lambda cls: cls.programme_id == programme_id, include_aliases=True
        )
    return with_loader_criteria(
        Owned, lambda cls: cls.programme_id.in_(visible), include_aliases=True
    )


@event.listens_for(Session, "before_flush")
def _rows_of_a_request_are_its_programmes(session: Session, _flush_context, _instances) -> None:
    """A new row about a request (its history, offers, cases …) belongs to the request's
    programme, whoever writes it (a supporter lent from another programme, too)."""
    from supporters.models.request import HelpRequest

    for obj in session.new:
        if not isinstance(obj, Owned) or obj.programme_id is not None:
            continue
        request = getattr(obj, "request", None)
        if request is None and getattr(obj, "request_id", None) is not None:
            request = session.get(HelpRequest, obj.request_id)
        if isinstance(request, HelpRequest) and request.programme_id is not None:
            obj.programme_id = request.programme_id


@event.listens_for(Session, "after_flush")
def _note_new_programme(session: Session, _flush_context) -> None:
    """A programme started (or removed) in this process changes which one is first at once."""
    from supporters.models.programme import Programme

    if any(isinstance(obj, Programme) for obj in (*session.new, *session.deleted)):
        forget_first_programme()
