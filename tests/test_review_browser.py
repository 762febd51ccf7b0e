"""A reviewer's pass in a real browser (Debian's Chromium, Playwright): the map, the difference map and the
report name the prefectures and the county-seat network; the report's maps carry a scale bar. Screenshots of the map and compare pages and
three report pages go to tests/artifacts/review-*.png (the ones in docs/ were taken so)."""
import re

import pytest
from test_app_browser import ARTIFACTS, _go, _wait_idle, app_url, page, runs_dir  # noqa: F401 (fixtures)
from tile_server import tile_server

from wasteopt import RunRegistry
from wasteopt.reporting.report import write_report

pytestmark = pytest.mark.browser
SOLVE_S = "15"  # seconds: enough for the warm-started second solve on a loaded machine
PREFECTURES = re.compile("郑州市|开封市|洛阳市|平顶山市|安阳市|鹤壁市|新乡市|焦作市|濮阳市|许昌市|漯河市|三门峡市|南阳市|商丘市|"
                         "信阳市|周口市|驻马店市|济源市")


def _solve(page, expect, before: str = "") -> str:
    """Press Solve and wait for a run other than ``before`` to be saved; its id."""
    page.get_by_role("button", name="求解").click()
    saved = page.get_by_text(re.compile("已保存为运行"))
    expect(saved).to_be_visible(timeout=120_000)
    if before:
        expect(saved).not_to_contain_text(before, timeout=120_000)
    _wait_idle(page)
    return re.search(r"\d{8}-\d{6}-[0-9a-f]{6}", saved.inner_text()).group(0)


def _hover_map(page, expect, fraction_x: float, fraction_y: float):
    deck = page.get_by_test_id("stDeckGlJsonChart").last
    deck.locator("canvas").first.wait_for()
    page.wait_for_timeout(2000)  # let deck.gl draw
    deck.scroll_into_view_if_needed()
    box = deck.bounding_box()
    page.mouse.move(box["x"] + fraction_x * box["width"], box["y"] + fraction_y * box["height"])
    tooltip = page.locator(".deck-tooltip")
    expect(tooltip).to_contain_text(PREFECTURES)
    return tooltip.inner_text()


def test_map_difference_map_and_report_name_the_prefectures(page, app_url, runs_dir):
    from playwright.sync_api import expect

    page.goto(app_url)
    page.get_by_role("heading", name="情景与求解").wait_for()
    _wait_idle(page)
    limit = page.get_by_label("求解时间上限 (s)")
    limit.fill(SOLVE_S)
    limit.press("Enter")
    _wait_idle(page)
    first = _solve(page, expect)
    haul = page.get_by_test_id("stSlider").filter(has_text="最大运距").get_by_role("slider")
    haul.focus()
    haul.press("ArrowLeft")
    _wait_idle(page)
    _solve(page, expect, before=first)

    _go(page, "地图")
    deck = page.get_by_test_id("stDeckGlJsonChart").last
    deck.locator("canvas").first.wait_for()
    page.wait_for_timeout(2500)  # let deck.gl draw
    page.screenshot(path=ARTIFACTS / "review-map.png")  # the map as it opens (names, scale bar), the legend under it
    expect(page.get_by_text("县城连线（相邻县）")).to_be_visible()  # the county-seat network in the legend
    county = _hover_map(page, expect, 0.45, 0.45)  # a county in the middle of Henan and its prefecture
    assert "t/d" in county
    page.screenshot(path=ARTIFACTS / "review-map-tooltip.png")

    with tile_server() as (template, asked):  # the optional basemap: the browser fetches the tiles under the map
        assert not asked
        tiles = page.get_by_label("在线底图瓦片（可选）", exact=True).and_(page.get_by_test_id("stTextInputField"))
        tiles.fill(template)
        tiles.press("Enter")
        _wait_idle(page)
        expect(page.get_by_text(re.compile("底图瓦片：127.0.0.1"))).to_be_visible(timeout=60_000)
        page.wait_for_timeout(3000)  # let deck.gl fetch and draw the tiles
        assert {re.fullmatch(r"/(\d+)/\d+/\d+\.png", path).group(1) for path in asked} == {"7"}  # Henan: zoom 6.x + 1
        page.get_by_test_id("stDeckGlJsonChart").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "review-map-tiles.png")
        tiles.fill("")
        tiles.press("Enter")
        _wait_idle(page)

    _go(page, "方案比较")
    _hover_map(page, expect, 0.5, 0.5)  # the difference map names the prefecture too
    expect(page.get_by_text("县城连线（相邻县）")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "review-compare-map.png")
    bars = page.get_by_test_id("stVegaLiteChart").nth(3)  # the Δ bars: each run by its short name, titles whole
    bars.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    expect(bars).to_contain_text("每个运行减去基准 A")
    page.screenshot(path=ARTIFACTS / "review-compare-bars.png")

    records = RunRegistry(runs_dir / "registry.sqlite").records()
    files = write_report(records[0].out_dir, pdf=False, base_dir=records[1].out_dir)
    page.set_viewport_size({"width": 1200, "height": 1500})
    page.goto(files["html"].resolve().as_uri())
    expect(page.get_by_role("heading", name=re.compile("目标达成 Goals"))).to_be_visible()
    expect(page.locator("p.note").filter(has_text="比例尺 scale bar")).to_contain_text(PREFECTURES)
    expect(page.locator("p.note").filter(has_text="比例尺 scale bar")).to_contain_text("县城连线 county-seat network")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 500)")
    page.screenshot(path=ARTIFACTS / "review-report-goals.png")
    for heading, name in (("地图 Maps", "map"), ("假设 Assumptions", "assumptions")):
        page.get_by_role("heading", name=heading).evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=ARTIFACTS / f"review-report-{name}.png")
    text = page.locator("body").inner_text()
    assert "DOMAIN" not in text and "来源 source" in text and "假设 assumption" in text
