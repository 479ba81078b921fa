"""The national load test's user mix still runs: Locust, a few seconds, a tiny data set on SQLite.

gunicorn serves the app in its production configuration (as ``bench/national_load/run.py`` does);
every task of the locustfile must run at least once, and no request may fail.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

# Only looked up, never imported: importing Locust monkey-patches the process (gevent).
if importlib.util.find_spec("locust") is None:
    pytest.skip("locust is not installed (pip install -e '.[test]')", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench" / "national_load"
BIN = Path(sys.executable).parent
TASKS = {
    "sign-in form",
    "sign-in",
    "supporter: home",
    "supporter: offers",
    "supporter: case log",
    "supporter: case form",
    "supporter: log case (form)",
    "supporter: log case (API)",
    "coordinator: queue (request list)",
    "coordinator: request + matching",
    "coordinator: send offer",
    "official: reports page",
    "official: report download (CSV)",
}
TINY = {
    "LOAD_SUPPORTERS": "300",
    "LOAD_HISTORY": "300",
    "LOAD_OPEN_REQUESTS": "20",
    "LOAD_SUPPORTER_ACCOUNTS": "6",
    "LOAD_COORDINATORS": "2",
    "LOAD_OFFICIALS": "2",
    "LOAD_TOKENS": "6",
    # Ibaraki (Khmer speakers live there) and Aomori (far from them): 84 municipalities.
    "LOAD_PREFECTURES": "08,02",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_app(tmp_path):
    """The tiny data set on SQLite, served by gunicorn; yields (base URL, accounts file)."""
    url = f"sqlite:///{tmp_path}/load.db"
    accounts = tmp_path / "accounts.json"
    env = {**os.environ, **TINY, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, HERE / "data.py", accounts], cwd=ROOT, env=env, check=True, timeout=120
    )
    port = _free_port()
    env.update(
        YORISOI_ENV="production",
        BASE_URL="https://load.example.jp",
        SECRET_KEY="national-load-test-" + os.urandom(8).hex(),
        TRUST_PROXY_HOPS="1",
        TWO_FACTOR_REQUIRED_ROLES="",
        LOGIN_RATE_LIMIT="1000 per minute",
        LOGIN_SOURCE_RATE_LIMIT="1000 per minute",
        JOBS_BACKEND="sqlite",
        JOBS_URL=str(tmp_path / "jobs.db"),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        WEB_THREADS="4",
        GUNICORN_LOG_LEVEL="warning",
    )
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "python:supporters.ops.gunicorn_conf", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, accounts
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_task_of_the_mix_runs_without_a_failure(live_app, tmp_path):
    base, accounts = live_app
    records = tmp_path / "records.json"
    env = {
        **os.environ,
        "LOAD_ACCOUNTS": str(accounts),
        "LOAD_RESULTS": str(records),
        "LOAD_MIX": "full",
        "LOAD_SHARES": "1,1,1",
        "LOAD_WAIT": "0.05,0.2",
    }
    subprocess.run(
        [BIN / "locust", "-f", HERE / "locustfile.py", "--headless", "-u", "9", "-r", "9"]
        + ["-t", "10s", "--host", base, "--only-summary", "--stop-timeout", "2"],
        cwd=HERE,
        env=env,
        check=False,
        capture_output=True,
        timeout=60,
    )
    seen = json.loads(records.read_text())
    failed = [(name, ms) for _start, name, ms, bad in seen if bad]
    assert failed == []
    assert TASKS <= {name for _start, name, _ms, _bad in seen}
    # One programme per prefecture: every account is one's, and so is every open request.
    content = json.loads(accounts.read_text())
    assert content["counts"]["programmes"] == 2
    people = content["supporters"] + content["coordinators"] + content["officials"]
    assert {account["programme"] for account in people} == {"02", "08"}
    assert set(content["open_requests"]) <= {"02", "08"}
