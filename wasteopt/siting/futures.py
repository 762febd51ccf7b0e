"""Several futures in one siting MILP (a two-stage model), and any plan priced in every future.

Each future is the single-year model of its own demand and costs (a block, built by
``formulation.build_milp`` as phasing builds its years); the build decisions — modules and sizes
per site, new sites, landfills kept running or stopped, restorations — are one: equality rows tie
every block's copies to the first block's. Flows and landfill use stay per future.

Objectives over the futures' annual costs c_f·x_f (CNY/yr):
- expected: min Σ w_f c_f·x_f (each block's costs × its weight; capital, the same in every block, is
  then paid once since the weights sum to 1);
- worst_case: min t, t ≥ c_f·x_f for every future;
- min_max_regret: min r, r ≥ c_f·x_f − opt_f, opt_f each future's own optimum.
Policy caps (zero raw landfill) hold in every block, or with ``expected_only`` once on the weighted
mean of the futures' flows.

Evaluation fixes a plan's build decisions (modules, sizes, new sites) in a future's model without
policy rows and prices the raw landfill above the cap at ``SHORTFALL_PENALTY`` instead of forbidding it,
so a plan short of capacity shows its shortfall as landfill; landfills may run again (the recourse).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence, TYPE_CHECKING

import numpy as np

from wasteopt.milp import solve_milp
from wasteopt.milp.model import INF, LinearModel
from wasteopt.siting.formulation.model import build_milp
from wasteopt.siting.formulation.phasing import YearBlock, difference_rows
from wasteopt.siting.formulation.solution import read_solution

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.formulation.solution import SitingSolution
    from wasteopt.siting.problem import FlowCap, SitingProblem

# CNY/yr per t/d of raw landfill above the cap in an evaluation: above any cost of sending a tonne
# elsewhere (≤ 365 × a few hundred CNY/t) and any landfill's yearly upkeep, so only a shortfall is landfilled
SHORTFALL_PENALTY = 1e7
EVALUATION_GAP = 1e-6  # evaluations are near-LPs: solve them to this gap so costs compare exactly


@dataclass(frozen=True)
class FuturesModel:
    """The linked model of ``problems`` (one per future) and what reading it back needs."""

    model: LinearModel
    problems: tuple[SitingProblem, ...]
    weights: tuple[float, ...]
    blocks: tuple[YearBlock, ...]
    objective: str


def build_futures_milp(problems: Sequence[SitingProblem], weights: Sequence[float], *, objective: str = "expected",
                       optima: Sequence[float] | None = None, policy_scope: str = "every_future") -> FuturesModel:
    """One block per future, build decisions shared; ``optima`` (CNY/yr, one per future) for min_max_regret."""
    if len(problems) != len(weights) or len(problems) < 2:
        raise ValueError("one siting problem per future, two futures at least")
    if any(not p.sites.index.equals(problems[0].sites.index) for p in problems):
        raise ValueError("every future's problem must have the same sites")
    if objective == "min_max_regret" and (optima is None or len(optima) != len(problems)):
        raise ValueError("min_max_regret needs each future's own optimum")
    caps = problems[0].flow_caps if policy_scope == "expected_only" else ()
    if caps:
        problems = [dataclasses.replace(p, flow_caps=()) for p in problems]
    m = LinearModel()
    blocks, offsets = [], []
    for problem, weight in zip(problems, weights):
        first, offset = m.num_vars, m.offset
        _, idx, arcs = build_milp(problem, model=m, cost_weight=weight if objective == "expected" else 1.0)
        blocks.append(YearBlock(idx, arcs, first, m.num_vars))
        offsets.append(m.offset - offset)
    for block in blocks[1:]:
        shared, copy = build_columns(blocks[0].index), build_columns(block.index)
        if shared.size != copy.size:
            raise ValueError("every future must offer the same build options (line sizes, sites, stops)")
        difference_rows(m, shared, copy, 0.0, 0.0)
    for cap in caps:  # the cap on the weighted mean of the futures' flows
        parts = [(b.index.arc_var[sel], w * b.index.arc_mult[sel]) for p, b, w in zip(problems, blocks, weights)
                 for sel in [_capped_arcs(p, b, cap)]]
        m.add_row(np.concatenate([c for c, _ in parts]), np.concatenate([v for _, v in parts]), -INF, cap.max_tpd)
    if objective in ("worst_case", "min_max_regret"):
        bound = m.add_vars(1, lb=-INF, cost=1.0)
        m.offset -= sum(offsets)  # each future's fixed cost moves into its own row
        for f, block in enumerate(blocks):
            cols, costs = m.take_cost(block.first, block.end)
            floor = offsets[f] - float(optima[f]) if objective == "min_max_regret" else offsets[f]
            m.add_row(np.concatenate([bound, cols]), np.concatenate([[1.0], -costs]), floor, INF)
    elif objective != "expected":
        raise ValueError(f"unknown objective over futures: {objective}")
    return FuturesModel(m, tuple(problems), tuple(float(w) for w in weights), tuple(blocks), objective)


def build_columns(idx: ModelIndex) -> np.ndarray:
    """The build decisions of one block in a fixed order: per site its sizes, modules, running, restored."""
    cols = []
    for site, y in idx.site_y.items():
        cols.append(y)
        n = idx.site_n.get(site)
        if n is not None and not np.array_equal(n, y):
            cols.append(n)
    cols += [np.asarray([idx.site_running[s]]) for s in idx.site_running]
    cols += [np.asarray([idx.site_restored[s]]) for s in idx.site_restored]
    return np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, dtype=np.int64)


def plant_columns(idx: ModelIndex) -> dict[str, np.ndarray]:
    """Per site: the columns that say what is built there (sizes, then modules), without stop decisions."""
    out = {}
    for site, y in idx.site_y.items():
        n = idx.site_n.get(site)
        out[site] = y if n is None or np.array_equal(n, y) else np.concatenate([y, n])
    return out


def plant_decisions(idx: ModelIndex, x: np.ndarray) -> dict[str, np.ndarray]:
    """A plan's build decisions (rounded) per site, read from a block's columns."""
    return {site: np.round(x[cols]) for site, cols in plant_columns(idx).items()}


def read_futures_solution(futures: FuturesModel, result: MilpResult) -> list[SitingSolution]:
    return [read_solution(p, b.index, b.arcs, result) for p, b in zip(futures.problems, futures.blocks)]


def start_from(futures: FuturesModel, decisions: dict[str, np.ndarray], *, time_limit: float,
               threads: int = 0) -> tuple[np.ndarray | None, str]:
    """A full start for the linked model from one plan's build ``decisions``, as ``warm_start`` starts a
    what-if: that plan built in every future with flows and stops chosen anew; if some future cannot be served
    so, the plan repaired (every module it built kept, HiGHS adding what is missing). Half of ``time_limit``
    each. Returns the start (None if neither finds a plan) and how it was made."""
    cols, values = [], []
    for block in futures.blocks:
        for site, site_cols in plant_columns(block.index).items():
            cols.append(site_cols)
            values.append(decisions[site])
    cols, values = np.concatenate(cols), np.concatenate(values)
    routed = solve_milp(futures.model.fixed(cols, values), "highs", time_limit=time_limit / 2, rel_gap=1e-4,
                        threads=threads)
    if routed.has_solution:
        return routed.x, "as built"
    repaired = solve_milp(futures.model.with_bounds(cols, lb=values), "highs", time_limit=time_limit / 2,
                          rel_gap=0.01, threads=threads)
    return (repaired.x, "repaired") if repaired.has_solution else (None, "")


# ----------------------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Outcome:
    """A plan operated in one future: annual cost (CNY/yr, without the shortfall penalty), raw MSW
    landfilled (t/d) and how far that is above the policy caps (``shortfall_tpd``, 0 when the plan keeps them);
    None when the plan cannot be operated there (e.g. plants below their minimum load)."""

    cost: float | None
    raw_landfill_tpd: float | None
    shortfall_tpd: float | None
    status: str
    gap: float | None = None  # the evaluation's proven gap


class Evaluator:
    """One future's model with the policy rows dropped and the caps priced, reused for every plan."""

    def __init__(self, problem: SitingProblem):
        free = dataclasses.replace(problem, flow_caps=(), capacity_targets=(), new_site_limits=(), stop_targets=(),
                                   local_capacity=())
        self.problem = free
        self.model, self.index, self.arcs = build_milp(free)
        self.shortfall = []
        block = YearBlock(self.index, self.arcs, 0, self.model.num_vars)
        for cap in problem.flow_caps:
            sel = _capped_arcs(free, block, cap)
            slack = self.model.add_vars(1, cost=SHORTFALL_PENALTY)
            self.model.add_row(np.concatenate([self.index.arc_var[sel], slack]),
                               np.concatenate([self.index.arc_mult[sel], [-1.0]]), -INF, cap.max_tpd)
            self.shortfall.append(int(slack[0]))

    def evaluate(self, decisions: dict[str, np.ndarray], *, time_limit: float, threads: int = 0) -> Outcome:
        columns = plant_columns(self.index)
        cols = np.concatenate([columns[s] for s in columns])
        values = np.concatenate([decisions[s] for s in columns])
        result = solve_milp(self.model.fixed(cols, values), "highs", time_limit=time_limit, rel_gap=EVALUATION_GAP,
                            threads=threads)
        if not result.has_solution:
            return Outcome(None, None, None, str(result.status))
        shortfall = float(result.x[self.shortfall].sum()) if self.shortfall else 0.0
        flows = read_solution(self.problem, self.index, self.arcs, result).flows
        techs = self.problem.technologies
        tech = flows["destination"].map(self.problem.sites["technology"])
        raw = [stream in techs[t].gated_streams and techs[t].stoppable for t, stream in zip(tech, flows["stream"])]
        landfill = float(flows.loc[np.asarray(raw, bool), "tonnes_per_day"].sum())  # gated streams, e.g. raw MSW
        return Outcome(result.objective - SHORTFALL_PENALTY * shortfall, landfill, shortfall, str(result.status),
                       result.gap)


def _capped_arcs(problem: SitingProblem, block: YearBlock, cap: FlowCap) -> np.ndarray:
    dest_tech = block.arcs["destination"].map(problem.sites["technology"]).to_numpy()
    return np.flatnonzero((block.arcs["stream"].to_numpy() == cap.stream) & (dest_tech == cap.technology))
