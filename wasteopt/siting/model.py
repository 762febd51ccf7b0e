"""Build the facility-network MILP from a SitingProblem, solve it, read the solution back.

Formulation (units t/d; objective CNY/yr for min_cost):
- per capacitated site: binary y[s,k] picks one module size, integer n[s,k] ≤ M·y[s,k]
  modules; capacity = existing + Σ size·n; throughput ≤ availability × capacity and
  ≥ min_load × capacity of new or expanded plants;
- stoppable existing sites (landfills): binary ``running`` pays the operating cost and gates
  the streams that need a running site; ``restored`` ≤ 1 − running;
- flows on sparse arcs; single-sourced streams use binary z (a node sends everything
  to one site), else continuous x;
- strong linking x ≤ demand·open on every arc into a new site (the aggregated capacity row
  alone leaves a weak LP bound);
- outputs (ash, residues, transferred waste) balance at the producing site; caps on a stream
  into a technology (zero landfill); capacity targets; min/max new sites; min stopped/restored.
``elastic=True`` adds penalised slack on demand and on policy rows so an infeasible
scenario still solves and the slack says what cannot be met. ``model`` and ``cost_weight``
let a caller put several problems (years) into one model and link them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wasteopt.siting.first_plan import greedy_modules, relaxation_closed_sites
from wasteopt.siting.milp import INF, FirstPlan, LinearModel, MilpResult, solve_milp
from wasteopt.siting.problem import SitingProblem

NEIGHBOURHOOD_SITES = 15  # sites whose decisions the local search re-optimises together
NEAREST_PER_ORIGIN = 10   # an origin's nearest sites count as each other's neighbours
RELAXATION_SCOPE_SITES = 5  # the LP relaxation sees the new sites among the greedy's sites and their 4 nearest
ELASTIC_PENALTY = 1e9  # per t/d (or per unit of a policy row) of slack: dominates any real cost
_NO_VARS = np.zeros(0, dtype=np.int64)


@dataclass
class ModelIndex:
    """Where each decision lives in the variable vector."""

    arc_var: np.ndarray                    # per arc: variable index
    arc_mult: np.ndarray                   # per arc: t/d per unit of the variable (1 for x, demand for z)
    arc_single: np.ndarray                 # per arc: single-sourced (integer z)
    site_y: dict = field(default_factory=dict)        # site → y per size (capacitated) or [open] (uncapacitated new)
    site_n: dict = field(default_factory=dict)        # site → n per size
    site_sizes: dict = field(default_factory=dict)    # site → module sizes
    site_running: dict = field(default_factory=dict)  # stoppable site → running var
    site_restored: dict = field(default_factory=dict)  # stoppable site → restored var
    demand_slack: dict = field(default_factory=dict)  # (node, stream) → slack var
    policy_slack: dict = field(default_factory=dict)  # label → slack var


@dataclass(frozen=True)
class SitingSolution:
    """Solver outcome in problem terms (no geography)."""

    result: MilpResult
    flows: pd.DataFrame            # arc rows with tonnes_per_day > 0
    sites: pd.DataFrame            # per site: opened, running, restored, new_modules, module_size_tpd, capacity_tpd, throughput_tpd
    unserved: pd.DataFrame         # node, stream, tonnes_per_day (elastic solves only)
    policy_slack: dict             # label → amount by which a policy row had to be relaxed

    @property
    def objective(self) -> float | None:
        return self.result.objective


def prepare_arcs(problem: SitingProblem) -> pd.DataFrame:
    """The arcs the model uses: drop those that can never carry flow, keep one per passive choice."""
    arcs = problem.arcs.reset_index(drop=True)
    sites = problem.sites
    streams = arcs["stream"].to_numpy().astype(str)
    dest_tech = arcs["destination"].map(sites["technology"]).to_numpy().astype(str)
    allowed = {f"{name}|{stream}" for name, t in problem.technologies.items() for stream in t.accepts}
    keep = pd.Series(np.char.add(np.char.add(dest_tech, "|"), streams)).isin(allowed).to_numpy().copy()
    keep &= ~arcs["destination"].isin(sites.index[sites["lock"] == "closed"]).to_numpy()
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    objective = problem.objective
    if objective.kind in ("set_cover", "max_coverage"):
        keep &= ~from_node | (arcs["km"].to_numpy() <= objective.radius_km + 1e-9)
    if objective.kind != "min_cost" and objective.technology is not None:
        keep &= ~from_node | (dest_tech == objective.technology)  # served by that technology only
    for cap in problem.flow_caps:
        if cap.max_tpd <= 0:  # a zero cap forbids those arcs outright; presolve need not discover it
            keep &= ~((streams == cap.stream) & (dest_tech == cap.technology))
    if from_node.any():
        pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
        arc_demand = np.nan_to_num(problem.demand_by_node_stream().reindex(pairs).to_numpy())
        keep &= ~from_node | (arc_demand > 0)
    return _cheapest_into_passive_sites(problem, arcs[keep].reset_index(drop=True))


def _cheapest_into_passive_sites(problem: SitingProblem, arcs: pd.DataFrame) -> pd.DataFrame:
    """Keep one arc per (origin, stream, technology) into passive sites.

    A site is passive for a stream when nothing decided there limits that stream (uncapacitated,
    existing, stream not gated by a stop decision), e.g. a landfill taking ash at a per-tonne fee. Such sites are
    interchangeable: costs are linear and caps count the technology as a whole, so only the
    cheapest arc can carry flow in an optimal plan. Exact, and it removes most landfill and ash arcs.
    """
    sites = problem.sites
    techs = problem.technologies
    tech = arcs["destination"].map(sites["technology"])
    decided = tech.map(lambda t: techs[t].capacitated).to_numpy(bool)
    gated = np.fromiter((s in techs[t].gated_streams for t, s in zip(tech, arcs["stream"])), bool, len(arcs))
    new = arcs["destination"].map(sites["is_new"]).to_numpy(bool)
    capped = arcs["max_tpd"].notna().to_numpy() if "max_tpd" in arcs else np.zeros(len(arcs), bool)
    passive = ~decided & ~gated & ~new & ~capped
    if not passive.any():
        return arcs
    best = (arcs[passive].assign(_tech=tech[passive]).sort_values(["cost_per_t", "km", "destination"])
            .drop_duplicates(["origin", "stream", "_tech"]).drop(columns="_tech"))
    return pd.concat([arcs[~passive], best]).sort_index().reset_index(drop=True)


def build_milp(problem: SitingProblem, elastic: bool = False, model: LinearModel | None = None,
               cost_weight: float = 1.0) -> tuple[LinearModel, ModelIndex, pd.DataFrame]:
    """The MILP of ``problem`` (added to ``model`` if given, costs × ``cost_weight``)."""
    m = model or LinearModel()
    techs, sites, demand = problem.technologies, problem.sites, problem.demand
    arcs = prepare_arcs(problem)
    kind = problem.objective.kind
    money = cost_weight if kind == "min_cost" else 0.0  # classic objectives ignore money
    node_ids = set(demand.index)
    n_arcs = len(arcs)

    # --- flows
    from_node = arcs["origin"].isin(node_ids).to_numpy()
    single = arcs["stream"].isin(problem.single_sourcing).to_numpy() & from_node
    if kind == "max_coverage":
        single[:] = False
    pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
    node_demand = problem.demand_by_node_stream().reindex(pairs).to_numpy()
    arc_mult = np.where(single, node_demand, 1.0)
    processing = arcs["destination"].map(sites["technology"]).map(lambda t: techs[t].cost_per_t).to_numpy(float)
    unit_cost = (arcs["cost_per_t"].to_numpy(float) + processing) * problem.days_per_year * money
    if kind == "p_median":
        unit_cost = arcs["km"].to_numpy(float) * cost_weight
    arc_cap = arcs["max_tpd"].to_numpy(float) if "max_tpd" in arcs else np.full(n_arcs, np.inf)
    arc_cap = np.where(np.isnan(arc_cap), np.inf, arc_cap)
    arc_var = np.empty(n_arcs, dtype=np.int64)
    single_ub = np.where(arc_cap[single] + 1e-9 >= arc_mult[single], 1.0, 0.0)  # all or nothing
    arc_var[single] = m.add_vars(int(single.sum()), ub=single_ub, integer=True, cost=unit_cost[single] * arc_mult[single])
    arc_var[~single] = m.add_vars(int((~single).sum()), ub=arc_cap[~single], cost=unit_cost[~single])
    idx = ModelIndex(arc_var, arc_mult, single)
    arc_max = np.where(single, 1.0, _arc_flow_bounds(problem, arcs, from_node, node_demand))

    # --- site decisions and rows
    dest_groups = arcs.groupby("destination", sort=False).indices
    orig_groups = arcs.groupby("origin", sort=False).indices
    arc_streams = arcs["stream"].to_numpy()
    for site, row in zip(sites.index, sites.itertuples(index=False)):
        if row.lock == "closed":
            continue
        tech = techs[row.technology]
        inflow = dest_groups.get(site, _NO_VARS)
        if tech.capacitated:
            _capacitated_site(m, idx, site, row, tech, inflow, money)
        elif row.is_new:
            idx.site_y[site] = m.add_vars(1, ub=1, integer=True, cost=tech.site_annual_cost * money)
        elif tech.stoppable:
            _stoppable_site(m, idx, site, tech, inflow, arc_streams, arc_max, money)
        if row.is_new and site in idx.site_y:
            y = idx.site_y[site]
            if row.lock == "open":
                m.add_row(y, np.ones(len(y)), 1.0, 1.0)
            if inflow.size:  # strong linking: an arc carries flow only into an open site
                opened = y
                if len(y) > 1:  # one "open" variable keeps each linking row at two non-zeros
                    opened = m.add_vars(1, ub=1)
                    m.add_row(np.concatenate([y, opened]), np.concatenate([np.ones(len(y)), [-1.0]]), 0.0, 0.0)
                m.add_rows(np.concatenate([np.arange(inflow.size), np.arange(inflow.size)]),
                           np.concatenate([arc_var[inflow], np.repeat(opened, inflow.size)]),
                           np.concatenate([np.ones(inflow.size), -arc_max[inflow]]),
                           -INF, 0.0, n_rows=inflow.size)
        for stream, ratio in tech.outputs:
            out = orig_groups.get(site, _NO_VARS)
            out = out[arc_streams[out] == stream]
            if inflow.size:
                m.add_row(np.concatenate([arc_var[out], arc_var[inflow]]),
                          np.concatenate([np.ones(out.size), -ratio * arc_mult[inflow]]), 0.0, 0.0)

    _demand_rows(m, idx, problem, arcs, from_node, elastic)
    if not elastic and kind != "max_coverage":  # both may leave demand unserved
        _capacity_cover_rows(m, idx, problem, arcs, from_node)
    _policy_rows(m, idx, problem, arcs, elastic, money)
    if kind in ("p_median", "max_coverage", "set_cover"):
        _site_count_objective(m, idx, problem, cost_weight)
    return m, idx, arcs


def _arc_flow_bounds(problem: SitingProblem, arcs: pd.DataFrame, from_node: np.ndarray,
                     node_demand: np.ndarray) -> np.ndarray:
    """Most t/d an arc can carry: its origin's demand, or what its origin site can put out (no more
    than its largest build, nor than the origins that reach it can send), and no more than its
    destination can take. These are the big-M of the linking rows: in the full Henan scenario a
    transfer station's trunk arc is bounded by the waste within its feed radius (median 1,724 t/d)
    or its largest build (3,000 t/d), instead of all waste of every stream (164,347 t/d)."""
    sites, techs = problem.sites, problem.technologies
    intake = {site: techs[row.technology].max_available_tpd(row.is_new, getattr(row, "expandable", True),
                                                             row.existing_capacity_tpd, int(row.existing_modules))
              for site, row in zip(sites.index, sites.itertuples(index=False))}
    total = float(problem.demand.to_numpy().sum()) * max([1.0] + [r for t in techs.values() for _, r in t.outputs])
    ratio = {(name, stream): r for name, t in techs.items() for stream, r in t.outputs}
    into = arcs["destination"].map(intake).to_numpy(float)
    node_bound = np.minimum(np.nan_to_num(node_demand), into)
    fed = pd.Series(np.where(from_node, node_bound, INF)).groupby(arcs["destination"].to_numpy()).sum()
    tech_of = sites["technology"]
    out_of_site = [INF if node or (tech_of[o], st) not in ratio
                   else min(intake[o], fed.get(o, 0.0)) * ratio[tech_of[o], st]
                   for o, st, node in zip(arcs["origin"], arcs["stream"], from_node)]
    bound = np.where(from_node, node_demand, np.minimum(total, out_of_site))
    return np.minimum(bound, into)


def _capacitated_site(m, idx, site, row, tech, inflow, money) -> None:
    """Modules, capacity and min load of one site."""
    low, max_new = tech.new_module_range(row.is_new, getattr(row, "expandable", True), int(row.existing_modules))
    sizes = np.asarray(tech.module_sizes_tpd, float)
    existing = float(row.existing_capacity_tpd)
    arc_var, arc_mult = idx.arc_var, idx.arc_mult
    n = None
    fixed = _fixed_modules(row, sizes)
    if fixed is not None and not fixed.any():
        max_new = 0  # a fixed plan that adds nothing here
    if max_new > 0:
        k = len(sizes)
        y_lb, y_ub = (np.zeros(k), np.ones(k)) if fixed is None else ((fixed > 0) * 1.0,) * 2
        n_lb, n_ub = (np.zeros(k), np.full(k, float(max_new))) if fixed is None else (fixed, fixed)
        y = m.add_vars(k, lb=y_lb, ub=y_ub, integer=True, cost=tech.site_annual_cost * money if row.is_new else 0.0)
        module_cost = np.asarray(tech.module_annual_cost, float) * money
        if max_new == 1:
            n = y
            m.add_cost(y, module_cost)
        else:
            n = m.add_vars(k, lb=n_lb, ub=n_ub, integer=True, cost=module_cost)
            pair_rows = np.repeat(np.arange(k), 2)
            pair_cols = np.ravel(np.column_stack([n, y]))
            m.add_rows(pair_rows, pair_cols, np.ravel(np.column_stack([np.ones(k), -max_new * np.ones(k)])), -INF, 0.0)
            m.add_rows(pair_rows, pair_cols, np.ravel(np.column_stack([np.ones(k), -low * np.ones(k)])), 0.0, INF)
        if k > 1:
            m.add_row(y, np.ones(k), -INF, 1.0)  # one module size per site
        idx.site_y[site], idx.site_n[site], idx.site_sizes[site] = y, n, sizes
    in_cols, in_vals = arc_var[inflow], arc_mult[inflow]
    rho = tech.availability
    if n is None:
        m.add_row(in_cols, in_vals, -INF, rho * existing)
        return
    m.add_row(np.concatenate([in_cols, n]), np.concatenate([in_vals, -rho * sizes]), -INF, rho * existing)
    if tech.min_load_share > 0 and inflow.size:
        lam = tech.min_load_share
        y = idx.site_y[site]
        m.add_row(np.concatenate([in_cols, n, y]),
                  np.concatenate([in_vals, -lam * sizes, -lam * existing * np.ones(len(y))]), 0.0, INF)


def _fixed_modules(row, sizes: np.ndarray) -> np.ndarray | None:
    """Modules per size a fixed plan builds at this site (``fixed_modules`` of ``fixed_module_size_tpd``),
    or None when the site is free to decide."""
    count = getattr(row, "fixed_modules", np.nan)
    if count is None or np.isnan(count):
        return None
    return np.where(sizes == getattr(row, "fixed_module_size_tpd", np.nan), float(count), 0.0)


def _stoppable_site(m, idx, site, tech, inflow, arc_streams, arc_max, money) -> None:
    """Keep running (pay the operating cost) or stop; gated streams need a running site."""
    running = m.add_vars(1, ub=1, integer=True, cost=tech.operating_annual_cost * money)
    idx.site_running[site] = int(running[0])
    gated = inflow[np.isin(arc_streams[inflow], tech.gated_streams)]
    if gated.size:
        m.add_rows(np.concatenate([np.arange(gated.size), np.arange(gated.size)]),
                   np.concatenate([idx.arc_var[gated], np.repeat(running, gated.size)]),
                   np.concatenate([np.ones(gated.size), -arc_max[gated]]), -INF, 0.0, n_rows=gated.size)


def _demand_rows(m, idx, problem, arcs, from_node, elastic) -> None:
    """Every node's stream is shipped in full (or, for max_coverage, up to a penalised shortfall)."""
    stacked = problem.demand_by_node_stream()
    keys = [key for key, tpd in stacked.items() if tpd > 0]
    if not keys:
        return
    row_of = {key: r for r, key in enumerate(keys)}
    positions = np.flatnonzero(from_node)
    origin = arcs["origin"].to_numpy()[positions].astype(str)
    stream = arcs["stream"].to_numpy()[positions].astype(str)
    rows = np.fromiter((row_of.get((o, s), -1) for o, s in zip(origin, stream)), np.int64, positions.size)
    used = rows >= 0
    rows, cols, vals = rows[used], idx.arc_var[positions[used]], idx.arc_mult[positions[used]]
    rhs = np.asarray([stacked[key] for key in keys])
    if problem.objective.kind == "max_coverage" or elastic:
        penalty = ELASTIC_PENALTY if elastic else 1.0  # max_coverage: minimise uncovered t/d
        slack = m.add_vars(len(keys), cost=penalty)
        idx.demand_slack = dict(zip(keys, slack))
        rows, cols, vals = np.concatenate([rows, np.arange(len(keys))]), np.concatenate([cols, slack]), \
            np.concatenate([vals, np.ones(len(keys))])
    m.add_rows(rows, cols, vals, rhs, rhs, n_rows=len(keys))


