"""Run the national load test: start everything, step the users, write the summary, stop all.

``.venv/bin/python bench/national_load/run.py`` starts, each on its own port and all under
/tmp/pg-load: PostgreSQL 15 (port 54341, data in /tmp/pg-load/data), redis-server (56341: the job
queue in db 0, the rate-limit counters in db 1), an SMTP sink (aiosmtpd), then builds the data set
(``data.py``: 100,000 supporters), starts gunicorn (``supporters/ops/gunicorn_conf.py``,
LOAD_WEB_WORKERS sync workers, default 4) and the Huey worker (``flask worker``) in the
production configuration, and runs Locust headless once per step of LOAD_STEPS (users, default
"10,25,50,100,200,400"), LOAD_STEP_SECONDS each (90 for LOAD_MIX=full, the default, 60 for
"core"; the first LOAD_WARMUP_SECONDS, 15, sign in and ramp up and are not counted). It stops
stepping once a step breaks (p95 ≥ 1 s or ≥ 1 % errors). Writes ``summary.csv``, ``summary.md``
and Locust's own CSVs to LOAD_OUT (default /tmp/pg-load/results) and prints the Markdown.
LOAD_REUSE=1 keeps an existing data set. Run it as root (PostgreSQL runs as ``postgres``) or as
the ``postgres`` user; every process it started is stopped at the end, also on failure.
"""

import csv
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
BASE = Path(os.environ.get("LOAD_BASE", "/tmp/pg-load"))
PG_PORT = int(os.environ.get("LOAD_PG_PORT", "54341"))
REDIS_PORT = int(os.environ.get("LOAD_REDIS_PORT", "56341"))
SMTP_PORT = int(os.environ.get("LOAD_SMTP_PORT", "58341"))
WEB_PORT = int(os.environ.get("LOAD_WEB_PORT", "58342"))
WEB_WORKERS = os.environ.get("LOAD_WEB_WORKERS", "4")
STEPS = [int(n) for n in os.environ.get("LOAD_STEPS", "10,25,50,100,200,400").split(",")]
MIX = os.environ.get("LOAD_MIX", "full")
# The full mix needs 90 s: a report download killed at gunicorn's 60 s timeout must end in the step.
STEP_SECONDS = int(os.environ.get("LOAD_STEP_SECONDS", "90" if MIX == "full" else "60"))
WARMUP_SECONDS = int(os.environ.get("LOAD_WARMUP_SECONDS", "15"))
OUT = Path(os.environ.get("LOAD_OUT", str(BASE / "results")))
P95_GOAL_MS = 200
BROKEN_P95_MS = 1000
BROKEN_ERRORS = 0.01
SLOW = re.compile(r"coordinator: queue|report download")
DATABASE = f"postgresql://postgres@127.0.0.1:{PG_PORT}/yorisoi_load"


def app_env() -> dict[str, str]:
    """The production configuration behind a pretend TLS proxy, with sign-in limits raised
    (hundreds of people sign in from the test's one machine within seconds) and two-factor off
    for the generated accounts (it is checked at sign-in only, not per page)."""
    return {
        **os.environ,
        "YORISOI_ENV": "production",
        "BASE_URL": "https://load.example.jp",
        "SECRET_KEY": "national-load-" + os.urandom(16).hex(),
        "DATABASE_URL": DATABASE,
        "TRUST_PROXY_HOPS": "1",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "LOGIN_SOURCE_RATE_LIMIT": "10000 per minute",
        "LOGIN_ACCOUNT_CEILING": "10000 per hour",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{REDIS_PORT}/1",
        "JOBS_BACKEND": "redis",
        "JOBS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(SMTP_PORT),
        "PORT": str(WEB_PORT),
        "WEB_CONCURRENCY": WEB_WORKERS,
        "GUNICORN_LOG_LEVEL": "warning",
        "FLASK_APP": "app",
    }


