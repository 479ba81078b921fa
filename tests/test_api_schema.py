"""schemathesis against the generated OpenAPI document, in-process, with a coordinator token.

User story: "As a municipal system's developer I can trust the published API document: no call
the document allows crashes the server, and every answer has the documented shape."
"""

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from supporters.api.tokens import issue_token
from supporters.extensions import db as _db
from tests.conftest import make_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The document is read when the module is collected (one test per operation), so the app is
# made then; its data comes in the module fixture below. The temporary folder holds SQLite's file.
FOLDER = Path(tempfile.mkdtemp(prefix="yorisoi-schemathesis-"))
APP = make_app(FOLDER)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module")
def api_world():
    """A coordinator's token, a certified supporter, a request and an offer to them."""
    from datetime import date

    from supporters.demo.seed import seed_reference_data
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import (
        ConsentChannel,
        LanguageLevel,
        Mode,
        RequestCategory,
        RequestSource,
        Role,
        User,
    )
    from supporters.registry import operations
    from supporters.registry.operations import SupporterProfile
    from tests.conftest import jst_at

    app = APP
    with app.app_context():
        # On PostgreSQL the test database is shared: other modules' tests have dropped and
        # re-created the tables since this module was collected, so start from a fresh schema.
        _db.drop_all()
        _db.create_all()
        seed_reference_data()
        coordinator = User(email="c@example.jp", name="c", role=Role.COORDINATOR, password_hash="-")
        _db.session.add(coordinator)
        _db.session.flush()
        supporter = operations.register_supporter(
            SupporterProfile(
                display_name="Nguyễn Thị Lan",
                email="lan@example.jp",
                phone="090-0000-0001",
                home_municipality_code="08204",
                served_municipality_codes=[],
                languages=[("vi", LanguageLevel.NATIVE)],
                japanese_level="N2",
                origins=["VN"],
                modes=["in_person"],
                gender=None,
                monthly_case_cap=4,
            ),
            date(2025, 4, 1),
            by=None,
        )
        operations.certify(supporter, "TEST-0001", date(2025, 5, 1), by=None)
        request = take_request(
            RequestDraft(
                category=RequestCategory.DAILY_LIFE,
                mode=Mode.IN_PERSON,
                language_code="vi",
                municipality_code="08204",
                starts_at=jst_at(5, 10),
                ends_at=jst_at(5, 12),
                duration_minutes=60,
                requester_name="Phạm Thị Mai",
                requester_contact="080-1111-2222",
                source=RequestSource.RESIDENT,
            ),
            ConsentGiven("2026-04", "vi", ConsentChannel.PHONE),
            None,
        )
        offers.send_offers(request, [supporter.id], coordinator)
        _, token = issue_token(coordinator, "schemathesis")
        _db.session.commit()
    yield app, token
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, api_world):
    """No 500 on any operation; status, content type and body match the document."""
    _app, token = api_world
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


# --- The document itself: valid OpenAPI, every error declared, answers as declared --------------

ERRORS_OF_EVERY_OPERATION = {"401", "422", "429"}


def served_document(app) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi(app):
    """What CI checks first: openapi-spec-validator accepts the served document as is."""
    from openapi_spec_validator import validate

    validate(served_document(app))


def test_every_operation_declares_its_errors_with_the_shared_error_body(app):
    spec = served_document(app)
    responses = spec["components"]["responses"]
    assert "Retry-After" in responses["TOO_MANY_REQUESTS"]["headers"]
    operation_ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            operation_ids.append(operation["operationId"])
            declared = operation["responses"]
            assert ERRORS_OF_EVERY_OPERATION <= set(declared), (method, path)
            if "{" in path:
                assert "404" in declared, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(declared), (method, path)
            for status, response in declared.items():
                if status.startswith(("4", "5")) or status == "default":
                    response = responses.get(response.get("$ref", "").rsplit("/", 1)[-1], response)
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
    assert len(operation_ids) == len(set(operation_ids))  # generated clients name them
    accept = spec["paths"]["/api/v1/offers/{offer_id}/accept"]["post"]["responses"]
    assert "taken" in accept["409"]["description"]
    report = spec["components"]["schemas"]["Report"]["properties"]
    for name in ("cases", "requests", "months", "gaps"):
        assert report[name] != {"type": "object"}, name
    assert spec["components"]["schemas"]["Cases"]["properties"]["total"]["oneOf"]
    for kind in ("supporters", "activities", "municipalities", "residents"):
        assert f"/api/v1/imports/{kind}" in spec["paths"]
        assert f"/api/v1/imports/{kind}/file" in spec["paths"]


