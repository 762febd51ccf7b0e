"""A sparse MILP in matrix form, solved by HiGHS (highspy) or CBC.

Models are built as coordinate triplets with numpy, never as one Python object per
term, so township-scale models (10^6 non-zeros) build in seconds. The solver's own
best bound and gap are read back: a result is ``optimal`` only when the gap the solver
proves is within the requested tolerance.

Given neighbourhoods (groups of integer columns a caller knows belong together, e.g. nearby
sites), a local search runs beside HiGHS on the second core: from HiGHS's latest plan it
re-optimises one neighbourhood at a time with every other integer fixed, and hands each better
plan back to HiGHS, whose branch and bound (and so the reported bound) runs undisturbed. A caller
may also name recurring groups (``neighbourhoods()`` returns ``(groups, recurring)``) that span the
whole model, e.g. every landfill's stop decision; one of them takes every tenth turn. When
HiGHS has no plan yet, a caller's first plan (integers to fix) gives the search its start; the
search then solves the LP relaxation near that plan (the caller says which columns to leave out)
and asks the caller for a second first plan restricted by it, from which HiGHS searches the model
without the decisions the LP leaves at zero (they stay excluded while that search has the best plan).
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import highspy
import numpy as np
import scipy.sparse as sp

from wasteopt.errors import WasteoptError

INF = math.inf
SUB_MIP_SECONDS = 2.0       # time limit of one neighbourhood's sub-MIP
RECURRING_EVERY = 10        # every this many sub-MIPs, one of the caller's recurring groups instead
SEARCH_DELAY_SECONDS = 2.0  # the search starts once HiGHS has run this long (and has a plan)
RELAXATION_SHARE = 0.7      # of the time left, at most this much for the search's LP relaxation
_NO_COLS = np.zeros(0, dtype=np.int32)

# Result statuses, in the words the plan and KPIs use.
OPTIMAL = "optimal"            # gap proven within tolerance
TIME_LIMIT = "time_limit"      # best plan found, gap still open
INFEASIBLE = "infeasible"
NO_SOLUTION = "no_solution"    # stopped before any feasible plan was found
ERROR = "error"


class LinearModel:
    """Minimise ``cost·x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``lb <= x <= ub``, some x integer."""

    def __init__(self) -> None:
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._row_lb: list[np.ndarray] = []
        self._row_ub: list[np.ndarray] = []
        self._extra_cost: list[tuple[np.ndarray, np.ndarray]] = []
        self.num_vars = 0
        self.num_rows = 0
        self.offset = 0.0

    def add_vars(self, n: int, *, lb=0.0, ub=INF, cost=0.0, integer: bool = False) -> np.ndarray:
        """Add ``n`` variables; bounds and costs are scalars or arrays. Returns their indices."""
        idx = np.arange(self.num_vars, self.num_vars + n)
        self._lb.append(np.broadcast_to(np.asarray(lb, float), n).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, float), n).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, float), n).copy())
        self._integer.append(np.full(n, integer))
        self.num_vars += n
        return idx

    def add_cost(self, cols, values) -> None:
        """Add ``values`` to the objective coefficients of existing variables ``cols``."""
        self._extra_cost.append((np.asarray(cols, dtype=np.int64), np.broadcast_to(np.asarray(values, float), np.shape(cols))))

    def add_rows(self, entry_rows, cols, vals, lb, ub, n_rows: int | None = None) -> np.ndarray:
        """Add a block of rows; entry ``e`` puts ``vals[e]`` at (block row ``entry_rows[e]``, ``cols[e]``)."""
        entry_rows = np.asarray(entry_rows, dtype=np.int64)
        if n_rows is None:
            n_rows = int(entry_rows.max()) + 1 if entry_rows.size else 0
        rows = np.arange(self.num_rows, self.num_rows + n_rows)
        self._rows.append(entry_rows + self.num_rows)
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.broadcast_to(np.asarray(vals, float), entry_rows.shape).copy())
        self._row_lb.append(np.broadcast_to(np.asarray(lb, float), n_rows).copy())
        self._row_ub.append(np.broadcast_to(np.asarray(ub, float), n_rows).copy())
        self.num_rows += n_rows
        return rows

    def add_row(self, cols, vals, lb=-INF, ub=INF) -> int:
        cols = np.asarray(cols, dtype=np.int64)
        return int(self.add_rows(np.zeros(cols.size, dtype=np.int64), cols, vals, lb, ub, n_rows=1)[0])

    def arrays(self):
        """(cost, lb, ub, integer, A as CSC, row_lb, row_ub)."""
        def cat(parts, dtype=float):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        a = sp.csc_matrix(
            (cat(self._vals), (cat(self._rows, np.int64), cat(self._cols, np.int64))),
            shape=(self.num_rows, self.num_vars),
        )
        a.sum_duplicates()
        cost = cat(self._cost)
        for cols, values in self._extra_cost:
            np.add.at(cost, cols, values)
        return (cost, cat(self._lb), cat(self._ub), cat(self._integer, bool),
                a, cat(self._row_lb), cat(self._row_ub))

    def fixed(self, cols, values) -> LinearModel:
        """A copy with columns ``cols`` fixed at ``values``; this model is left as it is."""
        other = LinearModel()
        other.__dict__.update({key: list(value) if isinstance(value, list) else value
                               for key, value in self.__dict__.items()})
        lb, ub = np.concatenate(self._lb), np.concatenate(self._ub)
        lb[cols] = values
        ub[cols] = values
        other._lb, other._ub = [lb], [ub]
        return other

    @property
    def integer_columns(self) -> np.ndarray:
        """Indices of the integer variables (without building the matrix)."""
        return np.flatnonzero(np.concatenate(self._integer)) if self._integer else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class FirstPlan:
    """Integer columns to fix at ``values`` for a plan to start from; ``excluded`` columns stay at
    zero in the search while this plan (or one found from it) is the best; ``outside`` columns stay
    at zero in the LP relaxation solved next (it looks only near this plan)."""

    cols: np.ndarray
    values: np.ndarray
    excluded: np.ndarray = field(default_factory=lambda: _NO_COLS)
    outside: np.ndarray = field(default_factory=lambda: _NO_COLS)


@dataclass(frozen=True)
class MilpResult:
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None              # relative: |objective − bound| / max(|objective|, 1)
    seconds: float
    backend: str
    x: np.ndarray | None = field(default=None, repr=False)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


def solve_milp(model: LinearModel, backend: str = "highs", *, time_limit: float = 60.0,
               rel_gap: float = 1e-4, threads: int = 0, seed: int = 0, log_path: str | None = None,
               neighbourhoods: Callable[[], list[np.ndarray] | tuple[list[np.ndarray], list[np.ndarray]]] | None = None,
               first_plan: Callable[[np.ndarray | None], FirstPlan | None] | None = None,
               start: np.ndarray | None = None) -> MilpResult:
    """Solve with ``backend`` ('highs' or 'cbc'); status comes from the proven gap, not a wrapper's word.

    ``start`` (HiGHS only) is a plan (all columns) for HiGHS to begin from.

    ``neighbourhoods`` (HiGHS only) returns the column groups for the local search described in the
    module docstring; it is called only if the search starts. ``first_plan(relaxation)`` returns a
    plan for the search to start from when HiGHS has none after ``SEARCH_DELAY_SECONDS``, first
    without (None), then with the LP relaxation's solution (None: no such plan).
    """
    if backend == "highs":
        return _solve_highs(model, time_limit, rel_gap, threads, seed, log_path, neighbourhoods, first_plan, start)
    if backend != "cbc":
        raise WasteoptError(f"unknown solver backend '{backend}' (use highs or cbc)")
    if start is not None:
        raise WasteoptError("a start plan needs the highs backend")
    return _solve_cbc(model, time_limit, rel_gap, threads, seed)


def _status_from_gap(gap: float | None, rel_gap: float, has_solution: bool) -> str:
    if not has_solution:
        return NO_SOLUTION
    return OPTIMAL if gap is not None and gap <= rel_gap + 1e-9 else TIME_LIMIT


def _quiet_highs() -> highspy.Highs:
    """A Highs instance; the C++ banner printed on the first one is kept off stdout (CSV output)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


