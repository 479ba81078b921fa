"""Throughput of the main pages under gunicorn, as a share of a bare Flask endpoint's.

Run with ``make bench-pages`` (or ``.venv/bin/python bench/pages.py``). It seeds the demo
programme into a throw-away SQLite database, starts Yorisoi and ``bench/bare.py`` under the same
gunicorn command (``BENCH_WORKERS`` sync workers, default 2), signs in once per role through the
login form, then loads each page for ``BENCH_SECONDS`` (default 5) with ``BENCH_CLIENTS``
concurrent clients (default 4; ``bench/load.py``, as ``wrk`` is not installed). The bare endpoint
is measured first and last; each page's requests/s is given as a share of their mean. The script
prints a Markdown table for docs/benchmarks.md. ``BENCH_TREE`` names another checkout of the
code to measure (e.g. the previous commit, for a before/after). Goals: supporter home ≥ 25 % of
bare Flask, console pages ≥ 10 %.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
# The source tree to measure (default: this one); another checkout compares before and after.
ROOT = Path(os.environ.get("BENCH_TREE", HERE.parent)).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from load import requests_per_second  # noqa: E402  (bench/load.py, beside this script)

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
GUNICORN = str(HERE.parent / ".venv" / "bin" / "gunicorn")
USER_AGENT = "yorisoi-bench"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

HOME_GOAL = 0.25
CONSOLE_GOAL = 0.10


def pages() -> list[tuple[str, str, str, float]]:
    """(label, path, demo account, goal) for each page measured."""
    from supporters.clock import today_jst

    last_month = (today_jst().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    console = [
        ("dashboard", "/dashboard/", "coordinator"),
        ("supporter list", "/supporters/", "coordinator"),
        ("request queue", "/requests/", "coordinator"),
        ("activities", "/activities/", "coordinator"),
        ("notifications", "/notifications/", "coordinator"),
        (f"stipends, {last_month}", f"/stipends/{last_month}", "coordinator"),
        ("coverage", "/coverage/", "coordinator"),
        ("reports", "/reports/", "coordinator"),
        ("audit trail", "/audit/", "admin"),
        ("accounts", "/accounts/", "admin"),
    ]
    return [("supporter home", "/me/", "supporter", HOME_GOAL)] + [
        (label, path, account, CONSOLE_GOAL) for label, path, account in console
    ]


def seed(env: dict) -> dict[str, int]:
    """Create the schema and load the demo programme (the same data as ``flask seed-demo``)."""
    os.environ.update(env)
    from supporters import create_app
    from supporters.demo.seed import seed_demo
    from supporters.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        counts = seed_demo()
        db.session.commit()
        db.engine.dispose()
    return counts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    """Start ``gunicorn app`` on ``port`` and wait until it answers."""
    process = subprocess.Popen(
        [GUNICORN, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", app],
        cwd=cwd,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 120  # the app's workers import slowly on a busy machine
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10, allow_redirects=False)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"gunicorn {app} did not start")


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the login form; the ``Cookie`` header of the signed-in browser."""
    browser = requests.Session()
    # Flask-Login's "strong" session protection ties the session to the browser's User-Agent.
    browser.headers["User-Agent"] = USER_AGENT
    base = f"http://127.0.0.1:{port}"
    token = CSRF_RE.search(browser.get(f"{base}/login").text).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303), f"sign-in of {email}: {answer.status_code}"
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def main() -> None:
    from supporters.demo.seed import DEMO_PASSWORD

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "YORISOI_ENV": "development",
            "DATABASE_URL": f"sqlite:///{tmp}/pages.db",
            "SECRET_KEY": "bench-pages",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
        counts = seed(env)
        app_port, bare_port = free_port(), free_port()
        servers = []
        try:
            servers.append(serve("supporters:create_app()", app_port, env, ROOT))
            servers.append(serve("bare:app", bare_port, {}, HERE))
            cookies = {
                account: sign_in(app_port, f"{account}@example.jp", DEMO_PASSWORD)
                for account in ("supporter", "coordinator", "admin")
            }
            measure = _measurer()
            bare_before = measure(bare_port, "/", "")
            rows = []
            for label, path, account, goal in pages():
                _check(app_port, path, cookies[account])
                rate, failed = measure(app_port, path, cookies[account])
                rows.append((label, path, account, goal, rate, failed))
            bare_after = measure(bare_port, "/", "")
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    bare = (bare_before[0] + bare_after[0]) / 2
    print(_header(counts, bare_before[0], bare_after[0]))
    print("| page | path | signed in as | requests/s | share of bare Flask | goal |")
    print("| --- | --- | --- | ---: | ---: | --- |")
    print(f"| bare Flask | / | — | {bare:,.0f} | 100 % | |")
    for label, path, account, goal, rate, failed in rows:
        share = rate / bare
        verdict = "met" if share >= goal else "not met"
        note = f" ({failed} failed)" if failed else ""
        print(
            f"| {label} | `{path}` | {account} | {rate:,.0f}{note} | {share:.1%} "
            f"| ≥ {goal:.0%}: {verdict} |"
        )


def _check(port: int, path: str, cookie: str) -> None:
    """Refuse to time a page that does not answer 200 to the signed-in browser."""
    answer = requests.get(
        f"http://127.0.0.1:{port}{path}",
        headers={"Cookie": cookie, "User-Agent": USER_AGENT},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 200, f"{path}: {answer.status_code}"


def _measurer():
    def measure(port: int, path: str, cookie: str) -> tuple[float, int]:
        requests_per_second(
            "127.0.0.1", port, path, cookie, USER_AGENT, CLIENTS, 1.0
        )  # warm the workers
        return requests_per_second("127.0.0.1", port, path, cookie, USER_AGENT, CLIENTS, SECONDS)

    return measure


def _header(counts: dict, bare_before: float, bare_after: float) -> str:
    load = os.getloadavg()[0]
    return (
        f"gunicorn {WORKERS} sync workers, {CLIENTS} clients × {SECONDS:g} s per page, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; Python "
        f"{sys.version.split()[0]}; demo data {counts}; bare Flask {bare_before:,.0f} req/s "
        f"before and {bare_after:,.0f} after.\n"
    )


if __name__ == "__main__":
    main()
