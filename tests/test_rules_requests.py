"""A help request's rules live once, in ``help_requests/intake.py``: every channel only parses.

User story: "Whether a coordinator types a request during a phone call, a resident fills in the
public form or a municipal system sends it through the API, the same mistake gets the same
answer, next to the same field — because only the intake service knows the rules."
"""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.api.requests import RequestInSchema
from supporters.api.tokens import issue_token
from supporters.help_requests import intake
from supporters.help_requests.forms import IntakeForm
from supporters.help_requests.intake import ConsentGiven, RequestDraft
from supporters.models import (
    Consent,
    ConsentChannel,
    HelpRequest,
    Mode,
    RequestCategory,
    RequestSource,
)
from supporters.public.forms import HelpRequestForm
from supporters.refusals import INVALID, Refused
from tests.conftest import Auth, jst_at, post_form

ERROR_RE = re.compile(r'<p class="error" id="(\w+)-error">([^<]*)</p>')
LONG_NEED = "x" * 4001

# The same bad request: it ends before it starts, in a municipality that does not exist, with no
# contact and a note that is too long.
EXPECTED = {
    "ends_at": "The end time must be at least 30 minutes after the start time.",
    "municipality_code": "Choose your city, town or village.",
    "requester_contact": "Enter a phone number or an e-mail address.",
    "need": "Please keep this to 4000 characters or fewer.",
}
DAY = 5  # days ahead


def _draft(**changes) -> RequestDraft:
    """A good request (Koga, Vietnamese, 10:00–12:00 in five days); ``changes`` spoil it."""
    values = {
        "category": RequestCategory.DAILY_LIFE,
        "mode": Mode.IN_PERSON,
        "language_code": "vi",
        "municipality_code": "08204",
        "starts_at": jst_at(DAY, 10),
        "ends_at": jst_at(DAY, 12),
        "duration_minutes": 60,
        "requester_name": "Phạm Thị Mai",
        "requester_contact": "080-1111-2222",
        "source": RequestSource.RESIDENT,
    }
    return RequestDraft(**{**values, **changes})


BAD = {
    "starts_at": jst_at(DAY, 12),
    "ends_at": jst_at(DAY, 10),
    "municipality_code": "99999",
    "requester_contact": "",
    "need": LONG_NEED,
}
CONSENT = ConsentGiven("2026-04", "vi", ConsentChannel.PHONE)


def _count(db, model=HelpRequest) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# --- Each channel ---------------------------------------------------------------------------------


def _through_service(users) -> dict[str, str]:
    with force_locale("en"), pytest.raises(Refused) as refused:
        intake.take_request(_draft(**BAD), CONSENT, users["coordinator"])
    assert refused.value.code == INVALID
    with force_locale("en"):
        return refused.value.field_messages()


def _through_console(app) -> dict[str, str]:
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    client.set_cookie("yorisoi_lang", "en")
    response = post_form(
        client,
        "/requests/new",
        {
            "consent": "y",
            "consent_channel": "phone",
            "consent_language": "vi",
            "requester_name": "Phạm Thị Mai",
            "requester_contact": "",
            "language_code": "vi",
            "category": "daily_life",
            "mode": "in_person",
            "municipality_code": "99999",
            "day": jst_at(DAY, 0).date().isoformat(),
            "starts": "12:00",
            "ends": "10:00",
            "duration_minutes": "60",
            "urgency": "normal",
            "preferred_gender": "",
            "requester_nationality": "",
            "source": "resident",
            "need": LONG_NEED,
        },
    )
    assert response.status_code == 422
    to_service = {form: name for name, form in IntakeForm.SERVICE_FIELDS.items()}
    return {
        to_service.get(field, field): message
        for field, message in ERROR_RE.findall(response.get_data(as_text=True))
    }


def _through_public_form(app) -> dict[str, str]:
    response = post_form(
        app.test_client(),
        "/help/?lang=en",
        {
            "category": "daily_life",
            "mode": "in_person",
            "language": "vi",
            "on": jst_at(DAY, 0).date().isoformat(),
            "time_from": "12:00",
            "time_to": "10:00",
            "duration": "60",
            "municipality": "99999",
            "name": "Phạm Thị Mai",
            "contact": "",
            "need": LONG_NEED,
            "consent": "y",
        },
    )
    assert response.status_code == 422
    to_service = {form: name for name, form in HelpRequestForm.SERVICE_FIELDS.items()}
    return {
        to_service.get(field, field): message
        for field, message in ERROR_RE.findall(response.get_data(as_text=True))
    }


