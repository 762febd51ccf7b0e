"""The knobs a planner turns: Scenario → widget values → ``Scenario.with_changes`` dict. No Streamlit here."""
from __future__ import annotations

import pandas as pd

from wasteopt.data.demand import msw_generation
from wasteopt.data.region import Region
from wasteopt.config.scenario.cd import CD_CATEGORIES
from wasteopt.config.scenario.schema import Scenario
from wasteopt.reporting.labels import place, t

# The app's time budget: solve until the proven gap is at most this or this many seconds have passed;
# a config asking for a looser gap or a longer time keeps its own values.
APP_REL_GAP = 0.01
APP_TIME_LIMIT_S = 30.0
STANDARD_LINE_SIZES_TPD = (200.0, 300.0, 400.0, 500.0, 600.0, 750.0, 800.0, 1000.0)

# Each numeric knob's arrow-key (and ± button) step and shown format, in the widget's unit: values a planner talks
# in — 1 % of a share, 0.1 %/yr of growth, 5 km of haul, 100 t/d of a landfill cap, 500 万元 of a site.
STEPS: dict[str, dict] = {
    "target_year": {"step": 1},
    "msw_urban": {"step": 0.01, "format": "%.2f"},  # kg/person/day
    "msw_rural": {"step": 0.01, "format": "%.2f"},
    "growth_pct": {"step": 0.1, "format": "%.1f"},
    "sorted_out_pct": {"step": 1.0, "format": "%.0f"},
    "max_haul_km": {"step": 5.0, "format": "%.0f"},
    "max_lines": {"step": 1},
    "site_cost": {"step": 500.0, "format": "%.0f"},  # 万元
    "line_fixed_cost": {"step": 500.0, "format": "%.0f"},
    "line_cost": {"step": 1.0, "format": "%.1f"},  # 万元 per t/d
    "landfill_cap": {"step": 100.0, "format": "%.0f"},  # t/d
    "min_new": {"step": 1},
    "max_new": {"step": 1},
    "objective_p": {"step": 1},
    "objective_radius": {"step": 5.0, "format": "%.0f"},
    "cd_reuse_pct": {"step": 1.0, "format": "%.0f"},
    "rel_gap_pct": {"step": 0.1, "format": "%.2f"},
    "time_limit": {"step": 10.0, "format": "%.0f"},  # s
}
# Slider ranges (widened to take a scenario's own value). PageUp/PageDown move a slider by a tenth of its range
# (Streamlit sets no other page size), so each range is ten round pages: 50 km of haul, 5 %/yr of growth, 10 %.
SLIDER_RANGES: dict[str, tuple[float, float]] = {
    "growth_pct": (-20.0, 30.0), "sorted_out_pct": (0.0, 90.0), "max_haul_km": (20.0, 520.0),
    "cd_reuse_pct": (0.0, 100.0),
}


def knob_values(scenario: Scenario) -> dict:
    """Widget values for a scenario (shares and the gap shown in %; the time budget at least the app's)."""
    demand, inc, policy = scenario.demand, scenario.incinerator, scenario.policy
    cap = policy.raw_msw_landfill_cap_tpd
    return {
        "target_year": scenario.region.target_year,
        "msw_urban": demand.msw_kg_per_capita_day.urban,
        "msw_rural": demand.msw_kg_per_capita_day.rural,
        "growth_pct": round(100 * demand.growth_per_year, 6),
        "sorted_out_pct": round(100 * demand.sorted_out_share, 6),
        "max_haul_km": float(scenario.network.max_haul_km),
        "line_sizes": sorted(float(size) for size in inc.line_sizes_tpd),
        "max_lines": inc.max_lines_per_site,
        "site_cost": float(inc.site_cost_wan_cny),
        "line_fixed_cost": float(inc.line_fixed_cost_wan_cny),
        "line_cost": float(inc.line_cost_wan_cny_per_tpd),
        "landfill_capped": cap is not None,
        "landfill_cap": float(cap or 0.0),
        "min_new": policy.new_plants.min,
        "max_new": policy.new_plants.max,
        "locked_open": list(policy.locked_open),
        "locked_closed": list(policy.locked_closed),
        "fixed_plants_file": policy.fixed_plants_file or "",
        "time_limit": max(float(scenario.solver.time_limit_s), APP_TIME_LIMIT_S),
        "rel_gap_pct": round(100 * max(scenario.solver.rel_gap, APP_REL_GAP), 6),
        "single_sourcing": policy.single_sourcing,
        "objective": scenario.objective.kind,
        "objective_p": scenario.objective.p,
        "objective_radius": scenario.objective.radius_km,
        "cd_enabled": scenario.cd.enabled,
        "cd_reuse_pct": round(100 * scenario.cd.onsite_reuse_max_share, 6),
        **{f"cd_reuse_pct_{c}": round(100 * getattr(scenario.cd.categories, c).onsite_reuse_max_share, 6)
           for c in reusable_categories(scenario)},
    }


