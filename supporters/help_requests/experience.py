"""Completed cases per supporter and category, kept by each process until a case completes.

The matching engine boosts supporters with experience in the request's category (a completed or
closed request of that category). Nationally that is a join over tens of thousands of requests
on every match; the answer only changes when a request enters or leaves a done status, changes
category or assignee, or is added or deleted. So each process keeps the map per (programme,
category), under a token.

**Correct across processes.** Every such change writes a fresh random token into row
:data:`ROW` of ``reference_version`` in the same transaction as the change (the two hooks
below: the unit of work's flushes, and ORM-enabled ``update(HelpRequest)`` / ``delete`` /
``insert`` statements such as the lifecycle's conditional transition; a rolled-back change
takes its token with it). A process reuses its map only while the database's token is the one
it was read under (one small read per match). No token yet (a database whose requests were
never written through the ORM) means nothing is kept. Core statements on the table and raw SQL
bypass the hooks: none may change a request's status, category or assignee (the bench writes
the token itself after its bulk load).

**Tenancy.** The map is read through the ORM, so it is scoped to the programme in context, and
kept under that programme's id (None: across programmes): one programme never sees another's
map. The token is one for the installation: a completion anywhere renews every programme's
maps (cheap, and never stale).
"""

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from supporters import tenancy
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus
from supporters.models.reference import ReferenceVersion, changed, updated_columns, write_token

# The reference_version row that names the state of the requests' outcomes (row 1 is the
# reference data's).
ROW = 2
DONE = (RequestStatus.COMPLETED, RequestStatus.CLOSED)
# The columns whose change can change somebody's experience.
WATCHED = frozenset({"status", "category", "assigned_supporter_id"})

_kept: dict[tuple[int | None, str], tuple[str, dict[int, int]]] = {}


def current_token() -> str | None:
    """The token naming the requests' outcomes as this transaction sees them."""
    return db.session.scalar(select(ReferenceVersion.token).where(ReferenceVersion.id == ROW))


_UNREAD = object()


def experience(category: str, token=_UNREAD) -> dict[int, int]:
    """Supporter id → completed or closed requests in ``category`` (the programme in context).

    ``token``: the outcome token as the caller just read it (read here otherwise).
    Read-only: callers must not change the dict (it is shared by the process).
    """
    if token is _UNREAD:
        token = current_token()
    key = (tenancy.current_programme_id(), category)
    kept = _kept.get(key)
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    hr = HelpRequest
    found = dict(
        db.session.execute(
            select(hr.assigned_supporter_id, func.count())
            .where(
                hr.category == category,
                hr.status.in_(DONE),
                hr.assigned_supporter_id.is_not(None),
            )
            .group_by(hr.assigned_supporter_id)
        ).all()
    )
    if token is not None:
        _kept[key] = (token, found)
    return found


def forget() -> None:
    """Drop every kept map (tests; never needed for correctness)."""
    _kept.clear()


def renew_token(connection) -> None:
    """Write a fresh token on ``connection`` (in its transaction)."""
    write_token(connection, ROW)
    _kept.clear()


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    """A new token when the flush added, deleted or re-assigned/re-statused a request."""
    touched = [o for o in session.new | session.deleted if isinstance(o, HelpRequest)]
    touched += [o for o in session.dirty if isinstance(o, HelpRequest) and changed(o, WATCHED)]
    if touched:
        renew_token(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """A new token before an ORM-enabled UPDATE of a watched column, DELETE or INSERT of
    requests (e.g. the lifecycle's conditional transition)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not HelpRequest:
        return
    if state.is_update:
        names = updated_columns(state.statement)
        if not names & WATCHED:
            return
    renew_token(state.session.connection())
