"""Review report of a run folder: one self-contained HTML file (maps and charts as base64 PNG),
report.xlsx with one sheet per table, and report.pdf when a headless Chromium is installed.

Labels are 中文 with English beside them; units are shown (t/d, km, 万元). Maps need a CJK
font ("Noto Sans CJK SC"/"JP", Debian fonts-noto-cjk); without one 汉字 would draw as boxes,
so the report says so instead of failing.
"""
from __future__ import annotations

import base64
import html
import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from wasteopt.compare import BEYOND_TOLERANCE, NO_DELTA, WITHIN_TOLERANCE, cost_delta, kpi_delta
from wasteopt.errors import DataError
from wasteopt.export import RUN_MARKER, atomic_path, write_text, write_xlsx
from wasteopt.kpi import KPI_LABELS, capacity_goal_tpd
from wasteopt.region import Region, load_region
from wasteopt.scenario import Scenario, scenario_from_yaml_text
from wasteopt.ui_text import KPI_NAMES_ZH, STATUS_NAMES_ZH, UNITS_ZH

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")
PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT_S = 90
STATUS_COLOURS = {"existing": "#7f8c8d", "expanded": "#e67e22", "new": "#c0392b"}
STATUS_ZH = {"existing": "现有 existing", "expanded": "扩建 expanded", "new": "新建 new"}


def _solver_message(kpis: dict) -> str:
    message = kpis.get("solver_message")  # absent in runs written before it was recorded
    return f"<br>求解器说明 solver: {html.escape(message)}" if message else ""


# ----------------------------------------------------------------------------- figures

