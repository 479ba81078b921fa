"""Bad input never gives a 500: hostile ids, pages, filters, months, dates, JSON bodies and names.

User story: "As the prefecture's security reviewer I can type anything into any address, query,
form or API body, as any role, and the app answers with a clear refusal — a 404, a 400 or a
field error in my language — never a crash page, never a traceback, never HTML to a script."

The second half walks every route of ``app.url_map`` with values from hypothesis, so a route
added tomorrow is walked too.
"""

import json
import os
import re
from datetime import timedelta

import pytest
from flask import abort
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from supporters.api.tokens import issue_token
from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.imports.kinds import import_file
from supporters.input_guard import MAX_ID, MAX_JSON_BYTES, MAX_JSON_DEPTH, parse_id
from supporters.models import HelpRequest, Language, Supporter, User
from supporters.pagination import MAX_PAGE, page_number
from supporters.textrules import name_problem
from tests.conftest import CSRF_RE, Auth, csrf_token, make_app, post_form

EN = {"Accept-Language": "en"}
HUGE = "99999999999999999999"  # > 2**64: overflows SQLite and PostgreSQL integers alike


class Api:
    """Calls to the JSON API with a bearer token (or none)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {**EN, **({"Authorization": f"Bearer {token}"} if token else {})}

    def get(self, path: str):
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path: str, json=None):
        return self.client.post("/api/v1" + path, json=json, headers=self.headers)

    def post_raw(self, path: str, body: bytes | str):
        headers = {**self.headers, "Content-Type": "application/json"}
        return self.client.post("/api/v1" + path, data=body, headers=headers)


@pytest.fixture
def api(app, db, users):
    """``api(role)``: the API as that role's account, through a fresh token."""

    def factory(role: str) -> Api:
        _, token = issue_token(users[role], "test")
        _db.session.commit()
        return Api(app.test_client(), token)

    return factory


@pytest.fixture
def coordinator(auth, users):
    auth.login("coordinator@example.jp")
    return users["coordinator"]


