"""Shared fixtures: an app on a real database, a client, users of every role, and factories.

The suite runs on SQLite by default. With ``YORISOI_TEST_BACKEND=postgresql`` it runs on the
PostgreSQL database named by ``TEST_DATABASE_URL`` (``.ci/run`` starts one); under pytest-xdist
each worker gets a database of its own next to it (``<name>_gw0``, ...), created when missing.

Speed (docs/benchmarks.md, "Test suite"): passwords are hashed with argon2's cheapest parameters;
the schema is built once per run (SQLite: a template file copied for each app; PostgreSQL: one
``TRUNCATE ... RESTART IDENTITY CASCADE``, then the reference rows put back); templates and the
routes' URL builders are compiled once; test databases never wait for the disk at a commit.
Each app still starts with the reference data alone.
"""

import atexit
import os
import re
import shutil
import sqlite3
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError
from werkzeug.routing import Rule

from supporters import create_app
from supporters.config import database_url
from supporters.demo.seed import seed_reference_data
from supporters.extensions import db as _db
from supporters.models import LanguageLevel, Municipality, Role, User
from supporters.registry import operations
from supporters.registry.operations import SupporterProfile

PASSWORD = "correct horse battery staple"
# argon2id at its cheapest (a sign-in costs microseconds instead of half a second); deployments
# keep the library's recommended parameters (tests/test_production_defaults.py proves it).
PASSWORD_HASH_PARAMETERS = replace(
    profiles.get_default_parameters(), time_cost=1, memory_cost=8, parallelism=1
)
_PASSWORD_HASH = PasswordHasher.from_parameters(PASSWORD_HASH_PARAMETERS).hash(PASSWORD)
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@event.listens_for(Engine, "connect")
def _no_waiting_for_the_disk(dbapi_connection, _record):
    """Test databases are thrown away: a commit need not wait until the data is on disk."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()


def _database_uri(tmp_path) -> str:
    if os.environ.get("YORISOI_TEST_BACKEND") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.exit("YORISOI_TEST_BACKEND=postgresql needs TEST_DATABASE_URL", returncode=2)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(database_url(url), worker) if worker else database_url(url)
    return f"sqlite:///{tmp_path / 'test.db'}"


_WORKER_DATABASES: dict[str, str] = {}


def _worker_database(url: str, worker: str) -> str:
    """``url`` with ``_<worker>`` added to the database name; the database is created if missing."""
    if url not in _WORKER_DATABASES:
        base = make_url(url)
        name = f"{base.database}_{worker}"
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                exists = conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if not exists:
                    quoted = conn.dialect.identifier_preparer.quote(name)
                    conn.execute(text(f"CREATE DATABASE {quoted}"))
        finally:
            engine.dispose()
        _WORKER_DATABASES[url] = base.set(database=name).render_as_string(hide_password=False)
    return _WORKER_DATABASES[url]


def _build_schema() -> None:
    """Every table, empty but for the reference data, whatever the database held before."""
    _db.drop_all()
    _db.create_all()
    seed_reference_data()
    _db.session.commit()


_SQLITE_TEMPLATE: list[Path] = []  # the one SQLite file with the schema, once built


def _sqlite_template() -> Path:
    """An SQLite file built once per run (per xdist worker), copied for each new app."""
    if not _SQLITE_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="yorisoi-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "schema",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            }
        )
        with app.app_context():
            _build_schema()
            _db.session.remove()
            _db.engine.dispose()
        _SQLITE_TEMPLATE.append(path)
    return _SQLITE_TEMPLATE[0]


# PostgreSQL database URL → the reference rows this run's build of its schema seeded.
_POSTGRES_SEEDED: dict[str, list[tuple]] = {}
_POSTGRES_SEQUENCES: dict[str, list[str]] = {}


def _emptied_postgres(app) -> bool:
    """Empty every table and put the reference rows back, in one transaction; False when the
    schema must be built first.

    ``DELETE`` in reverse dependency order and ``ALTER SEQUENCE … RESTART`` in one round trip:
    a test leaves a few rows, and deleting them costs ~5 ms where ``TRUNCATE`` of forty tables
    costs ~90 ms (it replaces every table's files). Should a delete meet a foreign key (a cycle
    the order cannot break), ``TRUNCATE … RESTART IDENTITY CASCADE`` does it. A test that drops
    tables (tests/test_setup.py runs the migrations down to nothing) makes both fail, and the
    schema is built again.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url not in _POSTGRES_SEEDED:
        return False
    quote = _db.engine.dialect.identifier_preparer.quote
    tables = [quote(table.name) for table in _db.metadata.sorted_tables]
    statements = [f"DELETE FROM {name}" for name in reversed(tables)]
    statements += [f"ALTER SEQUENCE {quote(name)} RESTART" for name in _POSTGRES_SEQUENCES[url]]
    try:
        try:
            with _db.engine.begin() as conn:
                conn.exec_driver_sql("; ".join(statements))
        except IntegrityError:
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        with _db.engine.begin() as conn:
            for table, rows in _POSTGRES_SEEDED[url]:
                conn.execute(table.insert(), rows)
    except ProgrammingError:
        del _POSTGRES_SEEDED[url]
        return False
    return True


