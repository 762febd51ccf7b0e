"""HiGHS (highspy) adapter: the model in, a MilpResult out, status from the gap HiGHS proves.

A ``SolveWatch`` sees the solve as it runs (best plan and bound, through HiGHS's improved-solution and
MIP-interrupt callbacks) and can stop it; HiGHS then returns the best plan it has.

A caller may run a ``Companion`` beside the branch and bound (a local search, say): it is attached
to the HiGHS instance before the solve, may hand HiGHS plans through HiGHS's callbacks, and at the
end gives back the best plan it holds that HiGHS has not taken, which then becomes the result
(with HiGHS's bound).
"""
from __future__ import annotations

import dataclasses
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol, TYPE_CHECKING

import highspy
import numpy as np

from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.config.status import MilpStatus, status_from_gap

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel


class Companion(Protocol):
    """Works beside one HiGHS solve. Objective values are in HiGHS's scaled units (see ``objective_scale``)."""

    def attach(self, highs: highspy.Highs, deadline: float) -> None:
        """Hook into ``highs`` (its callbacks) before it runs; stop working by ``deadline`` (perf_counter)."""

    def detach(self, stopped_on_time: bool) -> tuple[float, np.ndarray] | None:
        """HiGHS has stopped (on its time limit or by interruption if ``stopped_on_time``): stop, and give
        the best plan (scaled objective, x) that counts, or None."""

    def note(self) -> str:
        """What the companion did, to append to the result's message."""


@dataclass(frozen=True)
class Progress:
    """A solve as of ``seconds`` after it began: best plan's objective and the proven bound (model units;
    None before there is one)."""

    seconds: float
    best: float | None
    bound: float | None

    @property
    def gap(self) -> float | None:
        return relative_gap(self.best, self.bound)


class SolveWatch:
    """Watches one HiGHS solve: ``on_progress`` gets a :class:`Progress` at every improved plan and at most
    every ``every_s`` seconds between; :meth:`stop` (from any thread) ends the solve with its best plan. A run of
    several solves says what it works on through :meth:`note` (to ``on_note``)."""

    def __init__(self, on_progress: Callable[[Progress], None] | None = None, every_s: float = 1.0,
                 on_note: Callable[[str], None] | None = None):
        self.on_progress, self.every_s, self.on_note = on_progress, every_s, on_note
        self.history: list[Progress] = []
        self._stop = threading.Event()
        self._began = self._last = 0.0
        self._scale = 1.0

    def stop(self) -> None:
        self._stop.set()

    def note(self, text: str) -> None:
        """What the run works on now (one step of several, e.g. a future solved alone)."""
        if self.on_note is not None:
            self.on_note(text)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def attach(self, highs: highspy.Highs, scale: float, began: float) -> None:
        self._scale, self._began, self._last = scale, began, began
        highs.cbMipImprovingSolution += lambda event: self._report(event, True)
        highs.cbMipInterrupt += self._interrupt

    def _interrupt(self, event) -> None:
        if self._stop.is_set():
            event.interrupt()
        self._report(event, False)

    def _report(self, event, improved: bool) -> None:
        now = time.perf_counter()
        if not improved and now - self._last < self.every_s:
            return
        self._last = now
        out = event.data_out
        best, bound = float(out.mip_primal_bound), float(out.mip_dual_bound)
        progress = Progress(now - self._began, best / self._scale if math.isfinite(best) else None,
                            bound / self._scale if math.isfinite(bound) else None)
        self.history.append(progress)
        if self.on_progress is not None:
            self.on_progress(progress)


def objective_scale(cost: np.ndarray) -> float:
    """A power of ten that brings the largest cost near 10^3: HiGHS works badly on costs of 10^7."""
    largest = float(np.abs(cost).max()) if cost.size else 0.0
    return 10.0 ** -max(0, math.floor(math.log10(largest)) - 3) if largest > 0 else 1.0


_BANNER_SHOWN = False
MIN_RESOLVE_S = 5.0  # the least time a solve again without a start gets


