"""Web Push from the supporter's "Messages" page in a real Chromium: nothing is asked until the
button is pressed; pressing it registers the service worker at /me/sw.js for the supporter's
pages (under the app's CSP) and asks the browser for a push subscription; a push message then
shows as a notification in the supporter's language.

Headless Chromium has no push service to talk to (Chrome's is Google's FCM, which needs the
network and API keys; Playwright's contexts are incognito, where Chromium has no Push API at
all), so ``pushManager.subscribe`` cannot succeed here: the test checks the page says so in the
supporter's language instead of failing silently. The message is handed to the service worker
the way the browser would after decrypting it, through DevTools' ``deliverPushMessage``. The
subscription's storage, VAPID, the encryption and the delivery are proven against a local push
service in tests/test_webpush.py.
"""

import json

import pytest
from playwright.sync_api import expect
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode

from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser
INCOGNITO = "does not support the Push API in incognito mode"
# The notifications the supporter's service worker is showing now.
SHOWN = """navigator.serviceWorker.getRegistration('/me/')
  .then(r => r.getNotifications())
  .then(ns => ns.map(n => ({title: n.title, body: n.body, tag: n.tag, lang: n.lang,
                           url: n.data.url})))"""


@pytest.fixture
def web_push_on(live_server):
    key = Vapid02()
    key.generate_keys()
    config = live_server.app.config
    before = {name: config.get(name) for name in ("VAPID_PRIVATE_KEY", "VAPID_SUBJECT", "BASE_URL")}
    config.update(
        BASE_URL=live_server.url,  # message links point at this server
        VAPID_PRIVATE_KEY=b64urlencode(
            key.private_key.private_numbers().private_value.to_bytes(32, "big")
        ),
        VAPID_SUBJECT="mailto:yorisoi@example.jp",
    )
    yield
    config.update(before)


def test_the_button_registers_the_service_worker_for_the_supporter_pages(
    new_page, base_url, web_push_on
):
    phone = new_page(viewport=PHONE, locale="en-US", extra_http_headers={"Accept-Language": "en"})
    phone.context.grant_permissions(["notifications"], origin=base_url)
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/messages")

    # Nothing is subscribed (and nothing asked) before the supporter presses the button; the
    # worker itself is registered by static/js/offline.js for the offline app.
    button = phone.locator("#push-on")
    expect(button).to_be_visible()
    assert phone.evaluate(
        "navigator.serviceWorker.getRegistration('/me/')"
        ".then(r => r ? r.pushManager.getSubscription() : null).then(s => s === null)"
    )
    screenshot(phone, "phone-messages")

    button.click()
    expect(phone.locator("#push-status")).not_to_be_empty()
    registration = phone.evaluate(
        """navigator.serviceWorker.getRegistration("/me/").then(r => r && {
             scope: r.scope,
             script: (r.active || r.waiting || r.installing).scriptURL
           })"""
    )
    assert registration == {"scope": f"{base_url}/me/", "script": f"{base_url}/me/sw.js"}
    phone.wait_for_function(
        "navigator.serviceWorker.getRegistration('/me/').then(r => Boolean(r && r.active))"
    )
    status = phone.locator("#push-status").inner_text()
    # No push service here: the page says, in the supporter's language, that it did not work.
    assert status in ("This browser could not turn notifications on.", "Notifications are on.")
    # Playwright's contexts are incognito, where Chromium logs (as an error) that it has no
    # Push API; that line is the browser's, not the page's.
    phone.console_errors[:] = [e for e in phone.console_errors if INCOGNITO not in e]
    assert_no_browser_errors(phone)


def test_the_service_worker_shows_a_push_message_in_the_supporters_language(
    new_page, live_server, base_url, web_push_on
):
    """A push message as the push service hands it to the browser (DevTools'
    ``ServiceWorker.deliverPushMessage``), with the payload our Web Push channel writes: the
    service worker shows it once (a repeat replaces it) and only ever links to Yorisoi."""
    from supporters.models import OutboxMessage
    from supporters.notify.webpush import payload

    offer = OutboxMessage(
        kind="offer_new",
        link="/me/offers/1",
        locale="vi",
        params={"starts_at": "2026-12-01T10:00:00+09:00", "municipality_code": "08204"},
    )
    with live_server.app.app_context():
        data = payload(offer)
    phone = new_page(viewport=PHONE)
    phone.context.grant_permissions(["notifications"], origin=base_url)
    devtools = phone.context.new_cdp_session(phone)
    registrations = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/messages")
    phone.locator("#push-on").click()
    phone.wait_for_function(
        "navigator.serviceWorker.getRegistration('/me/')"
        ".then(r => Boolean(r && r.active && r.active.state === 'activated'))"
    )
    phone.wait_for_timeout(200)  # let DevTools report the registration
    (registration_id,) = {
        r["registrationId"]
        for r in registrations
        if r["scopeURL"] == f"{base_url}/me/" and not r["isDeleted"]
    }

    def deliver(body: dict, count: int = 1) -> list[dict]:
        # Sent again if the worker was still starting (a repeat has the same tag: no double).
        for _ in range(5):
            devtools.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": base_url, "registrationId": registration_id, "data": json.dumps(body)},
            )
            for _ in range(20):  # the worker shows it asynchronously
                shown = phone.evaluate(SHOWN)
                if len(shown) >= count:
                    return shown
                phone.wait_for_timeout(50)
        raise AssertionError(f"no notification was shown: {phone.console_errors}")

    (shown,) = deliver(data)
    assert shown == {
        "title": data["title"],
        "body": data["body"],
        "tag": "offer_new:/me/offers/1",
        "lang": "vi",
        "url": f"{base_url}/me/offers/1",
    }
    assert "Khi nào" in shown["body"]  # "When", in Vietnamese
    (again,) = deliver(data)  # delivered twice (at least once): still one on the screen
    assert again == shown
    phishing = {**data, "tag": "other", "url": "https://evil.example/login"}
    shown_now = deliver(phishing, count=2)
    assert {n["url"] for n in shown_now if n["tag"] == "other"} == {f"{base_url}/me/"}
    phone.console_errors[:] = [e for e in phone.console_errors if INCOGNITO not in e]
    assert_no_browser_errors(phone)


def test_the_service_worker_is_served_with_the_apps_headers(new_page, base_url):
    page = new_page()
    response = page.request.get(f"{base_url}/me/sw.js")
    assert response.status == 200
    headers = response.headers
    assert headers["content-type"].startswith("text/javascript")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-cache"  # a new version is picked up at once
    assert "showNotification" in response.text()
