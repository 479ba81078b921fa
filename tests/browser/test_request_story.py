"""The [2/6] story in a real browser: a coordinator matches a Vietnamese hospital request in Koga,
offers it, and the supporter accepts on a phone-sized page; an impossible request explains why.

Screenshots: request-match, request-no-match, offer-phone, offer-accepted-phone.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db
from supporters.models import HelpRequest, OutboxMessage, RequestStatus, User
from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot, scroll_width

pytestmark = pytest.mark.browser


def in_db(live_server, query):
    with live_server.app.app_context():
        return query()


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.locator("main #email").fill(email)
    page.locator("main #password").fill(DEMO_PASSWORD)
    page.locator("main form #submit").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def _demo_requests():
    rows = db.session.scalars(select(HelpRequest).order_by(HelpRequest.id)).all()
    hospital = next(r for r in rows if r.category.value == "hospital")
    khmer = next(r for r in rows if r.language_code == "km")
    return hospital.id, khmer.id


def _demo_supporter():
    user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    return user.supporter_id, user.supporter.display_name


def test_hospital_request_offer_and_accept_on_a_phone(new_page, live_server, base_url):
    hospital_id, khmer_id = in_db(live_server, _demo_requests)
    supporter_id, supporter_name = in_db(live_server, _demo_supporter)

    # 1. The coordinator opens the request: a ranked list with reasons, in Japanese.
    console = new_page()
    sign_in(console, base_url, "coordinator@example.jp")
    console.goto(f"{base_url}/requests/{hospital_id}")
    candidates = console.get_by_test_id("candidates")
    expect(candidates).to_be_visible()
    expect(candidates.get_by_test_id("reasons").first).to_contain_text("km")
    expect(candidates).to_contain_text(supporter_name)
    screenshot(console, "request-match")
    assert_no_browser_errors(console)

    # 2. Offer it to the demo supporter only.
    for box in candidates.locator("input[type=checkbox]").all():
        box.set_checked(box.get_attribute("value") == str(supporter_id))
    console.get_by_role("button", name="打診を送る").first.click()
    expect(console.get_by_test_id("request-status")).to_have_text("打診中")
    assert_no_browser_errors(console)

    # 3. The impossible Khmer request says which filter emptied the list and what to do.
    console.goto(f"{base_url}/requests/{khmer_id}")
    expect(console.get_by_test_id("no-match")).to_contain_text("必要なレベルでその言語を話せる")
    expect(console.locator("[data-kind=referral]")).to_be_visible()
    screenshot(console, "request-no-match")
    assert_no_browser_errors(console)

    # 4. The supporter, on a phone, opens the offer: no resident's name yet; accepts.
    phone = new_page(viewport=PHONE)
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/offers/")
    phone.get_by_test_id("offer-list").locator("a").first.click()
    expect(phone.get_by_test_id("accept")).to_be_visible()
    expect(phone.get_by_test_id("requester-name")).to_have_count(0)
    width = scroll_width(phone)
    assert width <= PHONE["width"], f"horizontal scroll on a phone: {width}px"
    screenshot(phone, "offer-phone")
    phone.get_by_test_id("accept").click()
    expect(phone.get_by_test_id("requester-name")).to_contain_text("Nguyễn Văn An")
    screenshot(phone, "offer-accepted-phone")
    assert_no_browser_errors(phone)

    # 5. Assigned, once; the coordinator was told through the outbox.
    def state():
        request = db.session.get(HelpRequest, hospital_id)
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        return request.status, request.assigned_supporter_id, kinds

    status, assigned, kinds = in_db(live_server, state)
    assert (status, assigned) == (RequestStatus.ASSIGNED, supporter_id)
    assert "offer_new" in kinds and "request_assigned" in kinds
    console.goto(f"{base_url}/requests/{hospital_id}")
    expect(console.get_by_test_id("assigned-supporter")).to_have_text(supporter_name)