def _quiet_highs() -> highspy.Highs:
    """A Highs instance; the C++ banner printed on the first one is kept off stdout (CSV output)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all (closed): nothing to keep the banner off
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


def highs_model(model: LinearModel) -> tuple[highspy.Highs, float]:
    """The model in HiGHS, with the objective scaled by the returned factor."""
    cost, lb, ub, integer, a, row_lb, row_ub = model.arrays()
    scale = objective_scale(cost)
    cost = cost * scale
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_vars
    lp.num_row_ = model.num_rows
    lp.col_cost_ = cost
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = row_lb
    lp.row_upper_ = row_ub
    lp.offset_ = model.offset * scale
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    lp.a_matrix_.num_col_ = model.num_vars
    lp.a_matrix_.num_row_ = model.num_rows
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    return h, scale


def highs_solution(x: np.ndarray) -> highspy.HighsSolution:
    """``x`` as a HiGHS solution, e.g. a plan to start from."""
    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(x, float)
    solution.value_valid = True
    return solution


def solve_highs(model: LinearModel, *, time_limit: float, rel_gap: float, threads: int = 0, seed: int = 0,
                log_path: str | None = None, start: np.ndarray | None = None,
                companion: Companion | None = None, watch: SolveWatch | None = None,
                options: Mapping[str, object] | None = None) -> MilpResult:
    """Solve with HiGHS from plan ``start`` (all columns) if given, with ``companion`` beside it and ``watch``
    on it if given; ``options``: further HiGHS options by name."""
    began = time.perf_counter()
    h, scale = highs_model(model)
    if watch is not None and model.integer_columns.size:
        watch.attach(h, scale, began)
    if start is not None:
        h.setSolution(highs_solution(start))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("random_seed", int(seed))
    # Trust pseudocosts from their first observation (HiGHS strong-branches a column until it has 8): on
    # large models that strong branching took most of the solve and left the bound where it was.
    h.setOptionValue("mip_pscost_minreliable", 0)
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    if threads:
        # HiGHS keeps one thread pool per process; a different size needs a fresh pool
        highspy.Highs.resetGlobalScheduler(True)
        h.setOptionValue("threads", int(threads))
    if log_path:
        h.setOptionValue("log_file", str(log_path))
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
    has_integer = model.integer_columns.size > 0
    beside = companion is not None and has_integer
    if not beside:
        h.run()
    else:
        companion.attach(h, began + time_limit)
        stopped_on_time = True
        try:
            h.run()
            stopped_on_time = h.getModelStatus() in (highspy.HighsModelStatus.kTimeLimit,
                                                     highspy.HighsModelStatus.kInterrupt)
        finally:
            plan = companion.detach(stopped_on_time)
    result = _result(h, scale, has_integer, rel_gap, time.perf_counter() - began)
    checked = _checked(result, model, start, time_limit - (time.perf_counter() - began), rel_gap=rel_gap,
                       threads=threads, seed=seed, log_path=log_path, options=options)
    if checked is not result or not beside:
        return checked
    message = result.message + companion.note()
    if plan is None or (result.has_solution and plan[0] >= result.objective * scale - 1e-9):
        return dataclasses.replace(result, message=message)
    objective = plan[0] / scale  # a plan HiGHS had no chance to take
    bound = result.best_bound
    gap = relative_gap(objective, bound)
    return MilpResult(status_from_gap(gap, rel_gap), objective, bound, gap, result.seconds, "highs", plan[1],
                      message=message)


def _mismatch(result: MilpResult, model: LinearModel) -> float | None:
    """The cost of the plan HiGHS returned when it differs from the objective HiGHS reported, else None."""
    if not result.has_solution:
        return None
    actual = float(model.cost_vector() @ result.x) + model.offset
    return actual if abs(actual - result.objective) > 1e-6 * max(1.0, abs(actual)) else None


def _checked(result: MilpResult, model: LinearModel, start: np.ndarray | None, seconds_left: float,
             **options) -> MilpResult:
    """``result`` if its plan costs what HiGHS reported. HiGHS 1.16 can answer 'Optimal' with an objective its own
    plan does not have after it was handed a start (seen on OR-Library cap71: 631,874 reported for a plan costing
    1,248,143, optimum 932,616): then the model is solved again without the start in the time left (at least
    MIN_RESOLVE_S); with no start to blame, an error."""
    actual = _mismatch(result, model)
    if actual is None:
        return result
    said = f"HiGHS reported {result.objective:,.6g} for a plan costing {actual:,.6g}"
    if start is None:
        return MilpResult(MilpStatus.ERROR, None, None, None, result.seconds, "highs", message=said)
    again = solve_highs(model, time_limit=max(seconds_left, MIN_RESOLVE_S), **options)
    return dataclasses.replace(again, seconds=result.seconds + again.seconds,
                               message=f"{again.message} (solved again without its start: {said})")


def _result(h: highspy.Highs, scale: float, has_integer: bool, rel_gap: float, seconds: float) -> MilpResult:
    status = h.getModelStatus()
    info = h.getInfo()
    said = f"HiGHS: {h.modelStatusToString(status)}"
    if status == highspy.HighsModelStatus.kInfeasible:
        return MilpResult(MilpStatus.INFEASIBLE, None, None, None, seconds, "highs",
                          message="HiGHS proved the model infeasible")
    if status in (highspy.HighsModelStatus.kUnboundedOrInfeasible, highspy.HighsModelStatus.kUnbounded):
        return MilpResult(MilpStatus.ERROR, None, None, None, seconds, "highs", message=said)
    if info.primal_solution_status != 2:  # not kSolutionStatusFeasible
        if status not in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
            return MilpResult(MilpStatus.ERROR, None, None, None, seconds, "highs", message=said)
        # stopped before a plan, perhaps after the root: the bound proven so far is still worth knowing
        bound = float(info.mip_dual_bound) / scale if has_integer else math.nan
        bound = bound if math.isfinite(bound) else None
        return MilpResult(MilpStatus.NO_PLAN, None, bound, None, seconds, "highs",
                          message=said if bound is None else f"{said}; no plan yet, bound proven {bound:,.6g}")
    objective = float(info.objective_function_value) / scale
    if has_integer:  # −∞ until HiGHS has solved its root LP
        bound = float(info.mip_dual_bound) / scale
        bound = bound if math.isfinite(bound) else None
    else:  # an LP's value is its own bound only when HiGHS says the LP is solved
        bound = objective if status == highspy.HighsModelStatus.kOptimal else None
    gap = relative_gap(objective, bound)
    x = np.asarray(h.getSolution().col_value)
    return MilpResult(status_from_gap(gap, rel_gap), objective, bound, gap, seconds, "highs", x, message=said)

