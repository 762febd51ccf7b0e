"""A synthetic national instance (labelled synthetic) for the decomposed-siting bench: townships in provincial blocks.

No public township table of the whole country is in the seeds, so every figure here is a documented synthetic
rule, not data: 31 blocks of 3° lon × 2.5° lat (≈ 300 × 280 km) tile a 6 × 6 grid from 98° E, 22° N (the last
five cells empty); each block's weight is lognormal (σ = ``BLOCK_SIGMA``); townships are allotted to blocks ∝
weight (≥ one each), placed uniformly inside the block, each with lognormal MSW (median ``TOWN_MEDIAN_TPD``
t/d, σ = ``TOWN_SIGMA``); candidate sites are allotted to blocks ∝ townships and drawn among a block's
townships ∝ MSW. Costs, circuity and the incinerator come from the scenario, as in ``synthetic.township_problem``
(no landfill: every tonne is incinerated). Block ``b`` draws from ``default_rng([seed, b])``.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import ScenarioError
from wasteopt.data.network import sparse_arcs
from wasteopt.siting.problem import SitingProblem
from wasteopt.siting.economics import technologies
from wasteopt.bench.synthetic import SCALE_K_NEAREST, SCALE_MAX_KM, allocate_nodes

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

BLOCKS = 31
GRID_COLUMNS = 6
BLOCK_LON, BLOCK_LAT = 3.0, 2.5  # degrees per block
WEST, SOUTH = 98.0, 22.0
BLOCK_SIGMA = 0.5
TOWN_MEDIAN_TPD, TOWN_SIGMA = 10.0, 0.8


@dataclass(frozen=True)
class National:
    """The instance and its split: ``site_block`` maps each candidate site to its block (``P01`` … ``P31``)."""

    problem: SitingProblem
    site_block: dict[str, str]
    generate_seconds: float


def generate_national(scenario: Scenario, n_nodes: int = 40_000, n_sites: int = 4_000, *, blocks: int = BLOCKS,
                      seed: int = 0, max_km: float = SCALE_MAX_KM, k_nearest: int = SCALE_K_NEAREST) -> National:
    """``n_nodes`` townships and ``n_sites`` candidate incinerator sites in ``blocks`` provincial blocks."""
    if not 1 <= blocks <= GRID_COLUMNS * GRID_COLUMNS:
        raise ScenarioError(f"--blocks {blocks}: between 1 and {GRID_COLUMNS * GRID_COLUMNS}")
    if n_sites < blocks or n_sites > n_nodes:
        raise ScenarioError(f"--sites {n_sites}: at least one per block ({blocks}) and at most the {n_nodes} nodes")
    began = time.perf_counter()
    names = [f"P{b + 1:02d}" for b in range(blocks)]
    weights = pd.Series(np.random.default_rng([seed, 0]).lognormal(0.0, BLOCK_SIGMA, blocks), index=names)
    towns_per_block = allocate_nodes(weights, n_nodes)
    sites_per_block = allocate_nodes(towns_per_block.astype(float), n_sites)
    nodes, candidates = [], []
    for b, name in enumerate(names):
        rng = np.random.default_rng([seed, b + 1])
        k = int(towns_per_block[name])
        west, south = WEST + BLOCK_LON * (b % GRID_COLUMNS), SOUTH + BLOCK_LAT * (b // GRID_COLUMNS)
        towns = pd.DataFrame({"lon": rng.uniform(west, west + BLOCK_LON, k), "lat": rng.uniform(south, south + BLOCK_LAT, k),
                              "msw": rng.lognormal(np.log(TOWN_MEDIAN_TPD), TOWN_SIGMA, k)},
                             index=[f"T{name}{i:05d}" for i in range(k)])
        picked = np.sort(rng.choice(k, size=int(sites_per_block[name]), replace=False,
                                    p=towns["msw"].to_numpy() / towns["msw"].sum()))
        chosen = towns.iloc[picked][["lon", "lat"]]
        chosen.index = "S" + chosen.index.str[1:]
        nodes.append(towns)
        candidates.append(chosen.assign(block=name))
    towns, sites = pd.concat(nodes), pd.concat(candidates)
    incinerator = dataclasses.replace(technologies(scenario)["incinerator"], outputs=())
    transport = scenario.transport
    per_t_km = transport.msw_cny_per_t_km + scenario.economics.carbon_price_cny_per_t_co2e * transport.co2_kg_per_t_km / 1e3
    arcs = sparse_arcs(towns[["lon", "lat"]], sites[["lon", "lat"]], max_km=max_km,
                       circuity=scenario.network.circuity, k_nearest=k_nearest)
    arcs = arcs.assign(stream="msw", cost_per_t=arcs["km"].to_numpy() * per_t_km)
    table = sites[["lon", "lat"]].assign(technology="incinerator", existing_capacity_tpd=0.0, existing_modules=0,
                                         is_new=True, lock="", expandable=True)
    problem = SitingProblem(demand=towns[["msw"]], sites=table, technologies={"incinerator": incinerator}, arcs=arcs)
    return National(problem, sites["block"].to_dict(), time.perf_counter() - began)