def _capacity_cover_rows(m, idx, problem, arcs, from_node) -> None:
    """Σ available capacity of the sites a stream can reach ≥ the stream's demand, for every stream
    whose node arcs all end at capacitated sites (MSW under a zero-landfill cap, say).

    Implied by the demand and capacity rows, so the optimum is unchanged, but as one knapsack over
    the integer modules it lets the solver cut off plans whose capacity only adds up fractionally:
    on the Henan zero-landfill scenario the root bound after cuts rose from 101,118 to 101,280 万/yr.
    """
    sites, techs = problem.sites, problem.technologies
    dest_tech = arcs["destination"].map(sites["technology"]).to_numpy()
    streams = arcs["stream"].to_numpy()
    totals = problem.demand.sum()
    for stream, total in totals.items():
        into = from_node & (streams == stream)
        if total <= 0 or not into.any() or not all(techs[t].capacitated for t in set(dest_tech[into])):
            continue
        cols, vals, existing = [], [], 0.0
        for site in arcs.loc[streams == stream, "destination"].unique():
            tech = techs[sites.at[site, "technology"]]
            existing += tech.availability * float(sites.at[site, "existing_capacity_tpd"])
            if site in idx.site_n:
                cols.append(idx.site_n[site])
                vals.append(tech.availability * idx.site_sizes[site])
        if cols and total > existing:
            m.add_row(np.concatenate(cols), np.concatenate(vals), float(total) - existing, INF)


