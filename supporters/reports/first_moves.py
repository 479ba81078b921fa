"""Each request's first move into assigned, unfilled and referred, kept on the request (#17).

The report counts requests by the month of their first event into each outcome, and times the
first assignment. Over a national year that was a GROUP BY over every request event; it is now
an index range over ``help_request.first_assigned_at`` / ``first_unfilled_at`` /
``first_referred_at``: the earliest ``request_event.at`` of the request with that
``to_status`` (None: no such event). The same figures, by construction.

**Kept in one place.** Every flush that adds, changes or deletes request events (the
lifecycle's transitions, merges, offers withdrawn, escalation rounds — any ORM write)
recomputes the three columns of the requests concerned from their events, in the same
transaction (:func:`_keep`); so does every ORM-enabled ``update(RequestEvent)`` or
``delete(RequestEvent)`` statement run through the session (:func:`_keep_statement`: the
requests its WHERE reaches, read before it runs, and any it moves events to). Writes that
bypass both — Core ``insert`` of events (the demo history, the benchmark), statements on the
bare table, raw SQL — must call :func:`refresh` for the requests they touched (or for all).
Migration 0021 fills the columns of existing data with the same statement (:func:`refresh` for
every request).

Raw Core statements: they select requests by id only (ids are unique across programmes), so
the programme scoping of ``tenancy`` is not needed and not applied.
"""

from collections.abc import Iterable

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from supporters.models import HelpRequest, RequestEvent, RequestStatus

COLUMNS = {
    RequestStatus.ASSIGNED: "first_assigned_at",
    RequestStatus.UNFILLED: "first_unfilled_at",
    RequestStatus.REFERRED: "first_referred_at",
}
CHUNK = 500  # request ids per statement (well under any bind-parameter limit)


def _first_at(status: RequestStatus):
    return (
        select(func.min(RequestEvent.at))
        .where(RequestEvent.request_id == HelpRequest.id, RequestEvent.to_status == status)
        .scalar_subquery()
    )


def refresh(connection, request_ids: Iterable[int] | None = None) -> None:
    """Recompute the columns from the events for ``request_ids`` (None: every request).
    ``updated_at`` is left as it was: this is not a change of the request."""
    values = {getattr(HelpRequest, name): _first_at(status) for status, name in COLUMNS.items()}
    values[HelpRequest.updated_at] = HelpRequest.updated_at
    statement = update(HelpRequest).values(values)
    if request_ids is None:
        connection.execute(statement)
        return
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), CHUNK):
        connection.execute(statement.where(HelpRequest.id.in_(ids[start : start + CHUNK])))


def _touched_requests(session: Session) -> set[int]:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, RequestEvent):
            continue
        history = session.is_modified(obj) if obj in session.dirty else True
        if not history:
            continue
        if obj.request_id is not None:
            ids.add(obj.request_id)
        state = getattr(obj, "_sa_instance_state", None)
        if state is not None and "request_id" in state.attrs:  # an event moved between requests
            ids.update(v for v in state.attrs.request_id.history.deleted if v is not None)
    return ids


@event.listens_for(Session, "after_flush")
def _keep(session: Session, _flush_context) -> None:
    """After a flush that wrote request events: the columns of their requests recomputed, and
    the loaded requests given the new values (as if read from the database)."""
    ids = _touched_requests(session)
    if not ids:
        return
    connection = session.connection()
    refresh(connection, ids)
    names = list(COLUMNS.values())
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        rows = connection.execute(
            select(HelpRequest.id, *(getattr(HelpRequest, name) for name in names)).where(
                HelpRequest.id.in_(ordered[start : start + CHUNK])
            )
        )
        for request_id, *values in rows:
            loaded = session.identity_map.get(identity_key(HelpRequest, request_id))
            if loaded is None:
                continue
            for name, value in zip(names, values, strict=True):
                set_committed_value(loaded, name, value)


@event.listens_for(Session, "do_orm_execute")
def _keep_statement(state: ORMExecuteState):
    """An ORM-enabled UPDATE or DELETE of request events: the columns of every request it can
    touch recomputed after it ran (those its WHERE selects now, and those it moves events to)."""
    if not (state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not RequestEvent:
        return None
    statement = state.statement
    reached = select(RequestEvent.request_id).distinct()
    if statement.whereclause is not None:
        reached = reached.where(statement.whereclause)
    ids: set[int] | None = set(state.session.execute(reached).scalars())
    if state.is_update:
        for column, value in (getattr(statement, "_values", None) or {}).items():
            if getattr(column, "key", None) != "request_id":
                continue
            moved_to = getattr(value, "value", value)
            ids = ids | {moved_to} if isinstance(moved_to, int) else None  # an expression: all
    result = state.invoke_statement()
    session = state.session
    refresh(session.connection(), ids)
    names = list(COLUMNS.values())
    for key, loaded in list(session.identity_map.items()):  # read again when next used
        if key[0] is HelpRequest and (ids is None or key[1][0] in ids):
            session.expire(loaded, names)
    return result
