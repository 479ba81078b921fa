"""The running service, end to end, as `make run` runs it: the app and a real `flask worker`
on the embedded queue, and an SMTP server — and nobody running a command.

1. A coordinator sends an offer from the console; it reaches the supporter's mailbox.
2. Nobody answers; the worker's escalation sends it to the next candidate.
3. She accepts with one tap from her e-mail, without signing in.
4. The worker asks her to confirm tomorrow's assignment; she confirms with one tap.

The worker's ticks run every few minutes by the clock; the test queues them by name instead of
waiting (``enqueue("sweep_offers")``), which is the same job the clock starts.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from supporters.extensions import db as _db
from supporters.help_requests.candidates import match_request
from supporters.jobs import enqueue
from supporters.models import HelpRequest, Offer, RequestStatus
from tests.conftest import Auth, csrf_token, make_app, post_form
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.worker_process import WorkerProcess, wait_until

BASE_URL = "https://yorisoi.example.jp"
LINK = re.compile(re.escape(BASE_URL) + r"(/a/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def app(tmp_path, smtp_server):  # noqa: F811
    app = make_app(
        tmp_path,
        JOBS_BACKEND="sqlite",
        JOBS_URL=str(tmp_path / "jobs.db"),
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_SENDER="Yorisoi <no-reply@yorisoi.example.jp>",
        BASE_URL=BASE_URL,
        ESCALATION_BATCH=1,
    )
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).unlink(missing_ok=True)


def _mail_to(server, address: str, count: int = 1, timeout: float = 30):
    assert wait_until(lambda: sum(address in m["To"] for m in server.messages) >= count, timeout), (
        f"no mail to {address}: {[m['To'] for m in server.messages]}"
    )
    return [m for m in server.messages if address in m["To"]][count - 1]


def _tap(app, mail, index: int = 0) -> None:
    links = LINK.findall(mail.get_content())
    assert links, mail.get_content()
    link = links[index]
    client = app.test_client()  # the supporter's phone: not signed in
    assert client.get(link).status_code == 200
    response = client.post(link, data={"csrf_token": csrf_token(client)})
    flashes = re.findall(r"flash[^>]*>([^<]*)<", response.get_data(as_text=True))
    assert response.status_code == 200, flashes


def test_offer_escalation_and_one_tap_answers_with_nobody_running_a_command(
    app,
    db,
    smtp_server,  # noqa: F811
    make_supporter,
    make_user,
    make_request,
    tmp_path,
):
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home="08204")
    hoa = make_supporter(name="Trần Thị Hoa", email="hoa@example.jp", home="08204")
    make_user("supporter", email="lan-account@example.jp", supporter=lan)
    make_user("supporter", email="hoa-account@example.jp", supporter=hoa)
    make_user("coordinator")
    request = make_request(days_ahead=1, hours=(14, 16))  # tomorrow afternoon
    ranked = [r.candidate.supporter_id for r in match_request(request).ranked]
    first, second = ranked[0], ranked[1]
    emails = {lan.id: "lan@example.jp", hoa.id: "hoa@example.jp"}

    # The worker waits the default four hours before escalating. The test ages the first offer
    # instead of setting the wait to zero: with no wait, a clock tick between the second mail and
    # the tap would find nobody left to ask and withdraw her offer too.
    settings = {"ESCALATION_BATCH": "1"}
    with WorkerProcess(app.config, log_path=tmp_path / "worker.log", **settings):
        coordinator = app.test_client()
        Auth(coordinator).login("coordinator@example.jp")
        page = f"/requests/{request.id}"
        response = post_form(coordinator, f"{page}/offers", {"supporter_ids": [str(first)]}, page)
        assert response.status_code == 302

        # 1. The offer reaches the first supporter's mailbox.
        first_mail = _mail_to(smtp_server, emails[first])
        assert LINK.findall(first_mail.get_content()), first_mail.get_content()

        # 2. Nobody answers for five hours: the worker's sweep offers it to the next candidate.
        for offer in db.session.scalars(select(Offer).where(Offer.request_id == request.id)):
            offer.sent_at -= timedelta(hours=5)
        db.session.commit()
        enqueue("sweep_offers")
        offer_mail = _mail_to(smtp_server, emails[second])

        # 3. She accepts with one tap from the e-mail.
        _tap(app, offer_mail, index=0)
        db.session.expire_all()
        assigned = db.session.get(HelpRequest, request.id)
        assert (assigned.status, assigned.assigned_supporter_id) == (RequestStatus.ASSIGNED, second)

        # 4. The worker asks her to confirm tomorrow's assignment; one tap confirms.
        enqueue("send_reminders")
        reminder = _mail_to(smtp_server, emails[second], count=2)
        assert "/me/assignments/" in reminder.get_content()
        _tap(app, reminder)
        db.session.expire_all()
        assert db.session.get(HelpRequest, request.id).confirmed_at is not None

    # Nothing in any message said what the help is for, or who it is for.
    for message in smtp_server.messages:
        body = message.get_content()
        assert "Phạm" not in body and "病院" not in body
    assert db.session.scalars(select(HelpRequest)).all()
