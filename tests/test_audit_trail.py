"""Every look at special-care or personal data is in the audit trail, and the trail is kept.

User story: "As the programme's data protection lead, when a resident asks who saw their
hospital request, I can answer: each read of a request's details, a case note, a supporter's
contact or bank details — on a page, through the API (one request or a list), or in an export —
is one audit event saying who, as which role, through which channel and when. Administrators
filter and export the trail; nobody can change or delete it."
"""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from supporters.api.tokens import issue_token
from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import Activity, AuditEvent, User
from supporters.models.audit import AuditTrailIsAppendOnly
from tests.conftest import Auth, post_form

BANK_FORM = {
    "bank_code": "0005",
    "bank_name_kana": "ミツビシ",
    "branch_code": "123",
    "branch_name_kana": "みと",
    "account_type": "1",
    "account_number": "98765",
    "holder_kana": "グエン ティ ラン",
}


def _browser(app, role: str, lang: str = "en"):
    client = app.test_client()
    assert Auth(client).login(f"{role}@example.jp").status_code == 302
    client.set_cookie("yorisoi_lang", lang)
    return client


def _api(app, user: User):
    with app.app_context():
        _, token = issue_token(_db.session.get(User, user.id), "audit test")
        _db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _events(app, action: str, **where) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        rows = list(_db.session.scalars(stmt))
        _db.session.expunge_all()
        return rows


def _note(db, supporter_id: int, request_id: int | None, notes: str, token: str) -> Activity:
    from supporters.clock import today_jst

    activity = Activity(
        supporter_id=supporter_id,
        request_id=request_id,
        happened_on=today_jst(),
        duration_minutes=60,
        category="hospital",
        mode="in_person",
        municipality_code="08204",
        notes=notes,
        client_token=token,
    )
    db.session.add(activity)
    db.session.commit()
    return activity


# --- Request details ------------------------------------------------------------------------------


def test_each_look_at_a_requests_details_is_one_event_with_role_and_channel(
    app, db, users, make_request
):
    """A coordinator opens a hospital request on the console and through the API: two events,
    each naming the coordinator, their role, the channel and what was read."""
    request = make_request(category="hospital", need="Cardiology, second floor")
    coordinator = users["coordinator"]
    assert _browser(app, "coordinator").get(f"/requests/{request.id}").status_code == 200
    assert _api(app, coordinator).get(f"/api/v1/requests/{request.id}").status_code == 200

    events = _events(app, "view_sensitive_request", object_id=str(request.id))
    assert [(e.user_id, e.role, e.channel, e.object_type) for e in events] == [
        (coordinator.id, "coordinator", "web", "HelpRequest"),
        (coordinator.id, "coordinator", "api", "HelpRequest"),
    ]
    assert "details" in events[0].detail and "contact" in events[0].detail
    assert all(e.at.tzinfo is not None for e in events)


def test_an_api_list_writes_one_event_per_request_shown(app, db, users, make_request):
    """A page of the API list is a look at every request on it: one event each."""
    first = make_request(days_ahead=3)
    second = make_request(days_ahead=4, municipality="08201")
    response = _api(app, users["admin"]).get("/api/v1/requests?per_page=10")
    assert response.status_code == 200
    events = _events(app, "view_request", channel="api")
    assert sorted(e.object_id for e in events) == sorted([str(first.id), str(second.id)])
    assert {e.role for e in events} == {"admin"}


def test_the_console_list_shows_no_details_and_records_nothing(app, db, users, make_request):
    make_request()
    assert _browser(app, "coordinator").get("/requests/?status=").status_code == 200
    assert _events(app, "view_request") == []


def test_an_officer_reads_no_personal_field_so_nothing_is_recorded(app, db, users, make_request):
    """Officers see the basics only: no look at personal data, no event (web or API)."""
    request = make_request(category="childcare", need="Fever since Monday")
    assert _browser(app, "municipal_officer").get(f"/requests/{request.id}").status_code == 200
    api = _api(app, users["municipal_officer"])
    assert api.get(f"/api/v1/requests/{request.id}").status_code == 200
    assert api.get("/api/v1/requests").status_code == 200
    assert _events(app, "view_request") == []