def _built_postgres(app) -> None:
    """Build the schema and keep the reference rows for :func:`_emptied_postgres`."""
    _build_schema()
    with _db.engine.connect() as conn:
        seeded = [
            (t, conn.execute(t.select()).mappings().all()) for t in _db.metadata.sorted_tables
        ]
        sequences = conn.execute(
            text(
                "SELECT sequence_name FROM information_schema.sequences"
                " WHERE sequence_schema = current_schema()"
            )
        ).scalars()
        _POSTGRES_SEQUENCES[app.config["SQLALCHEMY_DATABASE_URI"]] = list(sequences)
    _POSTGRES_SEEDED[app.config["SQLALCHEMY_DATABASE_URI"]] = [(t, r) for t, r in seeded if r]


def _fresh_database(app) -> None:
    """Give ``app`` a database holding the schema and the reference data, and nothing else."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            if not Path(url.database).exists():  # nothing has connected: copy the template
                shutil.copyfile(_sqlite_template(), url.database)
                return
        elif url.get_backend_name() == "postgresql":
            if not _emptied_postgres(app):
                _built_postgres(app)
            return
        _build_schema()


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per run instead of once per app (Jinja checks each source)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _CompiledTemplates()


def _reuse_url_builders() -> None:
    """Compile each route's URL builder once per run instead of once per app (tests only).

    werkzeug compiles a small function per route and app to build its URLs; the function
    depends only on the rule's text, parts and defaults, and takes the rule as its first
    argument, so one compiled function serves the same rule in every app of the run.
    """
    original = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def compile_once(rule, append_unknown: bool = True):
        defaults = tuple(sorted((key, repr(value)) for key, value in (rule.defaults or {}).items()))
        key = (rule.rule, tuple(rule._trace), defaults, append_unknown)
        if key not in compiled:
            compiled[key] = original(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_once


_reuse_url_builders()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, a request made while a test holds an app context would share the test's
    ``g`` and database session, hiding bugs (a stale CSRF token, uncommitted writes).
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(tmp_path, **overrides):
    """An app on a fresh, empty schema (tests may create tables; the app itself never does)."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path),
        "SESSION_COOKIE_SECURE": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_SOURCE_RATE_LIMIT": "1000 per minute",
        # Two-factor sign-in is off unless a test turns it on (tests/test_signin.py does).
        "TWO_FACTOR_REQUIRED_ROLES": (),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests send the residents' form right after loading it; tests/test_public_abuse.py
        # turns the minimum fill time back on.
        "PUBLIC_MIN_FILL_SECONDS": 0,
        "SERVER_NAME": None,
        "PASSWORD_HASH_PARAMETERS": PASSWORD_HASH_PARAMETERS,
        # Jobs queue in memory; a test that wants them run starts a worker (tests/test_jobs.py).
        "JOBS_BACKEND": "memory",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    _fresh_database(app)
    # A PostgreSQL test database is emptied and reused: no programme this process saw is left.
    from supporters.tenancy import forget_first_programme

    forget_first_programme()
    return app


