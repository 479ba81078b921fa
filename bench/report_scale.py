"""The monthly report at national scale: 1,000,000 activities, SQLite and PostgreSQL.

Run with ``.venv/bin/python bench/report_scale.py`` (PostgreSQL too when BENCH_DATABASE_URL is
set). It builds a synthetic national log on a fresh schema (``db.create_all``, the models' own
indexes) with bulk inserts: 1,741 municipalities, 5,000 certified supporters, 1,000,000
activities over the twelve months of fiscal year 2025, requests in proportion (one for every
five cases) with their lifecycle events, and a year of stipend lines. It then times
``build_report`` for one month (JSON, median of 3) and the PDF of that month (median of 2),
on the schema as the models declare it (with the report's indexes of migration 0007).
Then it closes the twelve months through ``stipends.close.close_month`` (which writes their case
rollups), checks that the year's report equals the live count, and times the fiscal year from
rollups (issue #17), with the time of the first report in the process and the year's parts
(cases, request counts, medians, coverage gaps). Prints Markdown tables and rewrites the
section "Monthly report at national scale" of docs/benchmarks.md (which would drop the dated
subsections written by hand under it). Knobs: BENCH_ACTIVITIES, BENCH_SEED,
BENCH_YEAR_ONLY=1 (only the year, live and from rollups; prints, leaves the docs alone).
"""

import bisect
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from timing import median_ms  # noqa: E402  (bench/timing.py, beside this script)

from supporters import create_app  # noqa: E402
from supporters.config import database_url  # noqa: E402
from supporters.demo.seed import seed_reference_data  # noqa: E402
from supporters.extensions import db  # noqa: E402
from supporters.models import (  # noqa: E402
    Activity,
    Consent,
    HelpRequest,
    Municipality,
    RequestEvent,
    StipendLine,
    Supporter,
    SupporterStatusChange,
)
from supporters.reports import first_moves, monthly  # noqa: E402
from supporters.reports.monthly import build_report  # noqa: E402
from supporters.reports.render import render  # noqa: E402
from supporters.reports.suppression import suppressed, suppressed_report  # noqa: E402
from supporters.stipends.close import close_month  # noqa: E402
from supporters.stipends.months import months_between  # noqa: E402
from supporters.stipends.rules import next_month  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Monthly report at national scale"
ACTIVITIES = int(os.environ.get("BENCH_ACTIVITIES", "1000000"))
SEED = int(os.environ.get("BENCH_SEED", "2025"))
# BENCH_YEAR_ONLY=1: only the fiscal year, live and from rollups; docs/benchmarks.md untouched.
YEAR_ONLY = os.environ.get("BENCH_YEAR_ONLY") == "1"
LAST_MONTH = date(2026, 3, 1)
MUNICIPALITIES = 1741
SUPPORTERS = 5000
CHUNK = 10000
MONTH = date(2025, 10, 1)
FIRST_DAY = date(2025, 4, 1)
DAYS = 365
CATEGORY_WEIGHTS = {  # the programme's own mix (April–December 2025)
    "government_office": 401,
    "hospital": 268,
    "information": 794,
    "childcare": 73,
    "labor": 69,
    "daily_life": 201,
}
LANGUAGES = ["vi", "zh", "tl", "pt", "id", "ne", "th", "ko", "en", "my", "es", None]
MODES = ["in_person", "phone", "video"]
REQUEST_CATEGORIES = ["government_office", "hospital", "childcare", "labor", "daily_life"]
# The indexes the report leans on (declared in the models, migration 0007), listed in the docs.
INDEXES = [
    "activity (happened_on, category, mode, people_reached)",
    "activity (happened_on, municipality_code, category)",
    "activity (happened_on, language_code)",
    "request_event (to_status, at, request_id)",
    "help_request (created_at)",
]


def _bulk(table, rows) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i : i + CHUNK])


def _weighted(rng: random.Random, cum: list[tuple[float, str]]) -> str:
    index = bisect.bisect_left(cum, (rng.random(), ""))
    return cum[min(index, len(cum) - 1)][1]


