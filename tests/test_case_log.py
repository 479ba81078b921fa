"""The supporter's case log on a phone: quick, never lost, never doubled, seen by coordinators.

User story: "As a supporter I log a case in two minutes after an appointment, even when my
session has expired or I tapped twice; as a coordinator I see it at once."
"""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from supporters.activities import drafts
from supporters.activities.ics import escape_text, fold
from supporters.clock import today_jst
from supporters.help_requests import offers
from supporters.models import Activity, HelpRequest, RequestStatus
from supporters.stipends.rules import StatusFrom, eligible, fiscal_months
from tests.conftest import CSRF_RE, Auth, jst_at, make_app, post_form

TOKEN_RE = re.compile(r'name="client_token" type="hidden" value="([^"]+)"')


def _assigned(make_request, users, days_ago: int = 0, **extra) -> HelpRequest:
    """A request assigned to the signed-in supporter of ``users``, sent by the coordinator;
    ``days_ago`` moves it into the past afterwards (offers need a future time)."""
    from supporters.extensions import db

    request = make_request(**extra)
    supporter_id = users["supporter"].supporter_id
    (offer,) = offers.send_offers(request, [supporter_id], users["coordinator"])
    db.session.commit()
    offers.accept(offer.id, supporter_id, None)
    if days_ago:
        request.starts_at = jst_at(-days_ago, 10)
        request.ends_at = jst_at(-days_ago, 12)
    db.session.commit()
    return request


def _form(client, url: str) -> tuple[str, dict]:
    """The page and the values its case-log form would send as it stands."""
    page = client.get(url).get_data(as_text=True)
    values = {
        "client_token": TOKEN_RE.search(page).group(1),
        "csrf_token": CSRF_RE.search(page).group(1),
    }
    for name, value in re.findall(
        r'<input[^>]*checked[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page
    ):
        values[name] = value
    for name, value in re.findall(
        r'<input id="(\w+)" name="\1"[^>]*type="(?:date|hidden)" value="([^"]*)"', page
    ):
        values[name] = value
    for name in ("municipality_code", "language_code"):
        select_html = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        match = re.search(r'<option selected value="([^"]*)"', select_html)
        values[name] = match.group(1) if match else ""
    return page, values


def _count(db, **where) -> int:
    db.session.expire_all()
    stmt = select(func.count()).select_from(Activity)
    for key, value in where.items():
        stmt = stmt.where(getattr(Activity, key) == value)
    return db.session.scalar(stmt)


def _sign_in(client, email: str = "supporter@example.jp"):
    """Sign in through the form and read the pages in English."""
    Auth(client).login(email)
    post_form(client, "/language", {"language": "en"}, "/no-such-page")
    return client


