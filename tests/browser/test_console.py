"""The coordinator's console in a real browser, walked through as a coordinator would.

Story: open the site → sign in (Japanese UI) → the dashboard shows the certified headcount →
switch to English → filter the supporters by language and municipality → certify an applicant.
Screenshots of each step go to test-artifacts/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from supporters.demo.seed import DEMO_PASSWORD
from supporters.extensions import db
from supporters.models import Supporter, SupporterLanguage, SupporterStatus, User
from supporters.models.supporter import supporter_served_municipality as served
from tests.browser.conftest import (
    PHONE,
    assert_accessible,
    assert_no_browser_errors,
    screenshot,
    scroll_width,
)

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.jp"
VIETNAMESE = "vi"
TSUKUBA = "08220"


def in_db(live_server, query):
    """Run ``query()`` against the live server's database and return its result."""
    with live_server.app.app_context():
        return query()


def certified_count() -> int:
    return db.session.scalar(
        select(func.count(Supporter.id)).where(Supporter.status == SupporterStatus.CERTIFIED)
    )


def first_applicant_ready() -> str:
    """The name of the first applicant (in the list's order) whose training hours are complete."""
    from supporters.training.service import progress_of

    applicants = db.session.scalars(
        select(Supporter)
        .where(Supporter.status == SupporterStatus.APPLICANT)
        .order_by(Supporter.display_name)
    )
    for supporter in applicants:
        progress = progress_of(supporter)
        if progress is None or progress.complete:
            return supporter.display_name
    raise AssertionError("the demo has no applicant ready to certify")


def names_speaking_serving(language: str, municipality: str) -> list[str]:
    speaks = select(SupporterLanguage.supporter_id).where(
        SupporterLanguage.language_code == language
    )
    serves = select(served.c.supporter_id).where(served.c.municipality_code == municipality)
    return sorted(
        db.session.scalars(
            select(Supporter.display_name).where(Supporter.id.in_(speaks), Supporter.id.in_(serves))
        )
    )


@pytest.fixture(autouse=True)
def coordinator_as_seeded(live_server):
    """Each test starts with the demo coordinator as seeded: no UI language saved on the account.

    (The story saves English on the account; without this the tests would depend on their order.)
    """

    def reset():
        db.session.execute(update(User).where(User.email == COORDINATOR).values(locale=None))
        db.session.commit()

    in_db(live_server, reset)


def sign_in(page, base_url: str) -> None:
    """On the sign-in page, sign in as the demo coordinator and land on the dashboard."""
    page.locator("main #email").fill(COORDINATOR)
    page.locator("main #password").fill(DEMO_PASSWORD)
    page.locator("main form #submit").click()
    expect(page).to_have_url(base_url + "/dashboard/")


