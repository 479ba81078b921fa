"""Offers: the coordinator proposes a request to ranked supporters; the first to accept gets it.

"First accept wins, exactly once" is enforced by the database, not by reading and then writing:
accepting is two conditional UPDATEs (the offer ``WHERE status='open' AND expires_at > now``, the
request ``WHERE status='offered'``), and only the transaction whose UPDATE changed a row wins.
On PostgreSQL the loser's UPDATE waits for the winner's commit and then matches nothing; on
SQLite writers are serialised by the database lock. See ``tests/test_offer_race.py``.

The request's UPDATE also requires the supporter to be certified at that instant, and a
suspension or retirement withdraws the supporter's open offers in its own transaction
(:func:`withdraw_supporter_offers`), so a suspended supporter can never win an acceptance,
whichever commits first (``tests/test_accounts.py``).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from supporters import audit
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.help_requests import lifecycle
from supporters.help_requests.lifecycle import NOTE_LENGTH
from supporters.lending import service as lending
from supporters.models import (
    HelpRequest,
    Offer,
    OfferStatus,
    RequestEvent,
    RequestStatus,
    Role,
    Supporter,
    SupporterStatus,
    User,
)
from supporters.programme.settings import current as programme_settings
from supporters.refusals import NOT_FOUND, Refused, refuse_if
from supporters.tenancy import across_programmes

DECLINE_REASONS = ("not_available", "too_far", "language", "too_many_cases", "personal", "other")
OFFERABLE = frozenset({RequestStatus.NEW, RequestStatus.OFFERED, RequestStatus.UNFILLED})


def offer_ttl() -> timedelta:
    """How long a supporter has to answer an offer (the programme's offer answer time)."""
    return timedelta(hours=programme_settings().offer_answer_hours)


def send_offers(
    request: HelpRequest,
    supporter_ids: Iterable[int],
    by: User | None,
    now: datetime | None = None,
    reasons: dict[int, str] | None = None,
) -> list[Offer]:
    """Offer ``request`` to each supporter (skipping ones with an open offer already).

    ``by`` is the coordinator, or None when escalation sends the offers (escalation.py).
    """
    now = now or utcnow()
    ids = list(dict.fromkeys(int(i) for i in supporter_ids))
    if not ids:
        raise Refused(_("Choose at least one supporter."), "supporter_ids")
    if request.status not in OFFERABLE:
        raise Refused(_("This request can no longer be offered."), code="invalid_transition")
    if request.starts_at <= now:
        raise Refused(_("This request's time has already started."), code="too_late")

    supporters = {
        s.id: s for s in db.session.scalars(select(Supporter).where(Supporter.id.in_(ids)))
    }
    unknown = [i for i in ids if i not in supporters]
    if unknown:  # supporters other programmes lend for this request ([6/6])
        lent = {p.supporter_id for p in lending.proposals(request, limit=None)}
        borrowed = [i for i in unknown if i in lent]
        if borrowed:
            supporters |= {
                s.id: s
                for s in db.session.scalars(
                    across_programmes(select(Supporter).where(Supporter.id.in_(borrowed)))
                )
            }
        unknown = [i for i in ids if i not in supporters]
    if unknown:
        raise Refused(_("Unknown supporter."), fields={"supporter_ids": str(unknown)})
    not_certified = [s.display_name for s in supporters.values() if not _offerable(s)]
    if not_certified:
        message = _(
            "Only certified supporters can be offered a request: %(names)s",
            names=", ".join(not_certified),
        )
        raise Refused(message, "supporter_ids")

    already_open = set(
        db.session.scalars(
            select(Offer.supporter_id).where(
                Offer.request_id == request.id, Offer.status == OfferStatus.OPEN
            )
        )
    )
    expires_at = min(now + offer_ttl(), request.starts_at)
    created = []
    for rank, supporter_id in enumerate(ids, start=1):
        if supporter_id in already_open:
            continue
        offer = Offer(
            request=request,
            supporter_id=supporter_id,
            status=OfferStatus.OPEN,
            rank=rank,
            reasons=(reasons or {}).get(supporter_id, ""),
            sent_by_id=by.id if by is not None else None,
            sent_at=now,
            expires_at=expires_at,
        )
        db.session.add(offer)
        created.append(offer)
    if not created:
        raise Refused(_("These supporters already have an open offer."), code="duplicate")

    request.answer_by = max(request.answer_by or expires_at, expires_at)
    if request.status != RequestStatus.OFFERED:
        lifecycle.transition(
            request, RequestStatus.OFFERED, by, code="offers_sent", params={"count": len(created)}
        )
    db.session.flush()
    from supporters.notify import notify_supporter

    facts = message_facts(request)
    for offer in created:
        supporter = supporters[offer.supporter_id]
        notify_supporter(supporter, "offer_new", f"/me/offers/{offer.id}", facts)
        audit.record("offer_sent", offer, f"request {request.reference}", user=by)
        if supporter.programme_id != request.programme_id:  # lent by another programme
            lending.tell_home_coordinators(supporter, facts)
    return created


def message_facts(request: HelpRequest) -> dict:
    """What a message about ``request`` may say so a supporter can decide from it.

    When, the municipality, the language and how — never the category, the resident, the need
    or the place (supporters/notify/messages.py checks the keys).
    """
    return {
        "starts_at": request.starts_at.isoformat(),
        "ends_at": request.ends_at.isoformat(),
        "municipality_code": request.municipality_code,
        "language_code": request.language_code,
        "mode": request.mode.value,
    }


def _offerable(supporter: Supporter) -> bool:
    return supporter.status == SupporterStatus.CERTIFIED


def accept(offer_id: int, supporter_id: int, by: User | None, now: datetime | None = None) -> Offer:
    """The supporter takes the request. Exactly one acceptance per request ever succeeds.

    Only a certified supporter (and, when ``by`` is given, an active account) can win: that is
    checked by the acceptance UPDATE itself, so a suspension committed between loading the
    offer and accepting it is seen. Raises :class:`Refused` (``expired``, ``answered``,
    ``taken``, ``not_certified``, ``account_inactive``, ``busy``) for the losers; the caller
    answers 409 and the request's rollback undoes anything the loser wrote (this never rolls
    back itself: services do not end transactions)."""
    now = now or utcnow()
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.supporter_id != supporter_id:
        raise Refused(_("This offer does not exist."), code=NOT_FOUND)
    request_id = offer.request_id

    # 1. Claim the request row first, and only while this offer is still open: every racer
    #    queues on this one row (PostgreSQL row lock, SQLite write lock), so the losers never hold
    #    a lock the winner needs next (no deadlock), and then match nothing.
    offer_still_open = (
        select(Offer.id)
        .where(
            Offer.id == offer_id,
            Offer.supporter_id == supporter_id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
        .exists()
    )
    try:
        won_request = db.session.execute(
            update(HelpRequest)
            .where(
                HelpRequest.id == request_id,
                HelpRequest.status == RequestStatus.OFFERED,
                offer_still_open,
                *_may_accept_now(supporter_id, by),
            )
            .values(
                status=RequestStatus.ASSIGNED, assigned_supporter_id=supporter_id, updated_at=now
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        # 2. Then the offer itself, still conditionally (a decline of the same offer may have
        #    committed in between).
        won_offer = (
            won_request == 1
            and db.session.execute(
                update(Offer)
                .where(Offer.id == offer_id, Offer.status == OfferStatus.OPEN)
                .values(status=OfferStatus.ACCEPTED, answered_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    except OperationalError as error:  # a deadlock or lock timeout with some other writer
        raise Refused(_("Yorisoi is busy. Please try again."), code="busy") from error
    if not won_offer:
        # Lost (or not allowed). The request row may already say "assigned" in this transaction
        # (won_request without won_offer): the refusal makes the caller roll that back.
        not_allowed = _why_not_allowed(supporter_id, by)
        if not_allowed is not None:
            raise not_allowed
        offer = db.session.get(Offer, offer_id, populate_existing=True)  # as committed now
        if offer.status == OfferStatus.OPEN and offer.expires_at > now:
            raise Refused(
                _("Someone else has already accepted this request. Thank you!"), code="taken"
            )
        raise _why_not_open(offer, now)

    db.session.expire_all()
    offer = db.session.get(Offer, offer_id)
    request = offer.request
    lifecycle.record(
        request,
        RequestStatus.OFFERED,
        RequestStatus.ASSIGNED,
        by,
        code="offer_accepted",
        params={"supporter_id": offer.supporter_id},
    )
    audit.record("offer_accepted", offer, f"request {request.reference}", user=by)
    from supporters.help_requests import video_rooms

    video_rooms.open_room(request, by)  # a video request gets its call link (when configured)
    withdraw_open(request, reason="taken", now=now)
    from supporters.notify import notify_users

    notify_users(staff_to_tell(request), "request_assigned", f"/requests/{request.id}")
    return offer


def _may_accept_now(supporter_id: int, by: User | None) -> list:
    """Conditions of the acceptance UPDATE itself: the supporter is certified *now* and, when a
    person accepts, their account is still active — read by the database in the same statement,
    so a suspension or deactivation committed a moment before cannot be missed."""
    conditions = [
        select(Supporter.id)
        .where(Supporter.id == supporter_id, Supporter.status == SupporterStatus.CERTIFIED)
        .exists()
    ]
    if by is not None:
        conditions.append(select(User.id).where(User.id == by.id, User.active.is_(True)).exists())
    return conditions


def _why_not_allowed(supporter_id: int, by: User | None) -> Refused | None:
    """After a lost acceptance: the refusal when the supporter or account may not accept."""
    status = db.session.scalar(select(Supporter.status).where(Supporter.id == supporter_id))
    if status != SupporterStatus.CERTIFIED:
        return Refused(
            _(
                "Your supporter registration is not active now, so you cannot accept offers. "
                "Please contact your coordinator."
            ),
            code="not_certified",
        )
    if by is not None and not db.session.scalar(select(User.active).where(User.id == by.id)):
        return Refused(
            _("This account has been deactivated, so it cannot accept offers."),
            code="account_inactive",
        )
    return None


def _why_not_open(offer: Offer, now: datetime) -> Refused:
    if offer.status == OfferStatus.OPEN and offer.expires_at <= now:
        return Refused(_("This offer has expired."), code="expired")
    if offer.status == OfferStatus.WITHDRAWN:
        return Refused(
            _("Someone else has already accepted this request. Thank you!"), code="taken"
        )
    if offer.status == OfferStatus.EXPIRED:
        return Refused(_("This offer has expired."), code="expired")
    return Refused(_("You have already answered this offer."), code="answered")


def decline(
    offer_id: int,
    supporter_id: int,
    reason: str,
    note: str,
    by: User | None,
    now: datetime | None = None,
) -> Offer:
    """The supporter says no, with a reason; when nobody is left, the request is unfilled."""
    now = now or utcnow()
    refuse_if(
        {
            "reason": _("Choose a reason.") if reason not in DECLINE_REASONS else None,
            "note": _("At most %(max)d characters.", max=NOTE_LENGTH)
            if len(note.strip()) > NOTE_LENGTH
            else None,
        }
    )
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.supporter_id != supporter_id:
        raise Refused(_("This offer does not exist."), code=NOT_FOUND)
    changed = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == OfferStatus.OPEN, Offer.expires_at > now)
        .values(
            status=OfferStatus.DECLINED,
            answered_at=now,
            decline_reason=reason,
            decline_note=note.strip(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.refresh(offer)  # what another transaction made of it meanwhile
        raise _why_not_open(offer, now)
    db.session.expire(offer)
    audit.record("offer_declined", offer, reason, user=by)
    _unfilled_if_nobody_left(offer.request, now)
    return offer


def withdraw(offer: Offer, by: User, now: datetime | None = None) -> Offer:
    """The coordinator takes back one open offer (e.g. sent to the wrong person)."""
    now = now or utcnow()
    if offer.status != OfferStatus.OPEN:
        raise Refused(_("Only an open offer can be withdrawn."), code="answered")
    offer.status = OfferStatus.WITHDRAWN
    offer.answered_at = now
    audit.record("offer_withdrawn", offer, "", user=by)
    from supporters.notify import notify_supporter

    notify_supporter(offer.supporter, "offer_withdrawn", f"/me/offers/{offer.id}")
    _unfilled_if_nobody_left(offer.request, now)
    return offer


def withdraw_open(request: HelpRequest, reason: str, now: datetime | None = None) -> list[int]:
    """Withdraw every still-open offer of ``request`` and tell their holders (no details).

    One conditional UPDATE: an offer declined a moment ago by its holder stays declined.
    Returns the ids of the offers withdrawn.
    """
    now = now or utcnow()
    rows = db.session.execute(
        update(Offer)
        .where(Offer.request_id == request.id, Offer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.WITHDRAWN, answered_at=now, decline_note=reason)
        .returning(Offer.id, Offer.supporter_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not rows:
        return []
    from supporters.notify import notify_supporter

    supporters = {
        s.id: s
        for s in db.session.scalars(
            select(Supporter).where(Supporter.id.in_([sid for _, sid in rows]))
        )
    }
    for offer_id, supporter_id in rows:
        notify_supporter(supporters[supporter_id], "offer_withdrawn", f"/me/offers/{offer_id}")
    db.session.expire_all()
    return [offer_id for offer_id, _ in rows]


def withdraw_supporter_offers(
    supporter_id: int, reason: str, by: User | None, now: datetime | None = None
) -> list[int]:
    """Withdraw every open offer of a supporter who may no longer accept one.

    ``reason`` is a code: ``supporter_suspended``, ``supporter_retired`` or ``deactivated``
    (the account). Each request's history gets an ``offer_withdrawn`` line that the coordinator
    reads in their language, and a request left with no open offer becomes unfilled — back to
    the coordinators' queue — as when everybody declined. One conditional UPDATE: an offer
    answered a moment ago keeps its answer. Returns the ids of the offers withdrawn.
    """
    now = now or utcnow()
    rows = db.session.execute(
        update(Offer)
        .where(
            Offer.supporter_id == supporter_id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
        .values(status=OfferStatus.WITHDRAWN, answered_at=now, decline_note=reason)
        .returning(Offer.id, Offer.request_id)
        .execution_options(synchronize_session=False)
    ).all()
    for offer_id, request_id in rows:
        offer = db.session.get(Offer, offer_id, populate_existing=True)
        request = db.session.get(HelpRequest, request_id, populate_existing=True)
        db.session.add(
            RequestEvent(
                request=request,
                from_status=request.status,
                to_status=request.status,
                by_id=by.id if by is not None else None,
                at=now,
                code="offer_withdrawn",
                params={"supporter_id": supporter_id, "reason": reason},
            )
        )
        audit.record("offer_withdrawn", offer, reason, user=by)
        _unfilled_if_nobody_left(request, now)
    return [offer_id for offer_id, _request_id in rows]


def mark_unfilled_if_nobody_left(request: HelpRequest, now: datetime) -> None:
    """An offered request with no open offer left becomes unfilled; the coordinators are told."""
    _unfilled_if_nobody_left(request, now)


def _unfilled_if_nobody_left(request: HelpRequest, now: datetime) -> None:
    if request.status != RequestStatus.OFFERED:
        return
    still_open = db.session.scalar(
        select(Offer.id)
        .where(
            Offer.request_id == request.id,
            Offer.status == OfferStatus.OPEN,
            Offer.expires_at > now,
        )
        .limit(1)
    )
    if still_open is None:
        lifecycle.mark_unfilled(request, None, code="no_acceptance")
        from supporters.notify import notify_users

        notify_users(staff_to_tell(request), "request_unfilled", f"/requests/{request.id}")


def sweep(now: datetime | None = None) -> tuple[int, int]:
    """Expire lapsed offers and mark requests nobody accepted as unfilled (run from cron).

    Requests whose offers have waited too long are first offered to the next candidates
    (escalation.py). Returns (offers expired, requests made unfilled). Idempotent.
    """
    from supporters.help_requests import escalation

    now = now or utcnow()
    escalated = escalation.escalate(now)
    lapsed = list(
        db.session.scalars(
            select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now)
        )
    )
    for offer in lapsed:
        offer.status = OfferStatus.EXPIRED
    db.session.flush()
    requests = db.session.scalars(
        select(HelpRequest).where(HelpRequest.status == RequestStatus.OFFERED)
    )
    unfilled = 0
    for request in requests:
        before = request.status
        _unfilled_if_nobody_left(request, now)
        unfilled += request.status != before
    return len(lapsed) + escalated.offers_expired, unfilled + escalated.given_up


def staff_to_tell(request: HelpRequest) -> list[User]:
    """Who hears about assignments and unfilled requests: the one who sent offers, or all staff."""
    senders = {o.sent_by_id for o in request.offers if o.sent_by_id}
    users = list(
        db.session.scalars(
            select(User).where(
                User.active.is_(True),
                User.role.in_([Role.COORDINATOR, Role.ADMIN]),
            )
        )
    )
    chosen = [u for u in users if u.id in senders]
    return chosen or [u for u in users if u.role == Role.COORDINATOR]
