"""The officials' report agrees with its own note (issue 16, item 6); officers read their
municipalities by name and never a prefecture target as theirs (item 8)."""

import csv
import io
import random
import re
from datetime import date

import pytest
from sqlalchemy import insert

from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import Activity
from supporters.reports.disclosure import MARK
from supporters.reports.monthly import build_report
from supporters.reports.render import median_text
from supporters.reports.suppression import block_table, suppressed
from tests.conftest import Auth, post_form
from tests.test_reports import _activity, _pdf_text

JUNE, JULY = date(2025, 6, 1), date(2025, 7, 1)
AREAS = ("08201", "08202", "08204")
CATEGORIES = ("hospital", "daily_life", "labor", "government_office")


def _random_log(supporter_id: int, seed: int) -> None:
    rng = random.Random(seed)
    rows = [
        _activity(
            supporter_id,
            date(2025, rng.choice((6, 7)), rng.randint(1, 30)),
            rng.choice(CATEGORIES),
            rng.choice(AREAS),
            rng.choice(("vi", "pt", "ne")),
            rng.choice(("in_person", "phone")),
            f"r{seed}-{i}",
        )
        for i in range(rng.randint(1, 14))
    ]
    _db.session.execute(insert(Activity), rows)
    _db.session.commit()


def _problems(block: dict, exact_block: dict, threshold: int) -> list[str]:
    """Where a block contradicts the note: a small count shown, or a hidden count that one
    subtraction gives away."""
    values, equations = block_table(exact_block)
    shown, _eq = block_table(block)
    problems = [
        f"{key} shows {value}"
        for key, value in shown.items()
        if isinstance(value, int) and 0 < value < threshold
    ]
    for total, members in equations:
        hidden = [key for key in (total, *members) if shown.get(key) == MARK]
        if len(hidden) == 1:
            problems.append(f"{hidden[0]} = {total} - the other shown parts")
    return problems


@pytest.mark.parametrize("seed", range(10))
def test_no_figure_contradicts_the_note(app, db, make_supporter, seed):
    _random_log(make_supporter().id, seed)
    exact = build_report(JUNE, JULY)
    hidden = suppressed(exact, 3)
    assert _problems(hidden, exact, 3) == []
    for month, exact_month in zip(hidden["months"], exact["months"], strict=True):
        assert _problems(month, exact_month, 3) == []


def test_two_cases_one_in_hospital_are_all_hidden(app, db, make_supporter):
    """The review's case: 病院 1, 合計 2 next to a note that says 1-2 are hidden."""
    supporter_id = make_supporter().id
    rows = [
        _activity(supporter_id, date(2025, 6, 10), "hospital", "08204", "vi", "in_person", "a"),
        _activity(supporter_id, date(2025, 6, 11), "daily_life", "08204", "vi", "in_person", "b"),
    ]
    _db.session.execute(insert(Activity), rows)
    _db.session.commit()
    report = suppressed(build_report(JUNE, JUNE), 3)
    assert report["cases"]["total"] == MARK
    assert report["cases"]["by_category"]["hospital"] == MARK


def _assign_two(users, make_request) -> None:
    supporter_id = users["supporter"].supporter_id
    for n in range(2):
        request = make_request(contact=f"080-1111-000{n}", name=f"Resident {n}")
        (offer,) = offers.send_offers(request, [supporter_id], users["coordinator"])
        _db.session.commit()
        offers.accept(offer.id, supporter_id, None)
        _db.session.commit()


def _signed_in(app, email: str, language: str = "en"):
    client = app.test_client()
    Auth(client).login(email)
    post_form(client, "/language", {"language": language}, "/no-such-page")
    return client


def test_the_median_says_why_it_is_missing(app, db, users, make_request):
    _assign_two(users, make_request)
    month = today_jst().replace(day=1)
    exact = build_report(month, month)
    assert exact["requests"]["time_to_assignment"]["assigned"] == 2
    hidden = suppressed(exact, 3)
    with app.test_request_context():  # the console's language: Japanese
        assert median_text(hidden, hidden["requests"]["time_to_assignment"]) == (
            "非表示（担当決定が3件未満のため）"
        )
    official = _signed_in(app, "official@example.jp")
    url = f"/reports/monthly/{month:%Y-%m}"
    page = official.get(url).get_data(as_text=True)
    # The official reads the report in their own language (the demo official's is English).
    hidden_words = ("Not shown: fewer than 3 assignments", "非表示（担当決定が3件未満のため）")
    assert any(words in page for words in hidden_words)
    rows = list(csv.reader(io.StringIO(official.get(url + ".csv").data.decode("utf-8-sig"))))
    median = [row for row in rows if row[2] == "median_hours"]
    assert median[0][4] in hidden_words
    # Staff read the exact median.
    coordinator = _signed_in(app, "coordinator@example.jp")
    page = coordinator.get(url).get_data(as_text=True)
    assert not any(words in page for words in hidden_words)


def test_the_officer_reads_municipality_names_and_no_prefecture_target(
    app, db, users, make_supporter, tmp_path
):
    make_supporter(name="Koga supporter")
    officer = _signed_in(app, "municipal_officer@example.jp")
    page = officer.get("/reports/monthly/2025-06").get_data(as_text=True)
    scope = re.search(r'data-testid="report-scope">([^<]*)<', page).group(1)
    assert scope == "Koga" and "08204" not in scope
    assert "is for the whole prefecture" in page
    assert not re.search(r'data-figure="certified">\s*\d+ /', page)
    rows = list(
        csv.reader(
            io.StringIO(officer.get("/reports/monthly/2025-06.csv").data.decode("utf-8-sig"))
        )
    )
    assert rows[1][:3] == ["Municipalities", "Koga", "08204"]
    pdf = _pdf_text(officer.get("/reports/monthly/2025-06.pdf").data, tmp_path)
    assert "Municipalities: Koga" in pdf and "08204" not in pdf

    dashboard = officer.get("/dashboard/").get_data(as_text=True)
    assert 'data-testid="target-scope"' in dashboard
    assert "Koga" in dashboard and "% reached" not in dashboard
    assert 'role="meter"' not in dashboard


def test_the_whole_prefecture_still_reads_against_its_target(app, db, users):
    page = _signed_in(app, "coordinator@example.jp").get("/dashboard/").get_data(as_text=True)
    assert 'role="meter"' in page and 'data-testid="target-scope"' not in page
