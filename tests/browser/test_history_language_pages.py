"""Issue 16, items 1 and 4 in a real browser: a supporter working in Vietnamese accepts an offer
and, once the visit has happened, logs the case; the coordinator's Japanese request page shows
the history in Japanese only (and the English console in English). Before the visit the
portal says when the case can be logged instead of offering "mark done".

Screenshots: history-ja, history-en, log-later-vi.
"""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from supporters.clock import JST, today_jst
from supporters.extensions import db
from supporters.help_requests import offers
from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
from supporters.models import (
    ConsentChannel,
    HelpRequest,
    Mode,
    RequestCategory,
    RequestSource,
    RequestStatus,
    User,
)
from tests.browser.conftest import PHONE, assert_no_browser_errors, screenshot
from tests.browser.test_request_story import in_db, sign_in

pytestmark = pytest.mark.browser

VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
ENGLISH_WORDS = ("accepted", "offer(s)", "Case logged", "no acceptance")


def _offered_request() -> tuple[int, int]:
    """A daily-life request in Koga in three days, offered to the demo supporter only."""
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    supporter = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    supporter.locale = "vi"  # the supporter works in Vietnamese
    day = today_jst() + timedelta(days=3)
    draft = RequestDraft(
        category=RequestCategory.DAILY_LIFE,
        mode=Mode.IN_PERSON,
        language_code="vi",
        municipality_code="08204",
        starts_at=datetime.combine(day, datetime.min.time(), JST).replace(hour=10),
        ends_at=datetime.combine(day, datetime.min.time(), JST).replace(hour=12),
        duration_minutes=60,
        requester_name="Lê Thị Hoa",
        requester_contact="080-3333-4444",
        source=RequestSource.RESIDENT,
    )
    request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), coordinator)
    (offer,) = offers.send_offers(request, [supporter.supporter_id], coordinator)
    db.session.commit()
    return request.id, offer.id


def _visit_happened(request_id: int) -> None:
    """Two days pass: the visit was yesterday morning."""
    request = db.session.get(HelpRequest, request_id)
    yesterday = today_jst() - timedelta(days=1)
    start = datetime.combine(yesterday, datetime.min.time(), JST).replace(hour=10)
    request.starts_at, request.ends_at = start, start + timedelta(hours=2)
    db.session.commit()


def _history_text(page) -> str:
    history = page.locator("ol.history")
    expect(history).to_be_visible()
    return history.inner_text()


def test_the_history_is_in_the_viewers_language(new_page, live_server, base_url):
    request_id, offer_id = in_db(live_server, _offered_request)

    # 1. The supporter, in Vietnamese on a phone, accepts the offer.
    phone = new_page(viewport=PHONE, locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    sign_in(phone, base_url, "supporter@example.jp")
    phone.goto(f"{base_url}/me/offers/{offer_id}")
    phone.get_by_test_id("accept").click()
    expect(phone.get_by_test_id("requester-name")).to_be_visible()

    # 2. Before the visit the portal says when the case can be logged (item 4).
    phone.goto(f"{base_url}/me/assignments/{request_id}")
    expect(phone.get_by_test_id("log-later")).to_be_visible()
    expect(phone.get_by_test_id("mark-done")).to_have_count(0)
    screenshot(phone, "log-later-vi")

    # 3. After the visit, "mark done" logs the case (in Vietnamese) and completes the request.
    in_db(live_server, lambda: _visit_happened(request_id))
    phone.goto(f"{base_url}/me/assignments/{request_id}")
    phone.get_by_test_id("mark-done").click()
    phone.get_by_test_id("outcome").locator("label").first.click()
    phone.get_by_test_id("save").click()
    expect(phone).to_have_url(re.compile(r"/me/log/"))
    status = in_db(live_server, lambda: db.session.get(HelpRequest, request_id).status)
    assert status == RequestStatus.COMPLETED
    assert_no_browser_errors(phone)

    # 4. The coordinator's Japanese page: no Vietnamese, no English in the history.
    in_db(live_server, lambda: _console_language("ja"))
    console = new_page()
    sign_in(console, base_url, "coordinator@example.jp")
    console.goto(f"{base_url}/requests/{request_id}")
    text = _history_text(console)
    supporter_name = in_db(
        live_server,
        lambda: (
            db.session.scalar(
                select(User).where(User.email == "supporter@example.jp")
            ).supporter.display_name
        ),
    )
    without_names = text.replace(supporter_name, "")
    assert "サポーターが活動を記録しました。" in text and "打診を引き受け" in text
    assert not VIETNAMESE.search(without_names), text
    assert not any(word in without_names for word in ENGLISH_WORDS), text
    screenshot(console, "history-ja")
    assert_no_browser_errors(console)

    # 5. The same page in the English console reads English.
    in_db(live_server, lambda: _console_language("en"))
    english = new_page(locale="en-US", extra_http_headers={"Accept-Language": "en"})
    sign_in(english, base_url, "coordinator@example.jp")
    english.goto(f"{base_url}/requests/{request_id}")
    text = _history_text(english)
    assert "Case logged by the supporter." in text and "Offer accepted" in text
    assert not VIETNAMESE.search(text.replace(supporter_name, "")), text
    assert not re.search(r"[ぁ-んァ-ン一-龯]", text), text
    screenshot(english, "history-en")
    assert_no_browser_errors(english)


def _console_language(locale: str) -> None:
    db.session.scalar(select(User).where(User.email == "coordinator@example.jp")).locale = locale
    db.session.commit()
