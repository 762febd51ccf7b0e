"""The radius (covering) formulation of the p-median, with its distance levels generated as needed.

For client i (a node's stream) with weighted costs c_ij = t/d × km to the sites, and a sorted subset
s_0 < s_1 < … < s_K of its distinct costs (s_0 its least), z_ik = 1 when no open site costs less
than s_k (Elloumi 2010; García, Labbé & Marín 2011, INFORMS JoC):

    min Σ_i [s_0 + Σ_k (s_k − s_{k−1}) z_ik]
    z_i1 + Σ_{c_ij < s_1} y_j ≥ 1,   z_ik − z_i,k−1 + Σ_{s_{k−1} ≤ c_ij < s_k} y_j ≥ 0,   Σ_j y_j = p.

With a subset of the levels a client's cost is rounded down to the nearest level it holds, so every
such model is a relaxation: its bound is valid for the p-median. A plan's value is exact once each
client's cost to its nearest open site is one of its levels. So the levels start from a plan found by
greedy + interchange and grow: from each LP solution (the costs to the sites that cover a client
fractionally, up to full cover) until the LP no longer moves, which gives the LP bound of the full
formulation; then from each MIP plan (each client's cost to its nearest open site) until the MIP's
plan is priced exactly. Each model holds only the levels that matter, a few per client, instead of
the n² assignment columns of the classic formulation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wasteopt.config.status import status_from_gap
from wasteopt.milp.highs import solve_highs
from wasteopt.milp.model import INF, LinearModel
from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.siting.formulation.model import ModelIndex
from wasteopt.siting.formulation.solution import SitingSolution, site_table
from wasteopt.siting.problem import SitingProblem

LP_SHARE = 0.4        # of the time limit, at most, for the LP rounds that grow the levels
MAX_LP_ROUNDS = 50
SUPPORT = 1e-6        # a site covers a client in an LP solution when its y exceeds this
# The interchange plan is hard to beat: no primal heuristics, the time goes to the bound. Without restarts
# and symmetry detection HiGHS branches early: pmed16 (n = 400, p = 5) needed 27 nodes and 12 s for its
# first MIP round instead of 40 s spent at the root without closing it (load ~13 on 2 cores).
MIP_OPTIONS = {"mip_heuristic_effort": 0.0, "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
               "mip_heuristic_run_root_reduced_cost": False, "mip_heuristic_run_feasibility_jump": False,
               "mip_detect_symmetry": False, "mip_allow_restart": False}


@dataclass(frozen=True)
class PMedian:
    """A pure classic-objective problem read from a SitingProblem (``kind`` p_median, set_cover or
    max_coverage): ``km[i, j]`` from client i (a node's stream) to site j (inf: no arc, or beyond the
    radius), client weights (t/d), sites always open, sites that may open, new sites (they count for
    set_cover), and how many sites are open in all (p_median, max_coverage)."""

    kind: str
    km: np.ndarray
    weight: np.ndarray
    always_open: np.ndarray
    may_open: np.ndarray
    new: np.ndarray
    p: int | None
    clients: pd.MultiIndex  # (node, stream) of the rows
    sites: pd.Index         # the sites of the columns
    arcs: pd.DataFrame      # the arcs that serve clients

    @property
    def cost(self) -> np.ndarray:
        """t/d × km of serving client i from site j."""
        return self.km * self.weight[:, None]


@dataclass(frozen=True)
class RadiusOutcome:
    """The best plan (open sites, its exact cost), the best valid lower bound and how it went."""

    is_open: np.ndarray
    objective: float
    bound: float
    seconds: float
    message: str


def solve_pmedian(problem: SitingProblem, *, time_limit: float, rel_gap: float,
                  threads: int = 0) -> SitingSolution | None:
    """``problem`` solved on the radius formulation (p_median) or the covering one (set_cover, max_coverage)
    when it is a pure one (see ``pmedian_of``), else None (also when the covering model has no plan). The result's ``x`` holds the open flag of each site
    that is not closed (the model's y)."""
    began = time.perf_counter()
    pm = pmedian_of(problem)
    if pm is None:
        return None
    left = max(0.0, time_limit - (time.perf_counter() - began))
    solve = solve_radius if pm.kind == "p_median" else solve_covering
    outcome = solve(pm, time_limit=left, rel_gap=rel_gap, threads=threads)
    if outcome is None:
        return None
    sites = pm.sites[outcome.is_open]
    served = pm.arcs[pm.arcs["destination"].isin(sites)].sort_values(["km", "destination"], kind="stable")
    flows = served.drop_duplicates(["origin", "stream"]).reset_index(drop=True)
    pairs = pd.MultiIndex.from_arrays([flows["origin"].astype(str), flows["stream"].astype(str)])
    flows["tonnes_per_day"] = problem.demand_by_node_stream().reindex(pairs).to_numpy(float)
    uncovered = ~pm.clients.isin(pairs)
    unserved = pd.DataFrame({"node": pm.clients.get_level_values(0)[uncovered],
                             "stream": pm.clients.get_level_values(1)[uncovered], "tonnes_per_day": pm.weight[uncovered]})
    objective = {"p_median": float((flows["tonnes_per_day"] * flows["km"]).sum()),
                 "set_cover": float((outcome.is_open & pm.new).sum()),
                 "max_coverage": float(unserved["tonnes_per_day"].sum())}[pm.kind]
    bound = min(outcome.bound, objective)
    gap = relative_gap(objective, bound)
    x = outcome.is_open.astype(float)
    result = MilpResult(status_from_gap(gap, rel_gap), objective, bound, gap, time.perf_counter() - began, "highs", x,
                        message=outcome.message)
    index = ModelIndex(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool), np.zeros(0),
                       site_y={site: np.asarray([k]) for k, site in enumerate(pm.sites)})
    return SitingSolution(result, flows, site_table(problem, index, x, flows), unserved.reset_index(drop=True), {})


