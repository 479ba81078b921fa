"""WCAG 2.2 AA measured in a real Chromium with axe-core, on every page residents and supporters
reach and on the coordinators' main console pages (issue 16, "Accessibility, measured").

User story: "As a resident using a screen reader or a magnifier, or a supporter with big fingers
on a small phone, every page I need can be read, understood and operated."

- Residents: the request form (with its privacy notice), the form sent empty (every error
  shown), the status page (when present), the confirmation page — in Japanese, English,
  Vietnamese, Portuguese, Easy Japanese.
- Supporters: every HTML page of the ``portal`` blueprint (found in the URL map, so a new page
  is measured too) plus the notifications page, in the same five languages.
- Console: dashboard, requests list and detail, supporters list and detail, activities,
  stipends, coverage, reports, imports — in Japanese and English (the console's languages).

Each at 390 px (phone) and 1366 px (desktop): no serious or critical axe-core violation for
the tags wcag2a, wcag2aa, wcag21aa, wcag22aa. Supporter pages also pass a target-size check of
WCAG 2.2 SC 2.5.8 (24 × 24 CSS px, or spaced so a 24 px circle touches no other target; links
inside a sentence are the SC's "inline" exception) — see docs/accessibility.md.
"""

import pytest
from sqlalchemy import select

from supporters.extensions import db
from supporters.models import Activity, HelpRequest, Supporter, User
from tests.browser.conftest import assert_accessible, assert_no_browser_errors, serious_violations
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
# Babel locale (supporter's setting) → the public form's ``?lang=`` code.
LANGUAGES = {"ja": "ja", "en": "en", "vi": "vi", "pt": "pt", "ja@easy": "ja-x-easy"}
CONSOLE_LANGUAGES = ("ja", "en")
SKIPPED_MIMETYPES = ("text/calendar", "application/json", "text/javascript")

# Every target a finger or pointer activates: its box (a radio or checkbox together with its
# label, which activates it too), whether it is a link inside a sentence (the SC's exception).
TARGETS_JS = """() => {
  const seen = new Set();
  const out = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[role=button], [role=link], [tabindex]:not([tabindex='-1'])";
  for (const el of document.querySelectorAll(selector)) {
    let box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    const label = (el.type === "radio" || el.type === "checkbox")
      ? (el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`)))
      : null;
    if (label) {
      if (seen.has(label)) continue;
      seen.add(label);
      const l = label.getBoundingClientRect();
      const left = Math.min(box.left, l.left), top = Math.min(box.top, l.top);
      box = { left, top, width: Math.max(box.right, l.right) - left,
              height: Math.max(box.bottom, l.bottom) - top };
    }
    const block = el.closest("p, li, td, dd, span.hint, label");
    const inline = el.tagName === "A" && style.display === "inline" && block
      && block.textContent.trim().length > el.textContent.trim().length + 1;
    out.push({ name: (el.textContent || el.value || el.name || el.tagName).trim().slice(0, 40),
               x: box.left + scrollX, y: box.top + scrollY, w: box.width, h: box.height,
               inline: Boolean(inline) });
  }
  return out;
}"""


def in_db(live_server, query):
    with live_server.app.app_context():
        try:
            return query()
        finally:
            db.session.commit()


def _set_locale(email: str, locale: str):
    def change():
        user = db.session.scalar(select(User).where(User.email == email))
        user.locale = locale
        db.session.commit()

    return change


def sweep(page, base_url: str, paths, name: str, targets: bool = False) -> None:
    """Open each page; collect every problem (a page that fails, axe, 2.5.8), then assert."""
    problems = {}
    for path in paths:
        response = page.goto(base_url + path)
        if response.headers.get("content-type", "").startswith(SKIPPED_MIMETYPES):
            continue
        if not response.ok:
            problems[path] = f"HTTP {response.status}"
            continue
        found = serious_violations(page)
        if targets:
            found += [("target-size-2.5.8", p) for p in small_targets(page)]
        if found:
            problems[path] = found
    assert not problems, f"{name}: {problems}"


