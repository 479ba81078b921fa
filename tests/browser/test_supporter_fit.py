"""Every supporter page fits a 320 px phone, in the long languages too, and every destination of
the supporter's navigation is on screen from the home page (issue 16, items 2 and 3).

The tab bar used to be one strip 584 px wide in a 390 px screen, with no cue that it scrolled:
availability, stipends and the profile could not be found from home. Easy Japanese pages used to
show kanji data without readings and English language names leaked into other languages.

Screenshots: fit-<lang>-<page>.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.extensions import db
from supporters.models import User
from tests.browser.conftest import (
    assert_accessible,
    assert_no_browser_errors,
    screenshot,
    scroll_width,
)
from tests.browser.test_request_story import in_db, sign_in

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
# Babel locales saved on User.locale: the widest labels (vi, pt, fil, es, id), a tall script (ne),
# Easy Japanese (furigana) and Japanese.
LANGUAGES = ("vi", "pt", "fil", "es", "id", "ne", "ja@easy", "ja")
PAGES = (
    "/me/",
    "/me/offers/",
    "/me/log/",
    "/me/log/new",
    "/me/availability",
    "/me/stipends",
    "/me/profile",
    "/me/messages",
    "/me/continue",
    "/notifications/",
    "/account/password",
    "/account/two-factor",
)
PLACE = "古河市役所 2階 国際交流課"


def _offer_and_assignment():
    """One open offer and one accepted assignment for the demo supporter, met at a kanji place."""
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource
    from tests.conftest import jst_at

    user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    made = []
    for days in (3, 4):
        draft = RequestDraft(
            category=RequestCategory.GOVERNMENT_OFFICE,
            mode=Mode.IN_PERSON,
            language_code="vi",
            municipality_code="08204",  # Koga (古河市, こがし)
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
        made.append((request.id, offer.id))
    db.session.flush()
    offers.accept(made[1][1], user.supporter_id, user)
    db.session.commit()
    return made[0][1], made[1][0]


def _set_language(locale: str) -> None:
    def change():
        user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
        user.locale = locale
        db.session.commit()

    return change


def _assert_fits(page, name: str) -> None:
    width = scroll_width(page)
    if width > NARROW["width"]:
        screenshot(page, f"overflow-{name}")
    assert width <= NARROW["width"], f"{page.url}: {width}px wide in a 320 px screen"


@pytest.fixture(scope="module")
def made(live_server):
    return in_db(live_server, _offer_and_assignment)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_supporter_page_fits_320px(new_page, live_server, base_url, made, locale):
    offer_id, assignment_id = made
    in_db(live_server, _set_language(locale))
    phone = new_page(viewport=NARROW)
    sign_in(phone, base_url, "supporter@example.jp")

    # From home, every destination of the navigation is fully on screen: no sideways strip.
    phone.goto(f"{base_url}/me/")
    links = phone.locator("nav.tabs a")
    assert links.count() >= 6
    for index in range(links.count()):
        link = links.nth(index)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"] + 0.5, (
            f"{locale}: nav item {link.inner_text()!r} is off screen ({box})"
        )
        assert box["height"] >= 24  # WCAG 2.5.8 target size
    for endpoint in ("portal.availability", "portal.stipends", "portal.profile"):
        expect(phone.locator(f"nav.tabs a[data-nav='{endpoint}']")).to_be_in_viewport()

    # Every page of the navigation (pages added later too), the fixed list, an offer and an
    # assignment.
    navigated = links.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    pages = dict.fromkeys(
        (*navigated, *PAGES, f"/me/offers/{offer_id}", f"/me/assignments/{assignment_id}")
    )
    for path in pages:
        phone.goto(base_url + path)
        expect(phone.locator("main h1").first).to_be_visible()
        _assert_fits(phone, f"{locale}-{path.strip('/').replace('/', '-') or 'home'}")
    screenshot(phone, f"fit-{locale}-assignment")
    assert_no_browser_errors(phone)


def test_easy_japanese_reads_kanji_and_names(new_page, live_server, base_url, made):
    offer_id, assignment_id = made
    in_db(live_server, _set_language("ja@easy"))
    phone = new_page(viewport=NARROW)
    sign_in(phone, base_url, "supporter@example.jp")

    phone.goto(f"{base_url}/me/offers/{offer_id}")
    where = phone.locator("[data-field='municipality_code']")
    expect(where).to_have_text("こがし")
    place = phone.locator("[data-field='place_name']")
    expect(place.locator("ruby").first).to_be_visible()
    assert "こが" in place.locator("rt").all_inner_texts()[0]
    language = phone.locator("[data-field='language_code']")
    expect(language).not_to_contain_text("語")  # ベトナムご, not kanji without a reading
    assert_accessible(phone, "easy-offer")
    screenshot(phone, "fit-easy-offer")

    in_db(live_server, _set_language("vi"))
    phone.goto(f"{base_url}/me/offers/{offer_id}")
    expect(phone.locator("[data-field='language_code']")).to_have_text("Tiếng Việt")
    expect(phone.locator("[data-field='municipality_code']")).to_have_text("Koga")
    assert phone.locator("ruby").count() == 0
    assert_accessible(phone, "vi-offer")
    phone.goto(f"{base_url}/me/profile")
    expect(phone.locator("main")).to_contain_text("Tiếng Việt")  # not "Vietnamese (Bản ngữ)"
    expect(phone.locator("main")).not_to_contain_text("Vietnamese")
    screenshot(phone, "fit-vi-profile")
    assert_no_browser_errors(phone)
