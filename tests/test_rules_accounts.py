"""One rule, one place: accounts, passwords, two-factor settings and the supporter's availability.

User story: "As a supporter (or anyone with an account), whichever way I make a change — the web
form, the command line, or a program calling the service — the same mistake gets the same words
next to the same box, because one service holds the rule."

Each test feeds the same bad input through every channel the area has and compares the
``{field: message}`` each one answers, read in English; the last ones check that the forms only
parse (no validator re-states a service's rule).
"""

import html
import re
from datetime import date, time, timedelta

import pyotp
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from wtforms.validators import Optional

from supporters.accounts import service as accounts
from supporters.accounts.forms import NewTokenForm, ReasonForm
from supporters.api import tokens
from supporters.auth import twofactor
from supporters.auth.forms import ConfirmCodeForm, PasswordAgainForm
from supporters.clock import today_jst
from supporters.credentials import service as credentials
from supporters.credentials.forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm
from supporters.extensions import db as _db
from supporters.models import ApiToken, Supporter, User, WeeklySlot
from supporters.models.credentials import AccountLinkPurpose
from supporters.portal import availability
from supporters.portal.availability import DayAwayDraft, SlotDraft
from supporters.portal.settings import DayAwayForm, PauseForm, RemoveDayForm
from supporters.refusals import Refused
from tests.conftest import PASSWORD, Auth, post_form

ERROR = re.compile(r'<p class="error" id="([^"]+)-error">(.*?)</p>', re.S)
NEW_PASSWORD = "lantern orbit kettle meadow"
REQUIRED = "Please fill in this field."


def _on_page(response, prefix: str = "") -> dict[str, str]:
    """The messages a page shows next to its boxes, by field name (``prefix-`` left out)."""
    page = response.get_data(as_text=True)
    return {
        name.removeprefix(prefix): html.unescape(text.strip()) for name, text in ERROR.findall(page)
    }


def _refused(app, call) -> dict[str, str]:
    """What the service says when ``call`` is refused, in English."""
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(Refused) as caught:
            call()
        return caught.value.field_messages()


def _client(app, email: str):
    client = app.test_client()
    Auth(client).login(email)
    client.set_cookie("yorisoi_lang", "en")
    return client


def _user(key: int) -> User:
    _db.session.expire_all()
    return _db.session.get(User, key)


# --- API tokens: the owner's page, the service, the tokens module and `flask users token` --------

TOKEN_CASES = [
    (
        {"name": "", "days": 0},
        {"name": "Say what the token is for.", "days": "Choose from 1 to 365 days."},
    ),
    (
        {"name": "x" * 101, "days": 999},
        {"name": "At most 100 characters.", "days": "Choose from 1 to 365 days."},
    ),
    ({"name": "nightly report", "days": None}, {"days": "Enter a number of days."}),
]


@pytest.mark.parametrize(("draft", "expected"), TOKEN_CASES)
def test_a_token_is_refused_alike_on_the_page_and_by_the_service(app, db, users, draft, expected):
    client = _client(app, "coordinator@example.jp")
    sent = {"name": draft["name"], "days": "" if draft["days"] is None else str(draft["days"])}
    response = post_form(client, "/account/tokens", sent)
    assert response.status_code == 422
    assert _on_page(response) == expected

    owner = _user(users["coordinator"].id)
    call = lambda: accounts.issue_own_token(owner, accounts.TokenDraft(**draft))  # noqa: E731
    assert _refused(app, call) == expected
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_every_way_of_making_a_token_has_the_same_limits(app, db, users):
    """The tokens module (used by the page, the console and the command line) holds the
    lifetime and name rules; ``flask users token`` answers with the same words."""
    owner = _user(users["official"].id)
    expected = {"name": "At most 100 characters.", "days": "Choose from 1 to 365 days."}
    assert _refused(app, lambda: tokens.issue_token(owner, "x" * 101, 999)) == expected

    runner = app.test_cli_runner()
    args = ["users", "token", "official@example.jp", "--name", "x" * 101, "--days", "999"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    for message in expected.values():
        assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- Deactivating an account: the console, the service, `flask users deactivate` -----------------


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("  ", "Give a reason."), ("x" * 1001, "At most 1000 characters.")],
)
def test_a_reason_is_refused_alike_in_the_console_and_on_the_command_line(
    app, db, users, reason, expected
):
    admin = _client(app, "admin@example.jp")
    target = users["coordinator"].id
    response = post_form(admin, f"/accounts/{target}/deactivate", {"reason": reason})
    assert response.status_code == 422
    assert _on_page(response) == {"reason": expected}

    by = _user(users["admin"].id)
    assert _refused(app, lambda: accounts.deactivate(_user(target), reason, by)) == {
        "reason": expected
    }
    result = app.test_cli_runner().invoke(
        args=["users", "deactivate", "coordinator@example.jp", "--reason", reason]
    )
    assert result.exit_code != 0 and expected in result.output
    assert _user(target).active