def pmedian_of(problem: SitingProblem) -> PMedian | None:
    """The problem in matrix form when it is a pure classic one (uncapacitated sites that only receive
    clients, nothing else decided); None otherwise, or when the classic model should say what is wrong."""
    objective, sites, techs, arcs = problem.objective, problem.sites, problem.technologies, problem.arcs
    if objective.kind == "min_cost" or (problem.flow_caps or problem.capacity_targets or problem.new_site_limits
                                        or problem.stop_targets or problem.local_capacity):
        return None
    if any(techs[t].capacitated or techs[t].stoppable or techs[t].outputs for t in sites["technology"].unique()):
        return None
    if objective.technology is not None and (sites["technology"] != objective.technology).any():
        return None
    if "max_tpd" in arcs and arcs["max_tpd"].notna().any():
        return None
    if arcs.empty or not arcs["origin"].isin(problem.demand.index).all():
        return None
    sites = sites[sites["lock"] != "closed"]
    demand = problem.demand_by_node_stream()
    pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
    weight = demand.reindex(pairs).to_numpy(float)
    accepted = pd.MultiIndex.from_tuples([(t, st) for t, tech in techs.items() for st in tech.accepts])
    usable = pd.MultiIndex.from_arrays([arcs["destination"].map(sites["technology"]).fillna("").astype(str),
                                        arcs["stream"].astype(str)]).isin(accepted)
    km = arcs["km"].to_numpy(float)
    reach = objective.radius_km + 1e-9 if objective.kind != "p_median" else np.inf
    keep = usable & (np.nan_to_num(weight) > 0) & (km <= reach)
    arcs, pairs = arcs[keep].reset_index(drop=True), pairs[keep]
    clients = demand[demand > 0].index
    clients = pd.MultiIndex.from_arrays([clients.get_level_values(0).astype(str), clients.get_level_values(1).astype(str)])
    matrix = np.full((len(clients), len(sites)), np.inf)
    np.minimum.at(matrix, (clients.get_indexer(pairs), sites.index.get_indexer(arcs["destination"])), km[keep])
    always = (~sites["is_new"].astype(bool) | (sites["lock"] == "open")).to_numpy()
    reached = np.isfinite(matrix).any(axis=1)
    p_ok = objective.p is None or always.sum() <= objective.p <= len(sites)
    if not p_ok or (objective.kind != "max_coverage" and not reached.all()):
        return None  # p out of reach, or a client no site can serve
    return PMedian(objective.kind, matrix, demand.reindex(clients).to_numpy(float), always, ~always,
                   sites["is_new"].astype(bool).to_numpy(), objective.p, clients, sites.index, arcs)