def json_error(response, status: int) -> dict:
    """The API's error body, after checking the status and that it is JSON, not a page."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json, response.content_type
    return response.get_json()["error"]


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def supporter_profile(**changes) -> dict:
    data = {
        "display_name": "Nguyễn Thị Hoa",
        "email": "hoa@example.jp",
        "phone": "090-1234-5678",
        "home_municipality_code": "08204",
        "languages": [{"code": "vi", "level": "native"}],
        "japanese_level": "N2",
        "modes": ["in_person"],
        "monthly_case_cap": 4,
    }
    return data | changes


def request_body(**changes) -> dict:
    day = (today_jst() + timedelta(days=5)).isoformat()
    data = {
        "category": "daily_life",
        "mode": "in_person",
        "language_code": "vi",
        "municipality_code": "08204",
        "starts_at": f"{day}T10:00:00+09:00",
        "ends_at": f"{day}T12:00:00+09:00",
        "duration_minutes": 60,
        "requester_name": "Phạm Thị Mai",
        "requester_contact": "080-1111-2222",
        "consent": {"language_shown": "vi", "channel": "phone"},
    }
    return data | changes


# --- Ids in URLs ----------------------------------------------------------------------------------


def test_ids_beyond_the_database_integer_do_not_match_any_route(app):
    """One converter for every ``<int:…>``: 2**31 - 1 is the last id a column can hold."""
    urls = app.url_map.bind("localhost")
    assert urls.match(f"/supporters/{MAX_ID}")[1] == {"supporter_id": MAX_ID}
    for path in (f"/supporters/{MAX_ID + 1}", f"/requests/{HUGE}", f"/api/v1/supporters/{HUGE}"):
        with pytest.raises(NotFound):
            urls.match(path)


@pytest.mark.parametrize(
    "path",
    [
        f"/supporters/{HUGE}",
        f"/supporters/{HUGE}/edit",
        f"/supporters/{HUGE}/retire",
        f"/requests/{HUGE}",
        f"/training/{HUGE}",
        f"/payments/bank/{HUGE}",
        f"/supporters/{MAX_ID}",  # the largest id that fits: the view runs and finds nobody
    ],
)
def test_huge_ids_in_console_addresses_are_not_found(client, coordinator, path):
    assert client.get(path).status_code == 404


def test_huge_ids_in_portal_and_api_addresses_are_not_found(client, auth, api, users):
    auth.login("supporter@example.jp")
    assert client.get(f"/me/offers/{HUGE}").status_code == 404
    assert client.get(f"/me/assignments/{HUGE}.ics").status_code == 404
    error = json_error(api("coordinator").get(f"/supporters/{HUGE}"), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize("text", ["²", "𐩀", "٣", HUGE, str(MAX_ID + 1), "0", "-1", " 7 ", "7"])
def test_ids_given_as_text_name_a_possible_row_or_nothing(text):
    assert parse_id(text) == (7 if text.strip() == "7" else None)


def test_forged_ids_in_a_query_are_ignored(client, auth, users):
    """``/me/log/new?request=²`` once crashed: ``"²".isdigit()`` but ``int("²")`` fails."""
    auth.login("supporter@example.jp")
    for forged in ("²", HUGE, "𐩀"):
        assert client.get(f"/me/log/new?request={forged}").status_code == 200


def test_forged_ids_in_import_files_are_row_errors(db, users):
    supporters = (
        "id,display_name,email,phone,home_municipality,languages,japanese_level,modes\n"
        f"{HUGE},Lan,lan@example.jp,090-1234-5678,08204,vi:native,N2,in_person\n"
        "𐩀,Hoa,hoa@example.jp,090-1234-5679,08204,vi:native,N2,in_person\n"
    ).encode()
    assert [e.line for e in import_file("supporters", supporters, None).errors] == [2, 3]
    day = (today_jst() - timedelta(days=3)).isoformat()
    activities = (
        "supporter_id,happened_on,duration_minutes,category,mode,municipality\n"
        f"{HUGE},{day},60,daily_life,in_person,08204\n"
        f"𐩀,{day},60,daily_life,in_person,08204\n"
    ).encode()
    assert [e.line for e in import_file("activities", activities, None).errors] == [2, 3]
    db.session.rollback()


# --- Pages and filters ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1e20", HUGE, "-3", "0", "２", "²", "2.5", "abc", ""])
def test_nonsense_page_numbers_mean_the_first_page(text):
    assert page_number({"page": text}) == 1


def test_page_numbers_within_range_are_kept():
    assert page_number({"page": "3"}) == 3
    assert page_number({"page": str(MAX_PAGE)}) == MAX_PAGE
    assert page_number({"page": str(MAX_PAGE + 1)}) == 1


@pytest.mark.parametrize("page", ["1e20", HUGE, "-3"])
def test_lists_show_their_first_page_for_a_forged_page_number(client, coordinator, page):
    registry = client.get(f"/supporters/?page={page}")
    assert registry.status_code == 200
    assert "Trần Văn Hùng" in registry.get_data(as_text=True)
    assert client.get(f"/requests/?page={page}").status_code == 200


def test_an_unknown_status_filter_is_marked_and_not_applied(client, coordinator, make_request):
    """``?status=zzz`` shows the list unfiltered on status, with the field marked."""
    help_request = make_request()
    response = client.get("/requests/?status=zzz", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert help_request.reference in page
    assert "Not a valid choice" in page
    registry = client.get("/supporters/?status=zzz&mode=zzz&language=zzz", headers=EN)
    assert registry.status_code == 200
    assert "Trần Văn Hùng" in registry.get_data(as_text=True)


def test_the_api_refuses_unknown_filters_and_pages_with_field_errors(api):
    coordinator = api("coordinator")
    assert "status" in json_error(coordinator.get("/requests?status=zzz"), 422)["fields"]
    assert "page" in json_error(coordinator.get(f"/supporters?page={HUGE}"), 422)["fields"]
    assert "page" in json_error(coordinator.get("/supporters?page=1e20"), 422)["fields"]


# --- Months and dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/stipends/9999-12",
        "/stipends/1999-12",
        "/stipends/2101-01",
        "/payments/9999-12",
        "/reports/monthly/9999-12",
        "/reports/monthly/9999-12.csv",
        "/reports/monthly/0000-01.pdf",
    ],
)
def test_months_outside_2000_to_2100_are_not_found_on_pages(client, coordinator, path):
    assert client.get(path).status_code == 404


def test_a_report_period_outside_the_window_is_refused_on_the_picker(client, coordinator):
    response = client.get("/reports/period?from=9999-01&to=9999-12", headers=EN)
    assert response.status_code == 422
    assert "YYYY-MM" in response.get_data(as_text=True)
    assert client.get("/coverage/?from=9999-01&to=9999-12").status_code in (400, 404, 422)


def test_months_outside_the_window_are_refused_by_the_api(api):
    coordinator = api("coordinator")
    assert json_error(coordinator.get("/reports/monthly/9999-12"), 404)["code"] == "not_found"
    assert json_error(coordinator.get("/stipends/9999-12"), 404)["code"] == "not_found"
    error = json_error(coordinator.get("/reports/period?from=9999-01&to=9999-12"), 422)
    assert set(error["fields"]) == {"from", "to"}
    assert "month" in json_error(coordinator.get("/activities?month=9999-12"), 422)["fields"]


@pytest.mark.parametrize("day", ["1900-01-01", "9999-12-31", "0001-01-01"])
def test_api_dates_outside_the_window_are_field_errors(api, users, day):
    """1900 and 9999 are typing mistakes (or probes): the field says so, nothing is stored."""
    coordinator = api("coordinator")
    before = count(Supporter), count(HelpRequest)
    error = json_error(coordinator.post("/supporters", supporter_profile(applied_on=day)), 422)
    assert set(error["fields"]) == {"applied_on"}
    moment = f"{day}T10:00:00+09:00"
    error = json_error(coordinator.post("/requests", request_body(starts_at=moment)), 422)
    assert "starts_at" in error["fields"]
    entry = {
        "supporter_id": users["supporter"].supporter_id,
        "happened_on": day,
        "duration_minutes": 60,
        "category": "daily_life",
        "mode": "in_person",
        "municipality_code": "08204",
        "client_token": f"probe-{day}",
    }
    error = json_error(coordinator.post("/activities", entry), 422)
    assert "happened_on" in error["fields"]
    supporter_id = users["supporter"].supporter_id
    error = json_error(
        coordinator.post(f"/supporters/{supporter_id}/certify", {"effective_on": day}), 422
    )
    assert set(error["fields"]) == {"effective_on"}
    assert (count(Supporter), count(HelpRequest)) == before


# --- JSON bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
    ],
    ids=["unclosed", "objects", "just-too-deep"],
)
def test_deeply_nested_json_is_a_400_in_the_api_shape(api, body):
    error = json_error(api("coordinator").post_raw("/supporters", body), 400)
    assert error["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [b'{"display_name": "\xff"}', b'{"display_name": "\xed\xa0\x80"}', b'{"a": '],
    ids=["latin-1", "encoded-surrogate", "truncated"],
)
def test_bodies_that_are_not_json_in_utf8_are_a_400_in_the_api_shape(api, body):
    error = json_error(api("coordinator").post_raw("/supporters", body), 400)
    assert error["code"] == "invalid_json"


def test_a_json_body_over_a_megabyte_is_refused_before_parsing(api):
    body = json.dumps(supporter_profile(notes="x" * (MAX_JSON_BYTES + 1)))
    assert json_error(api("coordinator").post_raw("/supporters", body), 413)["code"]


def test_a_lone_surrogate_is_a_field_error_and_nothing_is_stored(api):
    """``"\\ud800"`` parses in Python but no database stores it: refused up front, as JSON."""
    coordinator = api("coordinator")
    before = count(Supporter)
    body = json.dumps(supporter_profile(display_name="Lan\ud800"))  # ASCII JSON: "\ud800"
    assert "\\ud800" in body
    error = json_error(coordinator.post_raw("/supporters", body), 422)
    assert set(error["fields"]) == {"display_name"}
    nested = json.dumps(supporter_profile(languages=[{"code": "vi\udfff", "level": "native"}]))
    assert set(json_error(coordinator.post_raw("/supporters", nested), 422)["fields"]) == {
        "languages.0.code"
    }
    key = json.dumps({**supporter_profile(), "\udc00": 1})
    assert json_error(coordinator.post_raw("/supporters", key), 422)["code"] == "invalid"
    assert count(Supporter) == before


def test_paired_surrogates_are_ordinary_characters(api):
    """An emoji written as a JSON surrogate pair is fine (it is one character)."""
    body = json.dumps(supporter_profile(notes="Thanks \U0001f64f"))
    assert "\\ud83d\\ude4f" in body
    response = api("coordinator").post_raw("/supporters", body)
    assert response.status_code == 201, response.get_json()


def test_hostile_json_sent_to_a_page_gets_a_clear_400_too(client, coordinator):
    """With a valid CSRF token in the header the body reaches the app's checks: still a 400."""
    token = csrf_token(client, "/supporters/new")
    response = client.post(
        "/supporters/new",
        data="[" * 100_000,
        headers={"Content-Type": "application/json", "X-CSRFToken": token, **EN},
    )
    assert response.status_code == 400
    assert "The request could not be understood." in response.get_data(as_text=True)


