"""Requests the demo history could not fill: unfilled, referred out, or cancelled.

Every month a few requests come in a language no supporter nearby speaks (Khmer, Ukrainian,
Persian …): the offers lapse (``no acceptance``, as ``offers.sweep`` records it) or nobody can
be offered at all, and the coordinator refers the resident to an outside service or the
resident no longer needs help. Some labour and daily-life questions are referred straight away.
A handful of this week's requests still wait, unfilled, in the coordinators' queue. None of
them is a case: the 1,806 of FY2025 are untouched.
"""

from datetime import date, timedelta

from supporters.demo.history_cases import (
    CaseContext,
    PlannedRequest,
    event,
    jst,
    new_request,
    offer,
    weighted,
)
from supporters.demo.history_plan import days_of

RARE_LANGUAGES = {"km": 4, "uk": 3, "fa": 2, "my": 2, "ru": 1, "mn": 1, "bn": 1, "ne": 1}
UNFILLED_CATEGORIES = {"government_office": 4, "hospital": 3, "daily_life": 2, "childcare": 1}
MULTILINGUAL_LINE = "茨城県外国人相談センター（多言語）(sample)"
REFERRALS = {
    "labor": "茨城労働局 外国人労働者相談コーナー (sample)",
    "daily_life": "法テラス茨城 (sample)",
    "government_office": MULTILINGUAL_LINE,
}
CANCEL_REASON = "Sample: the resident no longer needed help."


def _speakers(ctx: CaseContext, language: str, day: date) -> list:
    return [s for s in ctx.supporters if language in s.languages and s.certified_on(day)]


def unfilled_request(ctx: CaseContext, day: date, settle: bool) -> PlannedRequest:
    """A request in a rare language that nobody accepted; ``settle``d ones were later referred
    to the multilingual line or cancelled, the others still wait in the queue."""
    rng = ctx.rng
    language = weighted(rng, RARE_LANGUAGES)
    category = weighted(rng, UNFILLED_CATEGORIES)
    municipality = weighted(rng, ctx.weights)
    lead = rng.choice((3, 5, 7, 9))
    created_at = jst(day - timedelta(days=lead), rng.uniform(9, 17))
    if not settle:  # still waiting: came in a day or two ago, its offers have lapsed since
        created_at = ctx.now - timedelta(hours=rng.uniform(30, 60))
    planned = new_request(
        ctx, category, "in_person", language, municipality, day, 10, 120, created_at
    )
    request, coordinator = planned.request, ctx.coordinator_id
    speakers = _speakers(ctx, language, day)
    if speakers:  # offered to whoever speaks it; nobody could go, the offers lapsed
        offered_at = created_at + timedelta(hours=rng.uniform(0.5, 3))
        expires_at = offered_at + timedelta(hours=24)
        chosen = rng.sample(speakers, k=min(2, len(speakers)))
        planned.events.append(
            event(
                "new",
                "offered",
                coordinator,
                offered_at,
                code="offers_sent",
                params={"count": len(chosen)},
            )
        )
        for rank, supporter in enumerate(chosen, start=1):
            planned.offers.append(
                offer(supporter.id, rank, coordinator, offered_at, expires_at, "expired", None)
            )
        planned.events.append(event("offered", "unfilled", None, expires_at, code="no_acceptance"))
        request["answer_by"], unfilled_at = expires_at, expires_at
    else:  # no supporter of the language at all: straight to the coordinators' queue
        unfilled_at = created_at + timedelta(hours=rng.uniform(1, 4))
        planned.events.append(event("new", "unfilled", coordinator, unfilled_at))
    request.update(status="unfilled", updated_at=unfilled_at)
    after = unfilled_at + timedelta(hours=rng.uniform(2, 30))
    if settle and after < ctx.now:
        if rng.random() < 0.6:
            _refer(ctx, planned, MULTILINGUAL_LINE, "unfilled", after)
        else:
            planned.events.append(event("unfilled", "cancelled", coordinator, after, CANCEL_REASON))
            request.update(status="cancelled", updated_at=after)
    return planned


def _refer(ctx: CaseContext, planned: PlannedRequest, service: str, before: str, at) -> None:
    planned.events.append(event(before, "referred", ctx.coordinator_id, at, service))
    planned.request.update(status="referred", referred_to=service, updated_at=at)
    closed_at = at + timedelta(days=ctx.rng.uniform(3, 21))
    if closed_at < ctx.now:  # the outside service confirmed it took the resident on
        planned.events.append(event("referred", "closed", ctx.coordinator_id, closed_at))
        planned.request.update(status="closed", updated_at=closed_at)


def referred_request(ctx: CaseContext, month: date) -> PlannedRequest:
    """A question for a specialist service, referred the day it came in."""
    rng = ctx.rng
    category = rng.choice(tuple(REFERRALS))
    supporter = rng.choice(ctx.supporters)
    language = supporter.languages[0]
    day = rng.choice(days_of(month, ctx.yesterday))
    created_at = jst(day - timedelta(days=rng.choice((2, 4, 6))), rng.uniform(9, 17))
    planned = new_request(ctx, category, "phone", language, supporter.home, day, 14, 60, created_at)
    _refer(ctx, planned, REFERRALS[category], "new", created_at + timedelta(hours=2))
    return planned


def side_exits(ctx: CaseContext, months: list[date]) -> list[PlannedRequest]:
    """For each month, one or two unfilled requests and a few referrals; three requests of the
    coming days still unfilled (``months`` are the history's, the current one last)."""
    rng, planned = ctx.rng, []
    for month in months:
        for _ in range(rng.choice((1, 1, 2))):
            day = rng.choice(days_of(month, ctx.yesterday))
            planned.append(unfilled_request(ctx, day, settle=True))
        for _ in range(rng.choice((2, 3, 3, 4))):
            planned.append(referred_request(ctx, month))
    today = ctx.yesterday + timedelta(days=1)
    for ahead in (3, 5, 8):
        planned.append(unfilled_request(ctx, today + timedelta(days=ahead), settle=False))
    return planned
