"""plan.xlsx for reviewers: bilingual sheet names and headers (中文 English, as in report.xlsx), numbers
stored as numbers. The CSVs keep their snake_case headers: other tools and `wasteopt route` read them."""
from __future__ import annotations

import json

import pandas as pd

from wasteopt.kpi import KPI_LABELS
from wasteopt.ui_text import KPI_NAMES_ZH, UNITS_ZH

SHEETS = {"kpis": "指标 KPIs", "goals": "目标 goals", "facilities": "设施 facilities", "flows": "流向 flows",
          "demand": "需求 demand", "capacity_path": "能力路径 capacity path"}

# 中文 for every column the plan tables hold; a header reads "中文 english_key" so both readers find it.
COLUMNS_ZH = {
    "site_id": "厂址编号", "name_zh": "名称", "name_en": "英文名", "technology": "设施类型", "status": "状态",
    "existing_capacity_tpd": "现有能力 t/d", "new_modules": "新增线数", "module_size_tpd": "单线规模 t/d",
    "capacity_tpd": "总能力 t/d", "throughput_tpd": "处理量 t/d", "raw_msw_tpd": "原生垃圾 t/d",
    "utilisation": "负荷率", "adcode": "县级代码", "prefecture_adcode": "地市代码", "lon": "经度", "lat": "纬度",
    "year_built": "首次投运年", "year_complete": "全部建成年", "year_stopped": "停用年份",
    "origin": "起点", "origin_name_zh": "起点名称", "destination": "终点", "destination_name_zh": "终点名称",
    "destination_technology": "终点类型", "stream": "物料", "tonnes_per_day": "运量 t/d", "km": "运距 km",
    "t_km_per_day": "周转量 t·km/d", "cost_per_t": "到厂净单价 元/t（运费、门费、减售电收入）", "origin_lon": "起点经度", "origin_lat": "起点纬度",
    "destination_lon": "终点经度", "destination_lat": "终点纬度",
    "node_id": "县级代码", "prefecture_zh": "地市", "prefecture_en": "地市英文名", "kind": "类别",
    "population": "人口", "urban_population": "城镇人口", "rural_population": "乡村人口",
    "dev_zone_population": "开发区人口", "msw_generated_tpd": "清运量 t/d", "msw_sorted_out_tpd": "分类分出 t/d",
    "msw_generated_urban_tpd": "城镇居民清运量 t/d", "msw_generated_rural_tpd": "乡村居民清运量 t/d",
    "msw_urban_tpd": "城镇居民需处理量 t/d", "msw_rural_tpd": "乡村居民需处理量 t/d",
    "msw_tpd": "需处理量 t/d", "served_by": "去向厂址", "served_by_name_zh": "去向名称", "haul_km": "运距 km",
    "destinations": "去向数", "cd_generated_tpd": "建筑垃圾产生量 t/d", "cd_tpd": "建筑垃圾 t/d",
    "year": "年份", "demand_tpd": "需处理量 t/d", "plants": "厂数", "raw_msw_landfill_tpd": "原生垃圾填埋 t/d",
    "landfills_stopped": "停用填埋场", "capital_spent_wan_cny": "当年投资 万元", "new_plants": "新建厂数",
}
KPI_EXTRA_ZH = {
    "scenario": "情景", "objective": "目标函数值", "best_bound": "最优下界", "backend": "求解器",
    "solver_message": "求解器信息", "target_year": "目标年份", "msw_sorted_out_tpd": "分类分出量",
    "existing_plants": "现有厂数", "landfills_total": "填埋场总数", "max_haul_km": "最远运距",
    "objective_kind": "目标类型", "cost_cny_per_year": "系统年成本（元）",
}
KPI_UNITS = {key: unit for key, _, unit in KPI_LABELS} | {
    "objective": "CNY/yr", "best_bound": "CNY/yr", "target_year": "", "msw_sorted_out_tpd": "t/d",
    "existing_plants": "plants", "landfills_total": "landfills", "max_haul_km": "km", "cost_cny_per_year": "CNY/yr"}
KPI_EN = {key: label for key, label, _ in KPI_LABELS}


def bilingual_header(column) -> str:
    zh = COLUMNS_ZH.get(str(column))
    return f"{zh} {column}" if zh else str(column)


def _cell(value):
    """A KPI value for a spreadsheet cell: numbers as numbers, None empty, lists and mappings as JSON text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        return value.item()
    return json.dumps(value, ensure_ascii=False, default=str)


def kpi_sheet(kpis: dict) -> pd.DataFrame:
    rows = []
    for key, value in kpis.items():
        if key in ("goals", "capacity_path"):
            continue
        unit = KPI_UNITS.get(key, "")
        rows.append({"指标 KPI": f"{KPI_NAMES_ZH.get(key) or KPI_EXTRA_ZH.get(key, '')} {KPI_EN.get(key, '')}".strip(),
                     "键 key": key, "取值 value": _cell(value),
                     "单位 unit": f"{UNITS_ZH.get(unit, unit)} {unit}".strip() if UNITS_ZH.get(unit) else unit})
    return pd.DataFrame(rows, columns=["指标 KPI", "键 key", "取值 value", "单位 unit"])


def goal_sheet(goals: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        "目标 goal": f"{goal['goal_zh']} {goal['goal']}", "方向 sense": goal["sense"], "目标值 target": goal["target"],
        "取值 value": _cell(goal["value"]), "单位 unit": goal["unit"], "达成 met": "是 yes" if goal["met"] else "否 no",
    } for goal in goals], columns=["目标 goal", "方向 sense", "目标值 target", "取值 value", "单位 unit", "达成 met"])


def plan_sheets(frames: dict[str, pd.DataFrame], kpis: dict,
                capacity_path: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of plan.xlsx: KPIs, goals, facilities, flows, demand (and the capacity path of a phased plan)."""
    sheets = {SHEETS["kpis"]: kpi_sheet(kpis), SHEETS["goals"]: goal_sheet(kpis.get("goals") or [])}
    tables = {"facilities": frames["facilities"].reset_index(), "flows": frames["flows"],
              "demand": frames["demand"].reset_index()}
    if capacity_path is not None:
        tables["capacity_path"] = capacity_path
    for name, table in tables.items():
        sheets[SHEETS[name]] = table.rename(columns=bilingual_header)
    return sheets
