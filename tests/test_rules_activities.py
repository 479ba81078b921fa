"""The case log's rules live once, in ``activities/log.py``: every channel only parses.

User story: "Whether a supporter logs a case on the phone, a script sends it through the API or
a coordinator imports paper records, the same mistake gets the same answer, next to the same
field — because there is only one place that knows the rules."

(There is no coordinator web form for the case log: coordinators enter paper records through the
API or the import.)
"""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.activities import log
from supporters.activities.forms import ActivityForm
from supporters.activities.log import ActivityEntry
from supporters.api.tokens import issue_token
from supporters.clock import today_jst
from supporters.imports.kinds import import_file
from supporters.models import Activity, ActivityCategory, ActivityOutcome, Mode
from supporters.refusals import INVALID, Refused
from supporters.stipends.close import close_month
from tests.conftest import CSRF_RE, Auth, post_form

TOKEN_RE = re.compile(r'name="client_token" type="hidden" value="([^"]+)"')
ERROR_RE = re.compile(r'<p class="error" id="(\w+)-error">([^<]*)</p>')
LONG_NOTES = "x" * 1001

# The same bad case log: a future date, 0 minutes, no outcome for a case, notes too long, and a
# request that is not the supporter's.
EXPECTED = {
    "happened_on": "The date cannot be in the future.",
    "duration_minutes": "Enter a duration between 1 minute and 24 hours.",
    "outcome": "Choose how it went.",
    "notes": "At most 1,000 characters, please.",
    "request_id": "This request is not assigned to you.",
}


@pytest.fixture
def bad(db, make_request):
    """The bad case as plain values; ``request_id`` is a request assigned to nobody."""
    request = make_request()
    return {
        "happened_on": today_jst() + timedelta(days=1),
        "duration_minutes": 0,
        "category": "daily_life",
        "mode": "in_person",
        "municipality_code": "08204",
        "language_code": "vi",
        "notes": LONG_NOTES,
        "request_id": request.id,
    }


def _entry(values: dict, token: str = "bad-1") -> ActivityEntry:
    return ActivityEntry(
        happened_on=values["happened_on"],
        duration_minutes=values["duration_minutes"],
        category=ActivityCategory(values["category"]),
        mode=Mode(values["mode"]),
        municipality_code=values["municipality_code"],
        language_code=values["language_code"],
        notes=values["notes"],
        client_token=token,
        request_id=values.get("request_id"),
    )


def _count(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Activity))


# --- Each channel ---------------------------------------------------------------------------------


def _through_service(users, values) -> dict[str, str]:
    with force_locale("en"), pytest.raises(Refused) as refused:
        log.log_activity(users["supporter"].supporter, _entry(values), users["supporter"])
    assert refused.value.code == INVALID
    with force_locale("en"):
        return refused.value.field_messages()


def _through_portal(client, values) -> dict[str, str]:
    Auth(client).login("supporter@example.jp")
    post_form(client, "/language", {"language": "en"}, "/no-such-page")
    page = client.get("/me/log/new").get_data(as_text=True)
    response = client.post(
        "/me/log/new",
        data={
            "csrf_token": CSRF_RE.search(page).group(1),
            "client_token": TOKEN_RE.search(page).group(1),
            "happened_on": values["happened_on"].isoformat(),
            "duration": "other",
            "duration_other": str(values["duration_minutes"]),
            "category": values["category"],
            "mode": values["mode"],
            "municipality_code": values["municipality_code"],
            "language_code": values["language_code"],
            "notes": values["notes"],
            "request_id": str(values["request_id"]),
        },
    )
    assert response.status_code == 422
    # The form shows some of the service's fields elsewhere (minutes under "Other", the request
    # under the kind of help); notes are notes.
    shown_at = ActivityForm.FIELD_NAMES.items()
    to_service = {form: name for name, form in shown_at if form != "notes"}
    return {
        to_service.get(field, field): message
        for field, message in ERROR_RE.findall(response.get_data(as_text=True))
    }


