"""End to end in a real headless browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

The planner's flow, and a solve that outlives the page: leave the page mid-solve, come back, the result is shown.

Screenshots of every page go to tests/artifacts/ (git-ignored). The time from clicking Solve
after one knob changed to the result on screen is printed, not asserted.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIME_LIMIT_S = "4"  # seconds per solve: any feasible plan will do, and the suite stays fast
TIMEOUT_MS = 90_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory) -> Path:
    """The app's runs/ folder (its registry and run folders)."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def app_url(runs_dir):
    """`streamlit run app.py` on a free localhost port, with its own runs/ folder."""
    port = _free_port()
    env = {**os.environ, "WASTEOPT_RUNS_DIR": str(runs_dir)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "streamlit.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none"],  # other edits in the tree must not pop up "source changed"
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
        assert server.poll() is None, "streamlit exited while starting"
    else:
        pytest.fail("streamlit did not become healthy within 60 s")
    yield url
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:  # a solve still running in the app's worker thread
        server.kill()
        server.wait()
    log.seek(0)
    assert "Traceback" not in log.read(), "the app logged a traceback"
    log.close()


@pytest.fixture(scope="module")
def page(app_url):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: run `make sysdeps`")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        yield page
        page.screenshot(path=ARTIFACTS / "last.png", full_page=True)  # where the flow stopped, if it failed
        browser.close()


