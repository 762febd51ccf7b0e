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
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from wasteopt.config.assumptions import public_text, settings_in_use
from wasteopt.studies.results import goal_cost_text, reliability_line
from wasteopt.reporting.colours import hex_colour
from wasteopt.reporting.compare import BEYOND_TOLERANCE, NO_DELTA, WITHIN_TOLERANCE, cost_delta, kpi_delta
from wasteopt.config.errors import PdfError
from wasteopt.runs.export import write_bytes, write_csv, write_text, write_xlsx
from wasteopt.reporting.kpi import SHARE_KPIS, breaches_text, capacity_goal_tpd, futures_figure, kpi_labels
from wasteopt.reporting.map_context import add_context
from wasteopt.data.region import Region, load_region
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.folder.layout import REPORT_FILES
from wasteopt.config.scenario import MEAN_VALUE, Scenario
from wasteopt.config.status import PLAN_STATUSES
from wasteopt.reporting.labels import KPI_NAMES_ZH, STATUS_NAMES_ZH, UNITS_ZH, t

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")
PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PDF_TIMEOUT_S = 90
STATUS_COLOURS = {status: hex_colour(status) for status in ("existing", "expanded", "new")}  # as in the app
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
        ax.scatter(landfills["lon"], landfills["lat"], marker="^", color=hex_colour("landfill"), s=30, zorder=3,
                   label=f"接收原生垃圾的填埋场 landfill taking raw MSW ({len(landfills)})")
    food_plants = facilities[facilities["technology"] == "digester"]
    if len(food_plants):  # the app's symbol: purple diamonds
        ax.scatter(food_plants["lon"], food_plants["lat"], marker="D", color="#9467bd", edgecolor="black",
                   linewidth=0.5, s=food_plants["capacity_tpd"] / 6, zorder=4,
                   label=f"厨余垃圾处理厂 food-waste plant ({len(food_plants)})")
    ax.set_title("焚烧厂与服务范围 Plants and catchments (圆面积 ∝ 能力 t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
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
    add_context(ax, region.prefecture_boundaries, region.demand)
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


CAPTURE_COLUMNS = {  # the capture table of a sorting sweep: KPI → 中文 English (unit)
    "food_capture_rate": "厨余垃圾分出率 food-waste capture (%)",
    "incineration_capacity_tpd": "焚烧处理能力 incineration capacity (t/d)",
    "biological_capacity_tpd": "厨余垃圾处理能力 food-waste plant capacity (t/d)",
    "residual_incinerated_tpd": "其他垃圾焚烧量 residual waste incinerated (t/d)",
    "residual_lhv_kj_per_kg": "其他垃圾低位热值 residual LHV (kJ/kg)",
    "cost_wan_cny_per_year": "系统年成本 system cost (万元/yr)",
    "resource_utilisation_pct": "资源化利用率 resource utilisation (%)",
    "recycling_pct": "回收利用率 recycling rate (%)",
    "gap": "MIP 差距 gap (%)",
}


def capture_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Solved sorting runs (one row each, KPI columns) ordered by food-waste capture, shares in %."""
    solved = runs[runs["status"].isin(PLAN_STATUSES) & runs["food_capture_rate"].notna()]
    table = solved[[c for c in CAPTURE_COLUMNS if c in solved]].astype(float).sort_values("food_capture_rate")
    table["food_capture_rate"] *= 100
    if "gap" in table:
        table["gap"] *= 100
    return table.rename(columns=CAPTURE_COLUMNS).reset_index(drop=True)


def chart_capacity_vs_capture(table: pd.DataFrame) -> bytes:
    """Incineration capacity needed (and food-waste plant capacity) against the food-waste capture rate."""
    x = table[CAPTURE_COLUMNS["food_capture_rate"]]
    fig = new_figure(7, 4.2)
    ax = fig.subplots()
    ax.plot(x, table[CAPTURE_COLUMNS["incineration_capacity_tpd"]], "o-", color="#c0392b",
            label="焚烧处理能力 incineration capacity")
    ax.plot(x, table[CAPTURE_COLUMNS["biological_capacity_tpd"]], "s--", color="#1e8449",
            label="厨余垃圾处理能力 food-waste plants")
    ax.set_xlabel(CAPTURE_COLUMNS["food_capture_rate"])
    ax.set_ylabel("能力 capacity (t/d)")
    ax.set_title("焚烧能力需求与厨余垃圾分出率 Incineration capacity needed vs food-waste capture rate", fontsize=10)
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return figure_png(fig)


def write_capture_report(runs: pd.DataFrame, out: Path, title: str) -> dict[str, Path]:
    """capture.png, capture.csv and capture.html for a sweep over food-waste capture; none with fewer than two
    solved sorting runs."""
    table = capture_table(runs) if "food_capture_rate" in runs else pd.DataFrame()
    if len(table) < 2:
        return {}
    setup_fonts()
    png = chart_capacity_vs_capture(table)
    files = {"capture_png": out / "capture.png", "capture_csv": out / "capture.csv", "capture_html": out / "capture.html"}
    write_bytes(files["capture_png"], png)
    write_csv(files["capture_csv"], table)
    page = (f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            "<h2>焚烧能力需求与厨余垃圾分出率 Incineration capacity needed vs food-waste capture rate</h2>"
            f"{_img(png, 'capacity vs capture')}{_html_table(table)}"
            '<p class="note">每行一个已求解的情景；分出率 = 分出的厨余垃圾 / 生活垃圾中的全部厨余垃圾。 '
            "One solved variant per row; capture = food waste sorted out / all food waste in the MSW.</p></body></html>")
    write_text(files["capture_html"], page)
    return files


SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}
TECHNOLOGY_NAMES = {"incinerator": "焚烧厂 incinerator", "digester": "厨余垃圾处理厂 food-waste plant",
                    "sorting_centre": "分拣中心 sorting centre", "transfer": "转运站 transfer station",
                    "cd_yard": "消纳场 C&D yard", "cd_recycler": "建筑垃圾资源化厂 C&D recycler",
                    "cd_dewatering": "泥浆脱水厂 slurry dewatering"}
PATH_SHEET = "逐年 capacity path"  # a phased plan's capacity path: a report table and XLSX sheet
CD_YARD_SHEET = "消纳场 C&D yards"  # yards and their years of life left: a report table and XLSX sheet
BASE_SHEET = "对比基准 vs base"  # this run against a base run: a report table and XLSX sheet


def _both(text: str, names_zh: dict = UNITS_ZH) -> str:
    """``text`` with its 中文 name before it, when it has one (units, statuses): '座 plants'."""
    zh = names_zh.get(text)
    return f"{zh} {text}" if zh else text


# ----------------------------------------------------------------------------- tables

def goal_table(kpis: dict, goal_cost: dict | None = None, landfills: pd.DataFrame | None = None) -> pd.DataFrame:
    """The goals; the new-plants goal also says what meeting it costs (goal_cost.json, an ε-constraint solve), and
    the landfill goal how many of the landfills it counts are assumed (``landfills``: the region's, with ``assumed``)."""
    def met(g) -> str:
        if g["met"]:
            return "达成 MET"
        priced = g["kpi"] == "new_plants" and goal_cost is not None and goal_cost["status"] not in ("infeasible",)
        return "未达成 NOT MET, 代价见右 priced →" if priced else "未达成 NOT MET"

    def name(g) -> str:
        assumed = 0 if landfills is None else int(landfills["assumed"].sum())
        if g["kpi"] != "landfills_stopped" or not assumed:
            return f"{g['goal_zh']} {g['goal']}"
        return (f"{g['goal_zh']} {g['goal']}（{len(landfills)} 座填埋场中 {assumed} 座为假设：每县一座，位于县城；"
                f"region.landfills_file 可换成实际名单 {assumed} of the {len(landfills)} landfills are assumed, one per "
                f"county seat; a landfill file, region.landfills_file, replaces them）")

    return pd.DataFrame([{
        "目标 goal": name(g), "要求 target": f"{g['sense']} {g['target']:,.0f} {_both(g['unit'])}",
        "方案值 value": "" if g["value"] is None else f"{g['value']:,.0f} {_both(g['unit'])}",
        "是否达成 met": met(g),
        "达成代价 cost of meeting it": goal_cost_text(goal_cost) if g["kpi"] == "new_plants" and not g["met"] else ""}
        for g in kpis.get("goals", [])], columns=["目标 goal", "要求 target", "方案值 value", "是否达成 met",
                                              "达成代价 cost of meeting it"])


def backtest_score_table(summary: dict) -> pd.DataFrame:
    s = summary["scores"]
    rows = [
        ("地市新增能力在 ±25 % 内 prefectures whose new capacity is within ±25 % of the built", f"{s['prefectures_within']} / {s['prefectures']}"),
        ("相关系数 correlation of new capacity per prefecture", f"{s['correlation']:.2f}"),
        ("新建厂数 new plants, model / built", f"{s['model_new_plants']} / {s['built_new_plants']}"),
        ("新增能力 new capacity, model / built (t/d)", f"{s['model_new_capacity_tpd']:,.0f} / {s['built_new_capacity_tpd']:,.0f}"),
        ("实建厂到最近模型新厂 built plant → nearest new plant of the model, mean (km, straight line)",
         "" if s["mean_distance_km"] is None else f"{s['mean_distance_km']:.1f}"),
        ("拟合误差 fit error (Σ|Δt/d|/Σ built + |Δplants|/built plants)", f"{s['fit_error']:.3f}"),
        ("求解 solve", reliability_line(summary)),
    ]
    return pd.DataFrame(rows, columns=["指标 score", "数值 value"])


def backtest_prefecture_table(prefectures: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "地市 prefecture": prefectures["prefecture_zh"] + " " + prefectures["prefecture_en"],
        "实建新增 built new (t/d)": prefectures["built_new_tpd"], "模型新增 model new (t/d)": prefectures["model_new_tpd"],
        "实建厂数 built plants": prefectures["built_new_plants"], "模型新厂 model plants": prefectures["model_new_plants"],
        "±25 % 内 within": np.where(prefectures["within_25pct"].astype(bool), "是 yes", "否 no")})


def map_backtest(region: Region, facilities: pd.DataFrame, built: pd.DataFrame) -> bytes:
    """Plants Henan built after the baseline beside the new and expanded plants of the model."""
    fig = new_figure(8, 8)
    ax = fig.subplots()
    region.boundaries.plot(ax=ax, color="#f4f4f4", edgecolor="white", linewidth=0.3)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    plants = facilities[(facilities["technology"] == "incinerator") & facilities["status"].isin(["new", "expanded"])]
    added = plants["capacity_tpd"] - plants["existing_capacity_tpd"]
    ax.scatter(built["lon"], built["lat"], s=built["capacity_tpd"] / 8, facecolor="none", edgecolor="#1f4e9c",
               linewidth=1.6, label=f"实际新建 built ({len(built)}, {built['capacity_tpd'].sum():,.0f} t/d)", zorder=3)
    for status, marker in (("new", "o"), ("expanded", "s")):
        rows = plants["status"] == status
        ax.scatter(plants.loc[rows, "lon"], plants.loc[rows, "lat"], s=added[rows] / 8, marker=marker,
                   color=STATUS_COLOURS[status], alpha=0.6, edgecolor="black", linewidth=0.4,
                   label=f"模型{STATUS_ZH[status]} model ({int(rows.sum())}, {added[rows].sum():,.0f} t/d)", zorder=4)
    ax.set_title("实建与模型新增焚烧能力 Built vs modelled new plants (面积 ∝ 新增 t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
    return figure_png(fig)


def _backtest_html(run: dict, region: Region, facilities: pd.DataFrame, tables: dict) -> str:
    """The backtest section (map, scores, per prefecture) when the run folder holds one."""
    backtest = run.get("backtest")
    if backtest is None:
        return ""
    summary = backtest["summary"]
    tables["回测 backtest"] = backtest_score_table(summary)
    tables["回测分市 backtest prefectures"] = backtest_prefecture_table(backtest["prefectures"])
    return (f"<h2>回测 Backtest {summary['baseline_year']}→{summary['year']}</h2>"
            f'<p class="note">从 {summary["baseline_year"]} 年的在运厂出发，以 {summary["year"]} 年实际在运能力 '
            f'{summary["capacity_target_tpd"]:,.0f} t/d 为目标求解，与生态环境部 2023 名单中 {summary["baseline_year"]} 年后投运的厂对比。'
            f'Solved from the plants in service in {summary["baseline_year"]} with the capacity in service by '
            f'{summary["year"]} as the target, and compared with the plants of the MEE 2023 list that started in between. '
            '实建厂位置为所在县城或地市政府驻地（名单无坐标） built plants stand at their county or prefecture seat '
            '(the list has no coordinates).</p>'
            f"{_img(map_backtest(region, facilities, backtest['built']), 'built vs modelled plants')}"
            f"{_html_table(tables['回测 backtest'])}{_html_table(tables['回测分市 backtest prefectures'])}")


def status_sentence(kpis: dict) -> str:
    """How the solve ended, 中文 with English: the status, the proven gap and the gap asked for."""
    status, gap, asked = str(kpis.get("status")), kpis.get("gap"), kpis.get("rel_gap_asked")
    proven = "–" if gap is None else f"{100 * gap:.2f} %"
    asked = "" if asked is None else f"，设定 asked {100 * asked:.2f} %"
    said = {"gap_reached": "达到设定的差距，这是差距内的最好方案 stopped at the gap asked for: a plan within that gap "
                           "of the optimum",
            "time_limit": "达到时间上限，这是找到的最好方案，未证明最优 stopped by the time limit: the best plan found, "
                          "not proven optimal"}.get(status, "")
    return (f"求解状态 solver status: {_both(status, STATUS_NAMES_ZH)} — 已证明的差距 proven gap {proven}{asked}"
            + (f": {said}." if said else "."))


def kpi_rows(kpis: dict) -> pd.DataFrame:
    rows = []
    for key, label, unit in kpi_labels(kpis):
        value = kpis.get(key)
        if key == "gap" and value is not None:
            value, unit = round(100 * value, 3), "%"
        elif key in SHARE_KPIS and value is not None:
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
    for key, label, unit in kpi_labels(base_kpis, kpis):
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
        f'(最优值之差所在区间 the optima\'s difference lies in {delta.interval_text()} 万元/yr, '
        f'两次求解已证明的差距 from the two proven gaps)</p>')
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


FUTURES_SHEET = "多情景 futures"
FUTURE_SOLVES_SHEET = "各情景求解 futures alone"
ROBUST_PLAN = "robust"


def plan_label(plan: str) -> str:
    """'稳健方案 robust plan', the mean-value problem's plan, or the plan made for one future alone."""
    if plan == ROBUST_PLAN:
        return "稳健方案 robust plan"
    if plan == MEAN_VALUE:
        return f"{t('mean_value_plan', 'zh')} {t('mean_value_plan', 'en')}"
    return f"仅为 {plan} 规划 plan for {plan} alone"


def future_solves_table(kpis: dict) -> pd.DataFrame:
    """Each future in words (中文 and English) with its weight, its own optimum, the proven gap of that solve and
    the interval the gap allows."""
    rows = kpis["futures"]

    def interval(row: dict) -> str:
        low, high = row.get("optimum_interval_wan_cny") or (None, None)
        return "—" if high is None else f"{'−∞' if low is None else f'{low:,.1f}'} … {high:,.1f}"

    return pd.DataFrame({
        "情景 future": [r["name"] for r in rows],
        "设定 changes": [" / ".join(filter(None, (r.get("changes_zh"), r.get("changes_en")))) or "—" for r in rows],
        "权重 weight": [r["weight"] for r in rows],
        "自身最优 own optimum (万元/yr)": [r["optimum_wan_cny"] for r in rows],
        "已证明的差距 proven gap (%)": [None if r.get("optimum_gap") is None else round(100 * r["optimum_gap"], 2)
                                   for r in rows],
        "最优值所在区间 optimum lies in (万元/yr)": [interval(r) for r in rows],
    })


def futures_table(kpis: dict) -> pd.DataFrame:
    """A plan for several futures: every plan (robust, and each future's own) in every future: annual cost and
    raw MSW landfilled with its plants fixed; the expected cost per plan."""
    rows = pd.DataFrame(kpis["futures_outcomes"])
    weight = {f["name"]: f["weight"] for f in kpis["futures"]}
    expected = kpis["expected_cost_wan_cny_by_plan"]
    return pd.DataFrame({
        "方案 plan": rows["plan"].map(plan_label),
        "情景 future": rows["future"] + rows["future"].map(lambda f: f" (权重 weight {weight[f]:g})"),
        "年成本 cost (万元/yr)": rows["cost_wan_cny"],
        "原生垃圾填埋 raw MSW landfilled (t/d)": rows["raw_msw_landfill_tpd"],
        "期望年成本 expected cost (万元/yr)": rows["plan"].map(expected),
    })


def chart_futures(kpis: dict) -> bytes:
    """Heat maps plan × future: annual cost (万元/yr) and raw MSW landfilled (t/d), values written in."""
    rows = pd.DataFrame(kpis["futures_outcomes"])
    plans, futures = list(dict.fromkeys(rows["plan"])), [f["name"] for f in kpis["futures"]]
    fig = new_figure(11, 1.2 + 0.9 * len(plans))
    axes = fig.subplots(1, 2)
    for ax, column, title, cmap in ((axes[0], "cost_wan_cny", "年成本 annual cost (万元/yr)", "Oranges"),
                                    (axes[1], "raw_msw_landfill_tpd", "原生垃圾填埋 raw MSW landfilled (t/d)", "Reds")):
        grid = rows.pivot(index="plan", columns="future", values=column).reindex(index=plans, columns=futures)
        values = grid.to_numpy(float)
        ax.imshow(np.nan_to_num(values, nan=np.nanmax(values) if np.isfinite(values).any() else 0.0), cmap=cmap,
                  aspect="auto")
        low, high = (np.nanmin(values), np.nanmax(values)) if np.isfinite(values).any() else (0.0, 0.0)
        for (i, j), value in np.ndenumerate(values):
            dark = high > low and value > low + 0.6 * (high - low)  # white on the darkest cells
            ax.text(j, i, "—" if np.isnan(value) else f"{value:,.0f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
        ax.set_xticks(range(len(futures)), futures, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(plans)), [plan_label(p) for p in plans] if ax is axes[0] else [""] * len(plans),
                      fontsize=8)
        ax.set_title(title, fontsize=10)
    return figure_png(fig)


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
            + (_html_table(tables[FUTURE_SOLVES_SHEET]) if FUTURE_SOLVES_SHEET in tables else "") +
            '<p class="note">每个方案的设施固定，在每种情景下重新安排运输；填埋上限不再强制，能力不足的部分计为原生垃圾填埋'
            '（按填埋费计入成本）。— : 该方案在此情景下无法运行 '
            'each plan\'s plants fixed, its flows chosen again in every future; the landfill cap is not enforced, so a '
            'capacity shortfall shows as raw MSW landfilled (costed at the gate fee). — : the plan cannot operate '
            'there.</p>'
            f'{_img(chart_futures(kpis), "cost and landfill per plan and future")}{_html_table(tables[FUTURES_SHEET])}')