def _policy_rows(m, idx, problem, arcs, elastic, money) -> None:
    sites = problem.sites
    tech_of = sites["technology"]
    dest_tech = arcs["destination"].map(tech_of).to_numpy()
    streams = arcs["stream"].to_numpy()
    for cap in problem.flow_caps:
        sel = np.flatnonzero((streams == cap.stream) & (dest_tech == cap.technology))
        label = cap.label or f"{cap.stream} into {cap.technology} ≤ {cap.max_tpd:g} t/d"
        cols, vals = _with_slack(m, idx, elastic, label, idx.arc_var[sel], idx.arc_mult[sel], -1.0)
        m.add_row(cols, vals, -INF, cap.max_tpd)
    for tech_name, target in problem.capacity_targets:
        existing = float(sites.loc[(tech_of == tech_name) & (sites["lock"] != "closed"), "existing_capacity_tpd"].sum())
        parts = [(n, idx.site_sizes[s]) for s, n in idx.site_n.items() if tech_of[s] == tech_name]
        cols = np.concatenate([p[0] for p in parts]) if parts else _NO_VARS
        vals = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
        cols, vals = _with_slack(m, idx, elastic, f"{tech_name} capacity ≥ {target:g} t/d", cols, vals, 1.0)
        m.add_row(cols, vals, target - existing, INF)
    for tech_name, low, high in problem.new_site_limits:
        cols = _new_site_vars(idx, sites, tech_name)
        if low is not None:
            c2, v2 = _with_slack(m, idx, elastic, f"new {tech_name} sites ≥ {low}", cols, np.ones(cols.size), 1.0)
            m.add_row(c2, v2, low, INF)
        if high is not None:
            m.add_row(cols, np.ones(cols.size), -INF, high)
    for target in problem.stop_targets:
        members = [s for s in idx.site_running if tech_of[s] == target.technology]
        running = np.asarray([idx.site_running[s] for s in members], dtype=np.int64)
        if target.min_stopped:
            cols, vals = _with_slack(m, idx, elastic, f"{target.technology} stopped ≥ {target.min_stopped}",
                                     running, np.ones(running.size), -1.0)
            m.add_row(cols, vals, -INF, len(members) - target.min_stopped)
        if target.min_restored:
            restored = m.add_vars(len(members), ub=1, integer=True, cost=target.restore_annual_cost * money)
            idx.site_restored.update(zip(members, restored))
            m.add_rows(np.repeat(np.arange(len(members)), 2), np.ravel(np.column_stack([restored, running])),
                       1.0, -INF, 1.0, n_rows=len(members))  # restored + running ≤ 1
            cols, vals = _with_slack(m, idx, elastic, f"{target.technology} restored ≥ {target.min_restored}",
                                     restored, np.ones(restored.size), 1.0)
            m.add_row(cols, vals, target.min_restored, INF)


