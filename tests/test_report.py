"""The review report of a small real run: goal table, embedded maps, XLSX sheets; PDF only with a browser."""
import base64
import json
import re
import shutil

import openpyxl
import pandas as pd
import pytest

from wasteopt import compute_kpis, export_plan, load_scenario, solve_scenario
from wasteopt.reporting.report import write_report
from wasteopt.reporting.report.figures import setup_fonts
from wasteopt.bench.synthetic import write_seed_subset


@pytest.fixture(scope="module")
def run_dir(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    (folder / "tiny.yaml").write_text(
        f"name: 周口 tiny\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
        # zero landfill, so the plan builds: landfill is cheaper than a new plant at the coal benchmark price
        "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 20, rel_gap: 0.0}\n", encoding="utf-8")
    plan = solve_scenario(load_scenario(folder / "tiny.yaml"))
    export_plan(plan, compute_kpis(plan), folder / "run")
    return folder / "run"


def test_report_has_goal_table_maps_and_sheets(run_dir, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)  # no browser: HTML + XLSX only
    files = write_report(run_dir)
    assert set(files) == {"html", "xlsx"}
    page = files["html"].read_text(encoding="utf-8")
    assert "目标达成 Goals" in page and "原生垃圾零填埋 zero raw MSW landfill" in page
    assert re.search(r"达成 MET|未达成 NOT MET", page)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    assert "http://" not in page.split("<details>")[0]  # self-contained: nothing fetched
    sheets = openpyxl.load_workbook(files["xlsx"], read_only=True).sheetnames
    assert sheets[:2] == ["目标 goals", "指标 KPIs"] and "新建扩建 new plants" in sheets


def test_a_plan_not_proven_optimal_is_marked_with_its_gap_and_the_solver_message(run_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    copy = shutil.copytree(run_dir, tmp_path / "run")
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    kpis.update(status="time_limit", gap=0.0123, rel_gap_asked=0.001, solver_message="HiGHS: Time limit reached")
    (copy / "kpis.json").write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
    page = write_report(copy)["html"].read_text(encoding="utf-8")
    assert "time_limit" in page and "1.23 %" in page and "not proven optimal" in page
    assert "求解器说明 solver: HiGHS: Time limit reached" in page


def test_a_plan_stopped_at_the_gap_asked_for_says_so_not_time_limit(run_dir, tmp_path, monkeypatch):
    # main at 6db4cae: "the best plan found, not proven optimal" for a solve that did what it was asked
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    copy = shutil.copytree(run_dir, tmp_path / "run")
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    kpis.update(status="gap_reached", gap=0.00477, rel_gap_asked=0.01, solver_message="HiGHS: Optimal")
    (copy / "kpis.json").write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
    page = write_report(copy)["html"].read_text(encoding="utf-8")
    assert "达到设定差距 gap_reached" in page and "proven gap 0.48 %，设定 asked 1.00 %" in page
    assert "stopped at the gap asked for" in page and "not proven optimal" not in page


def test_pdf_when_chromium_is_installed(run_dir):
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("no headless Chromium (scripts/sysdeps.sh installs it)")
    files = write_report(run_dir)
    assert files["pdf"].read_bytes()[:5] == b"%PDF-"


def test_cjk_font_is_found_when_noto_is_installed():
    import shutil
    import subprocess

    listed = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if "Noto Sans CJK" not in listed:
        pytest.skip("fonts-noto-cjk not installed (scripts/sysdeps.sh installs it)")
    assert setup_fonts().startswith("Noto Sans CJK")


def test_a_phased_run_written_before_year_complete_still_gets_its_path_and_first_years(run_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    copy = shutil.copytree(run_dir, tmp_path / "run")
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    kpis["capacity_path"] = [
        {"year": year, "demand_tpd": demand, "capacity_tpd": capacity, "new_plants": plants, "expanded_plants": 0,
         "raw_msw_landfill_tpd": landfilled, "landfills_running": 1, "landfills_stopped": 0, "capital_spent_wan_cny": 1234.4}
        for year, demand, capacity, plants, landfilled in ((2024, 1000.0, 900.0, 1, 100.0), (2025, 1100.0, 1500.0, 2, 0.0))]
    (copy / "kpis.json").write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
    facilities = pd.read_csv(copy / "facilities.csv", dtype=str)
    facilities["year_built"] = "2024"  # such runs have year_built and year_stopped, not year_complete
    facilities.to_csv(copy / "facilities.csv", index=False)
    files = write_report(copy)
    page = files["html"].read_text(encoding="utf-8")
    assert "<h2>逐年能力路径 Capacity path by year</h2>" in page and "1,234" in page  # whole 万元, thousands separated
    plants = pd.read_excel(files["xlsx"], sheet_name="新建扩建 new plants")
    assert "首次投运 first in service" in plants and "全部建成 all lines by" not in plants
    assert pd.read_excel(files["xlsx"], sheet_name="逐年 capacity path")["年份 year"].tolist() == [2024, 2025]
    capital = openpyxl.load_workbook(files["xlsx"])["逐年 capacity path"]["H2"]  # not read as a year: "that year (万元)"
    assert capital.value == 1234 and capital.number_format == "#,##0"


def test_a_report_against_a_base_run_says_whether_the_cost_difference_is_a_result(run_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    base_kpis = json.loads((run_dir / "kpis.json").read_text(encoding="utf-8"))
    cost = base_kpis["cost_wan_cny_per_year"]
    for name, extra, gap, verdict in (("near", 1.0, 0.01, "差异小于求解误差 / within solver tolerance"),
                                      ("far", 0.05 * cost, 0.0, "差异大于求解误差 / beyond solver tolerance")):
        copy = shutil.copytree(run_dir, tmp_path / name)
        kpis = dict(base_kpis, cost_wan_cny_per_year=cost + extra, gap=gap)
        (copy / "kpis.json").write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
        files = write_report(copy, base_dir=run_dir)
        page = files["html"].read_text(encoding="utf-8")
        assert "与基准方案比较 Compared with base run run" in page and verdict in page
        sheet = pd.read_excel(files["xlsx"], sheet_name="对比基准 vs base").set_index("指标 KPI")
        assert sheet.loc["系统年成本 system cost", "Δ"] == pytest.approx(extra)


def test_the_new_plants_goal_shows_what_meeting_it_costs(run_dir, tmp_path, monkeypatch):
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.registry import RunRegistry
    from wasteopt.studies.goal_cost import add_goal_cost

    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    copy = shutil.copytree(run_dir, tmp_path / "run")
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    target = kpis["new_plants"] + 1
    scenario = (copy / "scenario.yaml").read_text(encoding="utf-8")
    (copy / "scenario.yaml").write_text(re.sub(r"new_plants: 30", f"new_plants: {target}", scenario), encoding="utf-8")
    registry = RunRegistry(tmp_path / "registry.sqlite")
    record = add_goal_cost(RunFolder(copy), registry)
    assert RunFolder(copy).goal_cost() == record
    assert not registry.path.exists()  # a folder written outside a run (export_plan) is no run of the registry
    assert record["target"] == target and record["new_plants"] >= target
    assert record["cost_wan_cny_per_year"] > record["run_cost_wan_cny_per_year"]  # one more plant than the optimum
    page = write_report(copy)["html"].read_text(encoding="utf-8")
    assert f"{record['new_plants']} 座新厂 new plants: {record['cost_wan_cny_per_year']:,.0f} 万元/yr" in page
    assert "未达成 NOT MET, 代价见右 priced →" in page


def test_report_xlsx_has_number_formats_widths_and_a_frozen_header(run_dir, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    book = openpyxl.load_workbook(write_report(run_dir)["xlsx"])
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)
    plants = book["新建扩建 new plants"]
    formats = {cell.value: plants.cell(row=2, column=cell.column).number_format for cell in plants[1]}
    assert formats["总能力 capacity (t/d)"] == "#,##0" and formats["负荷率 utilisation (%)"] == "#,##0.0"
    kpis = {row[0].value: row for row in book["指标 KPIs"].iter_rows(min_row=2)}
    assert kpis["系统年成本 system cost"][1].number_format == "#,##0"
    assert plants.column_dimensions["B"].width > 10  # names fit, not Excel's default 8.43


def test_report_cites_public_sources_and_says_the_counted_landfills_are_assumed(run_dir, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    files = write_report(run_dir)
    page = files["html"].read_text(encoding="utf-8")
    book = openpyxl.load_workbook(files["xlsx"])
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    for private in ("DOMAIN", "ANCHORS.md", "DESIGN.md", "/work/"):
        assert private not in page and not [c for c in cells if private in c], private
    program_files = re.compile(r"\b[\w/]+\.py\b|issue #\d|tests/")  # the program's code, tests and tracker
    assert not program_files.search(page) and not [c for c in cells if program_files.search(c)]
    assert "10 座填埋场中 9 座为假设" in page and "9 of the 10 landfills are assumed" in page  # 鹿邑 is on record
    assumptions = pd.read_excel(files["xlsx"], sheet_name="假设 assumptions")
    assert list(assumptions.columns) == ["分组 group", "设置 setting", "键 key", "取值 value", "依据 basis",
                                         "来源或理由 source or reason"]
    assert assumptions["依据 basis"].isin(["来源 source", "推算 derived", "假设 assumption", "设定 planner's setting"]).all()
    assert assumptions["来源或理由 source or reason"].str.strip().astype(bool).all()
    assert not assumptions["键 key"].str.startswith(("cd.", "transfer.", "sorting.")).any()  # modules off


def test_a_run_on_a_built_road_network_has_its_main_roads_on_the_report_maps(tiny_seeds, tmp_path, monkeypatch):
    import matplotlib

    from test_app_maps import _grid_with_a_motorway
    from wasteopt.cli import main
    from wasteopt.reporting.report.maps import draw_main_roads
    from wasteopt.reporting.report.page import _main_roads
    from wasteopt.roads.lines import read_main_roads, main_roads_file

    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    monkeypatch.setenv("WASTEOPT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "zhoukou.osm").write_text(_grid_with_a_motorway(114.3, 33.3, 41, 0.025))  # motorway along 33.8 °N
    config = tmp_path / "tiny.yaml"
    config.write_text(f"name: roads\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                      "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 20, rel_gap: 0.0}\n", encoding="utf-8")
    od = tmp_path / "od.parquet"
    assert main(["network", "build", "--osm", str(tmp_path / "zhoukou.osm"), "--config", str(config), "--out", str(od),
                 "--snap-tolerance-m", "3000"]) == 0
    scenario = load_scenario(config).with_changes({"network": {"od_matrix_file": str(od)}})
    assert len(_main_roads(scenario)) == 1 and _main_roads(load_scenario(config)) is None  # straight-line km: none

    plan = solve_scenario(scenario)
    export_plan(plan, compute_kpis(plan), tmp_path / "run")
    page = write_report(tmp_path / "run")["html"].read_text(encoding="utf-8")
    assert "main roads (motorway, trunk, primary): OpenStreetMap © OpenStreetMap contributors (ODbL)" in page

    matplotlib.use("Agg")
    ax = matplotlib.figure.Figure().subplots()
    draw_main_roads(ax, read_main_roads(main_roads_file(od)))
    (line,) = ax.collections
    assert line.get_label() == "高速公路 motorway" and line.get_segments()[0].tolist() == [[114.3, 33.8], [115.3, 33.8]]


def test_the_html_tables_show_numbers_as_the_xlsx_does(run_dir, tmp_path, monkeypatch):
    # main at d4565f0: the key figures read 74,908.8 t/d in the HTML and 74,909 in the XLSX
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    copy = shutil.copytree(run_dir, tmp_path / "run")
    kpis = json.loads((copy / "kpis.json").read_text(encoding="utf-8"))
    kpis.update(incineration_capacity_tpd=74908.8, mean_haul_km=42.345)
    (copy / "kpis.json").write_text(json.dumps(kpis, ensure_ascii=False), encoding="utf-8")
    files = write_report(copy)
    page = files["html"].read_text(encoding="utf-8")
    figures = page.split("关键指标 Key figures")[1].split("</table>")[0]
    assert "<td>74,909</td>" in figures and "74,908.8" not in figures  # t/d whole
    assert "<td>42.3</td>" in figures  # km with one decimal
    sheet = openpyxl.load_workbook(files["xlsx"])["指标 KPIs"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert rows["焚烧处理能力 incineration capacity"][1].number_format == "#,##0"
    assert rows["平均运距 mean haul"][1].number_format == "#,##0.0"


def test_long_urls_and_keys_in_report_tables_may_wrap_and_read_the_same():
    """A URL or a dotted key longer than a column gets break points (<wbr>) after / . _; the text is unchanged."""
    import html as html_module
    import re as re_module

    from wasteopt.reporting.report.page import html_table

    frame = pd.DataFrame({"key": ["demand.msw_kg_per_capita_day.urban", "short"],
                          "source": ["https://ruisenzm.com/news/industry/1364.html?a=1&b=2", "2020 census"]})
    table = html_table(frame)
    assert "ruisenzm.<wbr>com/<wbr>news/<wbr>industry/<wbr>1364.<wbr>html?a=1&amp;b=2" in table
    assert "<td>short</td>" in table and "<td>2020 census</td>" in table
    text = html_module.unescape(re_module.sub(r"<[^>]+>", "", table))
    assert "demand.msw_kg_per_capita_day.urban" in text and "1364.html?a=1&b=2" in text
