"""Build the facility-network MILP from a SitingProblem, solve it, read the solution back.

Formulation (units t/d; objective CNY/yr for min_cost):
- per capacitated site: binary y[s,k] picks one module size, integer n[s,k] ≤ M·y[s,k]
  modules; capacity = existing + Σ size·n; throughput ≤ availability × capacity and
  ≥ min_load × capacity of new or expanded plants;
- flows on sparse arcs; single-sourced streams use binary z (a node sends everything
  to one site), else continuous x;
- strong linking x ≤ demand·open on every arc into a new site (the tight formulation:
  the aggregated capacity row alone leaves a weak LP bound);
- outputs (ash) balance at the producing site; caps on a stream into a technology
  (zero landfill); province capacity target; min/max number of new sites.
``elastic=True`` adds penalised slack on demand and on policy rows so an infeasible
scenario still solves and the slack says what cannot be met.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wasteopt.siting.milp import INF, LinearModel, MilpResult, solve_milp
from wasteopt.siting.problem import SitingProblem

ELASTIC_PENALTY = 1e9  # per t/d (or per unit of a policy row) of slack: dominates any real cost


@dataclass
class _Index:
    """Where each decision lives in the variable vector."""

    arc_var: np.ndarray            # per arc: variable index
    arc_mult: np.ndarray           # per arc: t/d per unit of the variable (1 for x, demand for z)
    site_y: dict                   # site → array of y indices (one per size), or open index for uncapacitated new sites
    site_n: dict                   # site → array of n indices (one per size)
    site_sizes: dict               # site → sizes array
    demand_slack: dict             # (node, stream) → index
    policy_slack: dict             # label → index


@dataclass(frozen=True)
class SitingSolution:
    """Solver outcome in problem terms (no geography)."""

    result: MilpResult
    flows: pd.DataFrame            # arc rows with tonnes_per_day > 0
    sites: pd.DataFrame            # per site: opened, new_modules, module_size_tpd, capacity_tpd, throughput_tpd
    unserved: pd.DataFrame         # node, stream, tonnes_per_day (elastic solves only)
    policy_slack: dict             # label → amount by which a policy row had to be relaxed

    @property
    def objective(self) -> float | None:
        return self.result.objective


def _demand_lookup(demand: pd.DataFrame) -> pd.Series:
    """t/d indexed by (node id, stream), both as str."""
    stacked = demand.stack()
    return pd.Series(stacked.to_numpy(dtype=float), index=pd.MultiIndex.from_arrays(
        [stacked.index.get_level_values(0).astype(str), stacked.index.get_level_values(1).astype(str)]))


def _prepare_arcs(problem: SitingProblem) -> pd.DataFrame:
    """Drop arcs that can never carry flow: closed sites, zero demand, streams the site refuses."""
    arcs = problem.arcs.reset_index(drop=True)
    sites = problem.sites
    dest_tech = arcs["destination"].map(sites["technology"])
    allowed = {(t.name, stream) for t in problem.technologies.values() for stream in t.accepts}
    allowed |= {(name, stream) for name, t in problem.technologies.items() for stream in t.accepts}
    keep = np.fromiter(((t, s) in allowed for t, s in zip(dest_tech, arcs["stream"])), bool, len(arcs))
    keep &= ~arcs["destination"].isin(sites.index[sites["lock"] == "closed"]).to_numpy()
    objective = problem.objective
    if objective.kind in ("set_cover", "max_coverage"):
        keep &= arcs["km"].to_numpy() <= objective.radius_km + 1e-9
    for cap in problem.flow_caps:
        if cap.max_tpd <= 0:  # a zero cap forbids those arcs outright; presolve need not discover it
            keep &= ~((arcs["stream"].to_numpy() == cap.stream) & (dest_tech.to_numpy() == cap.technology))
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    if from_node.any():
        pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
        arc_demand = np.nan_to_num(_demand_lookup(problem.demand).reindex(pairs).to_numpy())
        keep &= ~from_node | (arc_demand > 0)
    arcs = arcs[keep].reset_index(drop=True)
    return _cheapest_into_passive_sites(problem, arcs)


def _cheapest_into_passive_sites(problem: SitingProblem, arcs: pd.DataFrame) -> pd.DataFrame:
    """Keep one arc per (origin, stream, technology) into passive sites.

    A passive site (uncapacitated, always open, no decision of its own, e.g. a landfill that
    only charges per tonne) is interchangeable with any other of its technology: costs are
    linear and caps count the technology as a whole, so only the cheapest such arc can carry
    flow in an optimal plan. Exact, and it removes most landfill and ash arcs.
    """
    sites = problem.sites
    uncapacitated = sites["technology"].map(lambda t: not problem.technologies[t].capacitated)
    passive = sites.index[uncapacitated & ~sites["is_new"].astype(bool)]
    into_passive = arcs["destination"].isin(passive).to_numpy()
    if not into_passive.any():
        return arcs
    candidates = arcs[into_passive].assign(_tech=arcs.loc[into_passive, "destination"].map(sites["technology"]))
    best = candidates.sort_values(["cost_per_t", "km", "destination"]).drop_duplicates(["origin", "stream", "_tech"])
    kept = pd.concat([arcs[~into_passive], best.drop(columns="_tech")])
    return kept.sort_index().reset_index(drop=True)


def build_milp(problem: SitingProblem, elastic: bool = False) -> tuple[LinearModel, _Index, pd.DataFrame]:
    """The MILP of ``problem``; returns the model, the variable index and the arcs it uses."""
    m = LinearModel()
    techs = problem.technologies
    sites = problem.sites
    arcs = _prepare_arcs(problem)
    days = problem.days_per_year
    kind = problem.objective.kind
    demand = problem.demand
    node_ids = set(demand.index)

    # --- site decisions
    site_y, site_n, site_sizes = {}, {}, {}
    cost_site = 0.0
    for site, row in sites.iterrows():
        tech = techs[row["technology"]]
        closed = row["lock"] == "closed"
        if closed:
            continue
        if tech.capacitated:
            if row["is_new"]:
                max_new = tech.max_modules
            elif row.get("expandable", True):
                max_new = max(0, tech.max_modules - int(row["existing_modules"]))
            else:
                max_new = 0
            if row["is_new"] or max_new > 0:
                sizes = np.asarray(tech.module_sizes_tpd, float)
                if max_new <= 0:
                    continue
                count_cost = 0.0 if kind != "min_cost" else 1.0
                site_cost = tech.site_annual_cost * count_cost if row["is_new"] else 0.0
                y = m.add_vars(len(sizes), ub=1, integer=True, cost=site_cost)
                site_y[site] = y
                site_sizes[site] = sizes
                module_cost = np.asarray(tech.module_annual_cost, float) * count_cost
                if max_new == 1:
                    site_n[site] = y
                    m.add_cost(y, module_cost)
                else:
                    n = m.add_vars(len(sizes), ub=max_new, integer=True, cost=module_cost)
                    site_n[site] = n
                    k = len(sizes)
                    min_mod = tech.min_modules if row["is_new"] else 1
                    # n ≤ max·y and n ≥ min·y, one size per site
                    m.add_rows(np.repeat(np.arange(k), 2), np.ravel(np.column_stack([n, y])),
                               np.ravel(np.column_stack([np.ones(k), -max_new * np.ones(k)])), -INF, 0.0)
                    m.add_rows(np.repeat(np.arange(k), 2), np.ravel(np.column_stack([n, y])),
                               np.ravel(np.column_stack([np.ones(k), -min_mod * np.ones(k)])), 0.0, INF)
                if len(sizes) > 1:
                    m.add_row(y, np.ones(len(sizes)), -INF, 1.0)
        elif row["is_new"]:
            site_cost = tech.site_annual_cost if kind == "min_cost" else 0.0
            site_y[site] = m.add_vars(1, ub=1, integer=True, cost=site_cost)
        if row["lock"] == "open" and row["is_new"] and site in site_y:
            m.add_row(site_y[site], np.ones(len(site_y[site])), 1.0, 1.0)

    # --- flows
    n_arcs = len(arcs)
    single = arcs["stream"].isin(problem.single_sourcing).to_numpy() & arcs["origin"].isin(node_ids).to_numpy()
    if kind in ("max_coverage",):
        single[:] = False
    arc_mult = np.ones(n_arcs)
    lookup = _demand_lookup(demand)
    if single.any():
        pairs = pd.MultiIndex.from_arrays([arcs["origin"][single].astype(str), arcs["stream"][single].astype(str)])
        arc_mult[single] = lookup.reindex(pairs).to_numpy()
    dest_tech_cost = arcs["destination"].map(sites["technology"]).map(lambda t: techs[t].cost_per_t).to_numpy()
    if kind == "min_cost":
        unit_cost = (arcs["cost_per_t"].to_numpy() + dest_tech_cost) * days
    elif kind == "p_median":
        unit_cost = arcs["km"].to_numpy().astype(float)
    else:
        unit_cost = np.zeros(n_arcs)
    arc_var = np.empty(n_arcs, dtype=np.int64)
    if single.any():
        arc_var[single] = m.add_vars(int(single.sum()), ub=1, integer=True, cost=unit_cost[single] * arc_mult[single])
    if (~single).any():
        arc_var[~single] = m.add_vars(int((~single).sum()), cost=unit_cost[~single])

    idx = _Index(arc_var, arc_mult, site_y, site_n, site_sizes, {}, {})

    # --- demand rows
    from_node = arcs["origin"].isin(node_ids).to_numpy()
    node_arcs = arcs[from_node]
    groups = node_arcs.groupby(["origin", "stream"], sort=True).indices
    keys = [(node, stream) for node in demand.index for stream in demand.columns if demand.at[node, stream] > 0]
    entry_rows, entry_cols, entry_vals, rhs = [], [], [], []
    node_pos = np.flatnonzero(from_node)
    for r, key in enumerate(keys):
        members = node_pos[groups[key]] if key in groups else np.zeros(0, dtype=np.int64)
        w = float(demand.at[key[0], key[1]])
        entry_rows.append(np.full(members.size, r))
        entry_cols.append(arc_var[members])
        entry_vals.append(arc_mult[members])
        rhs.append(w)
    if keys:
        rhs = np.asarray(rhs)
        rows_arr = np.concatenate(entry_rows)
        cols_arr = np.concatenate(entry_cols)
        vals_arr = np.concatenate(entry_vals)
        if kind == "max_coverage" or elastic:
            penalty = 1.0 if kind == "max_coverage" and not elastic else ELASTIC_PENALTY
            slack = m.add_vars(len(keys), cost=penalty)
            idx.demand_slack = dict(zip(keys, slack))
            rows_arr = np.concatenate([rows_arr, np.arange(len(keys))])
            cols_arr = np.concatenate([cols_arr, slack])
            vals_arr = np.concatenate([vals_arr, np.ones(len(keys))])
        m.add_rows(rows_arr, cols_arr, vals_arr, rhs, rhs, n_rows=len(keys))

    # --- per-site rows: capacity, min load, outputs, strong linking
    dest_groups = arcs.groupby("destination", sort=False).indices
    orig_groups = arcs.groupby("origin", sort=False).indices
    total_demand = float(demand.to_numpy().sum())
    arc_max = _max_amounts(problem, arcs, total_demand)
    arc_streams = arcs["stream"].to_numpy()  # hoisted: per-site to_numpy() on arrow strings cost seconds
    for site, row in sites.iterrows():
        if row["lock"] == "closed":
            continue
        tech = techs[row["technology"]]
        inflow = dest_groups.get(site, np.zeros(0, dtype=np.int64))
        in_cols, in_vals = arc_var[inflow], arc_mult[inflow]
        existing = float(row["existing_capacity_tpd"])
        n = site_n.get(site)
        if tech.capacitated:
            sizes = site_sizes.get(site, np.zeros(0))
            cols = np.concatenate([in_cols, n if n is not None else []]).astype(np.int64)
            vals = np.concatenate([in_vals, -tech.availability * sizes if n is not None else []])
            m.add_row(cols, vals, -INF, tech.availability * existing)
            if tech.min_load_share > 0 and n is not None and inflow.size:
                y = site_y[site]
                cols = np.concatenate([in_cols, n, y]).astype(np.int64)
                vals = np.concatenate([in_vals, -tech.min_load_share * sizes,
                                       -tech.min_load_share * existing * np.ones(len(y))])
                m.add_row(cols, vals, 0.0, INF)
        if row["is_new"] and site in site_y and inflow.size:
            y = site_y[site]
            # strong linking: each inflow arc carries at most its full amount only if the site is open
            bound = np.where(single[inflow], 1.0, arc_max[inflow])
            k = len(y)
            rows_local = np.concatenate([np.arange(inflow.size), np.repeat(np.arange(inflow.size), k)])
            cols = np.concatenate([arc_var[inflow], np.tile(y, inflow.size)])
            vals = np.concatenate([np.ones(inflow.size), -np.repeat(bound, k)])
            m.add_rows(rows_local, cols, vals, -INF, 0.0, n_rows=inflow.size)
        lumpy = inflow[single[inflow]] if n is not None else inflow[:0]
        if lumpy.size:
            # a single-sourced node fits only into the capacity built: w·z ≤ ρ(existing + Σ size·n)
            sizes = site_sizes[site]
            k = len(n)
            rows_local = np.concatenate([np.arange(lumpy.size), np.repeat(np.arange(lumpy.size), k)])
            cols = np.concatenate([arc_var[lumpy], np.tile(n, lumpy.size)])
            vals = np.concatenate([arc_mult[lumpy], -np.tile(tech.availability * sizes, lumpy.size)])
            m.add_rows(rows_local, cols, vals, -INF, tech.availability * existing, n_rows=lumpy.size)
        for stream, ratio in tech.outputs:
            out = orig_groups.get(site, np.zeros(0, dtype=np.int64))
            out = out[arc_streams[out] == stream]
            accepted = inflow
            if not accepted.size:
                continue
            cols = np.concatenate([arc_var[out], arc_var[accepted]]).astype(np.int64)
            vals = np.concatenate([np.ones(out.size), -ratio * arc_mult[accepted]])
            m.add_row(cols, vals, 0.0, 0.0)

    # --- policy rows
    tech_of = sites["technology"]
    dest_tech = arcs["destination"].map(tech_of).to_numpy()
    for cap in problem.flow_caps:
        sel = np.flatnonzero((arcs["stream"].to_numpy() == cap.stream) & (dest_tech == cap.technology))
        cols, vals = arc_var[sel], arc_mult[sel]
        label = cap.label or f"{cap.stream} into {cap.technology} ≤ {cap.max_tpd:g} t/d"
        cols, vals = _with_slack(m, idx, elastic, label, cols, vals, -1.0)
        m.add_row(cols, vals, -INF, cap.max_tpd)
    for tech_name, target in problem.capacity_targets:
        existing = float(sites.loc[(tech_of == tech_name) & (sites["lock"] != "closed"), "existing_capacity_tpd"].sum())
        cols, vals = _capacity_terms(idx, sites, tech_name)
        label = f"{tech_name} capacity ≥ {target:g} t/d"
        cols, vals = _with_slack(m, idx, elastic, label, cols, vals, 1.0)
        m.add_row(cols, vals, target - existing, INF)
    for tech_name, low, high in problem.new_site_limits:
        cols = _new_site_vars(idx, sites, tech_name)
        vals = np.ones(cols.size)
        if low is not None:
            label = f"new {tech_name} sites ≥ {low}"
            c2, v2 = _with_slack(m, idx, elastic, label, cols, vals, 1.0)
            m.add_row(c2, v2, low, INF)
        if high is not None:
            m.add_row(cols, vals, -INF, high)

    # --- objective variants that count sites
    objective = problem.objective
    if kind in ("p_median", "max_coverage", "set_cover"):
        tech_name = objective.technology
        pick = sites.index if tech_name is None else sites.index[tech_of == tech_name]
        new_cols = np.concatenate([site_y[s] for s in pick if s in site_y and sites.at[s, "is_new"]] or [np.zeros(0, np.int64)])
        fixed_open = int(((~sites.loc[pick, "is_new"].astype(bool)) & (sites.loc[pick, "lock"] != "closed")).sum())
        if kind == "set_cover":
            m.add_cost(new_cols, 1.0)
        else:
            m.add_row(new_cols, np.ones(new_cols.size), objective.p - fixed_open, objective.p - fixed_open)
    return m, idx, arcs


def _max_amounts(problem: SitingProblem, arcs: pd.DataFrame, total_demand: float) -> np.ndarray:
    """Per arc, the most it can carry (t/d): its origin's demand, or for site-to-site arcs all output."""
    pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
    node_demand = _demand_lookup(problem.demand).reindex(pairs).to_numpy()
    site_bound = total_demand * max([1.0] + [r for t in problem.technologies.values() for _, r in t.outputs])
    return np.where(arcs["origin"].isin(problem.demand.index).to_numpy(), node_demand, site_bound)