def cd_yard_table(kpis: dict, facilities: pd.DataFrame) -> pd.DataFrame:
    """C&D yards taking waste: cells, volume left and years of life left at the planned fill (m³ = t ÷ density)."""
    life = kpis.get("cd_yard_years_left") or {}
    yards = facilities.reindex(list(life))
    table = pd.DataFrame({"消纳场 yard": list(life), "名称 name": (yards["name_zh"] + " " + yards["name_en"].fillna("")).to_numpy(),
                          "库区 cells": yards["new_modules"].astype(int).to_numpy(),
                          "剩余年限 years left (yr)": list(life.values())})
    if "volume_left_m3" in yards:
        table.insert(3, "剩余库容 volume left (m³)", yards["volume_left_m3"].round(0).to_numpy())
        table.insert(4, "年进场体积 fill (m³/yr)", yards["fill_m3_per_year"].round(0).to_numpy())
        table.insert(5, "首次库满 first full", yards["year_full_first"].to_numpy())
    return table.sort_values("剩余年限 years left (yr)", kind="stable")


def new_plant_table(facilities: pd.DataFrame, year: int) -> pd.DataFrame:
    plants = facilities[facilities["status"].isin(["new", "expanded"])].sort_values(["status", "capacity_tpd"],
                                                                                      ascending=[False, False])
    return pd.DataFrame({
        "厂址 site": plants.index,
        "名称 name": [f"{zh} {en}".strip() for zh, en in zip(plants["name_zh"], plants["name_en"].fillna(""))],
        "设施 facility": plants["technology"].map(lambda t: TECHNOLOGY_NAMES.get(t, t)),
        "类型 type": plants["status"].map(STATUS_ZH),
        "新增线 new lines": [f"{modules:.0f} × {size:.0f} t/d"
                             for modules, size in zip(plants["new_modules"], plants["module_size_tpd"])],
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
    """The settings in use, grouped, in words with the key beside, each with its public source or reason."""
    return pd.DataFrame(settings_in_use(scenario))


# ----------------------------------------------------------------------------- run folder

def read_run(run_dir: str | Path) -> dict:
    """kpis, scenario, facilities, flows, demand of a finished run folder."""
    folder = RunFolder(run_dir)
    return {"kpis": folder.kpis(), "scenario": folder.scenario(), "facilities": folder.facilities(),
            "flows": folder.flows(), "demand": folder.demand(),
            "backtest": folder.backtest(), "goal_cost": folder.goal_cost()}


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


def _cd_yard_html(tables: dict[str, pd.DataFrame]) -> str:
    """The C&D yards and their years of life left, when the plan has yards taking waste."""
    if CD_YARD_SHEET not in tables:
        return ""
    return ('<h2>建筑垃圾消纳场 C&amp;D yards: years of life left</h2><p class="note">按规划年进场量（吨 ÷ 各类建筑垃圾密度 = m³）'
            '计的剩余使用年限 years of life left at the planned yearly fill (tonnes ÷ each category\'s density = m³).</p>'
            f'{_html_table(tables[CD_YARD_SHEET])}')


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


def _map_note(region: Region) -> str:
    """What the maps show besides the plan, and where the base layer comes from (all offline, from the seeds)."""
    names = "、".join(region.prefecture_boundaries["name_zh"])
    return ('<p class="note">底图 base map: 地市名称（位于地市政府驻地）prefecture names at their seats — '
            f'{html.escape(names)}; 县名（空间允许时）county names where room is left; 比例尺 scale bar (km); '
            '指北针 north arrow. 边界 boundaries: 阿里云 DataV.GeoAtlas 行政区划 (GCJ-02, 转换为 converted to WGS84).</p>')


def render_html(run: dict, region: Region, run_name: str, base_kpis: dict | None = None,
                base_name: str = "") -> tuple[str, dict[str, pd.DataFrame]]:
    """The report page and the tables it shows (for the XLSX); with ``base_kpis`` (the KPIs of run
    ``base_name``) a section compares this run with it."""
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
    goals_html = _html_table(tables["目标 goals"], "met")
    goals_html = (goals_html.replace("<td>达成 MET", '<td class="ok">达成 MET')
                  .replace("<td>未达成 NOT MET</td>", '<td class="bad">未达成 NOT MET</td>'))
    met = sum(g["met"] for g in kpis.get("goals", []))
    stopped = tables["填埋场 landfills"]
    sources_file = scenario.path(scenario.region.seeds) / "SOURCES.md"
    sources = sources_file.read_text(encoding="utf-8") if sources_file.is_file() else "(no SOURCES.md in the seeds folder)"
    status_note = "" if kpis.get("status") == "optimal" else f'<p class="bad">{html.escape(status_sentence(kpis))}{_solver_message(kpis)}</p>'
    font_note = "" if font else '<p class="bad">No CJK font found: 汉字 in the images may be boxes (install fonts-noto-cjk).</p>'
    generation = region.generation
    body = f"""
<h1>{html.escape(scenario.name)}</h1>
<p>{html.escape(scenario.description)}</p>
<p class="note">运行 run: {html.escape(run_name)} · 目标年 target year {scenario.region.target_year} · 基准年 baseline
{scenario.region.baseline_year} · 求解器 solver {html.escape(SOLVER_NAMES.get(kpis.get('backend'), str(kpis.get('backend'))))} · 场景哈希 scenario hash
{scenario.content_hash()}</p>{status_note}{font_note}
<h2>目标达成 Goals ({met}/{len(tables['目标 goals'])} 达成 met)</h2>{goals_html}
<h2>关键指标 Key figures</h2>{_html_table(tables['指标 KPIs'])}
{_base_comparison_html(tables, kpis, base_kpis, base_name)}
<h2>地图 Maps</h2>
{_img(map_plants_catchments(region, facilities, demand), 'plants and catchments')}
{_img(map_flows(region, facilities, flows), 'MSW flows')}
{_map_note(region)}
<h2>分市能力与需求 Capacity vs demand per prefecture</h2>
{_img(chart_capacity_vs_demand(tables['分市 prefectures']), 'capacity vs demand')}
{_html_table(tables['分市 prefectures'])}
{_capacity_path_html(tables, capacity_goal_tpd(kpis))}
{_futures_html(kpis, tables)}
{_backtest_html(run, region, facilities, tables)}
<h2>新建与扩建设施 New and expanded facilities ({len(tables['新建扩建 new plants'])})</h2>
{_plant_years_note(tables)}
{_html_table(tables['新建扩建 new plants'])}
<h2>填埋场 Landfills ({int((stopped['状态 status'].str.startswith('停止')).sum())} / {len(stopped)} 停止接收原生垃圾 stopped)</h2>
{_html_table(tables['填埋场 landfills'])}
{_cd_yard_html(tables)}
<h2>假设 Assumptions</h2>
<p class="note">需求 demand: {generation['target_year']} 年需处理 {demand['msw_tpd'].sum():,.0f} t/d to treat in {generation['target_year']}{_sorted_note(demand)};
增长系数 growth factor {generation['growth_factor']:.3f}.</p>
<p class="note">{_calibration_note(generation)}</p>
{_html_table(_group_once(tables['假设 assumptions']))}
<h2>数据来源 Data sources</h2>
<ul>{''.join(f'<li>{html.escape(k)}: {html.escape(public_text(str(v)))}</li>' for k, v in generation['sources'].items())}</ul>
<details><summary>{html.escape(str(sources_file.name))} (seeds)</summary><pre>{html.escape(sources)}</pre></details>
"""
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(scenario.name)}</title>'
            f"<style>{_CSS}</style></head><body>{body}</body></html>\n")
    return page, tables


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def write_pdf(html_path: Path) -> Path:
    """report.pdf beside ``html_path`` via headless Chromium, installed only when Chromium wrote a whole PDF
    (``%PDF-`` … ``%%EOF``); raises PdfError (one line saying why) otherwise, leaving no report.pdf behind."""
    browser = next((path for name in PDF_BROWSERS if (path := shutil.which(name))), None)
    if browser is None:
        raise PdfError(f"no headless Chromium ({', '.join(PDF_BROWSERS)}) on PATH; scripts/sysdeps.sh installs it")
    with tempfile.TemporaryDirectory(prefix="wasteopt-pdf-") as folder:
        printed = Path(folder) / html_path.with_suffix(".pdf").name
        try:
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={printed}", html_path.resolve().as_uri()],
                           check=True, capture_output=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{browser} did not finish within {PDF_TIMEOUT_S} s") from None
        except subprocess.CalledProcessError as error:
            raise PdfError(f"{browser} failed (exit {error.returncode}): {_last_line(error.stderr)}") from None
        except OSError as error:
            raise PdfError(f"cannot run {browser}: {error.strerror or error}") from None
        data = printed.read_bytes() if printed.is_file() else b""
    if not (data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]):
        raise PdfError(f"{browser} wrote no valid PDF ({len(data):,} bytes)")
    target = html_path.with_suffix(".pdf")
    write_bytes(target, data)
    return target


def write_report(run_dir: str | Path, *, pdf: bool = True, name: str | None = None,
                 base_dir: str | Path | None = None) -> dict[str, Path]:
    """report.html (self-contained), report.xlsx and, if headless Chromium makes a valid one, report.pdf in
    ``run_dir`` (else one line on stderr says why); ``name`` is the run's name in the report (default: the
    folder's); with ``base_dir`` (another run folder) the report compares the run with that base run."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    base_kpis = None if base_dir is None else RunFolder(base_dir).kpis()
    region = load_region(run["scenario"])
    page, tables = render_html(run, region, name or run_dir.name, base_kpis,
                               RunFolder(base_dir).path.name if base_dir else "")
    files = {kind: run_dir / REPORT_FILES[kind] for kind in ("html", "xlsx")}
    write_text(files["html"], page)
    write_xlsx(files["xlsx"], tables)
    if pdf:
        try:
            files["pdf"] = write_pdf(files["html"])
        except PdfError as error:
            print(f"报告无 PDF no report.pdf: {error} (report.html and report.xlsx written)", file=sys.stderr)
    return files