def _site_count_objective(m, idx, problem, cost_weight) -> None:
    """p sites exactly (p-median, max coverage) or as few as possible (set cover)."""
    objective, sites = problem.objective, problem.sites
    counted = sites if objective.technology is None else sites[sites["technology"] == objective.technology]
    new_cols = np.concatenate([idx.site_y[s] for s in counted.index if counted.at[s, "is_new"] and s in idx.site_y]
                              or [_NO_VARS])
    fixed_open = int((~counted["is_new"].astype(bool) & (counted["lock"] != "closed")).sum())
    if objective.kind == "set_cover":
        m.add_cost(new_cols, cost_weight)
    else:
        m.add_row(new_cols, np.ones(new_cols.size), objective.p - fixed_open, objective.p - fixed_open)


def _with_slack(m, idx, elastic, label, cols, vals, sign):
    if not elastic:
        return cols, vals
    slack = m.add_vars(1, cost=ELASTIC_PENALTY)
    idx.policy_slack[label] = int(slack[0])
    return np.concatenate([cols, slack]), np.concatenate([vals, [sign]])


def _new_site_vars(idx: ModelIndex, sites: pd.DataFrame, tech_name: str) -> np.ndarray:
    parts = [y for s, y in idx.site_y.items() if sites.at[s, "is_new"] and sites.at[s, "technology"] == tech_name]
    return np.concatenate(parts) if parts else _NO_VARS