def test_a_supporter_is_recorded_once_the_details_are_theirs(app, db, users, make_request):
    """Before acceptance the offer shows nothing personal; the assignment page and the API
    answer after acceptance are both recorded, as the supporter."""
    supporter = users["supporter"]
    request = make_request(category="hospital")
    (offer,) = offers.send_offers(request, [supporter.supporter_id], users["coordinator"])
    db.session.commit()
    browser = _browser(app, "supporter")
    assert browser.get(f"/me/offers/{offer.id}").status_code == 200
    assert _events(app, "view_sensitive_request") == []

    accepted = _api(app, supporter).post(f"/api/v1/offers/{offer.id}/accept")
    assert accepted.status_code == 200
    assert browser.get(f"/me/assignments/{request.id}").status_code == 200
    events = _events(app, "view_sensitive_request", user_id=supporter.id)
    assert [(e.channel, e.role) for e in events] == [("api", "supporter"), ("web", "supporter")]


# --- Case notes, contact and bank details, exports ------------------------------------------------


def test_case_notes_are_recorded_where_they_are_read(app, db, users, make_supporter, make_request):
    """The case log list, the request page and the API list each record the notes they show;
    an officer sees no note and leaves no event; a supporter reading their own is not recorded."""
    other = make_supporter(name="Lê Văn Nam")
    request = make_request(category="hospital")
    noted = _note(db, other.id, request.id, "Needs an interpreter at the pharmacy too", "n1")
    _note(db, other.id, None, "", "n2")  # no note: nothing read
    own = _note(db, users["supporter"].supporter_id, None, "My own note", "n3")

    coordinator = _browser(app, "coordinator")
    page = coordinator.get("/activities/").get_data(as_text=True)
    assert "Needs an interpreter" in page
    assert coordinator.get(f"/requests/{request.id}").status_code == 200
    assert _api(app, users["coordinator"]).get("/api/v1/activities").status_code == 200
    events = _events(app, "view_case_note")
    assert [(e.object_id, e.channel) for e in events if e.object_id == str(noted.id)] == [
        (str(noted.id), "web"),
        (str(noted.id), "web"),
        (str(noted.id), "api"),
    ]
    assert str(own.id) in {e.object_id for e in events}  # a coordinator reading it: recorded

    before = len(_events(app, "view_case_note"))
    officer_page = _browser(app, "municipal_officer").get("/activities/").get_data(as_text=True)
    assert "Needs an interpreter" not in officer_page
    listed = _api(app, users["supporter"]).get("/api/v1/activities").get_json()["items"]
    assert [item["notes"] for item in listed] == ["My own note"]
    assert len(_events(app, "view_case_note")) == before


def test_contact_details_are_recorded_on_the_record_and_the_edit_form(app, db, users):
    supporter_id = users["supporter"].supporter_id
    coordinator = _browser(app, "coordinator")
    assert coordinator.get(f"/supporters/{supporter_id}").status_code == 200
    assert coordinator.get(f"/supporters/{supporter_id}/edit").status_code == 200
    events = _events(app, "view_contact", object_id=str(supporter_id))
    assert [(e.role, e.channel) for e in events] == [("coordinator", "web")] * 2


def test_bank_details_are_recorded_when_shown(app, db, users):
    supporter_id = users["supporter"].supporter_id
    coordinator = _browser(app, "coordinator")
    url = f"/payments/bank/{supporter_id}"
    assert coordinator.get(url).status_code == 200
    assert _events(app, "view_bank_details") == []  # nothing stored yet: nothing read
    assert post_form(coordinator, url, BANK_FORM).status_code == 302
    assert coordinator.get(url).status_code == 200
    events = _events(app, "view_bank_details", object_id=str(supporter_id))
    assert [(e.object_type, e.role) for e in events] == [("Supporter", "coordinator")]


def test_an_export_of_case_notes_is_one_event_on_the_export_channel(app, db, users):
    response = _browser(app, "admin").get("/exports/activities?format=csv")
    assert response.status_code == 200
    (event,) = _events(app, "export_activities")
    assert (event.channel, event.role, event.user_id) == ("export", "admin", users["admin"].id)


# --- The admin page -------------------------------------------------------------------------------


def _add(db, user: User | None, action: str, at: datetime, **extra) -> AuditEvent:
    event = AuditEvent(
        user_id=user.id if user else None,
        role=user.role.value if user else "",
        channel=extra.pop("channel", "web"),
        action=action,
        object_type=extra.pop("object_type", "HelpRequest"),
        object_id=extra.pop("object_id", "7"),
        detail=extra.pop("detail", ""),
        at=at,
    )
    db.session.add(event)
    db.session.commit()
    return event