def reusable_categories(scenario: Scenario) -> tuple[str, ...]:
    """The C&D categories that may be reused on site (``reuse`` among their destinations): each has its own on-site
    reuse knob, which is the one that acts when the scenario splits C&D by category."""
    return tuple(c for c in CD_CATEGORIES if "reuse" in getattr(scenario.cd.categories, c).destinations)


OBJECTIVES = ("min_cost", "p_median", "set_cover", "max_coverage")


def _optional_int(value) -> int | None:
    return None if value is None else int(value)


def changes_from_knobs(values: dict) -> dict:
    """The nested changes dict for ``Scenario.with_changes``; unchanged knobs reproduce the scenario exactly."""
    return {
        "region": {"target_year": int(values["target_year"])},
        "demand": {
            "msw_kg_per_capita_day": {"urban": float(values["msw_urban"]), "rural": float(values["msw_rural"])},
            "growth_per_year": round(float(values["growth_pct"]) / 100, 8),
            "sorted_out_share": round(float(values["sorted_out_pct"]) / 100, 8),
        },
        "network": {"max_haul_km": float(values["max_haul_km"])},
        "incinerator": {
            "line_sizes_tpd": sorted(float(size) for size in values["line_sizes"]),
            "max_lines_per_site": int(values["max_lines"]),
            "site_cost_wan_cny": float(values["site_cost"]),
            "line_fixed_cost_wan_cny": float(values["line_fixed_cost"]),
            "line_cost_wan_cny_per_tpd": float(values["line_cost"]),
        },
        "policy": {
            "raw_msw_landfill_cap_tpd": float(values["landfill_cap"]) if values["landfill_capped"] else None,
            "new_plants": {"min": _optional_int(values["min_new"]), "max": _optional_int(values["max_new"])},
            "locked_open": list(values["locked_open"]),
            "locked_closed": list(values["locked_closed"]),
            "single_sourcing": bool(values["single_sourcing"]),
            "fixed_plants_file": values["fixed_plants_file"] or None,
        },
        "objective": {"kind": values["objective"], "p": _optional_int(values["objective_p"]),
                      "radius_km": None if values["objective_radius"] is None else float(values["objective_radius"])},
        "cd": {"enabled": bool(values["cd_enabled"]),
               "onsite_reuse_max_share": round(float(values["cd_reuse_pct"]) / 100, 8),
               "categories": {c: {"onsite_reuse_max_share": round(float(values[f"cd_reuse_pct_{c}"]) / 100, 8)}
                              for c in CD_CATEGORIES if f"cd_reuse_pct_{c}" in values}},
        "solver": {"time_limit_s": float(values["time_limit"]), "rel_gap": round(float(values["rel_gap_pct"]) / 100, 8)},
    }


def line_size_options(current: list[float]) -> list[float]:
    return sorted(set(STANDARD_LINE_SIZES_TPD) | {float(size) for size in current})


def site_choices(region: Region) -> dict[str, str]:
    """Lockable site id → label in Chinese with pinyin (plants P…, candidates C…, landfills L…)."""
    kinds = [(region.plants, "现有厂 existing"), (region.candidates, "候选 candidate"), (region.landfills, "填埋 landfill")]
    frame = pd.concat([table[["site_id", "name_zh", "name_en"]].assign(kind=label) for table, label in kinds])
    return {row.site_id: f"{row.site_id} · {place(row.name_zh, row.name_en)} · {row.kind}"
            for row in frame.itertuples()}


def calibration_note(scenario: Scenario, region: Region, lang: str) -> str:
    """What the calibration step does with the demand knobs (shown beside them): a held factor lets them move
    the total; a factor fitted in every run pins the total to the observed one; none is factor 1."""
    demand, calibration = scenario.demand, scenario.demand.calibration
    urban, rural = region.demand["urban_population"], region.demand["rural_population"]
    target_year = scenario.region.target_year
    total = float(msw_generation(urban, rural, demand, target_year).generated_tpd.sum())
    if calibration is None:
        return t("calibration_none", lang, target_year=target_year, total=total)
    observed_year = msw_generation(urban, rural, demand, calibration.year)
    return t("calibration_fitted" if observed_year.calibration_fitted else "calibration_held", lang,
             factor=observed_year.calibration_factor, observed=calibration.total_tpd, year=calibration.year,
             modelled=float(observed_year.generated_tpd.sum()), target_year=target_year, total=total)