def load(rng: random.Random) -> dict[str, int]:
    """The national log, with Core bulk inserts in chunks; returns row counts."""
    seed_reference_data()
    existing = {code for (code,) in db.session.execute(text("SELECT code FROM municipality"))}
    extra = []
    n = 0
    while len(existing) + len(extra) < MUNICIPALITIES:
        n += 1
        code = f"{10 + n // 100:02d}{n % 100:03d}"
        if code in existing:
            continue
        extra.append(
            {
                "code": code,
                "prefecture_code": code[:2],
                "name_ja": f"市{code}",
                "name_en": f"City {code}",
                "kana": "し",
                "kind": "city",
                "latitude": 31 + rng.random() * 12,
                "longitude": 130 + rng.random() * 12,
            }
        )
    _bulk(Municipality.__table__, extra)
    codes = sorted(existing | {row["code"] for row in extra})
    # Larger places log more: a Zipf-like weight by rank.
    weights = [1 / (rank + 1) for rank in range(len(codes))]
    total = sum(weights)
    cum_codes, acc = [], 0.0
    for code, weight in zip(codes, weights, strict=True):
        acc += weight / total
        cum_codes.append((acc, code))
    cat_total = sum(CATEGORY_WEIGHTS.values())
    cum_cats, acc = [], 0.0
    for category, weight in CATEGORY_WEIGHTS.items():
        acc += weight / cat_total
        cum_cats.append((acc, category))

    certified_on = date(2024, 1, 15)
    supporters = [
        {
            "display_name": f"Supporter {i}",
            "email": f"s{i}@example.jp",
            "phone": "090-0000-0000",
            "home_municipality_code": _weighted(rng, cum_codes),
            "japanese_level": "N2",
            "status": "certified",
            "certified_on": certified_on,
            "certificate_number": f"B-{i:05d}",
        }
        for i in range(SUPPORTERS)
    ]
    _bulk(Supporter.__table__, supporters)
    ids = [sid for (sid,) in db.session.execute(text("SELECT id FROM supporter ORDER BY id"))]
    _bulk(
        SupporterStatusChange.__table__,
        [
            {"supporter_id": sid, "to_status": "certified", "effective_on": certified_on}
            for sid in ids
        ],
    )
    activities = []
    for i in range(ACTIVITIES):
        category = _weighted(rng, cum_cats)
        activities.append(
            {
                "supporter_id": ids[i % len(ids)],
                "happened_on": FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                "duration_minutes": 60,
                "category": category,
                "mode": MODES[rng.randrange(3)],
                "municipality_code": _weighted(rng, cum_codes),
                "language_code": LANGUAGES[rng.randrange(len(LANGUAGES))],
                "people_reached": rng.randint(5, 200) if category == "information" else None,
                "client_token": f"t{i}",
                "notes": "",
                "follow_up_needed": False,
            }
        )
        if len(activities) == CHUNK * 5:
            _bulk(Activity.__table__, activities)
            activities = []
    _bulk(Activity.__table__, activities)

    consent_id = db.session.execute(
        insert(Consent.__table__).values(
            notice_version="2026-04", language_shown="ja", channel="phone"
        )
    ).inserted_primary_key[0]
    requests, n_requests = [], ACTIVITIES // 5
    start = datetime(2025, 4, 1, tzinfo=UTC)
    for i in range(n_requests):
        created = start + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        roll = rng.random()
        status = (
            "assigned"
            if roll < 0.8
            else "unfilled"
            if roll < 0.9
            else "referred"
            if roll < 0.95
            else "new"
        )
        requests.append(
            {
                "reference": f"R{i:08d}",
                "category": REQUEST_CATEGORIES[rng.randrange(len(REQUEST_CATEGORIES))],
                "mode": "in_person",
                "language_code": LANGUAGES[rng.randrange(len(LANGUAGES))],
                "municipality_code": _weighted(rng, cum_codes),
                "starts_at": created + timedelta(days=5),
                "ends_at": created + timedelta(days=5, hours=2),
                "duration_minutes": 120,
                "requester_name": "x",
                "requester_contact": "x",
                "source": "resident",
                "resident_key": f"k{i}",
                "status": status,
                "consent_id": consent_id,
                "created_at": created,
                "updated_at": created,
                "urgency": "normal",
                "sensitive": False,
                "place_name": "",
                "place_address": "",
                "residence_status": "",
                "need": "",
                "referred_to": "",
            }
        )
    _bulk(HelpRequest.__table__, requests)
    first_id = db.session.execute(text("SELECT min(id) FROM help_request")).scalar()
    events = []
    for i, row in enumerate(requests):
        created = row["created_at"]
        events.append(
            {
                "request_id": first_id + i,
                "from_status": None,
                "to_status": "new",
                "at": created,
                "note": "",
            }
        )
        if row["status"] != "new":
            hours = rng.expovariate(1 / 20)
            events.append(
                {
                    "request_id": first_id + i,
                    "from_status": "offered",
                    "to_status": row["status"],
                    "at": created + timedelta(hours=hours),
                    "note": "",
                }
            )
    _bulk(RequestEvent.__table__, events)
    first_moves.refresh(db.session.connection())  # a Core insert: the columns kept by hand
    lines = []
    month = FIRST_DAY
    while month < FIRST_DAY + timedelta(days=DAYS):
        lines += [
            {
                "supporter_id": sid,
                "month": month,
                "kind": "regular",
                "amount_yen": 2000,
                "reason": "",
            }
            for sid in ids
        ]
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    _bulk(StipendLine.__table__, lines)
    db.session.commit()
    return {
        "municipalities": len(codes),
        "supporters": len(ids),
        "activities": ACTIVITIES,
        "requests": n_requests,
        "request_events": len(events),
        "stipend_lines": len(lines),
    }


