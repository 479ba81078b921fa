"""On a phone (360 px) the supporter accepts a video request and finds the call link on the
offer and on the assignment, readable and accessible.

Screenshot: phone-video-room.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.extensions import db
from supporters.models import User, VideoRoom
from tests.browser.conftest import PHONE, assert_accessible, assert_no_browser_errors
from tests.browser.test_request_story import in_db, sign_in

pytestmark = pytest.mark.browser

BASE = "https://meet.example.jp"


def _video_offer_to_demo_supporter():
    """A fresh video request offered to the demo supporter by the demo coordinator."""
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource
    from tests.conftest import jst_at

    user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    draft = RequestDraft(
        category=RequestCategory.GOVERNMENT_OFFICE,
        mode=Mode.VIDEO,
        language_code=user.supporter.languages[0].language_code,
        municipality_code=user.supporter.home_municipality_code,
        starts_at=jst_at(3, 14),
        ends_at=jst_at(3, 15),
        duration_minutes=45,
        requester_name="Nguyễn Thị Bích",
        requester_contact="080-5555-6666",
        source=RequestSource.RESIDENT,
    )
    request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
    (offer,) = offers.send_offers(request, [user.supporter_id], coordinator)
    db.session.commit()
    return request.id, offer.id


def test_the_supporter_finds_the_call_link_on_a_phone(live_server, new_page):
    live_server.app.config["VIDEO_BASE_URL"] = BASE
    request_id, offer_id = in_db(live_server, _video_offer_to_demo_supporter)
    page = new_page(viewport=PHONE)
    sign_in(page, live_server.url, "supporter@example.jp")

    page.goto(f"{live_server.url}/me/offers/{offer_id}")
    expect(page.get_by_test_id("video-call")).to_have_count(0)  # not before accepting
    page.get_by_test_id("accept").click()
    room = in_db(
        live_server,
        lambda: db.session.scalar(select(VideoRoom.room).where(VideoRoom.request_id == request_id)),
    )
    link = page.get_by_test_id("video-link")
    expect(link).to_have_attribute("href", f"{BASE}/{room}")

    page.goto(f"{live_server.url}/me/assignments/{request_id}")
    expect(page.get_by_test_id("video-link")).to_have_attribute("href", f"{BASE}/{room}")
    expect(page.get_by_test_id("video-url")).to_have_text(f"{BASE}/{room}")
    assert_accessible(page, "phone-video-room", PHONE["width"])
    assert_no_browser_errors(page)
