"""The points an OD table is built for: a scenario's demand nodes and sites, or a user CSV."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from wasteopt.data.tables import raise_problems, read_table, validate_table


def read_points(path: str | Path) -> pd.DataFrame:
    """A CSV with site_id, lon, lat (WGS84 degrees) as a frame indexed by site_id; every bad row at once."""
    path = Path(path)
    table = read_table(path)
    problems = validate_table(table, required=("site_id", "lon", "lat"), id_column="site_id")
    for column in ("lon", "lat"):
        if column in table:
            values = pd.to_numeric(table[column], errors="coerce")
            problems += [f"row {i + 1}: {column} is not a number ({table[column].iat[i]!r})"
                         for i in range(len(table)) if pd.isna(values.iat[i])]
    raise_problems(path, problems)
    return pd.DataFrame({"lon": pd.to_numeric(table["lon"]).to_numpy(), "lat": pd.to_numeric(table["lat"]).to_numpy()},
                        index=pd.Index(table["site_id"].str.strip(), name="site_id"))


def scenario_points(scenario) -> tuple[pd.DataFrame, pd.Index, float]:
    """(points, demand-node ids, longest haul limit km) of a scenario: its demand nodes (county seats),
    existing plants, candidate sites, landfills and, when switched on, C&D and transfer sites. On-site
    reuse never travels, so it needs no road."""
    from wasteopt.data.region import load_region
    from wasteopt.siting.scenario_problem import site_table

    region = load_region(scenario)
    sites = site_table(scenario, region)
    sites = sites[sites["kind"] != "onsite_reuse"]
    demand = region.demand[["lon", "lat"]]
    points = pd.concat([demand, sites[["lon", "lat"]]]).astype(float)
    points.index = points.index.astype(str).rename("site_id")
    limits = [scenario.network.max_haul_km, scenario.landfill.max_haul_km]
    if scenario.cd.enabled:
        limits.append(scenario.cd.max_haul_km)
    if scenario.transfer.enabled:
        limits.append(scenario.transfer.max_feed_km)
    return points, demand.index.astype(str), max(limits)
