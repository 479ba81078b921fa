"""Help requests end to end: intake with consent, the ranked match with reasons, offers,
acceptance on the supporter's page, the lifecycle, unfilled requests and fallbacks.

User story: "As a coordinator, I take a Vietnamese hospital request from Koga on the phone, see
who can go and why, offer it, and the first supporter who accepts gets it — and when nobody can,
I see exactly why and what else to try."
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supporters.clock import utcnow
from supporters.extensions import db as _db
from supporters.help_requests import lifecycle, offers
from supporters.help_requests.candidates import match_request
from supporters.models import (
    Consent,
    ConsentChannel,
    HelpRequest,
    Offer,
    OfferStatus,
    OutboxMessage,
    RequestEvent,
    RequestStatus,
    UnavailableDate,
    WeeklySlot,
)
from supporters.refusals import Refused
from tests.conftest import Auth, jst_at, post_form
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

KOGA, MITO, BANDO, KITAIBARAKI = "08204", "08201", "08228", "08215"


def _fresh(obj):
    _db.session.expire_all()
    return _db.session.get(type(obj), obj.id)


def _intake_form(when, **overrides) -> dict:
    form = {
        "consent": "y",
        "consent_channel": "phone",
        "consent_language": "vi",
        "requester_name": "Phạm Thị Mai",
        "requester_contact": "080-1234-5678",
        "language_code": "vi",
        "requester_nationality": "VN",
        "category": "hospital",
        "mode": "in_person",
        "municipality_code": KOGA,
        "place_name": "古河赤十字病院",
        "day": when.isoformat(),
        "starts": "10:00",
        "ends": "12:00",
        "duration_minutes": "90",
        "urgency": "normal",
        "preferred_gender": "",
        "source": "hospital",
        "need": "Internal medicine follow-up; explain test results.",
    }
    return form | overrides


@pytest.fixture
def team(make_supporter, make_user):
    """Vietnamese speakers around Koga: one native next door, one fluent in Bando, one in Mito."""
    lan = make_supporter(name="Nguyễn Thị Lan", email="lan@example.jp", home=KOGA)
    hoa = make_supporter(
        name="Trần Thị Hoa", email="hoa@example.jp", home=BANDO, languages=(("vi", "fluent"),)
    )
    far = make_supporter(name="Đỗ Văn Minh", email="minh@example.jp", home=MITO)
    accounts = {
        "coordinator": make_user("coordinator"),
        "lan_account": make_user("supporter", email="lan-account@example.jp", supporter=lan),
        "hoa_account": make_user("supporter", email="hoa-account@example.jp", supporter=hoa),
        "officer": make_user("municipal_officer", municipalities=[KOGA]),
    }
    return {"lan": lan, "hoa": hoa, "far": far, **accounts}


def _client_as(app, email):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def test_coordinator_story_from_phone_call_to_assignment(app, db, team):
    """The whole "done when" story in the console and on the supporter's page."""
    coordinator = _client_as(app, "coordinator@example.jp")
    day = jst_at(4, 0).date()

    response = post_form(coordinator, "/requests/new", _intake_form(day))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    request = db.session.scalars(select(HelpRequest)).one()
    assert request.sensitive is True
    assert request.status == RequestStatus.NEW
    consent = db.session.get(Consent, request.consent_id)
    assert (consent.channel, consent.language_shown) == (ConsentChannel.PHONE, "vi")
    assert consent.recorded_by_id == team["coordinator"].id

    # The ranked list, with reasons, in English on request.
    coordinator.set_cookie("yorisoi_lang", "en")
    page = coordinator.get(f"/requests/{request.id}").get_data(as_text=True)
    assert page.index("Nguyễn Thị Lan") < page.index("Trần Thị Hoa")
    assert "Native Vietnamese" in page and "0 km" in page and "0 cases this month" in page
    assert "Đỗ Văn Minh" not in page.split('data-testid="candidates"')[1].split("</table>")[0]

    # Offers to the two ranked candidates.
    response = post_form(
        coordinator,
        f"/requests/{request.id}/offers",
        {"supporter_ids": [str(team["lan"].id), str(team["hoa"].id)]},
        token_from=f"/requests/{request.id}",
    )
    assert response.status_code == 302, (
        coordinator.get(f"/requests/{request.id}")
        .get_data(as_text=True)
        .split("flash-error")[1][:300]
    )
    assert _fresh(request).status == RequestStatus.OFFERED
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {m.recipient for m in mails} == {"lan@example.jp", "hoa@example.jp"}
    for mail in mails:
        assert "Phạm" not in mail.body and "病院" not in mail.body and "medicine" not in mail.body

    # Lan opens her offer: what and when, but no name or contact before accepting.
    lan = _client_as(app, "lan-account@example.jp")
    offer = db.session.scalars(select(Offer).where(Offer.supporter_id == team["lan"].id)).one()
    page = lan.get(f"/me/offers/{offer.id}").get_data(as_text=True)
    assert "Phạm Thị Mai" not in page and "080-1234-5678" not in page
    assert "Internal medicine" not in page  # hospital: the need too waits for acceptance
    response = post_form(
        lan, f"/me/offers/{offer.id}/accept", {}, token_from=f"/me/offers/{offer.id}"
    )
    assert response.status_code == 302
    page = lan.get(f"/me/offers/{offer.id}").get_data(as_text=True)
    assert "Phạm Thị Mai" in page and "080-1234-5678" in page

    request = _fresh(request)
    assert request.status == RequestStatus.ASSIGNED
    assert request.assigned_supporter_id == team["lan"].id
    other = db.session.scalars(select(Offer).where(Offer.supporter_id == team["hoa"].id)).one()
    assert other.status == OfferStatus.WITHDRAWN
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count("offer_withdrawn") == 1 and kinds.count("request_assigned") == 1

    # Hoa is too late: told so on the offer's page (409, rolled back), nothing changes.
    hoa = _client_as(app, "hoa-account@example.jp")
    hoa.set_cookie("yorisoi_lang", "en")
    response = post_form(hoa, f"/me/offers/{other.id}/accept", {}, token_from="/me/offers/")
    assert response.status_code == 409
    assert "Someone else has already accepted this request." in response.get_data(as_text=True)
    assert _fresh(request).assigned_supporter_id == team["lan"].id
    history = [e.to_status for e in _fresh(request).events]
    assert history == [RequestStatus.NEW, RequestStatus.OFFERED, RequestStatus.ASSIGNED]


