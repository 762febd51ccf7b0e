"""Why a scenario is infeasible: which demand cannot be served, by how much, and why.

A cheap pre-check names nodes with no destination at all; otherwise an elastic copy of the
model (penalised slack on demand and policy rows) is solved and its slack is reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.errors import InfeasibleError, NoPlanError, WasteoptError
from wasteopt.config.status import MilpStatus

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.problem import SitingProblem


@dataclass(frozen=True)
class Explanation:
    """``unserved``: node, name_zh, name_en, stream, tonnes_per_day, reason. ``policy``: rows relaxed and by
    how much (t/d for capacity and flow rows, sites for site counts). ``notes``: site-level causes found by
    the checks in :func:`site_notes` (e.g. a plant with nowhere to send its ash)."""

    unserved: pd.DataFrame
    policy: tuple[tuple[str, float], ...]
    notes: tuple[str, ...] = ()

    def lines(self, limit: int = 12) -> list[str]:
        out = []
        if len(self.unserved):
            total = self.unserved["tonnes_per_day"].sum()
            out.append(f"{len(self.unserved)} demand node(s) cannot be served, {total:,.0f} t/d in total:")
            for row in self.unserved.head(limit).itertuples():
                names = " ".join(str(n) for n in (row.name_zh, f"({row.name_en})" if row.name_en else "") if n)
                label = f"{row.node} {names}" if names else f"{row.node}"
                out.append(f"  {label}: {row.tonnes_per_day:,.0f} t/d {row.stream} — {row.reason}")
            if len(self.unserved) > limit:
                out.append(f"  … and {len(self.unserved) - limit} more")
        for label, amount in self.policy:
            out.append(f"policy '{label}' cannot be met: short by {amount:,.0f} {_policy_unit(label)}")
        out += list(self.notes)
        if not out:
            out.append("the solver proved the scenario infeasible but could not localise the cause; "
                       "check policy.locked_open sites and policy.new_plants")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _names(problem: SitingProblem, names: pd.DataFrame | None, nodes) -> tuple[list[str], list[str]]:
    if names is None:
        return ["" for _ in nodes], ["" for _ in nodes]
    zh = [str(names["name_zh"].get(n, "")) for n in nodes]
    en = [str(names["name_en"].get(n, "")) for n in nodes]
    return zh, en


def unreachable_nodes(problem: SitingProblem, arcs: pd.DataFrame, names: pd.DataFrame | None = None,
                      max_haul_km: float | None = None) -> pd.DataFrame:
    """Nodes with demand but no usable arc at all (pre-solve check, no solver needed)."""
    rows = []
    served = set(zip(arcs["origin"], arcs["stream"]))
    all_arcs = problem.arcs
    for stream in problem.demand.columns:
        for node, tpd in problem.demand[stream].items():
            if tpd > 0 and (node, stream) not in served:
                raw = all_arcs[(all_arcs["origin"] == node) & (all_arcs["stream"] == stream)]
                if len(raw):
                    reason = _blocked_reason(problem, raw["destination"], stream)
                else:
                    reason = f"no plant, candidate site or landfill {_within(problem, max_haul_km)}"
                rows.append((node, stream, float(tpd), reason))
    frame = pd.DataFrame(rows, columns=["node", "stream", "tonnes_per_day", "reason"])
    zh, en = _names(problem, names, frame["node"])
    return frame.assign(name_zh=zh, name_en=en)


def _within(problem: SitingProblem, max_haul_km: float | None) -> str:
    """'within max_haul_km = 150 km' and the rule that removed arcs (the catchment), if any."""
    within = f"within max_haul_km = {max_haul_km:g} km" if max_haul_km is not None else "within the haul limit"
    return f"{within} and {problem.reach_rule}" if problem.reach_rule else within


def _blocked_reason(problem: SitingProblem, destinations: pd.Series, stream: str) -> str:
    """Why none of ``destinations`` (sites within reach) may take ``stream``: name them and the rule."""
    sites = problem.sites
    closed = sorted(str(d) for d in destinations if sites.at[d, "lock"] == "closed")
    capped = {c.technology: c for c in problem.flow_caps if c.stream == stream and c.max_tpd <= 0}
    zero = sorted(str(d) for d in destinations if d not in closed and sites.at[d, "technology"] in capped)
    refusing = sorted(str(d) for d in destinations if d not in closed and d not in zero
                      and stream not in problem.technologies[sites.at[d, "technology"]].accepts)
    parts = []
    reach = f"within reach and {problem.reach_rule}" if problem.reach_rule else "within reach"
    if closed:
        parts.append(f"every site {reach} is locked closed ({_few(closed)}; policy.locked_closed)"
                     if len(closed) == len(destinations) else f"site(s) {_few(closed)} within reach are locked closed")
    for tech, cap in capped.items():
        hit = [d for d in zero if sites.at[d, "technology"] == tech]
        if hit:
            parts.append(f"{tech} {_few(hit)} within reach is capped at 0 t/d ({cap.label or 'policy'})")
    if refusing:
        parts.append(f"site(s) {_few(refusing)} within reach do not accept {stream}")
    return "; ".join(parts) or "every site within reach is closed, refuses this stream or is capped at 0 t/d"


def _few(items, limit: int = 5) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:limit]) + (f" … (+{len(items) - limit})" if len(items) > limit else "")


def _policy_unit(label: str) -> str:
    if " sites " in f" {label} " or "stopped" in label or "restored" in label:
        return "site(s)"
    return "t/d"


def explain_from_slack(problem: SitingProblem, unserved: pd.DataFrame, policy: dict, arcs: pd.DataFrame,
                       names: pd.DataFrame | None = None, max_haul_km: float | None = None) -> Explanation:
    """Turn an elastic solve's slack into reasons a planner can act on."""
    reasons = [_reason(problem, arcs, row.node, row.stream, max_haul_km) for row in unserved.itertuples()]
    frame = unserved.assign(reason=reasons)
    zh, en = _names(problem, names, frame["node"])
    frame = frame.assign(name_zh=zh, name_en=en).sort_values("tonnes_per_day", ascending=False)
    return Explanation(frame.reset_index(drop=True), tuple(sorted(policy.items())), tuple(site_notes(problem, arcs)))