def solve_covering(pm: PMedian, *, time_limit: float, rel_gap: float, threads: int = 0) -> RadiusOutcome | None:
    """Set cover (fewest new sites covering every client within the radius) or max coverage (least uncovered
    t/d with p sites): the radius formulation with its one level, the radius — no assignment columns."""
    began = time.perf_counter()
    covers = np.isfinite(pm.km)
    m = LinearModel()
    y = m.add_vars(covers.shape[1], lb=pm.always_open * 1.0, ub=1.0, integer=True,
                   cost=pm.new * 1.0 if pm.kind == "set_cover" else 0.0)
    rows = covers.any(axis=1)
    client, site = np.nonzero(covers[rows])
    n_rows = int(rows.sum())
    if pm.kind == "max_coverage":
        m.add_row(y, np.ones(y.size), pm.p, pm.p)
        m.offset = float(pm.weight[~rows].sum())  # no site within reach: uncovered whatever is built
        u = m.add_vars(n_rows, ub=1.0, cost=pm.weight[rows])
        client, site = np.r_[client, np.arange(n_rows)], np.r_[y[site], u]
    else:
        site = y[site]
    m.add_rows(client, site, 1.0, 1.0, INF, n_rows=n_rows)
    result = solve_highs(m, time_limit=max(0.1, time_limit), rel_gap=rel_gap, threads=threads)
    if result.x is None:
        return None  # infeasible or no plan in time: the classic model answers and explains
    is_open = np.round(result.x[y]).astype(bool)
    bound = -INF if result.best_bound is None else result.best_bound
    return RadiusOutcome(is_open, float(result.objective), bound, time.perf_counter() - began,
                         f"covering formulation: {n_rows:,} cover rows, {y.size:,} sites")


def solve_radius(pm: PMedian, *, time_limit: float, rel_gap: float, threads: int = 0) -> RadiusOutcome:
    """Greedy + interchange, then LP rounds and MIP rounds on the radius formulation (see the module)."""
    began = time.perf_counter()
    deadline = began + time_limit
    cost = np.where(np.isfinite(pm.cost), pm.cost, _far(pm.cost))
    best = interchange(cost, pm.always_open, pm.may_open, pm.p, deadline=began + 0.2 * time_limit)
    best_value = plan_cost(cost, best)
    levels = [np.unique([row.min(), row[best].min()]) for row in cost]
    bound, lp_rounds, lp_bound = -INF, 0, None
    while lp_rounds < MAX_LP_ROUNDS and time.perf_counter() < began + LP_SHARE * time_limit:
        model, y = radius_model(cost, pm, levels, integer=False)
        lp = solve_highs(model, time_limit=max(0.1, deadline - time.perf_counter()), rel_gap=rel_gap, threads=threads)
        if lp.x is None or lp.best_bound is None:
            break
        lp_rounds += 1
        lp_bound = lp.best_bound
        bound = max(bound, lp_bound)
        if not _grow_from_lp(cost, lp.x[y], levels):
            break
    mip_rounds = 0
    while time.perf_counter() < deadline and relative_gap(best_value, bound) > rel_gap:
        model, y = radius_model(cost, pm, levels, integer=True)
        result = solve_highs(model, time_limit=max(0.1, deadline - time.perf_counter()), rel_gap=rel_gap,
                             threads=threads, start=_start(cost, levels, best, model.num_vars, y), options=MIP_OPTIONS)
        mip_rounds += 1
        if result.best_bound is not None:
            bound = max(bound, result.best_bound)
        if result.x is None:
            break
        found = np.round(result.x[y]).astype(bool)
        value = plan_cost(cost, found)
        if value < best_value - 1e-9:
            best, best_value = found, value
        if not _grow_from_plan(cost, found, levels):
            break  # the plan is priced exactly: the MIP's bound is the p-median's
    bound = min(bound, best_value)
    note = (f"radius formulation: {lp_rounds} LP and {mip_rounds} MIP rounds, "
            f"{sum(len(s) for s in levels):,} distance levels for {len(levels):,} clients"
            + (f", LP bound {lp_bound:,.6g}" if lp_bound is not None else ""))
    return RadiusOutcome(best, best_value, bound, time.perf_counter() - began, note)


def radius_model(cost: np.ndarray, pm: PMedian, levels: list[np.ndarray], *,
                 integer: bool) -> tuple[LinearModel, np.ndarray]:
    """The radius formulation over ``levels`` (see the module); returns it and the columns of y."""
    m = LinearModel()
    y = m.add_vars(cost.shape[1], lb=pm.always_open * 1.0, ub=1.0, integer=integer)
    m.add_row(y, np.ones(y.size), pm.p, pm.p)
    rows, cols, vals, row_lb, costs = [], [], [], [], []
    n_rows = 0
    first_z = m.num_vars
    for row, s in zip(cost, levels):
        k = len(s) - 1
        if k == 0:
            continue
        z = np.arange(first_z, first_z + k)
        first_z += k
        costs.append(np.diff(s))
        band = np.searchsorted(s, row, side="right")  # s[band-1] ≤ c < s[band]
        inside = np.flatnonzero(band <= k)
        block = n_rows + np.arange(k)
        rows += [block, block[1:], block[band[inside] - 1]]
        cols += [z, z[:-1], y[inside]]
        vals += [np.ones(k), -np.ones(k - 1), np.ones(inside.size)]
        row_lb.append(np.r_[1.0, np.zeros(k - 1)])
        n_rows += k
    if costs:
        m.add_vars(first_z - y.size, ub=1.0, cost=np.concatenate(costs))
        m.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), np.concatenate(row_lb), INF,
                   n_rows=n_rows)
    m.offset = float(sum(s[0] for s in levels))
    return m, y


