"""Power revenue by plant vintage, the public budget and the marginal cost of one more tonne at a plant."""
from __future__ import annotations

import warnings

import pytest

from wasteopt import load_scenario, solve_scenario
from wasteopt.reporting.budget import marginal_cost_table, money_kpis
from wasteopt.reporting.kpi_compute import annual_cost_cny, compute_kpis
from wasteopt.data.region import load_region
from wasteopt.config.scenario import PowerTariff
from wasteopt.siting.economics import power_revenue_cny_per_t
from wasteopt.siting.scenario_problem import build_problem

FENGQUAN = "周口市丰泉环保电力有限公司"  # the tiny region's one plant in service by 2020 (first furnace 2012-04-03)


@pytest.fixture(scope="module")
def tiny(tiny_seeds, tmp_path_factory):
    config = tmp_path_factory.mktemp("economics") / "tiny.yaml"
    config.write_text(f"name: tiny economics\nregion: {{seeds: {tiny_seeds}}}\n"
                      "demand: {calibration: null, sorted_out_share: 0}\npolicy: {raw_msw_landfill_cap_tpd: 0}\n"
                      "solver: {time_limit_s: 30, rel_gap: 0}\n", encoding="utf-8")
    return load_scenario(config)


def test_tariff_settles_the_801_block_and_sells_the_rest_at_the_coal_benchmark():
    tariff = PowerTariff()
    assert tariff.subsidised_cny_per_t() == pytest.approx(280 * 0.65 + 50 * 0.3779)  # 200.895
    assert tariff.market_cny_per_t() == pytest.approx(330 * 0.3779)  # 124.707
    # 82,500 h / 6,900 h a year = 11.96 years of subsidy
    assert tariff.subsidised_share(2020, 2025) == 1.0
    assert tariff.subsidised_share(2014, 2025) == pytest.approx(82500 / 6900 - 11)
    assert tariff.subsidised_share(2013, 2025) == 0.0


def _plant_revenue(scenario):
    problem = build_problem(scenario, load_region(scenario))
    revenue = power_revenue_cny_per_t(scenario, problem.sites)
    new = problem.sites.loc[revenue.index, "is_new"].astype(bool)
    fengquan = problem.sites.index[problem.sites["name_zh"] == FENGQUAN][0]
    return problem, revenue, new, fengquan


def test_an_existing_plant_keeps_its_subsidy_until_its_hours_run_out_and_new_plants_sell_at_the_benchmark(tiny):
    _, revenue, new, fengquan = _plant_revenue(tiny)
    assert revenue[new].unique() == pytest.approx([124.707])
    assert revenue[fengquan] == pytest.approx(124.707)  # 2025 − 2012 = 13 years > 11.96: hours used up
    _, revenue, _, fengquan = _plant_revenue(tiny.with_changes({"region": {"target_year": 2020}}))
    assert revenue[fengquan] == pytest.approx(200.895)  # 8 years in: fully subsidised
    half = tiny.with_changes({"incinerator": {"tariff": {"new_plant_subsidy_share": 0.5}}})
    _, revenue, new, _ = _plant_revenue(half)
    assert revenue[new].unique() == pytest.approx([124.707 + 0.5 * (200.895 - 124.707)])


def test_burnt_arcs_carry_the_plants_revenue(tiny):
    problem, revenue, _, _ = _plant_revenue(tiny)
    arcs = problem.arcs
    burnt = arcs[(arcs["stream"] == "msw") & arcs["destination"].isin(revenue.index)]
    per_km = tiny.transport.msw_cny_per_t_km + 60 * 0.2 / 1000  # carbon 60 CNY/t at 0.2 kg CO2 per loaded t·km
    expected = burnt["km"] * per_km - burnt["destination"].map(revenue)
    assert len(burnt) and burnt["cost_per_t"].to_numpy() == pytest.approx(expected.to_numpy())
    assert problem.technologies["incinerator"].cost_per_t == pytest.approx(125 - 60 * 0.13)


