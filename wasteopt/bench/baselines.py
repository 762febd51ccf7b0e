"""Textbook dense PuLP+CBC models, the yardstick the benchmarks compare our engine with.

Deliberately plain: every site–customer pair gets a variable, no reductions, no
strengthening beyond the textbook rows, CBC through PuLP with its defaults. Seconds
include building the PuLP model, as they do for our engine. The verdict is CBC's own:
the bound it proved, read from its log as for our CBC solves (PuLP calls a solution
'Optimal' even when CBC stopped at the time limit).
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pulp

from wasteopt.config.status import MilpStatus, status_from_gap
from wasteopt.milp.cbc import cbc_path
from wasteopt.milp.result import relative_gap
from wasteopt.milp.cbc import cbc_bound

if TYPE_CHECKING:  # for annotations only
    from wasteopt.bench.instances import CflpInstance


@dataclass(frozen=True)
class BaselineResult:
    """Objective of CBC's last solution and the bound CBC proved (None if it has none); ``seconds`` is
    wall time of build + solve; ``status`` by the same rule as our solves (optimal: proven gap ≤ 1e-4)."""

    objective: float | None
    best_bound: float | None
    seconds: float
    status: MilpStatus


def _solve(model: pulp.LpProblem, start: float, time_limit: float) -> BaselineResult:
    with tempfile.TemporaryDirectory(prefix="wasteopt-baseline-") as tmp:
        log_path = Path(tmp) / "cbc.log"
        model.solve(pulp.COIN_CMD(path=cbc_path(), msg=False, timeLimit=time_limit, logPath=str(log_path)))
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    seconds = time.perf_counter() - start
    has_solution = model.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if not has_solution:
        return BaselineResult(None, None, seconds, MilpStatus.NO_PLAN)
    objective = float(pulp.value(model.objective))
    bound = cbc_bound(log, 1.0, objective, 0.0, has_integer=True)  # CBC's default gap tolerance is 0
    return BaselineResult(objective, bound, seconds, status_from_gap(relative_gap(objective, bound), 0.0))


def solve_cflp_dense(instance: CflpInstance, time_limit: float) -> BaselineResult:
    """Multi-source CFLP: y_i binary, 0 ≤ x_ij ≤ 1, Σ_i x_ij = 1, Σ_j d_j x_ij ≤ s_i y_i."""
    start = time.perf_counter()
    n_sites, n_customers = instance.cost.shape
    model = pulp.LpProblem("cflp_dense", pulp.LpMinimize)
    y = [model.add_variable(f"y_{i}", cat=pulp.LpBinary) for i in range(n_sites)]
    x = [[model.add_variable(f"x_{i}_{j}", 0, 1) for j in range(n_customers)] for i in range(n_sites)]
    model += (pulp.lpSum(float(instance.fixed_cost[i]) * y[i] for i in range(n_sites))
              + pulp.lpSum(float(instance.cost[i, j]) * x[i][j] for i in range(n_sites) for j in range(n_customers)))
    for j in range(n_customers):
        model += pulp.lpSum(x[i][j] for i in range(n_sites)) == 1, f"assign_{j}"
    for i in range(n_sites):
        model += (pulp.lpSum(float(instance.demand[j]) * x[i][j] for j in range(n_customers))
                  <= float(instance.capacity[i]) * y[i]), f"capacity_{i}"
    return _solve(model, start, time_limit)


def solve_pmedian_dense(distances: np.ndarray, p: int, time_limit: float, *, threads: int | None = None,
                        solver: str = "cbc", rel_gap: float = 1e-7) -> BaselineResult:
    """ReVelle–Swain p-median: x_ij, y_j binary, Σ_j x_ij = 1, x_ij ≤ y_j, Σ_j y_j = p.

    Every vertex is a client and a candidate; pairs with no path (infinite distance) get no x.
    ``solver`` 'cbc' (defaults) or 'highs' (PuLP's HiGHS with ``threads`` and ``rel_gap``).
    """
    start = time.perf_counter()
    n = distances.shape[0]
    model = pulp.LpProblem("pmedian_dense", pulp.LpMinimize)
    y = [model.add_variable(f"y_{j}", cat=pulp.LpBinary) for j in range(n)]
    x = {(i, j): model.add_variable(f"x_{i}_{j}", cat=pulp.LpBinary)
         for i in range(n) for j in range(n) if np.isfinite(distances[i, j])}
    model += pulp.lpSum(float(distances[i, j]) * var for (i, j), var in x.items())
    for i in range(n):
        model += pulp.lpSum(x[i, j] for j in range(n) if (i, j) in x) == 1, f"assign_{i}"
    for (i, j), var in x.items():
        model += var <= y[j], f"link_{i}_{j}"
    model += pulp.lpSum(y) == p, "p"
    if solver == "highs":
        return _solve_highs(model, start, time_limit, threads, rel_gap)
    return _solve(model, start, time_limit)


def solve_pmedian_spopt(distances: np.ndarray, p: int, time_limit: float, *, threads: int | None = None,
                        rel_gap: float = 1e-7) -> BaselineResult:
    """spopt's ``PMedian`` (what a Python user would pick) on the same matrix, PuLP's HiGHS underneath."""
    from spopt.locate import PMedian  # a bench extra: imported only when this peer runs

    start = time.perf_counter()
    finite = np.where(np.isfinite(distances), distances, 1e9)
    model = PMedian.from_cost_matrix(finite, np.ones(distances.shape[0]), p_facilities=p)
    try:
        model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=threads, gapRel=rel_gap), results=False)
    except Exception:  # spopt raises on any status but optimal; the solver's own figures say what it reached
        pass
    return _highs_outcome(model.problem, start, rel_gap)


def _solve_highs(model: pulp.LpProblem, start: float, time_limit: float, threads: int | None,
                 rel_gap: float) -> BaselineResult:
    model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit, threads=threads, gapRel=rel_gap))
    return _highs_outcome(model, start, rel_gap)


def _highs_outcome(model: pulp.LpProblem, start: float, rel_gap: float) -> BaselineResult:
    """HiGHS's last plan and proven bound, read from the solver PuLP kept (not PuLP's status word)."""
    seconds = time.perf_counter() - start
    info = model.solverModel.getInfo()
    if info.primal_solution_status != 2:
        return BaselineResult(None, None, seconds, MilpStatus.NO_PLAN)
    objective, bound = float(info.objective_function_value), float(info.mip_dual_bound)
    return BaselineResult(objective, bound, seconds, status_from_gap(relative_gap(objective, bound), rel_gap))
