"""Calendars in a real Chromium: the coordinator's week with a clash, the supporter's week on a
320 px phone, and the private feed link that a calendar app reads.

1. Two of the demo supporter's assignments next week are 55 km apart with half an hour between:
   the coordinator opens the calendar from the navigation and sees the warning on both, each
   linking to its request; the month view shows them too.
2. The supporter opens the calendar from the tab bar on a 320 px phone: nothing scrolls sideways,
   their assignments link to their pages; they make a private link, and the feed it gives is
   valid iCalendar without the word 病院.

3. The month is a real calendar (issue 16, item 13): the coordinator's month at 1366 px is a
   table of seven weekday columns, Sunday first, in Japanese and in English, with the clash
   marked and previous/next month links; the supporter's month on a 360 px and a 320 px phone,
   in Japanese and Vietnamese, is the same seven columns with a dot on each day they help,
   linking to that day's assignments below — nothing scrolls sideways.

Every page passes axe-core with no serious or critical violation.
"""

from datetime import datetime, time, timedelta

import icalendar
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.clock import JST, today_jst
from supporters.extensions import db
from supporters.models import HelpRequest, Mode, RequestStatus, User
from tests.browser.conftest import (
    PHONE,
    assert_accessible,
    scroll_width,
)
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
NARROW = {"width": 320, "height": 700}


@pytest.fixture(scope="module")
def clash(live_server):
    """Next Tuesday: Koga 10:00–12:00, then Mito 12:30–13:30, both in person, same supporter."""
    tuesday = today_jst() + timedelta(days=7 - today_jst().weekday() + 1)
    with live_server.app.app_context():
        supporter_id = db.session.scalar(
            select(User.supporter_id).where(User.email == "supporter@example.jp")
        )
        first, second = db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.status.in_((RequestStatus.NEW, RequestStatus.UNFILLED)))
            .order_by(HelpRequest.id)
            .limit(2)
        ).all()
        for item, place, start, end in (
            (first, "08204", time(10), time(12)),
            (second, "08201", time(12, 30), time(13, 30)),
        ):
            item.municipality_code = place
            item.mode = Mode.IN_PERSON
            item.starts_at = datetime.combine(tuesday, start, JST)
            item.ends_at = datetime.combine(tuesday, end, JST)
            item.status = RequestStatus.ASSIGNED
            item.assigned_supporter_id = supporter_id
        db.session.commit()
        return tuesday, first.id, second.id


def test_the_coordinator_sees_a_clash_in_the_week_and_the_month(new_page, base_url, clash):
    tuesday, first, second = clash
    page = new_page(viewport=DESKTOP, locale="ja-JP")
    sign_in(page, base_url, "coordinator@example.jp")
    page.get_by_role("navigation", name="メイン").locator('a[href="/calendar/"]').click()
    expect(page.locator('[data-testid="calendar"]')).to_be_visible()
    page.goto(f"{base_url}/calendar/?day={tuesday.isoformat()}")
    for request_id in (first, second):
        item = page.locator(f'[data-request="{request_id}"]')
        expect(item.locator('[data-testid="clash"][data-kind="travel"]')).to_be_visible()
        expect(item.get_by_role("link")).to_have_attribute("href", f"/requests/{request_id}")
    assert_accessible(page, "calendar-week", DESKTOP["width"])

    page.locator("#cal-view").select_option("month")
    page.locator("main form.filters button[type=submit]").click()
    expect(page.locator(f'[data-request="{first}"] [data-testid="clash"]')).to_be_visible()
    assert_accessible(page, "calendar-month", DESKTOP["width"])


def test_the_supporter_reads_their_week_on_a_small_phone_and_gets_a_feed(new_page, base_url, clash):
    tuesday, first, second = clash
    page = new_page(viewport=NARROW, locale="ja-JP")
    sign_in(page, base_url, "supporter@example.jp")
    page.locator('nav.tabs a[href="/me/calendar"]').click()
    expect(page.locator('[data-testid="my-week"]')).to_be_visible()
    page.goto(f"{base_url}/me/calendar?day={tuesday.isoformat()}")
    expect(page.locator(f'main a[href="/me/assignments/{first}"]')).to_be_visible()
    assert_accessible(page, "my-calendar-320", NARROW["width"])

    page.locator('[data-testid="feed-renew"]').click()
    link = page.locator('[data-testid="feed-url"]').input_value()
    assert "/calendar/feed/" in link and link.endswith(".ics")
    assert_accessible(page, "my-calendar-link-320", NARROW["width"])

    path = link[link.index("/calendar/feed/") :]
    feed = page.request.get(base_url + path)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.text())
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert {f"request-{first}@yorisoi", f"request-{second}@yorisoi"} <= uids
    assert "病院" not in feed.text()

    page.locator('[data-testid="feed-revoke"]').click()
    assert page.request.get(base_url + path).status == 404


