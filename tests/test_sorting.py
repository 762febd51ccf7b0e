"""Waste sorting: food waste, recyclables and residual waste as streams with their own plants."""
import pandas as pd
import pytest

from wasteopt.app.tables import capture_chart
from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.reporting.kpi import kpi_labels
from wasteopt.reporting.kpi_compute import compute_kpis, goal_checks
from wasteopt.reporting.report import write_capture_report
from wasteopt.reporting.report.capture import CAPTURE_COLUMNS, capture_table
from wasteopt.data.region import load_region
from wasteopt.config.loader import load_scenario
from wasteopt.config.scenario import Goals
from wasteopt.siting import SitingProblem, Technology
from wasteopt.siting.pipeline import solve_problem, solve_scenario
from wasteopt.siting.economics import power_revenue_cny_per_t, residual_heating_value
from wasteopt.siting.scenario_problem import build_problem, demand_table
from wasteopt.bench.synthetic import write_seed_subset

ARC_COLUMNS = ["origin", "destination", "stream", "km", "cost_per_t"]


def sites(rows):
    frame = pd.DataFrame(rows, columns=["site_id", "technology", "is_new"]).set_index("site_id")
    return frame.assign(existing_capacity_tpd=0.0, existing_modules=0, lock="", expandable=False)


@pytest.mark.parametrize("factor, modules, cost", [(1.0, 1, 2000.0), (1.5, 2, 3000.0), (2.5, 3, 4000.0)])
def test_a_capacity_factor_counts_each_tonne_that_many_times(factor, modules, cost):
    """100 t/d of residual waste, 100 t/d lines at 1,000 CNY/yr, 10 CNY/t: a tonne using ``factor`` t/d of
    nameplate needs ceil(100 · factor / 100) lines; cost = 1,000 · lines + 100 · 10."""
    problem = SitingProblem(
        demand=pd.DataFrame({"msw": [100.0]}, index=["A"]),
        sites=sites([("I", "incinerator", True)]),
        technologies={"incinerator": Technology("incinerator", ("msw",), module_sizes_tpd=(100.0,),
                                                module_annual_cost=(1000.0,), max_modules=3, cost_per_t=10.0,
                                                capacity_factors=(("msw", factor),))},
        arcs=pd.DataFrame([("A", "I", "msw", 0.0, 0.0)], columns=ARC_COLUMNS), days_per_year=1.0)
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(cost)
    assert solution.sites.loc["I", "new_modules"] == modules
    assert solution.sites.loc["I", "load_tpd"] == pytest.approx(100.0 * factor)


def sorted_town(incinerator_takes_food: bool) -> SitingProblem:
    """Town A: 100 t/d residual, 50 food, 20 recyclables. Incinerator: 150 t/d lines (1,000 CNY/yr, ≤ 3),
    10 CNY/t, residual counts 1.2, co-treated food 1.5. Food-waste plant: one 60 t/d line (300 CNY/yr),
    100 CNY/t, 20 % residue. Sorting centre: one 30 t/d module (100), −5 CNY/t, 10 % residue. Residues go
    to the incinerator or a landfill (40 CNY/t). Every haul is free."""
    burnt = ("msw", "residue") + (("food",) if incinerator_takes_food else ())
    techs = {
        "incinerator": Technology("incinerator", burnt, module_sizes_tpd=(150.0,), module_annual_cost=(1000.0,),
                                  max_modules=3, cost_per_t=10.0, capacity_factors=(("msw", 1.2), ("food", 1.5))),
        "digester": Technology("digester", ("food",), module_sizes_tpd=(60.0,), module_annual_cost=(300.0,),
                               cost_per_t=100.0, outputs=(("residue", 0.2),)),
        "sorting_centre": Technology("sorting_centre", ("recyclables",), module_sizes_tpd=(30.0,),
                                     module_annual_cost=(100.0,), cost_per_t=-5.0, outputs=(("residue", 0.1),)),
        "landfill": Technology("landfill", ("residue",), cost_per_t=40.0),
    }
    arcs = [("A", "I", "msw"), ("A", "I", "food"), ("A", "D", "food"), ("A", "S", "recyclables"),
            ("D", "I", "residue"), ("D", "L", "residue"), ("S", "I", "residue"), ("S", "L", "residue")]
    return SitingProblem(
        demand=pd.DataFrame({"msw": [100.0], "food": [50.0], "recyclables": [20.0]}, index=["A"]),
        sites=sites([("I", "incinerator", True), ("D", "digester", True), ("S", "sorting_centre", True),
                     ("L", "landfill", False)]),
        technologies=techs,
        arcs=pd.DataFrame([(o, d, s, 0.0, 0.0) for o, d, s in arcs], columns=ARC_COLUMNS), days_per_year=1.0)


