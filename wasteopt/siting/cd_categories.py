"""C&D waste by the national categories of CJJ/T 134-2019 (工程渣土 spoil, 工程泥浆 slurry, 工程垃圾 construction,
拆除垃圾 demolition, 装修垃圾 decoration): each its own stream ``cd_<category>`` with its generation driver, on-site
reuse share, density and allowed destinations. Without ``cd.by_category`` C&D is the one stream ``cd``.

Destinations map onto technologies: reuse → cd_reuse (the county's own site, capped by the share), yard → cd_yard,
recycler → cd_recycler (crushing and screening, and sorting of decoration waste), dewatering → cd_dewatering (slurry
filter presses), incinerator, landfill. Recyclers and dewatering plants pass their residue (``cd_residue``) on to
yards or landfills.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.scenario.cd import CD_CATEGORIES

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

DESTINATION_TECHNOLOGY = {"reuse": "cd_reuse", "yard": "cd_yard", "recycler": "cd_recycler",
                          "dewatering": "cd_dewatering", "incinerator": "incinerator", "landfill": "landfill"}
RESIDUE = "cd_residue"
NAMES_ZH = {"spoil": "工程渣土", "slurry": "工程泥浆", "construction": "工程垃圾", "demolition": "拆除垃圾",
            "decoration": "装修垃圾"}


def cd_streams(scenario: Scenario) -> tuple[str, ...]:
    """The C&D streams counties send (no residue): ``cd_<category>`` per category, or ``cd``."""
    if not scenario.cd.enabled:
        return ()
    return tuple(f"cd_{c}" for c in CD_CATEGORIES) if scenario.cd.by_category else ("cd",)


def is_cd_stream(stream: str) -> bool:
    """A C&D stream of either form, residue included."""
    return stream == "cd" or stream.startswith("cd_")


def streams_to(scenario: Scenario, destination: str) -> tuple[str, ...]:
    """The county C&D streams allowed to ``destination`` (every one in the single-stream form, except dewatering)."""
    cd = scenario.cd
    if not cd.enabled:
        return ()
    if not cd.by_category:
        return () if destination in ("dewatering", "incinerator") else ("cd",)
    return tuple(f"cd_{c}" for c in CD_CATEGORIES if destination in getattr(cd.categories, c).destinations)


def densities(scenario: Scenario) -> dict[str, float]:
    """t/m³ of every C&D stream in a yard: each category its own, residue (and the single stream) the yard's."""
    cd = scenario.cd
    table = {"cd": cd.yard.density_t_per_m3, RESIDUE: cd.yard.density_t_per_m3}
    return table | {f"cd_{c}": getattr(cd.categories, c).density_t_per_m3 for c in CD_CATEGORIES}


def reuse_shares(scenario: Scenario) -> dict[str, float]:
    """Most share of each county stream reused on site."""
    cd = scenario.cd
    if not cd.by_category:
        return {"cd": cd.onsite_reuse_max_share}
    return {f"cd_{c}": getattr(cd.categories, c).onsite_reuse_max_share
            for c in CD_CATEGORIES if "reuse" in getattr(cd.categories, c).destinations}


def generation(scenario: Scenario, urban_population: pd.Series, days_per_year: float) -> pd.DataFrame:
    """Per node (t/d): ``<stream>_tpd`` of every county C&D stream and ``cd_generated_tpd`` their sum. Drivers: t per
    urban resident a year, plus the plan's programmes (老旧小区改造 households, 棚户区改造 units) spread over their
    years by urban population."""
    cd = scenario.cd
    urban = urban_population.astype(float)
    share = urban / urban.sum()
    programme_t = {"renovation": cd.renovation_households * cd.renovation_t_per_household,
                   "shantytown": cd.shantytown_units * cd.shantytown_t_per_unit, "none": 0.0}
    out = pd.DataFrame(index=urban.index)
    if not cd.by_category:
        yearly = cd.routine_t_per_urban_capita_year * urban + (programme_t["renovation"] + programme_t["shantytown"]) \
            / cd.program_years * share
        out["cd_tpd"] = yearly / days_per_year
    else:
        for c in CD_CATEGORIES:
            cat = getattr(cd.categories, c)
            yearly = cat.t_per_urban_capita_year * urban + programme_t[cat.programme] / cd.program_years * share
            out[f"cd_{c}_tpd"] = yearly / days_per_year
    out["cd_generated_tpd"] = out.sum(axis=1)
    return out


def cd_arcs(scenario: Scenario, nodes: pd.DataFrame, sites: pd.DataFrame, arcs, cd_cost: float) -> list[pd.DataFrame]:
    """Arcs of every C&D stream: on-site reuse (km 0, capped by the share), county → each allowed destination,
    recyclers and dewatering plants → yards and landfills for their residue. ``arcs(origins, destinations,
    max_km, k_nearest)`` is the scenario's sparse-arc builder."""
    cd = scenario.cd
    gate = {"landfill": cd.landfill_gate_cost_cny_per_t}

    def of(technologies):
        return sites[sites["technology"].isin(technologies)]

    parts = []
    for stream, share in reuse_shares(scenario).items():
        if share > 0:
            parts.append(pd.DataFrame({"origin": nodes.index, "destination": [f"U{a}" for a in nodes.index], "km": 0.0,
                                       "cost_per_t": 0.0, "max_tpd": (nodes[f"{stream}_tpd"] * share).to_numpy(),
                                       "stream": stream}))
    for stream in cd_streams(scenario):
        sinks = [DESTINATION_TECHNOLOGY[d] for d in DESTINATION_TECHNOLOGY if d != "reuse" and stream in streams_to(scenario, d)]
        for tech in sinks:
            shipped = arcs(nodes, of([tech]), cd.max_haul_km, 1)
            shipped["cost_per_t"] = shipped["km"] * cd_cost + gate.get(tech, 0.0)
            parts.append(shipped.assign(stream=stream))
    makers = of(["cd_recycler", "cd_dewatering"])
    for tech in ("cd_yard", "landfill"):
        residue = arcs(makers, of([tech]), cd.max_haul_km, 1)
        residue["cost_per_t"] = residue["km"] * cd_cost + gate.get(tech, 0.0)
        parts.append(residue.assign(stream=RESIDUE))
    return parts