def test_intake_refuses_without_consent_and_keeps_the_input(app, db, team):
    """No consent, no record; what the coordinator typed comes back with the error."""
    coordinator = _client_as(app, "coordinator@example.jp")
    form = _intake_form(jst_at(2, 0).date(), consent="")
    form.pop("consent")
    response = post_form(coordinator, "/requests/new", form)
    assert response.status_code == 422  # refused: the request's transaction is rolled back
    page = response.get_data(as_text=True)
    assert "Phạm Thị Mai" in page
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 0
    assert db.session.scalar(select(func.count()).select_from(Consent)) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts": "12:00", "ends": "10:00"}, "ends_at"),
        ({"day": "2020-01-01"}, "day"),
        ({"duration_minutes": "480"}, "duration_minutes"),
        ({"municipality_code": "99999"}, "municipality_code"),
        ({"requester_contact": ""}, "requester_contact"),
    ],
)
def test_intake_errors_are_per_field(app, db, team, overrides, field):
    """Each bad value is named next to its field; nothing is stored."""
    coordinator = _client_as(app, "coordinator@example.jp")
    response = post_form(
        coordinator, "/requests/new", _intake_form(jst_at(2, 0).date(), **overrides)
    )
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True) or "flash-error" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(HelpRequest)) == 0


def test_reasons_include_continuity_and_experience(app, db, team, make_request):
    """The supporter who helped this resident before ranks first and the reason says when."""
    first = make_request(contact="080 1234 5678", language="vi", days_ahead=1)
    offers.send_offers(first, [team["hoa"].id], team["coordinator"])
    offers.accept(offers_of(first)[0].id, team["hoa"].id, None)
    lifecycle.complete(_fresh(first), team["coordinator"])
    db.session.commit()

    # Same resident (the number typed differently), same category.
    again = make_request(contact="０８０-１２３４-５６７８", language="vi", days_ahead=6)
    result = match_request(again)
    top = result.ranked[0]
    assert top.candidate.supporter_id == team["hoa"].id
    codes = {r.code for r in top.reasons}
    assert {"continuity", "experience"} <= codes
    assert top.parts["continuity"] > 0


