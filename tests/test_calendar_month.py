"""The calendar's month as a real grid: whole Sunday-to-Saturday weeks of JST days.

User story: "As a coordinator I look at December as a calendar — seven columns, the days I know
from the wall calendar — and see on which days a supporter has a clash; as a supporter I see
my month on the phone, with a dot on each day I help, and tap it to read that day."
"""

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from supporters.calendar.month import (
    COLUMNS,
    month_grid,
    month_span,
    month_title,
    next_month,
    previous_month,
    weekday_headers,
)
from supporters.clock import JST, today_jst
from supporters.extensions import db
from supporters.models import RequestStatus
from tests.conftest import Auth


def _item(rid, starts_at):
    return SimpleNamespace(id=rid, starts_at=starts_at)


# --- The grid, alone ------------------------------------------------------------------------------


def test_a_month_fills_whole_sunday_to_saturday_weeks():
    grid = month_grid(date(2026, 12, 15), [], today=date(2026, 11, 28))
    assert (grid.first, grid.last) == (date(2026, 11, 29), date(2027, 1, 2))
    assert len(grid.weeks) == 5 and all(len(week) == 7 for week in grid.weeks)
    assert [d.day.weekday() for d in grid.weeks[0]] == list(COLUMNS)
    assert grid.weeks[0][0].sunday and grid.weeks[0][6].saturday
    # Leading (29–30 November) and trailing (1–2 January) days are shown, but not in the month.
    assert [d.day.day for d in grid.weeks[0] if not d.in_month] == [29, 30]
    assert [d.day.day for d in grid.weeks[-1] if not d.in_month] == [1, 2]
    assert (grid.previous, grid.next, grid.month) == (
        date(2026, 11, 1),
        date(2027, 1, 1),
        date(2026, 12, 1),
    )


