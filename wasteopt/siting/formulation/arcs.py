"""The arcs a siting model uses (those that can carry flow; one per passive choice) and the most t/d each can
carry (the big-M of the linking rows)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.milp.model import INF

if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.problem import SitingProblem


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
    keep &= _fed(arcs, from_node, keep)
    return _cheapest_into_passive_sites(problem, arcs[keep].reset_index(drop=True))


def _fed(arcs: pd.DataFrame, from_node: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Arcs whose origin can hold waste: a demand node, or a site some kept arc leads into (repeated until
    nothing changes). An arc out of a site nothing reaches (a food-waste plant when no food is sorted out) would
    carry output that no input balances."""
    origins, destinations = arcs["origin"].to_numpy(), arcs["destination"].to_numpy()
    fed = from_node.copy()
    while True:
        reached = pd.unique(destinations[keep & fed])
        now = from_node | pd.Series(origins).isin(reached).to_numpy()
        if (now == fed).all():
            return fed
        fed = now


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


def arc_flow_bounds(problem: SitingProblem, arcs: pd.DataFrame, from_node: np.ndarray,
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
