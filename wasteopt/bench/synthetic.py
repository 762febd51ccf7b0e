"""Synthetic township-scale regions (labelled synthetic) and their siting problem, for scale tests.

Each county's treated MSW (t/d, from the Region) is split over township points inside its
boundary: the county seat takes the urban share, the rest is spread over points drawn
uniformly inside the polygon with Dirichlet shares. County totals are kept exactly, so the
province total equals the county model's. Candidate sites are townships drawn with
probability ∝ MSW; existing plants stay where the Region puts them.

The same seed gives the same townships and sites: every county draws from its own stream
``default_rng([seed, adcode])``.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.data.network import sparse_arcs
from wasteopt.data.region import Region, load_region
from wasteopt.data.seeds import SEED_FILES
from wasteopt.data.tables import read_table
from wasteopt.data.townships import RURAL_SHARE_CONCENTRATION, allocate_nodes, points_inside
from wasteopt.siting.problem import SitingProblem
from wasteopt.siting.economics import technologies

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

SCALE_MAX_KM = 60.0              # township haul radius for the scale model, road km
SCALE_K_NEAREST = 5              # plus this many nearest sites per township beyond it


@dataclass(frozen=True)
class Townships:
    """Synthetic demand nodes and candidate sites.

    nodes: index node_id; adcode, lon, lat (WGS84 deg), msw_tpd (t/d to treat), seat (bool).
    candidates: index site_id; node_id, adcode, lon, lat.
    """

    nodes: pd.DataFrame
    candidates: pd.DataFrame
    seed: int


def generate_townships(region: Region, n_nodes: int, n_sites: int, seed: int = 0) -> Townships:
    """``n_nodes`` township demand points (≥ one per county) and ``n_sites`` candidate sites among them."""
    if not 1 <= n_sites <= n_nodes:
        raise ScenarioError(f"--sites {n_sites}: must be between 1 and the {n_nodes} nodes")
    demand = region.demand
    counts = allocate_nodes(demand["population"], n_nodes)
    shapes = region.boundaries.set_index("adcode").geometry
    parts = []
    for adcode, county in demand.iterrows():
        rng = np.random.default_rng([seed, int(adcode)])
        k = int(counts[adcode])
        urban = county["urban_population"] / county["population"] if county["population"] else 1.0
        shares = np.array([1.0])
        if k > 1:
            rural = rng.dirichlet(np.full(k - 1, RURAL_SHARE_CONCENTRATION)) * (1.0 - urban)
            shares = np.r_[urban, rural]
        xy = np.vstack([[county["lon"], county["lat"]], points_inside(shapes[adcode], k - 1, rng)])
        parts.append(pd.DataFrame({
            "node_id": [f"T{adcode}{i:04d}" for i in range(k)], "adcode": adcode,
            "lon": xy[:, 0], "lat": xy[:, 1], "msw_tpd": county["msw_tpd"] * shares, "seat": np.arange(k) == 0}))
    nodes = pd.concat(parts, ignore_index=True).set_index("node_id")
    rng = np.random.default_rng([seed, 0])
    weights = nodes["msw_tpd"].to_numpy() / nodes["msw_tpd"].sum()
    picked = np.sort(rng.choice(len(nodes), size=n_sites, replace=False, p=weights))
    candidates = nodes.iloc[picked][["adcode", "lon", "lat"]].reset_index()
    candidates.index = "S" + candidates["node_id"].str[1:]
    candidates.index.name = "site_id"
    return Townships(nodes, candidates, seed)


def township_problem(scenario: Scenario, region: Region, towns: Townships, *, max_km: float = SCALE_MAX_KM,
                     k_nearest: int = SCALE_K_NEAREST, single_sourcing: bool = False) -> SitingProblem:
    """MSW → incinerators (existing plants + township candidates) on sparse arcs within ``max_km`` road km
    plus ``k_nearest``; no landfill, so every tonne is incinerated (the zero-landfill goal by construction).

    Split flows by default: a township sends a few t/d, so letting it split costs nothing real and
    keeps the flow part an LP; single sourcing adds one binary per arc.
    """
    incinerator = dataclasses.replace(technologies(scenario)["incinerator"], outputs=())  # no ash stream here
    plants = region.plants.set_index("site_id")
    sites = pd.concat([
        plants[["lon", "lat"]].assign(existing_capacity_tpd=plants["capacity_tpd"].astype(float),
                                      existing_modules=plants["n_lines"].astype(int), is_new=False,
                                      expandable=scenario.incinerator.allow_expansion),
        towns.candidates[["lon", "lat"]].assign(existing_capacity_tpd=0.0, existing_modules=0, is_new=True,
                                                expandable=True),
    ]).assign(technology="incinerator", lock="")
    transport = scenario.transport
    per_t_km = transport.msw_cny_per_t_km + scenario.economics.carbon_price_cny_per_t_co2e * transport.co2_kg_per_t_km / 1e3
    arcs = sparse_arcs(towns.nodes[["lon", "lat"]], sites[["lon", "lat"]], max_km=max_km,
                       circuity=scenario.network.circuity, k_nearest=k_nearest)
    arcs = arcs.assign(stream="msw", cost_per_t=arcs["km"].to_numpy() * per_t_km)
    policy = scenario.policy
    limits = ()
    if policy.new_plants.min is not None or policy.new_plants.max is not None:
        limits = (("incinerator", policy.new_plants.min, policy.new_plants.max),)
    targets = ()
    if policy.province_capacity_target_tpd is not None:
        targets = (("incinerator", policy.province_capacity_target_tpd),)
    return SitingProblem(demand=towns.nodes[["msw_tpd"]].rename(columns={"msw_tpd": "msw"}), sites=sites,
                         technologies={"incinerator": incinerator}, arcs=arcs,
                         single_sourcing=("msw",) if single_sourcing else (),
                         capacity_targets=targets, new_site_limits=limits)


def peak_rss_mb() -> float:
    """Peak resident memory of this process image, MB: ``VmHWM`` starts afresh at exec, whereas
    ``ru_maxrss`` carries the parent's peak into a spawned child, so small rows would report the parent's."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024.0  # kB