# --- Unexpected errors ----------------------------------------------------------------------------


@pytest.fixture
def fragile_app(tmp_path):
    """An app whose JSON guard is off, and a page that fails inside a flush: unforeseen bugs."""
    from supporters import input_guard

    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)
    guards = app.before_request_funcs[None]
    guards.remove(input_guard._guard_input)

    def broken():
        # What a lone surrogate did before the JSON guard: the driver cannot encode it.
        _db.session.add(Language(code="x", name_en="\ud800", name_ja="x", name_native="x"))
        _db.session.flush()
        abort(500)  # pragma: no cover - never reached

    app.add_url_rule("/broken", "broken", broken)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_an_unexpected_error_answers_plainly_without_a_traceback(fragile_app):
    """A failed flush (here: a surrogate slipping past the guard) still gets the API's JSON
    error and a browser the plain error page — never the server's HTML, never a traceback."""
    with fragile_app.app_context():
        user = User(email="c@example.jp", name="C", role="coordinator", password_hash="x")
        _db.session.add(user)
        _db.session.commit()
        _, token = issue_token(user, "test")
        _db.session.commit()
    api = Api(fragile_app.test_client(), token)
    response = api.post_raw("/supporters", json.dumps(supporter_profile(notes="\ud800")))
    error = json_error(response, 500)
    assert error["code"] == "internal_server_error"
    assert "Traceback" not in response.get_data(as_text=True)
    page = fragile_app.test_client().get("/broken", headers=EN)
    assert page.status_code == 500
    assert page.content_type.startswith("text/html")
    text = page.get_data(as_text=True)
    assert "Something went wrong on our side" in text
    assert "Traceback" not in text and "UnicodeEncodeError" not in text


