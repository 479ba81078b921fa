"""The demo's case log as the services would have left it: requests taken, offered, accepted,
logged, completed and closed; and information dissemination logged without a request.

Nothing here writes: :func:`plan_cases` returns the rows (``history_write`` inserts them in
bulk — running a thousand past requests through the offer and notification services would send
messages about the past and take minutes). The rows hold the same facts the services write:
the consent row before its request, ``sensitive`` for hospital visits, the resident's keyed
hash, one ``RequestEvent`` per transition with the services' notes (``"2 offer(s)"``,
``"accepted"``, the case-logged note), offers answered or withdrawn with their codes, and one
activity per case linked to its request. A case older than a few days is closed by the
coordinator; a recent one waits as completed.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from supporters.clock import JST, utcnow
from supporters.demo.history_people import Residents, SupporterFacts
from supporters.demo.history_plan import days_of
from supporters.help_requests.offers import DECLINE_REASONS

SAMPLE_CASE_NOTE = "Sample record (demo data)."
TOKEN_PREFIX = "demo-history-"
# Consents before the April 2026 notice were given under the programme's first one.
NOTICE_VERSIONS = ((date(2026, 4, 1), "2026-04"), (date(2000, 1, 1), "2024-01"))
MODE_WEIGHTS = {
    "government_office": {"in_person": 0.9, "phone": 0.05, "video": 0.05},
    "hospital": {"in_person": 0.85, "phone": 0.05, "video": 0.1},
    "childcare": {"in_person": 0.5, "phone": 0.35, "video": 0.15},
    "labor": {"in_person": 0.4, "phone": 0.45, "video": 0.15},
    "daily_life": {"in_person": 0.45, "phone": 0.4, "video": 0.15},
    "information": {"in_person": 0.55, "phone": 0.15, "video": 0.3},
}
DURATIONS = {  # minutes, in quarter hours
    "government_office": (60, 180),
    "hospital": (90, 240),
    "childcare": (30, 90),
    "labor": (30, 90),
    "daily_life": (30, 90),
    "information": (30, 120),
}
SOURCES = {
    "government_office": {
        "municipality": 4, "resident": 3, "employer": 1, "international_association": 2,
    },
    "hospital": {"hospital": 4, "resident": 3, "municipality": 2, "other": 1},
    "childcare": {"municipality": 3, "resident": 4, "international_association": 3},
    "labor": {"employer": 2, "resident": 5, "international_association": 3},
    "daily_life": {"resident": 5, "international_association": 3, "municipality": 2},
}  # fmt: skip
PLACES = {
    "government_office": (
        "{m}役所 (sample)", "運転免許センター (sample)", "水戸出入国在留管理局 (sample)",
    ),
    "hospital": ("{m}内の総合病院 (sample)", "{m}内のクリニック (sample)"),
    "childcare": ("{m}内の保育所 (sample)", "{m}立小学校 (sample)"),
    "labor": ("ハローワーク (sample)", "勤務先 (sample)"),
    "daily_life": ("{m}内の自宅 (sample)", "{m}社会福祉協議会 (sample)"),
}  # fmt: skip
NEEDS = {
    "government_office": ("Sample: residence registration.", "Sample: licence conversion.",
                          "Sample: residence card renewal.", "Sample: national health insurance."),
    "hospital": ("Sample: explain test results.", "Sample: first visit, symptoms.",
                 "Sample: maternity check-up."),
    "childcare": ("Sample: nursery school application.", "Sample: school enrolment."),
    "labor": ("Sample: unpaid wages question.", "Sample: job search."),
    "daily_life": ("Sample: rubbish sorting rules.", "Sample: flat contract.",
                   "Sample: utility bills."),
}  # fmt: skip
REMOTE = frozenset({"phone", "video"})
OUTCOMES = {"resolved": 72, "partly_resolved": 18, "not_resolved": 4, "referred": 6}


def jst(day: date, hour: float) -> datetime:
    """``day`` at ``hour`` (fractions are minutes) in Japan, as an aware instant."""
    return datetime.combine(day, time(0), JST) + timedelta(hours=hour)


def weighted(rng: random.Random, weights: dict):
    """One key of ``weights``, drawn in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def notice_version(day: date) -> str:
    """The privacy notice in force on ``day``."""
    return next(version for since, version in NOTICE_VERSIONS if day >= since)


@dataclass
class PlannedRequest:
    """One request's rows: its consent, itself, its events, offers and (if logged) activity."""

    consent: dict
    request: dict
    events: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)
    activity: dict | None = None


