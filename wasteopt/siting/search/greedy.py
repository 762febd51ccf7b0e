"""The greedy first plan, for models whose waste only capacitated sites can take, when HiGHS has none.

On large zero-landfill models (a township region: 2,500 origins, 500 candidates) HiGHS can spend
minutes adding cuts at the root before it tries a heuristic. This greedy gives the neighbourhood
search something to start from: again and again, let the site that takes the next unassigned waste
at the lowest annual cost per tonne take it (haul and processing, plus the site and modules it
needs on top of what it has, filled nearest-first up to its largest configuration), so an opened
site grows where that beats opening another (opening only new sites, never growing one, opens
about twice as many); then size each site's modules to its load. The caller fixes those module
decisions and lets HiGHS route the flows; the flows the greedy sent are a plan too, for when routing
takes longer than the time there is. Given sites to leave closed (see ``restriction``), the greedy picks
only among the others.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.problem import SitingProblem, Technology

UNDECIDED_PER_ORIGIN = 2    # closed sites left to the solver for each origin whose waste the greedy could not place


@dataclass(frozen=True)
class Greedy:
    """The greedy's module decisions (columns ``cols`` fixed at ``values``) and the t/d it sent on each arc
    (``tonnes``, aligned with the arcs; None when it left some waste to the solver)."""

    cols: np.ndarray
    values: np.ndarray
    tonnes: np.ndarray | None


@dataclass(frozen=True)
class _Site:
    tech: Technology
    existing_tpd: float
    max_new: int
    min_new: int
    is_new: bool

    @cached_property
    def configurations(self) -> list[tuple[float, float, int, int]]:
        """(capacity t/d, annual cost, size index or −1, modules) for every way to build the site."""
        options = [(self.existing_tpd, 0.0, -1, 0)] if self.existing_tpd > 0 else []
        fixed = self.tech.site_annual_cost if self.is_new else 0.0
        for k, (size, cost) in enumerate(zip(self.tech.module_sizes_tpd, self.tech.module_annual_cost)):
            for n in range(max(self.min_new, 1), self.max_new + 1):
                options.append((self.existing_tpd + n * size, fixed + n * cost, k, n))
        return options

    def cheapest_for(self, load: float) -> tuple[float, float, int, int] | None:
        """The cheapest configuration that can run at ``load`` t/d (availability and min load met)."""
        tech, fits = self.tech, []
        for capacity, cost, k, n in self.configurations:
            expanded = k >= 0
            if load <= tech.availability * capacity + 1e-9 and (not expanded or load >= tech.min_load_share * capacity - 1e-9):
                fits.append((cost, capacity, k, n))
        if not fits:
            return None
        cost, capacity, k, n = min(fits)
        return capacity, cost, k, n


def greedy_modules(problem: SitingProblem, idx, arcs: pd.DataFrame, closed: set = frozenset()) -> Greedy | None:
    """The columns and values that fix capacitated sites' size choices and modules, and the flows sent (None
    unless all the waste from origins must go to capacitated sites), never opening a site in ``closed``. For
    waste the greedy could not place, a few closed sites near it are not fixed: the solver decides them."""
    techs, sites = problem.technologies, problem.sites
    open_arcs = arcs["origin"].isin(problem.demand.index).to_numpy() & ~arcs["destination"].isin(closed).to_numpy()
    positions = np.flatnonzero(open_arcs)  # the arcs from origins the greedy may use, in ``arcs``
    node_arcs = arcs.iloc[positions]
    dest_tech = node_arcs["destination"].map(sites["technology"])
    if not positions.size or not all(techs[t].capacitated for t in dest_tech.unique()):
        return None
    use = problem.arc_capacity_use(node_arcs)  # loads and capacities are in t/d of nameplate, waste in tonnes
    demand = problem.demand_by_node_stream()
    keys = pd.MultiIndex.from_arrays([node_arcs["origin"].astype(str), node_arcs["stream"].astype(str)])
    key_codes, key_list = pd.factorize(keys)
    remaining = demand.reindex(key_list).fillna(0.0).to_numpy(float).copy()
    processing = dest_tech.map({name: tech.cost_per_t for name, tech in techs.items()}).to_numpy(float)
    unit_cost = (node_arcs["cost_per_t"].to_numpy(float) + processing) * problem.days_per_year
    site_codes, site_list = pd.factorize(node_arcs["destination"])
    order = np.lexsort((unit_cost, site_codes))  # per site, its arcs cheapest first
    starts = np.searchsorted(site_codes[order], np.arange(len(site_list) + 1))

    info, largest = {}, np.zeros(len(site_list))
    for j, site in enumerate(site_list):
        row = sites.loc[site]
        tech = techs[row["technology"]]
        is_new, expandable = bool(row["is_new"]), bool(row.get("expandable", True))
        existing_tpd, existing_modules = float(row["existing_capacity_tpd"]), int(row["existing_modules"])
        min_new, max_new = tech.new_module_range(is_new, expandable, existing_modules)
        info[site] = _Site(tech, existing_tpd, max_new, min_new, is_new)
        largest[j] = tech.max_available_tpd(is_new, expandable, existing_tpd, existing_modules)

    load = np.zeros(len(site_list))
    built = np.zeros(len(site_list))  # annual cost of the configuration each site runs at its load
    opened = np.zeros(len(site_list), bool)
    sent = np.zeros(len(node_arcs))  # t/d on each of ``node_arcs``

    def offer(j: int) -> tuple[float, np.ndarray, np.ndarray]:
        """Cost per tonne of the unassigned waste nearest to site j that it would take next (on top
        of what it has: an opened site pays only the step to a larger configuration), and that waste."""
        arcs_j = order[starts[j]:starts[j + 1]]
        site = info[site_list[j]]
        take = _fill(remaining[key_codes[arcs_j]] * use[arcs_j], largest[j] - load[j])
        best, chosen = math.inf, take / use[arcs_j]
        # the extra load may be trimmed to a configuration's spare capacity: try each one
        for capacity, _, _, _ in site.configurations:
            part = _fill(take, site.tech.availability * capacity - load[j])
            extra = float(part.sum())
            fit = site.cheapest_for(load[j] + extra) if extra > 1e-9 else None
            if fit is not None:
                tonnes = part / use[arcs_j]
                per_t = (fit[1] - built[j] + float(unit_cost[arcs_j] @ tonnes)) / float(tonnes.sum())
                if per_t < best:
                    best, chosen = per_t, tonnes
        return best, arcs_j, chosen

    scores = np.array([offer(j)[0] for j in range(len(site_list))])
    undecided: set = set()
    while remaining.sum() > 1e-6:
        j = int(np.argmin(scores))
        if not math.isfinite(scores[j]):  # what is left is too little to open a site for
            undecided = _top_up(remaining, key_codes, site_codes, unit_cost, use, opened, load, site_list, info, sent)
            break
        score, arcs_j, part = offer(j)
        if score > scores[j] + 1e-9:  # stale: the waste it counted on went elsewhere
            scores[j] = score
            continue
        np.subtract.at(remaining, key_codes[arcs_j], part)
        sent[arcs_j] += part
        remaining[remaining < 1e-9] = 0.0
        load[j] += float(part @ use[arcs_j])
        built[j], opened[j] = info[site_list[j]].cheapest_for(load[j])[1], True
        scores[j] = offer(j)[0]
    cols, values = _fixings(problem, idx, site_list, info, opened, load, undecided)
    tonnes = None
    if not undecided:
        tonnes = np.zeros(len(arcs))
        tonnes[positions] = sent
    return Greedy(cols, values, tonnes)


def _fill(amounts: np.ndarray, cap: float) -> np.ndarray:
    """Take ``amounts`` in order until ``cap`` is reached (the last one in part)."""
    return np.minimum(amounts, np.maximum(cap - np.concatenate([[0.0], np.cumsum(amounts)[:-1]]), 0.0))


def _top_up(remaining, key_codes, site_codes, unit_cost, use, opened, load, site_list, info, sent) -> set:
    """Send each origin's waste left over to the cheapest opened site that can still run with it (adding to
    ``sent``, per arc).
    Returns the sites left for the solver to decide: for an origin none of those can take, its
    ``UNDECIDED_PER_ORIGIN`` cheapest closed sites (all it reaches if none is closed), unless it
    reaches one left undecided already."""
    undecided = set()
    for key in np.flatnonzero(remaining > 0):
        reach = np.flatnonzero(key_codes == key)
        arcs_k = reach[opened[site_codes[reach]]]
        for a in arcs_k[np.argsort(unit_cost[arcs_k], kind="stable")]:
            j = site_codes[a]
            if info[site_list[j]].cheapest_for(load[j] + remaining[key] * use[a]) is not None:
                load[j] += remaining[key] * use[a]
                sent[a] += remaining[key]
                remaining[key] = 0.0
                break
        else:
            reachable = site_list[site_codes[reach]]
            if undecided.isdisjoint(reachable):
                closed = reach[~opened[site_codes[reach]]]
                cheapest = closed[np.argsort(unit_cost[closed], kind="stable")[:UNDECIDED_PER_ORIGIN]]
                undecided.update(site_list[site_codes[cheapest]] if cheapest.size else reachable)
    return undecided


def _fixings(problem, idx, site_list, info, opened, load, undecided) -> tuple[np.ndarray, np.ndarray]:
    """Opened sites get the cheapest configuration for their load, the others none."""
    techs, sites = problem.technologies, problem.sites
    position = {site: j for j, site in enumerate(site_list)}
    cols, vals = [], []
    for site, y_cols in idx.site_y.items():
        j = position.get(site)
        if j is None or site in undecided or not techs[sites.at[site, "technology"]].capacitated:
            continue  # no waste from origins reaches it, or the greedy left it to the solver
        fit = info[site].cheapest_for(load[j]) if opened[j] else None
        k, n = (fit[2], fit[3]) if fit is not None else (-1, 0)
        for i, (yc, nc) in enumerate(zip(y_cols, idx.site_n.get(site, y_cols))):
            cols += [yc, nc]
            vals += [1.0 if i == k else 0.0, float(n) if i == k else 0.0]
    return np.asarray(cols, dtype=np.int32), np.asarray(vals, float)