def cjk_font() -> str | None:
    """The first installed CJK font family matplotlib can use, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def setup_fonts() -> str | None:
    """Put a CJK font first in matplotlib's sans-serif list; returns its name (None: 汉字 will be boxes)."""
    import matplotlib

    matplotlib.use("Agg")
    font = cjk_font()
    matplotlib.rcParams["font.sans-serif"] = ([font] if font else []) + ["DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    return font


def figure_png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def map_plants_catchments(region: Region, facilities: pd.DataFrame, demand: pd.DataFrame) -> bytes:
    """Counties coloured by the plant that serves them; plants sized by capacity, coloured by status."""
    fig = new_figure(8, 8)
    ax = fig.subplots()
    counties = region.boundaries.merge(demand[["served_by"]], left_on="adcode", right_index=True, how="left")
    codes = pd.factorize(counties["served_by"])[0]
    counties.assign(colour=np.where(codes >= 0, codes % 20, np.nan)).plot(
        ax=ax, column="colour", cmap="tab20", edgecolor="white", linewidth=0.3, missing_kwds={"color": "#eeeeee"})
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    plants = facilities[facilities["technology"] == "incinerator"]
    for status, colour in STATUS_COLOURS.items():
        rows = plants[plants["status"] == status]
        ax.scatter(rows["lon"], rows["lat"], s=rows["capacity_tpd"] / 15, color=colour, edgecolor="black",
                   linewidth=0.5, alpha=0.85, label=f"{STATUS_ZH[status]} ({len(rows)})", zorder=3)
    landfills = facilities[(facilities["technology"] == "landfill") & (facilities["raw_msw_tpd"] > 0)]
    if len(landfills):
        ax.scatter(landfills["lon"], landfills["lat"], marker="^", color="#6e4b2a", s=30, zorder=3,
                   label=f"接收原生垃圾的填埋场 landfill taking raw MSW ({len(landfills)})")
    ax.set_title("焚烧厂与服务范围 Plants and catchments (圆面积 ∝ 能力 t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    return figure_png(fig)


def map_flows(region: Region, facilities: pd.DataFrame, flows: pd.DataFrame) -> bytes:
    """MSW flows county → plant, line width ∝ t/d."""
    from matplotlib.collections import LineCollection

    fig = new_figure(8, 8)
    ax = fig.subplots()
    region.boundaries.plot(ax=ax, color="#f4f4f4", edgecolor="#cccccc", linewidth=0.3)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#888888", linewidth=0.6)
    msw = flows[flows["stream"] == "msw"]
    segments = np.stack([msw[["origin_lon", "origin_lat"]].to_numpy(float),
                         msw[["destination_lon", "destination_lat"]].to_numpy(float)], axis=1)
    into_landfill = (msw["destination_technology"] == "landfill").to_numpy()
    widths = 0.3 + 3.0 * msw["tonnes_per_day"].to_numpy(float) / max(float(msw["tonnes_per_day"].max() or 1), 1.0)
    ax.add_collection(LineCollection(segments, linewidths=widths, alpha=0.6,
                                     colors=np.where(into_landfill, "#6e4b2a", "#2471a3")))
    plants = facilities[facilities["technology"] == "incinerator"]
    ax.scatter(plants["lon"], plants["lat"], s=12, color="#c0392b", zorder=3, label="焚烧厂 plant")
    ax.plot([], [], color="#2471a3", label="去焚烧 to incineration")
    if into_landfill.any():
        ax.plot([], [], color="#6e4b2a", label="去填埋 to landfill")
    ax.set_title("生活垃圾流向 MSW flows (线宽 ∝ t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    return figure_png(fig)


def chart_capacity_vs_demand(table: pd.DataFrame) -> bytes:
    fig = new_figure(10, 4.5)
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["待处理量 MSW to treat (t/d)"], 0.4, label="待处理量 MSW to treat", color="#95a5a6")
    ax.bar(x + 0.2, table["焚烧能力 capacity (t/d)"], 0.4, label="焚烧能力 incineration capacity", color="#c0392b")
    ax.set_xticks(x, table["市 prefecture"], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("能力 / 需求 capacity / demand (t/d)")
    ax.set_title("分市能力与需求 Capacity vs demand per prefecture")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return figure_png(fig)


SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}
PATH_SHEET = "逐年 capacity path"
BASE_SHEET = "对比基准 vs base"  # a phased plan's capacity path: a report table and XLSX sheet


def _both(text: str, names_zh: dict = UNITS_ZH) -> str:
    """``text`` with its 中文 name before it, when it has one (units, statuses): '座 plants'."""
    zh = names_zh.get(text)
    return f"{zh} {text}" if zh else text


# ----------------------------------------------------------------------------- tables

def goal_table(kpis: dict) -> pd.DataFrame:
    return pd.DataFrame([{
        "目标 goal": f"{g['goal_zh']} {g['goal']}", "要求 target": f"{g['sense']} {g['target']:,.0f} {_both(g['unit'])}",
        "方案值 value": "" if g["value"] is None else f"{g['value']:,.0f} {_both(g['unit'])}",
        "是否达成 met": "达成 MET" if g["met"] else "未达成 NOT MET"} for g in kpis["goals"]])


def kpi_rows(kpis: dict) -> pd.DataFrame:
    rows = []
    for key, label, unit in KPI_LABELS:
        value = kpis.get(key)
        if key == "gap" and value is not None:
            value, unit = round(100 * value, 3), "%"
        elif key == "mean_utilisation" and value is not None:
            value, unit = round(100 * value, 1), "%"
        elif key == "landfills_stopped":
            value = f"{value} / {kpis.get('landfills_total')}"
        elif key == "status":
            value = _both(value, STATUS_NAMES_ZH)
        rows.append({"指标 KPI": f"{KPI_NAMES_ZH.get(key, '')} {label}", "数值 value": value, "单位 unit": _both(unit)})
    return pd.DataFrame(rows)


def base_comparison_table(kpis: dict, base_kpis: dict) -> pd.DataFrame:
    """This run against a base run: per KPI the base value, this run's, Δ and Δ %."""
    rows = []
    for key, label, unit in KPI_LABELS:
        if key in NO_DELTA:
            continue
        delta, percent = kpi_delta(key, base_kpis, kpis)
        rows.append({"指标 KPI": f"{KPI_NAMES_ZH.get(key, '')} {label}", "基准 base": base_kpis.get(key),
                     "本方案 this run": kpis.get(key), "Δ": delta,
                     "Δ %": None if percent is None else round(percent, 2), "单位 unit": _both(unit)})
    return pd.DataFrame(rows)


def _base_comparison_html(tables: dict[str, pd.DataFrame], kpis: dict, base_kpis: dict | None, base_name: str) -> str:
    if base_kpis is None:
        return ""
    delta = cost_delta(base_kpis, kpis)
    verdict = "" if delta is None else (
        f'<p class="{"note" if delta.within_tolerance else ""}">系统成本差异 system cost Δ {delta.absolute:+,.0f} 万元/yr '
        f'({delta.percent:+.2f} %): <b>{WITHIN_TOLERANCE if delta.within_tolerance else BEYOND_TOLERANCE}</b> '
        f'(± {delta.tolerance_wan:,.0f} 万元/yr, 两次求解已证明的差距 from the two proven gaps)</p>')
    return (f"<h2>与基准方案比较 Compared with base run {html.escape(base_name)}</h2>{verdict}"
            f"{_html_table(tables[BASE_SHEET])}")


def prefecture_table(region: Region, facilities: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    plants = facilities[facilities["technology"] == "incinerator"]
    names = demand.drop_duplicates("prefecture_adcode").set_index("prefecture_adcode")
    need = demand.groupby("prefecture_adcode")["msw_tpd"].sum()
    capacity = plants.groupby("prefecture_adcode")["capacity_tpd"].sum().reindex(need.index).fillna(0.0)
    table = pd.DataFrame({
        "市 prefecture": names.loc[need.index, "prefecture_zh"] + " " + names.loc[need.index, "prefecture_en"],
        "待处理量 MSW to treat (t/d)": need.round(0),
        "焚烧能力 capacity (t/d)": capacity.round(0),
        "能力/需求 capacity÷demand": (capacity / need).round(2),
        "焚烧厂数 plants": plants.groupby("prefecture_adcode").size().reindex(need.index).fillna(0).astype(int),
    })
    return table.reset_index(drop=True)


def capacity_path_table(kpis: dict) -> pd.DataFrame:
    """Phased plans: per year MSW to treat, capacity, plants, raw MSW landfilled, landfills stopped, capital."""
    path = pd.DataFrame(kpis["capacity_path"])
    return pd.DataFrame({
        "年份 year": path["year"], "待处理量 MSW to treat (t/d)": path["demand_tpd"].round(0),
        "焚烧能力 capacity (t/d)": path["capacity_tpd"].round(0),
        "累计新建厂 new plants to date": path["new_plants"], "累计扩建厂 expanded plants to date": path["expanded_plants"],
        "原生垃圾填埋 raw MSW landfilled (t/d)": path["raw_msw_landfill_tpd"].round(0),
        "累计停用填埋场 landfills stopped to date": path["landfills_stopped"],
        "当年投资 capital spent that year (万元)": path["capital_spent_wan_cny"].round(0)})


def chart_capacity_path(table: pd.DataFrame, goal_tpd: float | None) -> bytes:
    """Capacity and MSW to treat per year as bars, raw MSW landfilled as a line, the capacity goal dashed."""
    fig = new_figure(8, 4.5)
    ax = fig.subplots()
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["待处理量 MSW to treat (t/d)"], 0.4, label="待处理量 MSW to treat", color="#95a5a6")
    ax.bar(x + 0.2, table["焚烧能力 capacity (t/d)"], 0.4, label="焚烧能力 incineration capacity", color="#c0392b")
    ax.plot(x, table["原生垃圾填埋 raw MSW landfilled (t/d)"], "o-", color="#2c3e50", label="原生垃圾填埋 raw MSW landfilled")
    if goal_tpd:
        ax.axhline(goal_tpd, color="#1e8449", linestyle="--", label=f"能力目标 capacity goal {goal_tpd:,.0f}")
    ax.set_xticks(x, table["年份 year"].astype(str))
    ax.set_ylabel("t/d")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_title("逐年能力路径 Capacity path by year")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return figure_png(fig)


def new_plant_table(facilities: pd.DataFrame, year: int) -> pd.DataFrame:
    plants = facilities[facilities["status"].isin(["new", "expanded"])].sort_values(["status", "capacity_tpd"],
                                                                                      ascending=[False, False])
    return pd.DataFrame({
        "厂址 site": plants.index, "名称 name": plants["name_zh"] + " " + plants["name_en"].fillna(""),
        "类型 type": plants["status"].map(STATUS_ZH),
        "新增线 new lines": plants["new_modules"].astype(int).astype(str) + " × "
        + plants["module_size_tpd"].map(lambda v: f"{v:.0f}") + " t/d",
        "总能力 capacity (t/d)": plants["capacity_tpd"].round(0),
        "处理量 throughput (t/d)": plants["throughput_tpd"].round(0),
        "负荷率 utilisation (%)": (100 * plants["utilisation"]).round(1),
        **(_plant_years(plants) or {"投运年份 in service by": year}),
    }).reset_index(drop=True)


def _plant_years(plants: pd.DataFrame) -> dict[str, pd.Series]:
    """A phased plan's years per plant: first in service, and all lines running (runs written before
    year_complete existed have only the first)."""
    names = {"year_built": "首次投运 first in service", "year_complete": "全部建成 all lines by"}
    return {label: plants[column].astype("Int64") for column, label in names.items() if column in plants}


def landfill_table(region: Region, flows: pd.DataFrame, facilities: pd.DataFrame) -> pd.DataFrame:
    """Each landfill: still taking raw MSW or stopped, t/d, assumed or given; the year it stops in a phased plan."""
    receiving = flows.loc[(flows["stream"] == "msw") & (flows["destination_technology"] == "landfill")]
    tonnes = receiving.groupby("destination")["tonnes_per_day"].sum()
    landfills = region.landfills.set_index("site_id")
    phased = {"停用年份 stopped from": facilities["year_stopped"].reindex(landfills.index).astype("Int64").to_numpy()
              } if "year_stopped" in facilities else {}
    return pd.DataFrame({
        "填埋场 landfill": landfills.index, "名称 name": landfills["name_zh"] + " " + landfills["name_en"],
        "状态 status": np.where(landfills.index.isin(tonnes.index), "继续接收原生垃圾 still receiving raw MSW",
                              "停止接收原生垃圾 stopped"),
        "原生垃圾 raw MSW (t/d)": tonnes.reindex(landfills.index).fillna(0.0).round(1).to_numpy(),
        "假设 assumed site": np.where(landfills["assumed"].to_numpy(bool), "是 yes", "否 no"),
        **phased,
    }).sort_values("原生垃圾 raw MSW (t/d)", ascending=False).reset_index(drop=True)


def assumption_table(scenario: Scenario) -> pd.DataFrame:
    """Every scenario setting with its value and documented meaning/source."""
    rows = []
    for section_name in type(scenario).model_fields:
        section = getattr(scenario, section_name)
        if not isinstance(section, BaseModel):
            continue
        for name, field in type(section).model_fields.items():
            value = getattr(section, name)
            shown = json.dumps(value.model_dump(mode="json") if isinstance(value, BaseModel) else value,
                               ensure_ascii=False)
            rows.append({"参数 setting": f"{section_name}.{name}", "取值 value": shown,
                         "说明 meaning / source": field.description or ""})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- run folder

def _scenario_of(run_dir: Path) -> Scenario:
    """The run's scenario, its relative seed paths resolved against the current or the project folder."""
    text = (run_dir / "scenario.yaml").read_text(encoding="utf-8")
    candidates = [Path.cwd(), Path(__file__).resolve().parents[1]]
    for base in candidates:
        scenario = scenario_from_yaml_text(text, base_dir=base, source=str(run_dir / "scenario.yaml"))
        if scenario.path(scenario.region.seeds).is_dir():
            return scenario
    raise DataError(f"{run_dir}: seeds folder {scenario.region.seeds!r} of the run's scenario not found")


def read_run(run_dir: str | Path) -> dict:
    """kpis, scenario, facilities, flows, demand of a run folder written by export_plan."""
    run_dir = Path(run_dir)
    if not (run_dir / RUN_MARKER).is_file():
        raise DataError(f"{run_dir} is not a finished run folder (no {RUN_MARKER})")
    try:
        return {
            "kpis": json.loads((run_dir / RUN_MARKER).read_text(encoding="utf-8")),
            "scenario": _scenario_of(run_dir),
            "facilities": pd.read_csv(run_dir / "facilities.csv", dtype={"adcode": str, "prefecture_adcode": str},
                                      index_col="site_id"),
            "flows": pd.read_csv(run_dir / "flows.csv", dtype={"origin": str, "destination": str}),
            "demand": pd.read_csv(run_dir / "demand.csv", dtype={"node_id": str, "prefecture_adcode": str,
                                                                  "served_by": str}, index_col="node_id"),
        }
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{run_dir}: cannot read the run's files: {error}") from None


def _html_table(frame: pd.DataFrame, classes: str = "") -> str:
    return frame.to_html(index=False, escape=True, na_rep="", classes=classes, border=0, float_format=_number)


def _number(value: float) -> str:
    """Thousands separated; one decimal unless the value is whole."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans CJK JP","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #c0392b;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}img{max-width:100%}.met td:last-child{font-weight:bold}
.ok{color:#1e8449}.bad{color:#c0392b}.note{color:#666;font-size:.85em}pre{white-space:pre-wrap;font-size:.8em;background:#fafafa;padding:1em}
@media print{h2{page-break-before:auto}img{page-break-inside:avoid}}
"""


def _capacity_path_html(tables: dict[str, pd.DataFrame], capacity_goal: float | None) -> str:
    """A phased plan's capacity path (chart and table) as a section; nothing for a single-period plan."""
    if PATH_SHEET not in tables:
        return ""
    path = tables[PATH_SHEET]
    return ('<h2>逐年能力路径 Capacity path by year</h2><p class="note">厂数与停用填埋场数为截至当年的累计数，投资为当年支出 '
            'plants and stopped landfills are counted to date, capital is what is spent that year.</p>'
            f'{_img(chart_capacity_path(path, capacity_goal), "capacity path")}{_html_table(path)}')


def _plant_years_note(tables: dict[str, pd.DataFrame]) -> str:
    if PATH_SHEET not in tables:
        return '<p class="note">单期模型：所有厂均在目标年前投运 single-period model: every plant is in service by the target year.</p>'
    return ('<p class="note">分期模型：首次投运为新建或扩建的第一条线运行的年份，全部建成为表中新增线全部运行的年份 '
            'phased model: first in service is the year its first new line runs; all lines by, the year all the new '
            'lines listed run.</p>')


def render_html(run: dict, region: Region, run_name: str, base: dict | None = None,
                base_name: str = "") -> tuple[str, dict[str, pd.DataFrame]]:
    """The report page and the tables it shows (for the XLSX); with ``base`` (a run read by :func:`read_run`)
    a section compares this run with it."""
    kpis, scenario = run["kpis"], run["scenario"]
    base_kpis = None if base is None else base["kpis"]
    facilities, flows, demand = run["facilities"], run["flows"], run["demand"]
    font = setup_fonts()
    tables = {
        "目标 goals": goal_table(kpis),
        "指标 KPIs": kpi_rows(kpis),
        **({BASE_SHEET: base_comparison_table(kpis, base_kpis)} if base_kpis is not None else {}),
        "分市 prefectures": prefecture_table(region, facilities, demand),
        "新建扩建 new plants": new_plant_table(facilities, scenario.region.target_year),
        **({PATH_SHEET: capacity_path_table(kpis)} if kpis.get("capacity_path") else {}),
        "填埋场 landfills": landfill_table(region, flows, facilities),
        "假设 assumptions": assumption_table(scenario),
    }
    goals_html = _html_table(tables["目标 goals"], "met")
    goals_html = goals_html.replace("<td>达成 MET", '<td class="ok">达成 MET').replace("<td>未达成", '<td class="bad">未达成')
    met = sum(g["met"] for g in kpis["goals"])
    stopped = tables["填埋场 landfills"]
    sources_file = scenario.path(scenario.region.seeds) / "SOURCES.md"
    sources = sources_file.read_text(encoding="utf-8") if sources_file.is_file() else "(no SOURCES.md in the seeds folder)"
    status_note = ("" if kpis.get("status") == "optimal" else
                   f'<p class="bad">求解状态 solver status: {html.escape(_both(str(kpis.get("status")), STATUS_NAMES_ZH))} — '
                   f'最优性差距 proven gap {100 * (kpis.get("gap") or 0):.2f} %: 这是找到的最好方案，未证明最优 '
                   f'the best plan found, not proven optimal.'
                   f'{_solver_message(kpis)}</p>')
    font_note = "" if font else '<p class="bad">No CJK font found: 汉字 in the images may be boxes (install fonts-noto-cjk).</p>'
    generation = region.generation
    body = f"""
<h1>{html.escape(scenario.name)}</h1>
<p>{html.escape(scenario.description)}</p>
<p class="note">运行 run: {html.escape(run_name)} · 目标年 target year {scenario.region.target_year} · 基准年 baseline
{scenario.region.baseline_year} · 求解器 solver {html.escape(SOLVER_NAMES.get(kpis.get('backend'), str(kpis.get('backend'))))} · 场景哈希 scenario hash
{scenario.content_hash()}</p>{status_note}{font_note}
<h2>目标达成 Goals ({met}/{len(kpis['goals'])} 达成 met)</h2>{goals_html}
<h2>关键指标 Key figures</h2>{_html_table(tables['指标 KPIs'])}
{_base_comparison_html(tables, kpis, base_kpis, base_name)}
<h2>地图 Maps</h2>
{_img(map_plants_catchments(region, facilities, demand), 'plants and catchments')}
{_img(map_flows(region, facilities, flows), 'MSW flows')}
<h2>分市能力与需求 Capacity vs demand per prefecture</h2>
{_img(chart_capacity_vs_demand(tables['分市 prefectures']), 'capacity vs demand')}
{_html_table(tables['分市 prefectures'])}
{_capacity_path_html(tables, capacity_goal_tpd(kpis))}
<h2>新建与扩建焚烧厂 New and expanded plants ({len(tables['新建扩建 new plants'])})</h2>
{_plant_years_note(tables)}
{_html_table(tables['新建扩建 new plants'])}
<h2>填埋场 Landfills ({int((stopped['状态 status'].str.startswith('停止')).sum())} / {len(stopped)} 停止接收原生垃圾 stopped)</h2>
{_html_table(tables['填埋场 landfills'])}
<h2>假设 Assumptions</h2>
<p class="note">需求 demand: {generation['target_year']} 年需处理 {generation['totals']['msw_tpd']:,.0f} t/d to treat in {generation['target_year']};
增长系数 growth factor {generation['growth_factor']:.3f}; 校准系数 calibration factor {generation['calibration_factor']:.3f}.</p>
{_html_table(tables['假设 assumptions'])}
<h2>数据来源 Data sources</h2>
<ul>{''.join(f'<li>{html.escape(k)}: {html.escape(str(v))}</li>' for k, v in generation['sources'].items())}</ul>
<details><summary>{html.escape(str(sources_file.name))} (seeds)</summary><pre>{html.escape(sources)}</pre></details>
"""
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(scenario.name)}</title>'
            f"<style>{_CSS}</style></head><body>{body}</body></html>\n")
    return page, tables


