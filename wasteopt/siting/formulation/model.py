"""The siting MILP of one SitingProblem (one year): variables, rows and objective, and where each decision lives.

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
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wasteopt.milp.model import INF, LinearModel
from wasteopt.siting.formulation.arcs import arc_flow_bounds, prepare_arcs
from wasteopt.siting.problem import SitingProblem


ELASTIC_PENALTY = 1e9  # per t/d (or per unit of a policy row) of slack: dominates any real cost
NO_VARS = np.zeros(0, dtype=np.int64)


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
    demand_row: dict = field(default_factory=dict)    # (node, stream) → its demand row
    policy_slack: dict = field(default_factory=dict)  # label → slack var


def build_milp(problem: SitingProblem, elastic: bool = False, model: LinearModel | None = None,
               cost_weight: float = 1.0, fill_rows: bool = True) -> tuple[LinearModel, ModelIndex, pd.DataFrame]:
    """The MILP of ``problem`` (added to ``model`` if given, costs × ``cost_weight``); ``fill_rows``: a site with a
    volume holds ``fill_years`` of this year's intake (phasing replaces them by the fill so far, and that reserve
    after the last year)."""
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
    arc_max = np.where(single, 1.0, arc_flow_bounds(problem, arcs, from_node, node_demand))

    # --- site decisions and rows
    dest_groups = arcs.groupby("destination", sort=False).indices
    orig_groups = arcs.groupby("origin", sort=False).indices
    arc_streams = arcs["stream"].to_numpy()
    for site, row in zip(sites.index, sites.itertuples(index=False)):
        if row.lock == "closed":
            continue
        tech = techs[row.technology]
        inflow = dest_groups.get(site, NO_VARS)
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
            out = orig_groups.get(site, NO_VARS)
            out = out[arc_streams[out] == stream]
            if inflow.size:
                m.add_row(np.concatenate([arc_var[out], arc_var[inflow]]),
                          np.concatenate([np.ones(out.size), -ratio * arc_mult[inflow]]), 0.0, 0.0)

    if fill_rows:
        for site, n, inflow, fill, volume, existing in volume_sites(problem, idx, arcs):
            tech = techs[sites.at[site, "technology"]]
            m.add_row(np.concatenate([arc_var[inflow], n]), np.concatenate([fill * tech.fill_years, -volume]), -INF,
                      existing)
    _demand_rows(m, idx, problem, arcs, from_node, elastic)
    if not elastic and kind != "max_coverage":  # both may leave demand unserved
        _capacity_cover_rows(m, idx, problem, arcs, from_node)
    _policy_rows(m, idx, problem, arcs, elastic, money)
    _local_capacity_rows(m, idx, problem, elastic)
    if kind in ("p_median", "max_coverage", "set_cover"):
        _site_count_objective(m, idx, problem, cost_weight)
    return m, idx, arcs


def volume_sites(problem: SitingProblem, idx: ModelIndex, arcs: pd.DataFrame):
    """Per site with a volume (cells to build, or ``existing_volume_m3`` it holds already), not closed: (site, module
    variables, inflow arcs, m³ a year per unit of each inflow variable, m³ per unit of each module variable, m³ held
    already)."""
    techs, sites = problem.technologies, problem.sites
    streams = arcs["stream"].to_numpy()
    into = arcs.groupby("destination", sort=False).indices
    held = sites["existing_volume_m3"] if "existing_volume_m3" in sites else pd.Series(np.nan, sites.index)
    closed = sites["lock"].eq("closed") if "lock" in sites else pd.Series(False, sites.index)
    for site, technology in sites["technology"].items():
        tech = techs[technology]
        n = idx.site_n.get(site, NO_VARS)
        if tech.volume_m3_per_module <= 0 or closed[site] or (len(n) == 0 and pd.isna(held[site])):
            continue
        inflow = into.get(site, NO_VARS)
        per_t = np.array([tech.m3_per_t(stream) for stream in streams[inflow]])
        yield (site, n, inflow, idx.arc_mult[inflow] * per_t * problem.days_per_year,
               np.full(len(n), tech.volume_m3_per_module), 0.0 if pd.isna(held[site]) else float(held[site]))


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
    idx.demand_row = dict(zip(keys, m.add_rows(rows, cols, vals, rhs, rhs, n_rows=len(keys))))


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
        cols = np.concatenate([p[0] for p in parts]) if parts else NO_VARS
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
        cols = np.concatenate([idx.site_y[s] for s in new if s in idx.site_y] or [NO_VARS])
        cols, vals = _with_slack(m, idx, elastic, rule.label, cols, np.ones(cols.size), 1.0)
        m.add_row(cols, vals, 1.0, INF)


def _site_count_objective(m, idx, problem, cost_weight) -> None:
    """p sites exactly (p-median, max coverage) or as few as possible (set cover)."""
    objective, sites = problem.objective, problem.sites
    counted = sites if objective.technology is None else sites[sites["technology"] == objective.technology]
    new_cols = np.concatenate([idx.site_y[s] for s in counted.index if counted.at[s, "is_new"] and s in idx.site_y]
                              or [NO_VARS])
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
    return np.concatenate(parts) if parts else NO_VARS