def test_food_waste_goes_only_to_plants_that_accept_it():
    """The incinerator does not take food: all 50 t/d go to the food-waste plant despite its 100 CNY/t.
    Load 1.2 · 100 + residues 10 + 2 = 132 ≤ 150: one line. By hand: 1,000 + (100 + 12) · 10 (incinerator)
    + 300 + 50 · 100 (food) + 100 − 20 · 5 (sorting) = 7,420."""
    solution = solve_problem(sorted_town(incinerator_takes_food=False), rel_gap=0)
    assert solution.objective == pytest.approx(7420.0)
    food = solution.flows.query("stream == 'food'")
    assert set(food["destination"]) == {"D"} and food["tonnes_per_day"].sum() == pytest.approx(50.0)


def test_co_treated_food_pays_its_moisture_penalty():
    """With co-treatment the food-waste plant stays shut: 1.2 · 100 + 1.5 · 50 + 2 = 197 t/d of load takes
    two lines. By hand: 2,000 + (100 + 50 + 2) · 10 + 100 − 20 · 5 = 3,520 < 7,420."""
    solution = solve_problem(sorted_town(incinerator_takes_food=True), rel_gap=0)
    assert solution.objective == pytest.approx(3520.0)
    assert solution.sites.loc["I", "new_modules"] == 2 and not solution.sites.loc["D", "opened"]
    assert solution.sites.loc["I", "load_tpd"] == pytest.approx(197.0)


@pytest.fixture(scope="module")
def zhoukou(root, tmp_path_factory):
    """周口 (Zhoukou) alone with sorting switched on and raw MSW zero landfill."""
    folder = tmp_path_factory.mktemp("sorting")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    config = folder / "zhoukou.yaml"
    config.write_text(f"name: 周口 分类\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null, sorted_out_share: 0}}\n"
                      "policy: {raw_msw_landfill_cap_tpd: 0}\nsorting: {enabled: true}\n"
                      "solver: {time_limit_s: 60, rel_gap: 0.01}\n", encoding="utf-8")
    return folder, load_scenario(config)


def with_food_capture(scenario, urban: float, rural: float):
    return scenario.with_changes({"sorting": {"capture": {"food": [{"year": 2020, "urban": urban, "rural": rural}]}}})


