"""Why a scenario is infeasible: which demand cannot be served, by how much, and why.

A cheap pre-check names nodes with no destination at all; otherwise an elastic copy of the
model (penalised slack on demand and policy rows) is solved and its slack is reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wasteopt.siting.problem import SitingProblem


@dataclass(frozen=True)
class Explanation:
    """``unserved``: node, name_zh, name_en, stream, tonnes_per_day, reason. ``policy``: rows relaxed and by how much."""

    unserved: pd.DataFrame
    policy: tuple[tuple[str, float], ...]

    def lines(self, limit: int = 12) -> list[str]:
        out = []
        if len(self.unserved):
            total = self.unserved["tonnes_per_day"].sum()
            out.append(f"{len(self.unserved)} demand node(s) cannot be served, {total:,.0f} t/d in total:")
            for row in self.unserved.head(limit).itertuples():
                out.append(f"  {row.node} {row.name_zh} ({row.name_en}): {row.tonnes_per_day:,.0f} t/d {row.stream} — {row.reason}")
            if len(self.unserved) > limit:
                out.append(f"  … and {len(self.unserved) - limit} more")
        for label, amount in self.policy:
            out.append(f"policy '{label}' cannot be met: short by {amount:,.0f}")
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
                    reason = "every site within reach is closed, refuses this stream or is capped at 0 t/d"
                else:
                    reason = "no plant, candidate site or landfill within the haul limit"
                    if max_haul_km is not None:
                        reason = f"no plant, candidate site or landfill within max_haul_km = {max_haul_km:g} km"
                rows.append((node, stream, float(tpd), reason))
    frame = pd.DataFrame(rows, columns=["node", "stream", "tonnes_per_day", "reason"])
    zh, en = _names(problem, names, frame["node"])
    return frame.assign(name_zh=zh, name_en=en)


def explain_from_slack(problem: SitingProblem, unserved: pd.DataFrame, policy: dict, arcs: pd.DataFrame,
                       names: pd.DataFrame | None = None, max_haul_km: float | None = None) -> Explanation:
    """Turn an elastic solve's slack into reasons a planner can act on."""
    reasons = [_reason(problem, arcs, row.node, row.stream, max_haul_km) for row in unserved.itertuples()]
    frame = unserved.assign(reason=reasons)
    zh, en = _names(problem, names, frame["node"])
    frame = frame.assign(name_zh=zh, name_en=en).sort_values("tonnes_per_day", ascending=False)
    return Explanation(frame.reset_index(drop=True), tuple(sorted(policy.items())))


def _reason(problem: SitingProblem, arcs: pd.DataFrame, node, stream, max_haul_km: float | None) -> str:
    sites = problem.sites
    within = f"within max_haul_km = {max_haul_km:g} km" if max_haul_km is not None else "within reach"
    reach = arcs[(arcs["origin"] == node) & (arcs["stream"] == stream)]
    if reach.empty:
        return f"no plant, candidate site or landfill {within}"
    kind = reach["destination"].map(lambda s: "new" if sites.at[s, "is_new"] else
                                    ("capacitated" if problem.technologies[sites.at[s, "technology"]].capacitated else "passive"))
    parts = []
    existing = reach["destination"][kind == "capacitated"]
    if existing.empty:
        parts.append(f"no existing plant {within}")
    else:
        parts.append(f"the {len(existing)} existing plant(s) {within} are full")
    new = reach["destination"][kind == "new"]
    if len(new):
        techs = set(sites.loc[new, "technology"])
        capped = [t for t, _, high in problem.new_site_limits if t in techs and high is not None]
        limit = " and new plants are capped by policy.new_plants.max" if capped else ""
        parts.append(f"{len(new)} candidate site(s) {within} cannot be opened{limit}")
    if (kind == "passive").any() or any(c.stream == stream and c.max_tpd <= 0 for c in problem.flow_caps):
        zero = [c for c in problem.flow_caps if c.stream == stream and c.max_tpd <= 0]
        if zero:
            parts.append(f"{zero[0].technology} is capped at 0 t/d ({zero[0].label or 'policy'})")
    return "; ".join(parts)
