"""The supporter's home says whether this month earns the stipend, as the stipend rule says.

The home reads the status history inside its figures' statement (no objects loaded), so these
tests hold it to the rule's own answer (``stipends.rules.eligible`` over ``history_of``),
including two changes on the same day, where only the order they were recorded in tells the
status that followed.
"""

from datetime import timedelta

import pytest

from supporters.clock import today_jst
from supporters.registry import operations
from supporters.stipends.rules import eligible, history_of
from tests.conftest import Auth

THIS_MONTH = today_jst().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
EARNS = "expected"
NOTHING = "No stipend this month (not certified)."


def _home(app, email: str) -> str:
    client = app.test_client()
    Auth(client).login(email)
    return client.get("/me/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def _rule_says(supporter) -> bool:
    (month,) = eligible([THIS_MONTH], history_of(supporter))
    return month.eligible


@pytest.mark.parametrize(
    ("changes", "earns"),
    [
        ((), True),  # certified, no recorded change: the dated columns
        ((("suspend", LAST_MONTH), ("reinstate", LAST_MONTH)), True),  # same day: reinstated last
        ((("suspend", LAST_MONTH), ("reinstate", THIS_MONTH)), True),
    ],
)
def test_the_home_says_what_the_rule_says(app, db, make_supporter, make_user, changes, earns):
    supporter = make_supporter(name="Lê Thị Hoa", email="hoa@example.jp")
    for action, day in changes:
        getattr(operations, action)(supporter, day, "test", None)
    db.session.commit()
    make_user("supporter", email="hoa@example.jp", supporter=supporter)

    page = _home(app, "hoa@example.jp")

    assert _rule_says(supporter) is earns
    assert (EARNS in page) is earns and (NOTHING in page) is not earns


def test_an_applicant_is_told_no_stipend(app, db, make_supporter, make_user):
    supporter = make_supporter(name="Phạm Văn Nam", email="nam@example.jp", status="applicant")
    make_user("supporter", email="nam@example.jp", supporter=supporter)
    page = _home(app, "nam@example.jp")
    assert _rule_says(supporter) is False
    assert NOTHING in page