def _with_slack(m, idx, elastic, label, cols, vals, sign):
    if not elastic:
        return cols, vals
    slack = m.add_vars(1, cost=ELASTIC_PENALTY)
    idx.policy_slack[label] = int(slack[0])
    return np.concatenate([cols, slack]), np.concatenate([vals, [sign]])


def _capacity_terms(idx: _Index, sites: pd.DataFrame, tech_name: str):
    cols, vals = [], []
    for site, n in idx.site_n.items():
        if sites.at[site, "technology"] == tech_name:
            cols.append(n)
            vals.append(idx.site_sizes[site])
    if not cols:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(cols), np.concatenate(vals)


def _new_site_vars(idx: _Index, sites: pd.DataFrame, tech_name: str) -> np.ndarray:
    parts = [y for s, y in idx.site_y.items() if sites.at[s, "is_new"] and sites.at[s, "technology"] == tech_name]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def solve_problem(problem: SitingProblem, *, backend: str = "highs", time_limit: float = 60.0,
                  rel_gap: float = 1e-4, threads: int = 0, elastic: bool = False) -> SitingSolution:
    """Build, solve and read back; the status/gap come from the solver's own bound."""
    m, idx, arcs = build_milp(problem, elastic=elastic)
    result = solve_milp(m, backend, time_limit=time_limit, rel_gap=rel_gap, threads=threads)
    return read_solution(problem, idx, arcs, result)


