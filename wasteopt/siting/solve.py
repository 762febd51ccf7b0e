"""Scenario in, SitingPlan out: region → network → MILP → solver → plan (or an explanation)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from wasteopt.errors import InfeasibleError, ScenarioError
from wasteopt.plan import SitingPlan
from wasteopt.region import Region, load_region
from wasteopt.scenario import Scenario
from wasteopt.siting.explain import (Explanation, explain_from_slack, infeasible_message, raise_if_unreachable,
                                    raise_unless_plan)
from wasteopt.siting.milp import INFEASIBLE
from wasteopt.siting.model import SitingSolution, prepare_arcs, solve_problem
from wasteopt.siting.phasing import build_capital, solve_phases, year_scenario
from wasteopt.siting.problem import SitingProblem
from wasteopt.siting.scenario_problem import WAN, build_problem, demand_table


def solve_scenario(scenario: Scenario, *, backend: str | None = None, time_limit: float | None = None,
                   rel_gap: float | None = None, region: Region | None = None) -> SitingPlan:
    """Solve the scenario's siting MILP. Raises InfeasibleError (with an Explanation) when no plan exists."""
    solver = scenario.solver
    backend = backend or solver.backend
    time_limit = solver.time_limit_s if time_limit is None else time_limit
    rel_gap = solver.rel_gap if rel_gap is None else rel_gap
    if scenario.phasing.years:  # one linked model over the years; each year loads its own region
        return solve_phased(scenario, backend=backend, time_limit=time_limit, rel_gap=rel_gap)
    region = region or load_region(scenario)
    problem = build_problem(scenario, region)
    names = region.demand[["name_zh", "name_en"]]
    raise_if_unreachable(problem, prepare_arcs(problem), names, scenario.network.max_haul_km)
    solution = solve_problem(problem, backend=backend, time_limit=time_limit, rel_gap=rel_gap, threads=solver.threads)
    if solution.result.status == INFEASIBLE:
        explanation = explain(problem, names, backend=backend, time_limit=time_limit,
                              max_haul_km=scenario.network.max_haul_km)
        raise InfeasibleError(infeasible_message(explanation), explanation)
    raise_unless_plan(solution.result, time_limit, "raise solver.time_limit_s or relax the policy")
    return make_plan(scenario, region, problem, solution)


def explain(problem: SitingProblem, names: pd.DataFrame, *, backend: str = "highs", time_limit: float = 60,
            max_haul_km: float | None = None) -> Explanation:
    """Solve an elastic copy and report the slack it needed."""
    elastic = solve_problem(problem, backend=backend, time_limit=time_limit, rel_gap=0.01, elastic=True)
    arcs = prepare_arcs(problem)
    return explain_from_slack(problem, elastic.unserved, elastic.policy_slack, arcs, names, max_haul_km)


def make_plan(scenario: Scenario, region: Region, problem: SitingProblem, solution: SitingSolution) -> SitingPlan:
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
    table["utilisation"] = np.where(table["capacity_tpd"] > 0, table["throughput_tpd"] / table["capacity_tpd"], np.nan)
    table["prefecture_adcode"] = table["adcode"].map(region.demand["prefecture_adcode"])
    table = table[["name_zh", "name_en", "technology", "status", "existing_capacity_tpd", "new_modules",
                   "module_size_tpd", "capacity_tpd", "throughput_tpd", "raw_msw_tpd", "utilisation",
                   "adcode", "prefecture_adcode", "lon", "lat"]]

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
    return SitingPlan(scenario=scenario, region=region, status=result.status, objective=result.objective,
                      best_bound=result.best_bound, gap=result.gap, solve_seconds=result.seconds,
                      backend=result.backend, facilities=table, flows=flows.reset_index(drop=True),
                      demand=demand, message=result.message)


def solve_phased(scenario: Scenario, *, backend: str | None = None, time_limit: float | None = None,
                 rel_gap: float | None = None) -> SitingPlan:
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
    phased = solve_phases(problems, years, time_limit=time_limit, rel_gap=rel_gap, threads=solver.threads, **options)
    if phased.result.status == INFEASIBLE:
        elastic = solve_phases(problems, years, time_limit=time_limit, rel_gap=0.01, elastic=True, **options)
        final = elastic.solutions[-1]
        explanation = explain_from_slack(last, final.unserved, final.policy_slack, prepare_arcs(last), names,
                                         scenario.network.max_haul_km)
        budget = "" if options["budget_per_year"] is None else \
            f" with a build budget of {scenario.phasing.build_budget_wan_cny_per_year:,.0f} 万元/yr"
        raise InfeasibleError(f"the phased scenario is infeasible{budget}:\n{explanation}", explanation)
    raise_unless_plan(phased.result, time_limit, "raise solver.time_limit_s, use fewer phasing.years or relax the policy")
    plan = make_plan(scenario, region, last, phased.solutions[-1])
    facilities = plan.facilities.join(phased.schedule)
    return dataclasses.replace(plan, facilities=facilities, capacity_path=phased.path)


def _budget(scenario: Scenario) -> float | None:
    budget = scenario.phasing.build_budget_wan_cny_per_year
    return None if budget is None else budget * WAN
