"""The coverage matrix and map in a real Chromium, as a coordinator on a 1,120 px window.

1. The matrix scrolls inside its own box: after scrolling far right and down, the header row and
   the municipality column are still in view. Each cell holds one figure, chosen by a selector
   (residents / supporters in reach / requests); the other figures open from the cell itself
   with the keyboard (a ``<details>``), so nothing needs hover. The page never scrolls sideways.
2. The map is a tile grid: one labelled square per municipality with its figures printed, a
   legend in Japanese, and the same figures as a table.

Both pages pass axe-core (WCAG 2.2 AA) with no serious or critical violation.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
)
from tests.browser.test_request_story import sign_in

pytestmark = pytest.mark.browser
WINDOW = {"width": 1120, "height": 800}


def test_matrix_keeps_its_headers_in_view_and_shows_one_figure_per_cell(new_page, base_url):
    page = new_page(viewport=WINDOW, locale="ja-JP")
    sign_in(page, base_url, "coordinator@example.jp")
    page.goto(base_url + "/coverage/matrix")
    matrix = page.get_by_test_id("matrix")
    expect(matrix).to_be_visible()
    expect(page.get_by_text("開始時刻")).to_have_count(0)  # month pickers, not clock times

    # One figure per cell: no "1,639 / 4 / 15".
    figures = page.get_by_test_id("cell-figure").all_inner_texts()
    assert figures and all(re.fullmatch(r"[\d,]+|X", text.strip()) for text in figures), figures[:5]

    # Scroll the matrix box far right and down: header row and municipality column stay put.
    wrap = page.locator(".matrix-wrap")
    wrap.evaluate("box => { box.scrollLeft = box.scrollWidth; box.scrollTop = box.scrollHeight; }")
    box = wrap.bounding_box()
    header = page.locator(".matrix thead th").nth(1).bounding_box()
    last_row_name = page.locator(".matrix tbody tr:last-child th").bounding_box()
    assert abs(header["y"] - box["y"]) < 3, (header, box)
    assert abs(last_row_name["x"] - box["x"]) < 3, (last_row_name, box)
    assert_accessible(page, "coverage-matrix", WINDOW["width"])

    # Headers never break inside a word (住/民, スコ/ア): each fits on one line.
    heights = page.locator(".matrix thead th").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().height)"
    )
    assert max(heights) < 2.2 * min(heights), heights

    # The other figures open from the cell with the keyboard, no hover needed.
    first = page.locator(".matrix details.cell").first
    first.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(first.locator(".cell-facts")).to_be_visible()
    expect(first.locator(".cell-facts")).to_contain_text("外国人住民数")

    # Choose another figure and keep only the gaps.
    page.get_by_test_id("matrix-show").select_option("reach")
    page.get_by_label("空白のある市町村だけ").check()
    page.get_by_test_id("coverage-filters").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"show=reach"))
    expect(page.get_by_test_id("matrix-figure-hint")).to_contain_text("対面で対応できる")
    assert page.locator(".matrix tbody tr").count() >= 1


def test_map_is_a_labelled_tile_grid_with_a_japanese_legend_and_a_table(new_page, base_url):
    page = new_page(viewport=WINDOW, locale="ja-JP")
    sign_in(page, base_url, "coordinator@example.jp")
    page.goto(base_url + "/coverage/map")
    svg = page.get_by_test_id("gap-map").locator("svg")
    expect(svg).to_be_visible()
    tiles = svg.locator("g[data-municipality]")
    count = tiles.count()
    assert count >= 10
    # Every tile prints its name and figures (no hover needed).
    for index in range(count):
        texts = tiles.nth(index).locator("text").all_text_contents()
        assert len(texts) == 3 and all(t.strip() for t in texts), texts
    legend = svg.locator("g.legend").text_content()
    assert not re.search(r"[A-Za-z]{3,}", legend), legend  # no English legend in Japanese
    table = page.get_by_test_id("map-table")
    expect(table.locator("tbody tr")).to_have_count(count)
    assert_accessible(page, "coverage-map", WINDOW["width"])