def site_neighbourhoods(idx: ModelIndex, arcs: pd.DataFrame, size: int = NEIGHBOURHOOD_SITES) -> list[np.ndarray]:
    """Per site with decisions: the integer columns of it and its ``size − 1`` nearest sites, plus the
    single-sourcing arcs of every origin that reaches them (so its waste can move between them)."""
    decisions = _decision_columns(idx)
    if not decisions:
        return []
    nearest = nearest_sites(arcs, set(decisions), size)
    moving_into = _single_sourcing_arcs(idx, arcs)
    groups = []
    for site in decisions:
        members = nearest.get(site, [site])
        cols = [c for s in members for c in decisions.get(s, [])] + moving_into(members)
        groups.append(np.unique(np.asarray(cols, dtype=np.int64)))
    return groups


def stop_neighbourhoods(idx: ModelIndex, arcs: pd.DataFrame) -> list[np.ndarray]:
    """One group with every keep-running / stop / restore decision and the single-sourcing arcs into those
    sites (none if there are fewer than two): stop targets (≥ 40 stopped, ≥ 20 restored) tie landfills
    across the province, so no group of nearby sites can trade a stop here for one there. Without stop
    targets each landfill's decision is its own, and the site groups suffice."""
    stops = [int(c) for table in (idx.site_running, idx.site_restored) for c in table.values()]
    if len(stops) < 2:
        return []
    cols = stops + _single_sourcing_arcs(idx, arcs)(idx.site_running)
    return [np.unique(np.asarray(cols, dtype=np.int64))]