def test_coordinator_story(page, live_server, base_url, catalogues):
    # 1. The site sends a stranger to the sign-in page, in Japanese.
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    if catalogues.translates("ja", "Sign in"):
        expect(page.locator("main h1")).to_contain_text("ログイン")
        expect(page).to_have_title(re.compile("ログイン"))
    # else: the Japanese catalogue has no "Sign in" yet; lang="ja" is all we can check.
    screenshot(page, "login")
    assert_no_browser_errors(page)

    # 2. Sign in as the demo coordinator: the dashboard shows the real certified headcount.
    sign_in(page, base_url)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    certified = in_db(live_server, certified_count)
    assert certified > 0
    expect(page.locator("[data-testid=certified]")).to_have_text(str(certified))
    screenshot(page, "dashboard-ja")
    assert_no_browser_errors(page)

    # 3. Switch the UI to English with the switcher (its script submits the form on change).
    switcher = page.locator("header form.switcher select[name=language]")
    expect(switcher).to_have_value("ja")
    switcher.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(base_url + "/dashboard/")
    expect(page.locator("main h1")).to_have_text("Dashboard")
    expect(page.locator("header form.switcher select[name=language]")).to_have_value("en")
    expect(page.locator("[data-testid=certified]")).to_have_text(str(certified))
    saved = in_db(
        live_server,
        lambda: db.session.scalar(select(User.locale).where(User.email == COORDINATOR)),
    )
    assert saved == "en", "the choice of language is remembered on the account"
    screenshot(page, "dashboard-en")
    assert_no_browser_errors(page)

    # 4. Supporters, filtered to Vietnamese speakers serving Tsukuba: every row speaks Vietnamese.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supporters").click()
    expect(page).to_have_url(base_url + "/supporters/")
    expect(page.locator("main h1")).to_have_text("Supporters")
    filters = page.locator("form.filters")
    filters.locator("select[name=language]").select_option(VIETNAMESE)
    filters.locator("select[name=municipality]").select_option(TSUKUBA)
    filters.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"language={VIETNAMESE}.*municipality={TSUKUBA}"))
    expect(filters.locator("select[name=language]")).to_have_value(VIETNAMESE)
    expect(filters.locator("select[name=municipality]")).to_have_value(TSUKUBA)
    expected = in_db(live_server, lambda: names_speaking_serving(VIETNAMESE, TSUKUBA))
    assert expected, "the demo data has Vietnamese speakers serving Tsukuba"
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(len(expected))
    for row in rows.all():
        expect(row.locator("td").nth(1)).to_contain_text("Vietnamese")
    shown = sorted(rows.locator("td:first-child a").all_inner_texts())
    assert shown == expected
    expect(page.get_by_test_id("result-count")).to_have_text(f"{len(expected)} supporters found")
    screenshot(page, "supporters-filtered")
    assert_no_browser_errors(page)

    # 5. Open an applicant and certify them; the certificate number is suggested.
    filters.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(base_url + "/supporters/")
    filters.locator("select[name=status]").select_option("applicant")
    filters.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=applicant"))
    applicants = page.locator("table.list tbody tr")
    expect(applicants.first.locator(".badge")).to_have_text("Applicant")
    for badge in applicants.locator(".badge").all():
        expect(badge).to_have_text("Applicant")
    # The demo's applicants are part-way through training: take one who has attended every hour.
    name = in_db(live_server, first_applicant_ready)
    link = applicants.locator("td:first-child a", has_text=name).first
    link.click()
    expect(page).to_have_url(re.compile(r"/supporters/\d+$"))
    supporter_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("main h1")).to_contain_text(name)
    expect(page.locator("main h1 .badge")).to_have_text("Applicant")
    page.locator("main").get_by_role("link", name="Certify", exact=True).click()
    expect(page).to_have_url(f"{base_url}/supporters/{supporter_id}/certify")
    number_field = page.locator("main #certificate_number")
    expect(number_field).to_have_value(re.compile(r"^INCS-\d{4}-\d{4}$"))
    number = number_field.input_value()
    expect(page.locator("main #effective_on")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    screenshot(page, "certify-form")
    assert_no_browser_errors(page)
    page.locator("main form #submit").click()

    # 6. The detail page shows the certificate and the badge, and the database agrees.
    expect(page).to_have_url(f"{base_url}/supporters/{supporter_id}")
    expect(page.locator("main .flash-ok")).to_contain_text(number)
    expect(page.get_by_test_id("certificate")).to_have_text(number)
    expect(page.locator("main h1 .badge")).to_have_text("Certified")
    expect(page.locator("main h1 .badge")).to_have_class(re.compile(r"\bbadge-certified\b"))
    screenshot(page, "certified-detail")
    assert_no_browser_errors(page)
    status, stored_number = in_db(
        live_server,
        lambda: db.session.execute(
            select(Supporter.status, Supporter.certificate_number).where(
                Supporter.id == supporter_id
            )
        ).one(),
    )
    assert (status, stored_number) == (SupporterStatus.CERTIFIED, number)
    assert in_db(live_server, certified_count) == certified + 1


OVERFLOWING = """
() => {
  const limit = document.documentElement.clientWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) parts.unshift(describe(e));
    return parts.join(" > ");
  };
  const wide = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > limit + 1
  );
  // Only the outermost offenders: an overflowing child of an overflowing box adds nothing.
  return wide
    .filter((el) => !wide.includes(el.parentElement))
    .map((el) => `${path(el)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
}
"""


def horizontal_overflow(page) -> tuple[int, list[str]]:
    """The page's scroll width and, if it is wider than the phone, the outermost culprits."""
    width = scroll_width(page)
    return width, (page.evaluate(OVERFLOWING) if width > PHONE["width"] + 1 else [])


def phone_page(new_page, locale: str):
    """A phone-sized page (360×740, touch) whose browser prefers ``locale``."""
    return new_page(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale={"ja": "ja-JP", "en": "en-US"}[locale],
        extra_http_headers={"Accept-Language": locale},
    )


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_phone_login_has_no_horizontal_scroll(new_page, base_url, locale):
    page = phone_page(new_page, locale)
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    expect(page.locator("html")).to_have_attribute("lang", locale)
    screenshot(page, f"phone-login-{locale}")
    assert_no_browser_errors(page)
    width, offenders = horizontal_overflow(page)
    assert width <= PHONE["width"] + 1, f"{width}px wide; overflowing:\n" + "\n".join(offenders)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_phone_dashboard_has_no_horizontal_scroll(new_page, base_url, locale):
    page = phone_page(new_page, locale)
    page.goto(base_url + "/")
    sign_in(page, base_url)
    if page.locator("html").get_attribute("lang") != locale:
        page.locator("header form.switcher select[name=language]").select_option(locale)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.get_by_test_id("certified")).to_be_visible()
    screenshot(page, f"phone-dashboard-{locale}")
    assert_no_browser_errors(page)
    width, offenders = horizontal_overflow(page)
    assert width <= PHONE["width"] + 1, f"{width}px wide; overflowing:\n" + "\n".join(offenders)


def test_phone_list_cells_are_labelled_with_their_column(new_page, base_url):
    """On a phone a list's rows become cards and the header row is hidden: every cell then
    shows its column's heading above its value, and the page stays accessible."""
    page = phone_page(new_page, "en")
    page.goto(base_url + "/")
    sign_in(page, base_url)
    page.goto(base_url + "/supporters/")
    table = page.locator("table.list").first
    expect(table.locator("thead")).to_be_hidden()
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    first_row = table.locator("tbody tr").first
    shown = first_row.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert [label.strip('"') for label in shown] == headings[: len(shown)]
    assert "Name" in headings
    assert_accessible(page, "phone-supporter-list", width=PHONE["width"] + 1)