def write_pdf(html_path: Path) -> Path | None:
    """report.pdf beside ``html_path`` via headless Chromium; None when no browser is installed or it fails."""
    browser = next((path for name in PDF_BROWSERS if (path := shutil.which(name))), None)
    if browser is None:
        return None
    target = html_path.with_suffix(".pdf")
    with atomic_path(target) as tmp:
        try:
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={tmp}", html_path.resolve().as_uri()],
                           check=True, capture_output=True, timeout=PDF_TIMEOUT_S)
        except (subprocess.SubprocessError, OSError):
            return None
        if not tmp.exists() or tmp.stat().st_size == 0:
            return None
    return target


def write_report(run_dir: str | Path, *, pdf: bool = True, base_dir: str | Path | None = None) -> dict[str, Path]:
    """report.html (self-contained), report.xlsx and, if a renderer exists, report.pdf in ``run_dir``; with
    ``base_dir`` (another run folder) the report compares the run with that base run."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    base = None if base_dir is None else read_run(base_dir)
    region = load_region(run["scenario"])
    page, tables = render_html(run, region, run_dir.name, base, Path(base_dir).name if base_dir else "")
    files = {"html": run_dir / "report.html", "xlsx": run_dir / "report.xlsx"}
    write_text(files["html"], page)
    write_xlsx(files["xlsx"], tables)
    if pdf:
        made = write_pdf(files["html"])
        if made is not None:
            files["pdf"] = made
    return files