# --- Names ----------------------------------------------------------------------------------------

BAD_NAMES = [
    "Lan\u202egpj.exe",  # RIGHT-TO-LEFT OVERRIDE
    "Lan\u2066Hoa\u2069",  # isolates
    "Lan\u200fHoa",  # RIGHT-TO-LEFT MARK
    "Lan\r\nBcc: all@example.jp",  # CR/LF: forged lines in CSV and mail headers
    "Lan\u0085Hoa",  # NEXT LINE (C1)
    "Lan\x1b[31mHoa",  # ESC: terminal colour codes in logs
    "Lan\tHoa",
    "Lan\u2028Hoa",  # LINE SEPARATOR
]
GOOD_NAMES = [
    "Nguyễn Thị Hoa",
    "王丽华",
    "سارا احمدی",
    "می\u200cخواهم",  # ZERO WIDTH NON-JOINER: Persian spelling needs it
    "सीता श्रेष्ठ",
    "Ana 👩\u200d👧",  # ZERO WIDTH JOINER in an emoji sequence
    "O'Brien-Smith",
]
STRONG = "Quartz harbour violet 1987 lantern"  # passes the password policy
NAME_MESSAGE = "Names may not contain line breaks, control characters or text-direction controls."


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_with_direction_overrides_or_control_characters_are_refused(name):
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_names_in_every_script_are_accepted(name):
    assert name_problem(name) is None


