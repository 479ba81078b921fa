"""Matching at national scale: 1,741 municipalities, 100,000 supporters, SQLite and PostgreSQL.

Run with ``.venv/bin/python bench/matching_scale.py`` (PostgreSQL too when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set). It builds a synthetic Japan on a fresh schema (``db.create_all``) with
bulk inserts, then, for a few hundred varied help requests, times ``candidates.match_request``
(the top 10, median of 3 calls each) next to one bare indexed SELECT that returns every
qualifying candidate id, and checks that the top 10 equal the first 10 of the exhaustive ranking
(``candidates.match_exhaustive``: ids, order, scores, parts, reasons) and that the exhaustive
ranking's ids equal the bare query's. The schema is the models' own, with the matching indexes of
migration 0004. Prints a Markdown table; with ``--write-docs`` it rewrites the section "Matching
at national scale" of docs/benchmarks.md. Knobs: BENCH_SUPPORTERS, BENCH_REQUESTS, BENCH_SEED.
"""

import hashlib
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import current_app  # noqa: E402
from geopy.distance import geodesic  # noqa: E402
from sqlalchemy import and_, exists, func, insert, not_, or_, select, text  # noqa: E402
from timing import median_ms  # noqa: E402  (bench/timing.py, beside this script)

from supporters import cache_tokens, create_app  # noqa: E402
from supporters.clock import JST  # noqa: E402
from supporters.config import database_url  # noqa: E402
from supporters.demo.people import load_languages  # noqa: E402
from supporters.extensions import db  # noqa: E402
from supporters.help_requests import candidates, pool_facts  # noqa: E402
from supporters.help_requests.candidates_topk import TOP  # noqa: E402
from supporters.help_requests.experience import KIND as EXPERIENCE_KIND  # noqa: E402
from supporters.models import (  # noqa: E402
    Consent,
    HelpRequest,
    Language,
    Municipality,
    Supporter,
    SupporterLanguage,
    UnavailableDate,
    WeeklySlot,
)
from supporters.models.reference import ReferenceVersion  # noqa: E402
from supporters.models.supporter import supporter_served_municipality  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Matching at national scale"
SUPPORTERS = int(os.environ.get("BENCH_SUPPORTERS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
SEED = int(os.environ.get("BENCH_SEED", "1741"))
REPEAT = 3
CHUNK = 5000
GOAL_MS = 20.0
GOAL_RATIO = 3.0

# Prefecture code, centre (lat, lon), municipalities (they add up to Japan's 1,741), foreign
# residents in thousands (rough, for where supporters live and requests come from), spread in °.
PREFECTURES = [
    ("01", 43.3, 142.6, 179, 50, 0.9), ("02", 40.8, 140.8, 40, 7, 0.35),
    ("03", 39.6, 141.4, 33, 8, 0.4), ("04", 38.4, 140.9, 35, 25, 0.3),
    ("05", 39.7, 140.4, 25, 4, 0.35), ("06", 38.4, 140.1, 35, 8, 0.3),
    ("07", 37.4, 140.3, 59, 16, 0.4), ("08", 36.3, 140.3, 44, 80, 0.25),
    ("09", 36.6, 139.8, 25, 45, 0.25), ("10", 36.5, 139.0, 35, 70, 0.25),
    ("11", 36.0, 139.4, 63, 220, 0.2), ("12", 35.5, 140.2, 54, 190, 0.25),
    ("13", 35.69, 139.6, 62, 650, 0.15), ("14", 35.4, 139.4, 33, 250, 0.15),
    ("15", 37.5, 138.9, 30, 20, 0.45), ("16", 36.65, 137.2, 15, 20, 0.2),
    ("17", 36.6, 136.6, 19, 18, 0.3), ("18", 35.9, 136.2, 17, 16, 0.25),
    ("19", 35.6, 138.6, 27, 20, 0.2), ("20", 36.2, 138.0, 77, 40, 0.4),
    ("21", 35.8, 137.0, 42, 60, 0.3), ("22", 35.0, 138.3, 35, 110, 0.3),
    ("23", 35.1, 137.1, 54, 290, 0.2), ("24", 34.5, 136.4, 29, 60, 0.3),
    ("25", 35.2, 136.1, 19, 35, 0.2), ("26", 35.2, 135.5, 26, 70, 0.3),
    ("27", 34.65, 135.5, 43, 280, 0.15), ("28", 35.0, 134.9, 41, 120, 0.3),
    ("29", 34.3, 135.9, 39, 15, 0.25), ("30", 33.9, 135.4, 30, 8, 0.3),
    ("31", 35.4, 133.8, 19, 5, 0.25), ("32", 35.1, 132.6, 19, 10, 0.35),
    ("33", 34.9, 133.8, 27, 33, 0.3), ("34", 34.6, 132.7, 23, 55, 0.3),
    ("35", 34.2, 131.5, 19, 18, 0.3), ("36", 33.9, 134.3, 24, 7, 0.25),
    ("37", 34.25, 134.0, 17, 16, 0.15), ("38", 33.6, 132.8, 20, 14, 0.3),
    ("39", 33.5, 133.4, 34, 6, 0.35), ("40", 33.6, 130.7, 60, 90, 0.25),
    ("41", 33.3, 130.1, 20, 9, 0.2), ("42", 33.0, 129.9, 21, 12, 0.3),
    ("43", 32.6, 130.8, 45, 22, 0.3), ("44", 33.2, 131.4, 18, 15, 0.3),
    ("45", 32.1, 131.3, 26, 8, 0.3), ("46", 31.6, 130.6, 43, 14, 0.4),
    ("47", 26.4, 127.8, 41, 25, 0.3),
]  # fmt: skip
# Share of supporters by first language: the large communities common, Khmer rare.
LANGUAGE_WEIGHTS = {
    "vi": 24, "zh": 20, "tl": 11, "pt": 9, "id": 6, "ne": 6, "ko": 4, "en": 4, "my": 2.5,
    "es": 2.5, "th": 2, "si": 1.5, "mn": 0.8, "bn": 0.6, "ur": 0.6, "hi": 0.6, "ru": 0.5,
    "fr": 0.4, "uk": 0.3, "fa": 0.2, "km": 0.05,
}  # fmt: skip
KHMER_PREFECTURES = ("08", "10", "11", "23")  # where the few Khmer speakers live
FAR_FROM_KHMER = ("01", "02", "46", "47")  # Khmer in person there: nobody qualifies
SLOT_HOURS = [(9, 17), (9, 12), (13, 18), (18, 21), (10, 16), (8, 20)]
CATEGORIES = ["government_office", "hospital", "childcare", "labor", "daily_life"]
HISTORY_START = datetime(2026, 10, 1, tzinfo=JST)
BENCH_START = datetime(2026, 12, 1, tzinfo=JST)  # requests being matched: 1–21 December
ACTIVE_SUPPORTERS = 6000  # who get the assignments, so load and capacity have data
HISTORY_REQUESTS = 24000
RESIDENTS = 12000
REQUEST_CONSTANTS = {
    "urgency": "normal", "requester_name": "Resident", "requester_contact": "-",
    "source": "resident", "created_at": datetime(2026, 9, 1, tzinfo=UTC),
    "updated_at": datetime(2026, 9, 1, tzinfo=UTC),
}  # fmt: skip
SUPPORTER_CONSTANTS = {
    "notes": "", "applied_on": date(2025, 1, 1), "training_cohort": "2025", "is_sample": False,
    "created_at": datetime(2025, 1, 1), "updated_at": datetime(2025, 1, 1),
}  # fmt: skip

# The indexes matching leans on (declared in the models, migration 0004), listed in the docs.
MATCHING_INDEXES = {
    "ix_supporter_language_code": (
        "supporter_language (language_code, supporter_id)",
        "who speaks this language; the primary key starts with supporter_id",
    ),
    "ix_served_municipality_code": (
        "supporter_served_municipality (municipality_code, supporter_id)",
        "who serves this municipality; the primary key starts with supporter_id",
    ),
    "ix_help_request_assignee_start": (
        "help_request (assigned_supporter_id, starts_at)",
        "a pool's load this month and assignments that day, one index range per supporter",
    ),
    "ix_help_request_category_done": (
        "help_request (category, status, assigned_supporter_id)",
        "who has completed requests of the category (the top-k's experienced supporters); new, "
        "migration 0013",
    ),
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _instant(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST).astimezone(UTC)


@dataclass
class Japan:
    """The synthetic country: municipalities, where people live, and the generated rows."""

    municipalities: list[dict]
    weights: dict[str, float]  # municipality code → share of foreign residents
    neighbours: dict[str, list[str]]  # code → nearest municipalities in the same prefecture
    khmer_homes: list[str]
    far_codes: list[str]


def build_japan(rng: random.Random) -> Japan:
    """1,741 municipalities scattered around 47 prefecture centres, weighted by residents."""
    rows, weights, by_pref = [], {}, {}
    for pref, lat0, lon0, count, residents, spread in PREFECTURES:
        shares = [rng.lognormvariate(0, 1.2) for _ in range(count)]
        total = sum(shares)
        for i, share in enumerate(shares):
            code = f"{pref}{201 + i:03d}"
            lat = lat0 + rng.gauss(0, spread)
            lon = lon0 + rng.gauss(0, spread * 1.2)
            rows.append(
                {
                    "code": code,
                    "prefecture_code": pref,
                    "name_ja": f"合成{code}",
                    "name_en": f"Synth {code}",
                    "kana": "ごうせい",
                    "kind": "city",
                    "latitude": round(lat, 4),
                    "longitude": round(lon, 4),
                }
            )
            weights[code] = residents * share / total
            by_pref.setdefault(pref, []).append((code, lat, lon))
    assert len(rows) == 1741, len(rows)
    neighbours = {}
    for places in by_pref.values():
        for code, lat, lon in places:
            near = sorted(places, key=lambda p: (p[1] - lat) ** 2 + (p[2] - lon) ** 2)
            neighbours[code] = [p[0] for p in near[1:9]]
    khmer = [c for c in weights if c[:2] in KHMER_PREFECTURES]
    far = [c for c in weights if c[:2] in FAR_FROM_KHMER]
    return Japan(rows, weights, neighbours, khmer, far)


def supporter_rows(rng: random.Random, japan: Japan, n: int) -> dict[str, list[dict]]:
    """Supporters with languages, served municipalities, slots and days away."""
    codes, cum = list(japan.weights), list(_cumulative(japan.weights.values()))
    out = {"supporter": [], "language": [], "served": [], "slot": [], "away": []}
    statuses = {"certified": 85, "applicant": 8, "suspended": 4, "retired": 3}
    for sid in range(1, n + 1):
        first = _pick(rng, LANGUAGE_WEIGHTS)
        home = rng.choice(japan.khmer_homes) if first == "km" else _weighted(rng, codes, cum)
        status = _pick(rng, statuses)
        modes = [rng.random() < 0.85, rng.random() < 0.35, rng.random() < 0.25]
        if not any(modes):
            modes[0] = True
        out["supporter"].append(
            {
                "id": sid,
                "display_name": f"Supporter {sid}",
                "email": f"s{sid}@bench.example.jp",
                "phone": f"090{sid:08d}",
                "home_municipality_code": home,
                "japanese_level": _pick(rng, {"native": 3, "N1": 20, "N2": 35, "N3": 30, "N4": 12}),
                "offers_in_person": modes[0],
                "offers_phone": modes[1],
                "offers_video": modes[2],
                "gender": _pick(rng, {"female": 55, "male": 40, "other": 2, None: 3}),
                "monthly_case_cap": rng.choice([2, 3, 4, 4, 4, 5, 6, 8]),
                "status": status,
                "certified_on": None if status == "applicant" else date(2025, 3, 1),
                "certificate_number": None if status == "applicant" else f"B-{sid:07d}",
                **SUPPORTER_CONSTANTS,
            }
        )
        spoken = [(first, "native" if rng.random() < 0.85 else "fluent")]
        for extra_chance in (0.4, 0.1):
            if rng.random() < extra_chance:
                extra = "en" if rng.random() < 0.4 else _pick(rng, LANGUAGE_WEIGHTS)
                if extra not in dict(spoken) and extra != "km":
                    spoken.append((extra, rng.choice(["fluent", "conversational"])))
        for rank, (code, level) in enumerate(spoken):
            out["language"].append(
                {"supporter_id": sid, "language_code": code, "level": level, "rank": rank}
            )
        extra = rng.choices([0, 1, 2, 3], weights=[50, 25, 15, 10])[0]
        for code in [home, *rng.sample(japan.neighbours[home], extra)]:
            out["served"].append({"supporter_id": sid, "municipality_code": code})
        if rng.random() < 0.7:
            for weekday in rng.sample(range(7), rng.randint(1, 5)):
                lo, hi = rng.choice(SLOT_HOURS)
                out["slot"].append(
                    {
                        "supporter_id": sid,
                        "weekday": weekday,
                        "starts": clock_time(lo),
                        "ends": clock_time(hi),
                    }
                )
        if rng.random() < 0.15:
            for day in rng.sample(range(1, 32), rng.randint(1, 4)):
                out["away"].append({"supporter_id": sid, "day": date(2026, 12, day), "note": ""})
    return out


def _cumulative(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _weighted(rng: random.Random, codes: list[str], cum: list[float]) -> str:
    return rng.choices(codes, cum_weights=cum)[0]


def _resident_key(n: int) -> str:
    return hashlib.sha256(f"resident-{n}".encode()).hexdigest()


def history_rows(rng: random.Random, data: dict, consent_id: int) -> list[dict]:
    """Past and upcoming assignments of an active subset, so load and continuity have data."""
    certified = [s for s in data["supporter"] if s["status"] == "certified"]
    active = rng.sample(certified, min(ACTIVE_SUPPORTERS, len(certified)))
    languages = {}
    for row in data["language"]:
        languages.setdefault(row["supporter_id"], []).append(row["language_code"])
    rows = []
    for i in range(HISTORY_REQUESTS):
        s = rng.choice(active)
        start = HISTORY_START + timedelta(days=rng.randrange(92), hours=rng.randint(8, 16))
        end = start + timedelta(minutes=rng.choice([60, 90, 120, 180]))
        if start < BENCH_START:
            status = _pick(rng, {"completed": 60, "closed": 35, "cancelled": 5})
        else:
            status = "assigned"
        flags = (s["offers_in_person"], s["offers_phone"], s["offers_video"])
        modes = [m for m, on in zip(("in_person", "phone", "video"), flags, strict=True) if on]
        rows.append(
            _request_row(
                start,
                end,
                reference=f"H-{i:08d}",
                category=rng.choice(CATEGORIES),
                mode=rng.choice(modes),
                language_code=rng.choice(languages[s["id"]]),
                municipality_code=s["home_municipality_code"],
                status=status,
                resident_key=_resident_key(rng.randrange(RESIDENTS)),
                consent_id=consent_id,
                assigned_supporter_id=None if status == "cancelled" else s["id"],
            )  # fmt: skip
        )
    return rows


def _request_row(start: datetime, end: datetime, **fields) -> dict:
    minutes = int((end - start) / timedelta(minutes=1))
    return {
        **REQUEST_CONSTANTS, "starts_at": start, "ends_at": end, "duration_minutes": minutes,
        "sensitive": fields["category"] == "hospital", "assigned_supporter_id": None,
        "preferred_gender": None, **fields,
    }  # fmt: skip


def bench_request_rows(rng: random.Random, japan: Japan, n: int, consent_id: int) -> list[dict]:
    """Requests to match: common and rare languages, busy and rural places, all three modes,
    some unspecified language (Easy Japanese), some gender preferences, some impossible."""
    codes, cum = list(japan.weights), list(_cumulative(japan.weights.values()))
    rows = []
    for i in range(n):
        impossible = i % 17 == 0  # ~6%: Khmer in person far from the few Khmer speakers
        if impossible:
            language, mode, place = "km", "in_person", rng.choice(japan.far_codes)
        else:
            language = None if rng.random() < 0.04 else _pick(rng, LANGUAGE_WEIGHTS)
            mode = _pick(rng, {"in_person": 75, "phone": 15, "video": 10})
            place = rng.choice(codes) if rng.random() < 0.15 else _weighted(rng, codes, cum)
        day = BENCH_START.date() + timedelta(days=rng.randrange(21))
        start = _instant(day, rng.randint(9, 16), rng.choice([0, 30]))
        end = start + timedelta(minutes=rng.choice([60, 90, 120]))
        key = _resident_key(rng.randrange(RESIDENTS) if rng.random() < 0.3 else RESIDENTS + i)
        gender = rng.choice(["female", "male"]) if rng.random() < 0.1 else None
        rows.append(
            _request_row(
                start,
                end,
                reference=f"Q-{i:08d}",
                category=rng.choice(CATEGORIES),
                mode=mode,
                language_code=language,
                municipality_code=place,
                status="new",
                resident_key=key,
                consent_id=consent_id,
                preferred_gender=gender,
            )  # fmt: skip
        )
    return rows


def load(japan: Japan, rng: random.Random) -> dict[str, int]:
    """Insert everything with Core bulk inserts, in chunks; returns row counts."""
    data = supporter_rows(rng, japan, SUPPORTERS)
    _bulk(Municipality.__table__, japan.municipalities)
    _bulk(Language.__table__, [{k: row[k] for k in row} for row in load_languages()])
    # The token a reference import writes through the ORM (the bulk inserts bypass its hook):
    # without it every reference_data() call would reload 1,741 municipalities.
    db.session.execute(insert(ReferenceVersion.__table__).values(id=1, token="bench"))
    _bulk(Supporter.__table__, data["supporter"])
    _bulk(SupporterLanguage.__table__, data["language"])
    _bulk(supporter_served_municipality, data["served"])
    _bulk(WeeklySlot.__table__, data["slot"])
    _bulk(UnavailableDate.__table__, data["away"])
    consent_id = db.session.execute(
        insert(Consent.__table__)
        .values(
            notice_version="bench",
            language_shown="ja",
            channel="phone",
            given_at=datetime(2026, 9, 1, tzinfo=UTC),
        )
        .returning(Consent.__table__.c.id)
    ).scalar_one()
    history = history_rows(rng, data, consent_id)
    _bulk(HelpRequest.__table__, history)
    _bulk(HelpRequest.__table__, bench_request_rows(rng, japan, REQUESTS, consent_id))
    # Likewise the token the requests' hooks write (help_requests/experience.py): without it
    # nothing would be kept and every match would read the category's experience afresh.
    cache_tokens.renew(db.session.connection(), EXPERIENCE_KIND, cache_tokens.EVERY_PROGRAMME)
    db.session.commit()
    return {
        "municipalities": len(japan.municipalities),
        "supporters": len(data["supporter"]),
        "certified": sum(s["status"] == "certified" for s in data["supporter"]),
        "languages spoken": len(data["language"]),
        "served municipalities": len(data["served"]),
        "weekly slots": len(data["slot"]),
        "days away": len(data["away"]),
        "assigned or done requests": sum(r["assigned_supporter_id"] is not None for r in history),
    }


def _bulk(table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i : i + CHUNK])


def analyze() -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or ``PRAGMA optimize`` (SQLite) keep."""
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def exact_codes_within(origin: str, radius_km: float) -> list[str]:
    """Municipalities whose centroid is within ``radius_km`` (geodesic), as the engine tests."""
    points = candidates.centroids()
    return [
        code
        for code in candidates.codes_within(origin, radius_km)
        if geodesic(points[origin], points[code]).km <= radius_km
    ]


def bare_statement(request: HelpRequest, near: list[str]):
    """One SELECT with every hard filter in SQL: the ids ``match_request`` ranks."""
    s = Supporter.__table__.c
    start, end = request.starts_at, request.ends_at
    local_start, local_end = start.astimezone(JST), end.astimezone(JST)
    month_start, month_end = candidates._month_bounds(local_start.date())
    committed = and_(
        HelpRequest.assigned_supporter_id == s.id,
        HelpRequest.status.in_(candidates.COMMITTED),
        HelpRequest.id != request.id,
    )
    conditions = [s.status == "certified", candidates.MODE_COLUMN[request.mode.value].is_(True)]
    if request.language_code:
        code = SupporterLanguage.language_code
        conditions.append(
            exists().where(
                SupporterLanguage.supporter_id == s.id,
                or_(code == request.language_code, code.like(request.language_code + "-%")),
            )
        )
    if request.preferred_gender:
        conditions.append(s.gender == request.preferred_gender)
    if request.mode.value == "in_person":
        served = supporter_served_municipality.c
        conditions.append(
            or_(
                s.home_municipality_code.in_(near),
                exists().where(
                    served.supporter_id == s.id,
                    served.municipality_code == request.municipality_code,
                ),
            )
        )
    slot = WeeklySlot.__table__.c
    conditions += [
        not_(
            exists().where(
                UnavailableDate.supporter_id == s.id, UnavailableDate.day == local_start.date()
            )
        ),
        or_(
            exists().where(
                slot.supporter_id == s.id,
                slot.weekday == local_start.weekday(),
                slot.starts <= local_start.time(),
                slot.ends >= local_end.time(),
            ),
            not_(exists().where(slot.supporter_id == s.id)),
        ),
        not_(exists().where(committed, HelpRequest.starts_at < end, HelpRequest.ends_at > start)),
        select(func.count())
        .where(committed, HelpRequest.starts_at >= month_start, HelpRequest.starts_at < month_end)
        .scalar_subquery()
        < s.monthly_case_cap,
    ]
    return select(s.id).where(*conditions)


@dataclass
class Sample:
    """One request's figures."""

    kind: str
    pool: int
    ranked: int
    match_ms: float
    bare_ms: float
    same_ids: bool
    same_top: bool = True
    exhaustive_ms: float = 0.0
    cpu_ms: float = 0.0  # process time per match_request call (less sensitive to shared cores)


def measure(requests: list[HelpRequest]) -> list[Sample]:
    """Time ``match_request`` and the bare query for each request (median of REPEAT calls)."""
    from supporters.programme.settings import current as programme_settings

    radius = programme_settings().travel_radius_km
    samples = []
    for request in requests:
        need = candidates.need_for(request)
        pool_filter = and_(True, *(c for _, c in candidates._sql_filters(need, radius)))
        bare = bare_statement(request, exact_codes_within(request.municipality_code, radius))
        last = {}

        def match(r=request, last=last):
            # As in a web request: its own context (the reference data's token read once, kept
            # in g; a signed-in page gets it with the sign-in check), an empty identity map.
            with current_app.test_request_context():
                last["result"] = candidates.match_request(r)
            db.session.expunge_all()

        def bare_ids(stmt=bare, last=last):
            last["ids"] = set(db.session.scalars(stmt))

        cpu = time.process_time()
        match_ms = median_ms(match, REPEAT)
        cpu_ms = (time.process_time() - cpu) * 1000 / REPEAT
        bare_ms = median_ms(bare_ids, REPEAT)
        fast = last["result"]
        started = time.perf_counter()
        result = candidates.match_exhaustive(request)
        exhaustive_ms = (time.perf_counter() - started) * 1000
        same_top = shown(fast.ranked) == shown(result.ranked[:TOP])
        if not result.ranked:
            same_top = same_top and (
                fast.counts_after_each_filter,
                fast.emptied_by,
                fast.fallbacks,
            ) == (result.counts_after_each_filter, result.emptied_by, result.fallbacks)
        db.session.expunge_all()
        ranked = {r.candidate.supporter_id for r in result.ranked}
        pool = db.session.scalar(select(func.count()).select_from(Supporter).where(pool_filter))
        if not result.ranked:
            kind = "nobody qualifies (counts + fallbacks)"
        elif request.mode.value == "in_person":
            kind = "in person"
        else:
            kind = "phone or video (national pool)"
        samples.append(
            Sample(
                kind,
                pool,
                len(ranked),
                match_ms,
                bare_ms,
                ranked == last["ids"],
                same_top,
                exhaustive_ms,
                cpu_ms,
            )
        )
    db.session.rollback()
    return samples


def shown(ranked) -> list[tuple]:
    """What the coordinator sees of each ranked candidate, and the tie-breaker."""
    return [
        (r.candidate.supporter_id, r.score, r.parts, r.reasons, r.km, r.candidate.cases_this_month)
        for r in ranked
    ]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def summarise(samples: list[Sample]) -> list[tuple]:
    """Rows (what, n, match median, match p95, bare median, bare p95, exhaustive median,
    exhaustive p95, pool median, pool max, ranked median, ranked max)."""
    groups = {"all requests": samples}
    for kind in (
        "in person",
        "phone or video (national pool)",
        "nobody qualifies (counts + fallbacks)",
    ):
        groups[kind] = [s for s in samples if s.kind == kind]
    rows = []
    for name, group in groups.items():
        if len(group) < 2:
            continue
        match = [s.match_ms for s in group]
        bare = [s.bare_ms for s in group]
        exhaustive = [s.exhaustive_ms for s in group]
        pools = [s.pool for s in group]
        ranked = [s.ranked for s in group]
        rows.append(
            (
                name,
                len(group),
                statistics.median(match),
                p95(match),
                statistics.median(bare),
                p95(bare),
                statistics.median(exhaustive),
                p95(exhaustive),
                statistics.median(pools),
                max(pools),
                statistics.median(ranked),
                max(ranked),
            )
        )
    return rows


def run_backend(url: str) -> dict:
    """Build the data set on ``url`` and measure the requests against it."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "TESTING": True,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        rng = random.Random(SEED)
        started = time.perf_counter()
        japan = build_japan(rng)
        counts = load(japan, rng)
        analyze()
        load_s = time.perf_counter() - started
        backend = db.engine.dialect.name
        if backend == "postgresql":
            version = db.session.scalar(text("SHOW server_version")).split()[0]
            if db.session.scalar(text("SHOW fsync")) == "off":
                version += " (fsync off)"
        else:
            version = db.session.scalar(text("SELECT sqlite_version()"))
        print(f"{backend} {version}: loaded in {load_s:.0f} s: {counts}", flush=True)
        requests = list(
            db.session.scalars(
                select(HelpRequest)
                .where(HelpRequest.reference.like("Q-%"))
                .order_by(HelpRequest.id)
            )
        )
        db.session.expunge_all()
        candidates.centroids()  # the app caches them once; not part of a match
        # The certified supporters' lasting facts (help_requests/pool_facts.py) are kept per
        # process too, read again after any profile change: time that read on its own.
        pool_facts.forget()
        started = time.perf_counter()
        with current_app.test_request_context():
            token = pool_facts.tokens()[1]
            assert token is not None, "the supporters' bulk load should have written a token"
            pool_facts.current(token)
        pool_read_ms = (time.perf_counter() - started) * 1000
        print(f"  pool facts read in {pool_read_ms:.0f} ms (once per process and change)")
        runs = {}
        for label in ("as declared",):
            started = time.perf_counter()
            samples = measure(requests)
            runs[label] = samples
            print(f"  {label}: measured in {time.perf_counter() - started:.0f} s", flush=True)
            print(markdown_table({label: samples}), flush=True)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return {
        "backend": f"{_backend_name(backend)} {version}",
        "load_s": load_s,
        "pool_read_ms": pool_read_ms,
        "counts": counts,
        "runs": runs,
    }


def _backend_name(dialect: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(dialect, dialect)


def markdown_table(runs: dict[str, list[Sample]], backend: str = "") -> str:
    lines = [
        f"| backend | requests | n | match_request (top {TOP}) median | p95 "
        "| bare query median | p95 | p95 ratio | exhaustive median | p95 "
        "| SQL pool median (max) | qualifying median (max) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for samples in runs.values():
        for row in summarise(samples):
            name, n, m50, m95, b50, b95, e50, e95, pool50, pool_max, r50, r_max = row
            lines.append(
                f"| {backend} | {name} | {n} | {m50:.1f} ms | {m95:.1f} ms "
                f"| {b50:.1f} ms | {b95:.1f} ms | {m95 / b95:.2f}× | {e50:.1f} ms | {e95:.1f} ms "
                f"| {pool50:,.0f} ({pool_max:,}) | {r50:,.0f} ({r_max:,}) |"
            )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    meminfo = Path("/proc/meminfo")
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = ""
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s*(\d+)", meminfo.read_text()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    load = f", load average {os.getloadavg()[0]:.1f} at the start"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}{load}"


def section(results: list[dict], skipped: str | None, host: str) -> str:
    """The docs section: how, the figures, and what they mean."""
    today = datetime.now(JST).date().isoformat()
    out = [
        SECTION,
        "",
        f"`bench/matching_scale.py` — {today}, {host}. Reproduce with "
        "`.venv/bin/python bench/matching_scale.py` (add "
        "`BENCH_DATABASE_URL=postgresql://…` for PostgreSQL).",
        "",
        "A synthetic Japan on a fresh schema: 1,741 municipalities scattered around the 47 "
        "prefecture centres (as many per prefecture as the real ones), the 21 languages, "
        f"{SUPPORTERS:,} supporters living where foreign residents live (Vietnamese, Chinese, "
        "Tagalog and Portuguese common, Khmer rare and only in four prefectures), 1–3 languages, "
        "home plus 0–3 neighbouring municipalities served, weekly slots for ~70 %, days away for "
        f"~15 %, and {HISTORY_REQUESTS:,} past and upcoming assignments concentrated on "
        f"{ACTIVE_SUPPORTERS:,} active supporters. {REQUESTS} requests are matched: common and "
        "rare languages, busy and rural places, 75 % in person, 25 % phone or video, 4 % without "
        "a language, 10 % with a gender preference, 6 % Khmer in person far from any Khmer "
        "speaker. Each figure per request is the median of 3 calls; the table gives the median "
        "and p95 of those over the requests. `match_request` starts every call with an empty "
        "identity map; the centroid cache is warm, as in a running app. The bare query is one "
        "SELECT with every hard filter in SQL (status, language, mode, gender, served or home "
        "within the exact travel radius, day away, weekly slot, overlapping assignment, monthly "
        "load) and returns the same ids as the ranking; the radius' municipality list is "
        "computed beforehand.",
        "",
    ]
    for result in results:
        out.append(
            f"{result['backend']}: data set loaded in {result['load_s']:.0f} s — "
            + ", ".join(f"{v:,} {k}" for k, v in result["counts"].items())
            + "."
        )
        out.append("")
        out.append(markdown_table(result["runs"], result["backend"]))
        samples = [s for run in result["runs"].values() for s in run]
        mismatches = sum(not s.same_ids for s in samples)
        top = sum(not s.same_top for s in samples)
        out += [
            "",
            f"Bare query and the exhaustive ranking disagreed on {mismatches} request(s); "
            f"the top {TOP} and the exhaustive ranking's first {TOP} on {top} of {len(samples)}.",
            "",
        ]
        out += [f"- {line}" for line in cost_per_pool(result["runs"])] + [""]
    if skipped:
        out += [skipped, ""]
    out += ["The indexes matching leans on (models, migration 0004):", ""]
    for name, (target, why) in MATCHING_INDEXES.items():
        out.append(f"- `{name}` on `{target}`: {why}.")
    out.append("")
    return "\n".join(out)


def cost_per_pool(runs: dict[str, list[Sample]]) -> list[str]:
    """How ``match_request`` grows with the SQL pool: a least-squares line, and where it
    crosses the goal."""
    lines = []
    for label, samples in runs.items():
        pools = [s.pool for s in samples]
        slope, intercept = statistics.linear_regression(pools, [s.match_ms for s in samples])
        if slope <= 0:
            lines.append(f"{label}: no growth with the pool size at this scale.")
            continue
        limit = (GOAL_MS - intercept) / slope
        over = sum(pool > limit for pool in pools) / len(pools)
        lines.append(
            f"{label}: ≈ {intercept:.0f} ms + {slope * 1000:.0f} ms per 1,000 supporters in the "
            f"SQL pool; {GOAL_MS:.0f} ms is reached at a pool of ≈ {max(limit, 0):,.0f}, which "
            f"{over:.0%} of the requests exceed."
        )
    return lines


def write_section(body: str) -> None:
    """Replace this bench's section in docs/benchmarks.md (or append it), keeping the rest."""
    doc = DOC.read_text()
    start = doc.find(SECTION)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + body
    else:
        following = doc.find("\n## ", start + len(SECTION))
        rest = doc[following + 1 :] if following != -1 else ""
        doc = doc[:start] + body + ("\n" + rest if rest else "")
    DOC.write_text(doc.rstrip("\n") + "\n")


def main() -> None:
    host = machine()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run_backend(f"sqlite:///{tmp}/bench_scale.db"))
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    skipped = None
    if url and database_url(url).startswith("postgresql"):
        results.append(run_backend(database_url(url)))
    else:
        skipped = "PostgreSQL: skipped (set BENCH_DATABASE_URL to a PostgreSQL URL)."
        print(skipped)
    for r in results:
        samples = r["runs"]["as declared"]
        m95, b95 = p95([s.match_ms for s in samples]), p95([s.bare_ms for s in samples])
        differ = sum(not (s.same_top and s.same_ids) for s in samples)
        cpu = [s.cpu_ms for s in samples]
        print(
            f"{r['backend']}: p95 {m95:.1f} ms (goal {GOAL_MS:.0f} ms), bare p95 {b95:.1f} ms, "
            f"ratio {m95 / b95:.2f} (goal ≤ {GOAL_RATIO:.0f}); {differ} request(s) differ; "
            f"CPU time per match_request median {statistics.median(cpu):.1f} ms, "
            f"p95 {p95(cpu):.1f} ms; pool facts read in {r['pool_read_ms']:.0f} ms; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    body = section(results, skipped, host)
    if "--write-docs" in sys.argv:
        write_section(body)
        print(f"wrote the section to {DOC.relative_to(ROOT)}")
    else:
        print(body)


if __name__ == "__main__":
    main()
