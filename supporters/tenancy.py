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
from collections.abc import Iterator
from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import ForeignKey, event, select, update
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

ALL_PROGRAMMES = "all_programmes"
_EXPLICIT = "tenancy_programme_id"
_UNSET = object()


class Owned:
    """Mixin of a model whose rows belong to one programme (scoped by this module)."""

    @declared_attr
    def programme_id(cls) -> Mapped[int | None]:  # noqa: N805 (declared_attr takes the class)
        return mapped_column(ForeignKey("programme.id"), index=True, default=_programme_of_insert)


def _programme_of_insert(context) -> int | None:
    """The column default: the programme in context, else the installation's first. A default
    is applied to every INSERT, the unit of work's and bulk and Core ones alike."""
    programme_id = current_programme_id()
    if programme_id is not None:
        return programme_id
    return _first_programme(context.connection)


# The first programme never changes once there is one; "none yet" is asked again after a few
# seconds (another process may just have started it: ``adopt_unowned`` takes what came before).
_first: tuple[int | None, float] = (None, 0.0)
NONE_YET_KEPT_SECONDS = 5.0


def _first_programme(connection) -> int | None:
    global _first
    programme_id, read_at = _first
    if programme_id is not None or time.monotonic() - read_at < NONE_YET_KEPT_SECONDS:
        return programme_id
    from supporters.models.programme import Programme

    table = Programme.__table__
    programme_id = connection.scalar(select(table.c.id).order_by(table.c.id).limit(1))
    _first = (programme_id, time.monotonic())
    return programme_id


def forget_first_programme() -> None:
    """Ask again which programme is first (a programme was just started in this process)."""
    global _first
    _first = (None, 0.0)


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


def first_programme_id(session: Session) -> int | None:
    """The installation's first programme (where writes without a context go), or None."""
    return _first_programme(session.connection())


def owned_tables():
    """Every table whose rows belong to a programme."""
    from supporters.extensions import db

    return [
        mapper.local_table
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Owned) and mapper.local_table is not None
    ]


def adopt_unowned(session: Session, programme_id: int) -> None:
    """Give every row without a programme to ``programme_id``: what a database held before its
    first programme was started becomes that programme's."""
    for table in owned_tables():
        session.execute(
            update(table).where(table.c.programme_id.is_(None)).values(programme_id=programme_id)
        )


@event.listens_for(Session, "do_orm_execute")
def _scope_to_programme(state: ORMExecuteState) -> None:
    """Add the programme's criterion to every ORM statement run in a programme's context."""
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_PROGRAMMES):
        return
    programme_id = current_programme_id()
    if programme_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            Owned,
            lambda cls: cls.programme_id == programme_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "after_flush")
def _note_new_programme(session: Session, _flush_context) -> None:
    """A programme started in this session's process is the first one at once."""
    from supporters.models.programme import Programme

    if any(isinstance(obj, Programme) for obj in session.new):
        forget_first_programme()