REGISTRY_FORM = {
    "email": "hoa@example.jp",
    "phone": "090-1234-5678",
    "home_municipality": "08204",
    "native_languages": ["vi"],
    "japanese_level": "N2",
    "origins": ["VN"],
    "modes": ["in_person"],
    "monthly_case_cap": "5",
}


@pytest.mark.parametrize("name", ["Lan\u202egpj.exe", "Lan\u0085Hoa"])
def test_the_same_bad_supporter_name_is_refused_by_form_api_and_import(
    client, coordinator, api, db, name
):
    """One rule (``textrules.name_problem``, applied by the registry's operations)."""
    before = count(Supporter)
    page = post_form(client, "/supporters/new", {**REGISTRY_FORM, "display_name": name}, headers=EN)
    assert page.status_code == 422
    assert NAME_MESSAGE in page.get_data(as_text=True)

    error = json_error(
        api("coordinator").post("/supporters", supporter_profile(display_name=name)), 422
    )
    assert error["fields"] == {"display_name": NAME_MESSAGE}

    csv = (
        "display_name,email,phone,home_municipality,languages,japanese_level,modes\n"
        f'"{name}",hoa@example.jp,090-1234-5678,08204,vi:native,N2,in_person\n'
    ).encode()
    with force_locale("en"):
        result = import_file("supporters", csv, None)
    assert [(e.line, e.message) for e in result.errors] == [(2, NAME_MESSAGE)]
    db.session.rollback()
    assert count(Supporter) == before


def test_a_supporter_cannot_be_renamed_to_a_bad_name_through_the_api(api, users):
    supporter_id = users["supporter"].supporter_id
    response = api("coordinator").client.patch(
        f"/api/v1/supporters/{supporter_id}",
        json={"display_name": "Trần\u202eVăn"},
        headers=api("coordinator").headers,
    )
    assert json_error(response, 422)["fields"] == {"display_name": NAME_MESSAGE}


def test_a_bad_resident_name_is_refused_on_the_console_form_and_the_api(client, coordinator, api):
    before = count(HelpRequest)
    day = (today_jst() + timedelta(days=5)).isoformat()
    form = {
        "consent": "y",
        "consent_channel": "phone",
        "consent_language": "vi",
        "requester_name": "Mai\r\nPhạm",
        "requester_contact": "080-1234-5678",
        "language_code": "vi",
        "category": "daily_life",
        "mode": "in_person",
        "municipality_code": "08204",
        "day": day,
        "starts": "10:00",
        "ends": "12:00",
        "duration_minutes": "60",
        "urgency": "normal",
        "preferred_gender": "",
        "requester_nationality": "VN",
        "source": "resident",
    }
    page = post_form(client, "/requests/new", form, headers=EN)
    assert page.status_code in (200, 422)
    assert NAME_MESSAGE in page.get_data(as_text=True)
    body = request_body(requester_name="Mai\u202eMai")
    error = json_error(api("coordinator").post("/requests", body), 422)
    assert error["fields"] == {"requester_name": NAME_MESSAGE}
    assert count(HelpRequest) == before


