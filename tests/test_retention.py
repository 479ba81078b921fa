"""Retention of residents' data, and case-log drafts that never sit in a readable cookie.

User stories: "As the programme lead I keep residents' personal data only as long as the privacy
notice says: three fiscal years after a request is finished, a nightly job anonymises it, and
the reports we sent stay exactly as they were." — "As a supporter whose session expired while
typing a hospital visit, I get my text back after signing in; nobody else on this phone can."
"""

import base64
import json
import time
import zlib
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from supporters.activities import drafts
from supporters.clock import JST
from supporters.help_requests import lifecycle
from supporters.models import (
    Activity,
    ActivityDraft,
    AuditEvent,
    HelpRequest,
    RequestEvent,
    RequestStatus,
    User,
)
from supporters.privacy import retention
from supporters.reports.monthly import build_report
from tests.conftest import Auth, post_form
from tests.test_case_log import _form

TODAY = date(2026, 11, 28)  # FY2026: with 3 years, whatever finished before FY2023 is due


def _finished(db, make_request, users, status: str, at: datetime, **extra) -> HelpRequest:
    """A request that reached ``status`` at ``at`` (and was taken then), with a case log."""
    coordinator = db.session.get(User, users["coordinator"].id)
    request = make_request(**extra)
    if status == "cancelled":
        lifecycle.cancel(request, coordinator, "Her daughter Hoa will go instead")
    elif status != "new":
        request.status = RequestStatus(status)
        request.assigned_supporter_id = users["supporter"].supporter_id
        lifecycle.record(request, RequestStatus.NEW, RequestStatus(status), coordinator, "seen")
        db.session.add(
            Activity(
                supporter_id=users["supporter"].supporter_id,
                request_id=request.id,
                happened_on=at.astimezone(JST).date(),
                duration_minutes=60,
                category="hospital",
                mode="in_person",
                municipality_code="08204",
                language_code="vi",
                notes="Blood test for her diabetes",
                client_token=f"log-{request.id}",
            )
        )
    db.session.flush()
    db.session.execute(
        update(RequestEvent).where(RequestEvent.request_id == request.id).values(at=at)
    )
    request.created_at = at
    db.session.commit()
    return request


def _purge(app, *args: str):
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--today", "2026-11-28", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _personal(db, request_id: int) -> str:
    db.session.expire_all()
    return db.session.get(HelpRequest, request_id).requester_name


def test_the_period_is_whole_fiscal_years_after_the_one_the_request_finished_in():
    """Finished in FY2022 (to 31 March 2023): due once FY2025 has ended, on 1 April 2026."""
    assert retention.cutoff(date(2026, 3, 31), 3) == datetime(2022, 4, 1, tzinfo=JST)
    assert retention.cutoff(date(2026, 4, 1), 3) == datetime(2023, 4, 1, tzinfo=JST)
    assert retention.cutoff(TODAY, 3) == datetime(2023, 4, 1, tzinfo=JST)
    assert retention.cutoff(TODAY, 5) == datetime(2021, 4, 1, tzinfo=JST)


