"""Demo availability and help requests, so the matching screens have something to show.

Deterministic (seeded by each supporter's e-mail) and idempotent: slots are added only for
supporters who have none, requests only when there are none yet. Dates follow today's date.
"""

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from supporters.clock import JST, today_jst
from supporters.extensions import db
from supporters.help_requests import offers
from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
from supporters.models import (
    ConsentChannel,
    HelpRequest,
    Mode,
    RequestCategory,
    RequestSource,
    Role,
    Supporter,
    User,
    WeeklySlot,
)

SLOT_PATTERNS = (
    ((0, 1, 2, 3, 4), time(9), time(17)),  # weekdays, office hours
    ((5, 6), time(9), time(18)),  # weekends
    ((0, 2, 4), time(13), time(20)),  # afternoons and evenings
    ((1, 3), time(9), time(12)),  # two mornings
)


def seed_availability() -> int:
    """Weekly slots for about 70% of sample supporters (the rest have not stated any)."""
    with_slots = set(db.session.scalars(select(WeeklySlot.supporter_id).distinct()))
    added = 0
    for supporter in db.session.scalars(select(Supporter).where(Supporter.is_sample.is_(True))):
        if supporter.id in with_slots:
            continue
        rng = random.Random(supporter.email)
        if rng.random() < 0.3:
            continue
        patterns = rng.sample(SLOT_PATTERNS, k=rng.choice((1, 2)))
        for days, starts, ends in patterns:
            for day in days:
                db.session.add(
                    WeeklySlot(supporter_id=supporter.id, weekday=day, starts=starts, ends=ends)
                )
        added += 1
    db.session.flush()
    return added


def _at(days_ahead: int, hour: int) -> datetime:
    return datetime.combine(today_jst() + timedelta(days=days_ahead), time(hour), JST)


def _next_weekday(days_ahead: int) -> int:
    """``days_ahead`` moved forward to a Monday–Friday (hospitals and offices are open)."""
    while (today_jst() + timedelta(days=days_ahead)).weekday() >= 5:
        days_ahead += 1
    return days_ahead


def _draft(category, mode, language, municipality, days, hours, name, contact, source, **kw):
    return RequestDraft(
        category=category,
        mode=mode,
        language_code=language,
        municipality_code=municipality,
        starts_at=_at(days, hours[0]),
        ends_at=_at(days, hours[1]),
        duration_minutes=kw.pop("duration", 90),
        requester_name=name,
        requester_contact=contact,
        source=source,
        **kw,
    )


def seed_requests() -> int:
    """A handful of requests at different stages, if the programme has none yet."""
    if db.session.scalar(select(func.count()).select_from(HelpRequest)):
        return 0
    coordinator = db.session.scalar(select(User).where(User.role == Role.COORDINATOR))
    consent = ConsentGiven("2026-04", "ja", ConsentChannel.PHONE)
    day = _next_weekday(3)
    drafts = [
        # The demo story: a Vietnamese hospital visit in Koga, waiting for a match.
        _draft(
            RequestCategory.HOSPITAL,
            Mode.IN_PERSON,
            "vi",
            "08204",
            day,
            (9, 12),
            "Nguyễn Văn An (sample)",
            "080-0000-1001",
            RequestSource.HOSPITAL,
            place_name="古河市内の総合病院 (sample)",
            need="Sample: explain test results.",
        ),
        # Impossible as asked: Khmer, in person, in Kitaibaraki — the page explains why.
        _draft(
            RequestCategory.GOVERNMENT_OFFICE,
            Mode.IN_PERSON,
            "km",
            "08215",
            day,
            (10, 12),
            "Sok Dara (sample)",
            "080-0000-1002",
            RequestSource.MUNICIPALITY,
            place_name="北茨城市役所 (sample)",
            need="Sample: residence registration.",
        ),
        # A driver's licence conversion in Portuguese, in Joso.
        _draft(
            RequestCategory.GOVERNMENT_OFFICE,
            Mode.IN_PERSON,
            "pt",
            "08211",
            _next_weekday(6),
            (9, 12),
            "Ana Souza (sample)",
            "ana.sample@example.jp",
            RequestSource.RESIDENT,
            place_name="運転免許センター (sample)",
            need="Sample: foreign licence conversion (gaimen kirikae).",
        ),
        # Childcare consultation by phone in Tagalog.
        _draft(
            RequestCategory.CHILDCARE,
            Mode.PHONE,
            "tl",
            "08222",
            day,
            (18, 19),
            "Maria Santos (sample)",
            "080-0000-1004",
            RequestSource.INTERNATIONAL_ASSOCIATION,
            duration=45,
            need="Sample: nursery school application.",
        ),
    ]
    created = [take_request(draft, consent, coordinator) for draft in drafts]
    db.session.flush()
    if coordinator is not None:
        from supporters.help_requests.candidates import match_request

        licence = created[2]
        ranked = match_request(licence).ranked[:2]
        if ranked:
            offers.send_offers(licence, [r.candidate.supporter_id for r in ranked], coordinator)
    return len(created)
