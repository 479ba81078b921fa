"""The supporter's Messages page in a real browser: the "turn on notifications" button registers
the service worker for the supporter's pages and asks for a push subscription.

Playwright's contexts are incognito, where Chromium refuses push subscriptions, so the test
goes as far as the registered service worker and the page's message to the supporter. The push
service's side (VAPID, the encrypted payload) is tested against a local one in test_webpush.py.
"""

import pytest
from playwright.sync_api import expect
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode

from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot, scroll_width
from tests.browser.test_request_story import sign_in

INCOGNITO = "does not support the Push API in incognito mode"


@pytest.fixture
def push_configured(live_server):
    key = Vapid02()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    config = live_server.app.config
    config.update(VAPID_PRIVATE_KEY=b64urlencode(raw), VAPID_SUBJECT="mailto:yorisoi@example.jp")
    yield
    config.update(VAPID_PRIVATE_KEY="", VAPID_SUBJECT="")


def test_turning_on_notifications_registers_the_service_worker(new_page, base_url, push_configured):
    phone = new_page(viewport=PHONE)
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/messages")
    button = phone.locator("#push-on")
    expect(button).to_be_visible()
    assert scroll_width(phone) <= PHONE["width"]
    screenshot(phone, "supporter-messages")

    button.click()
    expect(phone.locator("#push-status")).not_to_be_empty(timeout=15000)
    registered = phone.evaluate(
        "navigator.serviceWorker.getRegistration('/me/').then(r => r ? r.scope : null)"
    )
    assert registered == f"{base_url}/me/"
    # A Playwright context is incognito, where Chromium refuses push subscriptions (and says so
    # on the console): the page must then tell the supporter, not fail silently.
    assert phone.locator("#push-status").inner_text().strip()
    phone.console_errors[:] = [e for e in phone.console_errors if INCOGNITO not in e]
    assert_no_browser_errors(phone)
