"""Benders decomposition for the capacitated single-stream facility location problem (multi-source CFLP).

    min Σ f_i y_i + Σ c_ij x_ij   s.t.  Σ_i x_ij = 1,  Σ_j d_j x_ij ≤ s_i y_i,  0 ≤ x_ij ≤ y_i,  y binary

(``c_ij``: the cost of serving all of customer j from site i, as OR-Library cap files give it). The master
holds the open/close binaries, one variable η for the flow cost, the cover row Σ s_i y_i ≥ Σ d_j (the only
feasibility cut an integer y needs: every site can serve every customer) and the Benders cuts. The
subproblem for fixed y is the transportation LP, with a penalised shortfall per customer so it is feasible
at every fractional y too (its value is then a relaxation of the flow cost, so its cuts stay valid).

Cuts come from the subproblem's duals, rebuilt so that they are dual feasible whatever the LP's accuracy:
assignment duals v_j ≤ penalty, capacity duals π_i ≤ 0, and for each arc the negative part of its reduced
cost c_ij − v_j − d_j π_i as the dual of x_ij ≤ y_i. Weak duality then gives, for every y,
flow cost(y) ≥ Σ_j v_j + Σ_i y_i (s_i π_i + Σ_j min(0, c_ij − v_j − d_j π_i)).

It is the plain iterative scheme, not cuts added lazily inside one branch-and-cut tree as Fischetti,
Ljubić & Sinnl 2017 do (highspy 1.16 lists a lazy-constraint callback, but a probe MIP never called it):
(1) Kelley's cutting planes on the LP relaxation of the master,
stabilised by in-out separation (Ben-Ameur & Neto 2007), which gives the bound of the strong formulation;
(2) the integer master solved by HiGHS again and again, each time to a tenth of the gap left, every new
plan it found on the way (HiGHS's improving-solution callback) priced by the subproblem and cut off if it
was priced too low. The master's proven bound is a valid lower bound; the best priced plan
is the upper bound. All sites open is the first plan, priced whatever the time limit (one transportation
LP), so there is a plan at any limit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_matrix

from wasteopt.milp.result import relative_gap

PENALTY_FACTOR = 10.0     # a customer's shortfall costs this many times its dearest service (fractional y only)
LP_SHARE = 0.5            # at most this share of the time limit for the LP phase
LP_STALL = 1e-5           # the LP phase ends when the master's LP bound gains less than this (relative) ...
LP_STALL_ROUNDS = 5       # ... this many rounds in a row
IN_OUT_WEIGHT = 0.5       # separation point: this share of the master's point, the rest of the core point
MIN_SECONDS = 0.05        # a solve given less time than this is not started
MASTER_GAP_SHARE = 0.1    # the integer master is solved to this share of the current gap (at least half the goal)
PRICED_PER_SOLVE = 3      # at most this many of the master's newest improving plans are priced after each solve


@dataclass(frozen=True)
class BendersResult:
    """The best plan found (its cost, open sites, flows as fractions of each customer's demand) and a
    valid lower bound on every plan's cost."""

    objective: float
    bound: float
    open_sites: np.ndarray   # bool per site
    flows: np.ndarray        # (sites × customers) fraction of customer j's demand served from site i
    lp_rounds: int           # subproblems solved at fractional points (LP phase)
    master_solves: int       # integer master solves
    cuts: int
    seconds: float

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


@dataclass(frozen=True)
class Cut:
    """flow cost(y) ≥ constant + coefficients · y, for every y."""

    constant: float
    coefficients: np.ndarray

    def at(self, y: np.ndarray) -> float:
        return self.constant + float(self.coefficients @ y)


def _quiet_highs(threads: int) -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if threads:
        highs.setOptionValue("threads", threads)
    return highs


class TransportSubproblem:
    """The flow LP for fixed y, kept in one HiGHS instance and re-solved warm (only bounds change)."""

    def __init__(self, capacity: np.ndarray, demand: np.ndarray, cost: np.ndarray, threads: int = 0):
        m, n = cost.shape
        self.capacity, self.demand, self.cost = capacity, demand, cost
        self.penalty = PENALTY_FACTOR * np.maximum(cost.max(axis=0), 1.0)
        # columns: x_ij site-major (i * n + j), then the shortfall u_j; rows: n assignments, m capacities
        rows = np.concatenate([np.tile(np.arange(n), m), n + np.repeat(np.arange(m), n), np.arange(n)])
        cols = np.concatenate([np.arange(m * n), np.arange(m * n), m * n + np.arange(n)])
        values = np.concatenate([np.ones(m * n), np.tile(demand, m), np.ones(n)])
        matrix = csc_matrix((values, (rows, cols)), shape=(n + m, m * n + n))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = m * n + n, n + m
        lp.col_cost_ = np.concatenate([cost.ravel(), self.penalty])
        lp.col_lower_ = np.zeros(m * n + n)
        lp.col_upper_ = np.concatenate([np.ones(m * n), np.full(n, highspy.kHighsInf)])
        lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.ones(n), capacity])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.highs = _quiet_highs(threads)
        self.highs.passModel(lp)
        self.m, self.n = m, n

    def solve(self, y: np.ndarray, seconds: float) -> tuple[float, Cut, np.ndarray] | None:
        """(flow cost at y with shortfall penalised, the cut, x as a sites × customers array), or None if
        the LP did not finish in ``seconds``."""
        m, n = self.m, self.n
        self.highs.changeColsBounds(m * n, np.arange(m * n, dtype=np.int32), np.zeros(m * n), np.repeat(y, n))
        self.highs.changeRowsBounds(m, np.arange(n, n + m, dtype=np.int32), np.full(m, -highspy.kHighsInf),
                                    self.capacity * y)
        # HiGHS 1.16 measures an LP's limit on a clock that runs on over the runs of one instance
        self.highs.setOptionValue("time_limit", self.highs.getRunTime() + max(seconds, MIN_SECONDS))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)
        v = np.minimum(duals[:n], self.penalty)        # u_j's reduced cost penalty − v_j ≥ 0
        pi = np.minimum(duals[n:], 0.0)                # ≤ rows of a minimisation
        reduced = self.cost - v[None, :] - self.demand[None, :] * pi[:, None]
        cut = Cut(float(v.sum()), self.capacity * pi + np.minimum(reduced, 0.0).sum(axis=1))
        x = np.asarray(solution.col_value)[: m * n].reshape(m, n)
        return cut.at(y), cut, x