class DeclaredAnswers:
    """Validates real answers against the schema the document declares for their status."""

    def __init__(self, spec: dict):
        from openapi_schema_validator import OAS30Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        self.spec = spec
        self.validator_class = OAS30Validator
        resource = Resource.from_contents(spec, default_specification=DRAFT4)
        self.registry = Registry().with_resource("urn:yorisoi-api", resource)

    def check(self, method: str, path: str, response) -> None:
        declared = self.spec["paths"][path][method]["responses"]
        answer = declared.get(str(response.status_code)) or declared["default"]
        if "$ref" in answer:
            answer = self.spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
        for header in answer.get("headers", {}):
            assert header in response.headers, header
        schema = answer["content"]["application/json"]["schema"]
        ref = "urn:yorisoi-api" + schema["$ref"] if "$ref" in schema else None
        root = {"$ref": ref} if ref else schema
        validator = self.validator_class(root, registry=self.registry)
        errors = sorted(validator.iter_errors(response.get_json()), key=str)
        assert not errors, f"{method.upper()} {path} {response.status_code}: {errors[0]}"


def test_key_answers_validate_against_their_declared_schemas(
    app, db, users, make_supporter, make_request
):
    """The typed report (exact and with hidden counts), a bulk import's result and its wrong
    rows, the 409 of a second accept, and a 429 with Retry-After — as the document says."""
    from datetime import timedelta

    from supporters.activities.log import ActivityEntry, log_activity
    from supporters.clock import today_jst
    from supporters.help_requests import offers
    from supporters.models import ActivityCategory, ActivityOutcome, Mode
    from tests.test_api import ApiClient, token_for

    answers = DeclaredAnswers(served_document(app))
    supporter = users["supporter"].supporter
    day = today_jst() - timedelta(days=3)
    log_activity(
        supporter,
        ActivityEntry(
            happened_on=day,
            duration_minutes=60,
            category=ActivityCategory.HOSPITAL,
            mode=Mode.IN_PERSON,
            municipality_code="08204",
            language_code="vi",
            outcome=ActivityOutcome.RESOLVED,
            client_token="schema-1",
        ),
        None,
    )
    db.session.commit()
    coordinator = ApiClient(app.test_client(), token_for(users["coordinator"]))
    official = ApiClient(app.test_client(), token_for(users["official"]))
    month = f"{day:%Y-%m}"
    for caller in (coordinator, official):  # exact figures, then "X" for small counts
        report = caller.get(f"/reports/period?from={month}&to={month}")
        assert report.status_code == 200
        answers.check("get", "/api/v1/reports/period", report)
    assert official.get(f"/reports/period?from={month}").get_json()["cases"]["total"] == "X"
    answers.check("get", "/api/v1/reports/period", coordinator.get("/reports/period?from=x"))

    row = {"municipality": "08204", "nationality": "VN", "residents": "12"}
    body = {"rows": [row], "as_of": "2025-12-31", "source": "test"}
    answers.check(
        "post",
        "/api/v1/imports/residents",
        coordinator.post("/imports/residents?dry_run=1", json=body),
    )
    wrong = coordinator.post(
        "/imports/residents", json={**body, "rows": [{**row, "residents": "many"}]}
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["rows"]
    answers.check("post", "/api/v1/imports/residents", wrong)

    request = make_request()
    offers.send_offers(request, [supporter.id], users["coordinator"])
    db.session.commit()
    other = make_supporter(email="other@example.jp")
    offers.send_offers(request, [other.id], users["coordinator"])
    db.session.commit()
    own = ApiClient(app.test_client(), token_for(users["supporter"]))
    offer_id = own.get("/offers").get_json()["items"][0]["id"]
    accepted = own.post(f"/offers/{offer_id}/accept")
    answers.check("post", "/api/v1/offers/{offer_id}/accept", accepted)
    again = own.post(f"/offers/{offer_id}/accept")
    assert again.status_code == 409
    answers.check("post", "/api/v1/offers/{offer_id}/accept", again)


def test_a_rate_limited_answer_is_the_declared_429(tmp_path):
    """The 429 every operation declares: the Error body and its Retry-After header."""
    from supporters.models import Role, User
    from tests.test_api import ApiClient, token_for

    limited = make_app(tmp_path, API_RATE_LIMIT="1 per hour")
    try:
        with limited.app_context():
            user = User(email="c@example.jp", name="c", role=Role.COORDINATOR, password_hash="-")
            _db.session.add(user)
            _db.session.commit()
            client = ApiClient(limited.test_client(), token_for(user))
        answers = DeclaredAnswers(served_document(limited))
        body = {"rows": [{"code": "08201"}]}
        client.post("/imports/municipalities?dry_run=1", json=body)
        refused = client.post("/imports/municipalities?dry_run=1", json=body)
        assert refused.status_code == 429
        answers.check("post", "/api/v1/imports/municipalities", refused)
    finally:
        with limited.app_context():
            _db.session.remove()
            _db.engine.dispose()
