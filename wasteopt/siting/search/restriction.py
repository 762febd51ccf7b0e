"""First plans: the greedy, routed before HiGHS starts (so a solve that has a plan returns one at any time
limit; where routing takes longer than the time there is, the flows the greedy sent), whose LP relaxation
looks only near the sites it keeps; then the greedy again among the sites that relaxation opens (a
relaxation-induced restriction)."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import highspy
import numpy as np
import pandas as pd

from wasteopt.milp.highs import highs_model, highs_solution
from wasteopt.siting.search.greedy import greedy_modules
from wasteopt.siting.search.neighbourhoods import nearest_sites
from wasteopt.siting.search.first_plan import FirstPlan

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem

RELAXATION_SCOPE_SITES = 5  # the LP relaxation sees the new sites among the greedy's sites and their 4 nearest
RELAXATION_OPEN_MIN = 1e-3  # a new site the LP relaxation opens less than this is left out of the restriction
ROUTE_NODES = 200           # branch-and-bound nodes to route the greedy plan (sites it left undecided are binaries)


def greedy_start(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame, *,
                 seconds: float, closed: frozenset = frozenset()) -> FirstPlan | None:
    """The greedy plan routed: its module decisions fixed, HiGHS sending the flows (and deciding the few
    sites the greedy left open) within ``ROUTE_NODES`` nodes; ``routed`` holds every column. HiGHS starts
    from the flows the greedy sent, every other column at zero (it keeps them if they make a plan, as in a
    CFLP or the township scale model), so a routing stopped by ``seconds`` (a safety net: the node budget
    keeps it deterministic) still has a plan. None when the greedy does not apply (a landfill may take the
    waste: HiGHS finds a plan at once) or there is no plan in time. The greedy opens no site in ``closed``."""
    plan = first_plan(problem, idx, arcs, closed=closed)
    if plan is None:
        return None
    h, _ = highs_model(model.fixed(plan.cols, plan.values))
    for option, value in (("mip_max_nodes", ROUTE_NODES), ("time_limit", max(0.0, seconds)), ("mip_rel_gap", 1e-3)):
        h.setOptionValue(option, value)
    if plan.sent is not None:
        sent = np.zeros(model.num_vars)
        sent[idx.arc_var] = plan.sent / idx.arc_mult
        sent[plan.cols] = plan.values
        h.setSolution(highs_solution(sent))
    h.run()
    if h.getInfo().primal_solution_status != 2 or h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return None
    return dataclasses.replace(plan, routed=np.asarray(h.getSolution().col_value))


def first_plan(problem: SitingProblem, idx: ModelIndex, arcs: pd.DataFrame,
               relaxation: np.ndarray | None = None, closed: frozenset = frozenset()) -> FirstPlan | None:
    """The greedy plan (never opening a site in ``closed``), whose LP relaxation is to look only at the new
    sites near the ones it keeps; given that relaxation, the greedy among the sites the relaxation opens,
    the others excluded."""
    if relaxation is not None:
        closed = relaxation_closed_sites(problem, idx, arcs, relaxation)
    greedy = greedy_modules(problem, idx, arcs, set(closed))
    if greedy is None:
        return None
    cols, values = greedy.cols, greedy.values
    excluded = _site_columns(idx, closed)
    if relaxation is not None:
        return FirstPlan(cols, values, excluded=excluded, sent=greedy.tonnes)
    fixed = dict(zip(cols.tolist(), values.tolist()))
    kept = {site for site, y in idx.site_y.items() if any(fixed.get(int(c), 1.0) > 0.5 for c in y)}  # or undecided
    nearest = nearest_sites(arcs, set(idx.site_y), RELAXATION_SCOPE_SITES)
    scope = {near for site in kept for near in nearest.get(site, [site])}
    far = {site for site in idx.site_y if problem.sites.at[site, "is_new"] and site not in scope}
    return FirstPlan(cols, values, excluded=excluded, outside=_site_columns(idx, far), sent=greedy.tonnes)


def _site_columns(idx: ModelIndex, sites: set) -> np.ndarray:
    cols = [int(c) for site in sites for c in (*idx.site_y.get(site, ()), *idx.site_n.get(site, ()))]
    return np.unique(np.asarray(cols, dtype=np.int32))


def relaxation_closed_sites(problem: SitingProblem, idx, arcs: pd.DataFrame, relaxation: np.ndarray,
                            open_min: float = RELAXATION_OPEN_MIN) -> set:
    """New sites the LP relaxation ``relaxation`` opens less than ``open_min``; an origin's main LP
    destination always stays in, so every origin keeps a site to go to."""
    sites = problem.sites
    closed = {s for s, y in idx.site_y.items() if sites.at[s, "is_new"] and relaxation[y].sum() < open_min}
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    flow = (relaxation[idx.arc_var] * idx.arc_mult)[from_node]
    main = arcs.loc[from_node, ["origin", "destination"]].assign(flow=flow)
    main = main.sort_values("flow", ascending=False, kind="stable").drop_duplicates("origin")
    return closed - set(main["destination"])