@dataclass
class History:
    """Everything the history will insert."""

    requests: list[PlannedRequest] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)  # without a request


@dataclass
class CaseContext:
    """What every case draws from: the supporters, residents, places, people who record."""

    rng: random.Random
    supporters: list[SupporterFacts]
    residents: Residents
    weights: dict[str, float]  # municipalities by foreign residents
    names: dict[str, str]  # municipalities' Japanese names
    coordinator_id: int | None
    yesterday: date
    now: datetime = field(default_factory=utcnow)
    used: dict[tuple[int, date], int] = field(default_factory=dict)  # requests per month
    tokens: int = 0

    def token(self) -> str:
        """The next case's client token (``demo-history-00001`` …): marks it as the demo's."""
        self.tokens += 1
        return f"{TOKEN_PREFIX}{self.tokens:05d}"


def _pick_supporter(ctx: CaseContext, pool: list[SupporterFacts], month: date, capped: bool):
    if not capped:
        return ctx.rng.choices(pool, weights=[s.activeness for s in pool])[0]
    room = [max(0, s.cap - ctx.used.get((s.id, month), 0)) * s.activeness for s in pool]
    if not any(room):  # everyone at their cap: the programme asks someone anyway
        room = [s.activeness for s in pool]
    return ctx.rng.choices(pool, weights=room)[0]


def _pick_day(ctx: CaseContext, supporter: SupporterFacts, month: date, weekdays: bool) -> date:
    days = [d for d in days_of(month, ctx.yesterday) if supporter.certified_on(d)]
    weights = [1.0 if d.weekday() < 5 else (0.0 if weekdays else 0.3) for d in days]
    if not any(weights):
        weights = [1.0] * len(days)
    return ctx.rng.choices(days, weights=weights)[0]


def _pick_mode(ctx: CaseContext, supporter: SupporterFacts, category: str, place: str) -> str:
    """A mode the supporter offers; only phone or video where they do not serve ``place``."""
    modes = supporter.modes if place in supporter.served else REMOTE & set(supporter.modes)
    weights = {m: w for m, w in MODE_WEIGHTS[category].items() if m in modes}
    return weighted(ctx.rng, weights) if weights else ctx.rng.choice(sorted(modes))


def able(ctx: CaseContext, pool: list[SupporterFacts], place: str) -> list[SupporterFacts]:
    """Who helps in ``place``: mostly those who serve it; sometimes (or when nobody serves it)
    also those who help by phone or video from elsewhere."""
    serving = [s for s in pool if place in s.served]
    if serving and ctx.rng.random() < 0.85:
        return serving
    return [s for s in pool if place in s.served or REMOTE & set(s.modes)] or pool


def pick_place(ctx: CaseContext, pool: list[SupporterFacts]) -> str:
    """Where a group of cases happens: a municipality one of the pool serves (home first)."""
    supporter = ctx.rng.choices(pool, weights=[s.activeness for s in pool])[0]
    weights = {code: 1.0 for code in supporter.served}
    weights[supporter.home] = 3.0
    return weighted(ctx.rng, weights)


