"""KPIs as shown: labels and units, formatting, the terminal table, runs side by side, and the check that a run's
kpis.json is fit to show. All read the flat dict of kpis.json (``Kpis.to_dict()``, or a run folder's file); the KPIs
are computed in :mod:`wasteopt.reporting.kpi_compute`.
"""
from __future__ import annotations

import json
import math

import pandas as pd

KPI_LABELS = [
    ("status", "solver status", ""), ("gap", "MIP gap (proven)", ""), ("solve_seconds", "solve time", "s"),
    ("msw_generated_tpd", "MSW collected", "t/d"), ("msw_to_treat_tpd", "MSW to treat (after sorting)", "t/d"),
    ("msw_incinerated_tpd", "MSW incinerated", "t/d"), ("raw_msw_landfill_tpd", "raw MSW landfilled", "t/d"),
    ("incineration_capacity_tpd", "incineration capacity", "t/d"), ("new_plants", "new plants", "plants"),
    ("expanded_plants", "expanded plants", "plants"), ("new_capacity_tpd", "new capacity", "t/d"),
    ("mean_utilisation", "mean utilisation", ""), ("plants_under_70pct_load", "plants < 70 % load", "plants"),
    ("landfills_stopped", "landfills stopped (of total)", "landfills"), ("landfills_restored", "landfills restored", "landfills"),
    ("landfills_on_record", "landfills on record (rest assumed)", "landfills"),
    ("landfills_stopped_on_record", "of which stopped or closed on record", "landfills"),
    ("mean_haul_km", "mean haul", "km"),
    ("t_km_per_day", "transport", "t·km/d"), ("cost_wan_cny_per_year", "system cost", "万元/yr"),
    ("cost_cny_per_t", "cost per t of MSW collected", "CNY/t"), ("co2e_t_per_year", "net GHG", "t CO2e/yr"),
    ("resource_utilisation_rate", "resource utilisation (incl. WtE)", ""),
    ("recycling_rate", "recycling rate (≥ 35 %)", ""),
    ("power_revenue_wan_cny_per_year", "power revenue (in system cost)", "万元/yr"),
    ("power_subsidy_wan_cny_per_year", "of which subsidy above coal price", "万元/yr"),
    ("tipping_fees_wan_cny_per_year", "tipping fees paid by government", "万元/yr"),
    ("public_budget_wan_cny_per_year", "public budget (fees + power subsidy)", "万元/yr"),
]
SORTING_KPI_LABELS = [  # runs with sorting.enabled
    ("food_capture_rate", "food-waste capture rate", ""), ("food_waste_tpd", "food waste sorted out", "t/d"),
    ("food_waste_treated_tpd", "food waste treated", "t/d"),
    ("food_waste_cotreated_tpd", "of which co-treated at incinerators", "t/d"),
    ("biological_capacity_tpd", "food-waste plant capacity", "t/d"), ("new_food_waste_plants", "new food-waste plants", "plants"),
    ("recyclables_recovered_tpd", "recyclables recovered", "t/d"), ("residual_incinerated_tpd", "residual waste incinerated", "t/d"),
    ("residual_lhv_kj_per_kg", "residual waste LHV", "kJ/kg"),
]

CD_KPI_LABELS = [  # runs with cd.enabled
    ("cd_generated_tpd", "C&D generated", "t/d"), ("cd_reused_tpd", "C&D reused on site", "t/d"),
    ("cd_recycled_tpd", "C&D recycled", "t/d"), ("cd_to_yards_tpd", "C&D to yards", "t/d"),
    ("cd_recycling_rate", "C&D recycling rate", ""), ("cd_truck_trips_per_year", "C&D truck trips", "trips/yr"),
    ("cd_truck_km_per_year", "C&D truck-km (loaded and empty)", "km/yr"),
    ("cd_trips_avoided_by_reuse_per_year", "C&D trips avoided by on-site reuse", "trips/yr"),
    ("cd_yard_years_left_min", "shortest yard life at planned intake", "yr"),
]
CD_CATEGORY_KPI_LABELS = [  # runs with cd.by_category
    (f"cd_{c}_{what}", f"{c} {text}", unit) for c in ("spoil", "slurry", "construction", "demolition", "decoration")
    for what, text, unit in (("generated_tpd", "generated", "t/d"), ("reused_tpd", "reused on site", "t/d"),
                             ("yard_m3_per_year", "into yards", "m³/yr"))]