def offers_of(request):
    return _db.session.scalars(select(Offer).where(Offer.request_id == request.id)).all()


def test_availability_and_assignments_are_respected(app, db, team, make_request):
    """Weekly slots, days away and an existing assignment at the same time all exclude."""
    request = make_request(days_ahead=3, hours=(10, 12))
    weekday = request.starts_at.astimezone(jst_at(0, 0).tzinfo).weekday()
    db.session.add(
        WeeklySlot(
            supporter_id=team["lan"].id,
            weekday=(weekday + 1) % 7,
            starts=jst_at(0, 9).time(),
            ends=jst_at(0, 17).time(),
        )
    )
    db.session.add(
        UnavailableDate(
            supporter_id=team["hoa"].id,
            day=request.starts_at.astimezone(jst_at(0, 0).tzinfo).date(),
        )
    )
    db.session.commit()
    ids = [r.candidate.supporter_id for r in match_request(request).ranked]
    assert team["lan"].id not in ids and team["hoa"].id not in ids

    # The far supporter is busy with another assignment overlapping the window.
    busy = make_request(days_ahead=3, hours=(11, 13), municipality=MITO, contact="x@example.jp")
    offers.send_offers(busy, [team["far"].id], team["coordinator"])
    offers.accept(offers_of(busy)[0].id, team["far"].id, None)
    db.session.commit()
    result = match_request(_fresh(request))
    assert result.ranked == []
    assert result.emptied_by in ("location", "availability")


def test_a_paused_supporter_is_not_matched_until_the_day_after(app, db, team, make_request):
    """The pause switch reaches the database-backed matcher, inclusive of its last day."""
    request = make_request(days_ahead=3, hours=(10, 12))
    day = request.starts_at.astimezone(jst_at(0, 0).tzinfo).date()
    team["lan"].paused_until = day
    db.session.commit()
    result = match_request(_fresh(request))
    assert team["lan"].id not in [r.candidate.supporter_id for r in result.ranked]

    team["lan"].paused_until = day - timedelta(days=1)
    db.session.commit()
    result = match_request(_fresh(request))
    assert team["lan"].id in [r.candidate.supporter_id for r in result.ranked]


def test_impossible_request_explains_and_proposes_fallbacks(app, db, team, make_request):
    """Khmer in person in Kitaibaraki: nobody speaks it; the page says so and offers referral."""
    coordinator = _client_as(app, "coordinator@example.jp")
    coordinator.set_cookie("yorisoi_lang", "en")
    request = make_request(language="km", municipality=KITAIBARAKI)
    result = match_request(request)
    assert result.ranked == [] and result.emptied_by == "language"
    assert [f.kind for f in result.fallbacks][-1] == "referral"
    page = coordinator.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Nobody qualifies." in page
    assert "speaks the language at the needed level" in page
    assert 'data-kind="referral"' in page

    # Vietnamese in Kitaibaraki: speakers exist but too far; neighbouring areas are proposed,
    # remote ones are not (they only help in person).
    vietnamese = make_request(language="vi", municipality=KITAIBARAKI, contact="y@example.jp")
    result = match_request(vietnamese)
    assert result.emptied_by == "location"
    kinds = [f.kind for f in result.fallbacks]
    assert "neighbouring" in kinds and kinds[-1] == "referral"


def test_declines_then_unfilled_then_rematch_or_refer(app, db, team, make_request):
    """When every offer is declined the request is unfilled, on the queue, and can go on."""
    request = make_request()
    offers.send_offers(request, [team["lan"].id, team["hoa"].id], team["coordinator"])
    db.session.commit()
    first, second = offers_of(request)
    with pytest.raises(Refused) as error:
        offers.decline(first.id, team["lan"].id, "", "", None)
    assert error.value.fields
    offers.decline(first.id, team["lan"].id, "not_available", "", None)
    assert _fresh(request).status == RequestStatus.OFFERED
    offers.decline(second.id, team["hoa"].id, "too_far", "", None)
    db.session.commit()
    assert _fresh(request).status == RequestStatus.UNFILLED
    assert "request_unfilled" in db.session.scalars(select(OutboxMessage.kind)).all()

    # The coordinator may refer it out, with the service named.
    lifecycle.refer(_fresh(request), team["coordinator"], "Remote interpretation line")
    db.session.commit()
    assert _fresh(request).status == RequestStatus.REFERRED
    lifecycle.close(_fresh(request), team["coordinator"])
    db.session.commit()
    assert _fresh(request).status == RequestStatus.CLOSED


