"""Scenario + Region → SitingPlan, for one year or several years linked (phasing).

The layers below, each importing only those under it: ``wasteopt.milp`` (a matrix model and the
HiGHS/CBC adapters), ``formulation`` (a SitingProblem as a model, and the solution read back),
``search`` (the local search beside HiGHS). Here a problem is built from the scenario, solved
(with the search unless ``solver.search`` is off), explained when infeasible, and assembled into
the plan the KPIs, exports and reports read.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Sequence, TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import InfeasibleError, ScenarioError
from wasteopt.config.status import MilpStatus
from wasteopt.milp import solve_milp
from wasteopt.siting.plan import FuturesAssessment, SitingPlan
from wasteopt.data.region import Region, load_region
from wasteopt.data.townships import county_prefecture
from wasteopt.config.scenario.futures import MEAN_VALUE
from wasteopt.config.scenario.schema import Scenario
from wasteopt.config.changes import changes_text, scenario_changes
from wasteopt.siting.explain import explain_from_slack, infeasible_message, raise_if_unreachable, raise_unless_plan
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.formulation.model import build_milp
from wasteopt.siting.formulation.phasing import BuildCapital, build_phased_milp, read_phased_solution
from wasteopt.siting.formulation.solution import read_solution
from wasteopt.siting.futures import (Evaluator, build_futures_milp, plant_decisions, read_futures_solution,
                                     start_from)
from wasteopt.siting.problem import WAN, SitingProblem
from wasteopt.siting.radius import solve_pmedian
from wasteopt.siting.economics import incinerator_capital_cny
from wasteopt.siting.scenario_problem import build_problem, demand_table
from wasteopt.siting.bounds import Tightened, pays, tighten, with_bound
from wasteopt.siting.bounds.cflp import BENDERS_MIN_ARCS, cflp_arrays, solve_cflp
from wasteopt.siting.search import LocalSearch
from wasteopt.siting.search.restriction import greedy_start
from wasteopt.siting.warm_start import warm_start

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.highs import SolveWatch
    from wasteopt.milp.model import LinearModel
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.explain import Explanation
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.formulation.phasing import PhasedSolution
    from wasteopt.siting.formulation.solution import SitingSolution
    from wasteopt.siting.scenario_problem import ScenarioProblem

GREEDY_SHARE = 0.1     # of the time limit, at most, to route the greedy plan, and again for the Lagrangean bound
                       # (safety nets: both have work budgets)
GREEDY_START_COLUMNS = 20_000  # from this many columns HiGHS may take minutes at the root before its first plan
LAST_YEAR_SHARE = 0.2  # of the time limit, at most, to solve the last year alone for a start
TIMING_SHARE = 0.1     # then at most this much to choose when to build what that plan holds
ALONE_SHARE = 0.3      # of the time limit, for all futures solved alone (each its even part)
START_SHARE = 0.1      # at most, to operate (or repair) the central plan in every future: the linked model's start
EVALUATION_LIMIT_S = 60.0  # per plan and future, with the plants fixed (a near-LP)
_LAST_YEAR_ONLY = {  # policy caps and targets bind in the last year; earlier years landfill at a cost
    "raw_msw_landfill_cap_tpd": None, "province_capacity_target_tpd": None, "new_plants": {"min": None},
    "landfills_stopped_min": None, "landfills_restored_min": None, "locked_open": [],
    "county_capacity_above_tpd": None,
}


# ----------------------------------------------------------------------------- problems

def solve_problem(problem: SitingProblem, *, backend: str = "highs", time_limit: float = 60.0,
                  rel_gap: float = 1e-4, threads: int = 0, elastic: bool = False,
                  search: LocalSearch | None = LocalSearch(), base_plan: pd.DataFrame | None = None,
                  watch: SolveWatch | None = None, bounds: str = "auto", greedy_first: bool = False) -> SitingSolution:
    """Build, solve and read back; the status/gap come from the solver's own bound. ``search`` runs beside
    HiGHS (never beside CBC); None: plain HiGHS. ``base_plan`` (a plan's facilities table, HiGHS only) gives
    HiGHS its first plan (see ``warm_start``); ``watch`` sees the solve's progress and may stop it. ``bounds``
    ("auto" or "off", see ``siting.bounds``): a Lagrangean bound beside HiGHS's where the model allows. A pure
    p-median (or set cover, max coverage) with the search on and ``bounds`` auto goes to the radius formulation
    (``radius.solve_pmedian``) instead; ``bounds`` off keeps it on the classic model. ``greedy_first``: HiGHS
    starts from the greedy plan whatever the model's size, the greedy placing all waste at capacitated sites
    and leaving the uncapacitated ones (a priced piece's export) to the routing of its plan."""
    if search is not None and bounds == "auto" and backend == "highs" and base_plan is None and not elastic:
        solution = solve_pmedian(problem, time_limit=time_limit, rel_gap=rel_gap, threads=threads)
        if solution is not None:
            return solution
    return _solve_indexed(problem, backend=backend, time_limit=time_limit, rel_gap=rel_gap, threads=threads,
                          elastic=elastic, search=search, base_plan=base_plan, watch=watch, bounds=bounds,
                          greedy_first=greedy_first)[0]


def _solve_indexed(problem: SitingProblem, *, backend: str, time_limit: float, rel_gap: float, threads: int,
                   elastic: bool = False, search: LocalSearch | None, base_plan: pd.DataFrame | None = None,
                   watch: SolveWatch | None = None, bounds: str = "auto",
                   greedy_first: bool = False) -> tuple[SitingSolution, ModelIndex]:
    """``solve_problem``, and where each decision lives in the solution's columns."""
    began = time.perf_counter()
    m, idx, arcs = build_milp(problem, elastic=elastic)
    if bounds == "auto" and backend == "highs" and base_plan is None and not elastic and len(arcs) >= BENDERS_MIN_ARCS:
        cflp = cflp_arrays(problem, m, idx, arcs)
        if cflp is not None and cflp.capacity.sum() >= cflp.demand.sum():  # else HiGHS proves it infeasible
            if watch is not None:
                watch.note("按 Benders 分解求解选址问题 the CFLP by Benders decomposition")
            result = solve_cflp(m, cflp, time_limit=max(0.0, time_limit - (time.perf_counter() - began)),
                                rel_gap=rel_gap, threads=threads)
            return read_solution(problem, idx, arcs, dataclasses.replace(result, seconds=time.perf_counter() - began)), idx
    start = None
    if base_plan is not None:
        if backend != "highs":
            raise ScenarioError("a warm start needs the highs backend (solver.backend)")
        start = warm_start(problem, m, idx, base_plan, time_limit=time_limit, rel_gap=rel_gap, threads=threads)
    greedy, tightened = None, Tightened(m, None, None, False)
    # The greedy first plan, HiGHS's start search or not, where HiGHS may be slow to find one (large models) and
    # for the bound; the greedy splits waste, so a single-sourced model is HiGHS's.
    if backend == "highs" and base_plan is None and not idx.arc_single.any():
        bounded = bounds == "auto" and not elastic and pays(problem, m, idx, arcs)
        if bounded or greedy_first or m.num_vars >= GREEDY_START_COLUMNS:
            capacitated = problem.sites["technology"].map(lambda t: problem.technologies[t].capacitated)
            uncapacitated = frozenset(capacitated.index[~capacitated.astype(bool)]) if greedy_first else frozenset()
            greedy = greedy_start(problem, m, idx, arcs, seconds=GREEDY_SHARE * time_limit, closed=uncapacitated)
        if bounded:
            tightened = tighten(problem, m, idx, arcs, greedy, seconds=GREEDY_SHARE * time_limit)
            greedy = tightened.start
        start = None if greedy is None else greedy.routed
    highs_model = tightened.model
    left = max(0.0, time_limit - (time.perf_counter() - began))
    beside = search.beside(problem, highs_model, idx, arcs, rel_gap, greedy) \
        if search is not None and backend == "highs" else None
    result = solve_milp(highs_model, backend, time_limit=left, rel_gap=rel_gap, threads=threads, companion=beside,
                        start=start, watch=watch)
    note = ""
    if base_plan is not None:
        note = " + a warm start from the base run's plan" if start is not None else \
            " (the base run's plan could not be repaired in time: solved cold)"
    elif greedy is not None:
        among = " among the sites the Lagrangean subproblems open" if tightened.from_bound else ""
        note = " + a greedy first plan" + among
        first = float(highs_model.cost_vector() @ start) + highs_model.offset
        if result.has_solution and result.objective >= first - 1e-9 * max(1.0, abs(first)):
            note += ", returned as it is (no better plan found in time)"
    result = dataclasses.replace(result, seconds=time.perf_counter() - began, message=result.message + note)
    result = with_bound(result, tightened.bound, rel_gap)
    return read_solution(problem, idx, arcs, result), idx


def solve_phases(problems: Sequence[SitingProblem], years: Sequence[int], *, discount_rate: float = 0.0,
                 capital: BuildCapital | None = None, budget_per_year: float | None = None,
                 backend: str = "highs", time_limit: float = 60.0, rel_gap: float = 1e-4, threads: int = 0,
                 elastic: bool = False, plant_technology: str | None = None,
                 search: LocalSearch | None = LocalSearch(), watch: SolveWatch | None = None) -> PhasedSolution:
    """Solve one problem per year as one linked MILP (see ``formulation.build_phased_milp``). With HiGHS the
    linked model starts from the last year's own plan (solved alone, ``search`` beside it), then timed
    (built when it pays) with its decisions fixed. ``watch`` sees the linked solve."""
    phased = build_phased_milp(problems, years, discount_rate=discount_rate, capital=capital,
                               budget_per_year=budget_per_year, elastic=elastic, plant_technology=plant_technology)
    began = time.perf_counter()
    start = None
    if backend == "highs" and len(phased.years) > 1 and not elastic:
        last = phased.blocks[-1]
        start = _last_year_start(phased.model, phased.problems[-1], last.first, last.end, time_limit, rel_gap,
                                 threads, search)
    result = solve_milp(phased.model, backend, time_limit=max(0.0, time_limit - (time.perf_counter() - began)),
                        rel_gap=rel_gap, threads=threads, start=start, watch=watch)
    note = " + a start from the last year's own plan, timed" if start is not None else ""
    result = dataclasses.replace(result, seconds=time.perf_counter() - began, message=result.message + note)
    return read_phased_solution(phased, result)


def _last_year_start(m: LinearModel, last: SitingProblem, first: int, end: int, time_limit: float,
                     rel_gap: float, threads: int, search: LocalSearch | None) -> np.ndarray | None:
    """A plan for the linked model to start from: the last year solved alone, its integer decisions
    (sites, modules, stops; columns ``first``..``end`` of ``m``) fixed, and HiGHS choosing when to build
    what it holds. On large phased models this start closes much of the gap HiGHS leaves alone.
    None if either solve finds no plan."""
    alone = solve_problem(last, time_limit=LAST_YEAR_SHARE * time_limit, rel_gap=rel_gap, threads=threads,
                          search=search)
    if not alone.result.has_solution:
        return None
    assert alone.result.x.size == end - first, "the last year's block and its own model must match column for column"
    integer = m.integer_columns
    integer = integer[(integer >= first) & (integer < end)]
    values = np.round(alone.result.x[integer - first])
    timed = solve_milp(m.fixed(integer, values), "highs", time_limit=TIMING_SHARE * time_limit, rel_gap=rel_gap,
                       threads=threads)
    return timed.x if timed.has_solution else None


# ----------------------------------------------------------------------------- scenarios

def solve_scenario(scenario: Scenario, *, backend: str | None = None, time_limit: float | None = None,
                   rel_gap: float | None = None, region: Region | None = None, base_plan: pd.DataFrame | None = None,
                   watch: SolveWatch | None = None) -> SitingPlan:
    """Solve the scenario's siting MILP. Raises InfeasibleError (with an Explanation) when no plan exists.
    ``base_plan``: a base run's facilities table to start from (one-year scenarios); ``watch``: progress, stop."""
    solver = scenario.solver
    backend = backend or solver.backend
    time_limit = solver.time_limit_s if time_limit is None else time_limit
    rel_gap = solver.rel_gap if rel_gap is None else rel_gap
    if scenario.phasing.years:  # one linked model over the years; each year loads its own region
        if base_plan is not None:
            raise ScenarioError("key 'phasing.years': a warm start is for one-year what-ifs; a phased run starts "
                                "from its last year's own plan")
        return solve_phased(scenario, backend=backend, time_limit=time_limit, rel_gap=rel_gap, watch=watch)
    if scenario.uncertainty is not None:  # one linked model over the futures; each loads its own region
        if base_plan is not None:
            raise ScenarioError("key 'uncertainty': a warm start is for one-year what-ifs; a plan for several "
                                "futures starts from the central future's own plan")
        return solve_futures(scenario, backend=backend, time_limit=time_limit, rel_gap=rel_gap, watch=watch)
    region = region or load_region(scenario)
    problem = build_problem(scenario, region)
    names = region.demand[["name_zh", "name_en"]]
    raise_if_unreachable(problem, prepare_arcs(problem), names, scenario.network.max_haul_km)
    solution = solve_problem(problem, backend=backend, time_limit=time_limit, rel_gap=rel_gap, threads=solver.threads,
                             search=scenario_search(scenario), base_plan=base_plan, watch=watch, bounds=solver.bounds)
    if solution.result.status == MilpStatus.INFEASIBLE:
        explanation = explain(problem, names, backend=backend, time_limit=time_limit,
                              max_haul_km=scenario.network.max_haul_km, search=scenario_search(scenario))
        raise InfeasibleError(infeasible_message(explanation), explanation)
    raise_unless_plan(solution.result, time_limit, "raise solver.time_limit_s or relax the policy")
    return assemble_plan(scenario, region, problem, solution, rel_gap=rel_gap)


def scenario_search(scenario: Scenario) -> LocalSearch | None:
    """The local search the scenario's solver section asks for (None: plain HiGHS)."""
    solver = scenario.solver
    return LocalSearch(seed=solver.search_seed) if solver.search else None


def explain(problem: SitingProblem, names: pd.DataFrame, *, backend: str = "highs", time_limit: float = 60,
            max_haul_km: float | None = None, search: LocalSearch | None = LocalSearch()) -> Explanation:
    """Solve an elastic copy and report the slack it needed."""
    elastic = solve_problem(problem, backend=backend, time_limit=time_limit, rel_gap=0.01, elastic=True, search=search)
    arcs = prepare_arcs(problem)
    return explain_from_slack(problem, elastic.unserved, elastic.policy_slack, arcs, names, max_haul_km)


def solve_phased(scenario: Scenario, *, backend: str | None = None, time_limit: float | None = None,
                 rel_gap: float | None = None, watch: SolveWatch | None = None) -> SitingPlan:
    """The plan of the last phasing year, its facilities with ``year_built`` / ``year_stopped`` and its
    ``capacity_path`` per year. Raises InfeasibleError (with an Explanation) when no plan exists."""
    years, solver = scenario.phasing.years, scenario.solver
    if not years:
        raise ScenarioError("key 'phasing.years': no years to phase (use solve_scenario for one year)")
    if scenario.objective.kind != "min_cost":
        raise ScenarioError(f"key 'objective.kind': phasing needs min_cost, not {scenario.objective.kind}")
    if scenario.policy.fixed_plants_file:
        raise ScenarioError("key 'policy.fixed_plants_file': a fixed plan is a one-year what-if; "
                            "phasing decides when plants are built (remove one of the two)")
    if years[0] <= scenario.region.baseline_year or years[-1] != scenario.region.target_year:
        raise ScenarioError(f"key 'phasing.years': must lie after region.baseline_year "
                            f"({scenario.region.baseline_year}) and end at region.target_year ({scenario.region.target_year})")
    backend = backend or solver.backend
    time_limit = solver.time_limit_s if time_limit is None else time_limit
    rel_gap = solver.rel_gap if rel_gap is None else rel_gap
    yearly = [year_scenario(scenario, t) for t in years]
    regions: list[Region] = [load_region(s) for s in yearly]
    problems = [build_problem(s, r) for s, r in zip(yearly, regions)]
    last, region = problems[-1], regions[-1]
    names = region.demand[["name_zh", "name_en"]]
    raise_if_unreachable(last, prepare_arcs(last), names, scenario.network.max_haul_km)
    options = dict(discount_rate=scenario.economics.discount_rate, capital=build_capital(scenario),
                   budget_per_year=_budget(scenario), backend=backend, plant_technology="incinerator")
    phased = solve_phases(problems, years, time_limit=time_limit, rel_gap=rel_gap, threads=solver.threads,
                          search=scenario_search(scenario), watch=watch, **options)
    if phased.result.status == MilpStatus.INFEASIBLE:
        elastic = solve_phases(problems, years, time_limit=time_limit, rel_gap=0.01, elastic=True,
                               search=scenario_search(scenario), **options)
        final = elastic.solutions[-1]
        explanation = explain_from_slack(last, final.unserved, final.policy_slack, prepare_arcs(last), names,
                                         scenario.network.max_haul_km)
        budget = "" if options["budget_per_year"] is None else \
            f" with a build budget of {scenario.phasing.build_budget_wan_cny_per_year:,.0f} 万元/yr"
        raise InfeasibleError(f"the phased scenario is infeasible{budget}:\n{explanation}", explanation)
    raise_unless_plan(phased.result, time_limit, "raise solver.time_limit_s, use fewer phasing.years or relax the policy")
    plan = assemble_plan(scenario, region, last, phased.solutions[-1], rel_gap=rel_gap)
    facilities = plan.facilities.join(phased.schedule)
    return dataclasses.replace(plan, facilities=facilities, capacity_path=phased.path)


def solve_futures(scenario: Scenario, *, backend: str | None = None, time_limit: float | None = None,
                  rel_gap: float | None = None, watch: SolveWatch | None = None) -> SitingPlan:
    """One plan for the scenario's futures (``uncertainty``): each future solved alone first (its own
    optimum and plan), then the linked model started from the central future's plan, then every plan priced
    in every future with its plants fixed. The plan returned operates in the central future (the heaviest)
    and carries the assessment in ``futures``. ``watch`` hears each step and sees the linked solve."""
    uncertainty, solver = scenario.uncertainty, scenario.solver
    if uncertainty is None:
        raise ScenarioError("key 'uncertainty': no futures to plan for (use solve_scenario)")
    backend = backend or solver.backend
    time_limit = solver.time_limit_s if time_limit is None else time_limit
    rel_gap = solver.rel_gap if rel_gap is None else rel_gap
    futures = uncertainty.futures
    names = [f.name for f in futures]
    weights = [f.weight for f in futures]
    scenarios = [scenario.future_scenario(i) for i in range(len(futures))]
    regions = [load_region(s) for s in scenarios]
    problems = [build_problem(s, r) for s, r in zip(scenarios, regions)]
    mean_value = scenario.mean_value_scenario()
    mean_value_problem = build_problem(mean_value, load_region(mean_value))
    base = scenario.with_changes({"uncertainty": None})
    words = {lang: [changes_text(scenario_changes(base, s), lang) for s in scenarios] for lang in ("zh", "en")}
    for problem, region in zip(problems, regions):
        raise_if_unreachable(problem, prepare_arcs(problem), region.demand[["name_zh", "name_en"]],
                             scenario.network.max_haul_km)
    try:
        solved = solve_futures_problems(problems, names, weights, objective=uncertainty.objective,
                                        policy_scope=uncertainty.policy_scope, backend=backend, time_limit=time_limit,
                                        rel_gap=rel_gap, threads=solver.threads, search=scenario_search(scenario),
                                        mean_value=mean_value_problem, watch=watch)
    except FutureInfeasibleError as error:
        i, name = error.future, names[error.future]
        explanation = explain(problems[i], regions[i].demand[["name_zh", "name_en"]], backend=backend,
                              time_limit=time_limit, max_haul_km=scenario.network.max_haul_km,
                              search=scenario_search(scenario))
        raise InfeasibleError(f"future '{name}' alone is infeasible: {infeasible_message(explanation)}",
                              explanation) from None
    assessment = solved.assessment
    assessment = dataclasses.replace(assessment, futures=assessment.futures.assign(changes_zh=words["zh"],
                                                                                   changes_en=words["en"]))
    central = names.index(assessment.central)
    plan = assemble_plan(scenarios[central], regions[central], problems[central], solved.solutions[central],
                         rel_gap=rel_gap)
    return dataclasses.replace(plan, scenario=scenario, futures=assessment)


class FutureInfeasibleError(InfeasibleError):
    """Future number ``future`` has no plan even alone."""

    def __init__(self, message: str, future: int):
        super().__init__(message, None)
        self.future = future


@dataclass(frozen=True)
class FuturesSolve:
    """The linked solve (status, objective, proven gap), each future's solution in it, and the assessment."""

    result: MilpResult
    solutions: tuple[SitingSolution, ...]
    assessment: FuturesAssessment


def solve_futures_problems(problems: Sequence[SitingProblem], names: Sequence[str], weights: Sequence[float], *,
                           objective: str = "expected", policy_scope: str = "every_future", backend: str = "highs",
                           time_limit: float = 60.0, rel_gap: float = 1e-4, threads: int = 0,
                           search: LocalSearch | None = LocalSearch(),
                           mean_value: SitingProblem | None = None, watch: SolveWatch | None = None) -> FuturesSolve:
    """One plan for the futures ``problems``: each solved alone (its optimum and plan), and the ``mean_value``
    problem (the futures' expected parameters) if given, all to ``rel_gap``; then the linked model
    (``futures.build_futures_milp``) started from the central (heaviest) future's plan, then every plan priced
    in every future with its plants fixed. Raises InfeasibleError naming the future that has no plan alone.
    ``watch`` is told each step (:meth:`SolveWatch.note`) and watches the linked solve (its plan and bound)."""
    note = watch.note if watch is not None else (lambda text: None)
    began = time.perf_counter()
    central = max(range(len(names)), key=lambda i: (weights[i], -i))
    share = ALONE_SHARE * time_limit / (len(names) + (mean_value is not None))
    alone, decisions = [], []
    for i, (name, problem) in enumerate(zip(names, problems)):
        note(f"情景 {i + 1}/{len(names)} 单独求解 future {i + 1} of {len(names)} alone: {name} (≤ {share:,.0f} s)")
        solution, idx = _solve_indexed(problem, backend=backend, time_limit=share, rel_gap=rel_gap, threads=threads,
                                       search=search)
        if solution.result.status == MilpStatus.INFEASIBLE:
            raise FutureInfeasibleError(f"future '{name}' alone is infeasible", i)
        raise_unless_plan(solution.result, time_limit, f"raise solver.time_limit_s (future '{name}')")
        alone.append(solution)
        decisions.append(plant_decisions(idx, solution.result.x))
    optima = [s.result.objective for s in alone]
    reference = None
    if mean_value is not None:
        note(f"均值问题 the mean-value problem (≤ {share:,.0f} s)")
        reference, reference_idx = _solve_indexed(mean_value, backend=backend, time_limit=share, rel_gap=rel_gap,
                                                  threads=threads, search=search)
    linked = build_futures_milp(problems, weights, objective=objective, optima=optima, policy_scope=policy_scope)
    start, started_from = None, ""
    if backend == "highs":
        note(f"联合模型的初始方案 a start for the linked model from the central future's plan: {names[central]}")
        start, how = start_from(linked, decisions[central], time_limit=START_SHARE * time_limit, threads=threads)
        if start is not None:
            started_from = f" + a start from the plan for the central future '{names[central]}', {how}"
    left = max(1.0, time_limit - (time.perf_counter() - began))
    note(f"联合模型（全部 {len(names)} 种情景）the linked model of all {len(names)} futures (≤ {left:,.0f} s)")
    result = solve_milp(linked.model, backend, time_limit=left, rel_gap=rel_gap, threads=threads, start=start,
                        watch=watch)
    if result.status == MilpStatus.INFEASIBLE:
        raise InfeasibleError("every future alone has a plan, but no one plan meets the policy in all of them; "
                              "set uncertainty.policy_scope: expected_only or relax the policy", None)
    raise_unless_plan(result, time_limit, "raise solver.time_limit_s or use fewer futures")
    result = dataclasses.replace(result, seconds=time.perf_counter() - began, message=result.message + started_from)
    plans = {"robust": plant_decisions(linked.blocks[0].index, result.x)} | dict(zip(names, decisions))
    if reference is not None and reference.result.has_solution:
        plans[MEAN_VALUE] = plant_decisions(reference_idx, reference.result.x)
    outcomes = []
    note(f"各方案在各情景下定价 pricing each of {len(plans)} plans in each future")
    for name, problem in zip(names, problems):
        evaluator = Evaluator(problem)
        for plan_name, plan_decisions in plans.items():
            outcome = evaluator.evaluate(plan_decisions, time_limit=EVALUATION_LIMIT_S, threads=threads)
            outcomes.append({"plan": plan_name, "future": name,
                             "cost_cny": np.nan if outcome.cost is None else outcome.cost,
                             "raw_msw_landfill_tpd": np.nan if outcome.raw_landfill_tpd is None
                             else outcome.raw_landfill_tpd,
                             "shortfall_tpd": np.nan if outcome.shortfall_tpd is None else outcome.shortfall_tpd,
                             "status": outcome.status, "gap": np.nan if outcome.gap is None else outcome.gap})
    table = pd.DataFrame({"name": list(names), "weight": list(weights), "optimum_cny": optima,
                          "optimum_gap": [np.nan if s.result.gap is None else s.result.gap for s in alone]})
    bound = result.best_bound if objective == "expected" else None
    assessment = FuturesAssessment(objective, policy_scope, names[central], table, pd.DataFrame(outcomes),
                                   reference=MEAN_VALUE if MEAN_VALUE in plans else None,
                                   reference_gap=None if reference is None else reference.result.gap,
                                   robust_gap=result.gap, robust_bound_cny=bound, rel_gap=rel_gap)
    return FuturesSolve(result, tuple(read_futures_solution(linked, result)), assessment)


def year_scenario(scenario: Scenario, year: int) -> Scenario:
    """The single-year scenario of ``year``: its demand; the policy targets only if it is the last year."""
    changes: dict = {"region": {"target_year": year}, "phasing": {"years": []}}
    if year != scenario.phasing.years[-1]:
        changes["policy"] = _LAST_YEAR_ONLY
    return scenario.with_changes(changes)


def build_capital(scenario: Scenario) -> BuildCapital:
    """One-off incinerator capital (CNY) from the scenario's 万元 figures."""
    _, site_capital, line_capital = incinerator_capital_cny(scenario)
    return BuildCapital("incinerator", site_capital, line_capital)


def _budget(scenario: Scenario) -> float | None:
    budget = scenario.phasing.build_budget_wan_cny_per_year
    return None if budget is None else budget * WAN


# ----------------------------------------------------------------------------- the plan

def assemble_plan(scenario: Scenario, region: Region, problem: ScenarioProblem, solution: SitingSolution, *,
                  rel_gap: float | None = None) -> SitingPlan:
    """The plan in the words of the region: facilities with names, places and status, flows with ends, demand served;
    ``rel_gap`` the gap its solve was asked to stop at."""
    result = solution.result
    sites = problem.sites
    table = solution.sites.join(sites[["name_zh", "name_en", "adcode", "lon", "lat", "kind"]])
    flows = solution.flows.copy()
    raw_msw = flows[(flows["stream"] == "msw")].groupby("destination")["tonnes_per_day"].sum()
    table["raw_msw_tpd"] = raw_msw.reindex(table.index).fillna(0.0)
    landfill = table["technology"] == "landfill"
    used = (~landfill & table["opened"] & (table["capacity_tpd"] > 0)) | landfill
    table = table[used].copy()
    landfill = table["technology"] == "landfill"
    table["status"] = np.select(
        [landfill & table["restored"], landfill & ~table["running"], landfill, table["is_new"], table["new_modules"] > 0],
        ["landfill_restored", "landfill_stopped", "landfill_running", "new", "expanded"], "existing")
    table["utilisation"] = np.where(table["capacity_tpd"] > 0, table["load_tpd"] / table["capacity_tpd"], np.nan)
    table["prefecture_adcode"] = table["adcode"].map(county_prefecture(region.demand))
    volume = ["existing_volume_m3"] if "existing_volume_m3" in sites else []  # yards observed (cd.observed)
    table = table.join(sites[volume])[["name_zh", "name_en", "technology", "status", "existing_capacity_tpd",
                                       "new_modules", "module_size_tpd", "capacity_tpd", "throughput_tpd", "load_tpd",
                                       "raw_msw_tpd", "utilisation", "adcode", "prefecture_adcode", "lon", "lat",
                                       *volume]]

    location = pd.concat([region.demand[["lon", "lat", "name_zh"]], sites[["lon", "lat", "name_zh"]]])
    location = location[~location.index.duplicated()]
    for end in ("origin", "destination"):
        flows[f"{end}_name_zh"] = flows[end].map(location["name_zh"])
        flows[f"{end}_lon"] = flows[end].map(location["lon"])
        flows[f"{end}_lat"] = flows[end].map(location["lat"])
    flows["t_km_per_day"] = flows["tonnes_per_day"] * flows["km"]
    flows["destination_technology"] = flows["destination"].map(sites["technology"])
    flows = flows[["origin", "origin_name_zh", "destination", "destination_name_zh", "destination_technology",
                   "stream", "tonnes_per_day", "km", "t_km_per_day", "cost_per_t",
                   "origin_lon", "origin_lat", "destination_lon", "destination_lat"]]

    demand = demand_table(scenario, region)
    msw = flows[flows["stream"] == "msw"].sort_values("tonnes_per_day", ascending=False)
    main = msw.drop_duplicates("origin").set_index("origin")
    demand["served_by"] = main["destination"].reindex(demand.index)
    demand["served_by_name_zh"] = main["destination_name_zh"].reindex(demand.index)
    demand["haul_km"] = main["km"].reindex(demand.index)
    demand["destinations"] = msw.groupby("origin").size().reindex(demand.index).fillna(0).astype(int)
    return SitingPlan(scenario=scenario, region=region, status=str(result.status), objective=result.objective,
                      best_bound=result.best_bound, gap=result.gap, solve_seconds=result.seconds,
                      backend=result.backend, facilities=table, flows=flows.reset_index(drop=True),
                      demand=demand, economics=problem.economics, message=result.message, rel_gap=rel_gap)