def _max_capacity(problem: SitingProblem, site) -> float:
    """Largest nameplate (t/d) a capacitated site can reach: existing plus every allowed new line."""
    row = problem.sites.loc[site]
    tech = problem.technologies[row["technology"]]
    if not tech.capacitated:
        return float("inf")
    existing = float(row["existing_capacity_tpd"])
    if _fixed(row):
        return existing + float(row["fixed_modules"]) * (float(row["fixed_module_size_tpd"]) if row["fixed_modules"] else 0.0)
    if not row["is_new"] and not row.get("expandable", True):
        return existing
    free = tech.max_modules - (0 if row["is_new"] else int(row["existing_modules"]))
    return existing + max(free, 0) * max(tech.module_sizes_tpd)


def _min_opening_load(problem: SitingProblem, site) -> float:
    """Least throughput (t/d) a new capacitated site must take once opened (min load of its smallest build)."""
    tech = problem.technologies[problem.sites.at[site, "technology"]]
    if not tech.capacitated or not problem.sites.at[site, "is_new"]:
        return 0.0
    return tech.min_load_share * min(tech.module_sizes_tpd) * max(tech.min_modules, 1)


def _reachable_demand(problem: SitingProblem, arcs: pd.DataFrame, site) -> float:
    into = arcs[(arcs["destination"] == site) & arcs["origin"].isin(problem.demand.index)]
    return float(sum(problem.demand.at[o, st] for o, st in zip(into["origin"], into["stream"])))


def _no_fitting_build(problem: SitingProblem, site, load: float) -> str | None:
    """Why no build of new ``site`` can take exactly ``load`` t/d (single-sourced, only node in reach).

    A build of nameplate c treats at most availability × c and at least min_load_share × c.
    """
    tech = problem.technologies[problem.sites.at[site, "technology"]]
    if not tech.capacitated:
        return None
    builds = sorted({k * size for size in tech.module_sizes_tpd for k in range(max(tech.min_modules, 1), tech.max_modules + 1)})
    if any(tech.min_load_share * c <= load + 1e-6 and load <= tech.availability * c + 1e-6 for c in builds):
        return None
    below = [c for c in builds if tech.availability * c < load]
    above = [c for c in builds if tech.min_load_share * c > load]
    parts = []
    if below:
        parts.append(f"a {max(below):,.0f} t/d build treats at most {tech.availability * max(below):,.1f} t/d")
    if above:
        parts.append(f"a {min(above):,.0f} t/d build needs at least {tech.min_load_share * min(above):,.1f} t/d")
    return (f"no line combination fits its {load:,.1f} t/d under single_sourcing ({'; '.join(parts)}; "
            f"availability {tech.availability:g}, min_load_share {tech.min_load_share:g})")


def site_notes(problem: SitingProblem, arcs: pd.DataFrame) -> list[str]:
    """Site-level causes of infeasibility that slack on demand rows alone would misattribute."""
    notes = []
    sites = problem.sites
    open_sites = sites.index[sites["lock"] != "closed"]
    for site in open_sites:
        tech = problem.technologies[sites.at[site, "technology"]]
        for stream, ratio in tech.outputs:
            if ratio <= 0:
                continue
            has_in = (arcs["destination"] == site).any()
            has_out = ((arcs["origin"] == site) & (arcs["stream"] == stream)).any()
            if has_in and not has_out:
                notes.append(f"site {site} has no {stream} destination within reach: each t it treats makes "
                             f"{ratio:g} t {stream}, so it can take no waste (add an {stream} landfill or raise max_haul_km)")
    for site in sites.index[(sites["lock"] == "open") & sites["is_new"].astype(bool)]:
        need, can = _min_opening_load(problem, site), _reachable_demand(problem, arcs, site)
        if need > can + 1e-6:
            notes.append(f"site {site} is locked open but its minimum load is {need:,.0f} t/d and only "
                         f"{can:,.0f} t/d can reach it: short by {need - can:,.0f} t/d")
    return notes