def test_offers_expire_and_the_sweep_marks_unfilled(app, db, team, make_request):
    """No answer by the deadline: offers expire, the request becomes unfilled; twice is harmless."""
    app.config["ESCALATION_ROUNDS"] = 0  # no next candidates (tests/test_escalation.py)
    request = make_request(days_ahead=5)
    offers.send_offers(request, [team["lan"].id], team["coordinator"])
    db.session.commit()
    offer = offers_of(request)[0]
    later = utcnow() + timedelta(hours=25)
    with pytest.raises(Refused) as error:
        offers.accept(offer.id, team["lan"].id, None, now=later)
    assert error.value.code == "expired"
    assert offers.sweep(later) == (1, 1)
    db.session.commit()
    assert offers.sweep(later) == (0, 0)
    assert _fresh(request).status == RequestStatus.UNFILLED
    assert _fresh(offer).status == OfferStatus.EXPIRED


def test_lifecycle_refuses_impossible_transitions(app, db, team, make_request):
    """Each transition checks where the request is; cancelling needs a reason."""
    request = make_request()
    with pytest.raises(Refused):
        lifecycle.complete(request, team["coordinator"])
    with pytest.raises(Refused):
        lifecycle.cancel(request, team["coordinator"], "  ")
    lifecycle.cancel(request, team["coordinator"], "Resident found help")
    db.session.commit()
    with pytest.raises(Refused):
        offers.send_offers(_fresh(request), [team["lan"].id], team["coordinator"])
    events = db.session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    )
    assert [(e.to_status, e.by_id) for e in events] == [
        (RequestStatus.NEW, None),
        (RequestStatus.CANCELLED, team["coordinator"].id),
    ]


def test_officer_sees_area_requests_but_never_hospital_ones_or_names(app, db, team, make_request):
    """Officers see daily-life requests in their area without the resident's details."""
    daily = make_request(category="daily_life", name="Lê Thị Thu")
    hospital = make_request(category="hospital", name="Võ Thị Hạnh", contact="z@example.jp")
    officer = _client_as(app, "municipal_officer@example.jp")
    page = officer.get(f"/requests/{daily.id}")
    assert page.status_code == 200
    assert "Lê Thị Thu" not in page.get_data(as_text=True)
    assert officer.get(f"/requests/{hospital.id}").status_code == 404
    listing = officer.get("/requests/").get_data(as_text=True)
    assert daily.reference in listing and hospital.reference not in listing


def test_supporter_cannot_see_a_request_not_offered_to_them(app, db, team, make_request):
    """A supporter only ever sees offers made to them."""
    request = make_request()
    offers.send_offers(request, [team["hoa"].id], team["coordinator"])
    db.session.commit()
    offer = offers_of(request)[0]
    lan = _client_as(app, "lan-account@example.jp")
    assert lan.get(f"/me/offers/{offer.id}").status_code == 404
    assert lan.get(f"/requests/{request.id}").status_code == 403
    assert request.reference not in lan.get("/me/offers/").get_data(as_text=True)


def test_sensitive_request_views_are_audited(app, db, team, make_request):
    """Every look at a hospital request's personal details is in the audit trail."""
    from supporters.models import AuditEvent

    request = make_request(category="hospital")
    coordinator = _client_as(app, "coordinator@example.jp")
    coordinator.get(f"/requests/{request.id}")
    coordinator.get(f"/requests/{request.id}")
    views = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "view_sensitive_request")
    )
    assert views == 2


