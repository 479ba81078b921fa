"""The national load test's data: the synthetic Japan of ``bench/matching_scale.py``, its case log,
and the accounts and API tokens the load signs in with.

``python bench/national_load/data.py OUT.json`` builds it on ``DATABASE_URL`` (a fresh schema,
``db.create_all``) and writes the accounts file the locustfile reads. Knobs: LOAD_SUPPORTERS
(100,000), LOAD_HISTORY (24,000 past and upcoming assignments), LOAD_SUPPORTER_ACCOUNTS (400),
LOAD_COORDINATORS (47: one per prefecture), LOAD_OFFICIALS (10), LOAD_TOKENS (100 supporters with
an API token). Every account has the same password (hashed once: argon2id is slow on purpose).

Each prefecture with municipalities gets its own programme (issue #17, ``_programmes``): every
supporter, request, case and account belongs to the programme of its municipality's prefecture
(coordinators and officials are dealt round the programmes), so a coordinator's queue, a
request's candidates and an official's report are one prefecture's, as in a national
installation. The accounts file names each account's ``programme`` (prefecture code) and lists
the open requests per programme; the locustfile draws each user's work from their programme.
"""

import dataclasses
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))  # matching_scale imports bench/timing.py as a sibling
sys.path.insert(0, str(BENCH.parent))

import matching_scale  # noqa: E402  (bench/matching_scale.py: the synthetic Japan)
from sqlalchemy import func, insert, select, update  # noqa: E402

from supporters import create_app, tenancy  # noqa: E402
from supporters.api.tokens import issue_token  # noqa: E402
from supporters.auth.passwords import hash_password  # noqa: E402
from supporters.extensions import db  # noqa: E402
from supporters.models import Activity, HelpRequest, Supporter, User  # noqa: E402
from supporters.models.programme import Programme  # noqa: E402
from supporters.models.user import Role  # noqa: E402
from supporters.programme.settings import NEUTRAL, SETTING_FIELDS  # noqa: E402
from supporters.reference import shipped  # noqa: E402

PASSWORD = "national-load-2026-peak"
SEED = int(os.environ.get("LOAD_SEED", "1741"))
ACTIVITY_CATEGORY = {  # a request's category → the case log's (the same words)
    "government_office": "government_office", "hospital": "hospital", "childcare": "childcare",
    "labor": "labor", "daily_life": "daily_life",
}  # fmt: skip
CHUNK = 5000


