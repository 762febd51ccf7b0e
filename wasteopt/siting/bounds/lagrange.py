"""A Lagrangean bound for capacitated siting models: the demand rows relaxed, one subproblem per site.

Relaxed (their multipliers priced into the arcs): every node's demand row (u, free) and the aggregated
capacity cover row (μ ≥ 0). Dropped (a relaxation stays valid without them; HiGHS keeps them): policy
rows that tie sites together (capacity targets, new-site counts, flow caps, a locked-open site). What is
left falls apart by site: choose a configuration (closed, or a size and a module count; an existing
plant as it is or expanded), then fill it with the node waste of lowest reduced cost up to
availability × capacity and at least min load × capacity (single-sourced arcs as fractions: the LP of
that subproblem, still a valid bound). Each subproblem is a fractional knapsack, solved in closed form
for every configuration at once.

It applies to models whose every cost and integer column is a site decision or a node→site arc into a
capacitated site without outputs (the township scale bench and CFLPs); otherwise ``lagrangean_bound``
returns None. A subgradient method (Polyak steps towards the best plan known) improves the multipliers
for a fixed number of iterations, so the bound does not depend on the clock.

From the best multipliers: the sites the subproblems open (for a plan: the greedy among them, routed)
and the sites that cannot be in any plan cheaper than the best known (bound + the cheapest way to open
the site > that plan's cost: reduced-cost fixing).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem

ITERATIONS = 300           # subgradient iterations (a work budget, not a time limit)
STEP_START = 1.0           # Polyak step factor θ, halved after …
STALL_ITERATIONS = 30      # … this many iterations without a better bound
STEP_MIN = 1e-4
DEFLECTION = 0.8           # share of the last direction kept in the next


@dataclass(frozen=True)
class LagrangeanBound:
    """``bound`` (model units) ≤ the optimum; ``opened``: sites the subproblems open at the best
    multipliers; ``closed_for_good``: sites no plan cheaper than ``cutoff`` opens (their y and n columns in
    ``fixed_cols``, to be kept at zero)."""

    bound: float
    iterations: int
    opened: frozenset
    closed_for_good: frozenset
    fixed_cols: np.ndarray
    cutoff: float


@dataclass(frozen=True)
class _Configs:
    """Every way to build every site: flat arrays, one entry per (site, configuration)."""

    site: np.ndarray        # site position
    cost: np.ndarray        # annual cost of the configuration (model units)
    capacity: np.ndarray    # t/d of nameplate, existing included
    min_load: np.ndarray    # t/d the site must take at least
    open_new: np.ndarray    # a new site opened (a closed new site has value 0 and no entry)


class _SiteModel:
    """The model seen site by site: arcs (node → capacitated site), configurations, demand rows."""

    def __init__(self, problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame):
        cost = model.cost_vector()
        lb, ub = model.bounds()
        self.offset = float(model.offset)
        sites, techs = problem.sites, problem.technologies
        self.site_list = pd.unique(arcs["destination"]).tolist()  # in order of appearance
        position = {s: j for j, s in enumerate(self.site_list)}
        keys = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
        node_codes, node_keys = pd.factorize(keys)
        self.demand = problem.demand_by_node_stream().reindex(node_keys).fillna(0.0).to_numpy(float)
        self.node = node_codes
        mult = idx.arc_mult.astype(float)
        self.cost_per_t = cost[idx.arc_var] / mult                   # model units per t/d
        self.use = idx.arc_use.astype(float)                          # t/d of nameplate per t/d
        self.tonnes = np.minimum(ub[idx.arc_var] * mult, self.demand[node_codes])  # most t/d an arc can carry
        self.arc_site = arcs["destination"].map(position).to_numpy(int)
        self.site_cols: dict = {}
        rows = []
        for site in self.site_list:
            row = sites.loc[site]
            tech = techs[row["technology"]]
            j = position[site]
            existing = float(row["existing_capacity_tpd"])
            lam = tech.min_load_share
            if not bool(row["is_new"]) or site not in idx.site_y:
                rows.append((j, 0.0, existing, 0.0, False))
            if site not in idx.site_y:
                continue
            y, n = np.asarray(idx.site_y[site]), np.asarray(idx.site_n.get(site, idx.site_y[site]))
            self.site_cols[site] = np.unique(np.concatenate([y, n]))
            low, _ = tech.new_module_range(bool(row["is_new"]), bool(row.get("expandable", True)),
                                           int(row["existing_modules"]))
            for k, size in enumerate(idx.site_sizes[site]):
                if ub[y[k]] < 0.5:
                    continue
                separate = n[k] != y[k]
                for count in range(max(low, 1, int(math.ceil(lb[n[k]]))), int(ub[n[k]]) + 1):
                    price = cost[y[k]] + (count * cost[n[k]] if separate else 0.0)
                    capacity = existing + count * size
                    rows.append((j, price, capacity, lam * capacity, bool(row["is_new"])))
        missing = set(range(len(self.site_list))) - {r[0] for r in rows}
        rows += [(j, 0.0, 0.0, 0.0, False) for j in sorted(missing)]  # every size ruled out: closed for good
        site_of, price, capacity, min_load, open_new = (np.asarray(c) for c in zip(*rows))
        avail = np.asarray([techs[sites.at[s, "technology"]].availability for s in self.site_list])
        site_of = site_of.astype(int)
        self.configs = _Configs(site_of, price.astype(float), avail[site_of] * capacity, min_load.astype(float),
                                open_new.astype(bool))
        self.config_starts = np.searchsorted(np.sort(site_of), np.arange(len(self.site_list)))
        self.stands = np.zeros(len(self.site_list), bool)   # existing plants: no way to close them
        self.stands[site_of[~self.configs.open_new]] = True

    @classmethod
    def of(cls, problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame) -> _SiteModel | None:
        """The site view, or None when the model holds more than site decisions and node → site arcs."""
        return cls(problem, model, idx, arcs) if lagrangean_applies(problem, model, idx, arcs) else None


def lagrangean_applies(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame) -> bool:
    """Whether every cost and integer column of ``model`` is a site decision or a node → capacitated-site arc
    without outputs, so that the relaxation prices every cost."""
    techs, sites = problem.technologies, problem.sites
    if problem.objective.kind != "min_cost" or idx.demand_slack or idx.site_running or len(arcs) == 0:
        return False
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    dest_tech = arcs["destination"].map(sites["technology"])
    if not from_node.all() or not all(techs[t].capacitated and not techs[t].outputs for t in dest_tech.unique()):
        return False
    known = np.zeros(model.num_vars, bool)
    known[idx.arc_var] = True
    for site in idx.site_y:
        known[np.asarray(idx.site_y[site], int)] = True
        known[np.asarray(idx.site_n.get(site, ()), int)] = True
    if (~known & (model.cost_vector() != 0)).any() or not known[model.integer_columns].all():
        return False
    if (model.bounds()[0][idx.arc_var] != 0).any():
        return False
    served = set(arcs["destination"].unique())
    return not any(s in served and s not in idx.site_y and not float(sites.at[s, "existing_capacity_tpd"]) > 0
                   for s in sites.index)


def lagrangean_bound(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame,
                     best_known: float | None, iterations: int = ITERATIONS,
                     deadline: float = math.inf) -> LagrangeanBound | None:
    """The best bound of ``iterations`` subgradient steps (None if the model is not of the kind above).
    ``best_known``: the cost of a plan (model units), the target of the steps and the cutoff of the fixing.
    The first multipliers are each node's cheapest arc plus the cheapest capacity's cost per t/d (starting
    from what a tonne costs in the best plan instead ended 39 % below it on a 100 × 1000 CFLP, not 5 %).
    ``deadline`` (perf_counter) is a safety net: the steps stop there even within their budget."""
    sm = _SiteModel.of(problem, model, idx, arcs)
    if sm is None:
        return None
    dual = _Dual(sm)
    u = dual.first_multipliers()
    mu = 0.0
    best, best_u, best_mu = -math.inf, u, mu
    theta, stall, done = STEP_START, 0, 0
    d, d_mu = None, 0.0
    for done in range(1, iterations + 1):
        value, g, g_mu = dual.evaluate(u, mu)
        if value > best + 1e-9 * max(1.0, abs(value)):
            best, best_u, best_mu, stall = value, u.copy(), mu, 0
        else:
            stall += 1
            if stall >= STALL_ITERATIONS:
                theta, stall = theta / 2, 0
        proven = best_known is not None and best >= best_known - 1e-9 * max(1.0, abs(best_known))
        if proven or float(g @ g + g_mu * g_mu) < 1e-12 or theta < STEP_MIN or time.perf_counter() > deadline:
            break  # the subproblems' plan meets every relaxed row: the bound is the optimum
        # a deflected direction (part of the last one kept) zig-zags less than the bare subgradient
        d, d_mu = (g, g_mu) if d is None else (g + DEFLECTION * d, g_mu + DEFLECTION * d_mu)
        target = best_known if best_known is not None and best_known > best else best + 0.05 * max(1.0, abs(best))
        step = theta * (target - value) / max(float(d @ d + d_mu * d_mu), 1e-12)
        u = u + step * d
        mu = max(0.0, mu + step * d_mu)
    value, _, _ = dual.evaluate(best_u, best_mu)
    opened, gain = dual.sites_opened(best_u, best_mu)
    closed_for_good, cols = frozenset(), np.zeros(0, dtype=np.int32)
    if best_known is not None:
        margin = 1e-6 * max(1.0, abs(best_known))
        hopeless = [sm.site_list[j] for j in np.flatnonzero(value + gain > best_known + margin)]
        closed_for_good = frozenset(s for s in hopeless if s in sm.site_cols and bool(problem.sites.at[s, "is_new"]))
        if closed_for_good:
            cols = np.unique(np.concatenate([sm.site_cols[s] for s in closed_for_good])).astype(np.int32)
    return LagrangeanBound(min(value, best_known) if best_known is not None else value, done,
                           frozenset(sm.site_list[j] for j in opened), closed_for_good, cols,
                           best_known if best_known is not None else math.inf)


class _Dual:
    """The Lagrangean function of a ``_SiteModel``: its value, a subgradient, the sites it opens."""

    def __init__(self, sm: _SiteModel):
        self.sm = sm
        self.total_demand = float(sm.demand.sum())
        self.uniform_use = bool(np.allclose(sm.use, 1.0))  # the cover row counts tonnes only then

    def first_multipliers(self) -> np.ndarray:
        """Per node: its cheapest arc plus the cheapest configuration's cost per t/d of capacity."""
        sm = self.sm
        cheapest = np.full(sm.demand.size, np.inf)
        np.minimum.at(cheapest, sm.node, sm.cost_per_t)
        c = sm.configs
        built = c.capacity > 0
        per_t = float(np.min(c.cost[built] / c.capacity[built])) if built.any() else 0.0
        return np.where(np.isfinite(cheapest), cheapest + max(per_t, 0.0), 0.0)

    def _fill(self, u: np.ndarray, mu: float):
        """Per configuration: the load that is best for it and the cost of that load; per arc, sorted."""
        sm, c = self.sm, self.sm.configs
        rc = (sm.cost_per_t - u[sm.node]) / sm.use                  # per t/d of nameplate
        order = np.lexsort((rc, sm.arc_site))
        site_sorted, rc_sorted = sm.arc_site[order], rc[order]
        room = (sm.tonnes * sm.use)[order]                            # nameplate t/d each arc can fill
        n_sites = len(sm.site_list)
        starts = np.searchsorted(site_sorted, np.arange(n_sites + 1))
        cum_room = np.cumsum(room)
        cum_cost = np.cumsum(room * rc_sorted)
        base_room = np.concatenate([[0.0], cum_room])[starts[:-1]]
        base_cost = np.concatenate([[0.0], cum_cost])[starts[:-1]]
        total_room = np.concatenate([[0.0], cum_room])[starts[1:]] - base_room
        negative = np.zeros(n_sites)
        np.add.at(negative, site_sorted, np.where(rc_sorted < 0, room, 0.0))
        load = np.clip(negative[c.site], c.min_load, c.capacity)
        feasible = c.min_load <= total_room[c.site] + 1e-9
        load = np.minimum(load, total_room[c.site])
        # cost of filling ``load`` with the cheapest room: find where the site's cumulative room passes it
        key = base_room[c.site] + load
        at = np.clip(np.searchsorted(cum_room, key - 1e-12, side="left"), 0, len(cum_room) - 1)
        at = np.minimum(at, np.maximum(starts[1:][c.site] - 1, starts[:-1][c.site]))
        before_room = np.where(at > starts[:-1][c.site], cum_room[np.maximum(at - 1, 0)], base_room[c.site])
        before_cost = np.where(at > starts[:-1][c.site], cum_cost[np.maximum(at - 1, 0)], base_cost[c.site])
        partial = np.where(total_room[c.site] > 0, (key - before_room) * rc_sorted[at], 0.0)
        fill_cost = before_cost - base_cost[c.site] + partial
        value = c.cost + fill_cost - (mu * c.capacity if self.uniform_use else 0.0)
        value = np.where(feasible, value, np.inf)
        return value, load, order, site_sorted, cum_room, base_room, room

    def evaluate(self, u: np.ndarray, mu: float) -> tuple[float, np.ndarray, float]:
        """L(u, μ), and its subgradient in u (t/d per node) and in μ."""
        sm, c = self.sm, self.sm.configs
        value, load, order, site_sorted, cum_room, base_room, room = self._fill(u, mu)
        choice, site_value = self._choose(value)
        total = float(u @ sm.demand) + sm.offset + float(site_value.sum())
        if self.uniform_use:
            total += mu * self.total_demand
        site_load = np.zeros(len(sm.site_list))
        site_load[c.site[choice]] = load[choice]
        before = cum_room - room - base_room[site_sorted]              # room filled ahead of each arc
        used = np.clip(site_load[site_sorted] - before, 0.0, room)
        tonnes = np.zeros(sm.tonnes.size)
        tonnes[order] = used / sm.use[order]
        shipped = np.zeros(sm.demand.size)
        np.add.at(shipped, sm.node, tonnes)
        capacity = float(c.capacity[choice].sum())
        return total, sm.demand - shipped, (self.total_demand - capacity) if self.uniform_use else 0.0

    def _choose(self, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per site, its best configuration: a new site only if that is worth less than 0 (closed);
        an existing plant always stands. Returns the configurations chosen and each site's value."""
        c = self.sm.configs
        order = np.lexsort((value, c.site))
        first = order[self.sm.config_starts]              # per site (each has a configuration), the cheapest
        take = self.sm.stands | (value[first] < 0)
        return first[take], np.where(take, value[first], 0.0)

    def sites_opened(self, u: np.ndarray, mu: float) -> tuple[np.ndarray, np.ndarray]:
        """Sites the subproblems open at (u, μ), and per site what opening it adds to the bound at least
        (0 for a site opened already or one that cannot be closed)."""
        sm, c = self.sm, self.sm.configs
        value = self._fill(u, mu)[0]
        chosen, site_value = self._choose(value)
        opened = np.unique(c.site[chosen[c.open_new[chosen]]])
        cheapest_open = np.full(len(sm.site_list), np.inf)
        np.minimum.at(cheapest_open, c.site[c.open_new], value[c.open_new])
        gain = np.where(np.isin(np.arange(len(sm.site_list)), opened), 0.0, cheapest_open - site_value)
        return opened, np.maximum(gain, 0.0)