def _single_sourcing_arcs(idx: ModelIndex, arcs: pd.DataFrame):
    """A function: sites → the single-sourcing arc columns of every origin that reaches one of them, so that
    a group freeing those sites also lets the origins' waste move between them."""
    single = np.flatnonzero(idx.arc_single)
    by_origin = pd.Series(idx.arc_var[single]).groupby(arcs["origin"].to_numpy()[single]).agg(list)
    origins_into = arcs.iloc[single].groupby("destination")["origin"].agg(set) if single.size else pd.Series(dtype=object)

    def of(sites) -> list[int]:
        origins = set().union(*(origins_into.get(s, set()) for s in sites))
        return [int(c) for o in origins for c in by_origin[o]]
    return of


def nearest_sites(arcs: pd.DataFrame, sites: set, size: int) -> pd.Series:
    """Per site in ``sites``: itself and its ``size − 1`` nearest among them.

    Nearness needs no map: two sites are as near as the shortest haul origin → one site plus origin →
    the other, over each origin's nearest sites.
    """
    near = (arcs[["origin", "destination", "km"]].sort_values("km", kind="stable")
            .groupby("origin", sort=False).head(NEAREST_PER_ORIGIN))
    near = near[near["destination"].isin(sites)]
    pairs = near.merge(near, on="origin")
    pairs = (pairs.assign(km=pairs["km_x"] + pairs["km_y"], own=pairs["destination_x"] != pairs["destination_y"])
             .groupby(["destination_x", "destination_y"], sort=False)[["own", "km"]].min()
             .reset_index().sort_values(["destination_x", "own", "km"], kind="stable"))
    return pairs.groupby("destination_x", sort=False)["destination_y"].agg(lambda s: list(s[:size]))