SHARE_KPIS = ("gap", "mean_utilisation", "resource_utilisation_rate", "recycling_rate", "food_capture_rate",
              "cd_recycling_rate")  # shown in %


_GOAL_FIELDS = {"goal": str, "goal_zh": str, "kpi": str, "sense": str, "unit": str, "target": "number",
                "value": "number or null", "met": bool}
_PATH_FIELDS = ("year", "demand_tpd", "capacity_tpd", "new_plants", "expanded_plants", "raw_msw_landfill_tpd",
                "landfills_stopped", "capital_spent_wan_cny")


def _is(value, kind) -> bool:
    if kind in ("number", "number or null"):
        return (value is None and kind != "number") or (isinstance(value, (int, float)) and not isinstance(value, bool))
    return isinstance(value, kind)


def kpis_problems(kpis) -> list[str]:
    """What makes ``kpis`` (a run's kpis.json, parsed) unusable for the report, compare and the app: not an object,
    a KPI that is not a number, goals or capacity-path rows of the wrong shape. Empty when it is fine."""
    if not isinstance(kpis, dict):
        return [f"not a JSON object of KPIs but a {type(kpis).__name__}"]
    problems = [f"key '{key}' is {json.dumps(kpis[key])[:40]}, not a number"
                for key, _, _ in KPI_LABELS + SORTING_KPI_LABELS + [("landfills_total", "", "")]
                if key != "status" and key in kpis and not _is(kpis[key], "number or null")]
    problems += [f"key '{key}' is not text" for key in ("status", "scenario", "backend", "solver_message")
                 if kpis.get(key) is not None and not isinstance(kpis[key], str)]
    goals = kpis.get("goals", [])
    if not isinstance(goals, list):
        problems.append("key 'goals' is not a list")
    else:
        for i, goal in enumerate(goals):
            wrong = [field for field, kind in _GOAL_FIELDS.items()
                     if not isinstance(goal, dict) or not _is(goal.get(field), kind)]
            if wrong:
                problems.append(f"goal {i + 1}: {', '.join(wrong)} missing or of the wrong type")
    path = kpis.get("capacity_path")
    if path is not None and not (isinstance(path, list) and all(
            isinstance(row, dict) and all(_is(row.get(field), "number") for field in _PATH_FIELDS) for row in path)):
        problems.append("key 'capacity_path' is not a list of years with numbers")
    return problems


def kpi_labels(*runs: dict) -> list[tuple[str, str, str]]:
    """(key, label, unit) of the KPIs to show for these runs: the sorting ones when any run sorts waste, the C&D
    ones when any run plans C&D."""
    return (KPI_LABELS + (SORTING_KPI_LABELS if any("food_waste_tpd" in kpis for kpis in runs) else [])
            + (CD_KPI_LABELS if any("cd_generated_tpd" in kpis for kpis in runs) else [])
            + (CD_CATEGORY_KPI_LABELS if any("cd_spoil_generated_tpd" in kpis for kpis in runs) else []))