def _fixed(row) -> bool:
    """Whether a fixed plan (policy.fixed_plants_file) set this site's modules."""
    return pd.notna(row.get("fixed_modules", float("nan")))


def _reason(problem: SitingProblem, arcs: pd.DataFrame, node, stream, max_haul_km: float | None) -> str:
    sites = problem.sites
    within = _within(problem, max_haul_km) if max_haul_km is not None or problem.reach_rule else "within reach"
    reach = arcs[(arcs["origin"] == node) & (arcs["stream"] == stream)]
    if reach.empty:
        return f"no plant, candidate site or landfill {within}"
    kind = reach["destination"].map(lambda s: "new" if sites.at[s, "is_new"] and not _fixed(sites.loc[s]) else
                                    ("capacitated" if problem.technologies[sites.at[s, "technology"]].capacitated else "passive"))
    parts = []
    demand = float(problem.demand.at[node, stream])
    existing = reach["destination"][kind == "capacitated"]
    fixed_plan = "fixed_modules" in sites and sites.loc[existing, "fixed_modules"].notna().any()
    room = sum(_max_capacity(problem, s) for s in existing)
    if existing.empty:
        parts.append(f"no existing plant {within}")
    elif fixed_plan:
        parts.append(f"the {len(existing)} plant(s) {within} ({_few(existing)}; {room:,.0f} t/d nameplate, "
                     "as policy.fixed_plants_file builds them) are full")
    else:
        parts.append(f"the {len(existing)} existing plant(s) {within} ({_few(existing)}; at most {room:,.0f} t/d "
                     "nameplate with expansion) are full")
    new = reach["destination"][kind == "new"]
    if len(new):
        techs = set(sites.loc[new, "technology"])
        capped = [(t, high) for t, _, high in problem.new_site_limits if t in techs and high is not None]
        why = []
        if capped:
            why.append(f"new plants are capped at {capped[0][1]} by policy.new_plants.max")
        need = min(_min_opening_load(problem, s) for s in new)
        can = max(_reachable_demand(problem, arcs, s) for s in new)
        if need > can + 1e-6:
            why.append(f"opening one needs at least {need:,.0f} t/d (min load × smallest line) but only "
                       f"{can:,.0f} t/d can reach any of them: short by {need - can:,.0f} t/d")
        alone = [s for s in new if abs(_reachable_demand(problem, arcs, s) - demand) < 1e-6]
        if stream in problem.single_sourcing and alone and not why:
            gap = _no_fitting_build(problem, alone[0], demand)
            if gap:
                why.append(gap)
        biggest = max(_max_capacity(problem, s) * problem.technologies[sites.at[s, "technology"]].availability
                      for s in new)
        if stream in problem.single_sourcing and demand > biggest + 1e-6:
            why.append(f"single_sourcing sends all {demand:,.0f} t/d to one site but the largest plant a site can "
                       f"hold treats {biggest:,.0f} t/d: short by {demand - biggest:,.0f} t/d")
        parts.append(f"{len(new)} candidate site(s) {within} ({_few(new)}) cannot be opened"
                     + (f": {'; '.join(why)}" if why else ""))
    if (kind == "passive").any() or any(c.stream == stream and c.max_tpd <= 0 for c in problem.flow_caps):
        zero = [c for c in problem.flow_caps if c.stream == stream and c.max_tpd <= 0]
        if zero:
            parts.append(f"{zero[0].technology} is capped at 0 t/d ({zero[0].label or 'policy'})")
    return "; ".join(parts)


def raise_if_unreachable(problem: SitingProblem, arcs: pd.DataFrame, names: pd.DataFrame,
                         max_haul_km: float | None) -> None:
    """InfeasibleError naming the nodes that have no destination at all (no solver needed)."""
    unreachable = unreachable_nodes(problem, arcs, names, max_haul_km)
    if len(unreachable):
        explanation = Explanation(unreachable, ())
        raise InfeasibleError(infeasible_message(explanation), explanation)


def infeasible_message(explanation: Explanation) -> str:
    return "the scenario is infeasible:\n" + str(explanation)


def raise_unless_plan(result: MilpResult, time_limit: float, advice: str) -> None:
    """A run that stopped without a plan is an error with advice, never an empty plan."""
    if result.status == MilpStatus.NO_PLAN:
        raise NoPlanError(
            f"no feasible plan found within the {time_limit:g} s time limit (none proven impossible either); {advice}")
    if not result.has_solution:
        raise WasteoptError(f"the solver failed: {result.message or result.status}")