def _through_api(app, db, users) -> dict[str, str]:
    _, token = issue_token(users["coordinator"], "rules")
    db.session.commit()
    body = {
        "category": "daily_life",
        "mode": "in_person",
        "language_code": "vi",
        "municipality_code": "99999",
        "starts_at": BAD["starts_at"].isoformat(),
        "ends_at": BAD["ends_at"].isoformat(),
        "duration_minutes": 60,
        "requester_name": "Phạm Thị Mai",
        "requester_contact": "",
        "need": LONG_NEED,
        "consent": {"language_shown": "vi", "channel": "phone"},
    }
    response = app.test_client().post(
        "/api/v1/requests",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


def test_the_same_bad_request_gets_the_same_answer_everywhere(app, db, users):
    """Console form, public form, API and the service: the same fields, the same words."""
    answers = {
        "service": _through_service(users),
        "console": _through_console(app),
        "public form": _through_public_form(app),
        "api": _through_api(app, db, users),
    }
    for channel, fields in answers.items():
        assert fields == EXPECTED, channel
    assert _count(db) == 0 and _count(db, Consent) == 0


def test_the_channels_only_parse(app, db):
    """The forms and the API schema accept what parses; the rules are left to the service."""
    bad_body = {
        "category": "daily_life",
        "mode": "in_person",
        "municipality_code": "99999",
        "starts_at": BAD["starts_at"].isoformat(),
        "ends_at": BAD["ends_at"].isoformat(),
        "duration_minutes": 5000,
        "need": LONG_NEED,
        "preferred_gender": "robot",
        "requester_nationality": "Viet Nam",
        "consent": {"language_shown": "vi", "channel": "phone"},
    }
    loaded = RequestInSchema().load(bad_body)
    assert loaded["requester_contact"] == "" and loaded["municipality_code"] == "99999"
    with app.test_request_context(
        "/requests/new",
        method="POST",
        data={
            "consent_channel": "phone",
            "consent_language": "vi",
            "language_code": "xx",
            "category": "daily_life",
            "mode": "in_person",
            "municipality_code": "99999",
            "day": jst_at(DAY, 0).date().isoformat(),
            "starts": "12:00",
            "ends": "10:00",
            "duration_minutes": "60",
            "urgency": "normal",
            "preferred_gender": "",
            "requester_nationality": "",
            "source": "resident",
            "need": LONG_NEED,
        },
    ):
        form = IntakeForm(meta={"csrf": False})
        assert form.validate(), form.errors
        assert form.draft().municipality_code == "99999"


# --- Each rule, enforced once by the service ------------------------------------------------------


def _problems(draft: RequestDraft, consent: ConsentGiven | None = CONSENT) -> dict[str, str]:
    with force_locale("en"):
        return {name: str(text) for name, text in intake.validate(draft, consent).items()}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"requester_name": "  "}, "requester_name", "Enter your name."),
        ({"requester_name": "M" * 101}, "requester_name",
         "Please keep this to 100 characters or fewer."),
        ({"requester_contact": "12"}, "requester_contact",
         "Enter a phone number like 090-1234-5678."),
        ({"requester_contact": "mai@"}, "requester_contact",
         "This e-mail address does not look right."),
        ({"place_name": "p" * 201}, "place_name", "Please keep this to 200 characters or fewer."),
        ({"place_address": "a" * 301}, "place_address",
         "Please keep this to 300 characters or fewer."),
        ({"residence_status": "r" * 61}, "residence_status",
         "Please keep this to 60 characters or fewer."),
        ({"ends_at": jst_at(DAY, 10) + timedelta(minutes=20)}, "ends_at",
         "The end time must be at least 30 minutes after the start time."),
        ({"ends_at": jst_at(DAY + 1, 11)}, "ends_at", "The time window must be within one day."),
        ({"duration_minutes": 5}, "duration_minutes",
         "Expected duration must be 10 to 720 minutes."),
        ({"duration_minutes": 180}, "duration_minutes",
         "This is longer than the time between start and end."),
        ({"starts_at": jst_at(-1, 10), "ends_at": jst_at(-1, 12)}, "starts_at",
         "Choose today or a later date."),
        ({"starts_at": jst_at(200, 10), "ends_at": jst_at(200, 12)}, "starts_at",
         "Choose a date within the next six months."),
        ({"municipality_code": ""}, "municipality_code", "Choose your city, town or village."),
        ({"language_code": "xx"}, "language_code", "Choose your language."),
        ({"requester_nationality": "Viet Nam"}, "requester_nationality",
         "Choose a country from the list."),
        ({"preferred_gender": "robot"}, "preferred_gender", "Choose from the list."),
    ],
)  # fmt: skip
def test_each_rule_is_the_services(app, db, changes, field, message):
    """Each rule once, in the intake service, whichever channel the draft came from."""
    with app.test_request_context():
        assert _problems(_draft()) == {}
        assert _problems(_draft(**changes)) == {field: message}


def test_a_time_already_passed_today_is_refused(app, db):
    """Today is fine, but not an hour that has gone by."""
    with app.test_request_context():
        midnight = jst_at(0, 0)  # today, 00:00 in Japan: always gone by
        draft = _draft(
            starts_at=midnight, ends_at=midnight + timedelta(minutes=30), duration_minutes=30
        )
        assert _problems(draft) == {"starts_at": "This time has already passed."}


def test_consent_is_the_services_rule(app, db, users):
    """Without agreement nothing is stored, whoever sends the request."""
    with app.test_request_context():
        message = "Please agree to the privacy notice. Without it we cannot take your request."
        assert _problems(_draft(), replace(CONSENT, agreed=False)) == {"consent": message}
        assert _problems(_draft(), replace(CONSENT, notice_version="")) == {"consent": message}
        with pytest.raises(Refused):
            intake.take_request(_draft(), replace(CONSENT, agreed=False), users["coordinator"])
    assert _count(db) == 0 and _count(db, Consent) == 0
