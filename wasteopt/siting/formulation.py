"""The siting MILP: build it from a SitingProblem (one year, or several years linked), read its solution back.

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
scenario still solves and the slack says what cannot be met.

Phasing puts several years in one linked model — plants built stay built, stopped landfills stay
stopped. Each year is the single-year model of that year's demand, its costs weighted by the present
value of the years it stands for (until the next listed year). Annualised capital sits in every
year's block, so an asset pays its annuity each year it exists. Links between consecutive years
t−1, t: y[s,k,t] ≥ y[s,k,t−1] and n[s,k,t] ≥ n[s,k,t−1] (with one size per site in each year, the
size chosen first is kept), running[s,t] ≤ running[s,t−1], restored[s,t] ≥ restored[s,t−1]. An
optional yearly build budget caps the one-off capital (not annualised) of what each year adds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from wasteopt.milp import INF, LinearModel, MilpResult
from wasteopt.siting.problem import WAN, SitingProblem

ELASTIC_PENALTY = 1e9  # per t/d (or per unit of a policy row) of slack: dominates any real cost
_NO_VARS = np.zeros(0, dtype=np.int64)


@dataclass
class ModelIndex:
    """Where each decision lives in the variable vector."""

    arc_var: np.ndarray                    # per arc: variable index
    arc_mult: np.ndarray                   # per arc: t/d per unit of the variable (1 for x, demand for z)
    arc_single: np.ndarray                 # per arc: single-sourced (integer z)
    arc_use: np.ndarray                    # per arc: t/d of the destination's nameplate per t/d of flow
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
    m.offset += problem.fixed_annual_cost * money

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
    idx = ModelIndex(arc_var, arc_mult, single, problem.arc_capacity_use(arcs))
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
            _capacitated_site(m, idx, site, row, tech, inflow, money, money * problem.days_per_year)
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
    _local_capacity_rows(m, idx, problem, elastic)
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
    into = arcs["destination"].map(intake).to_numpy(float) / problem.arc_capacity_use(arcs)
    intake = {site: tpd / _least_capacity_factor(techs[tech]) for site, tpd, tech in
              zip(sites.index, intake.values(), sites["technology"])}  # tonnes a site can take at most
    node_bound = np.minimum(np.nan_to_num(node_demand), into)
    fed = pd.Series(np.where(from_node, node_bound, INF)).groupby(arcs["destination"].to_numpy()).sum()
    tech_of = sites["technology"]
    out_of_site = [INF if node or (tech_of[o], st) not in ratio
                   else min(intake[o], fed.get(o, 0.0)) * ratio[tech_of[o], st]
                   for o, st, node in zip(arcs["origin"], arcs["stream"], from_node)]
    bound = np.where(from_node, node_demand, np.minimum(total, out_of_site))
    return np.minimum(bound, into)


def _least_capacity_factor(tech) -> float:
    """The smallest t/d of nameplate a tonne of any stream uses at ``tech`` (1 for unlisted streams)."""
    listed = dict(tech.capacity_factors)
    return min([1.0] * any(s not in listed for s in tech.accepts) + list(listed.values()) or [1.0])


def _capacitated_site(m, idx, site, row, tech, inflow, money, money_per_tpd) -> None:
    """Modules, capacity and min load of one site; with ``above_existing_cost_per_t`` > 0 every t/d beyond
    its existing lines' throughput pays that much (e.g. the subsidy an expansion does not get)."""
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
    in_cols, in_vals = arc_var[inflow], arc_mult[inflow] * idx.arc_use[inflow]
    rho = tech.availability
    if n is None:
        m.add_row(in_cols, in_vals, -INF, rho * existing)
        return
    m.add_row(np.concatenate([in_cols, n]), np.concatenate([in_vals, -rho * sizes]), -INF, rho * existing)
    above = float(getattr(row, "above_existing_cost_per_t", 0.0) or 0.0)
    if above > 0 and inflow.size:
        excess = m.add_vars(1, cost=above * money_per_tpd)
        m.add_row(np.concatenate([in_cols, excess]), np.concatenate([in_vals, [-1.0]]), -INF, rho * existing)
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
        total *= min(techs[t].capacity_factor(stream) for t in set(dest_tech[into]))
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