def test_months_starting_on_sunday_or_ending_on_saturday_add_no_extra_days():
    # February 2026 starts on a Sunday and ends on a Saturday: exactly four weeks.
    assert month_span(date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    # August 2026 starts on a Saturday: six rows.
    assert len(month_grid(date(2026, 8, 1), [], today=date(2026, 8, 1)).weeks) == 6


def test_month_steps_cross_the_year():
    assert previous_month(date(2027, 1, 31)) == date(2026, 12, 1)
    assert next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert next_month(date(2027, 1, 31)) == date(2027, 2, 1)


def test_assignments_sit_on_their_jst_day_across_the_month_boundary():
    # 30 November 15:30 UTC is 1 December 00:30 in Japan; 30 November 14:59 UTC still November.
    early = _item(1, datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    late = _item(2, datetime(2026, 11, 30, 14, 59, tzinfo=UTC))
    grid = month_grid(date(2026, 12, 1), [early, late], today=date(2026, 11, 28))
    cells = {d.day: d for week in grid.weeks for d in week}
    assert [i.id for i in cells[date(2026, 12, 1)].items] == [1]
    assert [i.id for i in cells[date(2026, 11, 30)].items] == [2]
    assert not cells[date(2026, 11, 30)].in_month
    # The agenda under a phone's grid lists the month's own days only.
    assert [d.day for d in grid.days_with_items()] == [date(2026, 12, 1)]


def test_items_are_in_time_order_and_clashes_and_today_are_flagged():
    at = datetime(2026, 12, 3, 10, tzinfo=JST)
    items = [_item(3, at + timedelta(hours=3)), _item(1, at), _item(2, at + timedelta(hours=1))]
    grid = month_grid(date(2026, 12, 3), items, today=date(2026, 12, 3), clash_ids={1, 2, 99})
    cells = {d.day: d for week in grid.weeks for d in week}
    day = cells[date(2026, 12, 3)]
    assert [i.id for i in day.items] == [1, 2, 3]
    assert day.has_clash and day.clash_ids == {1, 2}
    assert day.today and not cells[date(2026, 12, 4)].today
    assert not cells[date(2026, 12, 4)].has_clash


def test_weekday_headers_and_title_speak_the_viewers_language():
    assert [name for name, _ in weekday_headers("ja")] == ["日", "月", "火", "水", "木", "金", "土"]
    assert [name for name, _ in weekday_headers("en")][:2] == ["Sun", "Mon"]
    assert month_title(date(2026, 12, 1), "ja") == "2026年12月"
    assert month_title(date(2026, 12, 1), "vi") == "tháng 12 năm 2026"


# --- The pages ------------------------------------------------------------------------------------


@pytest.fixture
def clashing_pair(users, make_supporter, make_request):
    """Lan: Koga 10–12 and Mito 13–14 on one day (55 km apart); the demo supporter Koga 10–12."""
    lan = make_supporter(name="Lan Month")
    pairs = [
        (make_request(days_ahead=3, hours=(10, 12), category="hospital"), lan),
        (make_request(days_ahead=3, hours=(13, 14), municipality="08201"), lan),
        (make_request(days_ahead=3, hours=(10, 12)), users["supporter"].supporter),
    ]
    for request, supporter in pairs:
        request.assigned_supporter_id = supporter.id
        request.status = RequestStatus.ASSIGNED
    db.session.commit()
    return [request for request, _ in pairs]


def _day_of(request):
    return request.starts_at.astimezone(JST).date()


def test_coordinator_month_is_a_table_of_seven_weekdays_with_links_and_clashes(
    client, auth, clashing_pair
):
    first, second, other = clashing_pair
    auth.login("coordinator@example.jp")
    day = _day_of(first)
    html = client.get(
        f"/calendar/?view=month&day={day}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert 'data-testid="month-grid"' in html and "<caption>" in html
    assert html.count('<th scope="col"') == 7
    assert html.index(">Sunday<") < html.index(">Monday<")  # Sunday first
    for item in (first, second, other):
        assert f'href="/requests/{item.id}"' in html
    assert html.count('data-testid="clash"') == 2
    assert f'data-day="{day.isoformat()}"' in html
    this_month = client.get("/calendar/?view=month").get_data(as_text=True)
    assert this_month.count('aria-current="date"') == 1
    assert f'data-day="{today_jst().isoformat()}" aria-current="date"' in this_month
    # Japanese headers, and the previous month link goes to the month before.
    ja = client.get(f"/calendar/?view=month&day={day}", headers={"Accept-Language": "ja"})
    assert '<span aria-hidden="true">日</span>' in ja.get_data(as_text=True)
    prev = previous_month(day).isoformat()
    assert f"day={prev}" in ja.get_data(as_text=True)


def test_supporter_month_marks_their_days_and_lists_only_their_assignments(
    client, auth, clashing_pair
):
    first, second, other = clashing_pair
    auth.login("supporter@example.jp")
    day = _day_of(other)
    html = client.get(f"/me/calendar?view=month&day={day}").get_data(as_text=True)
    assert 'data-testid="my-month"' in html and html.count('<th scope="col"') == 7
    assert f'href="#day-{day.isoformat()}"' in html and f'id="day-{day.isoformat()}"' in html
    assert f'href="/me/assignments/{other.id}"' in html
    assert f"/me/assignments/{first.id}" not in html and "Lan Month" not in html
    assert 'aria-current="page"' in html  # the view switch says which view is shown
    # The week view is still the list it was.
    week = client.get(f"/me/calendar?day={day}").get_data(as_text=True)
    assert 'data-testid="my-week"' in week and 'data-testid="my-month"' not in week


def test_bad_month_input_shows_this_month_not_an_error(client, auth, clashing_pair):
    auth.login("supporter@example.jp")
    for query in ("view=month&day=2026-02-30", "view=month&day=x", "view=year"):
        assert client.get(f"/me/calendar?{query}").status_code == 200


def test_supporter_month_renders_in_every_supporter_language_and_stays_light(
    client, auth, clashing_pair
):
    from supporters.i18n import SUPPORTER_LOCALES
    from tests.test_page_weight import BUDGET

    first, second, other = clashing_pair
    auth.login("supporter@example.jp")
    stylesheet = client.get("/static/css/portal.css")
    css = len(stylesheet.data)
    stylesheet.close()
    languages = set()
    for locale in SUPPORTER_LOCALES:
        client.set_cookie("yorisoi_lang", locale.code)
        page = client.get(f"/me/calendar?view=month&day={_day_of(other)}")
        assert page.status_code == 200, locale.code
        # The first column's full name, in each language ("日曜日", "にちようび", "Chủ Nhật", ...).
        sunday = r'<th scope="col" class="month-sun">.*?"visually-hidden">([^<]+)<'
        html = page.get_data(as_text=True)
        languages.add((re.search(r'<html lang="([^"]+)"', html)[1], re.search(sunday, html)[1]))
        assert page.get_data(as_text=True).count('<th scope="col"') == 7
        assert len(page.data) + css <= BUDGET, locale.code
    assert len(languages) == len(SUPPORTER_LOCALES)


def test_public_holidays_are_named_in_the_viewers_language(app):
    from supporters.calendar.holidays import holiday_names

    with app.test_request_context():
        ja = holiday_names(date(2026, 11, 1), date(2026, 11, 30), "ja")
        assert ja == {date(2026, 11, 3): "文化の日", date(2026, 11, 23): "勤労感謝の日"}
        en = holiday_names(date(2026, 11, 1), date(2026, 11, 30), "en")
        assert en[date(2026, 11, 23)] == "Labor Thanksgiving Day"
        # A substitute holiday (振替休日) across the year boundary of a grid.
        span = holiday_names(date(2026, 12, 27), date(2027, 1, 9), "ja")
        assert span[date(2027, 1, 1)] == "元日"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        vi = holiday_names(date(2026, 11, 1), date(2026, 11, 30), "vi")
        assert set(vi) == {date(2026, 11, 3), date(2026, 11, 23)}
        assert set(vi.values()) == {"Public holiday"}


def test_month_grids_mark_public_holidays(app, client, auth, users):
    auth.login("coordinator@example.jp")
    html = client.get("/calendar/?view=month&day=2026-11-01").get_data(as_text=True)
    cell = html.split('data-day="2026-11-23"')[0].rsplit("<td", 1)[1]
    assert "month-sun" in cell  # a holiday is marked as Sundays are
    assert '<span class="month-holiday" data-testid="holiday">勤労感謝の日</span>' in html
    phone = app.test_client()
    Auth(phone).login("supporter@example.jp")
    mine = phone.get("/me/calendar?view=month&day=2026-11-01").get_data(as_text=True)
    assert 'data-holiday="文化の日"' in mine and "(文化の日)" in mine


def test_transfer_dates_default_to_a_day_banks_are_open():
    from supporters.calendar.holidays import is_bank_holiday, next_banking_day

    assert next_banking_day(date(2026, 11, 21)) == date(2026, 11, 24)  # Sat, Sun, 勤労感謝の日 Mon
    assert next_banking_day(date(2026, 12, 30)) == date(2026, 12, 30)
    assert next_banking_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert not is_bank_holiday(date(2026, 11, 25))
