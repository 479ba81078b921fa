"""Accounts follow the supporter; API tokens expire; admins manage accounts in a console.

User stories:
- "As a coordinator, when I suspend a supporter in the registry, they cannot accept, read or
  log anything a second later — on the web or through the API — and they are told why. Their
  open offers come back to me, and the request says so."
- "As an administrator I see who is signed in with an account and from where, end a session
  or all of them, revoke API tokens, and deactivate or reactivate an account with a reason."
- "As anyone with an API token, I see my tokens, when they were last used and when they expire,
  and I revoke the ones I no longer need."
"""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select, update

from supporters.api.tokens import check_token, issue_token, revoke_tokens
from supporters.clock import today_jst, utcnow
from supporters.extensions import db as _db
from supporters.help_requests import offers
from supporters.models import (
    ApiToken,
    AuditEvent,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestEvent,
    RequestStatus,
    Supporter,
    SupporterStatus,
    User,
    UserSession,
)
from supporters.refusals import Refused
from supporters.registry import operations
from tests.conftest import Auth, post_form

RESIDENT = "Phạm Thị Mai"
RESIDENT_PHONE = "080-1111-2222"


def _english(client) -> None:
    client.set_cookie("yorisoi_lang", "en")


def _signed_in(client, page: str) -> bool:
    return client.get(page).status_code == 200


def _api(client, token: str, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)


def _check(token: str):
    """What the API would make of ``token`` now (this test's session forgets what it read)."""
    _db.session.expire_all()
    return check_token(token)


def _fresh(model, key):
    _db.session.expire_all()
    return _db.session.get(model, key)


@pytest.fixture
def supporter_user(users, db):
    """The supporter's account, reading Yorisoi in English."""
    user = db.session.get(User, users["supporter"].id)
    user.locale = "en"
    db.session.commit()
    return user


@pytest.fixture
def offered(make_request, users, supporter_user):
    """A request offered to the signed-in supporter only: (request id, offer id)."""
    request = make_request(name=RESIDENT, contact=RESIDENT_PHONE)
    (offer,) = offers.send_offers(request, [supporter_user.supporter_id], users["coordinator"])
    _db.session.commit()
    return request.id, offer.id


@pytest.fixture
def coordinator_client(app, users):
    client = app.test_client()
    Auth(client).login("coordinator@example.jp")
    _english(client)
    return client


@pytest.fixture
def admin_client(app, users):
    client = app.test_client()
    Auth(client).login("admin@example.jp")
    _english(client)
    return client


def _suspend_in_console(client, supporter_id: int):
    response = post_form(
        client,
        f"/supporters/{supporter_id}/suspend",
        {"effective_on": today_jst().isoformat(), "reason": "Complaint under review"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


# --- Severe 1: a suspended supporter keeps nothing -----------------------------------------------


def test_a_supporter_suspended_in_the_console_can_do_nothing_a_second_later(
    app, db, users, supporter_user, offered, coordinator_client
):
    """Through the real console form, then the supporter's own browser and token."""
    request_id, offer_id = offered
    browser = app.test_client()
    Auth(browser).login("supporter@example.jp")
    assert _signed_in(browser, "/me/")
    _, token = issue_token(supporter_user, "phone app")
    db.session.commit()
    api = app.test_client()
    assert _api(api, token, "GET", "/offers").status_code == 200

    _suspend_in_console(coordinator_client, supporter_user.supporter_id)

    # The browser's session is over: every page sends it to sign in, accepting does nothing.
    assert browser.get("/me/").status_code == 302
    response = post_form(browser, f"/me/offers/{offer_id}/accept", {}, token_from="/login")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Signing in again is refused, with words the supporter understands.
    again = Auth(app.test_client()).login("supporter@example.jp")
    assert again.status_code == 403
    assert "supporter registration is suspended" in again.get_data(as_text=True)

    # The token reads, accepts and logs nothing, and says why.
    for method, path, body in (
        ("GET", "/offers", None),
        ("GET", f"/offers/{offer_id}", None),
        ("POST", f"/offers/{offer_id}/accept", None),
        ("GET", "/activities", None),
        ("POST", "/activities", {"happened_on": today_jst().isoformat()}),
    ):
        response = _api(api, token, method, path, json=body)
        assert response.status_code == 401, (method, path)
        error = response.get_json()["error"]
        assert error["code"] == "supporter_suspended"
        assert "suspended" in error["message"]
        assert RESIDENT not in response.get_data(as_text=True)
        assert RESIDENT_PHONE not in response.get_data(as_text=True)

    # Nothing was accepted; the offer was withdrawn and the request is back with the
    # coordinators (it had no other open offer), its history saying why.
    assert _fresh(Offer, offer_id).status == OfferStatus.WITHDRAWN
    request = _fresh(HelpRequest, request_id)
    assert request.status == RequestStatus.UNFILLED
    assert request.assigned_supporter_id is None
    event = db.session.scalar(select(RequestEvent).where(RequestEvent.code == "offer_withdrawn"))
    assert event.params == {
        "supporter_id": supporter_user.supporter_id,
        "reason": "supporter_suspended",
    }
    page = coordinator_client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "The offer to Trần Văn Hùng was withdrawn because they were suspended." in page

    # On the server: every session ended as "deactivated", every token revoked.
    sessions = list(
        db.session.scalars(select(UserSession).where(UserSession.user_id == supporter_user.id))
    )
    assert sessions and all(s.ended_reason == "deactivated" for s in sessions)
    assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))


