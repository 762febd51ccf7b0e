"""Plans for several futures: a two-future town solved by hand, regret exactly, the cap in every future,
evaluation with the plants fixed, and the scenario key's errors."""
import math
import pickle

import pandas as pd
import pytest

from wasteopt.config.errors import ScenarioError
from wasteopt.config.loader import scenario_from_yaml_text
from wasteopt.siting import FlowCap, SitingProblem, Technology
from wasteopt.siting.pipeline import solve_futures_problems

NAMES, WEIGHTS = ["low", "high"], [0.5, 0.5]


def town(tpd: float, *, zero_landfill: bool = False) -> SitingProblem:
    """Town A (tpd t/d), a candidate plant SA that builds one line of 100, 150 or 200 t/d at 500, 700 or
    1,000 CNY/yr, and an existing landfill LF at 10 CNY/t (running it costs nothing). One day a year.

    Alone: 100 t/d builds 100 (500; 150 costs 700, 200 costs 1,000, landfill only 1,000); 200 t/d builds
    200 (1,000; 150 + 50 t/d landfilled 1,200, 100 + 100 landfilled 1,500).
    """
    demand = pd.DataFrame({"msw": [tpd]}, index=["A"])
    sites = pd.DataFrame({"technology": ["plant", "landfill"], "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": [True, False], "lock": ""}, index=["SA", "LF"])
    arcs = pd.DataFrame([("A", "SA", "msw", 0.0, 0.0), ("A", "LF", "msw", 0.0, 10.0)],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {
        "plant": Technology("plant", ("msw",), module_sizes_tpd=(100.0, 150.0, 200.0),
                            module_annual_cost=(500.0, 700.0, 1000.0), max_modules=1),
        "landfill": Technology("landfill", ("msw",), gated_streams=("msw",)),
    }
    caps = (FlowCap("msw", "landfill", 0.0),) if zero_landfill else ()
    return SitingProblem(demand=demand, sites=sites, technologies=techs, arcs=arcs, flow_caps=caps, days_per_year=1.0)


def built(solved) -> float:
    return solved.solutions[0].sites.at["SA", "capacity_tpd"]


def outcome(assessment, plan: str, future: str) -> pd.Series:
    rows = assessment.outcomes.set_index(["plan", "future"])
    return rows.loc[(plan, future)]


def test_expected_cost_plan_differs_from_both_single_future_plans():
    """Per plan, cost in (low, high) and expected: 100 → (500, 1,500) 1,000; 150 → (700, 1,200) 950;
    200 → (1,000, 1,000) 1,000. The robust plan builds 150 t/d, neither future's own plan.
    The mean-value problem (150 t/d, the expected demand) builds 150 too: VSS = 950 − 950 = 0 (Birge & Louveaux;
    main at 6db4cae measured it against the heaviest future's plan, 1,000 − 950 = 50).
    EVPI = 950 − (500 + 1,000)/2 = 200. Every solve proved its optimum: the intervals are points."""
    solved = solve_futures_problems([town(100.0), town(200.0)], NAMES, WEIGHTS, rel_gap=0, search=None,
                                    mean_value=town(150.0))
    assert solved.result.status == "optimal"
    assert solved.result.objective == pytest.approx(950.0)
    assert built(solved) == 150.0
    assert [s.sites.at["SA", "capacity_tpd"] for s in solved.solutions] == [150.0, 150.0]
    a = solved.assessment
    assert a.central == "low"
    assert a.futures["optimum_cny"].tolist() == pytest.approx([500.0, 1000.0])
    assert outcome(a, "robust", "low")["cost_cny"] == pytest.approx(700.0)
    assert outcome(a, "robust", "high")["cost_cny"] == pytest.approx(1200.0)
    assert outcome(a, "robust", "high")["raw_msw_landfill_tpd"] == pytest.approx(50.0)
    assert outcome(a, "low", "high")["cost_cny"] == pytest.approx(1500.0)
    assert outcome(a, "high", "low")["cost_cny"] == pytest.approx(1000.0)
    assert a.expected_cost("robust") == pytest.approx(950.0)
    assert a.expected_cost("low") == a.expected_cost("high") == pytest.approx(1000.0)
    assert a.reference == "mean_value" and a.expected_cost("mean_value") == pytest.approx(950.0)
    assert a.value_of_stochastic_solution == pytest.approx(0.0)
    assert a.vss_interval() == pytest.approx((0.0, 0.0), abs=1e-3)
    assert a.value_of_perfect_information == pytest.approx(200.0)
    assert a.evpi_interval() == pytest.approx((200.0, 200.0), abs=1e-3) and a.unreliable() == []


def test_figures_carry_the_interval_their_solves_gaps_allow():
    """The futures' own optima stopped at gaps: low at 10 % (500, bound 450), high at 2 % (1,000, bound 980), so
    the wait-and-see cost Σ w·opt lies in [715, 750]; the linked solve stopped at its bound 930: the recourse cost
    lies in [930, 950]. VSS = 1,000 − 950 = 50 in [1,000 − 950, 1,000 − 930] = [50, 70]; EVPI = 950 − 750 = 200
    in [930 − 750, 950 − 715] = [180, 235].
    Asked for 1 %, the low future's solve (10 %) and the linked one (2.1 %) make the figures unreliable."""
    import dataclasses

    from wasteopt.siting.plan import FuturesAssessment

    futures = pd.DataFrame({"name": NAMES, "weight": WEIGHTS, "optimum_cny": [500.0, 1000.0],
                            "optimum_gap": [0.1, 0.02]})
    outcomes = pd.DataFrame([(plan, future, cost, 0.0, 0.0, "optimal", 0.0) for plan, future, cost in (
        ("robust", "low", 700.0), ("robust", "high", 1200.0), ("mean_value", "low", 500.0),
        ("mean_value", "high", 1500.0))],
        columns=["plan", "future", "cost_cny", "raw_msw_landfill_tpd", "shortfall_tpd", "status", "gap"])
    a = FuturesAssessment("expected", "every_future", "low", futures, outcomes, reference="mean_value",
                          reference_gap=0.0, robust_gap=20 / 950, robust_bound_cny=930.0, rel_gap=0.01)
    assert a.wait_and_see_interval() == pytest.approx((715.0, 750.0))
    assert a.recourse_interval() == pytest.approx((930.0, 950.0))
    assert a.value_of_stochastic_solution == pytest.approx(50.0) and a.vss_interval() == pytest.approx((50.0, 70.0))
    assert a.value_of_perfect_information == pytest.approx(200.0) and a.evpi_interval() == pytest.approx((180.0, 235.0))
    assert a.unreliable() == ["future low alone: 10.00 %", "future high alone: 2.00 %", "robust plan: 2.11 %"]
    breaking = dataclasses.replace(a, outcomes=outcomes.assign(shortfall_tpd=[0, 0, 0, 100.0]))
    assert breaking.vss_unbounded and breaking.value_of_stochastic_solution == math.inf
    assert breaking.vss_interval() is None
    assert breaking.policy_premium == pytest.approx(-50.0) and breaking.premium_interval() == pytest.approx((-70.0, -50.0))


def test_the_mean_value_scenario_takes_the_expected_growth_and_sorting():
    scenario = scenario_from_yaml_text(BASE.replace("{weight}", "0.5").replace(
        "{changes}", "demand: {growth_per_year: 0.04, sorted_out_share: 0.3}"))
    mean = scenario.mean_value_scenario()
    assert mean.demand.growth_per_year == pytest.approx(0.025)  # (0.01 + 0.04) / 2
    assert mean.demand.sorted_out_share == pytest.approx((scenario.demand.sorted_out_share + 0.3) / 2)
    assert mean.uncertainty is None


def test_min_max_regret_and_worst_case():
    """Regret (cost − own optimum) per plan, max over (low, high): 100 → (0, 500) 500; 150 → (200, 200) 200;
    200 → (500, 0) 500: 150 t/d, regret 200. Worst case: 100 → 1,500; 150 → 1,200; 200 → 1,000: 200 t/d."""
    regret = solve_futures_problems([town(100.0), town(200.0)], NAMES, WEIGHTS, objective="min_max_regret",
                                    rel_gap=0, search=None)
    assert regret.result.objective == pytest.approx(200.0)
    assert built(regret) == 150.0
    worst = solve_futures_problems([town(100.0), town(200.0)], NAMES, WEIGHTS, objective="worst_case",
                                   rel_gap=0, search=None)
    assert worst.result.objective == pytest.approx(1000.0)
    assert built(worst) == 200.0


def test_zero_landfill_in_every_future_or_on_the_mean():
    """Zero landfill in every future forces 200 t/d (expected 1,000); the low plan operated in the high future
    landfills its 100 t/d shortfall (cost 500 + 1,000). A cap on the weighted mean (0) is the same here,
    since both weights are positive."""
    for scope in ("every_future", "expected_only"):
        solved = solve_futures_problems([town(100.0, zero_landfill=True), town(200.0, zero_landfill=True)], NAMES,
                                        WEIGHTS, policy_scope=scope, rel_gap=0, search=None)
        assert solved.result.objective == pytest.approx(1000.0)
        assert built(solved) == 200.0
        low_in_high = outcome(solved.assessment, "low", "high")
        assert low_in_high["raw_msw_landfill_tpd"] == pytest.approx(100.0)
        assert low_in_high["cost_cny"] == pytest.approx(1500.0)
        assert outcome(solved.assessment, "robust", "high")["raw_msw_landfill_tpd"] == 0.0


BASE = """name: futures
uncertainty:
  objective: expected
  futures:
    - name: low
      weight: 0.5
      changes: {demand: {growth_per_year: 0.01}}
    - name: high
      weight: {weight}
      changes:
        {changes}
"""


@pytest.mark.parametrize("weight, changes, message", [
    ("0.4", "demand: {growth_per_year: 0.04}", "key 'uncertainty' (upload, line 2): Value error, futures: the weights "
     "must sum to 1 (they sum to 0.9)"),
    ("0.5", "demand: {growth_per_yer: 0.04}", "key 'uncertainty.futures.1.changes.demand.growth_per_yer' (upload, "
     "line 11): unknown key (did you mean 'growth_per_year'?)"),
    ("0.5", "demand: {growth_per_year: 0.9}", "key 'uncertainty.futures.1.changes.demand.growth_per_year' (upload, "
     "line 11): Input should be less than or equal to 0.3"),
    ("0.5", "incinerator: {tariff: {on_grid_kwh: 300}}", "key 'uncertainty.futures.1.changes.incinerator.tariff."
     "on_grid_kwh' (upload, line 11): unknown key (did you mean 'on_grid_kwh_per_t'?)"),
    ("0.5", "region: {target_year: 2030}", "key 'uncertainty.futures.1.changes.region' (upload, line 11): unknown key "
     "(allowed: demand, sorting, incinerator, landfill, transport, economics, cd, transfer)"),
    ("0.5", "sorting: {enabled: true}\n        demand: {sorted_out_share: 0.2}", "key 'uncertainty.futures.1.changes' "
     "(upload, line 10): future 'high', key 'demand.sorted_out_share': must be 0 with sorting.enabled"),
    ("0.5", "demand: {growth_per_year: 0.04}\n    - {name: robust, weight: 0}", "key 'uncertainty' (upload, line 2): "
     "Value error, futures: 'robust' names the plan for all futures; call the future otherwise"),
])
def test_bad_futures_name_the_key_and_line(weight, changes, message):
    with pytest.raises(ScenarioError) as error:
        scenario_from_yaml_text(BASE.replace("{weight}", weight).replace("{changes}", changes))
    assert message in str(error.value)


def test_a_future_is_the_scenario_with_its_changes():
    scenario = scenario_from_yaml_text(BASE.replace("{weight}", "0.5").replace(
        "{changes}", "demand: {growth_per_year: 0.04, sorted_out_share: 0.3}"))
    high = scenario.future_scenario(1)
    assert (high.demand.growth_per_year, high.demand.sorted_out_share) == (0.04, 0.3)
    assert high.uncertainty is None and high.incinerator == scenario.incinerator


def test_a_futures_changes_are_typed_and_round_trip_as_given():
    """Typed as the sections they change (an int for a float key is a float), dumped with only the keys given."""
    scenario = scenario_from_yaml_text(BASE.replace("{weight}", "0.5").replace(
        "{changes}", "demand: {growth_per_year: 0.04, calibration: null}\n        incinerator: {tariff: "
        "{new_plant_subsidy_share: 1}}\n        sorting: {capture: {food: [{year: 2025, urban: 0.4, rural: 0.1}]}}"))
    changes = scenario.uncertainty.futures[1].changes
    assert changes.demand.growth_per_year == 0.04 and changes.demand.sorted_out_share is None
    assert changes.incinerator.tariff.new_plant_subsidy_share == 1.0 and changes.sorting.capture.food[0].urban == 0.4
    assert changes.as_dict() == {"demand": {"growth_per_year": 0.04, "calibration": None},
                                 "sorting": {"capture": {"food": [{"year": 2025, "urban": 0.4, "rural": 0.1}]}},
                                 "incinerator": {"tariff": {"new_plant_subsidy_share": 1.0}}}
    again = scenario_from_yaml_text(scenario.to_yaml())
    assert again == scenario and again.content_hash() == scenario.content_hash()
    assert pickle.loads(pickle.dumps(scenario)) == scenario  # as sent to sweep and app workers
    high = scenario.future_scenario(1)
    assert high.demand.calibration is None and high.incinerator.tariff.new_plant_subsidy_share == 1.0
    assert high.incinerator.tariff.on_grid_kwh_per_t == scenario.incinerator.tariff.on_grid_kwh_per_t


def test_kpis_and_report_section_of_the_two_future_town():
    """kpis.json's futures list, VSS and EVPI in 万元 (the town's CNY / 10^4), and the report's table."""
    from wasteopt.reporting.kpi_futures import futures_kpis
    from wasteopt.reporting.report.figures import setup_fonts
    from wasteopt.reporting.report.page import _futures_html
    from wasteopt.reporting.report.tables import FUTURES_SHEET, futures_table

    setup_fonts()
    solved = solve_futures_problems([town(100.0), town(200.0)], NAMES, WEIGHTS, rel_gap=0, search=None,
                                    mean_value=town(150.0))
    kpis = futures_kpis(solved.assessment).to_dict()
    assert [f["name"] for f in kpis["futures"]] == NAMES
    assert [f["robust_raw_msw_landfill_tpd"] for f in kpis["futures"]] == [0.0, 50.0]
    assert kpis["worst_case_raw_msw_landfill_tpd"] == 50.0
    assert kpis["value_of_stochastic_solution_wan_cny"] == 0.0 and kpis["vss_reference_plan"] == "mean_value"
    assert kpis["value_of_stochastic_solution_interval_wan_cny"] == [0.0, 0.0]
    assert not kpis["value_of_stochastic_solution_unbounded"] and kpis["futures_solves_above_gap"] == []
    assert kpis["expected_cost_wan_cny_by_plan"] == {"robust": 0.1, "low": 0.1, "high": 0.1, "mean_value": 0.1}
    table = futures_table(kpis)
    assert len(table) == 8 and table["原生垃圾填埋 raw MSW landfilled (t/d)"].tolist() == [0, 0, 0, 0, 50, 100, 0, 50]
    section = _futures_html(kpis, {FUTURES_SHEET: table})
    assert "随机解价值 value of the stochastic solution (VSS): 0.0 万元/yr" in section
    assert "稳健方案 robust plan" in section and "均值问题方案（期望增长与分类） mean-value plan" in section
    assert "<img" in section


TINY_FUTURES = """name: 两县多情景 two counties, three futures
region: {{seeds: {seeds}}}
demand: {{calibration: null}}
policy: {{raw_msw_landfill_cap_tpd: 0}}
solver: {{time_limit_s: 30, rel_gap: 0}}
uncertainty:
  futures:
    - {{name: slow, weight: 0.25, changes: {{demand: {{growth_per_year: 0.0, sorted_out_share: 0.3}}}}}}
    - {{name: mid, weight: 0.5, changes: {{demand: {{growth_per_year: 0.02, sorted_out_share: 0.1}}}}}}
    - {{name: fast, weight: 0.25, changes: {{demand: {{growth_per_year: 0.06, sorted_out_share: 0.0}}}}}}
"""


def write_tiny_futures(folder, seeds):
    path = folder / "futures.yaml"
    path.write_text(TINY_FUTURES.format(seeds=seeds), encoding="utf-8")
    return path


def test_a_scenario_with_futures_runs_into_kpis_json_and_the_report(tmp_path, tiny_seeds):
    """Two real counties under zero landfill in three futures (optima 6,615.9 / 5,840.9 / 6,470.4 万元/yr; slow
    diverts 30 % of its MSW before the plants at 244 CNY/t, so it is the dearest): the robust plan lands no raw MSW
    in any future (expected 7,761.0). The mean-value problem (growth 2.5 %, sorted-out share 12.5 %: the futures'
    weighted means) builds what the central future (mid) builds; that plan falls 262.2 t/d short in the fast one,
    so under every_future it is infeasible there and the VSS is unbounded (a flag and the breach in kpis.json, no
    number; main at 6db4cae wrote null, which also means "not computed"); priced with that shortfall landfilled at
    the gate fee it costs 6,248.1 in expectation, so keeping raw MSW out of landfill in every future costs
    7,761.0 − 6,248.1 = 1,512.9 a year (the policy premium). The plan for fast cannot operate
    in slow (its plants below their minimum load)."""
    import json

    from wasteopt import load_scenario, run_scenario
    from wasteopt.reporting.report import write_report
    from wasteopt.runs.registry import RunRegistry

    scenario = load_scenario(write_tiny_futures(tmp_path, tiny_seeds))
    outcome = run_scenario(scenario, tmp_path / "run", registry=RunRegistry(tmp_path / "r.sqlite"), source="test",
                           report=write_report)
    kpis = json.loads((tmp_path / "run" / "kpis.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in kpis["futures"]] == ["slow", "mid", "fast"]
    assert kpis["central_future"] == "mid" and kpis["status"] == "optimal"
    # the plan's own KPIs are priced in its central future (mid diverts 10 %, paid for), as the MILP priced it
    assert kpis["cost_wan_cny_per_year"] == pytest.approx(7567.5, abs=0.1)
    assert kpis["msw_sorted_out_tpd"] > 0 and kpis["recycling_rate"] > 0
    assert [f["optimum_wan_cny"] for f in kpis["futures"]] == pytest.approx([6616.3, 5841.3, 6470.7], abs=0.1)
    assert [f["robust_raw_msw_landfill_tpd"] for f in kpis["futures"]] == [0.0, 0.0, 0.0]
    assert kpis["expected_cost_wan_cny_by_plan"] == pytest.approx({"robust": 7761.1, "slow": 6213.3, "mid": 6248.4,
                                                                   "fast": None, "mean_value": 6248.4}, abs=0.1)
    assert [f["changes_en"] for f in kpis["futures"]] == ["growth 2 % → 0 %; sorted-out share 0 % → 30 %",
                                                         "sorted-out share 0 % → 10 %", "growth 2 % → 6 %"]
    assert kpis["futures"][0]["changes_zh"] == "年增长率 2 % → 0 %；分类分流比例 0 % → 30 %"
    outcomes = {(row["plan"], row["future"]): row for row in kpis["futures_outcomes"]}
    assert outcomes["mid", "fast"]["raw_msw_landfill_tpd"] == pytest.approx(262.2, abs=0.1)
    assert outcomes["fast", "slow"]["status"] == "infeasible"
    assert outcomes["mid", "fast"]["shortfall_tpd"] == pytest.approx(262.2, abs=0.1)
    assert outcomes["robust", "fast"]["shortfall_tpd"] == 0.0
    assert outcome.plan.futures.value_of_stochastic_solution == math.inf
    assert kpis["value_of_stochastic_solution_unbounded"] and "value_of_stochastic_solution_wan_cny" not in kpis
    assert kpis["vss_reference_plan"] == "mean_value"
    assert kpis["mean_value_plan_breaches"] == [{"future": "fast", "shortfall_tpd": pytest.approx(262.2, abs=0.1)}]
    assert kpis["policy_premium_wan_cny"] == pytest.approx(7761.1 - 6248.4, abs=0.1)
    assert kpis["expected_value_of_perfect_information_wan_cny"] == pytest.approx(1568.6, abs=0.1)
    # every solve proved its optimum (rel_gap 0): the intervals are points and the figures reliable
    assert kpis["expected_value_of_perfect_information_interval_wan_cny"] == pytest.approx([1568.6, 1568.6], abs=0.1)
    assert kpis["futures_solves_above_gap"] == [] and kpis["futures"][2]["optimum_gap"] == 0.0
    assert len(kpis["futures_outcomes"]) == 5 * 3
    assert outcome.plan.futures.central == "mid"
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "多情景稳健规划 One plan for several futures (3)" in report
    assert "value of the stochastic solution (VSS): ∞" in report and "policy premium: 1,512.7 万元/yr" in report
    assert "lands raw MSW above the cap in fast (262 t/d)" in report
    assert "growth 2 % → 6 %" in report and "已证明的差距 proven gap (%)" in report
