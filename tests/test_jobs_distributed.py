"""Two workers on PostgreSQL and Redis deliver 1,000 queued messages, one of them killed midway.

Runs in the PostgreSQL pass of the suite (``TEST_DATABASE_URL``) where ``redis-server`` is
installed (``.ci/run`` installs it). Every message is sent; no message is sent by both workers;
a message can be repeated only if the kill fell between the SMTP server's "accepted" and the
worker's commit, and then with the same Message-ID (so the repeat is recognisable).
"""

import os
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from supporters.extensions import db as _db
from supporters.jobs import enqueue
from supporters.models import OutboxMessage, OutboxStatus
from tests.conftest import make_app
from tests.smtp_server import SmtpServer, free_port
from tests.worker_process import RedisServer, WorkerProcess, wait_until

MESSAGES = 1000
BATCH = 100
THREADS = 2

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("YORISOI_TEST_BACKEND") != "postgresql",
        reason="the distributed backend is tested on PostgreSQL",
    ),
    pytest.mark.skipif(not Path(RedisServer.binary).exists(), reason="redis-server not installed"),
]


def _sent() -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT))


def test_two_workers_deliver_a_thousand_messages_once_each_with_one_killed_midway(tmp_path):
    with SmtpServer() as mailbox, RedisServer(free_port()) as redis_server:
        app = make_app(
            tmp_path,
            JOBS_BACKEND="redis",
            JOBS_URL=redis_server.url,
            MAIL_SERVER=mailbox.host,
            MAIL_PORT=mailbox.port,
            MAIL_SENDER="Yorisoi <no-reply@yorisoi.example.jp>",
            BASE_URL="https://yorisoi.example.jp",
            OUTBOX_LEASE_SECONDS=3,
        )
        assert make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql"
        with app.app_context():
            first = WorkerProcess(app.config, THREADS, tmp_path / "first.log").start()
            second = WorkerProcess(app.config, THREADS, tmp_path / "second.log").start()
            try:
                for start in range(0, MESSAGES, BATCH):  # each commit hands a batch to the queue
                    rows = [
                        {
                            "channel": "email",
                            "recipient": f"person{n}@example.jp",
                            "subject": f"Yorisoi {n}",
                            "body": "-",
                            "kind": "offer_new",
                        }
                        for n in range(start, start + BATCH)
                    ]
                    ids = _db.session.scalars(
                        insert(OutboxMessage).returning(OutboxMessage.id), rows
                    ).all()
                    _db.session.commit()
                    enqueue("deliver_outbox", ids)

                assert wait_until(lambda: len(mailbox.messages) >= 200, timeout=60)
                first.kill()  # kill -9, in the middle of its jobs
                replacement = WorkerProcess(app.config, THREADS, tmp_path / "third.log").start()
                assert wait_until(lambda: _sent() == MESSAGES, timeout=120), _sent()
            finally:
                second.stop()
                if "replacement" in locals():
                    replacement.stop()
                first.kill()
            received = Counter(message["Message-ID"] for message in mailbox.messages)
            recipients = {message["To"] for message in mailbox.messages}
            _db.session.remove()
            _db.engine.dispose()

    assert len(received) == MESSAGES  # every message arrived
    assert len(recipients) == MESSAGES
    repeats = {mid: n for mid, n in received.items() if n > 1}
    # Only a message in flight in the killed worker can come twice (at most one per thread).
    assert sum(n - 1 for n in repeats.values()) <= THREADS, repeats
