"""One supporter, one set of rules: the registry form, the API, the CSV import and the service
refuse the same bad supporter with the same field messages, because only the service judges."""

import html
import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from supporters.api.tokens import issue_token
from supporters.extensions import db as _db
from supporters.imports.kinds import import_file
from supporters.models import LanguageLevel, Supporter
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.forms import PROFILE_FIELDS
from supporters.registry.operations import Certification, StatusChange, SupporterProfile
from tests.conftest import post_form

ENGLISH = {"Accept-Language": "en"}

# A good supporter, as each channel spells it.
GOOD = {
    "display_name": "Nguyễn Thị Hoa",
    "email": "hoa@example.jp",
    "phone": "090-1234-5678",
    "home": "08204",
    "language": "vi",
    "japanese_level": "N2",
    "mode": "in_person",
    "cap": 4,
}
# Bad supporters: what is wrong with each, and the fields the service must name.
BAD = {
    "format and range": (
        {"email": "not-an-address", "cap": 0, "home": "99999", "phone": "call me"},
        {"email", "monthly_case_cap", "home_municipality_code", "phone"},
    ),
    "unknown codes": (
        {"language": "xx", "japanese_level": "N9", "mode": "telepathy", "cap": 61},
        {"languages", "japanese_level", "modes", "monthly_case_cap"},
    ),
    "taken e-mail and no name": (
        {"email": "taken@example.jp", "display_name": ""},
        {"email", "display_name"},
    ),
}


def _values(changes: dict) -> dict:
    return {**GOOD, **changes}


def through_service(v: dict) -> dict[str, str]:
    profile = SupporterProfile(
        display_name=v["display_name"],
        email=v["email"],
        phone=v["phone"],
        home_municipality_code=v["home"],
        served_municipality_codes=[],
        languages=[(v["language"], LanguageLevel.NATIVE)],
        japanese_level=v["japanese_level"],
        origins=[],
        modes=[v["mode"]],
        gender=None,
        monthly_case_cap=v["cap"],
    )
    with force_locale("en"):
        with pytest.raises(Refused) as refusal:
            operations.register_supporter(profile, date(2026, 4, 1), by=None)
        return refusal.value.field_messages()


def through_form(client, v: dict) -> dict[str, str]:
    data = {
        "display_name": v["display_name"],
        "email": v["email"],
        "phone": v["phone"],
        "home_municipality": v["home"],
        "native_languages": [v["language"]],
        "japanese_level": v["japanese_level"],
        "modes": [v["mode"]],
        "monthly_case_cap": str(v["cap"]),
    }
    response = post_form(client, "/supporters/new", data, headers=ENGLISH)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    service_name = {form: service for service, form in PROFILE_FIELDS.items()}
    return {
        service_name.get(field, field): html.unescape(message)
        for field, message in re.findall(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', page)
    }


def through_api(app, coordinator, v: dict) -> dict[str, str]:
    _, token = issue_token(coordinator, "rules")
    _db.session.commit()
    body = {
        "display_name": v["display_name"],
        "email": v["email"],
        "phone": v["phone"],
        "home_municipality_code": v["home"],
        "languages": [{"code": v["language"], "level": "native"}],
        "japanese_level": v["japanese_level"],
        "modes": [v["mode"]],
        "monthly_case_cap": v["cap"],
    }
    if v["mode"] not in ("in_person", "phone", "video"):  # not even a value the API can parse
        body["modes"] = ["in_person"]
    response = app.test_client().post(
        "/api/v1/supporters", json=body, headers={"Authorization": f"Bearer {token}", **ENGLISH}
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    return error["fields"]


def through_import(v: dict) -> dict[str, str]:
    header = "display_name,email,phone,home_municipality,languages,japanese_level,modes,"
    header += "monthly_case_cap\n"
    row = (
        f"{v['display_name']},{v['email']},{v['phone']},{v['home']},{v['language']}:native,"
        f"{v['japanese_level']},{v['mode']},{v['cap']}\n"
    )
    with force_locale("en"):
        result = import_file("supporters", (header + row).encode(), None)
        (error,) = result.errors
        return {field: str(message) for field, message in error.fields}


@pytest.fixture
def coordinator(auth, users, make_supporter):
    make_supporter(email="taken@example.jp")
    auth.login("coordinator@example.jp")
    return users["coordinator"]


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_same_bad_supporter_reads_the_same_in_every_channel(app, client, coordinator, case):
    changes, fields = BAD[case]
    bad = _values(changes)
    service = through_service(bad)
    assert set(service) == fields
    assert through_form(client, bad) == service
    assert through_import(bad) == service
    api = through_api(app, coordinator, bad)
    if bad["mode"] != GOOD["mode"]:  # the API's enum already refused it while parsing
        service = {k: v for k, v in service.items() if k != "modes"}
    assert api == service


def test_the_messages_are_the_services_in_english(db, make_supporter):
    make_supporter(email="taken@example.jp")
    messages = through_service(_values(BAD["format and range"][0]))
    assert messages == {
        "email": "Enter a valid e-mail address, like name@example.jp.",
        "phone": "Enter a phone number in digits, like 090-1234-5678.",
        "home_municipality_code": "Unknown municipality codes: 99999.",
        "monthly_case_cap": "Give a monthly case limit between 1 and 60.",
    }
    taken = through_service(_values({"email": "TAKEN@example.jp"}))
    assert taken == {"email": "Another supporter already uses this e-mail address."}


# --- Each rule, enforced once, in the service --------------------------------------------------


def profile(**changes) -> SupporterProfile:
    data = {
        "display_name": "Lan",
        "email": "lan@example.jp",
        "phone": "090-1234-5678",
        "home_municipality_code": "08204",
        "served_municipality_codes": [],
        "languages": [("vi", LanguageLevel.NATIVE)],
        "japanese_level": "N2",
        "origins": ["VN"],
        "modes": ["phone"],
        "gender": None,
        "monthly_case_cap": 4,
    }
    return SupporterProfile(**{**data, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"display_name": "Lan\u202e"}, "display_name"),  # a direction override
        ({"email": ""}, "email"),
        ({"email": "lan@"}, "email"),
        ({"email": "a" * 250 + "@example.jp"}, "email"),
        ({"phone": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"home_municipality_code": ""}, "home_municipality_code"),
        ({"home_municipality_code": "99999"}, "home_municipality_code"),
        ({"served_municipality_codes": ["08201", "99998"]}, "served_municipality_codes"),
        ({"languages": []}, "languages"),
        ({"languages": [("xx", LanguageLevel.NATIVE)]}, "languages"),
        ({"languages": [("vi", "bilingual")]}, "languages"),
        ({"languages": [("vi", LanguageLevel.NATIVE), ("vi", "fluent")]}, "languages"),
        ({"japanese_level": "N6"}, "japanese_level"),
        ({"origins": ["VN", "QQ"]}, "origins"),
        ({"modes": []}, "modes"),
        ({"modes": ["carrier pigeon"]}, "modes"),
        ({"gender": "unknown"}, "gender"),
        ({"monthly_case_cap": 0}, "monthly_case_cap"),
        ({"monthly_case_cap": 61}, "monthly_case_cap"),
        ({"monthly_case_cap": None}, "monthly_case_cap"),
        ({"training_cohort": "x" * 31}, "training_cohort"),
        ({"notes": "x" * 4001}, "notes"),
    ],
)
def test_each_profile_rule_is_the_services(db, changes, field):
    with pytest.raises(Refused) as refusal:
        operations.register_supporter(profile(**changes), date(2026, 4, 1), by=None)
    assert set(refusal.value.fields) == {field}
    assert refusal.value.is_about_input


