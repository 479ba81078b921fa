"""Two programmes in one installation, in a real Chromium, measured with axe-core (WCAG 2.2 AA).

Gunma lends Sok Dara (Khmer, phone) to Ibaraki, whose phone request Dara took and logged. Then:

1. Gunma's coordinator opens Dara's record: "Helping other programmes" with the consent and the
   offers other programmes sent (no category, no resident), at 1366 and 360 px.
2. Gunma's coordinator opens the month's report: "Help given to other programmes".
3. A resident opens /help/: asked where they live (Japanese and English, on a phone), chooses
   Gunma, and gets Gunma's form with Gunma's towns.

Every page passes axe-core with no serious or critical violation and none scrolls sideways.
"""

from datetime import date, timedelta

import pytest
from flask import g
from playwright.sync_api import expect
from sqlalchemy import select

from supporters import tenancy
from supporters.activities.log import ActivityEntry, log_activity
from supporters.auth.passwords import hash_password
from supporters.clock import JST
from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db, login_manager
from supporters.help_requests import offers
from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
from supporters.lending import service as lending
from supporters.models import (
    ActivityCategory,
    ActivityOutcome,
    ConsentChannel,
    HelpRequest,
    LanguageLevel,
    Mode,
    RequestCategory,
    RequestSource,
    Role,
    User,
)
from supporters.programme.service import add_programme, draft_for_prefecture
from supporters.registry import operations
from supporters.registry.operations import SupporterProfile
from tests.browser.conftest import PHONE, assert_accessible
from tests.browser.test_request_story import sign_in
from tests.conftest import jst_at

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
KOGA = "08204"


