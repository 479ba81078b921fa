"""``help_request.first_assigned_at`` / ``first_unfilled_at`` / ``first_referred_at`` always
equal the earliest request event into that status (issue #17; ``reports/first_moves.py``).

The report counts and times requests from these columns, so they must be exact after every
kind of write: ORM flushes that add, change, move or delete events (random sequences, loaded
requests included), the lifecycle's own transitions, Core inserts followed by ``refresh``
(the demo history, the benchmark), and migration 0021's backfill (``refresh`` of every row).
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.models import HelpRequest, RequestEvent, RequestStatus
from supporters.reports import first_moves
from tests.conftest import make_app

MOVES = (RequestStatus.ASSIGNED, RequestStatus.UNFILLED, RequestStatus.REFERRED)
OTHER = (RequestStatus.NEW, RequestStatus.OFFERED)


def from_events() -> dict:
    """Each request's first instant into each outcome, straight from the events."""
    out = {
        request_id: dict.fromkeys(first_moves.COLUMNS.values())
        for request_id in _db.session.scalars(select(HelpRequest.id))
    }
    rows = _db.session.execute(
        select(RequestEvent.request_id, RequestEvent.to_status, func.min(RequestEvent.at))
        .where(RequestEvent.to_status.in_(MOVES))
        .group_by(RequestEvent.request_id, RequestEvent.to_status)
    )
    for request_id, status, at in rows:
        out[request_id][first_moves.COLUMNS[RequestStatus(status)]] = at
    return out


def kept() -> dict:
    """The columns as stored (read afresh, not from loaded objects)."""
    names = list(first_moves.COLUMNS.values())
    table = HelpRequest.__table__
    rows = _db.session.connection().execute(select(table.c.id, *(table.c[n] for n in names)))
    return {request_id: dict(zip(names, values, strict=True)) for request_id, *values in rows}


def loaded_agree() -> None:
    """Loaded requests read what the database holds (the hook refreshed them)."""
    stored = kept()
    for obj in list(_db.session.identity_map.values()):
        if isinstance(obj, HelpRequest) and obj.id in stored:
            for name, value in stored[obj.id].items():
                assert getattr(obj, name) == value, (obj.id, name)


def test_random_orm_writes_keep_the_columns_exact(db, make_request):
    requests = [make_request() for _ in range(6)]
    assert kept() == from_events()  # intake's own event (new) sets nothing
    start = datetime(2025, 6, 1, tzinfo=UTC)
    for seed in range(4):
        rng = random.Random(seed)
        for step in range(40):
            action = rng.random()
            events = _db.session.scalars(select(RequestEvent)).all()
            if action < 0.5 or not events:
                request = rng.choice(requests)
                event = RequestEvent(
                    from_status=RequestStatus.NEW,
                    to_status=rng.choice((*MOVES, *OTHER)),
                    at=start + timedelta(hours=rng.choice((0, 1, 5, 30)) * rng.randrange(50)),
                )
                if rng.random() < 0.5:
                    event.request = request
                else:
                    event.request_id = request.id
                _db.session.add(event)
            elif action < 0.65:
                rng.choice(events).at = start + timedelta(hours=rng.randrange(2000))
            elif action < 0.75:
                rng.choice(events).to_status = rng.choice((*MOVES, *OTHER))
            elif action < 0.85:
                rng.choice(events).request_id = rng.choice(requests).id  # moved
            else:
                _db.session.delete(rng.choice(events))
            if rng.random() < 0.4:
                _db.session.flush()
                assert kept() == from_events(), (seed, step)
                loaded_agree()
        _db.session.commit()
        assert kept() == from_events(), seed
        loaded_agree()


def test_the_lifecycle_sets_the_first_assignment(db, make_request):
    from supporters.help_requests.lifecycle import record

    request = make_request()
    assert request.first_assigned_at is None
    first = datetime(2025, 7, 1, 9, tzinfo=UTC)
    record(request, RequestStatus.OFFERED, RequestStatus.ASSIGNED, None)
    _db.session.flush()
    assert request.first_assigned_at is not None  # the instant of that event
    _db.session.add(
        RequestEvent(request=request, to_status=RequestStatus.ASSIGNED, from_status=None, at=first)
    )
    _db.session.commit()
    assert request.first_assigned_at == first  # an earlier one wins
    assert kept() == from_events()


def test_refresh_is_the_backfill_of_existing_rows(db, make_request):
    """Columns wiped (a database before migration 0021) and refilled by ``refresh``."""
    for _ in range(3):
        request = make_request()
        for hours, status in ((5, RequestStatus.UNFILLED), (2, RequestStatus.ASSIGNED)):
            _db.session.add(
                RequestEvent(
                    request=request,
                    from_status=None,
                    to_status=status,
                    at=datetime(2025, 8, 1, tzinfo=UTC) + timedelta(hours=hours),
                )
            )
    _db.session.commit()
    expected = from_events()
    table = HelpRequest.__table__
    updated = dict(_db.session.execute(select(table.c.id, table.c.updated_at)).all())
    wipe = dict.fromkeys(first_moves.COLUMNS.values())
    _db.session.connection().execute(table.update().values(**wipe, updated_at=table.c.updated_at))
    assert kept() != expected
    first_moves.refresh(_db.session.connection())
    assert kept() == expected
    # not a change of the request
    assert dict(_db.session.execute(select(table.c.id, table.c.updated_at)).all()) == updated


def test_the_demo_history_has_exact_columns(tmp_path):
    app = make_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        try:
            expected = from_events()
            assert sum(1 for v in expected.values() if v["first_assigned_at"]) > 1000
            assert kept() == expected
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_update_and_delete_statements_keep_the_columns_exact(db, make_request):
    """ORM-enabled ``update(RequestEvent)`` / ``delete(RequestEvent)`` statements (a retention
    sweep, a correction script) keep the columns as a flush does: re-timed, re-statused, moved
    to another request, deleted; loaded requests read the new values."""
    from sqlalchemy import delete, update

    first, second = make_request(), make_request()
    start = datetime(2025, 6, 1, tzinfo=UTC)
    for request, hours in ((first, 0), (first, 5), (second, 3)):
        _db.session.add(
            RequestEvent(
                request_id=request.id,
                from_status=RequestStatus.OFFERED,
                to_status=RequestStatus.ASSIGNED,
                at=start + timedelta(hours=hours),
            )
        )
    _db.session.commit()
    loaded = _db.session.get(HelpRequest, first.id)
    assert loaded.first_assigned_at == start
    statements = [
        update(RequestEvent)
        .where(RequestEvent.request_id == first.id, RequestEvent.at == start)
        .values(at=start + timedelta(hours=9)),
        update(RequestEvent)
        .where(RequestEvent.request_id == second.id, RequestEvent.to_status == "assigned")
        .values(to_status=RequestStatus.REFERRED),
        update(RequestEvent)
        .where(RequestEvent.request_id == first.id, RequestEvent.to_status == "assigned")
        .values(request_id=second.id),
        delete(RequestEvent).where(RequestEvent.request_id == second.id),
    ]
    for statement in statements:
        _db.session.execute(statement.execution_options(synchronize_session=False))
        assert kept() == from_events(), statement
        loaded_agree()
    assert _db.session.get(HelpRequest, first.id).first_assigned_at is None
    _db.session.commit()
    assert kept() == from_events()
