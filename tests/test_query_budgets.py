"""Query budgets: each main page issues a fixed number of SQL statements, however much data.

A page that loads a relationship per row (an "N+1") gets slower with every supporter, request or
offer; these tests count the statements of one request with few rows and again with many, and
fail when the count grows or passes the page's budget. Each budget counts everything the request
runs: the sign-in check, the page's reads and the template's lazy loads.
"""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from supporters.activities.log import ActivityEntry, log_activity
from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import ActivityCategory, ActivityOutcome, Mode
from supporters.notify.service import notify_users
from tests.conftest import Auth

# The supporter's home: the sign-in check (session, account and supporter in one statement), the
# month's figures (the status history behind the stipend among them), the offers and assignments.
HOME_BUDGET = 3

LAST_MONTH = (today_jst().replace(day=1) - timedelta(days=1)).replace(day=1)
THIS_MONTH = today_jst().replace(day=1)

# (page, role signing in, budget in statements: what the page issues today, with the sign-in
# check; lower a budget when a page gets cheaper, never raise it to let a page grow)
PAGES = [
    ("/dashboard/", "coordinator", 6),
    ("/dashboard/", "municipal_officer", 7),
    ("/supporters/", "coordinator", 5),
    ("/supporters/?q=a&language=vi", "coordinator", 4),
    # The list's supporter filter (one query) and, for staff, its possible duplicates (one).
    ("/requests/", "coordinator", 6),
    ("/requests/?status=", "coordinator", 6),
    ("/requests/", "municipal_officer", 6),
    ("/activities/", "coordinator", 5),
    ("/notifications/", "coordinator", 3),
    ("/notifications/", "supporter", 3),
    ("/me/offers/", "supporter", 3),
    # The month page names who is due but cannot be paid (no bank details): one statement.
    (f"/stipends/{LAST_MONTH:%Y-%m}", "coordinator", 11),
    ("/stipends/", "coordinator", 15),
    ("/coverage/", "coordinator", 9),
    ("/coverage/matrix", "coordinator", 9),
    ("/coverage/targets", "coordinator", 16),
    ("/reports/", "coordinator", 2),
    # A report is one GROUP BY per figure (docs/benchmarks.md, "Monthly report").
    (f"/reports/monthly/{THIS_MONTH:%Y-%m}", "coordinator", 30),
    ("/reports/period", "coordinator", 34),
    ("/audit/", "admin", 7),
    ("/accounts/", "admin", 4),
]

MUNICIPALITIES = ("08204", "08220", "08201", "08211", "08202", "08203")
LANGUAGES = ("vi", "zh", "pt", "en", "tl", "ne")


@contextmanager
def counting_statements(app):
    """Collect every SQL statement sent while the block runs (``statements``, a list)."""
    statements: list[str] = []
    with app.app_context():
        engine = _db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(app, client, url: str) -> list[str]:
    """The statements of one GET of ``url`` (which must answer 200)."""
    client.get(url)  # warm: first-request work (the language cookie, caches) is not the page's
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return statements


def _describe(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:160] for s in statements)


@pytest.fixture
def programme(db, users, make_supporter, make_request, make_user):
    """A programme that grows: ``programme.grow(n)`` adds n of everything a list shows."""
    own = users["supporter"].supporter
    own.monthly_case_cap = 1000  # so every request below can be assigned to them
    db.session.commit()
    coordinator = users["coordinator"]
    made = {"n": 0}

    def grow(n: int) -> None:
        for _ in range(n):
            i = made["n"] = made["n"] + 1
            home = MUNICIPALITIES[i % len(MUNICIPALITIES)]
            language = LANGUAGES[i % len(LANGUAGES)]
            supporter = make_supporter(
                name=f"Supporter {i}",
                languages=((language, "native"), ("es", "fluent")),
                home=home,
                served=(MUNICIPALITIES[(i + 1) % len(MUNICIPALITIES)],),
            )
            make_user("coordinator", email=f"staff{i}@example.jp")
            # Offered to the own supporter (open) and to the new one; every third assigned.
            request = make_request(
                municipality=home if i % 2 else "08204",
                language=language,
                days_ahead=2 + i,
                category=("daily_life", "hospital", "childcare")[i % 3],
            )
            sent = offers.send_offers(request, [own.id, supporter.id], coordinator)
            _db.session.commit()
            if i % 3 == 0:
                offers.accept(sent[0].id, own.id, None)
            log_activity(
                supporter if i % 2 else own,
                ActivityEntry(
                    happened_on=today_jst(),
                    duration_minutes=30 + i,
                    category=ActivityCategory.DAILY_LIFE,
                    mode=Mode.PHONE,
                    municipality_code=home,
                    language_code=language,
                    outcome=ActivityOutcome.RESOLVED,
                    client_token=f"budget-{i}",
                ),
                None,
            )
            notify_users([coordinator, users["supporter"]], "request_unfilled", "/requests/")
            _db.session.commit()

    class Programme:
        pass

    programme = Programme()
    programme.grow = grow
    return programme


def _signed_in(app, role: str):
    client = app.test_client()
    Auth(client).login(f"{role}@example.jp")
    return client


def test_supporter_home_stays_within_its_budget_with_offers_assignments_and_a_month(app, programme):
    programme.grow(3)
    client = _signed_in(app, "supporter")
    few = statements_of(app, client, "/me/")
    programme.grow(37)
    many = statements_of(app, client, "/me/")
    page = client.get("/me/").get_data(as_text=True)
    assert page.count("/me/offers/") >= 20 and page.count("/me/assignments/") >= 10
    assert len(many) <= HOME_BUDGET, _describe(many)
    assert len(few) == len(many), _describe(many)


def test_supporter_home_with_a_waiting_draft_and_a_continuation_question_keeps_its_budget(
    app, client, db, users, programme
):
    from supporters.activities import drafts
    from supporters.continuation.service import start_check

    programme.grow(2)
    start_check(2026, users["admin"])
    db.session.commit()
    Auth(client).login("supporter@example.jp")
    form = client.get("/me/log/new").get_data(as_text=True)
    author = re.search(r'name="draft_author" type="hidden" value="([^"]+)"', form).group(1)
    # The session cookie is lost while typing: the case log waits on the server, its key in a
    # cookie, and the home links to it after signing in again.
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    client.post("/me/log/new", data={"notes": "typed on the bus", "draft_author": author})
    assert client.get_cookie(drafts.COOKIE, path="/me/") is not None
    Auth(client).login("supporter@example.jp")

    statements = statements_of(app, client, "/me/")
    page = client.get("/me/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="continuation-notice"' in page
    assert 'href="/me/log/new"' in page.split('data-testid="continuation-notice"')[0]
    assert len(statements) <= HOME_BUDGET, _describe(statements)


@pytest.mark.parametrize(("url", "role", "budget"), PAGES)
def test_page_issues_a_fixed_number_of_statements_whatever_the_data(
    app, programme, url, role, budget
):
    programme.grow(3)
    client = _signed_in(app, role)
    few = statements_of(app, client, url)
    programme.grow(37)
    many = statements_of(app, client, url)
    assert len(few) == len(many), (
        f"{len(few)} → {len(many)}:\n{_describe(few)}\n→\n{_describe(many)}"
    )
    assert len(many) <= budget, _describe(many)


def test_the_count_includes_the_sign_in_check(app, users):
    """The listener sees the whole request, so a budget is the page's total."""
    client = _signed_in(app, "coordinator")
    statements = statements_of(app, client, "/notifications/")
    assert "user_session" in statements[0]