class Services:
    """The processes this run started (stopped in reverse order, by their own ids)."""

    def __init__(self):
        self.started: list[tuple[str, subprocess.Popen]] = []
        self.pg_started = False

    def spawn(self, name: str, args: list[str], env=None, log: str | None = None):
        out = open(BASE / f"{log or name}.log", "a")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.started.append((name, process))
        return process

    def postgres(self) -> None:
        data = BASE / "data"
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if not data.exists():
            BASE.mkdir(parents=True, exist_ok=True)
            if as_pg:
                shutil.chown(BASE, "postgres")
            subprocess.run(
                [*as_pg, PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = (
            f"-p {PG_PORT} -k {BASE} -c listen_addresses=127.0.0.1 -c max_connections=200"
            " -c shared_buffers=512MB"
        )
        if (
            subprocess.run(
                [*as_pg, PG_BIN / "pg_ctl", "-D", data, "status"], stdout=subprocess.DEVNULL
            ).returncode
            != 0
        ):
            subprocess.run(
                [
                    *as_pg,
                    PG_BIN / "pg_ctl",
                    "-D",
                    data,
                    "-l",
                    BASE / "postgres.log",
                    "-o",
                    options,
                    "-w",
                    "start",
                ],
                check=True,
            )
            self.pg_started = True
        subprocess.run(
            [*as_pg, PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "yorisoi_load"],
            stderr=subprocess.DEVNULL,
        )
        self._as_pg = as_pg

    def stop(self) -> None:
        for _name, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGINT if _name == "worker" else signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.pg_started:
            subprocess.run(
                [*self._as_pg, PG_BIN / "pg_ctl", "-D", BASE / "data", "-m", "fast", "stop"],
                check=False,
            )


def wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=10, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


def step(users: int, accounts: Path) -> dict:
    """One Locust run of ``users``; the figures of its steady part."""
    results = OUT / f"records-{users}.json"
    spawn_rate = max(1, users // 5)  # everyone has started after ~5 s
    started = time.time()
    log = open(OUT / f"locust-{users}.log", "w")  # noqa: SIM115 (closed below)
    subprocess.run(
        [
            BIN / "locust",
            "-f",
            HERE / "locustfile.py",
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            f"{STEP_SECONDS}s",
            "--host",
            f"http://127.0.0.1:{WEB_PORT}",
            "--csv",
            OUT / f"locust-{users}",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        env={**os.environ, "LOAD_ACCOUNTS": str(accounts), "LOAD_RESULTS": str(results)},
        cwd=HERE,
        check=False,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return summarise(json.loads(results.read_text()), started + WARMUP_SECONDS, users)


def summarise(records: list, since: float, users: int) -> dict:
    """Requests/s, percentiles and errors of the requests started after ``since`` (sign-ins
    excluded), overall and per task."""
    kept = [r for r in records if r[0] >= since and not r[1].startswith("sign-in")]
    if not kept:
        return {"users": users, "requests": 0}
    span = max(r[0] + r[2] / 1000 for r in kept) - since
    times = sorted(r[2] for r in kept)
    tasks = {}
    for name in sorted({r[1] for r in kept}):
        mine = sorted(r[2] for r in kept if r[1] == name)
        tasks[name] = {
            "n": len(mine),
            "median": statistics.median(mine),
            "p95": percentile(mine, 95),
            "failed": sum(r[3] for r in kept if r[1] == name),
        }
    return {
        "users": users,
        "requests": len(kept),
        "rps": len(kept) / span,
        "median": statistics.median(times),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "supporters_p95": percentile(
            sorted(r[2] for r in kept if r[1].startswith("supporter")), 95
        ),
        # The pages that do not scale yet (docs/scaling.md, step 0) and the dashboard's queue.
        "others_p95": percentile(sorted(r[2] for r in kept if not SLOW.search(r[1])), 95),
        "failed": sum(r[3] for r in kept),
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "tasks": tasks,
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def verdict(row: dict) -> str:
    if not row.get("requests"):
        return "no requests"
    errors = row["failed"] / row["requests"]
    if row["p95"] >= BROKEN_P95_MS or errors >= BROKEN_ERRORS:
        return "broken"
    return "sustained" if row["p95"] < P95_GOAL_MS and row["failed"] == 0 else "degraded"


def markdown(rows: list[dict], counts: dict) -> str:
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, mix {MIX}, "
        f"think time {os.environ.get('LOAD_WAIT', '2,6')} s, {os.cpu_count()} CPUs, gunicorn "
        f"{WEB_WORKERS} sync workers, {STEP_SECONDS} s per step ({WARMUP_SECONDS} s ramp-up "
        f"not counted). Data set: {counts}.",
        "",
        "| users | requests/s | median | p95 | p99 | p95 of supporters' requests "
        "| p95 without the queue and reports | errors | load average (1/5/15) | verdict |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        if not row.get("requests"):
            lines.append(f"| {row['users']} | – | – | – | – | – | – | – | – | no requests |")
            continue
        lines.append(
            f"| {row['users']} | {row['rps']:.1f} | {row['median']:.0f} ms | {row['p95']:.0f} ms "
            f"| {row['p99']:.0f} ms | {row['supporters_p95']:.0f} ms | {row['others_p95']:.0f} ms "
            f"| {row['failed']} of {row['requests']} | {row['load']} "
            f"| {verdict(row)} |"
        )
    for row in rows:
        if not row.get("tasks"):
            continue
        lines += [
            "",
            f"Per task at {row['users']} users:",
            "",
            "| task | n | median | p95 | failed |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, t in row["tasks"].items():
            lines.append(
                f"| {name} | {t['n']} | {t['median']:.0f} ms | {t['p95']:.0f} ms | {t['failed']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    services = Services()
    env = app_env()
    rows: list[dict] = []
    try:
        services.postgres()
        services.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ],
        )
        services.spawn(
            "smtp",
            [
                BIN / "python",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{SMTP_PORT}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
        )
        accounts = BASE / "accounts.json"
        if os.environ.get("LOAD_REUSE") != "1" or not accounts.exists():
            subprocess.run(
                [BIN / "python", HERE / "data.py", accounts],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": DATABASE},
                check=True,
            )
        counts = json.loads(accounts.read_text())["counts"]
        services.spawn(
            "gunicorn",
            [BIN / "gunicorn", "-c", "python:supporters.ops.gunicorn_conf", "app:app"],
            env=env,
        )
        services.spawn("worker", [BIN / "flask", "worker"], env=env)
        wait_for(f"http://127.0.0.1:{WEB_PORT}/healthz")
        for users in STEPS:
            row = step(users, accounts)
            rows.append(row)
            print(
                f"{users} users: {row.get('rps', 0):.1f} requests/s, p95 "
                f"{row.get('p95', 0):.0f} ms, {row.get('failed', 0)} errors: {verdict(row)}",
                flush=True,
            )
            if verdict(row) == "broken":
                break
    finally:
        services.stop()
    table = markdown(rows, counts)
    (OUT / "summary.md").write_text(table)
    with open(OUT / "summary.csv", "w", newline="") as out:
        fields = ["users", "requests", "rps", "median", "p95", "p99", "failed", "load"]
        writer = csv.DictWriter(out, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    print(table)
    sys.exit(0 if rows else 1)


if __name__ == "__main__":
    main()