def test_a_suspended_supporters_token_no_longer_accepts_and_shows_the_resident(
    app, db, supporter_user, offered
):
    """The review's attack: the status changed (here even behind the registry's back, so the
    token and the offer survived) and the token used to get 200 with the resident's name."""
    _request_id, offer_id = offered
    _, token = issue_token(supporter_user)
    db.session.execute(
        update(Supporter)
        .where(Supporter.id == supporter_user.supporter_id)
        .values(status=SupporterStatus.SUSPENDED)
    )
    db.session.commit()

    response = _api(app.test_client(), token, "POST", f"/offers/{offer_id}/accept")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "supporter_suspended"
    assert RESIDENT not in response.get_data(as_text=True)
    assert _fresh(Offer, offer_id).status == OfferStatus.OPEN


def test_accept_checks_the_supporter_at_accept_time_in_the_same_update(
    app, db, supporter_user, offered
):
    """Suspended between loading the offer and accepting it (objects not refreshed): refused."""
    request_id, offer_id = offered
    offer = db.session.get(Offer, offer_id)
    supporter = db.session.get(Supporter, supporter_user.supporter_id)
    assert supporter.status == SupporterStatus.CERTIFIED  # what this session believes
    with db.engine.begin() as other_connection:  # someone else suspends, and commits
        other_connection.execute(
            update(Supporter)
            .where(Supporter.id == supporter.id)
            .values(status=SupporterStatus.SUSPENDED)
        )

    with pytest.raises(Refused) as refused:
        offers.accept(offer.id, offer.supporter_id, None)

    assert refused.value.code == "not_certified"
    assert RESIDENT not in refused.value.message
    request = _fresh(HelpRequest, request_id)
    assert request.status == RequestStatus.OFFERED and request.assigned_supporter_id is None
    assert _fresh(Offer, offer_id).status == OfferStatus.OPEN


def test_a_deactivated_account_cannot_win_an_acceptance(db, supporter_user, offered):
    """The account's own switch is part of the same UPDATE when a person accepts."""
    _request_id, offer_id = offered
    user = db.session.get(User, supporter_user.id)
    with db.engine.begin() as other_connection:
        other_connection.execute(update(User).where(User.id == user.id).values(active=False))

    with pytest.raises(Refused) as refused:
        offers.accept(offer_id, user.supporter_id, user)

    assert refused.value.code == "account_inactive"


def test_the_web_accept_of_a_suspended_supporter_is_refused(app, db, supporter_user, offered):
    request_id, offer_id = offered
    browser = app.test_client()
    Auth(browser).login("supporter@example.jp")
    page = browser.get(f"/me/offers/{offer_id}")
    assert page.status_code == 200
    operations.suspend(
        db.session.get(Supporter, supporter_user.supporter_id), today_jst(), "test", by=None
    )
    db.session.commit()

    response = post_form(browser, f"/me/offers/{offer_id}/accept", {}, token_from="/login")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _fresh(HelpRequest, request_id).assigned_supporter_id is None


