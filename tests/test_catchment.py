"""Catchment rules (policy.catchment, catchment_exceptions, county_capacity_above_tpd) on a tiny instance.

County A (410102, prefecture 410100) makes 300 t/d and has only a candidate site N; county B (410202,
prefecture 410200) makes 100 t/d and has the existing plant P (500 t/d, not expandable), 50 km from A.
Opening N costs 1.3e7 CNY/yr (site 1e7 + one 300 t/d line 3e6), so without a rule A ships to P:
365 × (300 × (50 + 10) + 100 × (5 + 10)) = 7,117,500 CNY/yr. Kept in its prefecture, A must open N:
1.3e7 + 365 × (300 × (2 + 10) + 100 × (5 + 10)) = 14,861,500 CNY/yr.
"""
from __future__ import annotations

import pandas as pd
import pytest

from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario import Scenario
from wasteopt.siting.explain import unreachable_nodes
from wasteopt.milp import MilpStatus
from wasteopt.siting import solve_problem
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.problem import SitingProblem, Technology
from wasteopt.siting.scenario_problem import catchment_arcs, catchment_rule_text, local_capacity_rules
from wasteopt.siting.pipeline import explain

PLANT = Technology("incinerator", ("msw",), module_sizes_tpd=(300.0,), module_annual_cost=(3e6,),
                   site_annual_cost=1e7, max_modules=2, availability=1.0, cost_per_t=10.0)
DEMAND = pd.DataFrame({"name_zh": ["甲县", "乙县"], "name_en": ["A", "B"], "prefecture_adcode": ["410100", "410200"],
                       "msw_tpd": [300.0, 100.0]}, index=pd.Index(["410102", "410202"], name="node_id"))
SITES = pd.DataFrame({"technology": ["incinerator", "incinerator"], "adcode": ["410202", "410102"],
                      "existing_capacity_tpd": [500.0, 0.0], "existing_modules": [1, 0], "is_new": [False, True],
                      "expandable": [False, True], "lock": ["", ""]}, index=pd.Index(["P", "N"], name="site_id"))
ARCS = pd.DataFrame([("410102", "P", "msw", 50.0, 50.0), ("410102", "N", "msw", 2.0, 2.0),
                     ("410202", "P", "msw", 5.0, 5.0), ("410202", "N", "msw", 50.0, 50.0)],
                    columns=["origin", "destination", "stream", "km", "cost_per_t"])
PROVINCE_COST = 7_117_500.0
KEPT_IN_PREFECTURE_COST = 14_861_500.0


def problem_under(policy: dict, sites: pd.DataFrame = SITES) -> SitingProblem:
    scenario = Scenario(name="tiny").with_changes({"policy": policy})
    return SitingProblem(demand=DEMAND[["msw_tpd"]].rename(columns={"msw_tpd": "msw"}), sites=sites,
                         technologies={"incinerator": PLANT}, arcs=catchment_arcs(scenario, DEMAND, sites, ARCS[ARCS["destination"].isin(sites.index)]),
                         local_capacity=local_capacity_rules(scenario, DEMAND, sites),
                         reach_rule=catchment_rule_text(scenario))


def solved(policy: dict):
    solution = solve_problem(problem_under(policy), time_limit=10, rel_gap=0.0)
    return solution, solution.flows.set_index(["origin", "destination"])["tonnes_per_day"]


def test_without_a_rule_county_a_ships_across_the_border():
    solution, flows = solved({})
    assert solution.objective == pytest.approx(PROVINCE_COST)
    assert flows[("410102", "P")] == pytest.approx(300.0)


def test_prefecture_catchment_forbids_the_cross_border_shipment():
    solution, flows = solved({"catchment": "prefecture"})
    assert solution.objective == pytest.approx(KEPT_IN_PREFECTURE_COST)
    assert ("410102", "P") not in flows.index
    assert flows[("410102", "N")] == pytest.approx(300.0)


def test_a_listed_exception_allows_the_shipment_again():
    # a prefecture code stands for all its counties; unquoted YAML numbers are read as adcodes
    solution, flows = solved({"catchment": "county", "catchment_exceptions": [{"origin": 410100, "destination": "410202"}]})
    assert solution.objective == pytest.approx(PROVINCE_COST)
    assert flows[("410102", "P")] == pytest.approx(300.0)


def test_an_exception_allows_one_direction_only():
    problem = problem_under({"catchment": "prefecture", "catchment_exceptions": [{"origin": "410200", "destination": "410100"}]})
    assert set(zip(problem.arcs["origin"], problem.arcs["destination"])) == {
        ("410102", "N"), ("410202", "P"), ("410202", "N")}


def test_a_county_above_the_threshold_gets_its_own_plant():
    solution, flows = solved({"county_capacity_above_tpd": 250})
    assert solution.objective == pytest.approx(KEPT_IN_PREFECTURE_COST)
    assert bool(solution.sites.at["N", "opened"])
    solution, _ = solved({"county_capacity_above_tpd": 350})  # A's 300 t/d is below it: no rule
    assert solution.objective == pytest.approx(PROVINCE_COST)


def test_explanation_names_the_catchment_rule():
    closed = SITES.assign(lock=["", "closed"])
    problem = problem_under({"catchment": "prefecture"}, closed)
    reasons = unreachable_nodes(problem, prepare_arcs(problem), DEMAND[["name_zh", "name_en"]], 150)
    assert list(reasons["node"]) == ["410102"]
    assert reasons.at[0, "reason"] == ("every site within reach and within its prefecture (市域统筹) under "
                                       "policy.catchment = prefecture is locked closed (N; policy.locked_closed)")
    alone = problem_under({"catchment": "county"}, SITES.drop(index="N"))
    reasons = unreachable_nodes(alone, prepare_arcs(alone), DEMAND[["name_zh", "name_en"]], 150)
    assert reasons.at[0, "reason"] == ("no plant, candidate site or landfill within max_haul_km = 150 km and within "
                                       "its county under policy.catchment = county")


def test_explanation_names_the_county_that_needs_its_own_plant():
    closed = SITES.assign(lock=["", "closed"])
    problem = problem_under({"county_capacity_above_tpd": 250}, closed)
    assert solve_problem(problem, time_limit=10).result.status == MilpStatus.INFEASIBLE
    explanation = explain(problem, DEMAND[["name_zh", "name_en"]], time_limit=10)
    assert explanation.policy == (("policy.county_capacity_above_tpd: 410102 甲县 makes 300 t/d > 250 t/d, so it "
                                   "needs new incinerator sites ≥ 1 within its borders", 1.0),)
    assert "short by 1 site(s)" in str(explanation)


def test_unknown_exception_code_is_a_one_line_error():
    with pytest.raises(ScenarioError, match=r"policy.catchment_exceptions.0.destination': 419999 is neither"):
        problem_under({"catchment": "prefecture", "catchment_exceptions": [{"origin": "410100", "destination": "419999"}]})
    with pytest.raises(ScenarioError, match="catchment_exceptions.0.origin"):
        Scenario(name="t").with_changes({"policy": {"catchment_exceptions": [{"origin": "41A", "destination": "410100"}]}})