def _local_capacity_rows(m, idx, problem, elastic) -> None:
    """Each LocalCapacity area keeps an existing plant or opens one of its candidates (Σ open ≥ 1)."""
    sites = problem.sites
    for rule in problem.local_capacity:
        area = sites.loc[[s for s in rule.sites if s in sites.index]]
        if ((~area["is_new"].astype(bool)) & (area["lock"] != "closed") & (area["existing_capacity_tpd"] > 0)).any():
            continue
        new = area.index[area["is_new"].astype(bool)]
        cols = np.concatenate([idx.site_y[s] for s in new if s in idx.site_y] or [_NO_VARS])
        cols, vals = _with_slack(m, idx, elastic, rule.label, cols, np.ones(cols.size), 1.0)
        m.add_row(cols, vals, 1.0, INF)


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
    """Per site: opened, running, restored, modules added, capacity, throughput and load (t/d of nameplate used)."""
    sites = problem.sites
    throughput = flows.groupby("destination")["tonnes_per_day"].sum() if len(flows) else pd.Series(dtype=float)
    used = flows["tonnes_per_day"] * problem.arc_capacity_use(flows) if len(flows) else flows["tonnes_per_day"]
    load = used.groupby(flows["destination"]).sum() if len(flows) else pd.Series(dtype=float)
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
            "throughput_tpd": float(throughput.get(site, 0.0)), "load_tpd": float(load.get(site, 0.0)),
        })
    return pd.DataFrame(rows).set_index("site_id")


# ----------------------------------------------------------------------------- phasing: years linked

PATH_COLUMNS = ("year", "demand_tpd", "capacity_tpd", "new_plants", "expanded_plants", "raw_msw_landfill_tpd",
                "landfills_running", "landfills_stopped", "capital_spent_wan_cny", "cost_wan_cny")


@dataclass(frozen=True)
class BuildCapital:
    """One-off capital (CNY) of building at sites of ``technology``: per new site, and per module of each
    size in the order of the technology's ``module_sizes_tpd``."""

    technology: str
    site: float
    per_module: tuple[float, ...]


@dataclass(frozen=True)
class PhasedSolution:
    """One linked solve over ``years``.

    solutions: each year's SitingSolution (all share ``result``: status, NPV objective, proven gap).
    path: per year (columns ``PATH_COLUMNS``): demand, capacity (t/d), new and expanded plants so far,
      raw MSW landfilled (t/d), landfills running / stopped, one-off capital spent that year and that
      year's undiscounted system cost (万元).
    schedule: per site: year_built (first year opened or expanded), year_complete (first year it has all
      the lines of the last year), year_stopped (first year a stoppable site, i.e. a landfill, takes no
      more gated waste); <NA> when never.
    """

    years: tuple[int, ...]
    result: MilpResult
    solutions: tuple[SitingSolution, ...]
    path: pd.DataFrame
    schedule: pd.DataFrame


def year_weights(years: Sequence[int], discount_rate: float) -> list[float]:
    """Present-value weight of each year's block: the discount factors 1/(1+r)^(τ−t0) of the years τ it stands
    for (up to the next listed year; the last year stands for itself)."""
    t0 = years[0]
    ends = list(years[1:]) + [years[-1] + 1]
    return [sum((1 + discount_rate) ** -(tau - t0) for tau in range(start, end)) for start, end in zip(years, ends)]

@dataclass(frozen=True)
class YearBlock:
    """One year's part of a linked model: where its decisions live and its columns ``first``..``end``."""

    index: ModelIndex
    arcs: pd.DataFrame
    first: int
    end: int


@dataclass(frozen=True)
class PhasedModel:
    """The linked model of ``years`` and what reading its solution needs."""

    model: LinearModel
    problems: tuple[SitingProblem, ...]
    years: tuple[int, ...]
    blocks: tuple[YearBlock, ...]
    weights: tuple[float, ...]
    capital: BuildCapital | None
    plant_technology: str | None