# --- Passwords: change, reset link, forgotten password -------------------------------------------

CHANGE_CASES = [
    ({}, {"current": REQUIRED, "password": REQUIRED, "confirm": REQUIRED}),
    (
        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        {"current": "The current password is not correct."},
    ),
    (
        {"current": PASSWORD, "password": "password1234", "confirm": "password1234"},
        {"password": "This is a commonly used password. Choose one that others would not."},
    ),
    (
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"},
        {"confirm": "The two passwords are not the same."},
    ),
]


@pytest.mark.parametrize(("typed", "expected"), CHANGE_CASES)
def test_a_password_change_is_refused_alike_on_the_page_and_by_the_service(
    app, db, users, typed, expected
):
    client = _client(app, "supporter@example.jp")
    sent = {"current": "", "password": "", "confirm": ""} | typed
    response = post_form(client, "/account/password", sent)
    assert response.status_code == 422
    assert _on_page(response) == expected

    user = _user(users["supporter"].id)
    draft = credentials.PasswordDraft(**sent)
    assert _refused(app, lambda: credentials.change_password(user, draft)) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({"password": "", "confirm": ""}, {"password": REQUIRED, "confirm": REQUIRED}),
        (
            {"password": "Trần Văn Hùng 2026", "confirm": "Trần Văn Hùng 2026"},
            {"password": "Do not use your name or e-mail address in your password."},
        ),
    ],
)
def test_a_reset_link_refuses_alike_on_the_page_and_in_the_service(app, db, users, typed, expected):
    user = _user(users["supporter"].id)
    token = credentials.issue_link(user, AccountLinkPurpose.RESET, by=None)
    db.session.commit()
    url = f"/password/reset/{token}?lang=en"
    response = post_form(app.test_client(), url, typed)
    assert response.status_code == 422
    assert _on_page(response) == expected

    draft = credentials.PasswordDraft(**typed)
    call = lambda: credentials.set_password_with_link(token, AccountLinkPurpose.RESET, draft)  # noqa: E731
    assert _refused(app, call) == expected
    assert credentials.live_link(token, AccountLinkPurpose.RESET) is not None  # still usable


@pytest.mark.parametrize(
    ("email", "expected"),
    [("", REQUIRED), ("a" * 250 + "@x.jp", "At most 254 characters.")],
)
def test_a_forgotten_password_form_refuses_alike(app, db, email, expected):
    response = post_form(app.test_client(), "/password/forgot?lang=en", {"email": email})
    assert response.status_code == 422
    assert _on_page(response) == {"email": expected}
    assert _refused(app, lambda: credentials.request_reset(email)) == {"email": expected}


# --- Two-factor settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", REQUIRED),
        (
            "abcdef",
            "That code does not match. Check that the app shows this account, "
            "and type the code it shows now.",
        ),
    ],
)
def test_a_new_authenticators_code_is_refused_alike(app, db, users, code, expected):
    client = _client(app, "supporter@example.jp")
    post_form(client, "/account/two-factor/start", {}, "/account/two-factor")
    response = post_form(
        client, "/account/two-factor/confirm", {"code": code}, "/account/two-factor"
    )
    assert response.status_code == 422
    assert _on_page(response) == {"code": expected}

    user = _user(users["supporter"].id)
    assert _refused(app, lambda: twofactor.confirm_enrolment(user, code)) == {"code": expected}
    assert not twofactor.is_enrolled(user)


@pytest.mark.parametrize(
    ("password", "expected"), [("", REQUIRED), ("not my password", "The password is not right.")]
)
def test_the_password_asked_again_is_refused_alike(app, db, users, password, expected):
    client = _client(app, "coordinator@example.jp")  # signed in, then sets up an authenticator
    owner = _user(users["coordinator"].id)
    secret = twofactor.begin_enrolment(owner).pending_secret
    twofactor.confirm_enrolment(owner, pyotp.TOTP(secret).now())
    db.session.commit()
    response = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"renew-password": password},
        "/account/two-factor",
    )
    assert response.status_code == 422
    assert _on_page(response, prefix="renew-") == {"password": expected}

    user = _user(users["coordinator"].id)
    for call in (
        lambda: twofactor.renew_recovery_codes(user, password),
        lambda: twofactor.disable(user, password),
    ):
        assert _refused(app, call) == {"password": expected}
    assert twofactor.is_enrolled(_user(users["coordinator"].id))


# --- The supporter's availability, through the portal's forms in English -------------------------


def _in_days(days: int) -> date:
    return today_jst() + timedelta(days=days)


