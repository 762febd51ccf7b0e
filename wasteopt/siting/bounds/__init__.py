"""Bounds beside HiGHS's own, below the pipeline and above the search: a Lagrangean relaxation of the
demand rows (``lagrange``) gives a valid lower bound, a plan (the greedy among the sites its subproblems
open, routed) and the sites no plan cheaper than the best known opens (kept closed in HiGHS's model).
``tighten`` does all three before HiGHS starts; ``with_bound`` puts the bound into HiGHS's result.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.status import status_from_gap
from wasteopt.milp.result import relative_gap
from wasteopt.siting.bounds.lagrange import LagrangeanBound, lagrangean_applies, lagrangean_bound
from wasteopt.siting.search.restriction import greedy_start

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem
    from wasteopt.siting.search.first_plan import FirstPlan

__all__ = ["BOUND_METHODS", "LagrangeanBound", "Tightened", "lagrangean_bound", "pays", "tighten", "with_bound"]

BOUND_METHODS = ("auto", "off")  # auto: the Lagrangean bound where the model is of its kind and size
LAGRANGE_PLAN_MAX_ARCS = 20_000  # beyond this the bound only, in half the time: its steps are slow and end far
                                 # below HiGHS's root bound, but HiGHS may reach no root in time (100 × 1000 CFLP)


@dataclass(frozen=True)
class Tightened:
    """HiGHS's model (the sites proven useless kept closed), the best first plan, and the bound."""

    model: LinearModel
    start: FirstPlan | None
    bound: LagrangeanBound | None
    from_bound: bool  # the first plan came from the Lagrangean subproblems' sites


def pays(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame) -> bool:
    """Whether ``auto`` runs the Lagrangean bound on this model: of its kind."""
    return lagrangean_applies(problem, model, idx, arcs)


def tighten(problem: SitingProblem, model: LinearModel, idx: ModelIndex, arcs: pd.DataFrame,
            start: FirstPlan | None, *, seconds: float) -> Tightened:
    """The Lagrangean bound towards ``start``'s cost (the routed greedy plan), a plan from its subproblems'
    sites if that is cheaper, and ``model`` with the sites no cheaper plan opens fixed closed; ``seconds``
    (a safety net beside the work budgets) for the bound and again for routing its plan. Beyond
    ``LAGRANGE_PLAN_MAX_ARCS`` arcs: half the seconds for the bound, and no plan from it."""
    cost = model.cost_vector()
    best = None if start is None else float(cost @ start.routed) + model.offset
    large = len(arcs) > LAGRANGE_PLAN_MAX_ARCS
    bound = lagrangean_bound(problem, model, idx, arcs, best, deadline=time.perf_counter() + seconds / (1 + large))
    if bound is None:
        return Tightened(model, start, None, False)
    from_bound = False
    if not large:
        closed = frozenset(s for s, y in idx.site_y.items() if problem.sites.at[s, "is_new"] and s not in bound.opened)
        other = greedy_start(problem, model, idx, arcs, seconds=seconds, closed=closed)
        if other is not None and (best is None or float(cost @ other.routed) + model.offset < best - 1e-9 * abs(best)):
            start, from_bound = other, True
    if bound.fixed_cols.size:
        model = model.with_bounds(bound.fixed_cols, ub=0.0)
    return Tightened(model, start, bound, from_bound)


def with_bound(result: MilpResult, bound: LagrangeanBound | None, rel_gap: float) -> MilpResult:
    """HiGHS's result with the better of the two bounds, and a note of which one proved the gap."""
    if bound is None:
        return result
    note = (f" + Lagrangean bound {bound.bound:,.6g} ({bound.iterations} subgradient steps"
            f"{f'; sites proven useless, kept closed: {len(bound.closed_for_good)}' if bound.closed_for_good else ''})")
    if not result.has_solution:  # no plan yet: the better of the two bounds still tells how low a plan can go
        best = bound.bound if result.best_bound is None else max(bound.bound, result.best_bound)
        return dataclasses.replace(result, best_bound=best, message=result.message + note)
    highs = result.best_bound
    if highs is not None and highs >= bound.bound:
        return dataclasses.replace(result, message=result.message + note + "; HiGHS's bound proved the gap")
    best = min(bound.bound, result.objective)
    gap = relative_gap(result.objective, best)
    return dataclasses.replace(result, best_bound=best, gap=gap, status=status_from_gap(gap, rel_gap),
                               message=result.message + note + "; the Lagrangean bound proved the gap")