def test_another_open_offer_keeps_the_request_offered(
    db, make_supporter, make_request, users, supporter_user
):
    """Only the suspended supporter's offer goes; the request waits for the others."""
    other = make_supporter(name="Lê Văn Nam", email="nam@example.jp")
    request = make_request()
    mine, theirs = offers.send_offers(
        request, [supporter_user.supporter_id, other.id], users["coordinator"]
    )
    db.session.commit()

    operations.suspend(
        db.session.get(Supporter, supporter_user.supporter_id),
        today_jst(),
        "test",
        by=db.session.get(User, users["coordinator"].id),
    )
    db.session.commit()

    assert _fresh(Offer, mine.id).status == OfferStatus.WITHDRAWN
    assert _fresh(Offer, theirs.id).status == OfferStatus.OPEN
    assert _fresh(HelpRequest, request.id).status == RequestStatus.OFFERED
    event = db.session.scalar(select(RequestEvent).where(RequestEvent.code == "offer_withdrawn"))
    assert event.by_id == users["coordinator"].id
    assert event.from_status == event.to_status == RequestStatus.OFFERED


def test_retiring_and_a_lapse_close_access_too(app, db, make_supporter, make_user, users):
    """Retirement through the lapse list (the yearly check) ends sessions and revokes tokens."""
    from supporters.clock import fiscal_year
    from supporters.continuation import service as continuation
    from supporters.models import ContinuationAnswer, ContinuationCheck

    person = make_supporter(name="Stops", email="stops@example.jp")
    user = make_user("supporter", email="stops@example.jp", supporter=person)
    browser = app.test_client()
    Auth(browser).login("stops@example.jp")
    _, token = issue_token(user)
    db.session.commit()

    continuation.start_check(fiscal_year(today_jst()), by=None)
    check = db.session.scalar(
        select(ContinuationCheck).where(ContinuationCheck.supporter_id == person.id)
    )
    continuation.answer(check, ContinuationAnswer.STOP, "Moving away", by=None)
    db.session.commit()

    retirement = continuation.Retirement([person.id], "said stop")
    continuation.retire_lapsed(retirement, today_jst(), today_jst(), 12, by=None)
    db.session.commit()

    assert not _signed_in(browser, "/me/")
    assert _check(token).refusal == "supporter_retired"
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    retired = Auth(app.test_client()).login("stops@example.jp")
    assert retired.status_code == 403


def test_reinstatement_gives_access_back_with_a_new_sign_in(app, db, supporter_user, users):
    """The old session and tokens stay ended; signing in again works, and a new token."""
    browser = app.test_client()
    Auth(browser).login("supporter@example.jp")
    _, old_token = issue_token(supporter_user)
    db.session.commit()
    supporter = db.session.get(Supporter, supporter_user.supporter_id)
    operations.suspend(supporter, today_jst(), "review", by=None)
    db.session.commit()
    operations.reinstate(supporter, today_jst(), "cleared", by=None)
    db.session.commit()

    assert not _signed_in(browser, "/me/")  # the old session stays ended
    assert _check(old_token).user is None
    fresh = app.test_client()
    assert Auth(fresh).login("supporter@example.jp").status_code == 302
    assert _signed_in(fresh, "/me/")
    _, new_token = issue_token(_fresh(User, supporter_user.id))
    db.session.commit()
    assert _api(app.test_client(), new_token, "GET", "/offers").status_code == 200


# --- API tokens: expiry, last use, the owner's page -----------------------------------------------


