"""report.html: one self-contained page (maps and charts as base64 PNG) with its sections, and the tables
it shows (they become report.xlsx)."""
from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.reporting.compare import BEYOND_TOLERANCE, WITHIN_TOLERANCE, cost_delta
from wasteopt.reporting.kpi import breaches_text, capacity_goal_tpd, futures_figure
from wasteopt.reporting.labels import t
from wasteopt.reporting.report.charts import chart_capacity_path, chart_capacity_vs_demand, chart_futures
from wasteopt.reporting.report.figures import setup_fonts
from wasteopt.reporting.report.maps import map_backtest, map_flows, map_plants_catchments
from wasteopt.reporting.report.reconciliation import (
    ANOMALY_SHEET, YARD_FILL_SHEET, anomaly_table, map_reconciliation, reconciliation_html, yard_fill_table)
from wasteopt.reporting.report.tables import (
    BASE_SHEET, CD_YARD_SHEET, FUTURE_SOLVES_SHEET, FUTURES_SHEET, PATH_SHEET, assumption_table, backtest_prefecture_table,
    backtest_score_table, base_comparison_table, capacity_path_table, cd_yard_table, future_solves_table,
    futures_table, goal_table, kpi_rows, landfill_table, new_plant_table, prefecture_table, status_sentence)
from wasteopt.reporting.tiles import Basemap
from wasteopt.reporting.workbook import cell_formats, number_text
from wasteopt.roads.lines import main_roads_file, read_main_roads

if TYPE_CHECKING:  # for annotations only
    import geopandas as gpd

    from wasteopt.cd.reconcile import Reconciliation
    from wasteopt.data.region import Region