def clumps(rng: random.Random, count: int, spread: int) -> list[int]:
    """``count`` cases in groups of three or more (one group if fewer), about ``spread`` groups.

    A month's cases of one category come in a few places, not one in each: a community's
    questions come together, and no published count of a place and category is 1 or 2, which
    the officials' report would have to hide (reports/disclosure.py).
    """
    high = max(3, count // max(1, spread))
    sizes, left = [], count
    while left > 0:
        size = rng.randint(3, max(3, high))
        size = left if left - size < 3 else size
        sizes.append(size)
        left -= size
    return sizes


def _pick_language(ctx: CaseContext, supporter: SupporterFacts) -> str | None:
    draw = ctx.rng.random()
    if draw < 0.05:
        return None  # "not specified / Easy Japanese"
    if draw < 0.13 and len(supporter.languages) > 1:
        return supporter.languages[1]
    return supporter.languages[0]


def _duration(ctx: CaseContext, category: str, mode: str) -> int:
    low, high = DURATIONS[category]
    if mode != "in_person":
        low, high = 30, min(high, 90)
    return ctx.rng.randrange(low, high + 1, 15)


def _logged_at(ctx: CaseContext, ends_at: datetime) -> datetime:
    return min(ends_at + timedelta(hours=ctx.rng.uniform(1, 40)), ctx.now - timedelta(minutes=5))


def _activity(ctx, supporter, day, category, mode, municipality, language, minutes, at) -> dict:
    information = category == "information"
    outcome = None if information else weighted(ctx.rng, OUTCOMES)
    follow_up = ctx.rng.random() < (0.4 if outcome in ("partly_resolved", "not_resolved") else 0.05)
    reached = None
    if information:
        reached = ctx.rng.randint(3, 15) if mode == "in_person" else ctx.rng.randint(10, 80)
    return {
        "supporter_id": supporter.id,
        "request_id": None,
        "happened_on": day,
        "duration_minutes": minutes,
        "category": category,
        "mode": mode,
        "municipality_code": municipality,
        "language_code": language,
        "outcome": outcome,
        "people_reached": reached,
        "follow_up_needed": follow_up,
        "notes": SAMPLE_CASE_NOTE,
        "client_token": ctx.token(),
        # Supporters without an account hand in paper records, which the coordinator types.
        "logged_by_id": supporter.user_id or ctx.coordinator_id,
        "created_at": at,
        "updated_at": at,
    }


def information_case(ctx: CaseContext, month: date, pool: list, place: str) -> dict:
    """Information dissemination: shared in a group or a meeting, logged without a request."""
    supporter = _pick_supporter(ctx, able(ctx, pool, place), month, capped=False)
    day = _pick_day(ctx, supporter, month, weekdays=False)
    mode = _pick_mode(ctx, supporter, "information", place)
    language = supporter.languages[0]
    minutes = _duration(ctx, "information", "in_person")
    at = _logged_at(ctx, jst(day, 20))
    return _activity(ctx, supporter, day, "information", mode, place, language, minutes, at)


def event(from_status, to_status, by_id, at, note="", code="", params=None) -> dict:
    """A request's history line (``request_id`` is filled in when the request is inserted).

    As the services write it: what the system says is a ``code`` with ``params`` (rendered in
    the viewer's language), ``note`` only what a person typed.
    """
    return {
        "from_status": from_status,
        "to_status": to_status,
        "by_id": by_id,
        "at": at,
        "note": note,
        "code": code,
        "params": params or {},
    }


def new_request(ctx, category, mode, language, municipality, day, hour, minutes, created_at):
    """The consent and request rows intake's ``take_request`` writes, with its first event."""
    rng = ctx.rng
    resident = ctx.residents.pick(language, municipality)
    source = weighted(rng, SOURCES[category])
    online = source == "resident" and rng.random() < 0.6
    recorder = None if online else ctx.coordinator_id
    starts_at = jst(day, hour)
    lead = (starts_at - created_at).days
    consent = {
        "notice_version": notice_version(created_at.astimezone(JST).date()),
        "language_shown": language or "ja",
        "channel": "web_form" if online else rng.choice(("phone", "phone", "in_person")),
        "recorded_by_id": recorder,
        "given_at": created_at,
    }
    place = rng.choice(PLACES[category]).format(m=ctx.names.get(municipality, ""))
    request = {
        "category": category,
        "mode": mode,
        "language_code": language,
        "municipality_code": municipality,
        "place_name": place if mode == "in_person" else "",
        "place_address": "",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "duration_minutes": minutes,
        "urgency": "urgent" if lead < 1 else "soon" if lead < 3 else "normal",
        "preferred_gender": None,
        "requester_name": resident.name,
        "requester_contact": resident.contact,
        "requester_nationality": resident.nationality,
        "residence_status": "",
        "need": rng.choice(NEEDS[category]),
        "source": source,
        "sensitive": category == "hospital",
        "resident_key": resident.key,
        "status": "new",
        "assigned_supporter_id": None,
        "answer_by": None,
        "confirmed_at": None,
        "remind_consent": rng.random() < 0.3,
        "referred_to": "",
        "created_by_id": recorder,
        "created_at": created_at,
        "updated_at": created_at,
    }
    planned = PlannedRequest(consent, request)
    planned.events.append(event(None, "new", recorder, created_at))
    return planned


def offer(supporter_id, rank, sent_by, sent_at, expires_at, status, answered_at, **kw) -> dict:
    """An offer row as ``offers.send_offers`` writes it and an answer leaves it."""
    return {
        "supporter_id": supporter_id,
        "status": status,
        "rank": rank,
        "reasons": "",
        "sent_by_id": sent_by,
        "sent_at": sent_at,
        "expires_at": expires_at,
        "answered_at": answered_at,
        "decline_reason": kw.get("decline_reason", ""),
        "decline_note": kw.get("decline_note", ""),
    }


def _others(ctx: CaseContext, chosen: SupporterFacts, language: str | None, day: date) -> list:
    pool = [
        s
        for s in ctx.supporters
        if s.id != chosen.id
        and s.certified_on(day)
        and (language is None or language in s.languages)
    ]
    return ctx.rng.sample(pool, k=min(len(pool), ctx.rng.choice((0, 0, 1, 1, 2))))


def request_case(ctx: CaseContext, month: date, category: str, pool: list, place: str):
    """A request case in ``place``: taken, offered, accepted, logged (completed) and usually
    closed; returns its :class:`PlannedRequest`."""
    rng = ctx.rng
    supporter = _pick_supporter(ctx, able(ctx, pool, place), month, capped=True)
    ctx.used[(supporter.id, month)] = ctx.used.get((supporter.id, month), 0) + 1
    day = _pick_day(ctx, supporter, month, weekdays=category in ("hospital", "government_office"))
    mode = _pick_mode(ctx, supporter, category, place)
    language = _pick_language(ctx, supporter)
    municipality = place
    minutes = _duration(ctx, category, mode)
    hour = rng.choice((9, 9.5, 10, 10, 11, 13, 13.5, 14, 15))
    if mode != "in_person":
        hour = rng.choice((10, 13, 15, 17, 18, 19, 19.5))
    lead_days = rng.choice((1, 2, 3, 5, 7, 10) if category == "hospital" else (2, 3, 5, 7, 10, 14))
    created_at = jst(day - timedelta(days=lead_days), rng.uniform(9, 17.5))
    planned = new_request(
        ctx, category, mode, language, municipality, day, hour, minutes, created_at
    )
    request, starts_at = planned.request, planned.request["starts_at"]

    offered_at = created_at + timedelta(hours=rng.uniform(0.3, 3))
    expires_at = min(offered_at + timedelta(hours=24), starts_at)
    accepted_at = min(offered_at + timedelta(hours=rng.uniform(0.2, 18)), expires_at)
    accepted_at -= timedelta(minutes=1)
    others = _others(ctx, supporter, language, day)
    chosen_rank = 1 if not others or rng.random() < 0.7 else 2
    ranks = iter(r for r in range(1, len(others) + 2) if r != chosen_rank)
    n = len(others) + 1
    planned.events.append(
        event("new", "offered", ctx.coordinator_id, offered_at, code="offers_sent",
              params={"count": n})
    )  # fmt: skip
    planned.offers.append(
        offer(supporter.id, chosen_rank, ctx.coordinator_id, offered_at, expires_at,
              "accepted", accepted_at)
    )  # fmt: skip
    for other in others:
        if rng.random() < 0.4:
            answered = offered_at + (accepted_at - offered_at) * rng.random()
            reason = rng.choice(DECLINE_REASONS)
            planned.offers.append(
                offer(other.id, next(ranks), ctx.coordinator_id, offered_at, expires_at,
                      "declined", answered, decline_reason=reason)
            )  # fmt: skip
        else:
            planned.offers.append(
                offer(other.id, next(ranks), ctx.coordinator_id, offered_at, expires_at,
                      "withdrawn", accepted_at, decline_note="taken")
            )  # fmt: skip
    planned.events.append(
        event("offered", "assigned", supporter.user_id, accepted_at, code="offer_accepted",
              params={"supporter_id": supporter.id})
    )  # fmt: skip
    request.update(assigned_supporter_id=supporter.id, answer_by=expires_at)
    if rng.random() < 0.85:
        confirm_at = accepted_at + timedelta(hours=rng.uniform(1, 30))
        confirm_at = min(confirm_at, starts_at - timedelta(minutes=30))
        request["confirmed_at"] = confirm_at if confirm_at > accepted_at else None

    logged_at = _logged_at(ctx, request["ends_at"])
    planned.activity = _activity(
        ctx, supporter, day, category, mode, municipality, language, minutes, logged_at
    )
    logged_by = planned.activity["logged_by_id"]
    planned.events.append(
        event("assigned", "completed", logged_by, logged_at, code="case_logged")
    )  # fmt: skip
    request.update(status="completed", updated_at=logged_at)
    closed_at = logged_at + timedelta(days=rng.uniform(1, 6))
    if closed_at < ctx.now:
        planned.events.append(event("completed", "closed", ctx.coordinator_id, closed_at))
        request.update(status="closed", updated_at=closed_at)
    return planned