def read_solution(problem: SitingProblem, idx: _Index, arcs: pd.DataFrame, result: MilpResult) -> SitingSolution:
    sites = problem.sites
    empty_flows = arcs.iloc[0:0].assign(tonnes_per_day=pd.Series(dtype=float))
    if not result.has_solution:
        return SitingSolution(result, empty_flows, _site_table(problem, idx, None, arcs, None),
                              pd.DataFrame(columns=["node", "stream", "tonnes_per_day"]), {})
    x = result.x
    amounts = x[idx.arc_var] * idx.arc_mult
    amounts[np.abs(amounts) < 1e-6] = 0.0
    flows = arcs.assign(tonnes_per_day=amounts)
    flows = flows[flows["tonnes_per_day"] > 0].reset_index(drop=True)
    unserved = pd.DataFrame(
        [(node, stream, x[i]) for (node, stream), i in idx.demand_slack.items() if x[i] > 1e-6],
        columns=["node", "stream", "tonnes_per_day"])
    policy = {label: float(x[i]) for label, i in idx.policy_slack.items() if x[i] > 1e-6}
    return SitingSolution(result, flows, _site_table(problem, idx, x, arcs, flows), unserved, policy)


def _site_table(problem, idx, x, arcs, flows) -> pd.DataFrame:
    sites = problem.sites
    rows = []
    throughput = flows.groupby("destination")["tonnes_per_day"].sum() if flows is not None and len(flows) else pd.Series(dtype=float)
    for site, row in sites.iterrows():
        tech = problem.technologies[row["technology"]]
        existing = 0.0 if row["lock"] == "closed" else float(row["existing_capacity_tpd"])
        new_modules, size = 0, np.nan
        opened = not row["is_new"] and row["lock"] != "closed"
        if x is not None and site in idx.site_y:
            y = np.round(x[idx.site_y[site]]).astype(int)
            if site in idx.site_n:
                n = np.round(x[idx.site_n[site]]).astype(int)
                if n.sum() > 0:
                    k = int(np.argmax(n))
                    new_modules, size = int(n[k]), float(idx.site_sizes[site][k])
            if row["is_new"]:
                opened = bool(y.sum() > 0)
        capacity = existing + (new_modules * size if new_modules else 0.0)
        if not tech.capacitated:
            capacity = np.nan
        rows.append({
            "site_id": site, "technology": row["technology"], "is_new": bool(row["is_new"]),
            "opened": bool(opened), "existing_capacity_tpd": existing, "new_modules": new_modules,
            "module_size_tpd": size, "capacity_tpd": capacity,
            "throughput_tpd": float(throughput.get(site, 0.0)),
        })
    return pd.DataFrame(rows).set_index("site_id")
