"""``make serve``: gunicorn in production mode, with rate limits shared through Redis.

User stories: "As the IT officer, `make serve` starts the production server: several processes,
HTTPS-only cookies, JSON logs; it refuses to start if I forgot a setting or if its processes
would each count sign-in attempts alone." — "Two web processes, or two machines, share one
limit: an attacker does not get five tries per process."
"""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from supporters.config import ROOT
from supporters.extensions import db as _db
from tests.conftest import make_app
from tests.smtp_server import free_port
from tests.worker_process import RedisServer

BASE_URL = "https://yorisoi.example.jp"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ACCESS_LOG = re.compile(r'"GET /healthz HTTP/1\.[01]" 200')

needs_redis = pytest.mark.skipif(
    not Path(RedisServer.binary).exists(), reason="redis-server not installed"
)


@pytest.fixture
def redis_url():
    with RedisServer(free_port()) as server:
        yield server.url


@pytest.fixture
def database(tmp_path) -> str:
    """An SQLite file with the schema and the reference data, as `make db` leaves it."""
    path = tmp_path / "live.db"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    return f"sqlite:///{path}"


def _environment(database: str, **settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("YORISOI_ENV", "LOG_FORMAT", "WEB_CONCURRENCY", "MAKEFLAGS", "MAKELEVEL")
    }
    env.update(
        SECRET_KEY="serve-test-" + "k" * 40,
        BASE_URL=BASE_URL,
        DATABASE_URL=database,
        JOBS_BACKEND="memory",
        TWO_FACTOR_REQUIRED_ROLES="",
    )
    env.update(settings)
    return env


class Served:
    """``make serve`` (or gunicorn itself) in its own process group, logs in a file."""

    def __init__(self, env: dict, port: int, log: Path):
        self.port = port
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            # -o: the prerequisites count as done; compiling translations here would rewrite
            # .mo files other tests running in parallel are reading.
            ["make", "-s", "-o", "install", "-o", "translations", "serve", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"make serve exited: {self.output()}")
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"make serve did not answer: {self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _processes_under(pid: int) -> list[str]:
    """Command lines of every descendant of ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                frontier.append(child)
                try:
                    found.append((Path("/proc") / str(child) / "cmdline").read_bytes())
                except OSError:
                    continue
    return [raw.replace(b"\0", b" ").decode(errors="replace") for raw in found]


@needs_redis
def test_make_serve_is_production_gunicorn_with_json_logs(tmp_path, database, redis_url):
    env = _environment(database, RATELIMIT_STORAGE_URI=redis_url, WEB_CONCURRENCY="2")
    served = Served(env, free_port(), tmp_path / "serve.log")
    try:
        served.wait_ready()
        commands = _processes_under(served.process.pid)
        gunicorns = [c for c in commands if "bin/gunicorn" in c and not c.startswith("/bin/sh")]
        assert len(gunicorns) == 3, commands  # the master and WEB_CONCURRENCY workers
        health = requests.get(served.url + "/healthz", headers={"X-Request-ID": "probe-1"})
        assert health.headers["X-Request-ID"] == "probe-1"
        assert health.headers["Cache-Control"] == "no-store"
        page = requests.get(served.url + "/login?next=/dashboard/")
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        cookie = page.headers["Set-Cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
        ready = requests.get(served.url + "/readyz")
        assert ready.status_code == 503  # created without migrations, no worker: and says so
        assert set(ready.json()["failed"]) == {"migrations", "worker"}
    finally:
        served.stop()
    output = served.output()
    # Every line parses (but make's own note that it was stopped).
    lines = [json.loads(x) for x in output.splitlines() if x.strip() and not x.startswith("make:")]
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own, as JSON
    requests_logged = [line for line in lines if line["logger"] == "supporters.requests"]
    assert {"probe-1"} <= {line["request_id"] for line in requests_logged}
    assert "/login" in {line["path"] for line in requests_logged}
    assert "next=" not in output
    assert not ACCESS_LOG.search(output)  # gunicorn's own access log is off


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"SECRET_KEY": "", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}, "SECRET_KEY"),
        ({"BASE_URL": "http://yorisoi.example.jp"}, "BASE_URL must be an https"),
        ({"WEB_CONCURRENCY": "3"}, "but 3 processes would serve"),
    ],
)
def test_make_serve_refuses_unsafe_production_settings(tmp_path, database, settings, named):
    env = _environment(database, **settings)
    served = Served(env, free_port(), tmp_path / "serve.log")
    try:
        assert served.process.wait(timeout=60) != 0
    finally:
        served.stop()
    output = served.output()
    assert "Yorisoi refuses to start in production" in output
    assert named in output
    assert "Booting worker" not in output  # refused by the master, before any worker


def _failed_sign_in(server: str) -> int:
    """One wrong-password sign-in through the real form (cookie and CSRF token kept by hand:
    the session cookie is Secure and this test speaks plain HTTP to the server)."""
    page = requests.get(server + "/login")
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    token = CSRF.search(page.text).group(1)
    answer = requests.post(
        server + "/login",
        data={"csrf_token": token, "email": "nobody@example.jp", "password": "wrong"},
        headers={"Cookie": cookie},
        allow_redirects=False,
    )
    return answer.status_code


@needs_redis
def test_two_servers_share_one_limit_through_redis(tmp_path, database, redis_url):
    """Two separate servers (one process each, as two machines would be) and one Redis: the
    third sign-in attempt from an address is the last, wherever it lands."""
    env = _environment(
        database,
        RATELIMIT_STORAGE_URI=redis_url,
        WEB_CONCURRENCY="1",
        LOGIN_SOURCE_RATE_LIMIT="3 per minute",
        LOGIN_RATE_LIMIT="100 per minute",
    )
    first = Served(env, free_port(), tmp_path / "first.log")
    second = Served(env, free_port(), tmp_path / "second.log")
    try:
        first.wait_ready()
        second.wait_ready()
        answers = [
            _failed_sign_in(first.url),
            _failed_sign_in(second.url),
            _failed_sign_in(first.url),
            _failed_sign_in(second.url),
            _failed_sign_in(first.url),
        ]
    finally:
        first.stop()
        second.stop()
    assert answers == [401, 401, 401, 429, 429]