def test_purge_anonymises_finished_requests_past_the_period_once(app, db, users, make_request):
    fy2022 = datetime(2023, 3, 31, 23, 0, tzinfo=JST)  # the last evening of FY2022
    fy2023 = datetime(2023, 4, 1, 9, 0, tzinfo=JST)
    closed_old = _finished(db, make_request, users, "closed", fy2022)
    cancelled_old = _finished(db, make_request, users, "cancelled", fy2022, name="Lê Thị Hoa")
    completed_old = _finished(
        db, make_request, users, "completed", datetime(2021, 5, 2, tzinfo=JST)
    )
    closed_recent = _finished(db, make_request, users, "closed", fy2023, name="Trần Thị Thu")
    open_old = _finished(db, make_request, users, "new", datetime(2021, 6, 1, tzinfo=JST))
    db.session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == open_old.id)
        .values(ends_at=datetime(2021, 6, 1, 12, tzinfo=JST))
    )
    db.session.commit()

    output = _purge(app, "--dry-run")
    assert "3 request(s) would be anonymised" in output
    for request in (closed_old, cancelled_old, completed_old):
        assert request.reference in output
    assert closed_recent.reference not in output.split("due.")[1].split("request(s)")[0]
    assert f"left alone; close or cancel them: {open_old.reference}" in output
    assert _personal(db, closed_old.id) == "Phạm Thị Mai"  # a dry run changes nothing

    output = _purge(app)
    assert "3 request(s) anonymised" in output
    for request in (closed_old, cancelled_old, completed_old):
        row = db.session.get(HelpRequest, request.id)
        assert row.anonymised_at is not None and row.resident_key == ""
        assert row.requester_name == "[anonymised]" and row.need == ""
        assert all(event.note == "" for event in row.events)
    assert (
        db.session.scalar(select(Activity.notes).where(Activity.request_id == closed_old.id)) == ""
    )
    assert _personal(db, closed_recent.id) == "Trần Thị Thu"
    assert _personal(db, open_old.id) == "Phạm Thị Mai"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention_anonymised")
    ).all()
    assert sorted(int(e.object_id) for e in events) == sorted(
        [closed_old.id, cancelled_old.id, completed_old.id]
    )
    assert all(e.user_id is None and "2023-04-01" in e.detail for e in events)

    # Safe to run twice: the second run finds nothing and writes nothing.
    assert "0 request(s) anonymised" in _purge(app)
    count = select(func.count()).select_from(AuditEvent)
    assert db.session.scalar(count.where(AuditEvent.action == "retention_anonymised")) == 3

    # On 1 April 2027 FY2023 is over too (the period is configurable: RETENTION_YEARS).
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--today", "2027-04-01"])
    assert "1 request(s) anonymised" in result.output
    assert _personal(db, closed_recent.id) == "[anonymised]"


def test_reports_and_case_counts_are_the_same_after_the_purge(app, db, users, make_request):
    months = [datetime(2022, m, 10, tzinfo=JST) for m in (5, 6, 9)]
    for i, when in enumerate(months):
        _finished(db, make_request, users, "closed", when, contact=f"080-0000-000{i}")
        _finished(db, make_request, users, "cancelled", when, contact=f"080-0000-100{i}")
    report_before = build_report(date(2022, 4, 1), date(2023, 3, 1))
    cases_before = db.session.scalar(select(func.count()).select_from(Activity))
    requests_before = db.session.scalar(select(func.count()).select_from(HelpRequest))

    assert "6 request(s) anonymised" in _purge(app)
    db.session.expire_all()
    assert build_report(date(2022, 4, 1), date(2023, 3, 1)) == report_before
    assert report_before["cases"]["total"] == 3
    assert db.session.scalar(select(func.count()).select_from(Activity)) == cases_before
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == requests_before


