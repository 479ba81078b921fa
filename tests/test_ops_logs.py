"""Structured logs: one JSON line per request with a request id, and no personal data.

User story: "As the prefecture's IT officer, I follow one request through every log line by its
id (the one my proxy gave it), and I can hand the logs to a contractor: they hold no e-mail,
no name, no search terms and no link token."
"""

import json

import pytest

from supporters import create_app
from supporters.api.tokens import issue_token
from supporters.extensions import db as _db
from tests.conftest import Auth, make_app

HEX_ID = r"[0-9a-f]{32}"


@pytest.fixture
def app(tmp_path):
    """The suite's app (fixtures such as ``users`` build on it) with JSON logs on."""
    app = make_app(tmp_path, LOG_FORMAT="json")
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def json_app(app):
    return app


def _lines(capsys) -> list[dict]:
    """The JSON lines written to stderr so far (each must parse)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def _requests(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "supporters.requests"]


def test_one_line_per_request_with_the_proxys_request_id(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    response = client.get("/login?next=/dashboard/", headers={"X-Request-ID": "lb-42.abc_DEF"})
    assert response.headers["X-Request-ID"] == "lb-42.abc_DEF"
    (line,) = _requests(_lines(capsys))
    assert line["message"] == "request"
    assert line["request_id"] == "lb-42.abc_DEF"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/login", 200)
    assert line["user_id"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00") and line["level"] == "INFO"


@pytest.mark.parametrize(
    "offered",
    ["", "has space", "a" * 200, "<script>", 'id"forged', "-starts-with-dash", "ä-unicode"],
)
def test_a_malformed_request_id_is_replaced(json_app, capsys, offered):
    client = json_app.test_client()
    capsys.readouterr()
    response = client.get("/healthz", headers={"X-Request-ID": offered} if offered else {})
    generated = response.headers["X-Request-ID"]
    assert generated != offered
    assert len(generated) == 32 and int(generated, 16) >= 0
    (line,) = _requests(_lines(capsys))
    assert line["request_id"] == generated


def test_signed_in_requests_log_the_user_id_and_no_personal_data(json_app, users, capsys):
    client = json_app.test_client()
    coordinator = users["coordinator"]
    with json_app.app_context():
        _, token = issue_token(_db.session.merge(users["supporter"]), "phone")
        _db.session.commit()
    capsys.readouterr()
    Auth(client).login("coordinator@example.jp")
    client.get("/supporters/?q=Tr%E1%BA%A7n+V%C4%83n&email=own%40example.jp")
    client.get("/requests/999999")
    api = client.get("/api/v1/activities", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    output = capsys.readouterr().err
    lines = _requests([json.loads(line) for line in output.splitlines()])
    by_path = {line["path"]: line for line in lines}
    sign_in = [(line["method"], line["user_id"]) for line in lines if line["path"] == "/login"]
    assert sign_in == [("GET", None), ("POST", coordinator.id)]  # the id once signed in
    assert by_path["/supporters/"]["user_id"] == coordinator.id
    assert by_path["/requests/999999"]["status"] == 404
    assert by_path["/api/v1/activities"]["user_id"] == users["supporter"].id
    for secret in (
        "coordinator@example.jp",
        "own@example.jp",
        "Test coordinator",
        "Trần",
        "Tr%E1",
        "q=",
        "email",
        "Bearer",
        token,
    ):
        assert secret not in output, secret


def test_link_tokens_in_paths_are_logged_by_name_only(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    secret = "Zq3-invitation-token-Zq3"
    client.get(f"/invite/{secret}")
    client.get(f"/password/reset/{secret}")
    client.get(f"/a/{secret}")
    output = capsys.readouterr().err
    assert secret not in output
    paths = [line["path"] for line in _requests([json.loads(x) for x in output.splitlines()])]
    assert paths == ["/invite/<token>", "/password/reset/<token>", "/a/<token>"]


def test_records_logged_during_a_request_carry_its_id(tmp_path, capsys):
    """The warning /readyz logs about an unreachable database carries the request's id."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "LOG_FORMAT": "json",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'x.db'}",
        }
    )
    capsys.readouterr()
    response = app.test_client().get("/readyz", headers={"X-Request-ID": "trace-7"})
    assert response.status_code == 503
    lines = _lines(capsys)
    warning = next(line for line in lines if line["level"] == "WARNING")
    assert warning["request_id"] == "trace-7"
    assert "database unreachable" in warning["message"]
    assert _requests(lines)[0]["request_id"] == "trace-7"
    # Outside a request, records have no id.
    app.logger.warning("outside")
    assert _lines(capsys)[-1]["request_id"] is None


def test_json_in_production_plain_in_development_ids_everywhere(tmp_path, capsys):
    (tmp_path / "dev").mkdir()
    (tmp_path / "prod").mkdir()
    development = make_app(tmp_path / "dev", TESTING=False, YORISOI_ENV="development")
    capsys.readouterr()
    response = development.test_client().get("/healthz")
    assert response.headers["X-Request-ID"]
    assert _requests(_lines(capsys)) == []
    production = make_app(
        tmp_path / "prod",
        TESTING=False,
        YORISOI_ENV="production",
        BASE_URL="https://yorisoi.example.jp",
    )
    capsys.readouterr()
    production.test_client().get("/healthz")
    (line,) = _requests(_lines(capsys))
    assert line["path"] == "/healthz"
    for app in (development, production):
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