@pytest.fixture(autouse=True)
def _no_json_logs_afterwards():
    """A production-like app turns JSON logs on for the process (supporters/ops/logs.py); the
    next test starts without them."""
    yield
    from supporters.ops.logs import remove_json_handler

    remove_json_handler()


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    # The next app empties the PostgreSQL database; an SQLite file is simply removed.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).unlink(missing_ok=True)


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the form on ``url`` (every page carries one in its language switcher)."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, token_from: str | None = None, **kwargs):
    """POST ``data`` to ``url`` as a browser would: with the CSRF token of the form page."""
    payload = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=payload, **kwargs)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return post_form(self.client, "/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return post_form(self.client, "/logout", {}, token_from="/account/password")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def make_supporter(db):
    """Factory: register a supporter (certified unless told otherwise) and commit it."""
    counter = iter(range(1, 10_000))

    def factory(
        name: str = "Nguyễn Thị Lan",
        languages=(("vi", "native"),),
        home: str = "08204",
        served=(),
        modes=("in_person",),
        status: str = "certified",
        email: str | None = None,
        **extra,
    ):
        n = next(counter)
        profile = SupporterProfile(
            display_name=name,
            email=email or f"person{n}@example.jp",
            phone=f"090-0000-{n:04d}",
            home_municipality_code=home,
            served_municipality_codes=list(served),
            languages=[(code, LanguageLevel(level)) for code, level in languages],
            japanese_level=extra.pop("japanese_level", "N2"),
            origins=list(extra.pop("origins", ["VN"])),
            modes=list(modes),
            gender=extra.pop("gender", None),
            monthly_case_cap=extra.pop("monthly_case_cap", 4),
            training_cohort=extra.pop("training_cohort", "2025-1"),
            notes=extra.pop("notes", ""),
        )
        supporter = operations.register_supporter(profile, date(2025, 4, 1), by=None)
        if status in ("certified", "suspended", "retired"):
            operations.certify(supporter, f"TEST-{n:04d}", date(2025, 5, 1), by=None)
        if status == "suspended":
            operations.suspend(supporter, date(2025, 9, 1), "test", by=None)
        if status == "retired":
            operations.retire(supporter, date(2025, 9, 1), "test", by=None)
        _db.session.commit()
        return supporter

    return factory


@pytest.fixture
def make_user(db):
    """Factory: an account of a role (password ``PASSWORD``), scoped or linked as the role needs."""

    def factory(role: str | Role, email: str | None = None, municipalities=(), supporter=None):
        role = Role(role)
        user = User(
            email=email or f"{role.value}@example.jp",
            name=f"Test {role.value}",
            role=role,
            password_hash=_PASSWORD_HASH,
        )
        if municipalities:
            user.municipalities = list(
                _db.session.scalars(
                    select(Municipality).where(Municipality.code.in_(municipalities))
                )
            )
        if supporter is not None:
            user.supporter_id = supporter.id
        _db.session.add(user)
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def users(make_user, make_supporter):
    """One account of every role; the officer covers Koga (08204), the supporter is linked."""
    own = make_supporter(name="Trần Văn Hùng", email="own@example.jp")
    return {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator"),
        "municipal_officer": make_user("municipal_officer", municipalities=["08204"]),
        "official": make_user("official"),
        "supporter": make_user("supporter", supporter=own),
    }


# --- Help requests --------------------------------------------------------------------------------


def jst_at(days_ahead: int, hour: int, minute: int = 0):
    """A timezone-aware datetime ``days_ahead`` days from today (JST) at ``hour:minute`` JST."""
    from datetime import datetime, timedelta

    from supporters.clock import JST, today_jst

    return datetime.combine(
        today_jst() + timedelta(days=days_ahead), datetime.min.time(), JST
    ).replace(hour=hour, minute=minute)


@pytest.fixture
def make_request(db):
    """Factory: take a help request through the real intake service (consent first) and commit."""
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource

    def factory(
        category: str = "daily_life",
        language: str | None = "vi",
        municipality: str = "08204",
        mode: str = "in_person",
        days_ahead: int = 3,
        hours: tuple[int, int] = (10, 12),
        contact: str = "080-1111-2222",
        name: str = "Phạm Thị Mai",
        by=None,
        **extra,
    ):
        draft = RequestDraft(
            category=RequestCategory(category),
            mode=Mode(mode),
            language_code=language,
            municipality_code=municipality,
            starts_at=jst_at(days_ahead, hours[0]),
            ends_at=jst_at(days_ahead, hours[1]),
            duration_minutes=extra.pop("duration_minutes", 60),
            requester_name=name,
            requester_contact=contact,
            source=RequestSource(extra.pop("source", "resident")),
            **extra,
        )
        consent = ConsentGiven("2026-04", "vi", ConsentChannel.PHONE)
        request = take_request(draft, consent, by)
        _db.session.commit()
        return request

    return factory


@pytest.fixture
def set_programme(db):
    """Factory: start (or change) the programme through its service — the demo's Ibaraki
    settings, with ``fields`` over them — and commit; returns the settings as pages read them."""
    from supporters.demo.seed import DEMO_PROGRAMME
    from supporters.programme.service import ProgrammeDraft, start_programme
    from supporters.programme.settings import DEMO_PAYER, current

    def factory(**fields):
        draft = ProgrammeDraft(**{**DEMO_PROGRAMME, **DEMO_PAYER, **fields})
        start_programme(draft, None, load_reference=False)
        _db.session.commit()
        return current()

    return factory