LONG_WORD = re.compile(r"[^\s<>]{25,}")
BREAK_AFTER = re.compile(r"([/._])(?=.)")  # in a long word: where it may wrap
SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK JP","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #c0392b;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}img{max-width:100%}.met td:last-child{font-weight:bold}
.ok{color:#1e8449}.bad{color:#c0392b}.note{color:#666;font-size:.85em}pre{white-space:pre-wrap;font-size:.8em;background:#fafafa;padding:1em}
@media print{h2{page-break-before:auto}img{page-break-inside:avoid}}
"""


def html_table(frame: pd.DataFrame, classes: str = "") -> str:
    """The table as HTML, each number shown as the XLSX shows it (t/d whole, km with one decimal …)."""
    columns = [[_shown(value, number_format) for value, number_format in zip(frame.iloc[:, position], formats)]
               for position, formats in enumerate(cell_formats(frame))]
    shown = pd.DataFrame(dict(enumerate(columns)), index=frame.index).set_axis(frame.columns, axis=1)
    return _breakable(shown.to_html(index=False, escape=True, na_rep="", classes=classes, border=0))


def _breakable(table: str) -> str:
    """Long unbroken words (URLs, keys) may wrap after / . _ so a table fits the page; copied text is unchanged."""
    return LONG_WORD.sub(lambda word: BREAK_AFTER.sub(r"\1<wbr>", word.group()), table)


def _shown(value, number_format: str | None):
    """A cell's text: the XLSX's number format, else thousands separated with one decimal unless whole."""
    text = number_text(value, number_format)
    if text is None and isinstance(value, float) and value == value:
        text = _number(value)
    return value if text is None else text


def _number(value: float) -> str:
    """Thousands separated; one decimal unless the value is whole."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _solver_message(kpis: dict) -> str:
    message = kpis.get("solver_message")  # absent in runs written before it was recorded
    return f"<br>求解器说明 solver: {html.escape(message)}" if message else ""


def _base_comparison_html(tables: dict[str, pd.DataFrame], kpis: dict, base_kpis: dict | None, base_name: str) -> str:
    if base_kpis is None:
        return ""
    delta = cost_delta(base_kpis, kpis)
    verdict = "" if delta is None else (
        f'<p class="{"note" if delta.within_tolerance else ""}">系统成本差异 system cost Δ {delta.absolute:+,.0f} 万元/yr '
        f'({delta.percent:+.2f} %): <b>{WITHIN_TOLERANCE if delta.within_tolerance else BEYOND_TOLERANCE}</b> '
        f'(最优值之差所在区间 the optima\'s difference lies in {delta.interval_text()} 万元/yr, '
        f'两次求解已证明的差距 from the two proven gaps)</p>')
    return (f"<h2>与基准方案比较 Compared with base run {html.escape(base_name)}</h2>{verdict}"
            f"{html_table(tables[BASE_SHEET])}")


def _capacity_path_html(tables: dict[str, pd.DataFrame], capacity_goal: float | None) -> str:
    """A phased plan's capacity path (chart and table) as a section; nothing for a single-period plan."""
    if PATH_SHEET not in tables:
        return ""
    path = tables[PATH_SHEET]
    return ('<h2>逐年能力路径 Capacity path by year</h2><p class="note">厂数与停用填埋场数为截至当年的累计数，投资为当年支出 '
            'plants and stopped landfills are counted to date, capital is what is spent that year.</p>'
            f'{img(chart_capacity_path(path, capacity_goal), "capacity path")}{html_table(path)}')


def _futures_html(kpis: dict, tables: dict[str, pd.DataFrame]) -> str:
    """A plan for several futures: VSS and EVPI, the heat maps and the table; nothing for one future."""
    if FUTURES_SHEET not in tables:
        return ""
    objective = {"expected": "期望成本最低 least expected cost", "worst_case": "最坏情景成本最低 least worst-case cost",
                 "min_max_regret": "最大遗憾最小 least maximum regret"}[kpis["futures_objective"]]
    scope = {"every_future": "每种情景都须满足政策 the policy holds in every future",
             "expected_only": "政策仅按加权平均满足 the policy holds on the weighted mean"}[kpis["futures_policy_scope"]]

    def wan(key: str) -> str:
        shown = futures_figure(kpis, key, ",.1f")
        return shown if shown in ("—", "∞") else f"{shown} 万元/yr"

    breached = kpis.get("value_of_stochastic_solution_unbounded") or kpis.get("central_plan_breaches")
    unbounded = ""
    if breached:
        where, premium = html.escape(breaches_text(kpis)), futures_figure(kpis, "policy_premium_wan_cny")
        unbounded = f'<p>{t("vss_unbounded", "zh", breaches=where, premium=premium)}<br>' \
                    f'{t("vss_unbounded", "en", breaches=where, premium=premium)}</p>'
    unreliable = ""
    if kpis.get("futures_solves_above_gap"):
        asked = "–" if kpis.get("rel_gap_asked") is None else f"{100 * kpis['rel_gap_asked']:.2f} %"
        solves = html.escape("; ".join(kpis["futures_solves_above_gap"]))
        unreliable = f'<p class="bad">{t("futures_unreliable", "zh", asked=asked, solves=solves)}<br>' \
                     f'{t("futures_unreliable", "en", asked=asked, solves=solves)}</p>'
    gaps = " ".join(f"{html.escape(label)} {100 * kpis[key]:.2f} %;" for key, label in (
        ("robust_gap", "稳健方案 robust plan"), ("mean_value_gap", "均值问题方案 mean-value plan"))
        if kpis.get(key) is not None)
    return (f'<h2>多情景稳健规划 One plan for several futures ({len(kpis["futures"])})</h2>'
            f'<p>目标 objective: {objective}; {scope}. 中心情景 central future: {html.escape(kpis["central_future"])}.</p>'
            f'<p>稳健方案期望年成本 expected cost of the robust plan: {wan("expected_cost_wan_cny")}; '
            f'随机解价值 value of the stochastic solution (VSS): {wan("value_of_stochastic_solution_wan_cny")}; '
            + (f'政策溢价 policy premium: {wan("policy_premium_wan_cny")}; ' if breached else '') +
            f'完全信息期望价值 expected value of perfect information (EVPI): '
            f'{wan("expected_value_of_perfect_information_wan_cny")}; 最坏情景原生垃圾填埋 worst-case raw MSW landfilled: '
            f'{kpis.get("worst_case_raw_msw_landfill_tpd", 0):,.0f} t/d.</p>'
            f'<p class="note">{t("intervals_note", "zh")} {t("intervals_note", "en")} '
            f'已证明的差距 proven gaps: {gaps}</p>{unbounded}{unreliable}'
            + (html_table(tables[FUTURE_SOLVES_SHEET]) if FUTURE_SOLVES_SHEET in tables else "") +
            '<p class="note">每个方案的设施固定，在每种情景下重新安排运输；填埋上限不再强制，能力不足的部分计为原生垃圾填埋'
            '（按填埋费计入成本）。— : 该方案在此情景下无法运行 '
            'each plan\'s plants fixed, its flows chosen again in every future; the landfill cap is not enforced, so a '
            'capacity shortfall shows as raw MSW landfilled (costed at the gate fee). — : the plan cannot operate '
            'there.</p>'
            f'{img(chart_futures(kpis), "cost and landfill per plan and future")}{html_table(tables[FUTURES_SHEET])}')


def _backtest_html(run: dict, region: Region, facilities: pd.DataFrame, tables: dict,
                   basemap: Basemap | None = None) -> str:
    """The backtest section (map, scores, per prefecture) when the run folder holds one."""
    backtest = run.get("backtest")
    if backtest is None:
        return ""
    summary = backtest["summary"]
    tables["回测 backtest"] = backtest_score_table(summary)
    tables["回测分市 backtest prefectures"] = backtest_prefecture_table(backtest["prefectures"])
    return (f"<h2>回测 Backtest {summary['baseline_year']}→{summary['year']}</h2>"
            f'<p class="note">从 {summary["baseline_year"]} 年的在运厂出发，以 {summary["year"]} 年实际在运能力 '
            f'{summary["capacity_target_tpd"]:,.0f} t/d 为目标求解，与生态环境部 2023 名单及其后新闻报道（各附来源；新闻不全，为下限）中 {summary["baseline_year"]} 年后投运的厂对比。'
            f'Solved from the plants in service in {summary["baseline_year"]} with the capacity in service by '
            f'{summary["year"]} as the target, and compared with the plants that started in between: the MEE 2023 list '
            'and, after it, those reported in the news (each with its source; a lower bound). '
            '实建厂位置为所在县城或地市政府驻地（名单无坐标） built plants stand at their county or prefecture seat '
            '(the list has no coordinates).</p>'
            f"{img(map_backtest(region, facilities, backtest['built'], basemap), 'built vs modelled plants')}"
            f"{html_table(tables['回测 backtest'])}{html_table(tables['回测分市 backtest prefectures'])}")


def _cd_yard_html(tables: dict[str, pd.DataFrame]) -> str:
    """The C&D yards and their years of life left, when the plan has yards taking waste."""
    if CD_YARD_SHEET not in tables:
        return ""
    return ('<h2>建筑垃圾消纳场 C&amp;D yards: years of life left</h2><p class="note">按规划年进场量（吨 ÷ 各类建筑垃圾密度 = m³）'
            '计的剩余使用年限 years of life left at the planned yearly fill (tonnes ÷ each category\'s density = m³).</p>'
            f'{html_table(tables[CD_YARD_SHEET])}')


def _reconciliation_html(result: Reconciliation | None, region: Region, run_name: str, kpis: dict,
                         tables: dict[str, pd.DataFrame], basemap: Basemap | None = None) -> str:
    """The C&D reconciliation section and its two tables, when the report is given a reconciliation folder."""
    if result is None:
        return ""
    tables[ANOMALY_SHEET] = anomaly_table(result)
    tables[YARD_FILL_SHEET] = yard_fill_table(result, kpis.get("cd_yard_years_left"))
    return reconciliation_html(result, run_name, img(map_reconciliation(region, result, basemap), "anomalies and yard fill"),
                               tables, html_table)


def _calibration_note(generation: dict) -> str:
    """The calibration step in both languages, in the app's words: held, fitted in every run, or none."""
    record = generation.get("calibration")
    values = {"target_year": generation["target_year"], "total": generation["totals"]["msw_generated_tpd"]}
    key = "calibration_none"
    if record is not None:
        key = f"calibration_{record['mode']}"
        values |= {"factor": record["factor"], "observed": record["observed_tpd"], "year": record["year"],
                   "modelled": record["modelled_tpd"]}
    return html.escape(f"{t(key, 'zh', **values)} {t(key, 'en', **values)}")


def _sorted_note(demand: pd.DataFrame) -> str:
    """With waste sorting: what left the residual waste to be treated apart."""
    if "food_tpd" not in demand:
        return ""
    food, recyclables, hazardous = (demand[f"{f}_tpd"].sum() for f in ("food", "recyclables", "hazardous"))
    return (f"（分类后的其他垃圾；厨余垃圾 {food:,.0f}、可回收物 {recyclables:,.0f}、有害垃圾 {hazardous:,.0f} t/d 另行处理） "
            f"(residual waste after sorting; food waste {food:,.0f}, recyclables {recyclables:,.0f} and hazardous waste "
            f"{hazardous:,.0f} t/d are treated apart)")


def _plant_years_note(tables: dict[str, pd.DataFrame]) -> str:
    if PATH_SHEET not in tables:
        return '<p class="note">单期模型：所有厂均在目标年前投运 single-period model: every plant is in service by the target year.</p>'
    return ('<p class="note">分期模型：首次投运为新建或扩建的第一条线运行的年份，全部建成为表中新增线全部运行的年份 '
            'phased model: first in service is the year its first new line runs; all lines by, the year all the new '
            'lines listed run.</p>')


def _group_once(table: pd.DataFrame) -> pd.DataFrame:
    """The assumption table for reading: each group's name on its first row only (the XLSX keeps every row's)."""
    first = table["分组 group"].ne(table["分组 group"].shift())
    return table.assign(**{"分组 group": table["分组 group"].where(first, "")})


def _map_note(region: Region, roads: bool, basemap: Basemap | None) -> str:
    """What the maps show besides the plan, and where the base layer comes from (offline: the seeds and, when the
    run's road km came from a built network, its OpenStreetMap main roads; online tiles when set, or why not)."""
    names = "、".join(region.prefecture_boundaries["name_zh"])
    road_note = ("主要道路（高速公路、干线公路、主干道）main roads (motorway, trunk, primary): OpenStreetMap © "
                 "OpenStreetMap contributors (ODbL), 本次运行的路网 the network of this run's road km. ") if roads else ""
    said = basemap.note() if basemap is not None else ""
    tiles_note = f'<p class="{"bad" if basemap is not None and basemap.error else "note"}">{html.escape(said)}</p>' if said else ""
    return ('<p class="note">底图 base map: 地市名称（位于地市政府驻地）prefecture names at their seats — '
            f'{html.escape(names)}; 县名（空间允许时）county names where room is left; 比例尺 scale bar (km); '
            f'指北针 north arrow; 县城连线 county-seat network: 边界相接的两县县城之间的直线（{len(region.seat_links)} 条）'
            f'straight lines between the seats of counties whose boundaries touch ({len(region.seat_links)}). '
            '边界 boundaries: 阿里云 DataV.GeoAtlas 行政区划 (GCJ-02, 转换为 converted to WGS84). '
            f'{road_note}</p>{tiles_note}')


def _main_roads(scenario) -> gpd.GeoDataFrame | None:
    """The main roads of the network the run's road km came from (`wasteopt network build` writes them beside the
    OD file), or None for straight-line km or when they were not written."""
    if not scenario.network.od_matrix_file:
        return None
    return read_main_roads(main_roads_file(scenario.path(scenario.network.od_matrix_file)))


def render_html(run: dict, region: Region, run_name: str, base_kpis: dict | None = None,
                base_name: str = "", reconciliation: Reconciliation | None = None,
                tiles: str | None = None) -> tuple[str, dict[str, pd.DataFrame]]:
    """The report page and the tables it shows (for the XLSX); with ``base_kpis`` (the KPIs of run
    ``base_name``) a section compares this run with it, with ``reconciliation`` (``wasteopt cd reconcile``) a section
    sets what happened beside the plan; with ``tiles`` (an XYZ URL template) the maps have online tiles under them."""
    kpis, scenario = run["kpis"], run["scenario"]
    facilities, flows, demand = run["facilities"], run["flows"], run["demand"]
    font = setup_fonts()
    tables = {
        "目标 goals": goal_table(kpis, run.get("goal_cost"), region.landfills),
        "指标 KPIs": kpi_rows(kpis),
        **({BASE_SHEET: base_comparison_table(kpis, base_kpis)} if base_kpis is not None else {}),
        "分市 prefectures": prefecture_table(region, facilities, demand),
        "新建扩建 new plants": new_plant_table(facilities, scenario.region.target_year),
        **({PATH_SHEET: capacity_path_table(kpis)} if kpis.get("capacity_path") else {}),
        **({FUTURES_SHEET: futures_table(kpis), FUTURE_SOLVES_SHEET: future_solves_table(kpis)}
           if kpis.get("futures") else {}),
        "填埋场 landfills": landfill_table(region, flows, facilities),
        **({CD_YARD_SHEET: cd_yard_table(kpis, facilities)} if kpis.get("cd_yard_years_left") else {}),
        "假设 assumptions": assumption_table(scenario),
    }
    goals_html = html_table(tables["目标 goals"], "met")
    goals_html = (goals_html.replace("<td>达成 MET", '<td class="ok">达成 MET')
                  .replace("<td>未达成 NOT MET</td>", '<td class="bad">未达成 NOT MET</td>'))
    met = sum(g["met"] for g in kpis.get("goals", []))
    stopped = tables["填埋场 landfills"]
    sources_file = scenario.path(scenario.region.seeds) / "SOURCES.md"
    sources = sources_file.read_text(encoding="utf-8") if sources_file.is_file() else "(no SOURCES.md in the seeds folder)"
    status_note = "" if kpis.get("status") == "optimal" else f'<p class="bad">{html.escape(status_sentence(kpis))}{_solver_message(kpis)}</p>'
    font_note = "" if font else '<p class="bad">No CJK font found: 汉字 in the images may be boxes (install fonts-noto-cjk).</p>'
    generation = region.generation
    roads = _main_roads(scenario)
    basemap = Basemap(tiles) if tiles else None
    body = f"""
<h1>{html.escape(scenario.name)}</h1>
<p>{html.escape(scenario.description)}</p>
<p class="note">运行 run: {html.escape(run_name)} · 目标年 target year {scenario.region.target_year} · 基准年 baseline
{scenario.region.baseline_year} · 求解器 solver {html.escape(SOLVER_NAMES.get(kpis.get('backend'), str(kpis.get('backend'))))} · 场景哈希 scenario hash
{scenario.content_hash()}</p>{status_note}{font_note}
<h2>目标达成 Goals ({met}/{len(tables['目标 goals'])} 达成 met)</h2>{goals_html}
<h2>关键指标 Key figures</h2>{html_table(tables['指标 KPIs'])}
{_base_comparison_html(tables, kpis, base_kpis, base_name)}
<h2>地图 Maps</h2>
{img(map_plants_catchments(region, facilities, demand, roads, basemap), 'plants and catchments')}
{img(map_flows(region, facilities, flows, roads, basemap), 'MSW flows')}
{_map_note(region, roads is not None and len(roads) > 0, basemap)}
<h2>分市能力与需求 Capacity vs demand per prefecture</h2>
{img(chart_capacity_vs_demand(tables['分市 prefectures']), 'capacity vs demand')}
{html_table(tables['分市 prefectures'])}
{_capacity_path_html(tables, capacity_goal_tpd(kpis))}
{_futures_html(kpis, tables)}
{_backtest_html(run, region, facilities, tables, basemap)}
<h2>新建与扩建设施 New and expanded facilities ({len(tables['新建扩建 new plants'])})</h2>
{_plant_years_note(tables)}
{html_table(tables['新建扩建 new plants'])}
<h2>填埋场 Landfills ({int((stopped['状态 status'].str.startswith('停止')).sum())} / {len(stopped)} 停止接收原生垃圾 stopped)</h2>
{html_table(tables['填埋场 landfills'])}
{_cd_yard_html(tables)}
{_reconciliation_html(reconciliation, region, run_name, kpis, tables, basemap)}
<h2>假设 Assumptions</h2>
<p class="note">需求 demand: {generation['target_year']} 年需处理 {demand['msw_tpd'].sum():,.0f} t/d to treat in {generation['target_year']}{_sorted_note(demand)};
增长系数 growth factor {generation['growth_factor']:.3f}.</p>
<p class="note">{_calibration_note(generation)}</p>
{html_table(_group_once(tables['假设 assumptions']))}
<h2>数据来源 Data sources</h2>
<ul>{''.join(f'<li>{html.escape(k)}: {html.escape(str(v))}</li>' for k, v in generation['sources'].items())}</ul>
<details><summary>{html.escape(str(sources_file.name))} (seeds)</summary><pre>{html.escape(sources)}</pre></details>
"""
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(scenario.name)}</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")
    return page, tables
