"""The console's "Background work" page: an admin sees the workers and the calendar, and
decides what happens to dead letters (retry or discard), each decision audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from supporters.clock import utcnow
from supporters.jobs import job_queue
from supporters.models import (
    AuditEvent,
    JobFailure,
    OutboxMessage,
    OutboxStatus,
    ScheduledRun,
    WorkerHeartbeat,
)
from tests.conftest import Auth, post_form


@pytest.fixture
def admin_client(app, users):
    client = app.test_client()
    Auth(client).login("admin@example.jp")
    client.set_cookie("yorisoi_lang", "en")  # read in English
    return client


@pytest.fixture
def dead_letters(db):
    message = OutboxMessage(
        channel="email",
        recipient="lan.nguyen@example.jp",
        subject="s",
        body="b",
        kind="offer_new",
        status=OutboxStatus.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: lan.nguyen@example.jp refused",
    )
    failure = JobFailure(
        job="schedule:weekly_digest", args=["2026-W48"], error="OperationalError: x"
    )
    db.session.add_all([message, failure])
    db.session.add(WorkerHeartbeat(name="host:1", beat_at=utcnow() - timedelta(seconds=30)))
    db.session.add(WorkerHeartbeat(name="host:2", beat_at=utcnow() - timedelta(minutes=30)))
    db.session.add(ScheduledRun(job="retention_purge", period="2026-11-28", finished_at=utcnow()))
    db.session.commit()
    return message.id, failure.id


def test_the_page_shows_workers_calendar_and_dead_letters_without_giving_away_addresses(
    admin_client, dead_letters
):
    page = admin_client.get("/jobs/").get_data(as_text=True)
    assert "Running" in page and "Silent" in page  # one fresh worker, one that stopped beating
    assert "Anonymise requests past the retention period" in page
    assert "2026-11-28" in page  # its last run
    assert "la***@example.jp" in page
    assert "lan.nguyen@example.jp" not in page  # neither the address nor the error's copy of it
    assert "Weekly digest for coordinators" in page


def test_retrying_a_dead_letter_queues_it_again_once(admin_client, dead_letters, db):
    message_id, _ = dead_letters
    url = f"/jobs/messages/{message_id}/retry"
    assert post_form(admin_client, url, {}, token_from="/jobs/").status_code == 303
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    # A second press finds nothing to decide (no double queueing).
    again = post_form(admin_client, url, {}, token_from="/jobs/", follow_redirects=True)
    assert "no longer waiting for a decision" in again.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("outbox_retry") == 1


def test_discarding_a_dead_letter_closes_it(admin_client, dead_letters, db):
    message_id, _ = dead_letters
    post_form(admin_client, f"/jobs/messages/{message_id}/discard", {}, token_from="/jobs/")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).status == OutboxStatus.DISCARDED


def test_retrying_a_failed_scheduled_job_queues_it_by_name(app, admin_client, dead_letters, db):
    _, failure_id = dead_letters
    huey = job_queue(app)
    before = len(huey)
    post_form(admin_client, f"/jobs/failures/{failure_id}/retry", {}, token_from="/jobs/")
    db.session.expire_all()
    failure = db.session.get(JobFailure, failure_id)
    assert (failure.resolution, failure.resolved_at is not None) == ("retried", True)
    assert len(huey) == before + 1
    *_, task = [huey.dequeue() for _ in range(len(huey))]  # the newest in the queue
    assert (task.name, task.args) == ("run_scheduled_job", ("weekly_digest",))


def test_only_admins_see_background_work(app, users):
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    assert client.get("/jobs/").status_code == 403


def test_the_page_shows_each_channel_set_up_or_not_and_this_months_counts(app, admin_client, db):
    from tests.http_recorder import HttpRecorder

    db.session.add_all(
        [
            OutboxMessage(
                channel="email",
                recipient="a@example.jp",
                subject="s",
                body="b",
                kind="offer_new",
                status=OutboxStatus.SENT,
                sent_at=utcnow(),
            ),
            OutboxMessage(
                channel="sms",
                recipient="+819000000000",
                subject="s",
                body="b",
                kind="offer_new",
                status=OutboxStatus.FAILED,
            ),
        ]
    )
    db.session.commit()

    def line_api(got):
        if got.path.endswith("/quota/consumption"):
            return 200, {"totalUsage": 42}
        return 200, {"type": "limited", "value": 200}

    with HttpRecorder(line_api) as line:
        app.config.update(
            LINE_CHANNEL_ACCESS_TOKEN="secret-token-value",
            LINE_CHANNEL_SECRET="s",
            LINE_API_BASE=line.url,
        )
        page = admin_client.get("/jobs/").get_data(as_text=True)
    table = page.split('data-testid="channels"')[1].split("</table>")[0]
    rows = {row.split('"')[0]: row for row in table.split('data-channel="')[1:]}
    assert "Yes" in rows["email"] and ">1<" in rows["email"]  # one e-mail sent this month
    assert "Not set up" in rows["sms"] and ">1<" in rows["sms"]  # one SMS failed
    assert "Yes" in rows["line"] and "42" in rows["line"]  # LINE's own count
    assert "secret-token-value" not in page
