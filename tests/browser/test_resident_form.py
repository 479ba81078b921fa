"""A resident asks for a supporter from a phone, in Vietnamese, in a real browser.

Story: open /help/ on a Vietnamese phone → the page speaks Vietnamese → fill in a hospital visit
→ agree to the privacy notice → send → see the reference number and what happens next.
Screenshots (phone width) go to test-artifacts/screenshots/public-*.png.
"""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.clock import JST
from supporters.extensions import db
from supporters.models import HelpRequest
from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot, scroll_width

pytestmark = pytest.mark.browser

TSUKUBA = "08220"


def vietnamese_phone(new_page):
    return new_page(
        viewport=PHONE,
        locale="vi-VN",
        extra_http_headers={"Accept-Language": "vi-VN,vi;q=0.9"},
        is_mobile=True,
        has_touch=True,
    )


def assert_fits_the_phone(page) -> None:
    """Nothing is wider than the screen (no sideways scrolling on a 360-px phone)."""
    width = scroll_width(page)
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"


def test_resident_asks_for_help_in_vietnamese(new_page, live_server, base_url):
    page = vietnamese_phone(new_page)

    # 1. The browser's language decides: the form speaks Vietnamese.
    page.goto(base_url + "/help/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main h1")).to_have_text("Yêu cầu người hỗ trợ ngôn ngữ")
    expect(page.locator("nav.languages a[aria-current]")).to_have_text("Tiếng Việt")
    expect(page.locator("#language")).to_have_value("vi")  # suggested from the page's language
    assert_fits_the_phone(page)

    # 2. A hospital visit in Tsukuba next week, with consent.
    day = (datetime.now(JST).date() + timedelta(days=7)).isoformat()
    page.get_by_label("Bệnh viện hoặc phòng khám").check()
    page.locator("#on").fill(day)
    page.locator("#time_from").fill("09:30")
    page.locator("#time_to").fill("12:00")
    page.locator("#duration").select_option("120")
    page.locator("#municipality").select_option(TSUKUBA)
    page.locator("#place_name").fill("Bệnh viện Đại học Tsukuba")
    page.locator("#name").fill("Nguyễn Thị Mai")
    page.locator("#contact").fill("090-1234-5678")
    page.locator("#need").fill("Khoa nội")
    page.get_by_label("Tôi đã đọc thông báo về quyền riêng tư và đồng ý.").check()
    screenshot(page, "public-form-vi")
    assert_no_browser_errors(page)

    # 3. Send: the confirmation shows the reference number and the next steps.
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page).to_have_url(re.compile(r"/help/sent\?lang=vi$"))
    expect(page.locator("main h1")).to_have_text("Yêu cầu của bạn đã được gửi")
    reference = page.locator(".reference-number").inner_text()
    assert re.fullmatch(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}", reference)
    expect(page.locator("ol.next-steps li")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("119")
    assert_fits_the_phone(page)
    screenshot(page, "public-sent-vi")
    assert_no_browser_errors(page)

    with live_server.app.app_context():
        stored = db.session.scalar(select(HelpRequest).where(HelpRequest.reference == reference))
        assert stored.sensitive and stored.language_code == "vi"
        assert stored.municipality_code == TSUKUBA
        assert stored.consent.language_shown == "vi"


@pytest.mark.parametrize("code", ["ne", "zh-Hans", "ja-x-easy"])
def test_other_scripts_render_at_phone_width(new_page, base_url, code):
    """Devanagari, Simplified Chinese and Easy Japanese pages fit the phone (see screenshots)."""
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{base_url}/help/?lang={code}")
    expect(page.locator("html")).to_have_attribute("lang", "ja" if code == "ja-x-easy" else code)
    page.get_by_role("button").last.click()  # send it empty: every error shows
    expect(page.locator(".flash-error")).to_be_visible()
    assert_fits_the_phone(page)
    screenshot(page, f"public-errors-{code}")
    assert_no_browser_errors(page)
