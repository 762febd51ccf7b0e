"""The KPIs as a typed result: read from the economics the plan carries, written as kpis.json's flat object, an old
run's kpis.json read back."""
from __future__ import annotations

import dataclasses
import json

import pytest
from test_imports import import_graph

from wasteopt import Kpis, compute_kpis, load_scenario, solve_scenario
from wasteopt.data.region import load_region
from wasteopt.reporting.kpi import kpi_text
from wasteopt.reporting.kpi_compute import annual_cost_cny
from wasteopt.siting.scenario_problem import build_problem

FENGQUAN = "周口市丰泉环保电力有限公司"  # the tiny region's plant in service since 2012: subsidised in 2020


@pytest.fixture(scope="module")
def early(tiny_seeds, tmp_path_factory):
    config = tmp_path_factory.mktemp("kpis") / "tiny.yaml"
    config.write_text(f"name: tiny 2020\nregion: {{seeds: {tiny_seeds}, target_year: 2020}}\n"
                      "demand: {calibration: null, sorted_out_share: 0.1}\npolicy: {raw_msw_landfill_cap_tpd: 0}\n"
                      "solver: {time_limit_s: 30, rel_gap: 0}\n", encoding="utf-8")
    return load_scenario(config)


@pytest.fixture(scope="module")
def plan(early):
    return solve_scenario(early)


def test_the_plan_carries_the_economics_its_problem_was_priced_with(early, plan):
    """丰泉 in 2020 sells at the 801 settlement (200.895 CNY/t: 76.188 above the 124.707 coal benchmark), which its
    expansion lines do not earn; the 10 % the shorthand diverts is paid at 244.0 CNY/t."""
    problem = build_problem(early, load_region(early))
    assert problem.economics.fixed_annual_cny == problem.fixed_annual_cost > 0
    assert plan.economics.fixed_annual_cny == pytest.approx(problem.fixed_annual_cost)
    fengquan = plan.facilities.index[plan.facilities["name_zh"] == FENGQUAN][0]
    tariff = plan.economics.plants.loc[fengquan]
    assert tariff["subsidised_share"] == 1.0
    assert tariff["power_revenue_cny_per_t"] == pytest.approx(200.895)
    assert tariff["power_subsidy_cny_per_t"] == pytest.approx(200.895 - 124.707)
    assert tariff["expansion_subsidy_cny_per_t"] == pytest.approx(200.895 - 124.707)
    assert plan.economics.residual_lhv_kj_per_kg == pytest.approx((5400 - 0.1 * 2417.75) / 0.9)
    assert plan.economics.heating_factors["msw"] == pytest.approx(5731.36 / 5400, abs=1e-5)
    assert set(plan.economics.technologies) == set(problem.technologies)


def test_the_kpis_read_the_economics_on_the_plan_not_the_scenario(plan):
    """A plan priced differently (1,000,000 CNY/yr more that every plan pays, 丰泉 paid 10 CNY/t more for its
    power) shows it in its system cost and power revenue: nothing recomputes the economics from the scenario."""
    assert annual_cost_cny(plan) == pytest.approx(plan.objective, rel=1e-6)
    fengquan = plan.facilities.index[plan.facilities["name_zh"] == FENGQUAN][0]
    plants = plan.economics.plants.copy()
    plants.loc[fengquan, "power_revenue_cny_per_t"] += 10.0
    repriced = dataclasses.replace(plan, economics=dataclasses.replace(
        plan.economics, fixed_annual_cny=plan.economics.fixed_annual_cny + 1e6, plants=plants))
    assert annual_cost_cny(repriced) == pytest.approx(annual_cost_cny(plan) + 1e6, abs=1e-3)
    msw = plan.flows[(plan.flows["destination"] == fengquan) & (plan.flows["stream"] == "msw")]
    extra = float(msw["tonnes_per_day"].sum()) * 10.0 * plan.economics.heating_factors["msw"] * 365 / 1e4
    assert extra > 0
    before, after = compute_kpis(plan), compute_kpis(repriced)
    assert after.budget.power_revenue_wan_cny_per_year == pytest.approx(
        before.budget.power_revenue_wan_cny_per_year + extra, abs=0.1)