_BANNER_SHOWN = False


def objective_scale(cost: np.ndarray) -> float:
    """A power of ten that brings the largest cost near 10^3: HiGHS works badly on costs of 10^7."""
    largest = float(np.abs(cost).max()) if cost.size else 0.0
    return 10.0 ** -max(0, math.floor(math.log10(largest)) - 3) if largest > 0 else 1.0


def _highs_model(model: LinearModel) -> tuple[highspy.Highs, float]:
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


def _solve_highs(model, time_limit, rel_gap, threads, seed, log_path, neighbourhoods, first_plan,
                 start_plan=None) -> MilpResult:
    start = time.perf_counter()
    h, scale = _highs_model(model)
    if start_plan is not None:
        h.setSolution(_highs_solution(start_plan))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("random_seed", int(seed))
    # Trust pseudocosts from their first observation (HiGHS strong-branches a column until it has 8): on
    # the full Henan model that strong branching took 85 s of a 120 s solve and left the bound where it was.
    h.setOptionValue("mip_pscost_minreliable", 0)
    if threads:
        # HiGHS keeps one thread pool per process; a different size needs a fresh pool
        highspy.Highs.resetGlobalScheduler(True)
        h.setOptionValue("threads", int(threads))
    if log_path:
        h.setOptionValue("log_file", str(log_path))
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
    has_integer = model.integer_columns.size > 0
    if neighbourhoods is None or not has_integer:
        h.run()
        return _highs_result(h, scale, has_integer, rel_gap, time.perf_counter() - start)
    search = _NeighbourhoodSearch(model, neighbourhoods, start, start + time_limit, seed, first_plan, rel_gap)
    h.cbMipImprovingSolution += search.take_plan
    h.cbMipUserSolution += search.give_plan
    worker = threading.Thread(target=search.run, daemon=True)
    worker.start()
    try:
        h.run()
    finally:
        search.stop.set()
        worker.join()
    result = _highs_result(h, scale, has_integer, rel_gap, time.perf_counter() - start)
    note = {"": "", "greedy": " + a greedy first plan",
            "relaxation": " + a greedy first plan among the sites the LP relaxation opens"}[search.from_first_plan]
    note += f" + neighbourhood search ({search.improved} of {search.tried} sub-MIPs improved the plan)" if search.tried else ""
    if search.failure:
        note += f" (neighbourhood search stopped: {search.failure})"
    if search.best_x is None or (result.has_solution and search.best >= result.objective * scale - 1e-9):
        return dataclasses.replace(result, message=result.message + note)
    objective = search.best / scale  # a plan HiGHS had no chance to take
    bound = result.best_bound if result.has_solution else float(h.getInfo().mip_dual_bound) / scale
    gap = relative_gap(objective, bound)
    return MilpResult(_status_from_gap(gap, rel_gap, True), objective, bound, gap, result.seconds,
                      "highs", search.best_x, message=result.message + note)


