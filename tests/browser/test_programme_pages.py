"""The new programme's pages in a real Chromium, measured with axe-core (WCAG 2.2 AA rules).

1. The admin opens 事業の設定 from the navigation, renames the programme in English, and the
   footer and the history below the form say so at once.
2. A programme that has not started yet: the admin lands on the first-run page from the
   dashboard, chooses the prefecture and starts it; the settings page follows.
3. The coordinator downloads the supporters' Excel template, uploads a filled-in CSV in Japanese,
   sees each row's "new" in the preview and confirms.

Every page passes axe-core with no serious or critical violation, and none scrolls sideways at
1366 px.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select, update

from supporters import tenancy
from supporters.extensions import db
from supporters.models import Programme, ProgrammeChange, Supporter
from tests.browser.conftest import (
    assert_accessible,
)
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}


def in_db(live_server, query):
    with live_server.app.app_context():
        try:
            return query()
        finally:
            db.session.commit()


def test_the_admin_renames_the_programme_and_the_footer_follows(new_page, base_url):
    page = new_page(viewport=DESKTOP, locale="ja-JP")
    sign_in(page, base_url, "admin@example.jp")
    page.get_by_role("navigation", name="メイン").get_by_role("link", name="事業の設定").click()
    expect(page.locator("main h1")).to_have_text("事業の設定")
    assert_accessible(page, "programme-settings", DESKTOP["width"])

    page.locator("main #name_en").fill("IBARAKI Native Language Supporters")
    page.locator("main form #submit").click()
    expect(page.locator("main .flash-ok")).to_be_visible()
    expect(page.get_by_test_id("programme-name")).to_contain_text(
        "いばらき母国語コミュニケーションサポーター"
    )
    expect(page.locator("main")).to_contain_text("IBARAKI Native Language Supporters")
    page.goto(f"{base_url}/dashboard/")
    page.locator("header form.switcher select[name=language]").select_option("en")
    expect(page.get_by_test_id("programme-name")).to_contain_text(
        "IBARAKI Native Language Supporters"
    )
    page.locator("header form.switcher select[name=language]").select_option("ja")


def test_a_programme_not_yet_started_is_started_from_the_first_run_page(
    new_page, base_url, live_server
):
    def forget_the_programme():
        db.session.execute(delete(ProgrammeChange))
        # The records become nobody's again (as before any programme): the programme that
        # starts adopts them.
        for table in tenancy.owned_tables():
            column = table.c.programme_id
            nobody = None if column.nullable else tenancy.NO_PROGRAMME_YET
            db.session.execute(update(table).values(programme_id=nobody))
        for programme in db.session.scalars(select(Programme)):
            db.session.delete(programme)  # through the ORM: every process notices

    in_db(live_server, forget_the_programme)
    page = new_page(viewport=DESKTOP, locale="ja-JP")
    sign_in(page, base_url, "admin@example.jp")
    page.goto(f"{base_url}/programme/")
    expect(page).to_have_url(f"{base_url}/programme/start")
    assert_accessible(page, "programme-start", DESKTOP["width"])
    page.locator("main #prefecture_code").select_option("08")
    page.locator("main #name_ja").fill("いばらき母国語コミュニケーションサポーター")
    page.get_by_test_id("programme-start-form").locator("[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/programme/")
    expect(page.locator("main .flash-ok")).to_be_visible()
    assert in_db(live_server, lambda: db.session.scalar(select(Programme.prefecture_code))) == "08"


def test_the_coordinator_imports_a_japanese_file_after_a_preview(new_page, base_url, live_server):
    page = new_page(viewport=DESKTOP, locale="ja-JP")
    sign_in(page, base_url, "coordinator@example.jp")
    page.goto(f"{base_url}/imports/")
    assert_accessible(page, "imports", DESKTOP["width"])
    with page.expect_download() as download:
        page.get_by_test_id("templates").locator(
            "a[href*='kind=supporters'][href*='xlsx']"
        ).first.click()
    assert download.value.suggested_filename.endswith(".xlsx")

    rows = (
        "氏名,メール,電話,居住市町村,言語,日本語レベル,対応方法\r\n"
        "ブラウザ タロウ,browser-taro@example.jp,090-5555-0001,水戸,ベトナム語:母語,N2,"
        "対面;電話\r\n"
    )
    page.locator("main select[name=kind]").select_option("supporters")
    page.locator("main input[type=file]").set_input_files(
        {"name": "名簿.csv", "mimeType": "text/csv", "buffer": rows.encode("cp932")}
    )
    page.locator("main form").filter(has=page.locator("input[type=file]")).locator(
        "[type=submit]"
    ).click()
    expect(page.get_by_test_id("confirm-form")).to_be_visible()
    expect(page.locator("main")).to_contain_text("水戸 → 08201")
    assert_accessible(page, "imports-preview", DESKTOP["width"])
    page.get_by_test_id("confirm-form").locator("[type=submit]").click()
    expect(page.locator("main .flash-ok")).to_be_visible()
    found = in_db(
        live_server,
        lambda: db.session.scalar(
            select(Supporter.home_municipality_code).where(
                Supporter.email == "browser-taro@example.jp"
            )
        ),
    )
    assert found == "08201"