def build_phased_milp(problems: Sequence[SitingProblem], years: Sequence[int], *, discount_rate: float = 0.0,
                      capital: BuildCapital | None = None, budget_per_year: float | None = None,
                      elastic: bool = False, plant_technology: str | None = None) -> PhasedModel:
    """One problem per year (same sites, growing demand) as one linked MILP; ``budget_per_year`` is CNY of
    one-off capital (priced by ``capital``) newly built in each year. The path read back counts capacity
    and plants of ``plant_technology`` (default: every capacitated technology)."""
    years = tuple(int(t) for t in years)
    if len(problems) != len(years) or not years:
        raise ValueError("one siting problem per year is needed")
    if any(not p.sites.index.equals(problems[0].sites.index) for p in problems):
        raise ValueError("every year's problem must have the same sites")
    if budget_per_year is not None and capital is None:
        raise ValueError("a build budget needs the capital of a site and a module (capital=BuildCapital(...))")
    if capital is not None:
        sizes = problems[0].technologies[capital.technology].module_sizes_tpd
        if len(capital.per_module) != len(sizes):
            raise ValueError(f"capital of {capital.technology}: one figure per module size {sizes} is needed")

    m = LinearModel()
    blocks, weights = [], year_weights(years, discount_rate)
    for problem, weight in zip(problems, weights):
        first = m.num_vars
        _, idx, arcs = build_milp(problem, elastic=elastic, model=m, cost_weight=weight)
        blocks.append(YearBlock(idx, arcs, first, m.num_vars))
    indices = [b.index for b in blocks]
    for earlier, later in zip(indices, indices[1:]):
        _link_years(m, earlier, later)
    if budget_per_year is not None:
        for t in range(len(years)):
            cols, vals = _new_capital_terms(problems[t], indices[t], indices[t - 1] if t else None, capital)
            m.add_row(cols, vals, -INF, budget_per_year)
    return PhasedModel(m, tuple(problems), years, tuple(blocks), tuple(weights), capital, plant_technology)


def read_phased_solution(phased: PhasedModel, result: MilpResult) -> PhasedSolution:
    """Each year's solution, the path per year and each site's schedule."""
    problems, years, blocks, capital = phased.problems, phased.years, phased.blocks, phased.capital
    solutions = tuple(read_solution(p, b.index, b.arcs, result) for p, b in zip(problems, blocks))
    if not result.has_solution:
        return PhasedSolution(years, result, solutions, pd.DataFrame(columns=list(PATH_COLUMNS)),
                              pd.DataFrame(columns=["year_built", "year_stopped"]))
    cost = phased.model.arrays()[0]
    year_cost = [float(cost[b.first:b.end] @ result.x[b.first:b.end]) / w for b, w in zip(blocks, phased.weights)]
    indices = [b.index for b in blocks]
    spent = [_capital_spent(problems[t], indices[t], indices[t - 1] if t else None, capital, result.x)
             for t in range(len(years))]
    path = _path(problems, solutions, years, spent, year_cost, phased.plant_technology)
    return PhasedSolution(years, result, solutions, path, _schedule(problems, solutions, years))


def _link_years(m: LinearModel, earlier: ModelIndex, later: ModelIndex) -> None:
    """later − earlier ≥ 0 for built modules and sizes and for restorations; ≤ 0 for running."""
    grow_before, grow_after = [], []
    for site, y in later.site_y.items():
        if site in earlier.site_y:
            grow_before.append(earlier.site_y[site])
            grow_after.append(y)
    for site, n in later.site_n.items():
        if site in earlier.site_n and not np.array_equal(n, later.site_y.get(site)):  # n is y when one module at most
            grow_before.append(earlier.site_n[site])
            grow_after.append(n)
    common = [s for s in later.site_restored if s in earlier.site_restored]
    grow_before.append(np.asarray([earlier.site_restored[s] for s in common], dtype=np.int64))
    grow_after.append(np.asarray([later.site_restored[s] for s in common], dtype=np.int64))
    _difference_rows(m, np.concatenate(grow_before), np.concatenate(grow_after), 0.0, INF)
    running = [s for s in later.site_running if s in earlier.site_running]
    _difference_rows(m, np.asarray([earlier.site_running[s] for s in running], dtype=np.int64),
                     np.asarray([later.site_running[s] for s in running], dtype=np.int64), -INF, 0.0)


def _difference_rows(m: LinearModel, before: np.ndarray, after: np.ndarray, lb: float, ub: float) -> None:
    """One row ``lb ≤ after[i] − before[i] ≤ ub`` per pair."""
    if before.size:
        rows = np.repeat(np.arange(before.size), 2)
        m.add_rows(rows, np.ravel(np.column_stack([after, before])), np.tile([1.0, -1.0], before.size), lb, ub,
                   n_rows=before.size)


