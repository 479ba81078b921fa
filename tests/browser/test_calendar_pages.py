"""Calendars in a real Chromium: the coordinator's week with a clash, the supporter's week on a
320 px phone, and the private feed link that a calendar app reads.

1. Two of the demo supporter's assignments next week are 55 km apart with half an hour between:
   the coordinator opens the calendar from the navigation and sees the warning on both, each
   linking to its request; the month view shows them too.
2. The supporter opens the calendar from the tab bar on a 320 px phone: nothing scrolls sideways,
   their assignments link to their pages; they make a private link, and the feed it gives is
   valid iCalendar without the word 病院.

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
    assert_accessible,
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