def kpi_text(kpis: dict) -> str:
    """Plain-text KPI and goal table for the terminal."""
    lines = [f"{kpis['scenario']}", ""]
    for key, label, unit in kpi_labels(kpis):
        value = kpis.get(key)
        if key == "landfills_stopped":
            text = f"{value} / {kpis['landfills_total']}"
        elif key == "gap" and value is not None:
            text = f"{100 * value:.3f} %"
        elif key in SHARE_KPIS and value is not None:
            text = f"{100 * value:.1f} %"
        elif isinstance(value, float):
            text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        else:
            text = str(value)
        lines.append(f"  {label:<36} {text:>18} {unit}")
    if kpis.get("capacity_path"):
        lines += ["", "  capacity path (plants and landfills counted as of each year):",
                  f"  {'year':>6} {'MSW t/d':>9} {'capacity t/d':>13} {'new plants':>11} {'raw MSW landfilled t/d':>23}"
                  f" {'landfills stopped':>18} {'capital 万元':>12}"]
        for row in kpis["capacity_path"]:
            lines.append(f"  {row['year']:>6} {row['demand_tpd']:>9,.0f} {row['capacity_tpd']:>13,.0f} {row['new_plants']:>11}"
                         f" {row['raw_msw_landfill_tpd']:>23,.0f} {row['landfills_stopped']:>18}"
                         f" {row['capital_spent_wan_cny']:>12,.0f}")
    if kpis.get("futures"):
        lines += ["", f"  futures ({kpis['futures_objective']}, policy {kpis['futures_policy_scope']}; the plan's KPIs "
                  f"above are those of the central future, {kpis['central_future']}):",
                  f"  {'future':<28} {'weight':>6} {'own optimum 万元/yr':>19} {'its gap':>8} {'robust plan 万元/yr':>19}"
                  f" {'raw MSW landfilled t/d':>23}"]
        for row in kpis["futures"]:
            cost = "—" if row["robust_cost_wan_cny"] is None else format(row["robust_cost_wan_cny"], ",.0f")
            gap = "—" if row.get("optimum_gap") is None else f"{100 * row['optimum_gap']:.2f} %"
            lines.append(f"  {row['name']:<28} {row['weight']:>6.2f} {row['optimum_wan_cny']:>19,.0f} {gap:>8}"
                         f" {cost:>19} {row['robust_raw_msw_landfill_tpd']:>23,.0f}")
            if row.get("changes_en"):
                lines.append(f"    {row['changes_en']}")
        unbounded = _vss_unbounded(kpis)
        for key, label in (("expected_cost_wan_cny", "expected cost of the robust plan"),
                           ("value_of_stochastic_solution_wan_cny", "value of the stochastic solution (VSS)"),
                           *([("policy_premium_wan_cny", "policy premium")] if unbounded else []),
                           ("expected_value_of_perfect_information_wan_cny", "expected value of perfect information")):
            lines.append(f"  {label:<40} {futures_figure(kpis, key):>14} 万元/yr")
        lines.append("  [low … high]: what the solves' proven gaps allow; the VSS is measured against the plan of the "
                     "mean-value problem (expected growth and capture)")
        if unbounded:
            lines.append(f"  the mean-value plan breaks the policy in {breaches_text(kpis)}: VSS unbounded; the premium "
                         "is what the robust plan costs more than it with the shortfall landfilled")
        if kpis.get("futures_solves_above_gap"):
            lines.append("  UNRELIABLE: solves stopped above the gap asked for: " + "; ".join(kpis["futures_solves_above_gap"]))
    if kpis.get("marginal_cost_by_vintage"):
        lines += ["", "  one more tonne at a plant, CNY/t (load-weighted; tipping fee is public budget, not system cost):",
                  f"  {'vintage':<34} {'plants':>6} {'haul':>7} {'treat':>7} {'ash':>6} {'power':>7} {'net':>7}"]
        for row in kpis["marginal_cost_by_vintage"]:
            lines.append(f"  {row['vintage']:<34} {row['plants']:>6} {row['haul_cny_per_t']:>7.1f}"
                         f" {row['treatment_cny_per_t']:>7.1f} {row['ash_cny_per_t']:>6.1f}"
                         f" {row['power_revenue_cny_per_t']:>7.1f} {row['marginal_cost_cny_per_t']:>7.1f}")
    lines += ["", "  goals (河南十四五规划):"]
    for goal in kpis["goals"]:
        mark = "MET" if goal["met"] else "NOT MET"
        value = goal["value"]
        shown = f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)
        lines.append(f"  {goal['goal_zh']} {goal['goal']:<26} {goal['sense']} {goal['target']:>8,.0f} {goal['unit']:<10}"
                     f" value {shown:>10}   {mark}")
    return "\n".join(lines)


