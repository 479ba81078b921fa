"""Insert the planned history in bulk: consents, requests, their events and offers, activities.

A handful of multi-row INSERTs instead of thousands of service calls: the ids the database
gives the consents and requests (``RETURNING``, in the order the rows were sent) link the rows
that follow. Works the same on SQLite and PostgreSQL. Flushes, never commits.
"""

import secrets

from sqlalchemy import insert, select

from supporters.demo.history_cases import History
from supporters.extensions import db
from supporters.help_requests.intake import REFERENCE_ALPHABET
from supporters.models import Activity, Consent, HelpRequest, Offer, RequestEvent
from supporters.reports import first_moves

BATCH = 500


def _references(count: int) -> list[str]:
    """``count`` new request references like intake's ``R-7KQ2-M4XD`` (random, unused)."""
    taken = set(db.session.scalars(select(HelpRequest.reference)))
    references: list[str] = []
    while len(references) < count:
        chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"R-{chars[:4]}-{chars[4:]}"
        if reference not in taken:
            taken.add(reference)
            references.append(reference)
    return references


# Core INSERTs on the tables: the ORM's bulk path splits rows whose None columns differ into
# separate statements (thousands of round trips on PostgreSQL); Core sends each batch at once.
def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        ids += db.session.execute(statement, rows[start : start + BATCH]).scalars().all()
    return ids


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start : start + BATCH])


def write_history(history: History) -> dict[str, int]:
    """Insert everything ``history`` holds; returns how many rows of each kind."""
    planned = history.requests
    consent_ids = _insert_returning_ids(Consent, [p.consent for p in planned])
    for p, consent_id, reference in zip(
        planned, consent_ids, _references(len(planned)), strict=True
    ):
        p.request.update(consent_id=consent_id, reference=reference)
    request_ids = _insert_returning_ids(HelpRequest, [p.request for p in planned])
    events, offers, activities = [], [], list(history.activities)
    for p, request_id in zip(planned, request_ids, strict=True):
        events += [{**e, "request_id": request_id} for e in p.events]
        offers += [{**o, "request_id": request_id} for o in p.offers]
        if p.activity is not None:
            activities.append({**p.activity, "request_id": request_id})
    _insert(RequestEvent, events)
    first_moves.refresh(db.session.connection(), request_ids)  # Core insert: no flush hook
    _insert(Offer, offers)
    _insert(Activity, sorted(activities, key=lambda a: (a["created_at"], a["client_token"])))
    db.session.flush()
    return {
        "requests": len(planned),
        "request_events": len(events),
        "offers": len(offers),
        "activities": len(activities),
    }