def test_a_bad_resident_name_is_refused_on_the_public_form(client, db):
    from tests.test_public_form import request_data

    before = count(HelpRequest)
    response = post_form(client, "/help/?lang=en", request_data(name="Mai\u202eMai"))
    assert response.status_code in (200, 422)
    assert count(HelpRequest) == before
    assert NAME_MESSAGE in response.get_data(as_text=True)


def test_the_cli_refuses_an_account_name_with_control_characters(app):
    def create(name: str):
        return app.test_cli_runner().invoke(
            args=[
                "users", "create", "--email", "x@example.jp", "--password", STRONG,
                "--role", "admin", "--name", name,
            ]
        )  # fmt: skip

    result = create("Admin\u202eNimda")
    assert result.exit_code != 0
    assert "--name" in result.output
    with app.app_context():
        assert _db.session.scalar(select(User).where(User.email == "x@example.jp")) is None
    assert create("Admin Nimda").exit_code == 0  # the same command with a plain name works


# --- Every route, every role, hostile values (hypothesis) -----------------------------------------

# A few examples per route keep the suite quick and repeatable; ``HOSTILE_EXAMPLES=200`` makes
# a longer, random hunt (run it after adding routes or parsers).
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
DERANDOMIZE = "HOSTILE_EXAMPLES" not in os.environ
ROLES = ("anonymous", "admin", "coordinator", "municipal_officer", "official", "supporter")
ARGUMENT = re.compile(r"<(?:[^>]*:)?([A-Za-z_]\w*)>")


def _collect():
    """The routes, and every form field and API field name the app knows (for hostile bodies)."""
    from flask_wtf import FlaskForm
    from marshmallow import Schema
    from wtforms.fields.core import UnboundField

    from supporters import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "walk", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda rule: (rule.rule, rule.endpoint),
    )

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    form_fields = {
        name
        for form in subclasses(FlaskForm)
        for name, value in vars(form).items()
        if isinstance(value, UnboundField)
    }
    api_fields = {
        field.data_key or name
        for schema in subclasses(Schema)
        for name, field in schema._declared_fields.items()
    }
    return rules, sorted(form_fields), sorted(api_fields)


RULES, FORM_FIELDS, API_FIELDS = _collect()
QUERY_KEYS = [
    "page", "per_page", "status", "month", "from", "to", "fy", "fiscal_year", "lang", "q",
    "language", "municipality", "mode", "as_of", "format", "next", "request", "kind",
    "follow_up", "transfer_date", "supporter_id", "action", "token", "id",
]  # fmt: skip

HOSTILE_NUMBERS = [HUGE, str(2**31), str(MAX_ID), str(2**63), "-1", "0", "1e20", "1e308", "NaN"]
HOSTILE_MONTHS = ["9999-12", "0000-00", "2000-13", "1999-12", "2101-01", "2100-12", "0001-01"]
HOSTILE_DATES = ["9999-12-31", "0001-01-01", "1900-01-01", "2025-02-30", "99999-01-01"]
HOSTILE_TEXT = [
    "zzz",
    "\ud800",  # a lone surrogate: sent as its UTF-8-ish bytes %ED%A0%80
    "Lan\u202egpj.exe",
    "a\r\nb",
    "\u0085",
    "ｚ" * 5_000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "%s%n",
    "²",
]
hostile_scalar = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS + HOSTILE_MONTHS + HOSTILE_DATES + HOSTILE_TEXT),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=40),
)