def test_a_wrong_week_is_refused_alike_on_the_phone_and_by_the_service(app, db, users):
    client = _client(app, "supporter@example.jp")
    week = {
        "d1_1_from": "12:00",
        "d1_1_until": "09:00",
        "d2_1_from": "09:00",
        "d3_1_from": "09:00",
        "d3_1_until": "12:00",
        "d3_2_from": "11:00",
        "d3_2_until": "13:00",
    }
    expected = {
        "d1_1_until": "The end must be later than the start.",
        "d2_1_until": "Enter both times, or leave both empty.",
        "d3_2_from": "This overlaps another time on the same day.",
    }
    response = post_form(client, "/me/availability", week)
    assert response.status_code == 422
    assert _on_page(response) == expected

    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    drafts = [
        SlotDraft("d1_1", 1, time(12), time(9)),
        SlotDraft("d2_1", 2, time(9), None),
        SlotDraft("d3_1", 3, time(9), time(12)),
        SlotDraft("d3_2", 3, time(11), time(13)),
    ]
    assert _refused(app, lambda: availability.replace_weekly_slots(supporter, drafts)) == expected
    assert db.session.scalar(select(func.count()).select_from(WeeklySlot)) == 0


DAY_AWAY_CASES = [
    (None, "x" * 201, {"day": "Choose a date.", "note": "At most 200 characters."}),
    (-1, "", {"day": "Choose today or a later date."}),
    (400, "", {"day": "Choose a date within the next twelve months."}),
]


@pytest.mark.parametrize(("days_ahead", "note", "expected"), DAY_AWAY_CASES)
def test_a_day_away_is_refused_alike_on_the_phone_and_by_the_service(
    app, db, users, days_ahead, note, expected
):
    day = None if days_ahead is None else _in_days(days_ahead)
    client = _client(app, "supporter@example.jp")
    sent = {"day": day.isoformat() if day else "", "note": note}
    response = post_form(client, "/me/availability/days", sent, "/me/availability")
    assert response.status_code == 422
    assert _on_page(response) == expected

    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    draft = DayAwayDraft(day=day, note=note)
    assert _refused(app, lambda: availability.add_day_away(supporter, draft)) == expected


@pytest.mark.parametrize(
    ("days_ahead", "expected"),
    [(None, "Choose a date."), (-3, "Choose today or a later date.")],
)
def test_a_pause_is_refused_alike_on_the_phone_and_by_the_service(
    app, db, users, days_ahead, expected
):
    until = None if days_ahead is None else _in_days(days_ahead)
    client = _client(app, "supporter@example.jp")
    sent = {"until": until.isoformat() if until else ""}
    response = post_form(client, "/me/availability/pause", sent, "/me/availability")
    assert response.status_code == 422
    assert _on_page(response) == {"until": expected}

    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    assert _refused(app, lambda: availability.pause(supporter, until)) == {"until": expected}
    assert _db.session.get(Supporter, supporter.id).paused_until is None


def test_a_date_that_cannot_be_read_is_the_forms_own_message(app, db, users):
    """Reading the text as a date is the channel's job (the service gets a date or nothing)."""
    client = _client(app, "supporter@example.jp")
    response = post_form(
        client, "/me/availability/days", {"day": "next friday"}, "/me/availability"
    )
    assert response.status_code == 422
    assert _on_page(response) == {"day": "Enter a date like 2026-05-01."}


def test_removing_a_day_away_without_a_date_says_so(app, db, users):
    """The remove button's date is hidden: the service's refusal is flashed above the page."""
    client = _client(app, "supporter@example.jp")
    response = post_form(client, "/me/availability/days/remove", {"day": ""}, "/me/availability")
    assert response.status_code == 422
    assert "Choose a date." in response.get_data(as_text=True)
    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    call = lambda: availability.remove_day_away(supporter, None)  # noqa: E731
    assert _refused(app, call) == {"day": "Choose a date."}


# --- The forms only parse ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_class", "names"),
    [
        (NewTokenForm, ("name", "days")),
        (ReasonForm, ("reason",)),
        (SetPasswordForm, ("password", "confirm")),
        (ChangePasswordForm, ("current", "password", "confirm")),
        (ForgotPasswordForm, ("email",)),
        (ConfirmCodeForm, ("code",)),
        (PasswordAgainForm, ("password",)),
        (DayAwayForm, ("day", "note")),
        (RemoveDayForm, ("day",)),
        (PauseForm, ("until",)),
    ],
)
def test_no_form_restates_a_rule_of_the_service(app, form_class, names):
    """Required boxes, lengths and ranges are the services' (each checked above): a form keeps
    browser hints (``required``, ``maxlength``) and at most lets an empty box through."""
    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        for name in names:
            rules = [v for v in form[name].validators if not isinstance(v, Optional)]
            assert rules == [], (form_class.__name__, name, rules)


def test_the_service_checks_a_day_away_without_any_form(app, db, users):
    """Called directly (as a future API would), the service refuses what the form once did."""
    supporter = db.session.get(Supporter, users["supporter"].supporter_id)
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(Refused) as caught:
            availability.add_day_away(supporter, DayAwayDraft(day=None, note=""))
        assert caught.value.code == "invalid" and caught.value.field == "day"
        row = availability.add_day_away(supporter, DayAwayDraft(_in_days(3), "  home  "))
        assert row.note == "home"
