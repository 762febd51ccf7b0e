"""plan.xlsx for reviewers: bilingual sheet names and headers (中文 English, as in report.xlsx), facility types,
statuses and how the solve ended as 中文 with their code, numbers stored as numbers. The CSVs keep their snake_case headers and codes: other
tools and `wasteopt route` read them."""
from __future__ import annotations

import json
import numbers
import re
import unicodedata

import pandas as pd

from wasteopt.reporting.kpi import KPI_LABELS, SHARE_KPIS
from wasteopt.reporting.labels import KPI_NAMES_ZH, STATUS_NAMES_ZH, UNITS_ZH

SHEETS = {"kpis": "指标 KPIs", "goals": "目标 goals", "facilities": "设施 facilities", "flows": "流向 flows",
          "demand": "需求 demand", "capacity_path": "能力路径 capacity path"}

# 中文 for every column the plan tables hold; a header reads "中文 english_key" so both readers find it.
COLUMNS_ZH = {
    "site_id": "厂址编号", "name_zh": "名称", "name_en": "英文名", "technology": "设施类型", "status": "状态",
    "existing_capacity_tpd": "现有能力 t/d", "new_modules": "新增线数", "module_size_tpd": "单线规模 t/d",
    "capacity_tpd": "总能力 t/d", "throughput_tpd": "处理量 t/d", "load_tpd": "折算负荷 t/d", "raw_msw_tpd": "原生垃圾 t/d",
    "utilisation": "负荷率 %", "adcode": "县级代码", "prefecture_adcode": "地市代码", "lon": "经度", "lat": "纬度",
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
# Coded values shown as "中文 code" (焚烧厂 incinerator): a reviewer reads the name, a filter or script still finds the code.
TECHNOLOGY_ZH = {"incinerator": "焚烧厂", "landfill": "填埋场", "digester": "厨余垃圾处理厂", "sorting_centre": "分拣中心",
                 "transfer": "转运站", "cd_yard": "消纳场", "cd_recycler": "建筑垃圾资源化厂", "cd_reuse": "建筑垃圾就地利用",
                 "cd_dewatering": "泥浆脱水厂"}
STATUS_ZH = {"existing": "现有", "expanded": "扩建", "new": "新建", "landfill_running": "仍接收原生垃圾的填埋场",
             "landfill_stopped": "停用的填埋场", "landfill_restored": "停用并生态封场的填埋场"}
STREAM_ZH = {"msw": "生活垃圾", "ash": "飞灰炉渣", "food": "厨余垃圾", "recyclables": "可回收物", "residue": "厨余与分拣残渣",
             "cd": "建筑垃圾", "cd_residue": "建筑垃圾资源化残渣", "cd_spoil": "工程渣土", "cd_slurry": "工程泥浆",
             "cd_construction": "工程垃圾", "cd_demolition": "拆除垃圾", "cd_decoration": "装修垃圾"}
KIND_ZH = {"district": "市辖区", "county": "县", "county_city": "县级市"}
CODED_COLUMNS = {"technology": TECHNOLOGY_ZH, "destination_technology": TECHNOLOGY_ZH, "status": STATUS_ZH,
                 "stream": STREAM_ZH, "kind": KIND_ZH}
KPI_EXTRA_ZH = {
    "scenario": "情景", "objective": "目标函数值", "best_bound": "最优下界", "backend": "求解器",
    "solver_message": "求解器信息", "target_year": "目标年份", "msw_sorted_out_tpd": "分类分出量",
    "existing_plants": "现有厂数", "landfills_total": "填埋场总数", "max_haul_km": "最远运距",
    "objective_kind": "目标类型", "cost_cny_per_year": "系统年成本（元）",
}
KPI_UNITS = {key: unit for key, _, unit in KPI_LABELS} | {
    "objective": "CNY/yr", "best_bound": "CNY/yr", "target_year": "", "msw_sorted_out_tpd": "t/d",
    "existing_plants": "plants", "landfills_total": "landfills", "max_haul_km": "km", "cost_cny_per_year": "CNY/yr"}
KPI_UNITS |= {key: "%" for key in SHARE_KPIS}  # stored as shares, shown as % by the cell format
KPI_EN = {key: label for key, label, _ in KPI_LABELS}

# Excel number formats, chosen per column from its header (first match wins) or, in a KPI sheet, per row
# from its unit: tonnages and 万元 whole with thousands separators, shares as %, codes and years bare.
WHOLE, ONE_DECIMAL, TWO_DECIMALS, PERCENT, BARE, DEGREES = "#,##0", "#,##0.0", "#,##0.00", "0.0%", "0", "0.00000"
HEADER_FORMATS = [
    (r"万元|wan_cny", WHOLE),  # money, also "capital spent that year (万元)"
    (r"adcode|代码|\byear\b|year_|年份|年$|投运年|建成年|停用年|in service|lines by|stopped from|first full", BARE),
    (r"经度|纬度|\blon\b|\blat\b|_lon|_lat", DEGREES),
    (r"\(%\)|Δ %|%\)", ONE_DECIMAL),  # already × 100 (the report's tables)
    (r"负荷率 %|share|capture|\brate\b", PERCENT),  # shares 0–1
    (r"t/d|_tpd|tonnes_per_day|万元|wan_cny|t·km|t_km|cny|元|population|人口|plants|厂数|\bweight\b|权重", WHOLE),
    (r"\bkm\b|_km|运距|years left", ONE_DECIMAL),
]
UNIT_FORMATS = {"%": ONE_DECIMAL, "km": ONE_DECIMAL, "s": ONE_DECIMAL, "kJ/kg": WHOLE}
MAX_WIDTH = 48  # characters; longer text wraps in the cell's tooltip, not across the screen


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
        if key == "status" and value in STATUS_NAMES_ZH:  # how the solve ended, in words with its code
            value = f"{STATUS_NAMES_ZH[value]} {value}"
        rows.append({"指标 KPI": f"{KPI_NAMES_ZH.get(key) or KPI_EXTRA_ZH.get(key, '')} {KPI_EN.get(key, '')}".strip(),
                     "键 key": key, "取值 value": _cell(value),
                     "单位 unit": f"{UNITS_ZH.get(unit, unit)} {unit}".strip() if UNITS_ZH.get(unit) else unit})
    return pd.DataFrame(rows, columns=["指标 KPI", "键 key", "取值 value", "单位 unit"])


def goal_sheet(goals: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{
        "目标 goal": f"{goal['goal_zh']} {goal['goal']}", "方向 sense": goal["sense"], "目标值 target": goal["target"],
        "取值 value": _cell(goal["value"]), "单位 unit": goal["unit"], "达成 met": "是 yes" if goal["met"] else "否 no",
    } for goal in goals], columns=["目标 goal", "方向 sense", "目标值 target", "取值 value", "单位 unit", "达成 met"])