class _NeighbourhoodSearch:
    """Improves HiGHS's plans one neighbourhood at a time, in its own thread and its own HiGHS instance.

    It starts once HiGHS has run ``SEARCH_DELAY_SECONDS``, from HiGHS's plan or, if HiGHS has none
    yet, from ``first_plan``'s (then from what HiGHS finds within the LP relaxation's sites): quick
    solves pay nothing, and the neighbourhoods are built only when needed. Objective values here
    are in HiGHS's scaled units.
    """

    def __init__(self, model: LinearModel, neighbourhoods: Callable[[], list | tuple[list, list]], start: float,
                 deadline: float, seed: int, first_plan: Callable | None = None, rel_gap: float = 1e-4):
        self.model, self.make_neighbourhoods, self.seed, self.first_plan = model, neighbourhoods, seed, first_plan
        self.rel_gap = rel_gap
        self.from_first_plan = ""                   # "greedy" or "relaxation": which first plan the search started from
        self.excluded = _NO_COLS                    # columns kept at zero while the relaxation's plan leads
        self.sub = None                             # the search's own HiGHS instance, set up on first use
        self.start, self.deadline = start, deadline
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.best, self.best_x = math.inf, None     # best plan seen, from HiGHS or from the search
        self.offered = math.inf                     # objective of the last plan handed to HiGHS
        self.tried = self.improved = 0
        self.failure = ""                           # why the search stopped early, if it failed

    def take_plan(self, event) -> None:
        """HiGHS found a better plan: search from it."""
        value = float(event.data_out.objective_function_value)
        with self.lock:
            if value < self.best and len(event.data_out.mip_solution) == self.model.num_vars:
                self.best, self.best_x = value, np.array(event.data_out.mip_solution, dtype=float)

    def give_plan(self, event) -> None:
        """HiGHS asks for user plans: hand over the search's best if HiGHS has nothing as good."""
        with self.lock:
            if self.best < self.offered and self.best < event.data_out.mip_primal_bound - 1e-9:
                event.data_in.setSolution(self.best_x)
                self.offered = self.best

    def _interrupt(self, event) -> None:
        if self.stop.is_set():
            event.interrupt()

    def _set_up(self) -> None:
        self.sub, _ = _highs_model(self.model)
        self.sub.setOptionValue("mip_rel_gap", 1e-6)
        self.sub.cbMipInterrupt += self._interrupt
        self.sub.cbIpmInterrupt += self._interrupt
        lp = self.sub.getModel().lp_
        self.cost, self.offset = np.asarray(lp.col_cost_), float(lp.offset_)
        self.lb, self.ub = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        self.model_ub = self.ub.copy()  # the model's bounds, before any exclusion
        self.fixable = self.model.integer_columns.astype(np.int32)
        groups = self.make_neighbourhoods()
        groups, self.recurring = groups if isinstance(groups, tuple) else (groups, [])
        self.all_neighbourhoods = [groups[i] for i in np.random.default_rng(self.seed).permutation(len(groups))]
        self.neighbourhoods = self.all_neighbourhoods

    def run(self) -> None:
        """Search; a failure stops only the search (HiGHS goes on) and is reported in the result's message."""
        try:
            self._search()
        except Exception as error:  # a thread's exception would otherwise vanish or print a traceback
            self.failure = f"{type(error).__name__}: {error}"

    def _solve_fixed(self, cols: np.ndarray, values: np.ndarray, seconds: float,
                     start: np.ndarray | None = None) -> tuple[bool, np.ndarray | None]:
        """Solve the sub-model with ``cols`` fixed at ``values`` (from plan ``start`` if given) and keep
        its plan if it beats the best. Returns (whether it did, the plan found or None)."""
        self.sub.changeColsBounds(cols.size, cols, values, values)
        self.sub.setOptionValue("time_limit", max(0.0, seconds))
        if start is not None:
            self.sub.setSolution(_highs_solution(start))
        self.sub.run()
        better, candidate = False, None
        if self.sub.getInfo().primal_solution_status == 2:
            candidate = np.asarray(self.sub.getSolution().col_value)
            value = float(self.cost @ candidate) + self.offset
            with self.lock:
                better = value < self.best - 1e-9 * max(1.0, abs(value))
                if better:
                    self.best, self.best_x = value, candidate
        self.sub.changeColsBounds(cols.size, cols, self.lb[cols], self.ub[cols])
        return better, candidate

    def _start_from(self, plan: FirstPlan | None) -> bool:
        """Route the greedy ``plan``'s flows with its integers fixed; True if it became the best plan."""
        if plan is None or not self._solve_fixed(plan.cols, plan.values, self.deadline - time.perf_counter())[0]:
            return False
        self.from_first_plan = "greedy"
        return True

    def _search_among(self, plan: FirstPlan | None) -> None:
        """Route ``plan`` (the greedy among the sites the LP relaxation opens) with its exclusions, then
        let HiGHS search the model minus those exclusions from it; the exclusions hold in the
        neighbourhood search only if that found the best plan."""
        if plan is None:
            return
        before = self.best
        self._exclude(plan.excluded)
        start = self._solve_fixed(plan.cols, plan.values, self.deadline - time.perf_counter())[1]
        if start is not None:
            self._solve_restricted(start)
        if self.best < before:
            self.from_first_plan = "relaxation"
        else:
            self._exclude(_NO_COLS)

    def _exclude(self, cols: np.ndarray) -> None:
        """Keep ``cols`` at zero in the search (instead of the columns excluded so far)."""
        self.sub.changeColsBounds(self.excluded.size, self.excluded, self.lb[self.excluded], self.model_ub[self.excluded])
        self.ub = self.model_ub.copy()
        self.ub[cols] = 0.0
        self.sub.changeColsBounds(cols.size, cols, self.lb[cols], self.ub[cols])
        self.excluded = cols
        groups = [np.setdiff1d(g, cols) for g in self.all_neighbourhoods] if cols.size else self.all_neighbourhoods
        unique = {g.tobytes(): g for g in groups if g.size}
        self.neighbourhoods = list(unique.values()) or self.all_neighbourhoods

    def _solve_restricted(self, start: np.ndarray) -> None:
        """Let HiGHS search the whole model minus the exclusions from plan ``start``, until the time
        is nearly up or its own gap is within the caller's: with most candidates left out it finds
        plans the one-neighbourhood-at-a-time search would take far longer to reach."""
        self.sub.setOptionValue("mip_rel_gap", self.rel_gap)
        try:
            self._solve_fixed(_NO_COLS, np.zeros(0), self.deadline - time.perf_counter() - SUB_MIP_SECONDS, start=start)
        finally:
            self.sub.setOptionValue("mip_rel_gap", 1e-6)

    def _relaxation(self, seconds: float, outside: np.ndarray) -> np.ndarray | None:
        """The LP relaxation's solution with ``outside`` at zero, by interior point without crossover
        (which decisions it leaves at zero is all the caller needs), or None if it does not finish
        within ``seconds``."""
        cols = self.fixable
        kinds = highspy.HighsVarType
        self.sub.changeColsIntegrality(cols.size, cols, np.full(cols.size, kinds.kContinuous))
        self.sub.changeColsBounds(outside.size, outside, self.lb[outside], np.zeros(outside.size))
        for option, value in (("solver", "ipm"), ("run_crossover", "off"), ("time_limit", max(0.0, seconds))):
            self.sub.setOptionValue(option, value)
        try:
            self.sub.run()
            solved = self.sub.getModelStatus() == highspy.HighsModelStatus.kOptimal
            return np.asarray(self.sub.getSolution().col_value) if solved else None
        finally:
            self.sub.changeColsBounds(outside.size, outside, self.lb[outside], self.ub[outside])
            self.sub.changeColsIntegrality(cols.size, cols, np.full(cols.size, kinds.kInteger))
            self.sub.setOptionValue("solver", "choose")
            self.sub.setOptionValue("run_crossover", "on")

    def _search(self) -> None:
        """After the delay, start from HiGHS's plan (or, if HiGHS has none, the greedy first plan, then
        HiGHS's search within the sites the LP relaxation near it opens), then cycle through the
        neighbourhoods until HiGHS stops or a full round improves nothing."""
        while time.perf_counter() - self.start < SEARCH_DELAY_SECONDS:
            if self.stop.wait(0.1):
                return
        if self.best_x is None and self.first_plan is not None:
            self._set_up()
            greedy = self.first_plan(None)
            if self._start_from(greedy):
                relaxation = self._relaxation(RELAXATION_SHARE * (self.deadline - time.perf_counter()), greedy.outside)
                if relaxation is not None:
                    self._search_among(self.first_plan(relaxation))
        while self.best_x is None:
            if self.stop.wait(0.1) or time.perf_counter() > self.deadline:
                return
        if self.sub is None:
            self._set_up()
        since_improved = 0
        while not self.stop.is_set() and since_improved < len(self.neighbourhoods):
            left = self.deadline - time.perf_counter()
            if left < 0.5:
                return
            with self.lock:
                x = self.best_x
            if self.excluded.size and x[self.excluded].any():  # HiGHS's plan uses what the relaxation left out
                self._exclude(_NO_COLS)
            if self.recurring and self.tried % RECURRING_EVERY == 0:
                free = self.recurring[self.tried // RECURRING_EVERY % len(self.recurring)]
            else:
                free = self.neighbourhoods[self.tried % len(self.neighbourhoods)]
            fixed = np.setdiff1d(self.fixable, free).astype(np.int32)
            better = self._solve_fixed(fixed, np.round(x[fixed]), min(SUB_MIP_SECONDS, left), start=x)[0]
            self.tried += 1
            self.improved += better
            since_improved = 0 if better else since_improved + 1


def _highs_result(h: highspy.Highs, scale: float, has_integer: bool, rel_gap: float, seconds: float) -> MilpResult:
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return MilpResult(INFEASIBLE, None, None, None, seconds, "highs", message="HiGHS proved the model infeasible")
    if status in (highspy.HighsModelStatus.kUnboundedOrInfeasible, highspy.HighsModelStatus.kUnbounded):
        return MilpResult(ERROR, None, None, None, seconds, "highs", message=f"HiGHS: {h.modelStatusToString(status)}")
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if not feasible:
        kind = NO_SOLUTION if status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt) else ERROR
        return MilpResult(kind, None, None, None, seconds, "highs", message=f"HiGHS: {h.modelStatusToString(status)}")
    objective = float(info.objective_function_value) / scale
    bound = float(info.mip_dual_bound) / scale if has_integer else objective
    gap = relative_gap(objective, bound)
    x = np.asarray(h.getSolution().col_value)
    return MilpResult(_status_from_gap(gap, rel_gap, True), objective, bound, gap, seconds, "highs", x,
                      message=f"HiGHS: {h.modelStatusToString(status)}")