def _knob(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def build(url: str) -> dict:
    """Create the schema on ``url``, load the data set, and return the accounts file's content."""
    matching_scale.SUPPORTERS = _knob("LOAD_SUPPORTERS", 100_000)
    matching_scale.HISTORY_REQUESTS = _knob("LOAD_HISTORY", 24_000)
    matching_scale.ACTIVE_SUPPORTERS = min(6000, matching_scale.SUPPORTERS // 2)
    matching_scale.REQUESTS = _knob("LOAD_OPEN_REQUESTS", 300)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load", "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        rng = random.Random(SEED)
        japan = _only(matching_scale.build_japan(rng), os.environ.get("LOAD_PREFECTURES"))
        counts = matching_scale.load(japan, rng)
        counts["logged cases"] = _case_log(rng)
        accounts = _accounts(rng)
        counts["programmes"] = _programmes(accounts)
        db.session.commit()
        matching_scale.analyze()
        counts["seconds to load"] = round(time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()
    return {"password": PASSWORD, "counts": counts, **accounts}


def _only(japan: matching_scale.Japan, prefectures: str | None) -> matching_scale.Japan:
    """The synthetic Japan cut down to some prefectures (e.g. "08,02" for a test: the report's
    distance table grows with the square of the municipalities). Keep one of Khmer's four
    prefectures and one far from them: the generator draws from both."""
    if not prefectures:
        return japan
    keep = set(prefectures.split(","))
    inside = [m for m in japan.municipalities if m["prefecture_code"] in keep]
    codes = {m["code"] for m in inside}
    return dataclasses.replace(
        japan,
        municipalities=inside,
        weights={c: w for c, w in japan.weights.items() if c in codes},
        neighbours={c: n for c, n in japan.neighbours.items() if c in codes},
        khmer_homes=[c for c in japan.khmer_homes if c in codes],
        far_codes=[c for c in japan.far_codes if c in codes],
    )


def _case_log(rng: random.Random) -> int:
    """One logged case per completed or closed assignment (Core bulk insert), so the monthly
    report has a national case log to count."""
    done = db.session.execute(
        select(
            HelpRequest.id,
            HelpRequest.assigned_supporter_id,
            HelpRequest.starts_at,
            HelpRequest.duration_minutes,
            HelpRequest.category,
            HelpRequest.mode,
            HelpRequest.municipality_code,
            HelpRequest.language_code,
        ).where(HelpRequest.status.in_(["completed", "closed"]))
    ).all()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        {
            "supporter_id": r.assigned_supporter_id,
            "request_id": r.id,
            "happened_on": (r.starts_at + timedelta(hours=9)).date(),
            "duration_minutes": r.duration_minutes,
            "category": ACTIVITY_CATEGORY[r.category.value],
            "mode": r.mode.value,
            "municipality_code": r.municipality_code,
            "language_code": r.language_code,
            "outcome": rng.choice(["resolved", "resolved", "partly_resolved", "referred"]),
            "people_reached": None,
            "follow_up_needed": False,
            "notes": "",
            "client_token": f"history-{r.id}",
            "created_at": now,
            "updated_at": now,
        }
        for r in done
    ]
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(Activity.__table__), rows[i : i + CHUNK])
    return len(rows)


def _accounts(rng: random.Random) -> dict:
    """Accounts by role (the same password), API tokens for some supporters."""
    hashed = hash_password(PASSWORD)
    # Supporters who work: the certified ones with assignments (the history's active pool).
    active = list(
        db.session.scalars(
            select(HelpRequest.assigned_supporter_id)
            .where(HelpRequest.assigned_supporter_id.is_not(None))
            .distinct()
            .order_by(HelpRequest.assigned_supporter_id)
        )
    )
    wanted = _knob("LOAD_SUPPORTER_ACCOUNTS", 400)
    chosen = sorted(rng.sample(active, min(wanted, len(active))))
    homes = dict(
        db.session.execute(
            select(Supporter.id, Supporter.home_municipality_code).where(Supporter.id.in_(chosen))
        ).all()
    )
    users = []
    for sid in chosen:
        users.append(User(email=f"s{sid}@load.example.jp", name=f"Supporter {sid}",
                          role=Role.SUPPORTER, password_hash=hashed, supporter_id=sid))  # fmt: skip
    for n in range(1, _knob("LOAD_COORDINATORS", 47) + 1):
        users.append(User(email=f"coordinator{n}@load.example.jp", name=f"Coordinator {n}",
                          role=Role.COORDINATOR, password_hash=hashed))  # fmt: skip
    for n in range(1, _knob("LOAD_OFFICIALS", 10) + 1):
        users.append(User(email=f"official{n}@load.example.jp", name=f"Official {n}",
                          role=Role.OFFICIAL, password_hash=hashed))  # fmt: skip
    db.session.add_all(users)
    db.session.flush()
    tokens = {}
    supporters = [u for u in users if u.role == Role.SUPPORTER]
    for user in supporters[: _knob("LOAD_TOKENS", 100)]:
        _row, token = issue_token(user, "national load test", 30)
        tokens[user.email] = token
    open_requests = list(
        db.session.scalars(
            select(HelpRequest.id).where(HelpRequest.status == "new").order_by(HelpRequest.id)
        )
    )
    return {
        "supporters": [
            {
                "email": u.email,
                "programme": "national",
                "supporter_id": u.supporter_id,
                "home": homes[u.supporter_id],
                "token": tokens.get(u.email),
            }
            for u in supporters
        ],  # fmt: skip
        "coordinators": [
            {"email": u.email, "programme": "national"} for u in users if u.role == Role.COORDINATOR
        ],
        "officials": [
            {"email": u.email, "programme": "national"} for u in users if u.role == Role.OFFICIAL
        ],
        "open_requests": open_requests,
        "report_months": ["2026-10", "2026-11"],
        "built_on": date.today().isoformat(),
    }


def _programmes(accounts: dict) -> int:
    """A programme per prefecture, and every row its prefecture's (Core UPDATEs, as the rows
    were bulk-loaded without one): supporters and requests by their municipality, what hangs
    off them by their supporter or request, accounts by their supporter or dealt round. Fills
    in the accounts file's ``programme`` and open requests per programme."""
    prefectures = shipped.prefectures()
    codes = sorted(
        {
            code[:2]
            for code in db.session.scalars(select(Supporter.home_municipality_code).distinct())
        }
    )
    neutral = {key: getattr(NEUTRAL, key) for key in SETTING_FIELDS}
    ids = {}
    for code in codes:
        name = prefectures[code]
        names = {"name_ja": f"{name.name_ja}母国語サポーター", "name_en": f"{name.name_en} prog."}
        programme = Programme(**{**neutral, "prefecture_code": code, **names})
        db.session.add(programme)
        db.session.flush()
        ids[code] = programme.id
    by_prefecture = (
        select(Programme.id)
        .where(Programme.prefecture_code == func.substr(Supporter.home_municipality_code, 1, 2))
        .scalar_subquery()
    )
    db.session.execute(update(Supporter).values(programme_id=by_prefecture))
    db.session.execute(
        update(HelpRequest).values(
            programme_id=select(Programme.id)
            .where(Programme.prefecture_code == func.substr(HelpRequest.municipality_code, 1, 2))
            .scalar_subquery()
        )
    )
    users = db.session.execute(select(User.id, User.role, User.supporter_id)).all()
    staff = sorted(u.id for u in users if u.supporter_id is None)
    supporters_of = dict(db.session.execute(select(Supporter.id, Supporter.programme_id)).all())
    dealt = {uid: ids[codes[n % len(codes)]] for n, uid in enumerate(staff)}
    for uid, _role, supporter_id in users:
        programme_id = supporters_of[supporter_id] if supporter_id else dealt[uid]
        db.session.execute(update(User).where(User.id == uid).values(programme_id=programme_id))
    parents = {"request_id": HelpRequest.__table__, "supporter_id": Supporter.__table__,
               "user_id": User.__table__}  # fmt: skip
    for table in tenancy.owned_tables():
        if table.name in ("supporter", "help_request", "user_account"):
            continue
        key = next((k for k in parents if k in table.c), None)
        if key is None:
            continue
        parent = parents[key]
        owner = select(parent.c.programme_id).where(parent.c.id == table.c[key]).scalar_subquery()
        db.session.execute(update(table).values(programme_id=owner))
    code_of = {programme_id: code for code, programme_id in ids.items()}
    programme_of_user = dict(db.session.execute(select(User.email, User.programme_id)).all())
    for role in ("supporters", "coordinators", "officials"):
        for account in accounts[role]:
            account["programme"] = code_of[programme_of_user[account["email"]]]
    open_by_programme: dict[str, list[int]] = {}
    for request_id, programme_id in db.session.execute(
        select(HelpRequest.id, HelpRequest.programme_id)
        .where(HelpRequest.id.in_(accounts["open_requests"]))
        .order_by(HelpRequest.id)
    ):
        open_by_programme.setdefault(code_of[programme_id], []).append(request_id)
    accounts["open_requests"] = open_by_programme
    return len(ids)


def main() -> None:
    from supporters.config import database_url

    out = Path(sys.argv[1])
    content = build(database_url(os.environ["DATABASE_URL"]))
    out.write_text(json.dumps(content, indent=1))
    print(f"data set: {content['counts']}", flush=True)


if __name__ == "__main__":
    main()
