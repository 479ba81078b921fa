"""The [3/6] story on a phone (360 px): a supporter reads the pages in Vietnamese, accepts an
offer, marks it done and logs the case, logs an information session for 35 people, and the
coordinator sees both at once.

Screenshots: phone-home, phone-offer, phone-assignment, phone-log-form, phone-log-information,
phone-log-list, phone-stipends, activities-console.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from supporters.extensions import db
from supporters.models import Activity, HelpRequest, RequestStatus, User
from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot, scroll_width
from tests.browser.test_request_story import in_db, sign_in

pytestmark = pytest.mark.browser


def _offer_to_demo_supporter():
    """A fresh Koga request offered to the demo supporter by the demo coordinator."""
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource
    from tests.conftest import jst_at

    user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    draft = RequestDraft(
        category=RequestCategory.GOVERNMENT_OFFICE,
        mode=Mode.IN_PERSON,
        language_code=user.supporter.languages[0].language_code,
        municipality_code=user.supporter.home_municipality_code,
        starts_at=jst_at(2, 10),
        ends_at=jst_at(2, 12),
        duration_minutes=90,
        requester_name="Nguyễn Thị Bích",
        requester_contact="080-3333-4444",
        source=RequestSource.RESIDENT,
        place_name="City hall, 2F",
    )
    request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
    (offer,) = offers.send_offers(request, [user.supporter_id], coordinator)
    db.session.commit()
    return request.id, offer.id, user.supporter_id


def _visit_started(request_id: int) -> None:
    """Time passes: the visit began a few minutes ago (today in Japan)."""
    from datetime import timedelta

    from supporters.clock import utcnow

    request = db.session.get(HelpRequest, request_id)
    request.starts_at = utcnow() - timedelta(minutes=5)
    request.ends_at = request.starts_at + timedelta(hours=2)
    db.session.commit()


def _no_sideways_scroll(page):
    width = scroll_width(page)
    assert width <= PHONE["width"], f"horizontal scroll on a phone: {width}px ({page.url})"


def test_supporter_logs_cases_on_a_phone(new_page, live_server, base_url):
    request_id, offer_id, supporter_id = in_db(live_server, _offer_to_demo_supporter)
    phone = new_page(viewport=PHONE)
    sign_in(phone, base_url, "supporter@example.jp")

    # 1. Vietnamese through the switcher at the foot of the supporter's pages.
    phone.goto(f"{base_url}/me/")
    phone.locator("#ui-language").select_option("vi")
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    expect(phone.get_by_test_id("open-offers")).to_be_visible()
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-home")

    # 2. Accept the offer from the home page.
    phone.locator(f"a[href='/me/offers/{offer_id}']").click()
    expect(phone).to_have_url(re.compile(rf"/me/offers/{offer_id}$"))
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-offer")
    phone.get_by_test_id("accept").click()
    expect(phone.get_by_test_id("requester-name")).to_contain_text("Nguyễn Thị Bích")

    # 3. The assignment: meeting place, resident, coordinator, calendar, "mark done" — once the
    # visit has started (a case is never logged before it happens: issue 16, item 4).
    in_db(live_server, lambda: _visit_started(request_id))
    phone.goto(f"{base_url}/me/assignments/{request_id}")
    expect(phone.get_by_test_id("coordinator")).to_contain_text("coordinator@example.jp")
    expect(phone.get_by_test_id("add-to-calendar")).to_be_visible()
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-assignment")
    phone.get_by_test_id("mark-done").click()

    # What she logged this month and last before today (the demo's history gives her some).
    phone.goto(f"{base_url}/me/log/")
    before = phone.get_by_test_id("activity-list").locator("li").count()
    last_id = in_db(live_server, lambda: db.session.scalar(select(func.max(Activity.id))) or 0)
    phone.goto(f"{base_url}/me/assignments/{request_id}")
    phone.get_by_test_id("mark-done").click()

    # 4. Pre-filled: one tap for the outcome, one to save.
    form = phone.get_by_test_id("log-form")
    expect(form.locator("input[name=category][value=government_office]")).to_be_checked()
    expect(form.locator("input[name=duration][value='90']")).to_be_checked()
    form.locator("input[name=outcome][value=resolved]").check()
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-log-form")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_test_id("activity-list")).to_be_visible()

    # 5. Information dissemination for 35 people, no request.
    phone.goto(f"{base_url}/me/log/new")
    form = phone.get_by_test_id("log-form")
    form.locator("input[name=category][value=information]").check()
    form.locator("input[name=duration][value='30']").check()
    form.locator("#people_reached").fill("35")
    form.locator("#notes").fill("Shared the tax notice in the community chat")
    screenshot(phone, "phone-log-information")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_test_id("activity-list").locator("li")).to_have_count(before + 2)
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-log-list")

    phone.goto(f"{base_url}/me/stipends")
    expect(phone.get_by_test_id("stipends")).to_be_visible()
    _no_sideways_scroll(phone)
    screenshot(phone, "phone-stipends")
    assert_no_browser_errors(phone)

    def state():
        rows = db.session.scalars(
            select(Activity).where(Activity.supporter_id == supporter_id, Activity.id > last_id)
        )
        return db.session.get(HelpRequest, request_id).status, sorted(
            (a.category.value, a.people_reached) for a in rows
        )

    status, logged = in_db(live_server, state)
    assert status == RequestStatus.COMPLETED
    assert logged == [("government_office", None), ("information", 35)]

    # 6. The coordinator sees both at once.
    console = new_page()
    sign_in(console, base_url, "coordinator@example.jp")
    console.goto(f"{base_url}/activities/")
    table = console.get_by_test_id("activities")
    # Newest first: her two cases of today head the list (the demo's history goes to yesterday).
    newest = table.locator("tbody tr")
    expect(newest.nth(0).or_(newest.nth(1)).filter(has_text="Shared the tax notice")).to_have_count(
        1
    )
    expect(newest.filter(has_text="Shared the tax notice")).to_contain_text("35")
    screenshot(console, "activities-console")
    assert_no_browser_errors(console)
