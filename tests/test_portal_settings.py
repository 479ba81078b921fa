"""The supporter's settings on their phone: weekly times, days away, pause, and their language.

User story: "As a volunteer I tell the coordinators, from my phone and in my own language, when I
can usually help, which days I am away, and that I am taking a break — so I get only offers I
can take."
"""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from supporters.clock import today_jst
from supporters.extensions import db as _db
from supporters.models import Supporter, UnavailableDate, User, WeeklySlot
from supporters.portal.availability import SlotDraft, week_problems
from tests.conftest import post_form

LANG = re.compile(r'<html lang="([^"]+)"')


@pytest.fixture
def supporter(client, auth, users):
    auth.login("supporter@example.jp")
    return users["supporter"].supporter_id


def _slots(supporter_id: int) -> list[tuple[int, time, time]]:
    _db.session.expire_all()
    rows = _db.session.scalars(
        select(WeeklySlot)
        .where(WeeklySlot.supporter_id == supporter_id)
        .order_by(WeeklySlot.weekday, WeeklySlot.starts)
    )
    return [(s.weekday, s.starts, s.ends) for s in rows]


def _in_days(days: int) -> str:
    return (today_jst() + timedelta(days=days)).isoformat()


def test_weekly_times_are_saved_and_shown_again(client, supporter):
    week = {"d0_1_from": "09:00", "d0_1_until": "12:00", "d0_2_from": "18:00"}
    week |= {"d0_2_until": "20:30", "d5_1_from": "１０:００", "d5_1_until": "1500"}
    response = post_form(client, "/me/availability", week)
    assert response.status_code == 302
    assert _slots(supporter) == [
        (0, time(9), time(12)),
        (0, time(18), time(20, 30)),
        (5, time(10), time(15)),
    ]
    page = client.get("/me/availability").get_data(as_text=True)
    assert 'name="d0_2_until" type="time" value="20:30"' in page

    # Saving again replaces the week, it does not add to it.
    post_form(client, "/me/availability", {"d2_1_from": "13:00", "d2_1_until": "17:00"})
    assert _slots(supporter) == [(2, time(13), time(17))]


@pytest.mark.parametrize(
    ("week", "field", "message"),
    [
        ({"d1_1_from": "12:00", "d1_1_until": "09:00"}, "d1_1_until", "later than the start"),
        ({"d1_1_from": "09:00"}, "d1_1_until", "Enter both times"),
        ({"d1_1_from": "nine", "d1_1_until": "12:00"}, "d1_1_from", "09:30"),
        (
            {
                "d1_1_from": "09:00",
                "d1_1_until": "12:00",
                "d1_2_from": "11:00",
                "d1_2_until": "13:00",
            },
            "d1_2_from",
            "overlaps",
        ),
    ],
)
def test_a_wrong_week_is_refused_next_to_the_box(client, supporter, week, field, message):
    client.set_cookie("yorisoi_lang", "en")
    post_form(client, "/me/availability", {"d0_1_from": "09:00", "d0_1_until": "10:00"})
    response = post_form(client, "/me/availability", week)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert _slots(supporter) == [(0, time(9), time(10))], "nothing changes when one box is wrong"


def test_overlap_check_keeps_days_apart():
    monday = SlotDraft("d0_1", 0, time(9), time(12))
    tuesday = SlotDraft("d1_1", 1, time(10), time(11))
    touching = SlotDraft("d0_2", 0, time(12), time(14))
    assert week_problems([monday, tuesday, touching]) == {}


def test_days_away_are_added_and_removed(client, supporter):
    day = _in_days(10)
    response = post_form(
        client, "/me/availability/days", {"day": day, "note": "帰省"}, "/me/availability"
    )
    assert response.status_code == 302
    page = client.get("/me/availability").get_data(as_text=True)
    assert f'datetime="{day}"' in page and "帰省" in page

    response = post_form(client, "/me/availability/days/remove", {"day": day}, "/me/availability")
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.scalars(select(UnavailableDate)).all() == []


def test_a_day_in_the_past_is_refused(client, supporter):
    response = post_form(client, "/me/availability/days", {"day": _in_days(-1)}, "/me/availability")
    assert response.status_code == 422
    assert 'id="day-error"' in response.get_data(as_text=True)
    assert _db.session.scalars(select(UnavailableDate)).all() == []


def test_pause_and_come_back(client, supporter):
    until = today_jst() + timedelta(days=14)
    response = post_form(
        client, "/me/availability/pause", {"until": until.isoformat()}, "/me/availability"
    )
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Supporter, supporter).paused_until == until
    assert 'data-testid="paused"' in client.get("/me/availability").get_data(as_text=True)

    response = post_form(client, "/me/availability/resume", {}, "/me/availability")
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Supporter, supporter).paused_until is None


def test_pause_needs_a_date_not_in_the_past(client, supporter):
    response = post_form(
        client, "/me/availability/pause", {"until": _in_days(-3)}, "/me/availability"
    )
    assert response.status_code == 422
    assert 'id="until-error"' in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Supporter, supporter).paused_until is None


def test_chosen_language_is_saved_and_used(client, users, supporter):
    response = post_form(client, "/me/profile", {"language": "vi"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(User, users["supporter"].id).locale == "vi"
    client.set_cookie("yorisoi_lang", "ja")  # the account's choice beats the cookie
    for url in ("/me/profile", "/me/availability", "/me/offers/"):
        assert LANG.search(client.get(url).get_data(as_text=True)).group(1) == "vi", url


@pytest.mark.parametrize(
    ("choice", "lang"), [("ja@easy", "ja"), ("zh_Hans", "zh-Hans"), ("fil", "fil"), ("th", "th")]
)
def test_switcher_in_the_footer_offers_twelve_languages(client, supporter, choice, lang):
    page = client.get("/me/profile").get_data(as_text=True)
    assert page.count("<option") == 12 and 'lang="ko"' in page
    response = post_form(
        client, "/language", {"language": choice, "next": "/me/profile"}, "/me/profile"
    )
    assert response.headers["Location"] == "/me/profile"
    assert LANG.search(client.get("/me/profile").get_data(as_text=True)).group(1) == lang


def test_easy_japanese_is_never_guessed_from_the_browser(client, supporter):
    page = client.get("/me/profile", headers={"Accept-Language": "ja-JP"})
    assert LANG.search(page.get_data(as_text=True)).group(1) == "ja"
    page = client.get("/me/profile", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert LANG.search(page.get_data(as_text=True)).group(1) == "ko"


def test_console_roles_cannot_choose_a_supporter_language(client, auth, users):
    auth.login("coordinator@example.jp")
    post_form(client, "/language", {"language": "vi", "next": "/dashboard/"}, "/dashboard/")
    _db.session.expire_all()
    assert _db.session.get(User, users["coordinator"].id).locale is None
    assert LANG.search(client.get("/dashboard/").get_data(as_text=True)).group(1) == "ja"