def _highs_solution(x: np.ndarray) -> highspy.HighsSolution:
    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(x, float)
    solution.value_valid = True
    return solution


_CBC_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def cbc_path() -> str:
    """The CBC binary PuLP ships."""
    import warnings

    import pulp

    with warnings.catch_warnings():  # PuLP 3 deprecates the bundled CBC it still ships; we pin pulp < 4
        warnings.simplefilter("ignore", DeprecationWarning)
        path = pulp.PULP_CBC_CMD().path
    if not path or not Path(path).exists():
        raise WasteoptError("CBC binary not found (it ships with PuLP; reinstall with `make run`)")
    return path


def _solve_cbc(model, time_limit, rel_gap, threads, seed) -> MilpResult:
    h, scale = _highs_model(model)
    with tempfile.TemporaryDirectory(prefix="wasteopt-cbc-") as tmp:
        mps = os.path.join(tmp, "model.mps")
        sol = os.path.join(tmp, "model.sol")
        h.writeModel(mps)
        args = [cbc_path(), mps, "-sec", str(time_limit), "-ratio", str(rel_gap), "-allow", "0",
                "-randomC", str(seed + 1)]
        if threads:
            args += ["-threads", str(threads)]
        args += ["-solve", "-solution", sol]
        start = time.perf_counter()
        run = subprocess.run(args, capture_output=True, text=True, timeout=time_limit + 120)
        seconds = time.perf_counter() - start
        log = run.stdout + run.stderr
        if "Result - Problem proven infeasible" in log or "Linear relaxation infeasible" in log:
            return MilpResult(INFEASIBLE, None, None, None, seconds, "cbc", message="CBC proved the model infeasible")
        if "No feasible solution found" in log or "best objective 1e+50" in log:
            # CBC still writes its LP point to the solution file; that is not a plan
            return MilpResult(NO_SOLUTION, None, None, None, seconds, "cbc", message="CBC: no integer solution found")
        if not os.path.exists(sol):
            return MilpResult(ERROR, None, None, None, seconds, "cbc", message=log[-500:])
        x, header = _read_cbc_solution(sol, model.num_vars)
    if x is None or header.lower().startswith("infeasible"):
        kind = INFEASIBLE if "infeasible" in header.lower() else NO_SOLUTION
        return MilpResult(kind, None, None, None, seconds, "cbc", message=header)
    cost = model.arrays()[0]
    objective = float(cost @ x + model.offset)
    bound = _cbc_bound(log, scale)
    if bound is None and "Optimal solution found" in log:
        bound = objective
    gap = relative_gap(objective, bound)
    return MilpResult(_status_from_gap(gap, rel_gap, True), objective, bound, gap, seconds, "cbc", x, message=header)


def _cbc_bound(log: str, scale: float) -> float | None:
    """Best possible objective from CBC's final summary ('Lower bound:'), unscaled (offset included)."""
    match = re.findall(r"Lower bound:\s*" + _CBC_NUMBER, log) or re.findall(r"best possible\s*" + _CBC_NUMBER, log)
    return float(match[-1]) / scale if match else None


def _read_cbc_solution(path: str, num_vars: int) -> tuple[np.ndarray | None, str]:
    with open(path) as handle:
        header = handle.readline().strip()
        if header.lower().startswith(("infeasible", "integer infeasible")):
            return None, header
        x = np.zeros(num_vars)
        for line in handle:
            parts = line.replace("**", " ").split()
            if len(parts) < 3:
                continue
            name = parts[1]
            if name[:1] == "c" and name[1:].isdigit():  # HiGHS names columns c0, c1, …; rows r0, …
                x[int(name[1:])] = float(parts[2])
    return x, header