def _decision_columns(idx: ModelIndex) -> dict:
    """Site → its integer columns (size choice, modules, running, restored)."""
    decisions: dict = {}
    for table in (idx.site_y, idx.site_n):
        for site, cols in table.items():
            decisions.setdefault(site, []).extend(int(c) for c in cols)
    for table in (idx.site_running, idx.site_restored):
        for site, col in table.items():
            decisions.setdefault(site, []).append(int(col))
    return decisions


def solve_problem(problem: SitingProblem, *, backend: str = "highs", time_limit: float = 60.0,
                  rel_gap: float = 1e-4, threads: int = 0, elastic: bool = False) -> SitingSolution:
    """Build, solve and read back; the status/gap come from the solver's own bound."""
    m, idx, arcs = build_milp(problem, elastic=elastic)
    result = solve_milp(m, backend, time_limit=time_limit, rel_gap=rel_gap, threads=threads,
                        neighbourhoods=lambda: (site_neighbourhoods(idx, arcs),
                                                stop_neighbourhoods(idx, arcs) if problem.stop_targets else []),
                        first_plan=lambda relaxation: first_plan(problem, idx, arcs, relaxation))
    return read_solution(problem, idx, arcs, result)


def first_plan(problem: SitingProblem, idx: ModelIndex, arcs: pd.DataFrame,
               relaxation: np.ndarray | None = None) -> FirstPlan | None:
    """The greedy plan, whose LP relaxation is to look only at the new sites near the ones it keeps;
    given that relaxation, the greedy among the sites the relaxation opens, the others excluded."""
    closed = set() if relaxation is None else relaxation_closed_sites(problem, idx, arcs, relaxation)
    fixing = greedy_modules(problem, idx, arcs, closed)
    if fixing is None:
        return None
    cols, values = fixing
    excluded = _site_columns(idx, closed)
    if relaxation is not None:
        return FirstPlan(cols, values, excluded=excluded)
    fixed = dict(zip(cols.tolist(), values.tolist()))
    kept = {site for site, y in idx.site_y.items() if any(fixed.get(int(c), 1.0) > 0.5 for c in y)}  # or undecided
    nearest = nearest_sites(arcs, set(idx.site_y), RELAXATION_SCOPE_SITES)
    scope = {near for site in kept for near in nearest.get(site, [site])}
    far = {site for site in idx.site_y if problem.sites.at[site, "is_new"] and site not in scope}
    return FirstPlan(cols, values, excluded=excluded, outside=_site_columns(idx, far))


