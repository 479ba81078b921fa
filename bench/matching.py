"""Benchmark of the pure matching engine on synthetic rosters of several sizes.

Run with ``.venv/bin/python bench/matching.py`` (or ``make bench``). Candidates are built from the
demo generator over Ibaraki's 44 municipalities, all available all week, so the hard filters keep a
realistic share; the median of repeated ``rank`` calls is printed. Figures: docs/benchmarks.md.
"""

import sys
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_ms  # noqa: E402  (bench/timing.py, beside this script)

from supporters.demo.people import load_municipalities, sample_supporters  # noqa: E402
from supporters.matching import Candidate, Need, rank  # noqa: E402

JST = ZoneInfo("Asia/Tokyo")
ALL_WEEK = tuple((day, clock_time(8, 0), clock_time(20, 0)) for day in range(7))


def roster(n: int) -> list[Candidate]:
    """``n`` candidates from the demo generator (languages, places, modes, status)."""
    people = sample_supporters(count=n, seed=11)
    return [
        Candidate(
            supporter_id=i,
            name=p["display_name"],
            status=p["status"],
            languages=dict(p["languages"]),
            japanese_level=p["japanese_level"],
            modes=frozenset(p["modes"]),
            home_municipality=p["home_municipality"],
            served_municipalities=frozenset(p["served_municipalities"]),
            gender=p["gender"],
            monthly_case_cap=p["monthly_case_cap"],
            cases_this_month=i % 3,
            weekly_slots=ALL_WEEK,
        )
        for i, p in enumerate(people)
    ]


def main() -> None:
    centroids = {m["code"]: (m["latitude"], m["longitude"]) for m in load_municipalities()}
    start = datetime(2026, 12, 2, 10, 0, tzinfo=JST)
    hospital_in_koga = Need(
        category="hospital", mode="in_person", language="vi", municipality="08204",
        starts_at=start, ends_at=start + timedelta(hours=2),
    )  # fmt: skip
    khmer_in_daigo = Need(
        category="daily_life", mode="in_person", language="km", municipality="08364",
        starts_at=start, ends_at=start + timedelta(hours=2),
    )  # fmt: skip
    for n in (150, 1000, 5000):
        candidates = roster(n)
        found = median_ms(lambda c=candidates: rank(hospital_in_koga, c, centroids), 15)
        empty = median_ms(lambda c=candidates: rank(khmer_in_daigo, c, centroids), 15)
        ranked = len(rank(hospital_in_koga, candidates, centroids).ranked)
        print(
            f"{n:>5} candidates: Vietnamese hospital visit in Koga {found:7.1f} ms "
            f"({ranked} ranked); Khmer in Daigo, nobody qualifies + fallbacks {empty:7.1f} ms"
        )


if __name__ == "__main__":
    main()