def test_typed_fields_and_the_kpis_json_object_agree(plan):
    kpis = compute_kpis(plan)
    assert isinstance(kpis, Kpis)
    record = kpis.to_dict()
    assert record == json.loads(json.dumps(record, allow_nan=False))  # plain JSON
    assert list(record)[:3] == ["scenario", "status", "objective"] and list(record)[-1] == "goals"
    assert kpis.cost.cost_wan_cny_per_year == record["cost_wan_cny_per_year"] == kpis["cost_wan_cny_per_year"]
    assert kpis.waste.raw_msw_landfill_tpd == 0.0 and kpis.capacity.new_plants == record["new_plants"]
    assert [goal.kpi for goal in kpis.goals] == [goal["kpi"] for goal in record["goals"]]
    assert kpis.transfer is kpis.cd is kpis.sorting is kpis.futures is kpis.capacity_path is None
    assert "transfer_stations" not in record and "cd_generated_tpd" not in record
    assert dict(kpis) == record and {**kpis, "version": 1}["version"] == 1
    assert Kpis.from_dict(record) == kpis


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_kpis_and_the_files_do_not_reach_the_problem_builder():
    graph = import_graph()
    for module in ("wasteopt.reporting.kpi_compute", "wasteopt.reporting.kpi", "wasteopt.config.writers"):
        assert "wasteopt.siting.scenario_problem" not in reachable(graph, module), module


# A kpis.json of an early version: no rel_gap_asked, search_seed, landfill records, rates, budget lines or
# marginal costs; a plan for several futures that named the central plan's breaches.
OLD_RUN = {
    "scenario": "henan-2025", "status": "optimal", "objective": 1.5e9, "best_bound": 1.5e9, "gap": 0.0,
    "solve_seconds": 12.3, "backend": "highs", "target_year": 2025, "msw_generated_tpd": 80000.0,
    "msw_to_treat_tpd": 80000.0, "raw_msw_landfill_tpd": 0.0, "incineration_capacity_tpd": 81000.0,
    "new_plants": 30, "landfills_total": 120, "landfills_stopped": 40, "landfills_restored": 20,
    "mean_haul_km": 35.2, "cost_wan_cny_per_year": 150000.0, "co2e_t_per_year": 1.0e7,
    "futures_objective": "expected", "futures": [{"name": "low", "weight": 0.5, "optimum_wan_cny": 140000.0,
                                                  "robust_cost_wan_cny": 145000.0, "robust_raw_msw_landfill_tpd": 0.0}],
    "central_plan_breaches": [{"future": "fast", "shortfall_tpd": 442.0}],
    "goals": [{"goal": "zero raw MSW landfill", "goal_zh": "原生垃圾零填埋", "kpi": "raw_msw_landfill_tpd",
               "sense": "≤", "target": 0.0, "value": 0.0, "unit": "t/d", "met": True}],
}


def test_an_old_runs_kpis_json_reads_back():
    kpis = Kpis.from_dict(OLD_RUN)
    assert kpis.capacity.new_plants == 30 and kpis.solve.rel_gap_asked is None and kpis.rates.recycling_rate is None
    assert kpis.landfills.landfills_on_record is None and kpis.marginal_cost_by_vintage == ()
    assert kpis.goals[0].met and kpis.goals[0].target == 0.0
    assert kpis.futures.futures_objective == "expected" and kpis.futures.futures[0]["name"] == "low"
    assert kpis.extra == {"central_plan_breaches": OLD_RUN["central_plan_breaches"]}
    record = kpis.to_dict()
    assert {key: record[key] for key in OLD_RUN} == OLD_RUN  # every key it had, as it had it
    assert "landfills_on_record" not in record  # what an old run never measured is not made up
    assert "fast (442 t/d)" in kpi_text(record)  # the terminal table still reads it
