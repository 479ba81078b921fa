"""First accept wins, exactly once — with real threads on a real database.

Runs on SQLite by default and on PostgreSQL with ``YORISOI_TEST_BACKEND=postgresql`` (the CI does
both). Each thread has its own application context and so its own database connection, exactly
like two supporters' phones pressing "accept" at the same moment.
"""

import threading

from sqlalchemy import func, select

from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import HelpRequest, Offer, OfferStatus, RequestEvent, RequestStatus
from supporters.refusals import Refused

ROUNDS = 8
RACERS = 4


def _race(app, calls):
    """Start every call at the same instant; return what each one did ("won" or an error code)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            try:
                call()
                _db.session.commit()
                outcomes[index] = "won"
            except Refused as error:
                _db.session.rollback()
                outcomes[index] = error.code
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_accepts_assign_exactly_once(app, db, make_supporter, make_user, make_request):
    """Four supporters press accept together, eight times over: one winner each time."""
    coordinator = make_user("coordinator")
    team = [make_supporter(name=f"Supporter {i}", email=f"s{i}@example.jp") for i in range(RACERS)]
    team_ids = [s.id for s in team]
    for round_no in range(ROUNDS):
        request = make_request(contact=f"080-0000-{round_no:04d}", days_ahead=2 + round_no % 20)
        sent = offers.send_offers(request, team_ids, db.session.merge(coordinator))
        db.session.commit()
        pairs = [(o.id, o.supporter_id) for o in sent]
        request_id = request.id
        db.session.remove()

        outcomes = _race(app, [lambda o=o, s=s: offers.accept(o, s, None) for o, s in pairs])

        assert outcomes.count("won") == 1, outcomes
        assert set(outcomes) - {"won"} == {"taken"}, outcomes
        request = db.session.get(HelpRequest, request_id)
        assert request.status == RequestStatus.ASSIGNED
        statuses = sorted(
            o.status
            for o in db.session.scalars(select(Offer).where(Offer.request_id == request.id))
        )
        assert statuses.count(OfferStatus.ACCEPTED) == 1
        assert statuses.count(OfferStatus.WITHDRAWN) == RACERS - 1
        winner = next(s for (o, s), out in zip(pairs, outcomes, strict=True) if out == "won")
        assert request.assigned_supporter_id == winner
        assigned_events = db.session.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(
                RequestEvent.request_id == request.id,
                RequestEvent.to_status == RequestStatus.ASSIGNED,
            )
        )
        assert assigned_events == 1


def test_a_double_tap_accepts_once(app, db, make_supporter, make_user, make_request):
    """The same supporter's two taps arrive together: the second is told it is already answered."""
    coordinator = make_user("coordinator")
    supporter = make_supporter()
    request = make_request()
    offer = offers.send_offers(request, [supporter.id], coordinator)[0]
    db.session.commit()
    offer_id, supporter_id = offer.id, supporter.id
    db.session.remove()

    outcomes = _race(app, [lambda: offers.accept(offer_id, supporter_id, None)] * 2)
    assert sorted(outcomes) == ["answered", "won"]
    events = db.session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.to_status == RequestStatus.ASSIGNED)
    )
    assert events == 1
