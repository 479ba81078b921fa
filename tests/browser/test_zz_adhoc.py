from playwright.sync_api import expect
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_console import OVERFLOWING
from supporters.demo.seed import DEMO_PASSWORD

def test_adhoc(new_page, base_url):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True)
    page.goto(base_url + "/")
    page.locator("main #email").fill("coordinator@example.jp")
    page.locator("main #password").fill(DEMO_PASSWORD)
    page.locator("main form #submit").click()
    expect(page).to_have_url(base_url + "/dashboard/")
    for path in ["/supporters/1", "/supporters/1/edit", "/supporters/new"]:
        page.goto(base_url + path)
        print(path, page.evaluate("document.documentElement.scrollWidth"), page.evaluate(OVERFLOWING))
        page.add_style_tag(content=".columns { grid-template-columns: repeat(auto-fit, minmax(min(22rem, 100%), 1fr)); } select, input, textarea { max-width: 100%; }")
        print("  with fix", page.evaluate("document.documentElement.scrollWidth"), page.evaluate(OVERFLOWING))
    page.goto(base_url + "/supporters/1/edit")
    screenshot(page, "adhoc-phone-edit")