def test_every_problem_is_reported_at_once(db):
    bad = profile(display_name="", email="x", phone="", monthly_case_cap=0, modes=[])
    with pytest.raises(Refused) as refusal:
        operations.register_supporter(bad, date(2026, 4, 1), by=None)
    assert set(refusal.value.fields) == {
        "display_name",
        "email",
        "phone",
        "monthly_case_cap",
        "modes",
    }


def test_an_update_keeps_its_own_email_but_not_anothers(db, make_supporter):
    lan = make_supporter(email="lan@example.jp")
    make_supporter(email="other@example.jp")
    operations.update_supporter(lan, profile(email="LAN@example.jp"), by=None)
    with pytest.raises(Refused) as refusal:
        operations.update_supporter(lan, profile(email="other@example.jp"), by=None)
    assert set(refusal.value.fields) == {"email"}


def test_the_application_date_stays_within_the_apps_years(db):
    with pytest.raises(Refused) as refusal:
        operations.register_supporter(profile(), date(1999, 12, 31), by=None)
    assert set(refusal.value.fields) == {"applied_on"}


def test_certification_rules_are_the_services(db, make_supporter):
    make_supporter(email="holder@example.jp")  # holds TEST-0001
    applicant = make_supporter(status="applicant", email="new@example.jp")
    for number, on, field in [
        ("", date(2026, 4, 1), "certificate_number"),
        ("X" * 31, date(2026, 4, 1), "certificate_number"),
        ("TEST-0001", date(2026, 4, 1), "certificate_number"),
        ("C-1", None, "effective_on"),
        ("C-1", date(2101, 1, 1), "effective_on"),
        ("C-1", date(2025, 3, 31), "effective_on"),  # before the application
    ]:
        with pytest.raises(Refused) as refusal:
            operations.certify(applicant, number, on, by=None)
        assert set(refusal.value.fields) == {field}, number
    assert (
        operations.certification_problems(Certification("C-1", date(2026, 4, 1)), applicant) == {}
    )


def test_status_change_rules_are_the_services(db, make_supporter):
    supporter = make_supporter()
    for reason, on, field in [
        ("", date(2026, 4, 1), "reason"),
        ("x" * 1001, date(2026, 4, 1), "reason"),
        ("abroad", None, "effective_on"),
        ("abroad", date(2024, 1, 1), "effective_on"),  # before the application
    ]:
        with pytest.raises(Refused) as refusal:
            operations.suspend(supporter, on, reason, by=None)
        assert set(refusal.value.fields) == {field}, reason
    problems = operations.status_change_problems(StatusChange(None, ""), supporter)
    assert set(problems) == {"reason", "effective_on"}


def test_the_form_reports_the_services_messages_with_422(client, coordinator, db):
    """The form has no rule of its own left: the service's message, next to the form's field."""
    data = {"display_name": "", "email": "", "phone": "", "monthly_case_cap": ""}
    response = post_form(client, "/supporters/new", data, headers=ENGLISH)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    for message in (
        "Enter the supporter's name.",
        "Enter an e-mail address.",
        "Enter a phone number.",
        "Choose a municipality.",
        "Choose at least one language the supporter speaks.",
        "Choose at least one way of helping.",
        "Give a monthly case limit between 1 and 60.",
    ):
        assert message in page
    assert _db.session.scalar(select(func.count(Supporter.id))) == 2  # users' and taken@