def measure_scale(scenario: Scenario, n_nodes: int, n_sites: int, *, seed: int = 0, time_limit: float = 60.0,
                  rel_gap: float = 0.01, max_km: float = SCALE_MAX_KM, k_nearest: int = SCALE_K_NEAREST,
                  single_sourcing: bool = False) -> dict:
    """Generate, build and solve one township instance; run it in a fresh process for an honest peak.

    ``seconds`` is wall time from the township table to the solution (arcs, problem, MILP build
    and solve); generation (a data-preparation step) is reported apart as ``generate_seconds``.
    """
    from wasteopt.siting.pipeline import solve_problem

    region = load_region(scenario)
    start = time.perf_counter()
    towns = generate_townships(region, n_nodes, n_sites, seed)
    generated = time.perf_counter()
    problem = township_problem(scenario, region, towns, max_km=max_km, k_nearest=k_nearest,
                               single_sourcing=single_sourcing)
    solution = solve_problem(problem, time_limit=time_limit, rel_gap=rel_gap, threads=scenario.solver.threads)
    done = time.perf_counter()
    result = solution.result
    return {"nodes": n_nodes, "sites": n_sites, "arcs": len(problem.arcs), "seconds": round(done - generated, 2),
            "gap": None if result.gap is None else round(result.gap, 5), "peak_mb": round(peak_rss_mb(), 1),
            "status": result.status, "solver_seconds": round(result.seconds, 2),
            "generate_seconds": round(generated - start, 2), "objective": result.objective}


def write_seed_subset(source: str | Path, target: str | Path, prefectures: set[str]) -> Path:
    """A seeds folder with only the given prefectures (adcodes): a small real region for demos and tests.

    The default calibration (a held factor) applies to a subset as to the province; a calibration with
    ``factor: null`` would scale the subset up to the whole province's observed tonnage.
    """
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    files = SEED_FILES
    counties = read_table(source / files["counties"])
    counties = counties[counties["prefecture_adcode"].isin(prefectures)]
    adcodes = set(counties["adcode"])
    hosts = read_table(source / files["dev_zone_hosts"])
    hosts = hosts[hosts["host_adcode"].isin(adcodes)]
    zones = read_table(source / files["dev_zones"])
    tables = {
        "counties": counties,
        "prefectures": (lambda t: t[t["adcode"].isin(prefectures)])(read_table(source / files["prefectures"])),
        "dev_zone_hosts": hosts,
        "dev_zones": zones[zones["name_zh"].isin(set(hosts["zone_name_zh"]))],
        "plants": (lambda t: t[t["prefecture_adcode"].isin(prefectures)])(read_table(source / files["plants"])),
        "news_plants": (lambda t: t[t["prefecture_adcode"].isin(prefectures)])(read_table(source / files["news_plants"])),
        "landfills": (lambda t: t[t["adcode"].isin(adcodes)])(read_table(source / files["landfills"])),
    }
    empty = [files[name] for name, table in tables.items() if table.empty]
    if empty:
        raise DataError(f"prefectures {', '.join(sorted(prefectures))}: no rows left in {', '.join(empty)}")
    for name, table in tables.items():
        table.to_csv(target / files[name], index=False, encoding="utf-8")
    for name, keep in (("county_shapes", adcodes), ("prefecture_shapes", prefectures)):
        collection = json.loads((source / files[name]).read_text(encoding="utf-8"))
        collection["features"] = [f for f in collection["features"] if str(f["properties"].get("adcode")) in keep]
        (target / files[name]).write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    if (source / "SOURCES.md").is_file():
        (target / "SOURCES.md").write_text((source / "SOURCES.md").read_text(encoding="utf-8"), encoding="utf-8")
    return target