def _month_grid(page, testid: str, first_header: str):
    grid = page.locator(f'[data-testid="{testid}"]')
    expect(grid).to_be_visible()
    assert grid.evaluate("t => t.tagName") == "TABLE"
    expect(grid.locator("caption")).to_be_visible()
    expect(grid.locator('thead th[scope="col"]')).to_have_count(7)
    expect(grid.locator('thead th[scope="col"]').first).to_contain_text(first_header)
    return grid


@pytest.mark.parametrize(("lang", "sunday", "month_of"), [("ja", "日", "年"), ("en", "Sun", " 20")])
def test_the_coordinator_reads_the_month_as_a_calendar(
    new_page, base_url, clash, lang, sunday, month_of
):
    tuesday, first, second = clash
    page = new_page(viewport=DESKTOP, locale=lang, extra_http_headers={"Accept-Language": lang})
    sign_in(page, base_url, "coordinator@example.jp")
    page.goto(f"{base_url}/calendar/?view=month&day={tuesday.isoformat()}")
    grid = _month_grid(page, "month-grid", sunday)
    caption = grid.locator("caption").inner_text()
    assert month_of in caption
    cell = grid.locator(f'td[data-day="{tuesday.isoformat()}"]')
    # The day's date is there for a screen reader, and each assignment is a link with its clash.
    assert str(tuesday.year) in cell.locator(".month-date .visually-hidden").inner_text()
    for request_id in (first, second):
        item = cell.locator(f'[data-request="{request_id}"]')
        expect(item.get_by_role("link")).to_have_attribute("href", f"/requests/{request_id}")
        expect(item.locator('[data-testid="clash"][data-kind="travel"]')).to_be_visible()
    assert_accessible(page, f"calendar-month-grid-{lang}", DESKTOP["width"])

    page.locator('[data-testid="calendar-next"]').click()
    expect(grid.locator("caption")).not_to_have_text(caption)
    page.locator('[data-testid="calendar-prev"]').click()
    expect(grid.locator("caption")).to_have_text(caption)
    # Today's month marks today.
    page.goto(f"{base_url}/calendar/?view=month")
    today = page.locator('[data-testid="month-grid"] td[aria-current="date"]')
    expect(today).to_have_attribute("data-day", today_jst().isoformat())


@pytest.mark.parametrize("viewport", [PHONE, NARROW], ids=["phone", "320"])
def test_the_supporter_reads_their_month_on_a_phone(new_page, base_url, clash, viewport):
    tuesday, first, second = clash
    page = new_page(viewport=viewport, locale="ja-JP")
    sign_in(page, base_url, "supporter@example.jp")
    page.goto(f"{base_url}/me/calendar?day={tuesday.isoformat()}")
    page.locator('[data-testid="view-month"]').click()
    grid = _month_grid(page, "my-month", "日")
    day_link = grid.locator(f'a[href="#day-{tuesday.isoformat()}"]')
    expect(day_link).to_be_visible()
    day_link.click()
    agenda_day = page.locator(f"#day-{tuesday.isoformat()}")
    for request_id in (first, second):
        expect(agenda_day.locator(f'a[href="/me/assignments/{request_id}"]')).to_be_visible()
    width = viewport["width"]
    assert scroll_width(page) <= width
    assert_accessible(page, f"my-calendar-month-ja-{width}", width)

    # In Vietnamese (the language switch at the foot of the page), then back to Japanese.
    page.locator("#ui-language").select_option("vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    _month_grid(page, "my-month", "CN")
    assert scroll_width(page) <= width
    assert_accessible(page, f"my-calendar-month-vi-{width}", width)
    page.locator("#ui-language").select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
