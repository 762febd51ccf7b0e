"""A what-if that starts from its base run's plan instead of from nothing.

The base plan's build decisions (modules per site and size, landfill stops and restorations, C&D
yards, transfer stations: every capacitated or stoppable site in its facilities table) are put into
the changed scenario's model, clipped to what that model allows (a new lock or a fixed plan). With
those integers fixed the flows are routed anew; when that is infeasible (demand grew, a haul limit
tightened, a cap was added) the base plan is repaired: HiGHS keeps every module the base built
that is still allowed and adds what is missing. The plan found is handed to HiGHS as its first
incumbent, which the neighbourhood search then starts from.

A what-if that only relaxes its base (removes a cap, lowers a minimum, widens a haul limit) keeps
the base plan feasible, so its start costs at most the base plan, and so does the result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.milp import solve_milp

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem

REPAIR_SHARE = 0.2  # of the time limit, at most, to route or repair the base plan
STOPPED = ("landfill_stopped", "landfill_restored")


def base_decisions(problem: SitingProblem, m: LinearModel, idx: ModelIndex,
                   facilities: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(columns, values): the base plan's build and stop decisions in this model, within its bounds.

    ``facilities`` is a plan's facilities table (index site_id; technology, status, new_modules,
    module_size_tpd), e.g. a run folder's facilities.csv. Sites the base did not build get 0; landfills
    it did not list keep running."""
    built = facilities[pd.to_numeric(facilities["new_modules"], errors="coerce").fillna(0) > 0]
    cols, values = [], []
    for site, y in idx.site_y.items():
        n = idx.site_n.get(site, y)
        sizes = idx.site_sizes[site]
        count = np.zeros(len(sizes))
        if site in built.index:
            match = np.flatnonzero(sizes == float(built.at[site, "module_size_tpd"]))
            if match.size:
                count[match[0]] = float(built.at[site, "new_modules"])
        cols += [y, n] if n is not y else [y]
        values += [(count > 0) * 1.0, count] if n is not y else [np.minimum(count, 1.0)]
    status = facilities["status"] if "status" in facilities else pd.Series(dtype=str)
    for site, running in idx.site_running.items():
        cols.append(np.array([running]))
        values.append(np.array([0.0 if status.get(site) in STOPPED else 1.0]))
    for site, restored in idx.site_restored.items():
        cols.append(np.array([restored]))
        values.append(np.array([1.0 if status.get(site) == "landfill_restored" else 0.0]))
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    cols, values = np.concatenate(cols).astype(np.int64), np.concatenate(values)
    lb, ub = m.bounds()
    return cols, np.clip(values, lb[cols], ub[cols])


def warm_start(problem: SitingProblem, m: LinearModel, idx: ModelIndex, facilities: pd.DataFrame, *,
               time_limit: float, rel_gap: float, threads: int = 0) -> np.ndarray | None:
    """A plan (all columns of ``m``) built from the base plan, or None if neither routing nor repair finds
    one within ``REPAIR_SHARE`` of ``time_limit``."""
    cols, values = base_decisions(problem, m, idx, facilities)
    budget = REPAIR_SHARE * time_limit
    routed = solve_milp(m.fixed(cols, values), "highs", time_limit=budget / 2, rel_gap=rel_gap, threads=threads)
    if routed.has_solution:
        return routed.x
    builds = np.concatenate([np.concatenate([y, idx.site_n.get(site, y)]) for site, y in idx.site_y.items()]) \
        if idx.site_y else np.zeros(0, dtype=np.int64)
    keep = np.isin(cols, builds)
    repaired = solve_milp(m.with_bounds(cols[keep], lb=values[keep]), "highs", time_limit=budget / 2,
                          rel_gap=max(rel_gap, 0.01), threads=threads)
    return repaired.x if repaired.has_solution else None