def test_admins_filter_the_trail_by_actor_action_record_and_jst_day(app, db, users):
    """Actions show as words; the date filter is a JST calendar day."""
    coordinator, officer = users["coordinator"], users["municipal_officer"]
    # 00:30 on 28 November in Japan is still 27 November in UTC.
    _add(db, coordinator, "view_sensitive_request", datetime(2026, 11, 27, 15, 30, tzinfo=UTC))
    _add(db, officer, "export_residents", datetime(2026, 11, 27, 14, 30, tzinfo=UTC),
         object_type="ResidentCount", object_id="")  # fmt: skip
    _add(db, coordinator, "view_contact", datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
         object_type="Supporter", object_id="42")  # fmt: skip
    admin = _browser(app, "admin")

    page = admin.get("/audit/").get_data(as_text=True)
    assert "Viewed a hospital request&#39;s personal details" in page
    assert "Exported resident figures" in page

    def shown(query: str) -> list[str]:
        response = admin.get("/audit/?" + query)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return [a for a in ("view_sensitive_request", "export_residents", "view_contact")
                if f'data-action="{a}"' in body]  # fmt: skip

    assert shown("date_from=2026-11-28&date_to=2026-11-28") == ["view_sensitive_request"]
    assert shown("date_from=2026-11-27&date_to=2026-11-27") == ["export_residents"]
    assert shown("actor=municipal_officer%40example") == ["export_residents"]
    assert shown("action=view_contact") == ["view_contact"]
    assert shown("object_type=Supporter&object_id=42") == ["view_contact"]
    assert shown("channel=web&actor=coordinator") == ["view_sensitive_request", "view_contact"]
    # A wrong date range is refused with a message, not a 500.
    assert admin.get("/audit/?date_from=2026-11-28&date_to=2026-11-01").status_code == 422
    assert admin.get("/audit/?date_from=not-a-date").status_code == 422
    assert admin.get("/audit/?page=99999999999999999999").status_code == 200
    assert admin.get("/audit/?actor=%25_").status_code == 200


def test_the_trail_is_paginated(app, db, users):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(30):
        _add(db, users["admin"], "login", start + timedelta(minutes=n), object_id=str(n))
    admin = _browser(app, "admin")
    first = admin.get("/audit/?action=login").get_data(as_text=True)
    second = admin.get("/audit/?action=login&page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count('data-action="login"') == 25
    # Newest first; the admin's own sign-in for this test is the newest of all.
    assert second.count('data-action="login"') == 6


def test_the_trail_exports_as_csv_with_bom_and_neutralised_formulas(app, db, users):
    _add(db, users["coordinator"], "view_contact", datetime(2026, 11, 27, 15, 30, tzinfo=UTC),
         object_type="Supporter", object_id="42", detail="=HYPERLINK(\"http://evil\")")  # fmt: skip
    admin = _browser(app, "admin")
    response = admin.get("/audit/export.csv?action=view_contact")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == ["at_jst", "actor_email", "role", "channel", "action"]
    (row,) = rows[1:]
    assert row[0] == "2026-11-28T00:30:00+09:00"
    assert row[1:5] == ["coordinator@example.jp", "coordinator", "web", "view_contact"]
    assert row[5] == "Viewed a supporter's contact details"
    assert row[8].startswith("'=")
    # Exporting the trail is itself recorded.
    (export,) = _events(app, "export_audit")
    assert export.user_id == users["admin"].id and "action=view_contact" in export.detail


def test_only_admins_open_the_trail(app, db, users):
    for role in ("coordinator", "municipal_officer", "official", "supporter"):
        client = _browser(app, role)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403


# --- Append-only ----------------------------------------------------------------------------------


def test_no_route_changes_the_trail(app):
    """The app offers nothing but reading under /audit/."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/audit")]
    assert rules
    assert all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)


def test_audit_events_cannot_be_changed_or_deleted(app, db, users):
    event = _add(db, users["coordinator"], "view_contact", datetime(2026, 11, 1, tzinfo=UTC))
    event.detail = "covering my tracks"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.execute(update(AuditEvent).values(detail="x"))
    db.session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == event.id))
    db.session.rollback()

    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert count >= 1
    assert db.session.get(AuditEvent, event.id).detail == ""
