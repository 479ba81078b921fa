"""Delivering the outbox through the job queue: 1,000 messages, as a share of a bare SMTP loop.

Run with ``make bench-outbox`` (or ``.venv/bin/python bench/outbox.py``); PostgreSQL + Redis too
when ``BENCH_DATABASE_URL`` is set and ``redis-server`` is installed. A local SMTP server
(aiosmtpd, as in the tests) receives everything. Measured, each from "committed" to "the last
message arrived":

- **bare**: the same 1,000 e-mails sent in a loop with ``smtplib`` from one process, one
  connection per message (what the worker does) — the baseline, measured in the same run;
- **embedded**: SQLite database + SQLite job queue, one ``flask worker`` (2 threads);
- **distributed**: PostgreSQL + Redis, two ``flask worker`` processes (2 threads each);
- **distributed, one killed**: the same, with one worker killed (``kill -9``) after 200 messages
  and a new one started; the figure counts repeats (same Message-ID) as well.

Prints a Markdown table for docs/benchmarks.md ("Outbox delivery").
"""

import os
import platform
import smtplib
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from supporters import create_app  # noqa: E402
from supporters.config import database_url  # noqa: E402
from supporters.extensions import db  # noqa: E402
from supporters.jobs import enqueue  # noqa: E402
from supporters.models import OutboxMessage, OutboxStatus  # noqa: E402
from tests.smtp_server import SmtpServer, free_port  # noqa: E402
from tests.worker_process import RedisServer, WorkerProcess, wait_until  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000"))
BATCH = 100
THREADS = 2
SENDER = "Yorisoi <no-reply@yorisoi.example.jp>"


def bare(mailbox: SmtpServer) -> float:
    """Seconds to send ``MESSAGES`` e-mails in a plain loop."""
    started = time.perf_counter()
    for n in range(MESSAGES):
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = SENDER, f"p{n}@example.jp", "Yorisoi"
        email.set_content("-")
        with smtplib.SMTP(mailbox.host, mailbox.port, timeout=10) as smtp:
            smtp.send_message(email)
    wait_until(lambda: len(mailbox.messages) >= MESSAGES, timeout=60)
    return time.perf_counter() - started


def through_the_queue(config: dict, workers: int, kill_one: bool, folder: Path) -> tuple:
    """Seconds from the first commit to the last arrival, and the number of repeats."""
    with SmtpServer() as mailbox:
        config = {**config, "MAIL_SERVER": mailbox.host, "MAIL_PORT": mailbox.port}
        app = create_app(config)
        with app.app_context():
            db.drop_all()
            db.create_all()
            running = [
                WorkerProcess(config, THREADS, folder / f"w{i}.log").start() for i in range(workers)
            ]
            time.sleep(3)  # let the workers start before the clock does
            started = time.perf_counter()
            for start in range(0, MESSAGES, BATCH):
                rows = [
                    {
                        "channel": "email",
                        "recipient": f"p{n}@example.jp",
                        "subject": "Yorisoi",
                        "body": "-",
                        "kind": "offer_new",
                    }
                    for n in range(start, start + BATCH)
                ]
                ids = db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id), rows)
                ids = ids.all()
                db.session.commit()
                enqueue("deliver_outbox", ids)
            if kill_one:
                wait_until(lambda: len(mailbox.messages) >= 200, timeout=60)
                running[0].kill()
                running.append(WorkerProcess(config, THREADS, folder / "again.log").start())

            def all_sent() -> bool:
                db.session.rollback()
                return (
                    db.session.scalar(
                        select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)
                    )
                    == MESSAGES
                )

            wait_until(all_sent, timeout=300, interval=0.05)
            elapsed = time.perf_counter() - started
            for worker in running:
                worker.stop()
            received = Counter(m["Message-ID"] for m in mailbox.messages)
            db.session.remove()
            db.engine.dispose()
    return elapsed, len(received), sum(n - 1 for n in received.values())


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="yorisoi-bench-outbox-"))
    base = {
        "SECRET_KEY": "bench",
        "MAIL_SENDER": SENDER,
        "BASE_URL": "https://yorisoi.example.jp",
        "OUTBOX_LEASE_SECONDS": 3,
        "YORISOI_ENV": "development",
    }
    rows = []
    with SmtpServer() as mailbox:
        baseline = bare(mailbox)
    rows.append(("bare smtplib loop (1 process)", baseline, MESSAGES, 0))
    embedded = {
        **base,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "JOBS_BACKEND": "sqlite",
        "JOBS_URL": str(folder / "jobs.db"),
    }
    rows.append(("SQLite + SQLite queue, 1 worker", *through_the_queue(embedded, 1, False, folder)))
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg and Path(RedisServer.binary).exists():
        with RedisServer(free_port()) as redis_server:
            distributed = {
                **base,
                "SQLALCHEMY_DATABASE_URI": database_url(pg),
                "JOBS_BACKEND": "redis",
                "JOBS_URL": redis_server.url,
            }
            rows.append(
                ("PostgreSQL + Redis, 2 workers", *through_the_queue(distributed, 2, False, folder))
            )
            rows.append(
                (
                    "PostgreSQL + Redis, 2 workers, one killed at 200",
                    *through_the_queue(distributed, 2, True, folder),
                )
            )
    load = os.getloadavg()
    print(
        f"{MESSAGES} messages; Python {platform.python_version()}; {os.cpu_count()} cores; "
        f"load average {load[0]:.1f}"
    )
    print("| setup | seconds | messages/s | share of bare | arrived | repeats |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, seconds, arrived, repeats in rows:
        print(
            f"| {label} | {seconds:.1f} | {MESSAGES / seconds:.0f} | "
            f"{baseline / seconds:.0%} | {arrived} | {repeats} |"
        )


if __name__ == "__main__":
    main()