def capacity_goal_tpd(kpis: dict) -> float | None:
    """The incineration-capacity goal (t/d) a run was checked against, if it has one."""
    return next((g["target"] for g in kpis.get("goals", []) if g["kpi"] == "incineration_capacity_tpd"), None)


def format_kpi(key: str, value, kpis: dict) -> str:
    """One KPI value as shown in tables: '–' when missing, shares in %, landfills stopped out of the total."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key == "landfills_stopped":
        return f"{value} / {kpis.get('landfills_total', '?')}"
    if key in SHARE_KPIS:
        return f"{100 * value:.2f} %"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def comparison_frame(kpis_by_run: dict[str, dict]) -> pd.DataFrame:
    """Runs side by side: one row per KPI (key, label, unit) and per plan goal (MET / NOT MET), one column per run."""
    rows = [{"kpi": key, "label": label, "unit": unit, **{run: kpis.get(key) for run, kpis in kpis_by_run.items()}}
            for key, label, unit in kpi_labels(*kpis_by_run.values())]
    goals = {}
    for run, kpis in kpis_by_run.items():
        for goal in kpis.get("goals") or []:
            row = goals.setdefault(goal["kpi"], {
                "kpi": f"goal {goal['kpi']}", "label": f"{goal['goal_zh']} {goal['goal']} {goal['sense']} {goal['target']:,.0f}",
                "unit": goal["unit"]})
            row[run] = "MET" if goal["met"] else "NOT MET"
    return pd.DataFrame(rows + list(goals.values()))


def _vss_unbounded(kpis: dict) -> bool:
    """The VSS is unbounded (runs written before the flag: the central plan's breaches said so)."""
    return bool(kpis.get("value_of_stochastic_solution_unbounded") or kpis.get("central_plan_breaches"))


def futures_figure(kpis: dict, key: str, number_format: str = ",.0f") -> str:
    """A figure of a plan for several futures as shown: ∞ for an unbounded VSS, — when there is none, else the
    figure and, when its solves' gaps leave room, the interval they allow: '2,146 [1,980 … 2,310]'."""
    if key == "value_of_stochastic_solution_wan_cny" and _vss_unbounded(kpis):
        return "∞"
    value = kpis.get(key)
    if value is None:
        return "—"
    shown = format(value, number_format)
    bounds = kpis.get(key.replace("_wan_cny", "_interval_wan_cny")) if key.endswith("_wan_cny") else None
    if not bounds:
        return shown
    low, high = ("−∞" if b is None and i == 0 else "∞" if b is None else format(b, number_format)
                 for i, b in enumerate(bounds))
    return shown if low == high == shown else f"{shown} [{low} … {high}]"


def breaches_text(kpis: dict) -> str:
    """The futures in which the mean-value plan breaks the policy, with its shortfall: "fast (442 t/d), …"."""
    breaches = kpis.get("mean_value_plan_breaches") or kpis.get("central_plan_breaches") or []
    return ", ".join(f"{b['future']} ({b['shortfall_tpd']:,.0f} t/d)" for b in breaches)


def future_words(row: dict, lang: str = "zh") -> str:
    """A future by name with what it changes in words: 'low（年增长率 2.5 % → 1.5 %）' / 'low (growth 2.5 % → 1.5 %)'."""
    changes = row.get(f"changes_{lang}")
    if not changes:
        return row["name"]
    return f"{row['name']}（{changes}）" if lang == "zh" else f"{row['name']} ({changes})"
