"""The local search that runs beside HiGHS, and the worker thread that keeps it in step with HiGHS.

``NeighbourhoodSearch`` is the search itself, one step at a time and in its own HiGHS instance:
from the best plan it re-optimises one neighbourhood (a group of integer columns a caller knows
belong together, e.g. nearby sites) with every other integer fixed. A caller may also name
recurring groups spanning the whole model (e.g. every landfill's stop decision); one of them takes
every tenth turn. Without a plan, a caller's first plan (integers to fix) gives it a start; the
search then solves the LP relaxation near that plan and asks the caller for a second first plan
restricted by it, from which HiGHS searches the model without the decisions the LP leaves at zero
(they stay excluded while that search has the best plan).

``SearchBeside`` runs that search in a worker thread while HiGHS branches, and hands plans over
only at points fixed by HiGHS's own progress, never by the clock: HiGHS asks for plans (its
user-solution callback) once before the root and then before each dive, and a step handed out at
call k is taken back (waiting for the worker if need be) at call k + ``HANDOVER_CALLS``. Every step
has a work budget (nodes, iterations), not a time limit. So with a given seed the plans HiGHS receives, and the plan
returned, do not depend on thread timing. Only HiGHS's time limit breaks that: a solve stopped on
its time limit depends on the clock anyway, and then the search's best plan so far counts too.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import highspy
import numpy as np

from wasteopt.milp import LinearModel, highs_model, highs_solution

SUB_MIP_NODES = 100            # branch-and-bound nodes of one neighbourhood's sub-MIP
RESTRICTED_NODES = 2000        # … of HiGHS's search among the sites the LP relaxation opens
RELAXATION_IPM_ITERATIONS = 400  # interior-point iterations of the search's LP relaxation
RECURRING_EVERY = 10           # every this many sub-MIPs, one of the caller's recurring groups instead
SEARCH_AFTER_CALLS = 20        # the search starts at HiGHS's 20th call for plans: quick solves pay nothing …
FIRST_PLAN_AT_ONCE_INTEGERS = 5000  # … but from a first plan at once (beside HiGHS's root) on models this large
FIRST_PLAN_AT_ONCE_COLUMNS = 20_000  # … or this wide: HiGHS may not reach its 20th call within the time limit
HANDOVER_CALLS = 10            # a step handed out at one call for plans is taken back this many calls later
_NO_COLS = np.zeros(0, dtype=np.int32)

Groups = list[np.ndarray] | tuple[list[np.ndarray], list[np.ndarray]]


@dataclass(frozen=True)
class FirstPlan:
    """Integer columns to fix at ``values`` for a plan to start from; ``excluded`` columns stay at
    zero in the search while this plan (or one found from it) is the best; ``outside`` columns stay
    at zero in the LP relaxation solved next (it looks only near this plan). ``sent``: the t/d the greedy
    sent on each arc, if it placed all the waste. ``routed``: the plan with every column (flows too), once
    routed."""

    cols: np.ndarray
    values: np.ndarray
    excluded: np.ndarray = field(default_factory=lambda: _NO_COLS)
    outside: np.ndarray = field(default_factory=lambda: _NO_COLS)
    sent: np.ndarray | None = field(default=None, repr=False)
    routed: np.ndarray | None = field(default=None, repr=False)


class NeighbourhoodSearch:
    """Improves a plan one neighbourhood at a time, one step per call, in its own HiGHS instance.

    ``neighbourhoods()`` returns the column groups (or ``(groups, recurring)``); it is called on
    first use. ``first_plan(relaxation)`` gives a plan to start from when there is none, first
    without (None), then with the LP relaxation's solution (None: no such plan); ``started`` is
    that first plan, routed already (HiGHS started from it), whose relaxation is still to be searched. Objective values
    are in HiGHS's scaled units. ``interrupt`` stops a running sub-solve; ``deadline`` (perf_counter)
    bounds every sub-solve as a safety net only.
    """

    def __init__(self, model: LinearModel, neighbourhoods: Callable[[], Groups], *, seed: int = 0,
                 first_plan: Callable[[np.ndarray | None], FirstPlan | None] | None = None, rel_gap: float = 1e-4,
                 deadline: float = math.inf, started: FirstPlan | None = None):
        self.model, self.make_neighbourhoods, self.seed, self.first_plan = model, neighbourhoods, seed, first_plan
        self.started = started                      # the greedy plan HiGHS started from (routed), if any
        self.rel_gap, self.deadline = rel_gap, deadline
        self.from_first_plan = ""                   # "greedy" or "relaxation": which first plan the search started from
        self.excluded = _NO_COLS                    # columns kept at zero while the relaxation's plan leads
        self.sub = None                             # the search's own HiGHS instance, set up on first use
        self.interrupt = threading.Event()
        self.best, self.best_x = math.inf, None     # best plan seen, from HiGHS or from the search
        self.tried = self.improved = self.since_improved = 0
        self.failure = ""                           # why the search stopped, if it failed

    @property
    def finished(self) -> bool:
        """A full round of neighbourhoods improved nothing, or the search failed."""
        return bool(self.failure) or (self.sub is not None and self.since_improved >= len(self.neighbourhoods))

    def consider(self, value: float, x: np.ndarray) -> None:
        """A plan found elsewhere (by HiGHS): search from it if it is the best."""
        if value < self.best:
            self.best, self.best_x = value, x

    def run(self) -> None:
        """Search alone until a full round improves nothing: from the first plan if there is no plan yet."""
        if self.best_x is None:
            self.guarded(self.start_from_first_plan)
        while self.best_x is not None and not self.finished and not self.interrupt.is_set():
            self.guarded(self.step)

    def guarded(self, work: Callable[[], None]) -> None:
        """Run ``work``; a failure stops only the search and is kept in ``failure`` (a thread's exception would vanish)."""
        try:
            work()
        except Exception as error:
            self.failure = f"{type(error).__name__}: {error}"

    def start_from_first_plan(self) -> None:
        """The greedy first plan (``started``, or routed here), then HiGHS's search within the sites the
        LP relaxation near it opens."""
        if self.first_plan is None:
            return
        if self.sub is None:
            self._set_up()
        greedy = self.started
        if greedy is not None:  # HiGHS has it already: only its relaxation is new
            self.consider(float(self.cost @ greedy.routed) + self.offset, greedy.routed)
        else:
            greedy = self.first_plan(None)
            if greedy is None or not self._solve_fixed(greedy.cols, greedy.values)[0]:
                return
            self.from_first_plan = "greedy"
        relaxation = self._relaxation(greedy.outside)
        if relaxation is not None and not self.interrupt.is_set():
            self._search_among(self.first_plan(relaxation))

    def step(self) -> None:
        """One sub-MIP: the next neighbourhood (or recurring group) free, every other integer fixed."""
        if self.sub is None:
            self._set_up()
            if self.finished:  # no neighbourhood to search
                return
        x = self.best_x
        if self.excluded.size and x[self.excluded].any():  # the best plan uses what the relaxation left out
            self._exclude(_NO_COLS)
        if self.recurring and self.tried % RECURRING_EVERY == 0:
            free = self.recurring[self.tried // RECURRING_EVERY % len(self.recurring)]
        else:
            free = self.neighbourhoods[self.tried % len(self.neighbourhoods)]
        fixed = np.setdiff1d(self.fixable, free).astype(np.int32)
        better = self._solve_fixed(fixed, np.round(x[fixed]), start=x)[0]
        self.tried += 1
        self.improved += better
        self.since_improved = 0 if better else self.since_improved + 1

    def _stop_sub(self, event) -> None:
        if self.interrupt.is_set():
            event.interrupt()

    def _set_up(self) -> None:
        self.sub, _ = highs_model(self.model)
        self.sub.setOptionValue("mip_rel_gap", 1e-6)
        self.sub.setOptionValue("random_seed", int(self.seed))
        self.sub.cbMipInterrupt += self._stop_sub
        self.sub.cbIpmInterrupt += self._stop_sub
        lp = self.sub.getModel().lp_
        self.cost, self.offset = np.asarray(lp.col_cost_), float(lp.offset_)
        self.lb, self.ub = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        self.model_ub = self.ub.copy()  # the model's bounds, before any exclusion
        self.fixable = self.model.integer_columns.astype(np.int32)
        groups = self.make_neighbourhoods()
        groups, self.recurring = groups if isinstance(groups, tuple) else (groups, [])
        groups = [g for g in groups if np.setdiff1d(self.fixable, g).size]  # one that frees everything is HiGHS's own job
        self.all_neighbourhoods = [groups[i] for i in np.random.default_rng(self.seed).permutation(len(groups))]
        self.neighbourhoods = self.all_neighbourhoods

    def _left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def _solve_fixed(self, cols: np.ndarray, values: np.ndarray, start: np.ndarray | None = None,
                     nodes: int = SUB_MIP_NODES) -> tuple[bool, np.ndarray | None]:
        """Solve the sub-model with ``cols`` fixed at ``values`` (from plan ``start`` if given) within ``nodes``
        branch-and-bound nodes and keep its plan if it beats the best. Returns (whether it did, the plan or None)."""
        self.sub.changeColsBounds(cols.size, cols, values, values)
        self.sub.setOptionValue("mip_max_nodes", int(nodes))
        self.sub.setOptionValue("time_limit", self._left())
        if start is not None:
            self.sub.setSolution(highs_solution(start))
        self.sub.run()
        better, candidate = False, None
        if self.sub.getInfo().primal_solution_status == 2:
            candidate = np.asarray(self.sub.getSolution().col_value)
            value = float(self.cost @ candidate) + self.offset
            better = value < self.best - 1e-9 * max(1.0, abs(value))
            if better:
                self.best, self.best_x = value, candidate
        self.sub.changeColsBounds(cols.size, cols, self.lb[cols], self.ub[cols])
        return better, candidate

    def _search_among(self, plan: FirstPlan | None) -> None:
        """Route ``plan`` (the greedy among the sites the LP relaxation opens) with its exclusions, then
        let HiGHS search the model minus those exclusions from it; the exclusions hold in the
        neighbourhood search only if that found the best plan."""
        if plan is None:
            return
        before = self.best
        self._exclude(plan.excluded)
        start = self._solve_fixed(plan.cols, plan.values)[1]
        if start is not None and not self.interrupt.is_set():
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
        """Let HiGHS search the whole model minus the exclusions from plan ``start``, until its own gap is
        within the caller's or ``RESTRICTED_NODES`` nodes: with most candidates left out it finds plans
        the one-neighbourhood-at-a-time search would take far longer to reach."""
        self.sub.setOptionValue("mip_rel_gap", self.rel_gap)
        try:
            self._solve_fixed(_NO_COLS, np.zeros(0), start=start, nodes=RESTRICTED_NODES)
        finally:
            self.sub.setOptionValue("mip_rel_gap", 1e-6)

    def _relaxation(self, outside: np.ndarray) -> np.ndarray | None:
        """The LP relaxation's solution with ``outside`` at zero, by interior point without crossover
        (which decisions it leaves at zero is all the caller needs), or None if it does not converge
        within ``RELAXATION_IPM_ITERATIONS``."""
        cols = self.fixable
        kinds = highspy.HighsVarType
        self.sub.changeColsIntegrality(cols.size, cols, np.full(cols.size, kinds.kContinuous))
        self.sub.changeColsBounds(outside.size, outside, self.lb[outside], np.zeros(outside.size))
        for option, value in (("solver", "ipm"), ("run_crossover", "off"), ("time_limit", self._left()),
                              ("ipm_iteration_limit", RELAXATION_IPM_ITERATIONS)):
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


class SearchBeside:
    """A ``NeighbourhoodSearch`` in a worker thread beside one HiGHS solve (a milp ``Companion``), in step
    with HiGHS's node count as the module docstring describes."""

    def __init__(self, search: NeighbourhoodSearch):
        self.search = search
        self.incumbent: tuple[float, np.ndarray | None] = (math.inf, None)  # HiGHS's latest plan
        self.delivered: tuple[float, np.ndarray | None] = (math.inf, None)  # the search's best plan handed over
        self.offered = math.inf
        self.pending: tuple[threading.Event, int] | None = None  # (done, call due) of the step handed out
        self.calls = 0
        self.counts = ("", 0, 0, "")                # from_first_plan, tried, improved, failure as of the last hand-over
        self.jobs: list[Callable[[], None] | None] = []
        self.ready = threading.Condition()
        self.worker: threading.Thread | None = None

    def attach(self, highs: highspy.Highs, deadline: float) -> None:
        self.search.deadline = deadline
        highs.cbMipImprovingSolution += self._improving
        highs.cbMipUserSolution += self._user_solution
        self.worker = threading.Thread(target=self._work, daemon=True)
        self.worker.start()

    def detach(self, stopped_on_time: bool) -> tuple[float, np.ndarray] | None:
        if self.pending is not None:
            self.search.interrupt.set()  # stopped on time: what it has counts; else it is dropped, as never handed over
            self.pending[0].wait()
            if stopped_on_time:
                self._take_back()
        self._give(None)
        self.worker.join()
        value, x = self.delivered
        return None if x is None else (value, x)

    def note(self) -> str:
        from_first_plan, tried, improved, failure = self.counts
        note = {"": "", "greedy": " + a greedy first plan",
                "relaxation": " + a greedy first plan among the sites the LP relaxation opens"}[from_first_plan]
        note += f" + neighbourhood search ({improved} of {tried} sub-MIPs improved the plan)" if tried else ""
        if failure:
            note += f" (neighbourhood search stopped: {failure})"
        return note

    # --- HiGHS's thread

    def _improving(self, event) -> None:
        x = np.array(event.data_out.mip_solution, dtype=float)
        if x.size == self.search.model.num_vars:
            self.incumbent = (float(event.data_out.objective_function_value), x)

    def _user_solution(self, event) -> None:
        call = self.calls
        self.calls += 1
        if self.pending is not None:
            done, due = self.pending
            if call < due:
                return
            done.wait()
            self._take_back()
        value, x = self.delivered
        if x is not None and value < self.offered and value < event.data_out.mip_primal_bound - 1e-9:
            event.data_in.setSolution(x)
            self.offered = value
        search = self.search
        if search.failure or search.interrupt.is_set():
            return
        if self.incumbent[1] is not None:
            search.consider(*self.incumbent)
        model = search.model
        at_once = call == 0 and (model.integer_columns.size >= FIRST_PLAN_AT_ONCE_INTEGERS
                                 or model.num_vars >= FIRST_PLAN_AT_ONCE_COLUMNS)
        first = search.best_x is None or (at_once and search.started is not None)
        if first and (at_once or call == SEARCH_AFTER_CALLS) and search.first_plan is not None:
            self._hand_out(search.start_from_first_plan, call)
        elif search.best_x is not None and call >= SEARCH_AFTER_CALLS and not search.finished:
            self._hand_out(search.step, call)

    def _hand_out(self, work: Callable[[], None], call: int) -> None:
        done = threading.Event()
        self.pending = (done, call + HANDOVER_CALLS)

        def job() -> None:
            try:
                self.search.guarded(work)
            finally:
                done.set()
        self._give(job)

    def _take_back(self) -> None:
        """The step handed out is done: its plan (the search's best, if better than any handed over) counts."""
        search = self.search
        self.pending = None
        if search.best_x is not None and search.best < self.delivered[0]:
            self.delivered = (search.best, search.best_x)
        self.counts = (search.from_first_plan, search.tried, search.improved, search.failure)

    # --- the worker thread

    def _give(self, job: Callable[[], None] | None) -> None:
        with self.ready:
            self.jobs.append(job)
            self.ready.notify()

    def _work(self) -> None:
        while True:
            with self.ready:
                self.ready.wait_for(lambda: self.jobs)
                job = self.jobs.pop(0)
            if job is None:
                return
            job()
