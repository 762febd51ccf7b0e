"""A solved siting model read back in problem terms: flows per arc, and per site what was opened, built, kept
running or restored, its capacity and throughput."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem


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
