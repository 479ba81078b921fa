"""Throughput of the main pages under gunicorn, as a share of a bare Flask endpoint's.

Run with ``make bench-pages`` (or ``.venv/bin/python bench/pages.py``). It seeds the demo
programme into a throw-away SQLite database, starts Yorisoi and ``bench/bare.py`` under the same
gunicorn command (``BENCH_WORKERS`` sync workers, default 2), signs in once per role through the
login form, then loads each page for ``BENCH_SECONDS`` (default 5) with ``BENCH_CLIENTS``
concurrent clients (default 4; ``bench/load.py``, as ``wrk`` is not installed). The bare endpoint
is measured right before each page; the page's requests/s is given as a share of that. So is
``bench/floor.py``, a signed-in page made of the required stack alone (Flask-Login,
Flask-SQLAlchemy, Jinja, Flask-WTF's CSRF token; no Yorisoi), measured beside it: what any page
of this stack costs before the application adds anything. The script
prints a Markdown table for docs/benchmarks.md. ``BENCH_TREE`` names another checkout of the
code to measure (e.g. the previous commit, for a before/after); ``BENCH_PAGES`` picks some
paths. The app runs in its production configuration (``YORISOI_ENV=production``, a throw-away
https ``BASE_URL`` and ``SECRET_KEY``, behind a pretend TLS proxy). Goals: supporter home
≥ 25 % of bare Flask, console pages ≥ 10 %.
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
# Only these paths (comma-separated), e.g. BENCH_PAGES=/me/,/dashboard/; default all.
ONLY = {path for path in os.environ.get("BENCH_PAGES", "").split(",") if path}
GUNICORN = str(HERE.parent / ".venv" / "bin" / "gunicorn")
USER_AGENT = "yorisoi-bench"
# What the TLS-terminating proxy in front of a production app adds (TRUST_PROXY_HOPS=1).
PROXY_HEADERS = {"X-Forwarded-For": "192.0.2.10", "X-Forwarded-Proto": "https"}
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
    """Sign in through the login form; the ``Cookie`` header of the signed-in browser.

    The cookies are kept by hand: production marks them ``Secure``, and ``requests`` would not
    send them back over the plain-HTTP hop from the (absent) proxy to gunicorn.
    """
    base = f"http://127.0.0.1:{port}"
    jar: dict[str, str] = {}

    def call(method: str, path: str, **kwargs) -> requests.Response:
        headers = {**PROXY_HEADERS, "User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
        if jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        answer = requests.request(
            method, base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        jar.update(answer.cookies.items())
        return answer

    token = CSRF_RE.search(call("GET", "/login").text).group(1)
    form = {"csrf_token": token, "email": email, "password": password}
    # Over HTTPS Flask-WTF also wants a same-site Referer (WTF_CSRF_SSL_STRICT), as browsers send.
    referer = {"Referer": f"https://127.0.0.1:{port}/login"}
    answer = call("POST", "/login", data=form, headers=referer)
    assert answer.status_code in (302, 303), f"sign-in of {email}: {answer.status_code}"
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # The production configuration, as a deployment behind a TLS-terminating proxy runs it
        # (secure cookies, HSTS, BASE_URL checked, ProxyFix): a throw-away https BASE_URL and
        # SECRET_KEY. Two-factor sign-in is switched off only because the demo accounts have no
        # authenticator (it is checked at sign-in alone, not per page); the sign-in limits are
        # raised so the three sign-ins are never refused.
        env = {
            "YORISOI_ENV": "production",
            "BASE_URL": "https://yorisoi-bench.example.jp",
            "DATABASE_URL": f"sqlite:///{tmp}/pages.db",
            "SECRET_KEY": "bench-pages-" + os.urandom(16).hex(),
            "TRUST_PROXY_HOPS": "1",
            "TWO_FACTOR_REQUIRED_ROLES": "",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
        counts = seed(env)
        # Production gives the demo accounts random passwords, returned once by the seed.
        passwords = counts.pop("account_passwords")
        app_port, bare_port, floor_port = free_port(), free_port(), free_port()
        servers = []
        try:
            servers.append(serve("supporters:create_app()", app_port, env, ROOT))
            servers.append(serve("bare:app", bare_port, {}, HERE))
            floor_env = {"FLOOR_DATABASE_URL": f"sqlite:///{tmp}/floor.db"}
            _create_floor(floor_env)
            servers.append(serve("floor:app", floor_port, floor_env, HERE))
            floor_cookie = _floor_sign_in(floor_port)
            cookies = {
                account: sign_in(
                    app_port, f"{account}@example.jp", passwords[f"{account}@example.jp"]
                )
                for account in ("supporter", "coordinator", "admin")
            }
            measure = _measurer()
            rows = []
            for label, path, account, goal in pages():
                if ONLY and path not in ONLY:
                    continue
                _check(app_port, path, cookies[account])
                # The yardstick right before each page: another process's burst of work
                # then lowers both figures alike instead of skewing one page's share.
                bare, _ = measure(bare_port, "/", "")
                floor, _ = measure(floor_port, "/", floor_cookie)
                rate, failed = measure(app_port, path, cookies[account])
                rows.append((label, path, account, goal, rate, failed, bare, floor))
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    bares = [row[-2] for row in rows]
    print(_header(counts, min(bares), max(bares)))
    print(
        "| page | path | signed in as | requests/s | bare Flask | share of bare Flask | goal "
        "| the floor (`floor.py`) | its share of bare | page's share of the floor |"
    )
    print("| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for label, path, account, goal, rate, failed, bare, floor in rows:
        share = rate / bare
        verdict = "met" if share >= goal else "not met"
        note = f" ({failed} failed)" if failed else ""
        print(
            f"| {label} | `{path}` | {account} | {rate:,.0f}{note} | {bare:,.0f} | {share:.1%} "
            f"| ≥ {goal:.0%}: {verdict} | {floor:,.0f} | {floor / bare:.1%} | {rate / floor:.0%} |"
        )


def _create_floor(env: dict) -> None:
    """Make the floor app's database once, before its workers start (they would race)."""
    os.environ.update(env)
    import floor

    floor.create()


