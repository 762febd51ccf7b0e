"""The report's tables as DataFrames with 中文 and English column names and units: each is a section of
report.html and a sheet of report.xlsx."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.assumptions import settings_in_use
from wasteopt.reporting.compare import NO_DELTA, kpi_delta
from wasteopt.reporting.kpi import SHARE_KPIS, kpi_labels
from wasteopt.reporting.labels import KPI_NAMES_ZH, STATUS_NAMES_ZH, UNITS_ZH
from wasteopt.reporting.report.names import STATUS_ZH, TECHNOLOGY_NAMES, plan_label
from wasteopt.studies.results import goal_cost_text, reliability_line

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.data.region import Region


PATH_SHEET = "逐年 capacity path"  # a phased plan's capacity path: a report table and XLSX sheet
CD_YARD_SHEET = "消纳场 C&D yards"  # yards and their years of life left: a report table and XLSX sheet
BASE_SHEET = "对比基准 vs base"  # this run against a base run: a report table and XLSX sheet
FUTURES_SHEET = "多情景 futures"
FUTURE_SOLVES_SHEET = "各情景求解 futures alone"


def _both(text: str, names_zh: dict = UNITS_ZH) -> str:
    """``text`` with its 中文 name before it, when it has one (units, statuses): '座 plants'."""
    zh = names_zh.get(text)
    return f"{zh} {text}" if zh else text


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


def assumption_table(scenario: Scenario) -> pd.DataFrame:
    """The settings in use, grouped, in words with the key beside, each with its public source or reason."""
    return pd.DataFrame(settings_in_use(scenario))
