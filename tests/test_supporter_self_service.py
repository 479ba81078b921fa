"""Supporters change their phone and e-mail, set their week with presets, and see whom to call.

User story: "As a supporter I keep my contact details right myself, fill my week with
'weekday mornings' instead of 28 time boxes, and find the coordinators' phone number on every
assignment."
"""

from datetime import time

from sqlalchemy import select

from supporters.extensions import db as _db
from supporters.models import AuditEvent, Supporter, WeeklySlot
from supporters.portal.presets import slots_for
from tests.conftest import Auth, post_form


def _supporter_client(app):
    client = app.test_client()
    Auth(client).login("supporter@example.jp")
    return client


def test_supporter_changes_phone_and_email_through_the_registry_rules(app, users, make_supporter):
    make_supporter(name="Someone Else", email="taken@example.jp")
    client = _supporter_client(app)
    sid = users["supporter"].supporter_id
    refused = post_form(client, "/me/contact", {"phone": "abc", "email": "taken@example.jp"})
    assert refused.status_code == 422
    assert refused.get_data(as_text=True).count('class="error"') == 2
    saved = post_form(client, "/me/contact", {"phone": "080-1111-2222", "email": "new@example.jp"})
    assert saved.status_code == 302
    with app.app_context():
        supporter = _db.session.get(Supporter, sid)
        # The phone counts at once; the new address once confirmed (tests/test_email_change.py).
        assert (supporter.phone, supporter.email) == ("080-1111-2222", "own@example.jp")
        event = _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update_supporter")
        ).all()[-1]
        assert event.user_id == users["supporter"].id


def test_presets_fill_the_week_and_merge_touching_ranges():
    drafts = slots_for(["weekday_mornings", "weekday_afternoons", "evenings"])
    monday = [(d.starts, d.ends) for d in drafts if d.weekday == 0]
    assert monday == [(time(9), time(17)), (time(18), time(21))]
    sunday = [(d.starts, d.ends) for d in drafts if d.weekday == 6]
    assert sunday == [(time(18), time(21))]
    assert slots_for(["weekends"])[0].weekday == 5 and len(slots_for(["weekends"])) == 2


def test_supporter_uses_presets_on_the_availability_page(app, users):
    client = _supporter_client(app)
    page = client.get("/me/availability").get_data(as_text=True)
    assert 'data-testid="presets"' in page
    response = post_form(
        client,
        "/me/availability/presets",
        {"presets": ["weekday_mornings", "weekends"]},
        "/me/availability",
    )
    assert response.status_code == 302
    with app.app_context():
        slots = _db.session.scalars(
            select(WeeklySlot).where(WeeklySlot.supporter_id == users["supporter"].supporter_id)
        ).all()
        assert len(slots) == 7
    # The detailed editor still shows the times filled in by the preset.
    assert 'value="09:00"' in client.get("/me/availability").get_data(as_text=True)


def test_every_assignment_page_gives_the_coordinators_phone(
    client, db, users, make_request, set_programme
):
    from tests.test_case_log import _assigned

    set_programme(contact_phone="027-000-1234")
    request = _assigned(make_request, users)
    Auth(client).login("supporter@example.jp")
    page = client.get(f"/me/assignments/{request.id}").get_data(as_text=True)
    assert 'data-testid="coordinator-phone"' in page and "027-000-1234" in page
    assert 'href="tel:0270001234"' in page
