"""Retention: the personal fields of finished requests are anonymised once their period ends.

The period is ``RETENTION_YEARS`` (default 3) whole fiscal years after the fiscal year in which
the request reached its current final status (closed, cancelled, completed or referred: the
time of the latest move into that status). A request closed in FY2022 (April 2022 – March 2023)
is anonymised from 1 April 2026, when FY2025 has ended. Open requests (new, offered, assigned,
unfilled) are never anonymised here; the dry run lists stale ones for a coordinator to close.

``purge`` is a batch job: it commits after each batch, so a killed run keeps what it finished,
and a second run finds nothing left (anonymised rows carry ``anonymised_at``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import Select, func, select

from supporters.activities import drafts
from supporters.clock import JST, fiscal_year, utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, RequestEvent, RequestStatus
from supporters.privacy.service import ACTIVE_STATUSES, anonymise_request

FINISHED_STATUSES = frozenset(
    {
        RequestStatus.CLOSED,
        RequestStatus.CANCELLED,
        RequestStatus.COMPLETED,
        RequestStatus.REFERRED,
    }
)
BATCH_SIZE = 200


def retention_years() -> int:
    """The configured period in fiscal years (``RETENTION_YEARS``, at least 1)."""
    return max(1, int(current_app.config.get("RETENTION_YEARS", 3)))


def cutoff(today: date, years: int) -> datetime:
    """Requests that finished before this instant are due on ``today``.

    The start (1 April, JST) of fiscal year ``FY(today) - years``: everything finished in an
    earlier fiscal year F has seen F + ``years`` end.
    """
    return datetime(fiscal_year(today) - years, 4, 1, tzinfo=JST)


def _finished_at():
    """Per request, the latest move into its current status (the start of its retention)."""
    return (
        select(RequestEvent.request_id, func.max(RequestEvent.at).label("at"))
        .join(HelpRequest, HelpRequest.id == RequestEvent.request_id)
        .where(RequestEvent.to_status == HelpRequest.status)
        .group_by(RequestEvent.request_id)
        .subquery()
    )


def due(today: date, years: int) -> Select:
    """Requests whose retention period has ended and that still hold personal data, by id."""
    finished = _finished_at()
    at = func.coalesce(finished.c.at, HelpRequest.updated_at)
    return (
        select(HelpRequest)
        .outerjoin(finished, finished.c.request_id == HelpRequest.id)
        .where(
            HelpRequest.status.in_(sorted(FINISHED_STATUSES)),
            HelpRequest.anonymised_at.is_(None),
            at < cutoff(today, years),
        )
        .order_by(HelpRequest.id)
    )


def stale_open(today: date, years: int) -> list[HelpRequest]:
    """Open requests untouched since before the cutoff: left alone, but worth a look."""
    last = (
        select(RequestEvent.request_id, func.max(RequestEvent.at).label("at"))
        .group_by(RequestEvent.request_id)
        .subquery()
    )
    stmt = (
        select(HelpRequest)
        .join(last, last.c.request_id == HelpRequest.id)
        .where(
            HelpRequest.status.in_(sorted(ACTIVE_STATUSES)),
            HelpRequest.anonymised_at.is_(None),
            last.c.at < cutoff(today, years),
            HelpRequest.ends_at < cutoff(today, years),
        )
        .order_by(HelpRequest.id)
    )
    return list(db.session.scalars(stmt))


@dataclass
class PurgeResult:
    """What a run did (or, dry, would do)."""

    cutoff: datetime
    references: list[str] = field(default_factory=list)
    drafts_deleted: int = 0
    stale_open: list[str] = field(default_factory=list)


def purge(
    today: date, years: int, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> PurgeResult:
    """Anonymise every request due on ``today`` in committed batches; delete expired drafts."""
    result = PurgeResult(cutoff=cutoff(today, years))
    result.stale_open = [item.reference for item in stale_open(today, years)]
    if dry_run:
        result.references = [item.reference for item in db.session.scalars(due(today, years))]
        db.session.rollback()
        return result
    detail = f"retention: finished before {result.cutoff.date().isoformat()} ({years} FY)"
    while True:
        batch = list(db.session.scalars(due(today, years).limit(batch_size)))
        if not batch:
            break
        now = utcnow()
        references = [item.reference for item in batch]
        for item in batch:
            anonymise_request(item, detail, None, now, action="retention_anonymised")
        db.session.commit()  # one consistent batch: its requests, notes and audit events
        result.references += references
    result.drafts_deleted = drafts.purge_expired()
    db.session.commit()
    return result
