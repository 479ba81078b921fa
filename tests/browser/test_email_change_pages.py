"""A supporter changes their e-mail address on the phone, in a real Chromium ([5/6] item 14).

The new address counts only once confirmed: the contact page says where the link went and offers
to send it again or cancel; the link arrives by real SMTP (aiosmtpd) at the new address, opens a
page in the supporter's language, and once confirmed the supporter signs in with the new address
(and no longer with the old one). Pages fit a 360 px phone and pass axe-core.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db
from supporters.models import User
from supporters.notify import deliver_pending
from tests.browser.conftest import PHONE, assert_accessible, assert_no_browser_errors
from tests.browser.test_request_story import sign_in
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.browser

OLD, NEW = "supporter@example.jp", "lan.phone.new@example.jp"
VIETNAMESE = {"locale": "vi-VN", "extra_http_headers": {"Accept-Language": "vi"}}


def _delivered_to(live_server, server: SmtpServer, address: str):
    """Run the outbox as cron does; the newest message the SMTP server got for ``address``
    (delivery is synchronous: the server has stored it when ``deliver_pending`` returns)."""
    with live_server.app.app_context():
        deliver_pending()
        db.session.commit()
    found = [m for m in server.messages if m["To"] == address]
    assert found, [m["To"] for m in server.messages]
    return found[-1]


def test_supporter_changes_email_on_the_phone_and_signs_in_with_it(new_page, base_url, live_server):
    app = live_server.app
    with SmtpServer() as server:
        app.config.update(
            MAIL_SERVER=server.host, MAIL_PORT=server.port, BASE_URL=base_url, MAIL_TIMEOUT=5
        )
        page = new_page(viewport=PHONE, **VIETNAMESE)
        sign_in(page, base_url, OLD)
        page.goto(base_url + "/me/profile")
        page.get_by_test_id("contact-link").click()
        form = page.get_by_test_id("contact-form")
        form.locator("#email").fill(NEW)
        form.locator("#submit").click()
        expect(page.get_by_test_id("email-pending")).to_contain_text(NEW)  # on the profile
        page.goto(base_url + "/me/contact")
        pending = page.get_by_test_id("email-pending")
        expect(pending).to_contain_text(NEW)
        expect(pending.get_by_test_id("email-resend")).to_be_visible()
        expect(pending.get_by_test_id("email-cancel")).to_be_visible()
        assert_accessible(page, "email-change-pending", PHONE["width"])

        # The old address is told; the link goes to the new one, in the supporter's language.
        message = _delivered_to(live_server, server, NEW)
        assert any(m["To"] == OLD for m in server.messages)
        match = re.search(r"(/account/email/confirm/[A-Za-z0-9_-]+)", message.get_content())
        assert match, message.get_content()
        page.goto(base_url + match.group(1))
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.get_by_test_id("new-email")).to_have_text(NEW)
        assert_accessible(page, "email-change-confirm", PHONE["width"])
        page.locator("main form #submit").click()
        expect(page).to_have_url(re.compile(r"/me/contact$"))
        expect(page.get_by_test_id("email-pending")).to_have_count(0)
        expect(page.locator("main #email")).to_have_value(NEW)
        assert_no_browser_errors(page)

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == NEW))
        assert user is not None and user.supporter.email == NEW

    # A fresh phone: the old address no longer signs in (401, the form again), the new one does.
    refused = new_page(viewport=PHONE, **VIETNAMESE)
    refused.goto(base_url + "/login")
    refused.locator("main #email").fill(OLD)
    refused.locator("main #password").fill(DEMO_PASSWORD)
    refused.locator("main form #submit").click()
    expect(refused.locator("main #email")).to_be_visible()
    expect(refused).to_have_url(re.compile(r"/login"))
    again = new_page(viewport=PHONE, **VIETNAMESE)
    sign_in(again, base_url, NEW)
    again.goto(base_url + "/me/profile")
    expect(again.locator("main")).to_contain_text(NEW)
    assert_accessible(again, "email-change-done", PHONE["width"])
