"""Money and self-service in a real Chromium (issue #16, items 7, 14 and 15).

1. A certified supporter without bank details is told so on the phone's home page, follows the
   notice, enters the details (the number is shown masked afterwards) and the notice is gone.
2. The coordinator cannot close last month without its preview: the month page links to the
   preview, which names who cannot be paid and says that the case logs will be locked; closing
   needs the box ticked.
3. A resident looks up their request's status by reference number and contact, in Vietnamese.

Pages fit a 360 px phone without sideways scrolling and pass axe-core (no serious or critical
violation).
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select, update

from supporters.extensions import db
from supporters.models import BankAccount, HelpRequest, MonthStatus, StipendMonth, User
from supporters.stipends.months import current_month
from tests.browser.conftest import (
    PHONE,
    assert_accessible,
)
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser


def in_db(live_server, query):
    with live_server.app.app_context():
        try:
            return query()
        finally:
            db.session.commit()


def test_supporter_enters_bank_details_from_the_notice(new_page, base_url, live_server):
    def forget_bank():
        user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
        db.session.execute(delete(BankAccount).where(BankAccount.supporter_id == user.supporter_id))

    in_db(live_server, forget_bank)
    page = new_page(viewport=PHONE, locale="en-US", extra_http_headers={"Accept-Language": "en"})
    sign_in(page, base_url, "supporter@example.jp")
    page.goto(base_url + "/me/")
    notice = page.get_by_test_id("bank-notice")
    expect(notice).to_be_visible()
    notice.get_by_role("link").click()
    expect(page.get_by_test_id("no-bank-details")).to_be_visible()
    assert_accessible(page, "supporter-bank-empty", PHONE["width"])
    page.locator("main #bank_code").fill("0005")
    page.locator("main #branch_code").fill("001")
    page.locator("main #account_number").fill("1234567")
    page.locator("main #holder_kana").fill("ぐえん たん ほあ")
    page.locator("main form[data-testid=bank-form] #submit").click()
    expect(page.get_by_test_id("my-account")).to_contain_text("****567")
    expect(page.get_by_test_id("my-account")).not_to_contain_text("1234567")
    assert_accessible(page, "supporter-bank-saved", PHONE["width"])
    page.goto(base_url + "/me/")
    expect(page.get_by_test_id("bank-notice")).to_have_count(0)


def test_coordinator_closes_last_month_only_after_the_preview(new_page, base_url, live_server):
    last = (current_month() - timedelta(days=1)).replace(day=1)

    def reopen_if_closed():  # the demo may have closed it: re-open it as an admin would
        db.session.execute(
            update(StipendMonth)
            .where(StipendMonth.month == last)
            .values(status=MonthStatus.REOPENED)
        )

    in_db(live_server, reopen_if_closed)
    page = new_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    sign_in(page, base_url, "coordinator@example.jp")
    page.goto(f"{base_url}/stipends/{last:%Y-%m}")
    page.get_by_test_id("close-preview-link").click()
    expect(page.get_by_test_id("close-locks")).to_be_visible()
    assert_accessible(page, "close-preview", 1280)
    page.locator("main form[data-testid=close-confirm] #submit").click()
    expect(page.locator("main .error")).to_be_visible()  # the box was not ticked
    page.locator("main #confirm").check()
    page.locator("main form[data-testid=close-confirm] #submit").click()
    expect(page.get_by_test_id("month-status")).to_contain_text("Closed")


def test_resident_reads_the_status_in_vietnamese(new_page, base_url, live_server):
    reference, contact = in_db(
        live_server,
        lambda: db.session.execute(
            select(HelpRequest.reference, HelpRequest.requester_contact)
            .where(HelpRequest.anonymised_at.is_(None))
            .order_by(HelpRequest.id.desc())
            .limit(1)
        ).one(),
    )
    page = new_page(viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    page.goto(f"{base_url}/help/status?lang=vi&ref={reference}")
    expect(page.locator("main #reference")).to_have_value(reference)
    page.locator("main #contact").fill(contact)
    page.locator("main form #submit").click()
    expect(page.get_by_test_id("status-words")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert_accessible(page, "resident-status-vi", PHONE["width"])