def _through_api(app, db, users, values) -> dict[str, str]:
    _, token = issue_token(users["supporter"], "rules")
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/activities",
        json={
            **values,
            "happened_on": values["happened_on"].isoformat(),
            "client_token": "api-bad-1",
        },
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


def _through_import(users, values) -> dict[str, str]:
    header = (
        "supporter_email,happened_on,duration_minutes,category,mode,municipality,language,"
        "outcome,people_reached,follow_up,notes\n"
    )
    row = (
        f"own@example.jp,{values['happened_on'].isoformat()},{values['duration_minutes']},"
        f"{values['category']},{values['mode']},{values['municipality_code']},"
        f"{values['language_code']},,,no,{values['notes']}\n"
    )
    with force_locale("en"):
        result = import_file("activities", (header + row).encode(), users["coordinator"])
        assert not result.saved
        (error,) = result.errors
        return dict(error.fields)


def test_the_same_bad_case_gets_the_same_answer_everywhere(app, client, db, users, bad):
    """Phone form, API, import and the service itself: same fields, same words."""
    assert _through_service(users, bad) == EXPECTED
    assert _through_portal(client, bad) == EXPECTED
    assert _through_api(app, db, users, bad) == EXPECTED
    # A paper record names no request: everything else is said as on the phone.
    without_request = {k: v for k, v in EXPECTED.items() if k != "request_id"}
    assert _through_import(users, {**bad, "request_id": None}) == without_request
    assert _count(db) == 0


