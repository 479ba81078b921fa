"""Finding things in a real browser: the header's search, a duplicate merged, a bulk close.

Story (#16, items 5 and 12): a resident sent the form twice → the coordinator types her phone
number in the search box at the top of the page → both requests are listed → the later one says
"possible duplicate" → merge → the earlier request's history names the merged one. Then the
request list, filtered by language and sorted by receipt, closes two requests in one go.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db
from supporters.models import HelpRequest, RequestStatus
from tests.browser.conftest import PHONE, assert_accessible, assert_no_browser_errors, screenshot
from tests.conftest import jst_at

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.jp"
CONTACT = "080-4321-9876"
NAME = "Quorn Zyxwa"


def in_db(live_server, query):
    with live_server.app.app_context():
        return query()


def take_twice() -> tuple[int, int]:
    """The same resident's request, sent twice (second time with the name typed differently)."""
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource

    ids = []
    for name in (NAME, "QUORN  zyxwa"):
        draft = RequestDraft(
            category=RequestCategory.DAILY_LIFE,
            mode=Mode.IN_PERSON,
            language_code="vi",
            municipality_code="08204",
            starts_at=jst_at(4, 10),
            ends_at=jst_at(4, 12),
            duration_minutes=60,
            requester_name=name,
            requester_contact=CONTACT,
            source=RequestSource.RESIDENT,
        )
        consent = ConsentGiven("2026-04", "vi", ConsentChannel.WEB_FORM)
        ids.append(take_request(draft, consent, None).id)
        db.session.commit()
    return ids[0], ids[1]


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.locator("main #email").fill(COORDINATOR)
    page.locator("main #password").fill(DEMO_PASSWORD)
    page.locator("main form #submit").click()
    expect(page).to_have_url(base_url + "/dashboard/")


def test_search_merge_and_bulk_close(page, live_server, base_url):
    earlier, later = in_db(live_server, take_twice)
    sign_in(page, base_url)

    # 1. The search box is in the header of every console page; a phone number finds both.
    box = page.locator("[data-testid=header-search] input[name=q]")
    box.fill("０８０ー４３２１ー９８７６")  # as a Japanese IME types it
    box.press("Enter")
    found = page.locator("[data-testid=search-requests] tbody tr")
    expect(found).to_have_count(2)
    expect(page.locator("[data-testid=search-requests]")).to_contain_text(NAME)
    assert_accessible(page, "find-search", 1366)

    # 2. The later request shows the earlier one as a possible duplicate; merge it.
    page.goto(f"{base_url}/requests/{later}")
    panel = page.locator("[data-testid=duplicates]")
    expect(panel).to_be_visible()
    assert_accessible(page, "find-duplicate", 1366)
    panel.locator("[data-testid=merge]").click()
    expect(page).to_have_url(f"{base_url}/requests/{earlier}")
    expect(page.locator("[data-testid=event-merged_from]")).to_be_visible()
    status = in_db(live_server, lambda: db.session.get(HelpRequest, later).status)
    assert status == RequestStatus.CANCELLED
    assert_no_browser_errors(page)

    # 3. The list: received column, filters, newest received first; close two at once.
    page.goto(f"{base_url}/requests/?status=open&sort=received&language=vi")
    rows = page.locator("[data-testid=request-list] tbody tr")
    expect(rows.first).to_contain_text(
        in_db(
            live_server,
            lambda: db.session.scalar(
                select(HelpRequest.reference).where(HelpRequest.id == earlier)
            ),
        )
    )
    assert_accessible(page, "find-list", 1366)
    picks = page.locator("[data-testid=request-list] input[name=ids]")
    picks.nth(0).check()
    picks.nth(1).check()
    page.locator("[data-testid=bulk-close]").click()
    expect(page.locator("[data-testid=bulk-selected] li")).to_have_count(2)
    assert_accessible(page, "find-bulk-confirm", 1366)
    page.locator("textarea[name=reason]").fill("Handled by phone")
    page.locator("main form #submit").click()
    expect(page).to_have_url(f"{base_url}/requests/")
    closed = in_db(
        live_server,
        lambda: db.session.get(HelpRequest, earlier).status,
    )
    assert closed == RequestStatus.CANCELLED
    screenshot(page, "find-bulk-closed")
    assert_no_browser_errors(page)


def test_the_search_box_fits_a_phone(new_page, live_server, base_url):
    """The console on a phone: the header's search stays usable and the list scrolls inside."""
    page = new_page(viewport=PHONE)
    sign_in(page, base_url)
    page.locator("[data-testid=header-search] input[name=q]").fill("R-")
    page.locator("[data-testid=header-search] button").click()
    expect(page.locator("main h1")).to_be_visible()
    page.goto(base_url + "/requests/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    screenshot(page, "find-list-phone")
    assert_no_browser_errors(page)