def test_a_killed_run_keeps_its_finished_batches_and_the_next_run_completes(
    app, db, users, make_request, monkeypatch
):
    old = datetime(2021, 7, 1, tzinfo=JST)
    ids = [
        _finished(db, make_request, users, "cancelled", old, contact=f"080-2222-000{i}").id
        for i in range(5)
    ]
    real, calls = retention.anonymise_request, []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(retention, "anonymise_request", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        retention.purge(TODAY, 3, batch_size=2)
    db.session.rollback()
    done = db.session.scalars(
        select(HelpRequest.id).where(HelpRequest.anonymised_at.is_not(None)).order_by("id")
    ).all()
    assert done == ids[:2]  # the first batch, whole; nothing of the interrupted one

    monkeypatch.setattr(retention, "anonymise_request", real)
    result = retention.purge(TODAY, 3, batch_size=2)
    assert result.references and len(result.references) == 3
    db.session.expire_all()
    assert all(db.session.get(HelpRequest, i).anonymised_at for i in ids)


# --- Case-log drafts ------------------------------------------------------------------------------

SECRET_NOTE = "Went with her to the cardiology clinic about chest pain"


def _sign_in(client, email="supporter@example.jp"):
    Auth(client).login(email)
    post_form(client, "/language", {"language": "en"}, "/no-such-page")
    return client


def _cookie_texts(app, client) -> list[str]:
    """Every cookie of the browser, as stored and as decoded the way an attacker would."""
    texts = []
    for cookie in client._cookies.values():
        texts.append(cookie.value)
        payload = cookie.value.lstrip(".").split(".")[0]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if cookie.value.startswith("."):
            raw = zlib.decompress(raw)
        texts.append(raw.decode("utf-8", "replace"))
    session = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if session is not None:
        serializer = app.session_interface.get_signing_serializer(app)
        texts.append(json.dumps(serializer.loads(session.value), ensure_ascii=False))
    return texts


def _expire_idle(app, client):
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - app.config["IDLE_TIMEOUT"].total_seconds() - 5


def test_no_cookie_holds_the_case_text(app, client, db, users):
    """Signed out for inactivity while typing: the note waits on the server, not in a cookie."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes=SECRET_NOTE)
    _expire_idle(app, client)
    response = client.post("/me/log/new", data=values)
    assert response.headers["Location"].startswith("/login")

    assert client.get_cookie(drafts.COOKIE, path="/me/") is not None
    assert all(
        SECRET_NOTE not in text and "cardiology" not in text for text in _cookie_texts(app, client)
    )
    (draft,) = db.session.scalars(select(ActivityDraft)).all()
    assert draft.user_id == users["supporter"].id and SECRET_NOTE in draft.fields

    _sign_in(client)
    assert SECRET_NOTE in client.get("/me/log/new").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(ActivityDraft)).all() == []  # given back once, then gone


def test_a_draft_is_never_given_to_another_account(
    app, client, db, users, make_supporter, make_user
):
    """A shared phone: Hùng's session is lost while typing; Lan signs in next and sees nothing."""
    lan = make_user("supporter", email="lan@example.jp", supporter=make_supporter(name="Lan"))
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes=SECRET_NOTE)
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    client.post("/me/log/new", data=values)  # the form's signed author token names Hùng
    assert db.session.scalar(select(ActivityDraft.user_id)) == users["supporter"].id

    _sign_in(client, lan.email)
    assert "We kept what you typed" not in client.get("/me/").get_data(as_text=True)
    assert SECRET_NOTE not in client.get("/me/log/new").get_data(as_text=True)
    post_form(client, "/logout", {}, token_from="/no-such-page")

    _sign_in(client)
    assert SECRET_NOTE in client.get("/me/log/new").get_data(as_text=True)


def test_a_form_without_a_known_author_keeps_nothing(app, client, db, users):
    """No session and no valid author token (forged, or from another account's page): the input
    is not kept for whoever signs in next."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    values.update(notes=SECRET_NOTE, draft_author="1.forged.signature")
    response = client.post("/me/log/new", data=values)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityDraft)) == 0
    assert client.get_cookie(drafts.COOKIE, path="/me/") is None


def test_a_session_ended_on_the_server_keeps_the_input_for_its_account(app, client, db, users):
    """The sign-in reached its absolute lifetime (or was ended elsewhere) while typing: the
    cookie still carries a valid form token, the server refuses it, and the input waits."""
    from supporters.auth.sessions import end_sessions

    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes=SECRET_NOTE)
    end_sessions(db.session.get(User, users["supporter"].id), "expired")
    db.session.commit()

    response = client.post("/me/log/new", data=values)
    assert response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(ActivityDraft.user_id)) == users["supporter"].id
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    _sign_in(client)
    assert SECRET_NOTE in client.get("/me/log/new").get_data(as_text=True)


def test_expired_drafts_are_deleted_by_the_purge(app, client, db, users):
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(notes=SECRET_NOTE)
    _expire_idle(app, client)
    client.post("/me/log/new", data=values)
    db.session.execute(update(ActivityDraft).values(expires_at=datetime(2026, 1, 1, tzinfo=JST)))
    db.session.commit()
    assert "1 expired case-log draft(s) deleted" in _purge(app)
    assert db.session.scalar(select(func.count()).select_from(ActivityDraft)) == 0
    _sign_in(client)
    assert SECRET_NOTE not in client.get("/me/log/new").get_data(as_text=True)
