"""The demo's past: a programme that has been running since 2024, all of it sample data.

``seed_history`` gives the sample supporters their training cohorts (``history_training``), the
case log from April 2025 to yesterday — FY2025's April–December exactly as published, 1,806
cases (``history_plan``) — with the help requests behind the cases, the few that went unfilled
or were referred out (``history_cases``, ``history_exits``, written by ``history_write``), and
the stipend months closed and paid (``history_stipends``).

Sample marking: supporters carry ``is_sample``; every case's activity has the note
``SAMPLE_CASE_NOTE`` and a ``demo-history-`` client token; every request's resident name, place
and need say "(sample)" / "Sample:"; cohorts and sessions say "(sample)" too.

Idempotent: once the history's activities exist, a second run adds nothing. Deterministic
except for request references (random, as intake makes them) and the dates, which follow today.
"""

import random
from datetime import date, timedelta

from sqlalchemy import exists, select

from supporters.clock import today_jst
from supporters.demo.history_cases import (
    TOKEN_PREFIX,
    CaseContext,
    History,
    clumps,
    information_case,
    pick_place,
    request_case,
)
from supporters.demo.history_exits import side_exits
from supporters.demo.history_people import (
    Residents,
    municipality_names,
    municipality_weights,
    supporter_facts,
)
from supporters.demo.history_plan import days_of, history_plan
from supporters.demo.history_stipends import close_and_pay
from supporters.demo.history_training import seed_training
from supporters.demo.history_write import write_history
from supporters.extensions import db
from supporters.models import Activity, Role, User

SEED = 2025
# About how many places a month's cases of each category come from.
SPREAD = {
    "government_office": 8,
    "hospital": 7,
    "information": 12,
    "childcare": 3,
    "labor": 3,
    "daily_life": 6,
}
HISTORY_COUNTS = (
    "history_cases",
    "history_requests",
    "training_cohorts",
    "stipend_months_closed",
    "stipend_lines",
    "transfers",
)


def has_history() -> bool:
    """Whether the demo history has been written already."""
    return bool(
        db.session.scalar(
            select(exists().where(Activity.client_token.startswith(TOKEN_PREFIX, autoescape=True)))
        )
    )


def plan_history(today: date, coordinator_id: int | None) -> History:
    """Every request and activity of the history up to the day before ``today``."""
    rng = random.Random(SEED)
    yesterday = today - timedelta(days=1)
    supporters = supporter_facts(rng)
    ctx = CaseContext(
        rng=rng,
        supporters=supporters,
        residents=Residents(rng),
        weights=municipality_weights(),
        names=municipality_names(),
        coordinator_id=coordinator_id,
        yesterday=yesterday,
    )
    plan = history_plan(yesterday)
    history = History()
    for month, categories in plan.items():
        days = days_of(month, yesterday)
        pool = [s for s in supporters if any(s.certified_on(day) for day in days)]
        if not pool:
            continue
        for category, count in categories.items():
            for size in clumps(rng, count, SPREAD[category]):
                place = pick_place(ctx, pool)
                for _ in range(size):
                    if category == "information":
                        history.activities.append(information_case(ctx, month, pool, place))
                    else:
                        history.requests.append(request_case(ctx, month, category, pool, place))
    history.requests += side_exits(ctx, list(plan))
    # Ids in the order the requests came in, as the programme would have numbered them.
    history.requests.sort(key=lambda p: p.request["created_at"])
    return history


def seed_history(today: date | None = None) -> dict[str, int]:
    """Write the demo's past once (see the module docstring); returns what was added."""
    if has_history():
        return dict.fromkeys(HISTORY_COUNTS, 0)
    today = today or today_jst()
    coordinator = db.session.scalar(
        select(User).where(User.role == Role.COORDINATOR).order_by(User.id)
    )
    cohorts = seed_training(coordinator, today)
    history = plan_history(today, coordinator.id if coordinator else None)
    written = write_history(history)
    stipends = close_and_pay(coordinator)
    return {
        "history_cases": written["activities"],
        "history_requests": written["requests"],
        "training_cohorts": cohorts,
        **stipends,
    }
