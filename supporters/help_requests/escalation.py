"""Escalation: a request whose offers got no answer is offered to the next candidates, then
given up on and shown to the coordinators.

Every ``ESCALATE_AFTER_HOURS`` without an acceptance, the request is offered to the next
``ESCALATION_BATCH`` candidates the matcher ranks (never someone offered it before), up to
``ESCALATION_ROUNDS`` rounds. After the last round's wait, or when no new candidate qualifies,
its open offers are closed (their supporters are told), it becomes unfilled and the
coordinators are alerted (it then
heads the dashboard's "needs attention" list). Each round is a history line with a code
(``escalated``, ``{"round": n, "offered": k}``). The worker's ``sweep_offers`` tick runs it every
five minutes; running it twice, or on two workers at once, escalates a request once (the round
is claimed with a conditional UPDATE before anything is sent).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from supporters.clock import utcnow
from supporters.extensions import db
from supporters.models import HelpRequest, Offer, OfferStatus, RequestEvent, RequestStatus

EVENT = "escalated"


@dataclass
class EscalationReport:
    """What one run did: requests offered to more people, and requests given up on."""

    escalated: int = 0
    given_up: int = 0
    offers_expired: int = 0  # the open offers of the requests given up on


def settings() -> tuple[timedelta, int, int]:
    """(wait before escalating, rounds, candidates per round) from the app's settings."""
    config = current_app.config
    return (
        timedelta(hours=float(config.get("ESCALATE_AFTER_HOURS", 4))),
        int(config.get("ESCALATION_ROUNDS", 2)),
        int(config.get("ESCALATION_BATCH", 3)),
    )


def escalate(now: datetime | None = None) -> EscalationReport:
    """Escalate every offered request whose latest offers have waited too long (idempotent)."""
    now = now or utcnow()
    wait, rounds, batch = settings()
    latest = (
        select(Offer.request_id, func.max(Offer.sent_at).label("sent_at"))
        .group_by(Offer.request_id)
        .subquery()
    )
    due = db.session.scalars(
        select(HelpRequest)
        .join(latest, latest.c.request_id == HelpRequest.id)
        .where(
            HelpRequest.status == RequestStatus.OFFERED,
            latest.c.sent_at <= now - wait,
            HelpRequest.starts_at > now,
        )
        .order_by(HelpRequest.starts_at)
    ).all()
    report = EscalationReport()
    for request in due:
        if not _claim(request, now):
            continue  # another worker took this round
        done = _rounds_done(request.id)
        offered = _next_round(request, batch, now) if done < rounds else 0
        if offered:
            db.session.add(
                RequestEvent(
                    request=request,
                    from_status=request.status,
                    to_status=request.status,
                    at=now,
                    code=EVENT,
                    params={"round": done + 1, "offered": offered},
                )
            )
            report.escalated += 1
        else:
            report.offers_expired += _give_up(request, now)
            report.given_up += 1
        db.session.flush()
    return report


def _claim(request: HelpRequest, now: datetime) -> bool:
    """Take this round of ``request`` for this run: one conditional UPDATE of its timestamp."""
    seen = request.updated_at
    claimed = db.session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == request.id, HelpRequest.updated_at == seen)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        db.session.refresh(request)
    return claimed == 1


def _rounds_done(request_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.code == EVENT)
    )


def _next_round(request: HelpRequest, batch: int, now: datetime) -> int:
    """Offer ``request`` to the next ``batch`` ranked candidates nobody offered it to before."""
    from supporters.help_requests import offers
    from supporters.help_requests.candidates import match_request

    asked = set(
        db.session.scalars(select(Offer.supporter_id).where(Offer.request_id == request.id))
    )
    result = match_request(request, skip=asked)  # the top after those already asked
    ranked = [r for r in result.ranked if r.candidate.supporter_id not in asked][:batch]
    if not ranked:
        return 0
    reasons = {r.candidate.supporter_id: " · ".join(map(str, r.reasons)) for r in ranked}
    created = offers.send_offers(
        request, [r.candidate.supporter_id for r in ranked], None, now=now, reasons=reasons
    )
    return len(created)


def _give_up(request: HelpRequest, now: datetime) -> int:
    """Expire the request's open offers (how many is returned) and tell each supporter it is
    closed, so nobody answers an offer that is gone; the request becomes unfilled and the
    coordinators are told."""
    from supporters.help_requests import offers
    from supporters.notify.service import notify_supporter

    open_offers = db.session.scalars(
        select(Offer).where(Offer.request_id == request.id, Offer.status == OfferStatus.OPEN)
    ).all()
    for offer in open_offers:
        offer.status = OfferStatus.EXPIRED
        notify_supporter(
            offer.supporter,
            "offer_expired",
            f"/me/offers/{offer.id}",
            dedupe_key=f"offer_expired:{offer.id}",
        )
    db.session.flush()
    offers.mark_unfilled_if_nobody_left(request, now)
    return len(open_offers)