def test_the_flat_revenue_key_still_works_with_a_deprecation_message(tiny):
    with pytest.warns(FutureWarning, match="power_revenue_cny_per_t is deprecated"):
        flat = tiny.with_changes({"incinerator": {"power_revenue_cny_per_t": 174}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        _, revenue, _, _ = _plant_revenue(flat)
    assert revenue.unique() == pytest.approx([174.0])


def test_public_budget_and_marginal_cost_of_a_solved_plan(tiny):
    plan = solve_scenario(tiny)
    money = money_kpis(plan)
    burnt = plan.flows.loc[plan.flows["destination_technology"] == "incinerator", "tonnes_per_day"].sum()
    assert burnt > 0
    assert money["tipping_fees_wan_cny_per_year"] == pytest.approx(burnt * 94 * 365 / 1e4, abs=0.1)
    assert money["power_subsidy_wan_cny_per_year"] == 0.0  # 2025: 丰泉's hours are used up, new plants unsubsidised
    assert money["power_revenue_wan_cny_per_year"] == pytest.approx(burnt * 124.707 * 365 / 1e4, abs=0.1)
    table = marginal_cost_table(plan)
    assert table["power_revenue_cny_per_t"].to_numpy() == pytest.approx([-124.707] * len(table))
    parts = table[["haul_cny_per_t", "treatment_cny_per_t", "ash_cny_per_t", "power_revenue_cny_per_t"]].sum(axis=1)
    assert table["marginal_cost_cny_per_t"].to_numpy() == pytest.approx(parts.to_numpy())
    assert table["treatment_cny_per_t"].to_numpy() == pytest.approx([125 - 7.8] * len(table))
    kpis = compute_kpis(plan)
    assert kpis["public_budget_wan_cny_per_year"] == money["tipping_fees_wan_cny_per_year"]
    assert kpis["objective"] == pytest.approx(annual_cost_cny(plan), rel=1e-6)
    assert {row["vintage"] for row in kpis["marginal_cost_by_vintage"]} <= {"new", "existing, subsidy hours used up"}


NO_CAPTURE = [{"year": 2020, "urban": 0.0, "rural": 0.0}]


def test_sorting_with_nothing_captured_costs_what_its_unsorted_base_costs(tiny):
    """Like for like: the base diverts nothing for free, so sorting at 0 % capture treats the same tonnes at
    the same cost (the sorted run's unused food-waste and sorting-centre sites open nothing)."""
    sorted_nothing = tiny.with_changes({"sorting": {"enabled": True, "capture": {
        "food": NO_CAPTURE, "recyclables": NO_CAPTURE, "hazardous": NO_CAPTURE}}})
    base, sorted_plan = solve_scenario(tiny), solve_scenario(sorted_nothing)
    assert base.status == sorted_plan.status == "optimal"
    assert sorted_plan.demand["msw_tpd"].sum() == pytest.approx(base.demand["msw_tpd"].sum())
    assert sorted_plan.objective == pytest.approx(base.objective, rel=1e-9)


def test_the_sorted_out_shorthand_is_paid_for_and_heats_the_residual_waste(tiny):
    """10 % diverted: 244.0 CNY/t for each diverted tonne (a food-waste plant's net cost: 200 − 80 − 3 + one full
    300 t/d line's capital 16,000 万元 × CRF / 98,550 t/yr), and residual LHV (5,400 − 0.1 × 2,417.75) / 0.9 =
    5,731.4 kJ/kg: hotter than rated, so a tonne takes 1.0614 t/d of nameplate and earns 6.1 % more power."""
    from wasteopt.siting.economics import fixed_annual_cost_cny, sorted_out_cost_cny_per_t

    diverted = tiny.with_changes({"demand": {"sorted_out_share": 0.1}})
    assert sorted_out_cost_cny_per_t(diverted) == pytest.approx(244.004, abs=1e-3)
    problem = build_problem(diverted, load_region(diverted))
    sorted_out = float(load_region(diverted).demand["msw_sorted_out_tpd"].sum())
    assert sorted_out > 0
    assert problem.fixed_annual_cost == pytest.approx(sorted_out * 244.004 * 365, rel=1e-5)
    assert problem.technologies["incinerator"].capacity_factor("msw") == pytest.approx(5731.36 / 5400, abs=1e-5)
    plan = solve_scenario(diverted)
    assert annual_cost_cny(plan) == pytest.approx(plan.objective, rel=1e-6)
    assert fixed_annual_cost_cny(diverted, plan.demand) == pytest.approx(problem.fixed_annual_cost)


def test_an_expansion_at_a_subsidised_plant_sells_at_the_new_plant_price(tiny):
    """In 2020 丰泉 (500 t/d, 2012) is subsidised: 200.895 CNY/t on its arcs, but tonnes beyond its existing
    throughput (0.9 × 500 = 450 t/d) pay the 76.188 CNY/t subsidy back, so objective and annual cost agree and
    power revenue counts the expansion at the benchmark."""
    early = tiny.with_changes({"region": {"target_year": 2020}})
    problem = build_problem(early, load_region(early))
    fengquan = problem.sites.index[problem.sites["name_zh"] == FENGQUAN][0]
    assert problem.sites.at[fengquan, "above_existing_cost_per_t"] == pytest.approx(200.895 - 124.707)
    assert (problem.sites.drop(index=fengquan)["above_existing_cost_per_t"] == 0).all()
    plan = solve_scenario(early)
    assert annual_cost_cny(plan) == pytest.approx(plan.objective, rel=1e-6)
    load = plan.facilities.at[fengquan, "load_tpd"]
    assert plan.facilities.at[fengquan, "status"] == "expanded" and load > 450  # the expansion carries tonnes
    flows = plan.flows[plan.flows["destination"] == fengquan]
    expected = (flows["tonnes_per_day"].sum() * 200.895 - max(0.0, load - 450) * (200.895 - 124.707)) * 365 / 1e4
    others = plan.flows[(plan.flows["destination_technology"] == "incinerator") & (plan.flows["destination"] != fengquan)]
    expected += others["tonnes_per_day"].sum() * 124.707 * 365 / 1e4
    assert money_kpis(plan)["power_revenue_wan_cny_per_year"] == pytest.approx(expected, abs=0.2)


def test_the_landfill_table_has_sources_and_a_recorded_closure_takes_no_raw_msw(root):
    """侯寨 (郑州, ≈1,500 t/d, 2005, closed end of 2021) is on record; in 2025 no raw MSW may reach it, in 2020 it may."""
    scenario = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    region = load_region(scenario)
    table = region.landfills.set_index("site_id")
    recorded = table[~table["assumed"]]
    assert len(table) == 157 and len(recorded) == 11
    assert recorded["source"].str.contains("http").all() and table.loc[table["assumed"], "source"].str.startswith("assumed").all()
    houzhai = table.loc["L410103"]
    assert (houzhai["capacity_tpd"], houzhai["opened_year"], houzhai["closed_year"]) == (1500, 2005, 2021)
    for year, reachable in ((2025, False), (2020, True)):
        changed = scenario.with_changes({"region": {"target_year": year, "baseline_year": 2020}})
        arcs = build_problem(changed, load_region(changed)).arcs
        assert ((arcs["destination"] == "L410103") & (arcs["stream"] == "msw")).any() == reachable


def test_the_marginal_tonne_earns_power_at_the_residual_wastes_heating_value(tiny):
    """With 10 % of kitchen waste diverted the residual waste is 5,731.4 / 5,400 = 1.0614 times as hot: a new
    plant's marginal tonne earns 124.707 × 1.0614 CNY."""
    plan = solve_scenario(tiny.with_changes({"demand": {"sorted_out_share": 0.1}}))
    table = marginal_cost_table(plan)
    new = table[table["status"] == "new"]
    assert len(new) and new["power_revenue_cny_per_t"].to_numpy() == pytest.approx([-124.707 * 5731.36 / 5400] * len(new), rel=1e-5)