def test_tokens_expire_after_ninety_days_by_default(app, db, users):
    assert current_app.config["API_TOKEN_DAYS"] == 90
    row, token = issue_token(db.session.get(User, users["coordinator"].id))
    db.session.commit()
    assert row.expires_at - row.created_at == timedelta(days=90)
    client = app.test_client()
    assert _api(client, token, "GET", "/municipalities").status_code == 200

    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = _api(client, token, "GET", "/municipalities")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_last_use_is_recorded_at_most_once_a_minute(app, db, users):
    row, token = issue_token(db.session.get(User, users["coordinator"].id))
    db.session.commit()
    client = app.test_client()
    _api(client, token, "GET", "/municipalities")
    first = _fresh(ApiToken, row.id).last_used_at
    assert first is not None
    _api(client, token, "GET", "/municipalities")
    assert _fresh(ApiToken, row.id).last_used_at == first  # within the minute: not rewritten

    _fresh(ApiToken, row.id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    _api(client, token, "GET", "/municipalities")
    assert _fresh(ApiToken, row.id).last_used_at > first - timedelta(minutes=2)


def test_the_owner_makes_sees_and_revokes_their_tokens(app, db, users, coordinator_client):
    client = coordinator_client
    response = post_form(client, "/account/tokens", {"name": "Koga city system", "days": "30"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = page.split('data-testid="new-token"')[1].split("<code>")[1].split("</code>")[0]
    assert token.startswith("ys_")
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Koga city system"))
    assert row.expires_at - row.created_at == timedelta(days=30)
    assert _api(app.test_client(), token, "GET", "/supporters").status_code == 200

    listing = client.get("/account/tokens").get_data(as_text=True)
    assert row.prefix in listing and "Koga city system" in listing
    assert token not in listing  # shown once, never again

    response = post_form(client, "/account/tokens/revoke", {"token_id": str(row.id)})
    assert response.status_code == 302
    assert _api(app.test_client(), token, "GET", "/supporters").status_code == 401
    assert "Revoked" in client.get("/account/tokens").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token_from_their_own_page(app, db, users):
    admin_row, admin_token = issue_token(db.session.get(User, users["admin"].id))
    db.session.commit()
    client = app.test_client()
    Auth(client).login("official@example.jp")
    response = post_form(client, "/account/tokens/revoke", {"token_id": str(admin_row.id)})
    assert response.status_code == 302
    assert _fresh(ApiToken, admin_row.id).revoked_at is None
    assert _check(admin_token).user is not None


def test_a_token_needs_a_name_and_a_sane_lifetime(coordinator_client, db):
    for data in (
        {"name": "", "days": "30"},
        {"name": "x", "days": "0"},
        {"name": "x", "days": "999"},
    ):
        response = post_form(coordinator_client, "/account/tokens", data)
        assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_supporter_has_the_tokens_page_in_their_own_layout(app, supporter_user):
    client = app.test_client()
    Auth(client).login("supporter@example.jp")
    page = client.get("/account/tokens")
    assert page.status_code == 200
    assert 'class="portal"' in page.get_data(as_text=True)


# --- The accounts console -------------------------------------------------------------------------


def test_the_console_lists_and_filters_accounts(admin_client, users, db):
    page = admin_client.get("/accounts/").get_data(as_text=True)
    for user in users.values():
        assert user.email in page
    page = admin_client.get("/accounts/?role=supporter").get_data(as_text=True)
    assert "supporter@example.jp" in page and "coordinator@example.jp" not in page
    page = admin_client.get("/accounts/?q=COORD").get_data(as_text=True)
    assert "coordinator@example.jp" in page and "official@example.jp" not in page
    db.session.get(User, users["official"].id).active = False
    db.session.commit()
    page = admin_client.get("/accounts/?state=deactivated").get_data(as_text=True)
    assert "official@example.jp" in page and "coordinator@example.jp" not in page
    assert admin_client.get("/accounts/?page=1e20&role=zzz").status_code == 200


def test_only_admins_open_the_console(app, users):
    for role in ("coordinator", "municipal_officer", "official", "supporter"):
        client = app.test_client()
        Auth(client).login(f"{role}@example.jp")
        assert client.get("/accounts/").status_code == 403
        assert client.get(f"/accounts/{users['admin'].id}").status_code == 403


def test_the_admin_sees_and_ends_a_users_sessions(app, db, users, admin_client):
    office, laptop = app.test_client(), app.test_client()
    office.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    laptop.environ_base["HTTP_USER_AGENT"] = "LaptopBrowser/1.0"
    Auth(office).login("coordinator@example.jp")
    Auth(laptop).login("coordinator@example.jp")
    coordinator_id = users["coordinator"].id
    page = admin_client.get(f"/accounts/{coordinator_id}").get_data(as_text=True)
    assert "192.0.2.10" in page and "LaptopBrowser/1.0" in page
    laptop_session = db.session.scalar(
        select(UserSession).where(UserSession.user_agent == "LaptopBrowser/1.0")
    )

    response = post_form(
        admin_client,
        f"/accounts/{coordinator_id}/sessions/end",
        {"session_id": str(laptop_session.id)},
        token_from=f"/accounts/{coordinator_id}",
    )
    assert response.status_code == 302
    assert not _signed_in(laptop, "/dashboard/")
    assert _signed_in(office, "/dashboard/")

    response = post_form(
        admin_client,
        f"/accounts/{coordinator_id}/sessions/end-all",
        {},
        token_from=f"/accounts/{coordinator_id}",
    )
    assert response.status_code == 302
    assert not _signed_in(office, "/dashboard/")
    assert _signed_in(admin_client, "/accounts/")  # the admin's own session is untouched
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"end_session", "end_all_sessions"} <= actions


def test_the_admin_revokes_a_users_token(app, db, users, admin_client):
    row, token = issue_token(db.session.get(User, users["official"].id), "reporting")
    db.session.commit()
    page = admin_client.get(f"/accounts/{users['official'].id}").get_data(as_text=True)
    assert row.prefix in page and "reporting" in page
    response = post_form(
        admin_client,
        f"/accounts/{users['official'].id}/tokens/revoke",
        {"token_id": str(row.id)},
        token_from=f"/accounts/{users['official'].id}",
    )
    assert response.status_code == 302
    assert _check(token).user is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_revoked"))
    assert event.user_id == users["admin"].id


def test_deactivation_needs_a_reason_and_stops_everything_at_once(
    app, db, users, supporter_user, offered, admin_client
):
    _request_id, offer_id = offered
    browser = app.test_client()
    Auth(browser).login("supporter@example.jp")
    _, token = issue_token(supporter_user)
    db.session.commit()
    url = f"/accounts/{supporter_user.id}/deactivate"

    refused = post_form(admin_client, url, {"reason": "  "})
    assert refused.status_code == 422
    assert _fresh(User, supporter_user.id).active

    response = post_form(admin_client, url, {"reason": "Phone reported stolen"})
    assert response.status_code == 302
    assert not _fresh(User, supporter_user.id).active
    assert not _signed_in(browser, "/me/")
    assert _check(token).user is None
    assert _fresh(Offer, offer_id).status == OfferStatus.WITHDRAWN
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deactivate_account"))
    assert event.detail == "Phone reported stolen" and event.user_id == users["admin"].id
    assert Auth(app.test_client()).login("supporter@example.jp").status_code == 403

    response = post_form(
        admin_client, f"/accounts/{supporter_user.id}/activate", {"reason": "Phone recovered"}
    )
    assert response.status_code == 302
    assert Auth(app.test_client()).login("supporter@example.jp").status_code == 302
    assert _check(token).user is None  # revoked tokens stay revoked


def test_an_admin_cannot_deactivate_their_own_account(db, users, admin_client):
    url = f"/accounts/{users['admin'].id}/deactivate"
    response = post_form(admin_client, url, {"reason": "oops"})
    assert response.status_code == 422  # a refused form: the request's writes roll back
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert _fresh(User, users["admin"].id).active


def test_the_user_page_shows_the_supporters_status(db, users, supporter_user, admin_client):
    operations.suspend(
        db.session.get(Supporter, supporter_user.supporter_id), today_jst(), "x", by=None
    )
    db.session.commit()
    page = admin_client.get(f"/accounts/{supporter_user.id}").get_data(as_text=True)
    assert 'data-testid="supporter-status"' in page and "Suspended" in page
    assert "Supporter suspended" in page


# --- Command line ---------------------------------------------------------------------------------


def test_flask_users_deactivate_and_activate(app, db, users):
    runner = app.test_cli_runner()
    browser = app.test_client()
    Auth(browser).login("coordinator@example.jp")
    result = runner.invoke(args=["users", "deactivate", "coordinator@example.jp"])
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    assert not _signed_in(browser, "/dashboard/")
    assert not _fresh(User, users["coordinator"].id).active

    again = runner.invoke(args=["users", "deactivate", "coordinator@example.jp"])
    assert again.exit_code != 0 and "already deactivated" in again.output

    result = runner.invoke(args=["users", "activate", "coordinator@example.jp", "--reason", "ok"])
    assert result.exit_code == 0, result.output
    assert _fresh(User, users["coordinator"].id).active


def test_flask_users_token_takes_days(app, db, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "official@example.jp", "--days", "7"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(ApiToken))
    assert row.expires_at - row.created_at == timedelta(days=7)
    refused = runner.invoke(args=["users", "token", "official@example.jp", "--days", "0"])
    assert refused.exit_code != 0


def test_revoking_from_the_command_line_still_works(app, db, users):
    _, token = issue_token(db.session.get(User, users["official"].id))
    db.session.commit()
    assert len(revoke_tokens(db.session.get(User, users["official"].id))) == 1
    db.session.commit()
    assert _check(token).user is None