def test_sweep_command_for_cron(app, db, team, make_request):
    """``flask requests sweep`` persists expiries; the outbox then tells the coordinators."""
    request = make_request(days_ahead=5)
    offers.send_offers(request, [team["lan"].id], team["coordinator"])
    offer = offers_of(request)[0]
    offer.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["requests", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 offer(s) expired, 1 request(s) now unfilled" in result.output
    assert _fresh(request).status == RequestStatus.UNFILLED


def test_offer_mail_reaches_a_real_smtp_server(tmp_path, smtp_server):  # noqa: F811
    """The offer's e-mail leaves through the outbox to a real SMTP server, with only a link."""
    from supporters.notify import deliver_pending
    from tests.conftest import make_app

    app = make_app(
        tmp_path,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        BASE_URL="https://yorisoi.example.jp",
    )
    with app.app_context():
        from datetime import date

        from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
        from supporters.models import (
            LanguageLevel,
            Mode,
            RequestCategory,
            RequestSource,
            Role,
            User,
        )
        from supporters.registry import operations
        from tests.conftest import _PASSWORD_HASH, SupporterProfile

        profile = SupporterProfile(
            display_name="Nguyễn Thị Lan",
            email="lan@example.jp",
            phone="090-0000-0001",
            home_municipality_code=KOGA,
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
        lan = operations.register_supporter(profile, date(2025, 4, 1), by=None)
        operations.certify(lan, "TEST-0001", date(2025, 5, 1), by=None)
        coordinator = User(
            email="c@example.jp", name="C", role=Role.COORDINATOR, password_hash=_PASSWORD_HASH
        )
        _db.session.add(coordinator)
        draft = RequestDraft(
            category=RequestCategory.HOSPITAL,
            mode=Mode.IN_PERSON,
            language_code="vi",
            municipality_code=KOGA,
            starts_at=jst_at(3, 10),
            ends_at=jst_at(3, 12),
            duration_minutes=60,
            requester_name="Phạm Thị Mai",
            requester_contact="080-1234-5678",
            source=RequestSource.HOSPITAL,
            place_name="古河赤十字病院",
            need="Diabetes check",
        )
        request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
        offer = offers.send_offers(request, [lan.id], coordinator)[0]
        _db.session.commit()
        report = deliver_pending()
        assert report.sent == 1
        smtp_server.wait_for(1)
        mail = smtp_server.messages[0]
        assert mail["To"] == "lan@example.jp"
        body = mail.get_content()
        assert f"https://yorisoi.example.jp/me/offers/{offer.id}" in body
        for secret in ("Phạm", "080-1234-5678", "病院", "Diabetes", "hospital", "病"):
            assert secret not in body and secret not in mail["Subject"]
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_unfilled_requests_wait_on_the_dashboard_queue(app, db, team, make_request):
    """New, unfilled and overdue requests show on the coordinator's dashboard until handled."""
    waiting = make_request(contact="1@example.jp")
    overdue = make_request(contact="2@example.jp")
    offers.send_offers(overdue, [team["lan"].id], team["coordinator"])
    offers_of(overdue)[0].expires_at = utcnow() - timedelta(minutes=5)
    overdue.answer_by = utcnow() - timedelta(minutes=5)
    handled = make_request(contact="3@example.jp")
    lifecycle.cancel(handled, team["coordinator"], "Resident found help")
    db.session.commit()
    page = _client_as(app, "coordinator@example.jp").get("/dashboard/").get_data(as_text=True)
    queue = page.split('data-testid="queue"')[1].split("</table>")[0]
    assert waiting.reference in queue and overdue.reference in queue
    assert handled.reference not in queue


def test_in_app_notifications_list_and_mark_read(app, db, team, make_request):
    """A supporter sees "new offer" in their notification list, links to it, and can clear it."""
    request = make_request()
    offer = offers.send_offers(request, [team["lan"].id], team["coordinator"])[0]
    db.session.commit()
    lan = _client_as(app, "lan-account@example.jp")
    lan.set_cookie("yorisoi_lang", "en")
    page = lan.get("/me/offers/").get_data(as_text=True)
    assert 'class="count">1<' in page
    listing = lan.get("/notifications/").get_data(as_text=True)
    assert f'href="/me/offers/{offer.id}"' in listing
    response = post_form(lan, "/notifications/read", {}, token_from="/notifications/")
    assert response.status_code == 302
    assert 'class="count"' not in lan.get("/notifications/").get_data(as_text=True)
