"""Completed cases per supporter and category, kept by each process until a case completes.

The matching engine boosts supporters with experience in the request's category (a completed or
closed request of that category). Nationally that is a join over tens of thousands of requests
on every match; the answer only changes when a request enters or leaves a done status, changes
category or assignee, or is added or deleted. So each process keeps the map per (programme,
category), under a token.

**Correct across processes.** Every such change writes a fresh random token of kind
:data:`KIND` for the request's programme (:mod:`supporters.cache_tokens`) in the same
transaction as the change (the two hooks below: the unit of work's flushes, and ORM-enabled
``update(HelpRequest)`` / ``delete`` / ``insert`` statements such as the lifecycle's conditional
transition; a rolled-back change takes its token with it). A process reuses its map only while
the database's token is the one it was read under (one small read per match). No token yet (a
database whose requests were never written through the ORM) means nothing is kept. Core
statements on the table and raw SQL bypass the hooks: none may change a request's status,
category or assignee (the bench writes the token itself after its bulk load).

**Tenancy.** The map is read through the ORM, so it is scoped to the programme in context, and
kept under that programme's id (None: across programmes): one programme never sees another's
map. The token is the programme's: a completion in Gunma leaves Ibaraki's maps in place.
"""

from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from supporters import cache_tokens, tenancy
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus
from supporters.models.reference import changed, updated_columns

# The kind of cache token that names the state of a programme's requests' outcomes.
KIND = "outcomes"
DONE = (RequestStatus.COMPLETED, RequestStatus.CLOSED)
# The columns whose change can change somebody's experience.
WATCHED = frozenset({"status", "category", "assigned_supporter_id"})

_kept: dict[tuple[int | None, str], tuple[object, dict[int, int]]] = {}


def current_token() -> object:
    """The token naming the outcomes of the requests in context, as this transaction sees them."""
    return cache_tokens.read(db.session, (KIND,))[KIND]


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


def renew_token(connection, programmes=cache_tokens.EVERY_PROGRAMME) -> None:
    """Write fresh tokens for ``programmes`` on ``connection`` (in its transaction)."""
    cache_tokens.renew(connection, KIND, programmes)
    if programmes == cache_tokens.EVERY_PROGRAMME:
        _kept.clear()
        return
    for key in [key for key in _kept if key[0] is None or key[0] in programmes]:
        del _kept[key]


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    """A new token for their programmes when the flush added, deleted or re-assigned /
    re-statused requests."""
    touched = [o for o in session.new | session.deleted if isinstance(o, HelpRequest)]
    touched += [o for o in session.dirty if isinstance(o, HelpRequest) and changed(o, WATCHED)]
    if touched:
        renew_token(session.connection(), cache_tokens.programmes_of(touched))


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
    renew_token(state.session.connection(), cache_tokens.programmes_of_statement(state))
