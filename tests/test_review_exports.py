"""Exports a reviewer can open: plan.xlsx with bilingual sheets and headers and numbers stored as numbers,
county polygons as MultiPolygons only, and plant colours that mean the same in the app and the report."""
from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest
from shapely import GeometryCollection, LineString, MultiPolygon, Point, Polygon

from wasteopt.app.maps import STATUS_COLOURS
from wasteopt.runs.folder.plan_files import export_plan
from wasteopt.config.status import MilpStatus
from wasteopt.config.writers import write_xlsx
from wasteopt.reporting.labels import STATUS_NAMES_ZH
from wasteopt.reporting.workbook import STATUS_ZH, STREAM_ZH, TECHNOLOGY_ZH, lay_out_sheet, plan_sheets
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.siting.plan import multipolygons
from wasteopt.reporting.report.figures import STATUS_COLOURS as REPORT_COLOURS
from wasteopt.config.loader import load_scenario
from wasteopt.siting import solve_scenario

FRAMES = {name: pd.DataFrame({"site_id": ["a"]}) for name in ("facilities", "flows", "demand")}
SQUARE = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])


def test_every_county_shape_becomes_one_multipolygon():
    # make_valid leaves collections with lines and points beside the polygons (5 such counties in Henan)
    shapes = [SQUARE, MultiPolygon([SQUARE]), GeometryCollection([SQUARE, LineString([(0, 0), (2, 2)]), Point(3, 3)]),
              GeometryCollection([MultiPolygon([SQUARE]), GeometryCollection([SQUARE.buffer(-0.1)])]),
              LineString([(0, 0), (1, 1)]), None]
    converted = multipolygons(shapes)
    assert [g.geom_type if g is not None else None for g in converted] == ["MultiPolygon"] * 4 + [None, None]
    assert [len(g.geoms) for g in converted[:4]] == [1, 1, 1, 2] and converted[2].area == 1.0


def test_plan_xlsx_is_bilingual_with_numbers_as_numbers(exported):
    plan, _, book = exported
    kpis = compute_kpis(plan)
    assert book.sheetnames == ["指标 KPIs", "目标 goals", "设施 facilities", "流向 flows", "需求 demand"]
    rows = {row[1].value: row for row in book["指标 KPIs"].iter_rows(min_row=2)}
    assert [c.value for c in book["指标 KPIs"][1]] == ["指标 KPI", "键 key", "取值 value", "单位 unit"]
    capacity = rows["incineration_capacity_tpd"]
    assert capacity[0].value == "焚烧处理能力 incineration capacity" and capacity[3].value == "t/d"
    assert capacity[2].data_type == "n" and capacity[2].value == kpis["incineration_capacity_tpd"]
    assert rows["new_plants"][2].value == kpis["new_plants"] and rows["new_plants"][2].data_type == "n"
    assert rows["cost_wan_cny_per_year"][3].value == "万元/年 万元/yr"
    assert rows["status"][2].value == "最优 optimal" and rows["scenario"][2].value == "周口两县"
    goals = book["目标 goals"]
    assert [c.value for c in goals[1]] == ["目标 goal", "方向 sense", "目标值 target", "取值 value", "单位 unit", "达成 met"]
    assert goals["C2"].data_type == "n" and goals["D2"].data_type == "n" and goals["F2"].value in ("是 yes", "否 no")
    headers = [c.value for c in book["设施 facilities"][1]]
    assert headers[:3] == ["厂址编号 site_id", "名称 name_zh", "英文名 name_en"] and "总能力 t/d capacity_tpd" in headers
    capacity_column = headers.index("总能力 t/d capacity_tpd")
    assert book["设施 facilities"].cell(row=2, column=capacity_column + 1).data_type == "n"
    assert [c.value for c in book["需求 demand"][1]][0] == "县级代码 node_id"
    untranslated = [c.value for sheet in book.worksheets for c in sheet[1] if not re.search(r"[\u4e00-\u9fff]", c.value)]
    assert untranslated == []  # every header in 中文 with the key beside (load_tpd had none)


def test_plan_xlsx_says_how_every_solve_ended_in_words_with_the_code(tmp_path):
    for status in MilpStatus:  # every status the engine writes, as plan.xlsx shows it
        path = tmp_path / f"{status.value}.xlsx"
        write_xlsx(path, plan_sheets(FRAMES, {"status": status.value}), lay_out_sheet)
        shown = {row[1].value: row[2].value for row in openpyxl.load_workbook(path)["指标 KPIs"].iter_rows(min_row=2)}
        assert shown["status"] == f"{STATUS_NAMES_ZH[status.value]} {status.value}", status