def _path_value(rule, name: str) -> st.SearchStrategy[str]:
    """Hostile values for one URL argument, by its converter."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    from supporters.stipends.months import MonthConverter

    converter = rule._converters[name]
    if isinstance(converter, IntegerConverter):
        return st.one_of(
            st.sampled_from(HOSTILE_NUMBERS),
            st.integers(min_value=2**31, max_value=10**40).map(str),
            hostile_scalar,
        )
    if isinstance(converter, MonthConverter):
        return st.one_of(st.sampled_from(HOSTILE_MONTHS), st.from_regex(r"\A\d{4}-\d{2}\Z"))
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(sorted(converter.items)), hostile_scalar)
    return hostile_scalar


def _quote(value: str) -> str:
    """Percent-encode, lone surrogates included (as the bytes a broken client would send)."""
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _build(rule, values: dict[str, str], query: dict[str, str]) -> str:
    path = ARGUMENT.sub(lambda found: _quote(values[found.group(1)]), rule.rule)
    if query:
        path += "?" + "&".join(f"{_quote(key)}={_quote(value)}" for key, value in query.items())
    return path


json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        hostile_scalar,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(API_FIELDS), inner, max_size=3)
    ),
    max_leaves=8,
)


class Arena:
    """One app for the walk: an account per role, signed in once, with a token for the API."""

    def __init__(self, app, accounts: dict[str, str]):
        self.app = app
        self.accounts = accounts  # role → e-mail
        self.cookies: dict[str, str] = {}
        self.csrf: dict[str, str] = {}
        self.tokens: dict[str, str] = {}

    def _sign_in(self, role: str) -> None:
        client = self.app.test_client()
        if role != "anonymous":
            response = Auth(client).login(self.accounts[role])
            assert response.status_code == 302, f"could not sign in as {role}"
        home = client.get("/", follow_redirects=True).get_data(as_text=True)
        self.csrf[role] = CSRF_RE.search(home).group(1)
        cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
        self.cookies[role] = cookie.value if cookie else ""

    def browser(self, role: str):
        """A client with ``role``'s session; signs in again if a walked POST ended it."""
        if role not in self.cookies or not self._alive(role):
            self._sign_in(role)
        client = self.app.test_client()
        if self.cookies[role]:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role])
        return client

    def _alive(self, role: str) -> bool:
        if role == "anonymous":
            return True
        client = self.app.test_client()
        client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role])
        return "/login" not in client.get("/").headers.get("Location", "")

    def api(self, role: str):
        client = self.app.test_client()
        if role != "anonymous":
            if role not in self.tokens:
                with self.app.app_context():
                    user = _db.session.scalar(select(User).where(User.email == self.accounts[role]))
                    _, self.tokens[role] = issue_token(user, "walk")
                    _db.session.commit()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[role]}"
        return client


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """Built once: an account per role, a supporter, a request and an offer to stumble on."""
    from datetime import date

    from supporters.auth.passwords import hash_password
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import (
        ConsentChannel,
        LanguageLevel,
        Mode,
        Municipality,
        RequestCategory,
        RequestSource,
        Role,
    )
    from supporters.registry import operations
    from supporters.registry.operations import SupporterProfile
    from tests.conftest import PASSWORD, jst_at

    app = make_app(tmp_path_factory.mktemp("hostile"), API_RATE_LIMIT="100000 per minute")
    with app.app_context():
        profile = SupporterProfile(
            display_name="Trần Văn Hùng",
            email="hung@example.jp",
            phone="090-0000-0001",
            home_municipality_code="08204",
            served_municipality_codes=[],
            languages=[("vi", LanguageLevel.NATIVE)],
            japanese_level="N2",
            origins=["VN"],
            modes=["in_person"],
            gender=None,
            monthly_case_cap=4,
        )
        supporter = operations.register_supporter(profile, date(2025, 4, 1), by=None)
        operations.certify(supporter, "TEST-0001", date(2025, 5, 1), by=None)
        password_hash = hash_password(PASSWORD)
        accounts = {}
        for role in ROLES[1:]:
            user = User(
                email=f"{role}@example.jp", name=role, role=Role(role), password_hash=password_hash
            )
            if role == "municipal_officer":
                user.municipalities = [_db.session.get(Municipality, "08204")]
            if role == "supporter":
                user.supporter_id = supporter.id
            _db.session.add(user)
            accounts[role] = user.email
        draft = RequestDraft(
            category=RequestCategory.DAILY_LIFE,
            mode=Mode.IN_PERSON,
            language_code="vi",
            municipality_code="08204",
            starts_at=jst_at(3, 10),
            ends_at=jst_at(3, 12),
            duration_minutes=60,
            requester_name="Phạm Thị Mai",
            requester_contact="080-1111-2222",
            source=RequestSource.RESIDENT,
        )
        take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
        _db.session.commit()
    yield Arena(app, accounts)
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _methods(rule) -> list[str]:
    return sorted(rule.methods & {"GET", "POST", "PATCH", "PUT", "DELETE"})