class _Master:
    """min f·y + η over the cover row and the cuts; y continuous (LP phase) or binary."""

    def __init__(self, fixed: np.ndarray, capacity: np.ndarray, total_demand: float, eta_floor: float, threads: int):
        self.m = len(fixed)
        self.highs = _quiet_highs(threads)
        inf = highspy.kHighsInf
        self.highs.addVars(self.m + 1, np.zeros(self.m + 1), np.concatenate([np.ones(self.m), [inf]]))
        self.highs.changeColsCost(self.m + 1, np.arange(self.m + 1, dtype=np.int32), np.concatenate([fixed, [1.0]]))
        self.highs.changeColsBounds(1, np.array([self.m], dtype=np.int32), np.array([eta_floor]), np.array([inf]))
        self.highs.addRow(total_demand, inf, self.m, np.arange(self.m, dtype=np.int32), capacity.astype(float))
        self.cuts = 0
        self.integer = False
        self.found: list[np.ndarray] = []  # the improving plans of the last integer solve, in the order found
        self.highs.cbMipImprovingSolution.subscribe(
            lambda event: self.found.append(np.asarray(event.data_out.mip_solution)[: self.m] > 0.5))

    def add(self, cut: Cut) -> None:
        """η − coefficients · y ≥ constant."""
        self.highs.addRow(cut.constant, highspy.kHighsInf, self.m + 1, np.arange(self.m + 1, dtype=np.int32),
                          np.concatenate([-cut.coefficients, [1.0]]))
        self.cuts += 1

    def make_integer(self) -> None:
        self.highs.changeColsIntegrality(self.m, np.arange(self.m, dtype=np.int32),
                                         np.full(self.m, highspy.HighsVarType.kInteger))
        self.integer = True

    def solve(self, seconds: float, start: np.ndarray | None = None) -> tuple[np.ndarray, float, float] | None:
        """(y, η, proven lower bound) or None if no solution in ``seconds``."""
        # HiGHS 1.16 measures an LP's limit on a clock that runs on over runs, a MIP's from the run's start
        elapsed = 0.0 if self.integer else self.highs.getRunTime()
        self.highs.setOptionValue("time_limit", elapsed + max(seconds, MIN_SECONDS))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            self.highs.setSolution(solution)
        self.found = []
        self.highs.run()
        status = self.highs.getModelStatus()
        info = self.highs.getInfo()
        if not self.integer:
            if status != highspy.HighsModelStatus.kOptimal:
                return None
            values = np.asarray(self.highs.getSolution().col_value)
            return values[: self.m], float(values[self.m]), float(info.objective_function_value)
        if info.primal_solution_status != 2:  # kSolutionStatusFeasible
            return None
        values = np.asarray(self.highs.getSolution().col_value)
        bound = float(info.mip_dual_bound)
        return values[: self.m], float(values[self.m]), bound


def round_up(y: np.ndarray, capacity: np.ndarray, total_demand: float) -> np.ndarray:
    """A plan from a fractional y: sites in decreasing y (ties: larger capacity first) until they cover demand."""
    order = np.lexsort((-capacity, -y))
    covered = np.cumsum(capacity[order])
    count = int(np.searchsorted(covered, total_demand - 1e-9)) + 1
    plan = np.zeros(len(y), dtype=bool)
    plan[order[:count]] = True
    return plan


