"""The engine's Benders path: a siting model that is a plain multi-source CFLP (every site a new one with one
open/close decision and one capacity, every node able to reach every site, no policy rows) is solved by
``benders.benders_cflp`` instead of HiGHS on the full model, when it is large (``BENDERS_MIN_ARCS``): there
HiGHS may reach no root in the time (a generated 100 × 1000 CFLP: no HiGHS bound after 23 s of 30).

``cflp_arrays`` reads the instance from the model itself (costs as HiGHS would see them), so what is solved
is the model's optimum; ``solve_cflp`` hands back a ``MilpResult`` over the model's columns.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.status import status_from_gap
from wasteopt.milp.result import MilpResult
from wasteopt.siting.bounds.benders import benders_cflp

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem

BENDERS_MIN_ARCS = 20_000  # from this many arcs (HiGHS may reach no root in time) a CFLP goes to Benders


@dataclass(frozen=True)
class CflpArrays:
    """The model as a CFLP: per site its open column, fixed cost and capacity (t/d); per node its demand;
    ``cost[i, j]`` the cost of sending all of node j to site i; ``arc_col[i, j]`` the flow column."""

    open_col: np.ndarray
    fixed: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    cost: np.ndarray
    arc_col: np.ndarray


def cflp_arrays(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame) -> CflpArrays | None:
    """The model as a CFLP, or None when it is more than one (policy rows, modules, existing plants, min loads,
    outputs, single sourcing, arcs missing or capped, costs on other columns)."""
    sites, techs = problem.sites, problem.technologies
    if (problem.objective.kind != "min_cost" or len(problem.demand.columns) != 1 or problem.single_sourcing
            or problem.flow_caps or problem.capacity_targets or problem.new_site_limits or problem.stop_targets
            or problem.local_capacity or idx.site_running or idx.demand_slack or idx.policy_slack or len(arcs) == 0):
        return None
    if set(idx.site_y) != set(sites.index) or (sites["lock"] != "").any() or not sites["is_new"].astype(bool).all():
        return None
    if (sites["existing_capacity_tpd"] != 0).any():
        return None
    for site, y in idx.site_y.items():
        tech = techs[sites.at[site, "technology"]]
        if (len(y) != 1 or idx.site_n[site] is not y or tech.min_load_share > 0 or tech.outputs
                or tech.volume_m3_per_module > 0):
            return None
    demand = problem.demand.iloc[:, 0]
    demand = demand[demand > 0]
    node = pd.Index(demand.index).get_indexer(arcs["origin"])
    site_list = list(idx.site_y)
    site = pd.Index(site_list).get_indexer(arcs["destination"])
    m, n = len(site_list), len(demand)
    if (node < 0).any() or len(arcs) != m * n or idx.arc_single.any() or not np.allclose(idx.arc_use, 1.0):
        return None
    arc_col = np.full((m, n), -1, dtype=np.int64)
    arc_col[site, node] = idx.arc_var
    if (arc_col < 0).any():
        return None  # a pair twice, another missing
    lb, ub = model.bounds()
    cost = model.cost_vector()
    open_col = np.asarray([idx.site_y[s][0] for s in site_list], dtype=np.int64)
    known = np.zeros(model.num_vars, bool)
    known[open_col] = known[idx.arc_var] = True
    if model.num_vars != known.sum() or (lb[idx.arc_var] != 0).any() or np.isfinite(ub[idx.arc_var]).any():
        return None
    if (ub[open_col] < 1).any() or (lb[open_col] > 0).any():
        return None  # a site fixed open or closed (a fixed plan)
    capacity = np.asarray([techs[sites.at[s, "technology"]].availability * idx.site_sizes[s][0] for s in site_list])
    demand_tpd = demand.to_numpy(float)
    return CflpArrays(open_col, cost[open_col], capacity, demand_tpd, cost[arc_col] * demand_tpd[None, :], arc_col)


def solve_cflp(model: LinearModel, cflp: CflpArrays, *, time_limit: float, rel_gap: float,
               threads: int = 0) -> MilpResult:
    """The CFLP by Benders decomposition, as a result over ``model``'s columns (objective and bound in model
    units, the model's offset included)."""
    began = time.perf_counter()
    result = benders_cflp(cflp.fixed, cflp.capacity, cflp.demand, cflp.cost, time_limit=time_limit,
                          rel_gap=rel_gap, threads=threads)
    x = np.zeros(model.num_vars)
    x[cflp.open_col] = result.open_sites
    x[cflp.arc_col] = result.flows * cflp.demand[None, :]
    objective, bound = result.objective + model.offset, result.bound + model.offset
    gap = result.gap
    message = (f"Benders decomposition (HiGHS master and transportation LPs): {result.lp_rounds} LP rounds, "
               f"{result.master_solves} integer master solves, {result.cuts} cuts")
    return MilpResult(status_from_gap(gap, rel_gap), objective, bound, gap, time.perf_counter() - began, "highs",
                      x, message=message)