def test_log_a_case_from_an_assignment(client, auth, db, users, make_request):
    """ "Mark done" opens the log pre-filled from the assignment; saving completes the request."""
    request = _assigned(make_request, users, category="government_office", days_ago=1)
    _sign_in(client)
    page = client.get(f"/me/assignments/{request.id}").get_data(as_text=True)
    assert "Phạm Thị Mai" in page and "080-1111-2222" in page
    assert "coordinator@example.jp" in page  # who sent the offer
    assert f"/me/log/new?request={request.id}" in page

    page, values = _form(client, f"/me/log/new?request={request.id}")
    assert values["category"] == "government_office"
    assert values["happened_on"] == (today_jst() - timedelta(days=1)).isoformat()
    assert values["duration"] == "60" and values["mode"] == "in_person"
    assert values["municipality_code"] == "08204" and values["language_code"] == "vi"
    response = client.post(
        f"/me/log/new?request={request.id}", data={**values, "outcome": "resolved"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    activity = db.session.scalar(select(Activity))
    assert activity.request_id == request.id and activity.duration_minutes == 60
    db.session.expire_all()
    assert db.session.get(HelpRequest, request.id).status == RequestStatus.COMPLETED
    assert "Saved" in client.get("/me/log/").get_data(as_text=True)


def test_information_dissemination_with_35_people(client, auth, db, users):
    """Sharing a notice in a community group: no request, people reached, no outcome needed."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(category="information", people_reached="35", duration="30")
    values.pop("outcome", None)
    assert client.post("/me/log/new", data=values).status_code == 302
    activity = db.session.scalar(select(Activity))
    assert (activity.people_reached, activity.request_id, activity.outcome) == (35, None, None)


def test_each_field_says_what_is_wrong_and_keeps_the_input(client, auth, db, users):
    """Missing people reached and a future date are refused next to their fields."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(category="information", notes="Shared the tax notice")
    response = client.post("/me/log/new", data=values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="people_reached-error">Enter how many people the information reached.' in page
    assert "Shared the tax notice" in page

    tomorrow = (today_jst() + timedelta(days=1)).isoformat()
    values.update(category="daily_life", outcome="resolved", happened_on=tomorrow)
    page = client.post("/me/log/new", data=values).get_data(as_text=True)
    assert 'id="happened_on-error">The date cannot be in the future.' in page
    assert f'value="{tomorrow}"' in page
    assert _count(db) == 0


def test_error_messages_are_translated(client, auth, db, users):
    """The supporter reads the errors in their language (Japanese here)."""
    _sign_in(client)
    post_form(client, "/language", {"language": "ja"}, "/no-such-page")
    _, values = _form(client, "/me/log/new")
    values.update(category="information")
    page = client.post("/me/log/new", data=values).get_data(as_text=True)
    assert "Enter how many people" not in page


def test_a_double_tap_logs_once(client, auth, db, users):
    """The same form sent twice (same token) is one activity; the second says "already saved"."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values["outcome"] = "resolved"
    first = client.post("/me/log/new", data=values)
    second = client.post("/me/log/new", data=values)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(db) == 1
    assert "already saved" in client.get("/me/log/").get_data(as_text=True)


def test_expired_form_token_shows_the_form_again_with_the_input(client, auth, db, users):
    """A stale token (the phone slept for hours) re-shows the form with everything typed."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="partly_resolved", notes="Went to the tax office", csrf_token="stale")
    response = client.post("/me/log/new", data=values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "session had expired" in page
    assert "Went to the tax office" in page
    assert values["client_token"] in page
    assert re.search(
        r'checked[^>]*value="partly_resolved"|value="partly_resolved"[^>]*checked', page
    )
    assert _count(db) == 0

    values["csrf_token"] = CSRF_RE.search(page).group(1)  # send again, as the page asks
    assert client.post("/me/log/new", data=values).status_code == 302
    assert _count(db, notes="Went to the tax office") == 1


def test_expired_token_by_time_limit(tmp_path, users_app_factory):
    """With a one-second token lifetime the same story holds (nothing is lost)."""
    app, client = users_app_factory(tmp_path, WTF_CSRF_TIME_LIMIT=1)
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes="Kept after a long pause")
    import time

    time.sleep(2)
    response = client.post("/me/log/new", data=values)
    assert response.status_code == 400
    assert "Kept after a long pause" in response.get_data(as_text=True)


@pytest.fixture
def users_app_factory(request):
    """An app of its own (other settings) with a linked supporter account."""
    from supporters.extensions import db as _db
    from supporters.models import Role, User
    from supporters.registry import operations
    from tests.conftest import _PASSWORD_HASH

    apps = []

    def factory(tmp_path, **overrides):
        app = make_app(tmp_path, **overrides)
        apps.append(app)
        with app.app_context():
            from supporters.models import LanguageLevel
            from supporters.registry.operations import SupporterProfile

            profile = SupporterProfile(
                display_name="Trần Văn Hùng",
                email="own@example.jp",
                phone="090-0000-0001",
                home_municipality_code="08204",
                served_municipality_codes=[],
                languages=[("vi", LanguageLevel.NATIVE)],
                japanese_level="N2",
                origins=["VN"],
                modes=["in_person"],
                gender=None,
                monthly_case_cap=4,
                training_cohort="",
                notes="",
            )
            supporter = operations.register_supporter(profile, date(2025, 4, 1), by=None)
            operations.certify(supporter, "TEST-0001", date(2025, 5, 1), by=None)
            _db.session.add(
                User(
                    email="supporter@example.jp",
                    name="Hùng",
                    role=Role.SUPPORTER,
                    password_hash=_PASSWORD_HASH,
                    supporter_id=supporter.id,
                )
            )
            _db.session.commit()
        return app, app.test_client()

    yield factory
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.drop_all()
            _db.engine.dispose()


def test_lost_session_keeps_the_input_until_after_sign_in(app, client, auth, db, users):
    """The session cookie is gone (expired, phone restarted): sign in again, the form is back."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes="Helped at the city hall")
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])

    response = client.post("/me/log/new", data=values)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/me/log/new"]
    assert client.get_cookie(drafts.COOKIE, path="/me/") is not None
    assert _count(db) == 0

    response = post_form(
        client,
        "/login",
        {
            "email": "supporter@example.jp",
            "password": "correct horse battery staple",
            "next": "/me/log/new",
        },
    )
    assert response.headers["Location"] == "/me/log/new"
    page = client.get("/me/log/new").get_data(as_text=True)
    assert "We kept what you typed" in page
    assert "Helped at the city hall" in page and values["client_token"] in page
    assert client.get_cookie(drafts.COOKIE, path="/me/") is None  # given back once


def test_idle_timeout_keeps_the_input_until_after_sign_in(app, client, auth, db, users):
    """Signed out for inactivity while typing: after signing in again the form is back."""
    import time

    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", notes="Long appointment")
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - app.config["IDLE_TIMEOUT"].total_seconds() - 5
    response = client.post("/me/log/new", data=values)
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)["next"]) == ("/login", ["/me/log/new"])
    assert _count(db) == 0
    _sign_in(client)
    page = client.get("/me/log/new").get_data(as_text=True)
    assert "Long appointment" in page


def test_a_supporter_corrects_only_their_own_log(
    client, auth, db, users, make_supporter, make_user
):
    """My own activity opens for correction; somebody else's is "not found"."""
    other = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    theirs = Activity(
        supporter_id=other.id,
        happened_on=today_jst(),
        duration_minutes=30,
        category="daily_life",
        mode="phone",
        municipality_code="08204",
        client_token="theirs",
    )
    db.session.add(theirs)
    db.session.commit()
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values["outcome"] = "resolved"
    client.post("/me/log/new", data=values)
    mine = db.session.scalar(
        select(Activity).where(Activity.client_token == values["client_token"])
    )

    _, edit = _form(client, f"/me/log/{mine.id}/edit")
    edit.update(duration="other", duration_other="45", outcome="not_resolved", follow_up_needed="y")
    assert client.post(f"/me/log/{mine.id}/edit", data=edit).status_code == 302
    db.session.expire_all()
    assert (mine.duration_minutes, mine.follow_up_needed) == (45, True)

    assert client.get(f"/me/log/{theirs.id}/edit").status_code == 404
    assert post_form(client, f"/me/log/{theirs.id}/edit", edit, "/me/").status_code == 404


def test_coordinator_sees_the_log_at_once_and_officers_see_their_area(app, client, db, users):
    """The new log is on /activities/ at once; officers see Koga without notes; officials not."""
    _sign_in(client)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="not_resolved", follow_up_needed="y", notes="Needs a tax adviser")
    client.post("/me/log/new", data=values)
    _, values = _form(client, "/me/log/new")
    values.update(outcome="resolved", municipality_code="08201", notes="In Mito")
    client.post("/me/log/new", data=values)

    client = _sign_in(app.test_client(), "coordinator@example.jp")
    page = client.get("/activities/").get_data(as_text=True)
    assert "Needs a tax adviser" in page and "In Mito" in page
    page = client.get("/activities/?follow_up=1").get_data(as_text=True)
    assert "Needs a tax adviser" in page and "In Mito" not in page

    client = _sign_in(app.test_client(), "municipal_officer@example.jp")
    page = client.get("/activities/").get_data(as_text=True)
    assert "Trần Văn Hùng" in page
    assert "Needs a tax adviser" not in page and "Mito" not in page.split("<tbody>")[1]

    client = _sign_in(app.test_client(), "official@example.jp")
    assert client.get("/activities/").status_code == 403


def test_add_to_calendar(client, auth, db, users, make_request):
    """The .ics is a valid VEVENT in UTC, without the resident's name or contact."""
    request = _assigned(
        make_request, users, category="hospital", place_name="Koga Red Cross, Ward 3"
    )
    _sign_in(client)
    response = client.get(f"/me/assignments/{request.id}.ics")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert f"UID:request-{request.id}@yorisoi" in body
    assert re.search(r"DTSTAMP:\d{8}T\d{6}Z", body)
    start = request.starts_at.astimezone(__import__("datetime").UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in body and "DTEND:" in body
    assert "LOCATION:Koga Red Cross\\, Ward 3" in body
    assert "SUMMARY:Yorisoi: " in body
    assert "Phạm" not in body and "080-1111-2222" not in body
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    assert all(len(part.encode()) <= 75 for part in fold("X" * 200 + "ễ" * 50).split("\r\n"))


def test_assignment_is_only_for_its_supporter(
    client, auth, db, users, make_request, make_supporter, make_user
):
    """Another supporter cannot open the assignment or its calendar file."""
    request = _assigned(make_request, users)
    other = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    make_user("supporter", email="nam-account@example.jp", supporter=other)
    _sign_in(client, "nam-account@example.jp")
    assert client.get(f"/me/assignments/{request.id}").status_code == 404
    assert client.get(f"/me/assignments/{request.id}.ics").status_code == 404
    assert client.get(f"/me/log/new?request={request.id}").status_code == 404


def test_home_shows_offers_assignments_month_and_stipend(client, auth, db, users, make_request):
    request = _assigned(make_request, users)
    _sign_in(client)
    page = client.get("/me/").get_data(as_text=True)
    assert f"/me/assignments/{request.id}" in page
    assert "/me/log/new" in page
    assert "expected" in page
    page = client.get("/me/stipends").get_data(as_text=True)
    assert "¥2,000" in page or "￥2,000" in page


# --- The stipend rule ----------------------------------------------------------------------------


def test_stipend_rule_counts_any_certified_day_of_the_month():
    history = [
        StatusFrom(date(2025, 4, 1), "applicant"),
        StatusFrom(date(2025, 5, 20), "certified"),
        StatusFrom(date(2025, 7, 10), "suspended"),
        StatusFrom(date(2025, 9, 30), "certified"),
        StatusFrom(date(2025, 11, 1), "retired"),
    ]
    months = fiscal_months(date(2026, 1, 15))
    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 1, 1)
    rows = {row.month.month: row.amount_yen for row in eligible(months, history)}
    assert rows == {4: 0, 5: 2000, 6: 2000, 7: 2000, 8: 0, 9: 2000, 10: 2000, 11: 0, 12: 0, 1: 0}
    assert fiscal_months(date(2026, 4, 1)) == [date(2026, 4, 1)]


def test_a_failure_after_the_insert_leaves_no_half_logged_case(db, users, monkeypatch):
    """The log, its audit event and the request's completion are one transaction: when a later
    step fails nothing stays, on SQLite too (no savepoint that would commit on release)."""
    from sqlalchemy.exc import OperationalError

    from supporters.activities import log
    from supporters.models import ActivityCategory, ActivityOutcome, Mode

    entry = log.ActivityEntry(
        happened_on=today_jst(),
        duration_minutes=60,
        category=ActivityCategory.DAILY_LIFE,
        mode=Mode.PHONE,
        municipality_code="08204",
        language_code="vi",
        outcome=ActivityOutcome.RESOLVED,
        client_token="atomic-1",
    )
    supporter = users["supporter"].supporter

    def broken(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_event", {}, Exception("disk I/O error"))

    monkeypatch.setattr(log.audit, "record", broken)
    with pytest.raises(OperationalError):
        log.log_activity(supporter, entry, None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0

    monkeypatch.undo()
    first = log.log_activity(supporter, entry, None)
    again = log.log_activity(supporter, entry, None)
    db.session.commit()
    assert not first.already_saved and again.already_saved
    assert again.activity.id == first.activity.id
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1


def test_the_case_log_pages_back_to_the_first_case_and_audits_only_what_it_shows(
    app, client, db, users
):
    """Every case can be reached (a page of the newest, then older ones), and only the notes of
    the page shown are recorded as read."""
    from supporters.activities.log import ActivityEntry, log_activity
    from supporters.models import ActivityCategory, ActivityOutcome, AuditEvent, Mode

    supporter = users["supporter"].supporter
    size = app.config["PAGE_SIZE"]
    for i in range(size + 3):
        log_activity(
            supporter,
            ActivityEntry(
                happened_on=today_jst() - timedelta(days=1 + i),
                duration_minutes=30,
                category=ActivityCategory.DAILY_LIFE,
                mode=Mode.PHONE,
                municipality_code="08204",
                language_code="vi",
                outcome=ActivityOutcome.RESOLVED,
                notes=f"case number {i:03d}",
                client_token=f"paging-{i}",
            ),
            None,
        )
    db.session.commit()
    coordinator = _sign_in(app.test_client(), "coordinator@example.jp")

    def reads() -> int:
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "view_case_note")
        )

    before = reads()
    first = coordinator.get("/activities/").get_data(as_text=True)
    assert "case number 000" in first and f"case number {size + 2:03d}" not in first
    assert reads() - before == size
    assert 'rel="next"' in first
    last = coordinator.get("/activities/?page=2").get_data(as_text=True)
    assert f"case number {size + 2:03d}" in last and "case number 000" not in last
    assert 'rel="prev"' in last