def _floor_sign_in(port: int) -> str:
    """The floor app's session cookie (its ``/login`` signs its one user in)."""
    answer = requests.get(f"http://127.0.0.1:{port}/login", timeout=30)
    assert answer.status_code == 200, f"floor sign-in: {answer.status_code}"
    cookie = "; ".join(f"{name}={value}" for name, value in answer.cookies.items())
    _check(port, "/", cookie)
    return cookie


def _check(port: int, path: str, cookie: str) -> None:
    """Refuse to time a page that does not answer 200 to the signed-in browser."""
    answer = requests.get(
        f"http://127.0.0.1:{port}{path}",
        headers={**PROXY_HEADERS, "Cookie": cookie, "User-Agent": USER_AGENT},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 200, f"{path}: {answer.status_code}"


def _measurer():
    def measure(port: int, path: str, cookie: str) -> tuple[float, int]:
        args = ("127.0.0.1", port, path, cookie, USER_AGENT, CLIENTS)
        requests_per_second(*args, 1.0, PROXY_HEADERS)  # warm the workers
        return requests_per_second(*args, SECONDS, PROXY_HEADERS)

    return measure


def _header(counts: dict, bare_low: float, bare_high: float) -> str:
    load = os.getloadavg()[0]
    return (
        f"YORISOI_ENV=production, gunicorn {WORKERS} sync workers, "
        f"{CLIENTS} clients × {SECONDS:g} s per page, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; Python "
        f"{sys.version.split()[0]}; demo data {counts}; bare Flask {bare_low:,.0f}–"
        f"{bare_high:,.0f} req/s (measured right before each page).\n"
    )


if __name__ == "__main__":
    main()
