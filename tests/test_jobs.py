"""Work that runs by itself: a real ``flask worker`` delivers what the app commits, a killed
worker loses nothing, a job out of retries lands on the dead-letter list."""

import asyncio
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.engine import make_url

from supporters.extensions import db as _db
from supporters.jobs.queue import job, job_queue
from supporters.models import JobFailure, OutboxMessage, OutboxStatus
from supporters.notify import notify_supporter
from tests.conftest import make_app
from tests.smtp_server import SmtpServer, _Handler, smtp_server  # noqa: F401 (fixture)
from tests.worker_process import WorkerProcess, wait_until

BASE_URL = "https://yorisoi.example.jp"


def _queued_app(tmp_path, mail_server):
    return make_app(
        tmp_path,
        JOBS_BACKEND="sqlite",
        JOBS_URL=str(tmp_path / "jobs.db"),
        MAIL_SERVER=mail_server.host,
        MAIL_PORT=mail_server.port,
        MAIL_SENDER="Yorisoi <no-reply@yorisoi.example.jp>",
        BASE_URL=BASE_URL,
        OUTBOX_LEASE_SECONDS=3,
    )


@pytest.fixture
def app(tmp_path, smtp_server):  # noqa: F811
    """The app with an embedded (SQLite) job queue, mailing the local SMTP server."""
    app = _queued_app(tmp_path, smtp_server)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).unlink(missing_ok=True)


def _status(message_id: int) -> OutboxStatus:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, message_id).status


def test_a_committed_message_reaches_the_mailbox_with_nobody_running_a_command(
    app,
    db,
    smtp_server,  # noqa: F811
    make_supporter,
    tmp_path,
):
    with WorkerProcess(app.config, log_path=tmp_path / "worker.log"):
        supporter = make_supporter(email="lan@example.jp")
        notify_supporter(supporter, "offer_new", "/me/offers/1")
        db.session.commit()  # the commit hands the message to the worker

        (mail,) = smtp_server.wait_for(1, timeout=30)
    assert mail["To"] == "lan@example.jp"
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "lan@example.jp")
    )
    assert _status(message.id) == OutboxStatus.SENT


class _SlowHandler(_Handler):
    """Accepts mail only after a pause: long enough to kill the worker in the middle, and
    shorter than the claim's 3-second hold (OUTBOX_LEASE_SECONDS), as the real hold is longer
    than any channel's timeout: a send outlasting its hold could be claimed and sent again
    (CI, on a loaded machine, saw the message twice when the pause was 4 s)."""

    pause = 2.0

    async def handle_DATA(self, server, session, envelope):
        """Note that a message is being sent, wait, then accept it."""
        self.server.sending.set()
        await asyncio.sleep(self.pause)
        return await super().handle_DATA(server, session, envelope)


class _SlowServer(SmtpServer):
    """An SMTP server that takes :attr:`_SlowHandler.pause` seconds to accept each message."""

    def __init__(self):
        super().__init__()
        self.sending = threading.Event()

    def start(self):
        self._controller = Controller(_SlowHandler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self


def test_a_worker_killed_mid_send_loses_nothing_and_the_message_goes_once(tmp_path):
    with _SlowServer() as slow:
        app = _queued_app(tmp_path, slow)
        with app.app_context():
            message = OutboxMessage(
                channel="email",
                recipient="lan@example.jp",
                subject="Yorisoi",
                body="-",
                kind="offer_new",
            )
            _db.session.add(message)
            _db.session.commit()  # handed to the queue; no worker runs yet
            message_id = message.id

            first = WorkerProcess(app.config, log_path=tmp_path / "first.log").start()
            # The worker has claimed the message and is in the middle of DATA: kill -9 it.
            assert slow.sending.wait(timeout=30)
            first.kill()
            assert slow.messages == []
            assert _status(message_id) == OutboxStatus.PENDING

            with WorkerProcess(app.config, log_path=tmp_path / "second.log"):
                slow.wait_for(1, timeout=40)  # once the dead worker's 3-second hold ran out
                assert wait_until(lambda: _status(message_id) == OutboxStatus.SENT, timeout=10)
            assert len(slow.messages) == 1
            _db.session.remove()
            _db.engine.dispose()


def test_a_job_out_of_retries_lands_on_the_dead_letter_list(app, db):
    task = job("run_scheduled_job", app).s("no_such_job")
    task.retries = 0
    job_queue(app).execute(task)

    (failure,) = db.session.scalars(select(JobFailure))
    assert failure.job == "run_scheduled_job"
    assert failure.args == ["no_such_job"]
    assert failure.error.startswith("KeyError")
    assert failure.resolved_at is None


def test_a_job_with_retries_left_is_not_a_dead_letter_yet(app, db):
    huey = job_queue(app)
    task = job("run_scheduled_job", app).s("no_such_job")
    task.retries = 2
    huey.execute(task)
    assert db.session.scalars(select(JobFailure)).all() == []
    assert len(huey) + huey.scheduled_count() == 1  # waiting for its retry, with back-off