def _site_columns(idx: ModelIndex, sites: set) -> np.ndarray:
    cols = [int(c) for site in sites for c in (*idx.site_y[site], *idx.site_n.get(site, ()))]
    return np.unique(np.asarray(cols, dtype=np.int32))


def read_solution(problem: SitingProblem, idx: ModelIndex, arcs: pd.DataFrame, result: MilpResult) -> SitingSolution:
    no_unserved = pd.DataFrame(columns=["node", "stream", "tonnes_per_day"])
    if not result.has_solution:
        flows = arcs.iloc[0:0].assign(tonnes_per_day=pd.Series(dtype=float))
        return SitingSolution(result, flows, site_table(problem, idx, None, flows), no_unserved, {})
    x = result.x
    amounts = x[idx.arc_var] * idx.arc_mult
    amounts[np.abs(amounts) < 1e-6] = 0.0
    flows = arcs.assign(tonnes_per_day=amounts)
    flows = flows[flows["tonnes_per_day"] > 0].reset_index(drop=True)
    unserved = pd.DataFrame([(node, stream, x[i]) for (node, stream), i in idx.demand_slack.items() if x[i] > 1e-6],
                            columns=no_unserved.columns)
    policy = {label: float(x[i]) for label, i in idx.policy_slack.items() if x[i] > 1e-6}
    return SitingSolution(result, flows, site_table(problem, idx, x, flows), unserved, policy)


def site_table(problem: SitingProblem, idx: ModelIndex, x: np.ndarray | None, flows: pd.DataFrame) -> pd.DataFrame:
    """Per site: opened, running, restored, modules added, capacity and throughput (t/d)."""
    sites = problem.sites
    throughput = flows.groupby("destination")["tonnes_per_day"].sum() if len(flows) else pd.Series(dtype=float)
    rows = []
    for site, row in zip(sites.index, sites.itertuples(index=False)):
        tech = problem.technologies[row.technology]
        closed = row.lock == "closed"
        existing = 0.0 if closed else float(row.existing_capacity_tpd)
        new_modules, size = 0, np.nan
        opened = not row.is_new and not closed
        if x is not None and site in idx.site_y:
            if site in idx.site_n:
                n = np.round(x[idx.site_n[site]]).astype(int)
                if n.sum() > 0:
                    k = int(np.argmax(n))
                    new_modules, size = int(n[k]), float(idx.site_sizes[site][k])
            if row.is_new:
                opened = bool(np.round(x[idx.site_y[site]]).sum() > 0)
        running = opened
        if x is not None and site in idx.site_running:
            running = bool(round(x[idx.site_running[site]]))
        restored = bool(x is not None and site in idx.site_restored and round(x[idx.site_restored[site]]))
        rows.append({
            "site_id": site, "technology": row.technology, "is_new": bool(row.is_new), "opened": bool(opened),
            "running": running, "restored": restored, "existing_capacity_tpd": existing,
            "new_modules": new_modules, "module_size_tpd": size,
            "capacity_tpd": existing + new_modules * (size if new_modules else 0.0) if tech.capacitated else np.nan,
            "throughput_tpd": float(throughput.get(site, 0.0)),
        })
    return pd.DataFrame(rows).set_index("site_id")
