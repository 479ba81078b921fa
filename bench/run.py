"""Benchmarks of the registry's hot paths on a roster larger than the programme's target.

Run with ``make bench``. It builds a throw-away SQLite database (or uses BENCH_DATABASE_URL),
loads the 44 municipalities and N synthetic supporters, then times the dashboard summary and the
filtered supporter list, reporting the median of repeated runs. Record the figures in
docs/benchmarks.md with the machine they ran on.
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from timing import median_ms  # noqa: E402  (bench/timing.py, beside this script)

from supporters import create_app  # noqa: E402
from supporters.demo.people import sample_supporters  # noqa: E402
from supporters.demo.seed import _profile, seed_reference_data  # noqa: E402
from supporters.extensions import db  # noqa: E402
from supporters.models import Role, Supporter, User  # noqa: E402
from supporters.registry import operations  # noqa: E402
from supporters.registry.queries import SupporterFilters, supporter_list_statement  # noqa: E402
from supporters.roster import roster_summary  # noqa: E402

SUPPORTERS = int(os.environ.get("BENCH_SUPPORTERS", "2000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def load(n: int) -> None:
    """Load ``n`` synthetic supporters (the demo generator, with unique e-mails)."""
    seed_reference_data()
    people = sample_supporters(count=n, seed=7)
    for i, person in enumerate(people):
        person = {**person, "email": f"bench{i}@example.jp"}
        supporter = operations.register_supporter(_profile(person), date(2025, 1, 1), by=None)
        if person["status"] != "applicant":
            operations.certify(supporter, f"B-{i:06d}", date(2025, 2, 1), by=None)
        if i % 500 == 0:
            db.session.flush()
    db.session.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            load(SUPPORTERS)
            load_s = time.perf_counter() - started
            coordinator = User(
                email="b@example.jp", name="b", role=Role.COORDINATOR, password_hash="x"
            )
            db.session.add(coordinator)
            db.session.commit()
            count = db.session.scalar(select(func.count()).select_from(Supporter))

            def dashboard():
                roster_summary(150, 2029)
                db.session.expire_all()

            def filtered_list():
                stmt = supporter_list_statement(
                    SupporterFilters(language="vi", municipality="08220", status="certified"),
                    coordinator,
                )
                list(db.paginate(stmt, page=1, per_page=25, error_out=False).items)
                db.session.expire_all()

            def name_search():
                stmt = supporter_list_statement(SupporterFilters(q="an"), coordinator)
                list(db.paginate(stmt, page=1, per_page=25, error_out=False).items)
                db.session.expire_all()

            results = {
                "dashboard summary (roster_summary)": median_ms(dashboard, REPEAT),
                "supporter list, language+municipality+status filter, page 1": median_ms(
                    filtered_list, REPEAT
                ),
                "supporter list, name search, page 1": median_ms(name_search, REPEAT),
            }
            print(f"backend: {db.engine.dialect.name}; supporters: {count}; load: {load_s:.1f} s")
            for name, ms in results.items():
                print(f"{name:<62} {ms:8.1f} ms (median of {REPEAT})")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