def analyze() -> None:
    """Statistics for the planner; on PostgreSQL also ``VACUUM``, as autovacuum does within a
    minute or so of a bulk write. Without it the figures depended on whether autovacuum had
    reached ``help_request`` yet: ``first_moves.refresh`` rewrites all 200,000 requests, and
    until a vacuum sets the visibility map every index range count visits the heap (the
    year's request counts 0.6–1.1 s instead of 40 ms; #17, 2026-11-29)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        return
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def measure() -> dict[str, float]:
    """Median times of the month's report as JSON (exact and suppressed) and as PDF."""
    figures = {}
    build_report(MONTH, MONTH)  # warm the caches once, as a running server has them
    figures["json_ms"] = median_ms(lambda: json.dumps(build_report(MONTH, MONTH)), 3)
    figures["json_suppressed_ms"] = median_ms(
        lambda: json.dumps(suppressed(build_report(MONTH, MONTH), 3)), 3
    )
    figures["pdf_ms"] = median_ms(
        lambda: render(suppressed(build_report(MONTH, MONTH), 3), "pdf"), 2
    )
    figures["year_json_ms"] = median_ms(
        lambda: json.dumps(build_report(FIRST_DAY, date(2026, 3, 1))), 1
    )
    report = build_report(MONTH, MONTH)
    figures["month_cases"] = report["cases"]["total"]
    figures["municipality_rows"] = len(report["cases"]["by_municipality"])
    return figures


def _parts(first: date, last: date) -> dict[str, float]:
    """Where a report's time goes: cases, request counts, medians (one run each)."""
    months = months_between(first, last)
    days = [*months, next_month(months[-1])]
    times = [monthly.utc_start_of(day) for day in days]

    def blocks() -> list[dict]:
        return [
            {"cases": monthly._empty_cases(), "requests": monthly._empty_requests()}
            for _month in months
        ]

    parts = {}
    parts["cases_ms"] = median_ms(lambda: monthly._fill_cases(blocks(), days, None), 1)
    parts["requests_ms"] = median_ms(lambda: monthly._fill_requests(blocks(), times, None), 1)
    parts["medians_ms"] = median_ms(lambda: monthly.times_to_assignment(times, None), 1)
    names, as_of = monthly._names("ja"), monthly.residents_as_of(days[-1] - timedelta(days=1))
    parts["gaps_ms"] = median_ms(lambda: monthly.coverage_gaps(first, last, as_of, None, names), 1)
    return parts


def _check_first_moves() -> None:
    """Every request's ``first_*_at`` equals its earliest event into that status (#17)."""
    from sqlalchemy import func, select

    expected = {}
    rows = db.session.execute(
        select(RequestEvent.request_id, RequestEvent.to_status, func.min(RequestEvent.at))
        .where(RequestEvent.to_status.in_(list(first_moves.COLUMNS)))
        .group_by(RequestEvent.request_id, RequestEvent.to_status)
    )
    for request_id, status, at in rows:
        expected[(request_id, first_moves.COLUMNS[status])] = at
    names = list(first_moves.COLUMNS.values())
    columns = [getattr(HelpRequest, name) for name in names]
    for request_id, *values in db.session.execute(select(HelpRequest.id, *columns)):
        for name, value in zip(names, values, strict=True):
            if expected.get((request_id, name)) != value:
                raise SystemExit(f"request {request_id}: {name} is not its first such event")