def _start(cost: np.ndarray, levels: list[np.ndarray], is_open: np.ndarray, n_cols: int, y: np.ndarray) -> np.ndarray:
    """Plan ``is_open`` in the columns of ``radius_model``: z_ik = 1 while no open site costs less than s_k."""
    x = np.zeros(n_cols)
    x[y] = is_open
    nearest = cost[:, is_open].min(axis=1)
    z = [s[1:] <= d for s, d in zip(levels, nearest) if len(s) > 1]
    if z:
        x[y.size:] = np.concatenate(z)
    return x


def _grow_from_lp(cost: np.ndarray, y: np.ndarray, levels: list[np.ndarray]) -> bool:
    """Add, per client, the costs to the sites covering it in LP solution ``y`` (nearest first, until fully
    covered); True if any level was new."""
    support = np.flatnonzero(y > SUPPORT)
    sub = cost[:, support]
    order = np.argsort(sub, axis=1, kind="stable")
    covered_before = np.cumsum(y[support][order], axis=1) - y[support][order]
    needed = covered_before < 1.0 - SUPPORT
    grew = False
    for i, (row, keep) in enumerate(zip(np.take_along_axis(sub, order, axis=1), needed)):
        grew |= _add_levels(levels, i, row[keep])
    return grew


def _grow_from_plan(cost: np.ndarray, is_open: np.ndarray, levels: list[np.ndarray]) -> bool:
    """Add each client's cost to its nearest open site; True if any was new (the plan was priced low)."""
    grew = False
    for i, d in enumerate(cost[:, is_open].min(axis=1)):
        grew |= _add_levels(levels, i, np.asarray([d]))
    return grew


def _add_levels(levels: list[np.ndarray], i: int, new: np.ndarray) -> bool:
    merged = np.union1d(levels[i], new)
    if merged.size == levels[i].size:
        return False
    levels[i] = merged
    return True


def plan_cost(cost: np.ndarray, is_open: np.ndarray) -> float:
    """Σ over clients of the cost to the nearest open site."""
    return float(cost[:, is_open].min(axis=1).sum())


def _far(cost: np.ndarray) -> float:
    """A finite cost no plan would pay for one client (a missing arc)."""
    finite = cost[np.isfinite(cost)]
    return (float(finite.max()) + 1.0) * (cost.shape[0] + 1)


def interchange(cost: np.ndarray, always_open: np.ndarray, may_open: np.ndarray, p: int, *,
                deadline: float) -> np.ndarray:
    """Greedy addition, then best-improvement swaps (one site in, one out) until none pays or ``deadline``."""
    is_open = always_open.copy()
    nearest = cost[:, is_open].min(axis=1) if is_open.any() else np.full(cost.shape[0], np.inf)
    for _ in range(p - int(is_open.sum())):
        total = np.minimum(cost, nearest[:, None]).sum(axis=0)
        total[is_open | ~may_open] = np.inf
        j = int(np.argmin(total))
        is_open[j] = True
        nearest = np.minimum(nearest, cost[:, j])
    while time.perf_counter() < deadline:
        open_sites = np.flatnonzero(is_open)
        if open_sites.size < 2 and not (open_sites.size == 1 and may_open[open_sites[0]]):
            break
        sub = cost[:, open_sites]
        first = np.argmin(sub, axis=1)
        d1 = sub[np.arange(sub.shape[0]), first]
        sub2 = sub.copy()
        sub2[np.arange(sub.shape[0]), first] = np.inf
        d2 = sub2.min(axis=1) if open_sites.size > 1 else np.full(sub.shape[0], np.inf)
        with_d1 = np.minimum(cost, d1[:, None])
        gain_in = (with_d1 - d1[:, None]).sum(axis=0)                      # per site j opened
        loss_out = np.zeros((open_sites.size, cost.shape[1]))               # per open site r closed, j opened
        np.add.at(loss_out, first, np.minimum(cost, d2[:, None]) - with_d1)
        delta = gain_in[None, :] + loss_out
        delta[:, is_open | ~may_open] = np.inf
        delta[~may_open[open_sites], :] = np.inf
        r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[r, j] < -1e-9 * max(1.0, float(d1.sum())):
            break
        is_open[open_sites[r]], is_open[j] = False, True
    return is_open