def benders_cflp(fixed: np.ndarray, capacity: np.ndarray, demand: np.ndarray, cost: np.ndarray, *,
                 time_limit: float, rel_gap: float = 1e-4, threads: int = 0) -> BendersResult:
    """The CFLP by Benders decomposition within ``time_limit`` seconds: the best plan priced and a valid bound."""
    began = time.perf_counter()
    deadline = began + time_limit
    fixed, capacity = np.asarray(fixed, float), np.asarray(capacity, float)
    demand, cost = np.asarray(demand, float), np.asarray(cost, float)
    total_demand = float(demand.sum())
    if capacity.sum() < total_demand * (1 - 1e-12):
        raise ValueError(f"total capacity {capacity.sum():g} < total demand {total_demand:g}: no plan exists")
    eta_floor = float(cost.min(axis=0).sum())  # every customer served at its cheapest arc
    subproblem = TransportSubproblem(capacity, demand, cost, threads)
    master = _Master(fixed, capacity, total_demand, eta_floor, threads)

    def left() -> float:
        return deadline - time.perf_counter()

    best: tuple[float, np.ndarray, np.ndarray] | None = None  # (cost, y, x)
    priced: set[bytes] = set()
    pricing = [0.0]  # the last pricing's seconds: the integer master leaves time to price its plans

    def price(plan: np.ndarray) -> None:
        """Price an integer plan, keep it if it is the best, add its cut."""
        nonlocal best
        key = plan.astype(bool).tobytes()
        if key in priced:
            return
        began_pricing = time.perf_counter()
        outcome = subproblem.solve(plan.astype(float), highspy.kHighsInf if best is None else left())
        pricing[0] = time.perf_counter() - began_pricing
        if outcome is None:
            return
        priced.add(key)
        flow, cut, x = outcome
        master.add(cut)
        total = float(fixed @ plan) + flow
        if best is None or total < best[0]:
            best = (total, plan.astype(bool), x)

    price(np.ones(len(fixed), dtype=bool))  # always a plan: every site open
    bound, rounds = eta_floor, 0
    # (1) the LP relaxation of the master, in-out stabilised
    core = np.ones(len(fixed))
    stalled, lp_deadline = 0, began + LP_SHARE * time_limit
    while time.perf_counter() < lp_deadline and best is not None and stalled < LP_STALL_ROUNDS:
        solved = master.solve(lp_deadline - time.perf_counter())
        if solved is None:
            break
        y, eta, lp_bound = solved
        stalled = stalled + 1 if lp_bound - bound <= LP_STALL * abs(best[0]) else 0
        bound = max(bound, lp_bound)
        if relative_gap(best[0], bound) <= rel_gap:
            break
        point = IN_OUT_WEIGHT * y + (1 - IN_OUT_WEIGHT) * core
        outcome = subproblem.solve(point, lp_deadline - time.perf_counter())
        if outcome is None:
            break
        rounds += 1
        _, cut, _ = outcome
        master.add(cut)
        if cut.at(y) <= eta + 1e-9 * max(1.0, abs(eta)):  # the cut at the in-out point misses y: separate y itself
            outcome = subproblem.solve(y, lp_deadline - time.perf_counter())
            if outcome is None:
                break
            rounds += 1
            master.add(outcome[1])
        core = 0.5 * (core + y)
        if rounds % 5 == 0:
            price(round_up(y, capacity, total_demand))
    if rounds:
        price(round_up(core, capacity, total_demand))
    # (2) the integer master, solved ever closer, each new plan it found priced (and cut off if priced too low)
    master.make_integer()
    solves = 0
    while best is not None and relative_gap(best[0], bound) > rel_gap and left() > MIN_SECONDS:
        master_gap = max(rel_gap / 2, MASTER_GAP_SHARE * relative_gap(best[0], bound))
        master.highs.setOptionValue("mip_rel_gap", master_gap)
        start = np.concatenate([best[1].astype(float), [best[0] - float(fixed @ best[1])]])
        seconds = left() - PRICED_PER_SOLVE * pricing[0]
        if seconds <= MIN_SECONDS:
            break
        solved = master.solve(seconds, start)
        solves += 1
        if solved is None:
            break
        y, _, master_bound = solved
        bound = max(bound, master_bound)
        new = {plan.tobytes(): plan for plan in [*master.found, y > 0.5] if plan.tobytes() not in priced}
        if not new and master_gap <= rel_gap / 2:
            break  # the master's plan is priced already, so its η is its cost: its bound is the bound
        for plan in list(new.values())[-PRICED_PER_SOLVE:]:
            if left() > MIN_SECONDS:
                price(plan)
    assert best is not None, "the all-open plan is always feasible"
    objective, plan, x = best
    return BendersResult(objective, min(bound, objective), plan, x, rounds, solves, master.cuts,
                         time.perf_counter() - began)