def small_targets(page) -> list[str]:
    """Targets under 24 × 24 px without the spacing that SC 2.5.8 accepts instead."""

    def centre(t):
        return t["x"] + t["w"] / 2, t["y"] + t["h"] / 2

    def distance_to_box(point, t):
        dx = max(t["x"] - point[0], 0, point[0] - (t["x"] + t["w"]))
        dy = max(t["y"] - point[1], 0, point[1] - (t["y"] + t["h"]))
        return (dx * dx + dy * dy) ** 0.5

    targets = [t for t in page.evaluate(TARGETS_JS) if not t["inline"]]
    small = [t for t in targets if t["w"] < 24 - 0.5 or t["h"] < 24 - 0.5]
    problems = []
    for t in small:
        here = centre(t)
        for other in targets:
            if other is t:
                continue
            if other in small:
                there = centre(other)
                close = ((here[0] - there[0]) ** 2 + (here[1] - there[1]) ** 2) ** 0.5 < 24
            else:
                close = distance_to_box(here, other) < 12
            if close:
                problems.append(
                    f"{t['name']!r} {t['w']:.0f}×{t['h']:.0f} next to {other['name']!r}"
                )
                break
    return problems


# --- worlds ------------------------------------------------------------------------------------


def _supporter_world() -> dict:
    """An open offer, an accepted assignment and a logged case for the demo supporter."""
    from supporters.help_requests import offers
    from supporters.help_requests.intake import ConsentGiven, RequestDraft, take_request
    from supporters.models import ConsentChannel, Mode, RequestCategory, RequestSource
    from tests.conftest import jst_at

    user = db.session.scalar(select(User).where(User.email == "supporter@example.jp"))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.jp"))
    made = []
    for days in (2, 6):
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
            place_name="古河市役所 2階 国際交流課",
        )
        request = take_request(draft, ConsentGiven("2026-04", "vi", ConsentChannel.PHONE), None)
        (offer,) = offers.send_offers(request, [user.supporter_id], coordinator)
        made.append((request.id, offer.id))
    db.session.flush()
    offers.accept(made[1][1], user.supporter_id, user)
    activity_id = db.session.scalar(
        select(Activity.id).where(Activity.supporter_id == user.supporter_id).order_by(Activity.id)
    )
    return {"offer_id": made[0][1], "request_id": made[1][0], "activity_id": activity_id}


def _supporter_pages(app, ids: dict) -> list[str]:
    """Every GET page of the portal blueprint, its arguments filled from ``ids``."""
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("portal.")),
        key=lambda r: r.rule,
    )
    pages = []
    for rule in rules:
        if "GET" not in rule.methods or rule.rule.endswith((".ics", ".js", ".json", "manifest")):
            continue
        missing = set(rule.arguments) - set(ids)
        assert not missing, f"add a value for {missing} ({rule.endpoint}) to _supporter_world"
        pages.append(rule.build({a: ids[a] for a in rule.arguments})[1])
    return [*pages, "/notifications/"]


def _console_pages() -> list[str]:
    request_id = db.session.scalar(select(HelpRequest.id).order_by(HelpRequest.id.desc()))
    supporter_id = db.session.scalar(select(Supporter.id).order_by(Supporter.id))
    return [
        "/dashboard/",
        "/requests/",
        f"/requests/{request_id}",
        "/supporters/",
        f"/supporters/{supporter_id}",
        "/activities/",
        "/stipends/",
        "/coverage/",
        "/coverage/matrix",
        "/coverage/map",
        "/reports/",
        "/imports/",
    ]