def _new_capital_terms(problem: SitingProblem, now: ModelIndex, before: ModelIndex | None,
                       capital: BuildCapital) -> tuple[np.ndarray, np.ndarray]:
    """Columns and CNY coefficients of the one-off capital built in a year: (site + modules now) − (before)."""
    cols, vals = [], []
    for index, sign in ((now, 1.0), (before, -1.0)):
        if index is None:
            continue
        for site, y in index.site_y.items():
            if problem.sites.at[site, "technology"] != capital.technology:
                continue
            if problem.sites.at[site, "is_new"]:
                cols.append(y)
                vals.append(np.full(len(y), sign * capital.site))
            if site in index.site_n:
                cols.append(index.site_n[site])
                vals.append(sign * np.asarray(capital.per_module, float))
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cols), np.concatenate(vals)


def _capital_spent(problem, now, before, capital, x) -> float:
    """One-off capital built in a year, 万元 (NaN without capital figures)."""
    if capital is None:
        return float("nan")
    cols, vals = _new_capital_terms(problem, now, before, capital)
    return float(vals @ np.round(x[cols])) / WAN


def _path(problems, solutions, years, spent, year_cost, plant_technology) -> pd.DataFrame:
    rows = []
    for problem, solution, year, capital, cost in zip(problems, solutions, years, spent, year_cost):
        sites, techs, flows = solution.sites, problem.technologies, solution.flows
        stoppable = _existing_stoppable(problem)
        # demand of the streams those plants take (residual waste, not food waste or C&D sent elsewhere)
        served = [s for s in problem.demand.columns if not plant_technology or s in techs[plant_technology].accepts]
        plants = sites[sites["technology"] == plant_technology] if plant_technology else \
            sites[sites["technology"].map(lambda t: techs[t].capacitated).astype(bool)]
        # raw MSW landfilled = gated streams (those needing a running site) into stoppable sites
        gated = pd.Series([s in techs[problem.sites.at[d, "technology"]].gated_streams
                           for d, s in zip(flows["destination"], flows["stream"])], index=flows.index, dtype=bool)
        rows.append({
            "year": year,
            "demand_tpd": float(problem.demand[served].to_numpy().sum()),
            "capacity_tpd": float(plants["capacity_tpd"].sum()),
            "new_plants": int((plants["is_new"] & plants["opened"]).sum()),
            "expanded_plants": int((~plants["is_new"] & (plants["new_modules"] > 0)).sum()),
            "raw_msw_landfill_tpd": float(flows.loc[gated, "tonnes_per_day"].sum()),
            "landfills_running": int((stoppable & sites["running"]).sum()),
            "landfills_stopped": int((stoppable & ~sites["running"]).sum()),
            "capital_spent_wan_cny": capital,
            "cost_wan_cny": cost / WAN,
        })
    return pd.DataFrame(rows, columns=list(PATH_COLUMNS))


def _schedule(problems, solutions, years) -> pd.DataFrame:
    """year_built / year_complete / year_stopped per site (nullable integers)."""
    index = problems[0].sites.index
    built, complete, stopped = (pd.Series(pd.NA, index=index, dtype="Int64") for _ in range(3))
    final_modules = solutions[-1].sites["new_modules"]
    for problem, solution, year in zip(problems, solutions, years):
        sites = solution.sites
        now_built = (sites["is_new"] & sites["opened"]) | (sites["new_modules"] > 0)
        built[now_built & built.isna()] = year
        complete[now_built & (sites["new_modules"] >= final_modules) & complete.isna()] = year
        now_stopped = _existing_stoppable(problem) & ~sites["running"]
        stopped[now_stopped & stopped.isna()] = year
    return pd.DataFrame({"year_built": built, "year_complete": complete, "year_stopped": stopped})


def _existing_stoppable(problem: SitingProblem) -> pd.Series:
    """Sites that decide to keep running or stop (existing landfills), as a boolean Series."""
    sites, techs = problem.sites, problem.technologies
    return (sites["technology"].map(lambda t: techs[t].stoppable).astype(bool)
            & ~sites["is_new"].astype(bool) & (sites["lock"] != "closed"))