@pytest.fixture(scope="module")
def lent(live_server) -> dict:
    """Gunma beside the demo's Ibaraki; Dara's Khmer phone case for Ibaraki, logged."""
    app = live_server.app
    with app.test_request_context():
        ibaraki = tenancy.first_programme_id(db.session)
        gunma = add_programme(draft_for_prefecture("10"), None).programme.id
        db.session.commit()
        with tenancy.using(gunma):
            profile = SupporterProfile(
                display_name="Sok Dara", email="dara@example.jp", phone="090-1111-2222",
                home_municipality_code="10524", served_municipality_codes=[],
                languages=[("km", LanguageLevel.NATIVE)], japanese_level="N2", origins=["KH"],
                modes=["phone"], gender=None, monthly_case_cap=4, training_cohort="",
                notes="",
            )  # fmt: skip
            dara = operations.register_supporter(profile, date(2025, 4, 1), by=None)
            operations.certify(dara, "G-0001", date(2025, 5, 1), by=None)
            coordinator = User(
                email="coordinator.gunma@example.jp", name="群馬 太郎", role=Role.COORDINATOR,
                password_hash=hash_password(DEMO_PASSWORD),
            )  # fmt: skip
            db.session.add(coordinator)
            lending.lend(dara, "km", None)
            db.session.commit()
            dara_id = dara.id
        with tenancy.using(ibaraki):
            draft = RequestDraft(
                category=RequestCategory.LABOR, mode=Mode.PHONE, language_code="km",
                municipality_code=KOGA, starts_at=jst_at(5, 10), ends_at=jst_at(5, 11),
                duration_minutes=60, requester_name="Chan Sophea",
                requester_contact="080-5555-6666", source=RequestSource.RESIDENT,
            )  # fmt: skip
            request = take_request(draft, ConsentGiven("2026-04", "km", ConsentChannel.PHONE), None)
            staff = db.session.scalar(select(User).where(User.role == Role.COORDINATOR))
            (offer,) = offers.send_offers(request, [dara_id], staff)
            db.session.commit()
            request_id, offer_id = request.id, offer.id
        with tenancy.using(None):  # Dara answers from Gunma, where the request is not scoped
            offers.accept(offer_id, dara_id, None)
            request = db.session.get(HelpRequest, request_id)
            request.starts_at -= timedelta(days=30)  # the appointment is over
            request.ends_at -= timedelta(days=30)
            day = request.starts_at.astimezone(JST).date()
            db.session.commit()
            supporter = db.session.get(operations.Supporter, dara_id)
            login_manager._update_request_context_with_user(None)
            entry = ActivityEntry(
                happened_on=day, duration_minutes=60, category=ActivityCategory.LABOR,
                mode=Mode.PHONE, municipality_code=KOGA, language_code="km",
                outcome=ActivityOutcome.RESOLVED, client_token="lent-case-browser",
                request_id=request_id,
            )  # fmt: skip
            log_activity(supporter, entry, None)
            db.session.commit()
            g.pop("_login_user", None)
            assert db.session.get(HelpRequest, request_id).programme_id == ibaraki
    return {"dara": dara_id, "month": day.replace(day=1)}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_lending_coordinator_sees_the_lent_offers(new_page, base_url, lent, viewport):
    page = new_page(viewport=viewport, locale="ja-JP")
    sign_in(page, base_url, "coordinator.gunma@example.jp")
    page.goto(f"{base_url}/supporters/{lent['dara']}")
    expect(page.locator("#lending")).to_have_text("他のプログラムへの協力")
    offers_table = page.get_by_test_id("lent-offers")
    expect(offers_table).to_be_visible()
    expect(offers_table).not_to_contain_text("Chan Sophea")
    name = "desktop" if viewport is DESKTOP else "phone"
    assert_accessible(page, f"national-lent-offers-{name}", viewport["width"])

    page.goto(f"{base_url}/reports/monthly/{lent['month']:%Y-%m}")
    expect(page.get_by_test_id("help-given")).to_be_visible()
    assert_accessible(page, f"national-help-given-{name}", viewport["width"])


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_resident_chooses_the_prefecture_on_a_phone(new_page, base_url, lent, locale):
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{base_url}/help/?lang={locale}")
    choices = page.get_by_test_id("programme-choices")
    expect(choices.get_by_role("link")).to_have_count(2)
    assert_accessible(page, f"national-choose-{locale}", PHONE["width"])

    choices.get_by_role("link", name="群馬県" if locale == "ja" else "Gunma").click()
    expect(page).to_have_url(f"{base_url}/help/?programme=10&lang={locale}")
    towns = page.locator("select[name=municipality] option")
    expect(towns.filter(has_text="大泉町" if locale == "ja" else "Oizumi")).to_have_count(1)
    expect(towns.filter(has_text="古河市" if locale == "ja" else "Koga")).to_have_count(0)
    assert_accessible(page, f"national-gunma-form-{locale}", PHONE["width"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_national_administrators_pages(new_page, base_url, live_server, lent, viewport):
    # Made as the README says (the second viewport's run finds the account there already).
    live_server.app.test_cli_runner().invoke(
        args=["users", "create", "--email", "national@example.jp", "--password", DEMO_PASSWORD,
              "--role", "national_admin", "--name", "全国 管理"]
    )  # fmt: skip
    page = new_page(viewport=viewport, locale="ja-JP")
    sign_in(page, base_url, "national@example.jp")
    expect(page).to_have_url(f"{base_url}/national/")
    expect(page.get_by_test_id("programmes")).to_contain_text("群馬県")
    name = "desktop" if viewport is DESKTOP else "phone"
    month = f"{lent['month']:%Y-%m}"
    page.goto(f"{base_url}/national/?first={month}&last={month}")
    expect(page.get_by_test_id("national-figures")).to_be_visible()
    assert_accessible(page, f"national-overview-{name}", viewport["width"])
    page.goto(f"{base_url}/national/programmes/new")
    expect(page.get_by_test_id("programme-add-form")).to_be_visible()
    assert_accessible(page, f"national-add-programme-{name}", viewport["width"])