@pytest.fixture(scope="module")
def world(live_server):
    return in_db(live_server, _supporter_world)


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", LANGUAGES)
def test_supporter_pages(new_page, live_server, base_url, world, locale, viewport):
    in_db(live_server, _set_locale("supporter@example.jp", locale))
    page = new_page(viewport=VIEWPORTS[viewport], service_workers="block")
    sign_in(page, base_url, "supporter@example.jp")
    pages = _supporter_pages(live_server.app, world)
    sweep(page, base_url, pages, f"supporter {locale} {viewport}", targets=True)
    assert_no_browser_errors(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", LANGUAGES)
def test_resident_pages(new_page, base_url, locale, viewport):
    code = LANGUAGES[locale]
    page = new_page(viewport=VIEWPORTS[viewport])
    page.goto(f"{base_url}/help/?lang={code}")
    assert_accessible(page, f"public form {locale} {viewport}")  # privacy notice included
    assert page.locator("#privacy-title").count() == 1
    page.locator("main form [type=submit]").last.click()  # sent empty: every error shows
    page.wait_for_selector(".flash-error")
    page.wait_for_load_state("load")  # axe measures targets only once the style sheets apply
    for box in page.locator(".flash-error li > a").evaluate_all(
        "links => links.map(a => a.getBoundingClientRect().height)"
    ):
        assert box >= 24, "each link of the error summary is a 24 px target (WCAG 2.5.8)"
    assert_accessible(page, f"public form errors {locale} {viewport}")
    if page.request.get(f"{base_url}/help/status").ok:  # the resident's status page (issue 16)
        page.goto(f"{base_url}/help/status?lang={code}")
        assert_accessible(page, f"public status {locale} {viewport}")
    assert_no_browser_errors(page)


def test_resident_sent_page(new_page, base_url):
    """The confirmation after a real request, then the same page in each language."""
    from datetime import datetime, timedelta

    from supporters.clock import JST

    page = new_page(viewport=VIEWPORTS["phone"])
    page.goto(f"{base_url}/help/?lang=en")
    day = (datetime.now(JST).date() + timedelta(days=7)).isoformat()
    page.locator("input[name=category]").first.check()
    page.locator("input[name=mode]").first.check()
    page.locator("#language").select_option("vi")
    page.locator("#on").fill(day)
    page.locator("#time_from").fill("09:30")
    page.locator("#time_to").fill("12:00")
    page.locator("#municipality").select_option(index=1)
    page.locator("#place_name").fill("City hall")
    page.locator("#name").fill("Test Resident")
    page.locator("#contact").fill("090-1234-5678")
    page.locator("#need").fill("Forms")
    page.locator("#consent").check()
    page.locator("main form [type=submit]").last.click()
    errors = page.locator(".error").all_inner_texts()
    assert not errors, errors
    page.wait_for_url("**/help/sent**")
    for locale, code in LANGUAGES.items():
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.goto(f"{base_url}/help/sent?lang={code}")
            assert page.locator(".reference-number").count() == 1
            assert_accessible(page, f"public sent {locale} {name}")
    assert_no_browser_errors(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", CONSOLE_LANGUAGES)
def test_console_pages(new_page, live_server, base_url, locale, viewport):
    in_db(live_server, _set_locale("coordinator@example.jp", locale))
    page = new_page(viewport=VIEWPORTS[viewport])
    sign_in(page, base_url, "coordinator@example.jp")
    sweep(page, base_url, in_db(live_server, _console_pages), f"console {locale} {viewport}")
    assert_no_browser_errors(page)


HELP_FIRST_IN_FOOTER = """() => {
  const foot = document.querySelector("footer");
  const first = foot && foot.firstElementChild;
  return first ? [first.dataset.testid || first.tagName, first.textContent] : null;
}"""


def test_same_help_in_the_same_place_on_every_supporter_and_resident_page(
    new_page, live_server, base_url, world
):
    """WCAG 3.2.6 consistent help: the office's phone and e-mail are the footer's first line on
    every supporter and resident page (docs/accessibility.md)."""
    from supporters.programme.settings import current

    office = in_db(live_server, current)
    assert office.contact_phone, "the demo programme has a contact phone"
    in_db(live_server, _set_locale("supporter@example.jp", "ja"))
    page = new_page(viewport=VIEWPORTS["phone"], service_workers="block")
    resident = ["/help/", "/help/?lang=vi", "/help/?lang=ja-x-easy"]
    if page.request.get(f"{base_url}/help/status").ok:
        resident.append("/help/status")
    sign_in(page, base_url, "supporter@example.jp")
    supporter = _supporter_pages(live_server.app, world)
    for path in resident + supporter:
        page.goto(f"{base_url}{path}")
        found = page.evaluate(HELP_FIRST_IN_FOOTER)
        assert found and found[0] == "help-contact", (path, found)
        assert office.contact_phone in found[1], (path, found)
        link = page.get_by_test_id("help-contact").locator("a[href^='tel:']")
        assert link.count() == 1, path
    assert_no_browser_errors(page)