def _send(arena: Arena, rule, role: str, method: str, url: str, body):
    """One request as ``role``: API routes with the token, pages with the session and CSRF."""
    if rule.rule.startswith("/api/"):
        client = arena.api(role)
        if method == "GET":
            return client.get(url)
        return client.open(url, method=method, json=body)
    client = arena.browser(role)
    if method == "GET":
        return client.get(url)
    form = {**body, "csrf_token": arena.csrf[role]}
    encoded = "&".join(f"{_quote(key)}={_quote(value)}" for key, value in form.items())
    return client.open(
        url, method=method, data=encoded, content_type="application/x-www-form-urlencoded"
    )


def _assert_no_server_error(response, role: str, method: str, url: str) -> None:
    if url.startswith("/readyz") and response.status_code == 503 and response.is_json:
        return  # "not ready" by design here: no worker, no Alembic revision (test_ops_health)
    assert response.status_code < 500, (
        f"{method} {url} as {role}: {response.status_code}\n"
        + response.get_data(as_text=True)[:800]
    )
    if url.startswith("/api/") and response.status_code >= 400:
        assert response.is_json, f"{method} {url} as {role}: an error page, not JSON"


def _fixed_values(rule) -> dict[str, str]:
    """The issue's own examples for each kind of URL argument."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, IntegerConverter):
            values[name] = HUGE
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name == "month" or type(converter).__name__ == "MonthConverter":
            values[name] = "9999-12"
        else:
            values[name] = "\ud800"
    return values


FIXED_QUERY = {
    "page": "1e20",
    "status": "zzz",
    "month": "9999-12",
    "from": "9999-01",
    "to": "9999-12",
    "fy": HUGE,
    "per_page": HUGE,
    "as_of": "9999-99-99",
    "lang": "\ud800",
    "request": "²",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.endpoint}")
def test_the_issues_examples_on_every_route_as_every_role(arena, rule, role):
    """Huge ids, 9999-12, page=1e20 and status=zzz on every route: never a 5xx."""
    for method in _methods(rule):
        for query in ({}, FIXED_QUERY):
            url = _build(rule, _fixed_values(rule), query)
            body = {"display_name": "Lan\u202e", "applied_on": "9999-12-31"}
            response = _send(arena, rule, role, method, url, body)
            _assert_no_server_error(response, role, method, url)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.endpoint}")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_values_on_every_route_never_give_a_server_error(arena, rule, data):
    """Hypothesis picks a role, a method, URL values, a query and a body for the route."""
    role = data.draw(st.sampled_from(ROLES), label="role")
    method = data.draw(st.sampled_from(_methods(rule)), label="method")
    values = {name: data.draw(_path_value(rule, name), label=name) for name in rule.arguments}
    keys = st.sampled_from(sorted({*QUERY_KEYS, *FORM_FIELDS}))  # GET filter forms read args
    query = data.draw(st.dictionaries(keys, hostile_scalar, max_size=4), label="query")
    if rule.rule.startswith("/api/"):
        body = data.draw(json_value, label="json")
    else:
        body = data.draw(
            st.dictionaries(st.sampled_from(FORM_FIELDS), hostile_scalar, max_size=8), label="form"
        )
    url = _build(rule, values, query)
    response = _send(arena, rule, role, method, url, body)
    _assert_no_server_error(response, role, method, url)
