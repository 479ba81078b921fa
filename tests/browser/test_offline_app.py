"""The supporter app on a bad connection, in a real Chromium with the network cut.

User story: "As a supporter on my way to a hospital in the countryside, I can still read where
and when I meet the resident when my phone has no signal, and the case I log there is kept on
my phone — clearly marked as not sent yet — and arrives once when I am back online."

1. The supporter signs in on a phone and opens the home page: the service worker keeps their
   own pages (home, case log, the assignments of the next 14 days) — nobody else's.
2. The network goes (``context.set_offline``, which also cuts the service worker's own requests
   in this Playwright; the page that is not kept proves it): the assignment is readable.
3. Two cases are logged offline from the phone's copy of the form: each is kept with its own
   client token and shown as "not sent yet" on the case log and on the home page.
4. The network returns: both arrive, exactly once each (checked in the database); a reload sends
   nothing again; the notice is gone.
5. Signing out forgets the phone's copy of the pages.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from supporters.extensions import db
from supporters.models import Activity, User
from tests.browser.conftest import PHONE, assert_accessible, assert_no_browser_errors, screenshot
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser
PLACE = "古河市役所 2階 国際交流課"

CACHED_PATHS = """async () => {
  const names = await caches.keys();
  const out = [];
  for (const name of names) {
    const cache = await caches.open(name);
    for (const key of await cache.keys()) {
      const url = new URL(key.url);
      out.push(url.pathname + url.search);
    }
  }
  return out;
}"""


def in_db(live_server, query):
    with live_server.app.app_context():
        try:
            return query()
        finally:
            db.session.commit()


def _assignment(days: int, email: str = "supporter@example.jp") -> int:
    """A Koga request ``days`` ahead, offered to and accepted by the supporter of ``email``."""
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource
    from tests.conftest import jst_at

    user = db.session.scalar(select(User).where(User.email == email))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    draft = RequestDraft(
        category=RequestCategory.GOVERNMENT_OFFICE,
        mode=Mode.IN_PERSON,
        language_code="vi",
        municipality_code="08204",
        starts_at=jst_at(days, 10),
        ends_at=jst_at(days, 12),
        duration_minutes=90,
        requester_name="Nguyễn Thị Bích",
        requester_contact="080-3333-4444",
        source=RequestSource.RESIDENT,
        place_name=PLACE,
    )
    request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
    (offer,) = offers.send_offers(request, [user.supporter_id], coordinator)
    offers.accept(offer.id, user.supporter_id, user)
    return request.id


def _someone_elses_assignment() -> int:
    """An assignment of another certified supporter (must never reach this phone)."""
    from supporters.models import Supporter

    me = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    other = db.session.scalar(
        select(Supporter)
        .where(Supporter.id != me.supporter_id, Supporter.certified_on.is_not(None))
        .order_by(Supporter.id)
    )
    user = User(
        email="offline-other@example.jp",
        name="x",
        role=me.role,
        supporter_id=other.id,
        password_hash=me.password_hash,
    )
    db.session.add(user)
    db.session.flush()
    return _assignment(5, "offline-other@example.jp")


def _activities(supporter_email: str = "supporter@example.jp"):
    def read():
        user = db.session.scalar(select(User).where(User.email == supporter_email))
        rows = db.session.execute(
            select(Activity.client_token, func.count())
            .where(Activity.supporter_id == user.supporter_id)
            .group_by(Activity.client_token)
        ).all()
        return dict(rows)

    return read


def _kept(phone, path: str) -> bool:
    return phone.evaluate(
        "async (path) => Boolean(await caches.match(new URL(path, location.href).href,"
        " {ignoreVary: true}))",
        path,
    )


def _installed_phone(new_page, base_url: str, kept_path: str):
    """A phone signed in as the demo supporter whose service worker controls the page and keeps
    ``kept_path``."""
    phone = new_page(viewport=PHONE, service_workers="allow")
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/")
    phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # the first page may have loaded before the worker was active
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(100):
        if _kept(phone, kept_path):
            break
        phone.wait_for_timeout(100)
    assert _kept(phone, kept_path), phone.evaluate(CACHED_PATHS)
    return phone


def test_assignment_readable_and_case_logged_offline_arrives_once(new_page, live_server, base_url):
    request_id = in_db(live_server, lambda: _assignment(3))
    elsewhere = in_db(live_server, _someone_elses_assignment)
    before = in_db(live_server, _activities())

    phone = new_page(viewport=PHONE, service_workers="allow")
    context = phone.context
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/")
    phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # the first page may have loaded before the worker was active
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for _ in range(100):
        if _kept(phone, f"/me/assignments/{request_id}"):
            break
        phone.wait_for_timeout(100)
    assert _kept(phone, f"/me/assignments/{request_id}")
    cached = phone.evaluate(CACHED_PATHS)
    assert f"/me/assignments/{elsewhere}" not in cached
    assert all(p.startswith(("/me/", "/static/")) for p in cached), cached
    assert_no_browser_errors(phone)

    # 2. No signal: the assignment, from the phone's copy.
    context.set_offline(True)
    phone.goto(f"{base_url}/me/assignments/{request_id}")
    expect(phone.locator("main")).to_contain_text(PLACE)
    expect(phone.get_by_test_id("offline-notice")).to_be_visible()
    screenshot(phone, "offline-assignment-phone")

    # A page that is not kept (so the service worker's network is really cut): the home, saying so.
    phone.goto(f"{base_url}/me/stipends")
    expect(phone.get_by_test_id("not-kept")).to_be_visible()
    assert phone.url.endswith("/me/?offline=1")

    # 3. Two cases logged offline from the kept form.
    tokens = []
    for note in ("first", "second"):
        phone.goto(f"{base_url}/me/log/new")
        tokens.append(phone.locator("input[name=client_token]").input_value())
        phone.get_by_test_id("outcome").locator("input").first.check()
        phone.locator("#notes").fill(f"offline {note}")
        phone.get_by_test_id("save").click()
        expect(phone.get_by_test_id("unsent-cases").locator("li")).to_have_count(len(tokens))
    assert tokens[0] != tokens[1], "each case logged offline needs its own client token"
    expect(phone.get_by_test_id("unsent-cases").locator("li").first).to_have_attribute(
        "data-state", "waiting"
    )
    screenshot(phone, "offline-case-not-sent-phone")
    assert_accessible(phone, "offline case log, not sent yet")
    phone.goto(f"{base_url}/me/")
    expect(phone.get_by_test_id("unsent-cases").locator("li")).to_have_count(2)
    assert in_db(live_server, _activities()) == before, "nothing may arrive while offline"

    # 4. Back online: both arrive, once each.
    context.set_offline(False)
    phone.goto(f"{base_url}/me/")
    expect(phone.get_by_test_id("offline-sent")).to_be_visible(timeout=20_000)
    expect(phone.get_by_test_id("unsent-cases")).to_have_count(0)
    after = in_db(live_server, _activities())
    new = {t: n for t, n in after.items() if t not in before}
    assert new == {tokens[0]: 1, tokens[1]: 1}
    phone.reload()
    phone.wait_for_timeout(1500)
    assert in_db(live_server, _activities()) == after
    expect(phone.get_by_test_id("unsent-cases")).to_have_count(0)
    assert_no_browser_errors(phone)

    # 5. Sign out: the phone's copy of the pages is forgotten.
    phone.locator("form[action$='/logout'] button").click()
    phone.wait_for_url("**/login**")
    assert not [p for p in phone.evaluate(CACHED_PATHS) if p.startswith("/me/")]


def test_a_case_refused_on_arrival_is_checked_on_the_form_and_saved_once(
    new_page, live_server, base_url
):
    """A case written offline that the server refuses (no outcome chosen) waits as "needs
    checking"; "Check and send" shows the server's form with why and what was typed; saved
    once, then the phone forgets it."""
    before = in_db(live_server, _activities())
    phone = _installed_phone(new_page, base_url, "/me/log/new")

    phone.context.set_offline(True)
    phone.goto(f"{base_url}/me/log/new")
    token = phone.locator("input[name=client_token]").input_value()
    phone.locator("#notes").fill("no outcome yet")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_test_id("unsent-cases").locator("li")).to_have_count(1)

    phone.context.set_offline(False)
    phone.goto(f"{base_url}/me/log/")
    refused = phone.get_by_test_id("unsent-cases").locator("li[data-state=refused]")
    expect(refused).to_have_count(1, timeout=20_000)
    assert_accessible(phone, "offline case needs checking")
    refused.get_by_role("button").first.click()  # "Check and send"
    expect(phone.get_by_test_id("outcome")).to_have_class(re.compile("has-error"))
    expect(phone.locator("#notes")).to_have_value("no outcome yet")
    assert phone.locator("input[name=client_token]").input_value() == token
    phone.get_by_test_id("outcome").locator("input").first.check()
    phone.get_by_test_id("save").click()
    phone.wait_for_url("**/me/log/**")
    expect(phone.get_by_test_id("unsent-cases")).to_have_count(0, timeout=20_000)
    after = in_db(live_server, _activities())
    assert {t: n for t, n in after.items() if t not in before} == {token: 1}
    assert_no_browser_errors(phone)


ASK_WORKER = """async (message) => {
  const registration = await navigator.serviceWorker.getRegistration("/me/");
  return await new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    registration.active.postMessage(message, [channel.port2]);
  });
}"""


def test_cases_sent_by_a_page_that_was_left_are_still_reported(new_page, live_server, base_url):
    """The page that sent the cases may be gone before the answer comes (the supporter opened
    another page as the signal came back) and the worker's count may have been read: the next
    page still says they were sent, because the cases it showed as waiting are no longer
    waiting (the race behind an earlier flaky run of the test above)."""
    before = in_db(live_server, _activities())
    phone = _installed_phone(new_page, base_url, "/me/log/new")

    # A second tab outside the app's pages (no offline.js) talks to the worker below.
    other_tab = phone.context.new_page()
    other_tab.goto(f"{base_url}/help/")

    phone.context.set_offline(True)
    phone.goto(f"{base_url}/me/log/new")
    token = phone.locator("input[name=client_token]").input_value()
    phone.get_by_test_id("outcome").locator("input").first.check()
    phone.locator("#notes").fill("sent by a page that was left")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_test_id("unsent-cases").locator("li")).to_have_count(1)
    phone.goto("about:blank")  # the page is left while there is no signal

    # Back online: the worker sends the case for a page whose answer nobody reads, and its
    # "not told yet" note is used up; then the supporter opens the home page.
    phone.context.set_offline(False)
    answer = other_tab.evaluate(ASK_WORKER, {"type": "sync"})
    assert answer["sent"] == 1 and answer["cases"] == [], answer
    other_tab.evaluate(ASK_WORKER, {"type": "told"})
    phone.goto(f"{base_url}/me/")
    expect(phone.get_by_test_id("offline-sent")).to_be_visible(timeout=20_000)
    expect(phone.get_by_test_id("unsent-cases")).to_have_count(0)
    after = in_db(live_server, _activities())
    assert {t: n for t, n in after.items() if t not in before} == {token: 1}
    # Said once: the next page does not say it again.
    phone.reload()
    phone.wait_for_timeout(1000)
    expect(phone.get_by_test_id("offline-sent")).to_have_count(0)
    assert_no_browser_errors(phone)