def _wait_idle(page):
    """Until Streamlit's script has finished its rerun."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=TIMEOUT_MS)


def _go(page, title: str):
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).wait_for()
    _wait_idle(page)


def _saved_run_id(page) -> str:
    text = page.get_by_text(re.compile("已保存为运行")).inner_text()
    return re.search(r"\d{8}-\d{6}-[0-9a-f]{6}", text).group(0)


def test_planner_flow_in_the_browser(page, app_url, tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()

    def step(name: str) -> None:
        print(f"  {time.monotonic() - started:6.1f} s  {name}", flush=True)

    page.goto(app_url)
    page.get_by_role("heading", name="情景与求解").wait_for()
    _wait_idle(page)
    step("scenario page shown")
    limit = page.get_by_label("求解时间上限 (s)")
    limit.fill(TIME_LIMIT_S)
    limit.press("Enter")
    _wait_idle(page)

    step("time limit set")
    page.get_by_role("button", name="求解").click()
    expect(page.get_by_text(re.compile("已保存为运行"))).to_be_visible(timeout=TIMEOUT_MS)
    first_run = _saved_run_id(page)
    expect(page.get_by_test_id("stTable").filter(has_text="焚烧处理能力").first).to_be_visible()

    step("first solve shown")
    # One knob: the max-haul slider one step (5 km) down, by keyboard like a person would.
    haul = page.get_by_test_id("stSlider").filter(has_text="最大运距").get_by_role("slider")
    haul.focus()
    haul.press("ArrowLeft")
    expect(haul).to_have_value("145")
    _wait_idle(page)
    expect(page.get_by_text(re.compile("参数已改动"))).to_be_visible()

    step("knob changed")
    clicked = time.monotonic()
    page.get_by_role("button", name="求解").click()
    expect(page.get_by_text(re.compile("已保存为运行"))).not_to_contain_text(first_run, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stTable").filter(has_text="焚烧处理能力").first).to_be_visible()
    seconds = time.monotonic() - clicked
    print(f"\nre-solve after one knob change, click → KPI table shown: {seconds:.1f} s "
          f"(solver time limit {TIME_LIMIT_S} s)")
    second_run = _saved_run_id(page)
    assert second_run != first_run
    expect(page.get_by_text(re.compile(r"求解完成：.*差距 [\d.]+ %"))).to_be_visible()  # status and proven gap
    page.screenshot(path=ARTIFACTS / "scenario.png", full_page=True)

    step("re-solve shown")
    _go(page, "地图")
    page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for()
    page.wait_for_timeout(2000)  # let deck.gl draw
    page.screenshot(path=ARTIFACTS / "map.png", full_page=True)
    box = page.get_by_test_id("stDeckGlJsonChart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".deck-tooltip")).to_contain_text("t/d")  # hover: tonnes and km
    page.screenshot(path=ARTIFACTS / "map_tooltip.png")

    step("map drawn")
    _go(page, "方案比较")
    # the tables' columns are A (the base) and B, Δ B, Δ % B; the caption says which run is which: the second
    # run's title says what changed
    legend = page.get_by_test_id("stCaptionContainer").filter(has_text="B = ")
    expect(legend).to_contain_text("最大运距 150 km → 145 km")
    expect(legend).to_contain_text(second_run)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)
    page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for()
    page.wait_for_timeout(2000)
    page.screenshot(path=ARTIFACTS / "compare.png", full_page=True)
    page.get_by_test_id("stVegaLiteChart").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "compare_charts.png")
    page.get_by_test_id("stVegaLiteChart").nth(4).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "compare_bars.png")  # capacity, utilisation, t·km, cost, CO2e
    page.get_by_test_id("stDeckGlJsonChart").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "compare_map.png")

    step("compare drawn")
    _go(page, "收运路线")
    limit = page.get_by_label("求解时间上限 (s)")
    limit.fill("2")
    limit.press("Enter")
    _wait_idle(page)
    page.get_by_role("button", name="规划路线").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="车辆").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for()
    page.wait_for_timeout(2000)
    page.get_by_test_id("stDeckGlJsonChart").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "routes.png")

    step("routes drawn")
    _go(page, "导出")
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("GeoPackage")).click()
    download = download_info.value
    assert re.fullmatch(r"[\w\-.]+\.gpkg", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("GeoJSON：厂站")).click()
    geojson = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(geojson)
    assert geojson.suffix == ".geojson" and '"FeatureCollection"' in geojson.read_text(encoding="utf-8")
    page.get_by_role("button", name="生成审阅报告（HTML + XLSX）").click()
    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name=re.compile("审阅报告 \\(.html\\)")).click(timeout=120_000)
    report = download_info.value
    assert report.suggested_filename.endswith("_report.html")
    report.save_as(tmp_path / "report.html")
    report_html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "目标达成 Goals" in report_html and "data:image/png;base64," in report_html
    page.screenshot(path=ARTIFACTS / "export.png", full_page=True)

    step("downloaded")
    import geopandas as gpd
    import pyogrio

    assert {"plants", "demand", "flows"} <= {name for name, _ in pyogrio.list_layers(target)}
    plants = gpd.read_file(target, layer="plants")
    assert len(plants) > 0 and plants.crs.to_epsg() == 4326
    assert len(gpd.read_file(target, layer="demand")) == 157

    page.get_by_test_id("stSidebar").get_by_text("English").click()
    page.get_by_role("heading", name="Export").wait_for()
    _go(page, "Map")
    page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "map_en.png", full_page=True)


def test_a_solve_outlives_leaving_the_page(page, app_url):
    """Change a knob, Solve, go to another page while it runs, come back: the finished result is shown."""
    from playwright.sync_api import expect

    page.goto(app_url)
    page.get_by_role("heading", name="情景与求解").wait_for()
    _wait_idle(page)
    growth = page.get_by_test_id("stSlider").filter(has_text="年增长率").get_by_role("slider")
    growth.focus()
    growth.press("ArrowRight")  # 2 % → 2.1 % (a step of 0.1 %/yr): a scenario no test solved before
    _wait_idle(page)
    for label, value in (("目标差距 (%)", "0"), ("求解时间上限 (s)", "12")):  # gap 0: the solve runs its 12 s
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        _wait_idle(page)
    expect(page.get_by_text("求解至已证明差距 ≤ 0 % 或 12 s（先到为准）")).to_be_visible()
    page.get_by_role("button", name="求解").click()
    expect(page.get_by_text(re.compile("求解中"))).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=ARTIFACTS / "solving.png", full_page=True)
    _go(page, "方案比较")
    page.wait_for_timeout(3000)
    page.get_by_test_id("stSidebarNav").get_by_text("情景与求解", exact=True).click()
    expect(page.get_by_text(re.compile("已保存为运行"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("参数已改动"))).to_have_count(0)
    expect(page.get_by_text(re.compile("年增长率 2 % → 2.1 %")).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "returned.png", full_page=True)


def test_stop_ends_a_long_solve_with_its_best_plan(page, app_url):
    """A solve asked for a 0 % gap in 600 s: the chart shows its best plan and bound, Stop ends it at once with
    that plan saved."""
    from playwright.sync_api import expect

    page.goto(app_url)
    page.get_by_role("heading", name="情景与求解").wait_for()
    _wait_idle(page)
    haul = page.get_by_test_id("stSlider").filter(has_text="最大运距").get_by_role("slider")
    haul.focus()
    haul.press("ArrowRight")  # 150 → 155 km: not solved before
    _wait_idle(page)
    for label, value in (("目标差距 (%)", "0"), ("求解时间上限 (s)", "600")):
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        _wait_idle(page)
    page.get_by_role("button", name="求解").click()
    expect(page.get_by_text(re.compile(r"最好方案 [\d,]+ 万元/年 · 下界 [\d,]+ 万元/年"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "progress.png", full_page=True)
    pressed = time.monotonic()
    page.get_by_role("button", name="停止并保留最好方案").click()
    expect(page.get_by_text(re.compile("已保存为运行"))).to_be_visible(timeout=TIMEOUT_MS)
    print(f"\nStop pressed → result shown: {time.monotonic() - pressed:.1f} s (of a 600 s limit)")
    expect(page.get_by_text(re.compile(r"求解完成：已停止（保留最好方案.*差距 [\d.]+ %"))).to_be_visible()
    expect(page.get_by_text(re.compile("最大运距 150 km → 155 km")).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "stopped.png", full_page=True)


def test_robustness_page_and_report_section_in_the_browser(page, app_url, runs_dir, tiny_seeds, tmp_path):
    """A plan for three futures on two real counties (see test_futures.py), solved into the app's runs folder:
    the robustness page shows its figures and both heat maps in 中文 and English, and its report's futures
    section (heat map image and table) renders."""
    from playwright.sync_api import expect
    from test_futures import write_tiny_futures

    from wasteopt import load_scenario, run_scenario
    from wasteopt.reporting.report import write_report
    from wasteopt.runs.registry import RunRegistry

    scenario = load_scenario(write_tiny_futures(tmp_path, tiny_seeds))
    run_scenario(scenario, runs_dir / "futures", registry=RunRegistry(runs_dir / "registry.sqlite"), source="test",
                 report=write_report)
    page.goto(app_url)
    _wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("中文").click()
    _wait_idle(page)
    _go(page, "多情景稳健性")
    expect(page.get_by_test_id("stMetric").filter(has_text="随机解价值 VSS (万元/年)")).to_contain_text("∞")
    expect(page.get_by_test_id("stMetric").filter(has_text="政策溢价 (万元/年)")).to_contain_text("1,513")
    expect(page.get_by_text("均值问题方案在 fast (262 t/d) 超出原生垃圾填埋上限")).to_be_visible()
    expect(page.get_by_text("年增长率 2 % → 6 %")).to_be_attached()  # a cell of the futures table (drawn on a canvas)
    expect(page.get_by_test_id("stMetric").filter(has_text="完全信息期望价值 EVPI (万元/年)")).to_contain_text("1,569")
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    expect(page.get_by_text("中心情景：mid")).to_be_visible()
    page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first.wait_for()
    page.wait_for_timeout(1500)  # let Vega draw
    page.screenshot(path=ARTIFACTS / "robust.png", full_page=True)

    page.get_by_test_id("stSidebar").get_by_text("English").click()
    page.get_by_role("heading", name="Robustness").wait_for()
    expect(page.get_by_test_id("stMetric").filter(has_text="value of the stochastic solution, VSS")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "robust_en.png", full_page=True)

    page.goto((runs_dir / "futures" / "report.html").as_uri())
    section = page.get_by_role("heading", name="多情景稳健规划 One plan for several futures (3)")
    expect(section).to_be_visible()
    heat_map = page.get_by_alt_text("cost and landfill per plan and future")
    expect(heat_map).to_be_visible()
    assert heat_map.evaluate("img => img.naturalWidth") > 0
    heat_map.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "report_futures.png")
