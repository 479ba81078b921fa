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