def measure_rollups() -> dict[str, float]:
    """Close the twelve months (writing their rollups), check the year's report equals the live
    one, and time the year (and one month) from rollups."""
    figures = {}
    load_before = os.getloadavg()
    live = build_report(FIRST_DAY, LAST_MONTH, live=True)
    figures["year_live_ms"] = median_ms(
        lambda: json.dumps(build_report(FIRST_DAY, LAST_MONTH, live=True)), 1
    )
    figures["live_parts"] = _parts(FIRST_DAY, LAST_MONTH)
    started = time.perf_counter()
    for month in months_between(FIRST_DAY, LAST_MONTH):
        close_month(month, None)
        db.session.commit()
    figures["close_ms"] = (time.perf_counter() - started) * 1000 / 12
    analyze()
    fast = build_report(FIRST_DAY, LAST_MONTH)
    live["generated_on"] = fast["generated_on"]
    if fast != live:
        raise SystemExit("the year from rollups differs from the live count")
    scope = frozenset(row["code"] for row in live["cases"]["by_municipality"][:3])
    if build_report(FIRST_DAY, LAST_MONTH, scope) != build_report(
        FIRST_DAY, LAST_MONTH, scope, live=True
    ):
        raise SystemExit("a scoped year from rollups differs from the live count")
    figures["year_rollups_ms"] = median_ms(
        lambda: json.dumps(build_report(FIRST_DAY, LAST_MONTH)), 3
    )
    if suppressed_report(FIRST_DAY, LAST_MONTH, 3) != suppressed(fast, 3):
        raise SystemExit("the suppressed year differs when its matrix is built once")
    _check_first_moves()
    figures["year_rollups_suppressed_ms"] = median_ms(
        lambda: json.dumps(suppressed_report(FIRST_DAY, LAST_MONTH, 3)), 3
    )
    figures["year_scoped_ms"] = median_ms(
        lambda: json.dumps(build_report(FIRST_DAY, LAST_MONTH, scope)), 3
    )
    figures["month_rollups_ms"] = median_ms(lambda: json.dumps(build_report(MONTH, MONTH)), 3)
    figures["rollup_parts"] = _parts(FIRST_DAY, LAST_MONTH)
    figures["load_average"] = os.getloadavg()
    figures["load_average_before"] = load_before
    return figures