def test_no_channel_checks_anything_itself(app, client, db, users, bad, monkeypatch):
    """With the service's rules switched off, every channel lets a case without an outcome and
    with long notes through: the rules are nowhere else (the form, the API schema and the
    importer only parse). The database's own constraints (e.g. 1–1440 minutes) stay."""
    monkeypatch.setattr(log, "check", lambda *args, **kwargs: {})
    monkeypatch.setattr("supporters.imports.activities.check", lambda *args, **kwargs: {})
    past = {**bad, "happened_on": today_jst(), "duration_minutes": 60, "request_id": None}

    _, token = issue_token(users["supporter"], "rules")
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/activities",
        json={**past, "happened_on": past["happened_on"].isoformat(), "client_token": "api-1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()

    Auth(client).login("supporter@example.jp")
    page = client.get("/me/log/new").get_data(as_text=True)
    response = client.post(
        "/me/log/new",
        data={
            "csrf_token": CSRF_RE.search(page).group(1),
            "client_token": TOKEN_RE.search(page).group(1),
            "happened_on": past["happened_on"].isoformat(),
            "duration": "other",
            "duration_other": "60",
            "category": "daily_life",
            "mode": "in_person",
            "municipality_code": "08204",
            "language_code": "vi",
            "notes": LONG_NOTES,
        },
    )
    assert response.status_code == 302

    header = "supporter_email,happened_on,duration_minutes,category,mode,municipality,notes\n"
    row = f"own@example.jp,{past['happened_on']},60,daily_life,phone,08204,{LONG_NOTES}\n"
    assert import_file("activities", (header + row).encode(), users["coordinator"]).saved
    db.session.commit()
    assert _count(db) == 3


# --- Each rule, once, in the service --------------------------------------------------------------

GOOD = dict(
    happened_on=None,  # today, set in the test
    duration_minutes=60,
    category=ActivityCategory.DAILY_LIFE,
    mode=Mode.PHONE,
    municipality_code="08204",
    language_code="vi",
    outcome=ActivityOutcome.RESOLVED,
    client_token="rule-1",
)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"happened_on": None}, "happened_on", "Enter the date."),
        ({"days_ago": -1}, "happened_on", "The date cannot be in the future."),
        (
            {"days_ago": 91},
            "happened_on",
            "Cases older than 90 days are entered by your coordinator.",
        ),
        (
            {"duration_minutes": 1441},
            "duration_minutes",
            "Enter a duration between 1 minute and 24 hours.",
        ),
        (
            {"duration_minutes": None},
            "duration_minutes",
            "Enter a duration between 1 minute and 24 hours.",
        ),
        ({"category": None}, "category", "Choose one."),
        ({"mode": None}, "mode", "Choose one."),
        ({"municipality_code": "08999"}, "municipality_code", "Unknown municipality code “08999”."),
        ({"language_code": "xx"}, "language_code", "Unknown language code “xx”."),
        ({"outcome": None}, "outcome", "Choose how it went."),
        (
            {"category": ActivityCategory.INFORMATION},
            "people_reached",
            "Enter how many people the information reached.",
        ),
        (
            {"category": ActivityCategory.INFORMATION, "people_reached": 100_001},
            "people_reached",
            "Enter a number between 1 and 100000.",
        ),
        ({"notes": LONG_NOTES}, "notes", "At most 1,000 characters, please."),
        ({"client_token": ""}, "client_token", "The form was incomplete. Please send it again."),
        ({"client_token": "t" * 65}, "client_token", "The token is longer than 64 characters."),
        ({"request_id": 2**31 - 1}, "request_id", "This request is not assigned to you."),
    ],
)
def test_each_rule_is_the_services(app, db, users, change, field, message):
    """The service alone refuses each mistake, with one message next to one field; the API,
    which parses nothing but types, answers with exactly that (422, ``invalid``)."""
    change = dict(change)
    day = today_jst() - timedelta(days=change.pop("days_ago", 0))
    entry = replace(ActivityEntry(**{**GOOD, "happened_on": day}), **change)
    supporter = users["supporter"].supporter
    with force_locale("en"):
        assert log.check(entry, supporter) == {field: message}
        with pytest.raises(Refused) as refused:
            log.log_activity(supporter, entry, None)
        assert refused.value.field_messages() == {field: message}
        assert refused.value.code == INVALID

    _, token = issue_token(users["supporter"], "rules")
    db.session.commit()
    body = {
        name: value.value if hasattr(value, "value") else value
        for name, value in vars(entry).items()
        if value is not None
    }
    if entry.happened_on is not None:
        body["happened_on"] = entry.happened_on.isoformat()
    response = app.test_client().post(
        "/api/v1/activities",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"] == {field: message}


def test_a_closed_month_refuses_in_words_for_each_reader(db, users, make_user):
    """One rule (the stipend lock), addressed to who is typing: the supporter is told to ask
    their coordinator, the coordinator which month an administrator must re-open."""
    day = today_jst().replace(day=1) - timedelta(days=1)  # last month: can be closed
    close_month(day.replace(day=1), make_user("admin", email="closer@example.jp"))
    db.session.commit()
    entry = ActivityEntry(**{**GOOD, "happened_on": day})
    supporter = users["supporter"].supporter
    with force_locale("en"):
        phone = log.check(entry, supporter)
        paper = log.check(entry, supporter, paper=True)
    assert phone == {
        "happened_on": "This month is closed; ask your coordinator to add or correct it."
    }
    assert list(paper) == ["happened_on"] and day.strftime("%Y-%m") in paper["happened_on"]


def test_paper_records_may_be_older_than_the_phone_reaches(db, users):
    """The 90-day limit is the phone's; paper records go back to 2000."""
    entry = ActivityEntry(**{**GOOD, "happened_on": today_jst() - timedelta(days=400)})
    supporter = users["supporter"].supporter
    with force_locale("en"):
        assert set(log.check(entry, supporter)) == {"happened_on"}
        assert log.check(entry, supporter, paper=True) == {}
        old = replace(entry, happened_on=entry.happened_on.replace(year=1999))
        assert log.check(old, supporter, paper=True) == {
            "happened_on": "Dates before 2000-01-01 are not accepted."
        }


def test_the_same_token_again_returns_the_saved_case_before_any_rule(db, users):
    """Idempotency comes first: a case sent again is the saved one, even if a rule changed."""
    supporter = users["supporter"].supporter
    entry = ActivityEntry(**{**GOOD, "happened_on": today_jst()})
    first = log.log_activity(supporter, entry, None)
    again = log.log_activity(supporter, replace(entry, duration_minutes=0), None)
    assert again.already_saved and again.activity.id == first.activity.id