def test_higher_capture_never_raises_residual_waste(zhoukou):
    _, scenario = zhoukou
    region = load_region(scenario)
    residuals = [demand_table(with_food_capture(scenario, c, c / 2), region)["msw_tpd"] for c in (0.0, 0.2, 0.4, 0.8)]
    for lower, higher in zip(residuals, residuals[1:]):
        assert (higher <= lower + 1e-9).all() and higher.sum() < lower.sum()
    generated = demand_table(scenario, region)
    parts = generated[["msw_tpd", "food_tpd", "recyclables_tpd", "hazardous_tpd"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(generated["msw_generated_tpd"].to_numpy())


def test_residual_waste_burns_hotter_once_food_waste_is_out(zhoukou):
    """Only food captured: LHV_res = (5,400 − s · 2,417.75) / (1 − s) > 5,400 for any food share s > 0."""
    _, scenario = zhoukou
    scenario = scenario.with_changes({"sorting": {"capture": {
        "recyclables": [{"year": 2020, "urban": 0.0, "rural": 0.0}], "hazardous": [{"year": 2020, "urban": 0.0, "rural": 0.0}]}}})
    demand = demand_table(with_food_capture(scenario, 0.4, 0.2), load_region(scenario))
    share = demand["food_tpd"].sum() / demand["msw_generated_tpd"].sum()
    assert residual_heating_value(scenario, demand) == pytest.approx((5400 - share * 2417.75) / (1 - share))
    assert residual_heating_value(scenario, demand) > 5400


@pytest.fixture(scope="module")
def sorted_plan(zhoukou):
    plan = solve_scenario(zhoukou[1])
    return plan, compute_kpis(plan)


def test_mass_balances_close_on_a_sorted_plan(sorted_plan):
    """Generated = residual + food + recyclables + hazardous; each stream is all treated; residues (food-waste
    plant 25 %, sorting centre 15 %) leave their plants once, to incinerators or landfills; no raw landfill."""
    plan, kpis = sorted_plan
    flows, demand = plan.flows, plan.demand
    into = lambda stream, tech: flows.query("stream == @stream and destination_technology == @tech")["tonnes_per_day"].sum()  # noqa: E731
    generated = demand["msw_generated_tpd"].sum()
    assert generated == pytest.approx(demand[["msw_tpd", "food_tpd", "recyclables_tpd", "hazardous_tpd"]].sum().sum())
    assert into("msw", "incinerator") == pytest.approx(demand["msw_tpd"].sum()) and into("msw", "landfill") == 0
    assert into("food", "digester") == pytest.approx(demand["food_tpd"].sum())
    assert into("recyclables", "sorting_centre") == pytest.approx(demand["recyclables_tpd"].sum())
    residues = 0.25 * into("food", "digester") + 0.15 * into("recyclables", "sorting_centre")
    assert into("residue", "incinerator") + into("residue", "landfill") == pytest.approx(residues)
    assert kpis["raw_msw_landfill_tpd"] == 0 and kpis["biological_capacity_tpd"] > 0
    assert kpis["cost_cny_per_year"] == pytest.approx(plan.objective, rel=1e-6)  # every stream priced as in the MILP
    recycled = into("food", "digester") + 0.85 * into("recyclables", "sorting_centre")
    assert kpis["recycling_rate"] == pytest.approx(recycled / generated, abs=1e-4)  # 回收利用率
    centre_residue = flows[(flows["stream"] == "residue") & (flows["destination_technology"] == "incinerator")
                           & flows["origin"].str.startswith("S")]["tonnes_per_day"].sum()
    burnt = into("msw", "incinerator") + into("food", "incinerator") + centre_residue  # with energy recovery
    assert kpis["resource_utilisation_rate"] == pytest.approx((recycled + burnt) / generated, abs=1e-4)  # 资源化利用率
    assert kpis["resource_utilisation_rate"] > kpis["recycling_rate"]
    assert set(plan.facilities["technology"]) >= {"incinerator", "digester", "sorting_centre"}


def test_sorted_out_share_with_sorting_says_how_to_migrate(zhoukou):
    _, scenario = zhoukou
    with pytest.raises(ScenarioError, match=r"key 'demand.sorted_out_share': must be 0 with sorting.enabled"):
        scenario.with_changes({"demand": {"sorted_out_share": 0.1}})


def test_food_waste_plants_carry_their_own_symbol_and_kpis(sorted_plan):
    plan, kpis = sorted_plan
    plants = plan.to_geodataframes()["plants"]
    assert set(plants.loc[plants["technology"] == "digester", "symbol"]) == {"diamond"}
    assert set(plants.loc[plants["technology"] == "incinerator", "symbol"]) == {"circle"}
    shown = [key for key, _, _ in kpi_labels(kpis)]
    assert {"food_waste_tpd", "biological_capacity_tpd", "resource_utilisation_rate", "recycling_rate"} <= set(shown)
    assert "food_waste_tpd" not in [key for key, _, _ in kpi_labels({"status": "optimal"})]
    utilisation, recycling = goal_checks(kpis, Goals(resource_utilisation_rate=0.6, recycling_rate=0.35))[-2:]
    assert (utilisation.kpi, utilisation.target, utilisation.unit) == ("resource_utilisation_pct", 60.0, "%")
    assert utilisation.goal_zh == "资源化利用率" and recycling.goal_zh == "回收利用率"
    assert (recycling.kpi, recycling.target) == ("recycling_pct", 35.0)
    assert utilisation.met == (kpis.rates.resource_utilisation_pct >= 60)
    assert recycling.met == (kpis["recycling_pct"] >= 35)  # the kpis.json key reads the same figure
    assert len(goal_checks(kpis, Goals())) == 4  # the rate goals are checked only when a scenario sets them
    with pytest.warns(FutureWarning, match="resource_recovery_rate is deprecated"):
        old_name = Goals(resource_recovery_rate=0.6)
    assert old_name.resource_utilisation_rate == 0.6


def test_existing_food_waste_plants_come_from_a_user_file(zhoukou, tmp_path):
    folder, scenario = zhoukou
    good = tmp_path / "digesters.csv"
    good.write_text("site_id,name_zh,adcode,lon,lat,capacity_tpd,n_lines\nFW1,周口厨余,411602,114.65,33.62,200,2\n",
                    encoding="utf-8")
    sites = build_problem(scenario.with_changes({"sorting": {"digester": {"existing_file": str(good)}}}),
                          load_region(scenario)).sites
    assert sites.loc["FW1", ["technology", "existing_capacity_tpd", "existing_modules", "is_new"]].tolist() == \
        ["digester", 200.0, 2, False]
    bad = tmp_path / "bad.csv"
    bad.write_text("site_id,name_zh,adcode,lon,lat,capacity_tpd,n_lines\nFW1,周口厨余,411602,114.65,33.62,-5,2\n",
                   encoding="utf-8")
    with pytest.raises(DataError, match="bad.csv"):
        build_problem(scenario.with_changes({"sorting": {"digester": {"existing_file": str(bad)}}}), load_region(scenario))


def test_capture_chart_needs_two_solved_sorting_runs(tmp_path):
    """Rows sorted by capture, shares in %; the infeasible run is left out; the app chart has one point per run."""
    runs = pd.DataFrame({"status": ["optimal", "time_limit", "infeasible"], "food_capture_rate": [0.4, 0.0, 0.2],
                         "incineration_capacity_tpd": [50000.0, 60000.0, None], "biological_capacity_tpd": [9000.0, 0.0, None],
                         "gap": [0.001, 0.01, None]})
    table = capture_table(runs)
    assert table[CAPTURE_COLUMNS["food_capture_rate"]].tolist() == [0.0, 40.0]
    assert table[CAPTURE_COLUMNS["incineration_capacity_tpd"]].tolist() == [60000.0, 50000.0]
    assert table[CAPTURE_COLUMNS["gap"]].tolist() == [1.0, 0.1]
    files = write_capture_report(runs, tmp_path, "sweep")
    assert sorted(files) == ["capture_csv", "capture_html", "capture_png"] and files["capture_png"].stat().st_size > 0
    assert write_capture_report(runs.iloc[[0, 2]], tmp_path / "one", "sweep") == {}
    kpis = {f"r{i}": row.to_dict() for i, row in runs.iloc[:2].iterrows()}
    chart = capture_chart(kpis, "en").to_dict()
    assert len(chart["datasets"][next(iter(chart["datasets"]))]) == 4  # two runs × (incineration, food-waste plants)
    assert capture_chart({"r0": kpis["r0"]}, "zh") is None


def test_the_app_map_draws_food_waste_plants_as_diamonds(sorted_plan):
    from wasteopt.app.maps import FOOD_WASTE_PLANT, plan_deck, plan_legend

    plan, _ = sorted_plan
    deck = plan_deck(plan.to_geodataframes(), plan.region.prefecture_boundaries, plan.region.landfills, "zh")
    diamonds = [vars(layer)["_data"] for layer in deck.layers if vars(layer).get("get_fill_color") == FOOD_WASTE_PLANT]
    digesters = plan.facilities[plan.facilities["technology"] == "digester"]
    assert len(diamonds) == 1 and len(diamonds[0]) == len(digesters) > 0
    assert all(len(row["polygon"][0]) == 5 for row in diamonds[0])  # a closed diamond ring
    assert "厨余垃圾处理厂" in plan_legend("zh") and "food-waste plant" in plan_legend("en")


def test_co_treatment_makes_incinerators_take_food_at_a_price(zhoukou):
    """Food arcs into incinerators cost haulage + the 50 CNY/t surcharge − the power wet waste earns: at a new
    plant 330 kWh × 0.3779 CNY/kWh = 124.707 CNY/t × 2,417.75 / 5,400; a tonne uses 1.3 t/d of nameplate."""
    _, scenario = zhoukou
    allowed = scenario.with_changes({"sorting": {"cotreatment": {"allowed": True}}})
    problem = build_problem(allowed, load_region(allowed))
    incinerator = problem.technologies["incinerator"]
    assert "food" in incinerator.accepts and incinerator.capacity_factor("food") == 1.3
    arcs = problem.arcs
    burnt = arcs[(arcs["stream"] == "food") & arcs["destination"].map(problem.sites["technology"]).eq("incinerator")]
    per_km = allowed.sorting.food_cny_per_t_km + 60 * 0.2 / 1000  # carbon price × 0.2 kg CO2 per loaded t·km
    revenue = power_revenue_cny_per_t(allowed, problem.sites)
    assert revenue[problem.sites.loc[revenue.index, "is_new"].astype(bool)].unique() == pytest.approx([124.707])
    expected = burnt["km"] * per_km + 50 - burnt["destination"].map(revenue) * 2417.75 / 5400
    assert len(burnt) and burnt["cost_per_t"].to_numpy() == pytest.approx(expected.to_numpy())
    assert "food" not in build_problem(scenario, load_region(scenario)).technologies["incinerator"].accepts


def test_a_plant_nothing_reaches_puts_out_nothing():
    """No food is sorted out, so the food-waste plant D receives nothing; its residue arc into the incinerator,
    which earns 10 CNY/t, must not carry residue that no food balances (before the fix: unbounded)."""
    techs = {"incinerator": Technology("incinerator", ("msw", "residue"), cost_per_t=-10.0),
             "digester": Technology("digester", ("food",), module_sizes_tpd=(60.0,), module_annual_cost=(300.0,),
                                    cost_per_t=100.0, outputs=(("residue", 0.2),))}
    problem = SitingProblem(
        demand=pd.DataFrame({"msw": [100.0], "food": [0.0]}, index=["A"]),
        sites=sites([("I", "incinerator", False), ("D", "digester", True)]), technologies=techs,
        arcs=pd.DataFrame([("A", "I", "msw", 0.0, 0.0), ("A", "D", "food", 0.0, 0.0), ("D", "I", "residue", 0.0, 0.0)],
                          columns=ARC_COLUMNS), days_per_year=1.0)
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(-1000.0)
    assert "residue" not in set(solution.flows["stream"])