def with_names(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its coded columns (technology, status, stream, county kind) as "中文 code"; other codes and
    numbers unchanged."""
    names = {column: table[column].map(lambda code, zh=zh: f"{zh[code]} {code}" if code in zh else code)
             for column, zh in CODED_COLUMNS.items() if column in table}
    return table.assign(**names)


def plan_sheets(frames: dict[str, pd.DataFrame], kpis: dict,
                capacity_path: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of plan.xlsx: KPIs, goals, facilities, flows, demand (and the capacity path of a phased plan)."""
    sheets = {SHEETS["kpis"]: kpi_sheet(kpis), SHEETS["goals"]: goal_sheet(kpis.get("goals") or [])}
    tables = {"facilities": frames["facilities"].reset_index(), "flows": frames["flows"],
              "demand": frames["demand"].reset_index()}
    if capacity_path is not None:
        tables["capacity_path"] = capacity_path
    for name, table in tables.items():
        sheets[SHEETS[name]] = with_names(table).rename(columns=bilingual_header)
    return sheets


def column_format(header: str, values: pd.Series) -> str | None:
    """The number format of a numeric column from its header; None for a text column."""
    if not (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)):
        return None
    for pattern, number_format in HEADER_FORMATS:
        if re.search(pattern, header, flags=re.IGNORECASE):
            return number_format
    return WHOLE if pd.api.types.is_integer_dtype(values.dtype) else TWO_DECIMALS


def unit_format(unit: str, key: str = "") -> str:
    """The number format of one KPI value from its unit (shares stored 0–1 shown as %)."""
    if key in SHARE_KPIS:
        return PERCENT
    english = str(unit).split(" ")[-1] if unit else ""
    return UNIT_FORMATS.get(english, WHOLE if english else "General")


def cell_formats(frame: pd.DataFrame) -> list[list[str | None]]:
    """The number format of every body cell, column by column: from the column's header or, in a table with a unit
    per row (KPIs), from the row's unit. The XLSX and the report's HTML tables both show numbers by it."""
    units, keys = frame.get("单位 unit"), frame.get("键 key")
    formats = []
    for position, header in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if units is not None and column_format(str(header), values) in (None, WHOLE, TWO_DECIMALS):
            formats.append([unit_format(u, k) for u, k in zip(units, keys if keys is not None else [""] * len(units))])
        else:
            formats.append([column_format(str(header), values)] * len(values))
    return formats


PYTHON_FORMATS = {WHOLE: ",.0f", ONE_DECIMAL: ",.1f", TWO_DECIMALS: ",.2f", BARE: ".0f", DEGREES: ".5f"}


def number_text(value, number_format: str | None) -> str | None:
    """A number as the cell format shows it in Excel ('#,##0' → 74,909; '0.0%' → 90.0 %); None where the format says
    nothing (text, General) or the value is no number."""
    if pd.api.types.is_bool(value) or not isinstance(value, numbers.Real) or value != value:
        return None
    if number_format == PERCENT:
        return f"{100 * value:.1f} %"
    return format(value, PYTHON_FORMATS[number_format]) if number_format in PYTHON_FORMATS else None


def text_width(value) -> int:
    """Characters a cell needs: 汉字 count two."""
    text = value if isinstance(value, str) else f"{value:,.1f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def lay_out_sheet(sheet, frame: pd.DataFrame) -> None:
    """Number formats per column (per row in a KPI sheet), widths that fit, header row frozen and bold."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for position, (header, formats) in enumerate(zip(frame.columns, cell_formats(frame)), start=1):
        values = frame.iloc[:, position - 1]
        letter = get_column_letter(position)
        sheet.cell(row=1, column=position).font = Font(bold=True)
        for row, number_format in enumerate(formats, start=2):
            if number_format and isinstance(sheet.cell(row=row, column=position).value, (int, float)):
                sheet.cell(row=row, column=position).number_format = number_format
        shown = [text_width(v) for v in values.head(500) if v is not None and not (isinstance(v, float) and v != v)]
        width = max([text_width(str(header))] + shown) + 2
        sheet.column_dimensions[letter].width = min(max(width, 8), MAX_WIDTH)