def run_backend(url: str) -> dict:
    """Load, then measure on the declared schema."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        counts = load(random.Random(SEED))
        load_s = time.perf_counter() - started
        analyze()
        backend = "SQLite" if db.engine.dialect.name == "sqlite" else "PostgreSQL"
        if backend == "PostgreSQL":
            backend += " " + db.session.execute(text("SHOW server_version")).scalar().split()[0]
        print(f"{backend}: loaded {counts} in {load_s:.0f} s", flush=True)
        started = time.perf_counter()
        build_report(MONTH, MONTH)  # warm the caches once, as a running server has them
        first_ms = (time.perf_counter() - started) * 1000
        print(f"{backend}: first report in the process {first_ms:.0f} ms", flush=True)
        plain = {} if YEAR_ONLY else measure()
        print(f"{backend}: {plain}", flush=True)
        rolled = measure_rollups()
        print(f"{backend}: rollups {rolled}", flush=True)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return {
        "backend": backend,
        "counts": counts,
        "load_s": load_s,
        "plain": plain,
        "rollups": rolled,
        "first_report_ms": first_ms,
    }


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def section(results: list[dict], skipped: str | None) -> str:
    counts = results[0]["counts"]
    lines = [
        SECTION,
        "",
        f"`bench/report_scale.py` (`make bench-report`) — {date.today().isoformat()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. A synthetic national log: "
        f"{counts['municipalities']:,} municipalities, {counts['supporters']:,} certified "
        f"supporters, {counts['activities']:,} activities over fiscal year 2025, "
        f"{counts['requests']:,} requests with {counts['request_events']:,} lifecycle events, "
        f"{counts['stipend_lines']:,} stipend lines. The report is for {MONTH:%Y-%m} "
        f"(≈{results[0]['plain']['month_cases']:,.0f} cases in "
        f"{results[0]['plain']['municipality_rows']:,.0f} municipalities). Goals: JSON < 1 s, "
        "PDF < 10 s.",
        "",
        "| backend | month, JSON (exact) | month, JSON (suppressed) | month, PDF | "
        "whole year, JSON |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for figures in (result["plain"],):
            lines.append(
                f"| {result['backend']} | {_ms(figures['json_ms'])} | "
                f"{_ms(figures['json_suppressed_ms'])} | {_ms(figures['pdf_ms'])} | "
                f"{_ms(figures['year_json_ms'])} |"
            )
    if skipped:
        lines += ["", skipped]
    lines += [
        "",
        "The indexes the report leans on (models, migration 0007; without them one month's JSON "
        "took 3.2 s on SQLite and 0.93 s on PostgreSQL in the first run of this script):",
        "",
        *[f"- `{index}`" for index in INDEXES],
        "",
        "Each figure of the report is one GROUP BY over the month's rows (cases by category and "
        "mode, by municipality × category, by language; requests by the month of their first "
        "move to assigned/unfilled/referred), plus the median time to assignment read with "
        "ORDER BY … LIMIT/OFFSET, certified supporters from the status history with a window "
        "function, and stipends. The PDF time includes building the report, the SVG charts and "
        "WeasyPrint's layout (the printed table keeps the 80 municipalities with most cases).",
    ]
    return "\n".join(lines) + "\n"


def rollup_section(results: list[dict]) -> str:
    """The subsection on a fiscal year read from the closed months' rollups."""
    lines = [
        f"### A fiscal year from rollups ({date.today().isoformat()})",
        "",
        "The twelve months of fiscal year 2025 closed through `stipends.close.close_month`, "
        "which writes each month's case rollups (`reports/rollups.py`); the script checks that "
        "the year's report (whole programme, and three municipalities) equals the live count "
        "before timing it. Load average (1, 5, 15 min) at the end of each backend's run: the "
        "machine is shared with other benchmarks, so these are upper bounds.",
        "",
        "| backend | year, live | year, rollups | year, rollups, suppressed | "
        "year, 3 municipalities | month, rollups | close (per month) | load average |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        r = result["rollups"]
        load = ", ".join(f"{x:.1f}" for x in r["load_average"])
        lines.append(
            f"| {result['backend']} | {_ms(r['year_live_ms'])} | {_ms(r['year_rollups_ms'])} | "
            f"{_ms(r['year_rollups_suppressed_ms'])} | {_ms(r['year_scoped_ms'])} | "
            f"{_ms(r['month_rollups_ms'])} | {_ms(r['close_ms'])} | {load} |"
        )
    lines += ["", "Where the year's time goes (one run each, live → rollups):", ""]
    for result in results:
        live, fast = result["rollups"]["live_parts"], result["rollups"]["rollup_parts"]
        lines.append(
            f"- {result['backend']}: cases {_ms(live['cases_ms'])} → {_ms(fast['cases_ms'])}; "
            f"request counts {_ms(fast['requests_ms'])}; medians of time to assignment (one "
            f"query for the twelve months and the year) {_ms(fast['medians_ms'])}; "
            f"coverage gaps {_ms(fast.get('gaps_ms', 0))}."
        )
    return "\n".join(lines) + "\n"


def write_section(body: str) -> None:
    """Replace (or append) this script's section of docs/benchmarks.md, keeping the others."""
    doc = DOC.read_text()
    start = doc.find(SECTION)
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + body
    else:
        following = doc.find("\n## ", start + len(SECTION))
        end = len(doc) if following == -1 else following + 1
        doc = doc[:start] + body + ("\n" + doc[end:] if following != -1 else "")
    DOC.write_text(doc.rstrip("\n") + "\n")


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run_backend(f"sqlite:///{Path(tmp) / 'report_bench.db'}"))
    skipped = None
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        results.append(run_backend(database_url(url)))
    else:
        skipped = "PostgreSQL not measured: BENCH_DATABASE_URL was not set."
    print(json.dumps(results, indent=1, default=str))
    print(rollup_section(results))
    if YEAR_ONLY:
        return
    body = section(results, skipped) + "\n" + rollup_section(results)
    print(body)
    write_section(body)
    print(f"wrote the section to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