def test_plant_colours_mean_the_same_in_app_and_report():
    for status, colour in REPORT_COLOURS.items():
        assert colour == "#{:02x}{:02x}{:02x}".format(*STATUS_COLOURS[status]), status
    assert set(REPORT_COLOURS) == {"existing", "expanded", "new"}


@pytest.fixture(scope="module")
def exported(tiny_seeds, tmp_path_factory):
    """The tiny two-county plan solved to optimality and exported once: (plan, run folder, plan.xlsx opened)."""
    folder = tmp_path_factory.mktemp("exported")
    config = folder / "s.yaml"
    config.write_text(f"name: 周口两县\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                      "solver: {time_limit_s: 30, rel_gap: 0}\n", encoding="utf-8")
    plan = solve_scenario(load_scenario(config))
    return plan, folder / "run", openpyxl.load_workbook(export_plan(plan, compute_kpis(plan), folder / "run")["xlsx"])


def test_plan_xlsx_shows_tonnes_whole_shares_as_percent_under_a_frozen_header(exported):
    _, _, book = exported
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)
    kpis = {row[1].value: row for row in book["指标 KPIs"].iter_rows(min_row=2)}
    assert kpis["mean_utilisation"][2].number_format == "0.0%" and kpis["mean_utilisation"][3].value == "%"
    assert kpis["incineration_capacity_tpd"][2].number_format == "#,##0"
    assert kpis["cost_wan_cny_per_year"][2].number_format == "#,##0"
    assert kpis["mean_haul_km"][2].number_format == "#,##0.0"
    facilities = book["设施 facilities"]
    formats = {cell.value: facilities.cell(row=2, column=cell.column).number_format for cell in facilities[1]}
    assert formats["总能力 t/d capacity_tpd"] == "#,##0" and formats["处理量 t/d throughput_tpd"] == "#,##0"
    assert formats["负荷率 % utilisation"] == "0.0%" and formats["经度 lon"] == "0.00000"
    assert formats["厂址编号 site_id"] == "General"  # text stays text
    widths = {cell.value: facilities.column_dimensions[cell.column_letter].width for cell in facilities[1]}
    assert widths["总能力 t/d capacity_tpd"] >= len("总能力 t/d capacity_tpd") and widths["经度 lon"] < 20


def test_plan_xlsx_names_facility_types_and_statuses_in_chinese_with_the_code(exported):
    plan, run, book = exported
    facilities = {c.value: [row[c.column - 1] for row in book["设施 facilities"].iter_rows(min_row=2)]
                  for c in book["设施 facilities"][1]}
    codes = plan.facilities[["technology", "status"]].astype(str)
    assert [c.value for c in facilities["设施类型 technology"]] == [f"{TECHNOLOGY_ZH[t]} {t}" for t in codes["technology"]]
    assert [c.value for c in facilities["状态 status"]] == [f"{STATUS_ZH[s]} {s}" for s in codes["status"]]
    assert "焚烧厂 incinerator" in {c.value for c in facilities["设施类型 technology"]}
    assert {c.value for c in facilities["状态 status"]} >= {"现有 existing", "仍接收原生垃圾的填埋场 landfill_running"}
    capacities = [c for c in facilities["总能力 t/d capacity_tpd"] if c.value is not None]  # landfills have none
    assert capacities and all(c.data_type == "n" for c in capacities)  # numbers stay numbers
    flows = book["流向 flows"]
    column = next(c.column for c in flows[1] if c.value == "终点类型 destination_technology")
    shown = {row[column - 1].value for row in flows.iter_rows(min_row=2)}
    assert shown and shown <= {f"{zh} {code}" for code, zh in TECHNOLOGY_ZH.items()}
    column = next(c.column for c in flows[1] if c.value == "物料 stream")
    assert {row[column - 1].value for row in flows.iter_rows(min_row=2)} == {f"{STREAM_ZH[s]} {s}" for s in plan.flows["stream"]}
    demand = book["需求 demand"]
    column = next(c.column for c in demand[1] if c.value == "类别 kind")
    kinds = {row[column - 1].value for row in demand.iter_rows(min_row=2)}
    assert kinds and kinds <= {"市辖区 district", "县 county", "县级市 county_city"}
    assert (run / "facilities.csv").read_text(encoding="utf-8").count(",incinerator,") >= 1  # CSV: codes
