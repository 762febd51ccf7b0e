"""C&D by the CJJ/T 134-2019 categories, and yards that fill up (volume cells), on instances solved by hand."""
import pandas as pd
import pytest

from wasteopt import compute_kpis, load_scenario, solve_scenario
from wasteopt.config.errors import ScenarioError
from wasteopt.siting import SitingProblem, Technology, solve_phases, solve_problem
from wasteopt.siting.scenario_problem import demand_table
from wasteopt.data.region import load_region
from wasteopt.config.scenario import Scenario

CATEGORY_STREAMS = ("cd_spoil", "cd_slurry", "cd_construction", "cd_demolition", "cd_decoration")


def tiny(tiny_seeds, **cd) -> Scenario:
    return Scenario(name="cd-categories", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                    cd={"enabled": True, **cd})


def test_default_categories_split_the_single_streams_tonnage(tiny_seeds):
    """The default routine drivers add up to 0.5 t/urban resident/yr and the programmes go to decoration
    (renovation) and demolition (shantytown), so each county generates the same as in the single stream."""
    one = tiny(tiny_seeds)
    split = tiny(tiny_seeds, by_category=True)
    single = demand_table(one, load_region(one))
    by_category = demand_table(split, load_region(split))
    assert "cd_spoil_tpd" not in single and "cd_tpd" not in by_category
    assert by_category[[f"{s}_tpd" for s in CATEGORY_STREAMS]].sum(axis=1).to_numpy() == pytest.approx(single["cd_tpd"].to_numpy())
    assert by_category["cd_generated_tpd"].to_numpy() == pytest.approx(single["cd_generated_tpd"].to_numpy())
    urban = single["urban_population"].astype(float)
    assert by_category["cd_spoil_tpd"].to_numpy() == pytest.approx((0.30 * urban / 365).to_numpy())
    renovation = 1_000_000 * 8 / 5 * urban / urban.sum() / 365  # 100万户 × 8 t over 5 years, by urban population
    assert by_category["cd_decoration_tpd"].to_numpy() == pytest.approx(renovation.to_numpy())


@pytest.fixture(scope="module")
def category_plan(tiny_seeds):
    """Spoil may only go to yards, decoration only to recyclers, slurry only to dewatering; nothing to landfill."""
    categories = {"spoil": {"onsite_reuse_max_share": 0.0, "destinations": ["yard"]},
                  "construction": {"destinations": ["reuse", "recycler"]},
                  "demolition": {"destinations": ["reuse", "recycler"]},
                  "decoration": {"destinations": ["recycler"]}}
    return solve_scenario(tiny(tiny_seeds, by_category=True, categories=categories, recycler={"max_modules": 20}),
                          time_limit=60)


def test_each_category_goes_only_where_it_may(category_plan):
    flows, demand = category_plan.flows, category_plan.demand
    where = flows[flows["stream"].isin(CATEGORY_STREAMS)].groupby("stream")["destination_technology"].unique()
    allowed = {"cd_spoil": {"cd_yard"}, "cd_slurry": {"cd_dewatering"}, "cd_decoration": {"cd_recycler"},
               "cd_construction": {"cd_reuse", "cd_recycler"}, "cd_demolition": {"cd_reuse", "cd_recycler"}}
    for stream, technologies in where.items():
        assert set(technologies) <= allowed[stream], stream
    into_yards = flows[flows["destination_technology"] == "cd_yard"]
    assert set(into_yards["stream"]) <= {"cd_spoil", "cd_residue"}  # no category that may not go to a yard does
    tonnes = lambda stream, tech: flows.loc[(flows["stream"] == stream)  # noqa: E731
                                            & (flows["destination_technology"] == tech), "tonnes_per_day"].sum()
    assert tonnes("cd_spoil", "cd_yard") == pytest.approx(demand["cd_spoil_tpd"].sum(), rel=1e-6)
    assert tonnes("cd_slurry", "cd_dewatering") == pytest.approx(demand["cd_slurry_tpd"].sum(), rel=1e-6)
    cake = flows[(flows["stream"] == "cd_residue") & flows["origin"].str.startswith("W")]["tonnes_per_day"].sum()
    assert cake == pytest.approx(0.5 * demand["cd_slurry_tpd"].sum(), rel=1e-6)  # cake_share 0.5
    reused = tonnes("cd_construction", "cd_reuse")
    assert reused <= 0.2 * demand["cd_construction_tpd"].sum() + 1e-6


def test_yard_volume_is_tonnes_over_each_categorys_density(category_plan):
    kpis = compute_kpis(category_plan)
    flows = category_plan.flows
    spoil = flows.loc[(flows["stream"] == "cd_spoil") & (flows["destination_technology"] == "cd_yard"), "tonnes_per_day"].sum()
    residue = flows.loc[(flows["stream"] == "cd_residue") & (flows["destination_technology"] == "cd_yard"), "tonnes_per_day"].sum()
    assert kpis["cd_spoil_yard_m3_per_year"] == pytest.approx(round(spoil * 365 / 1.8), abs=0.5)
    assert kpis["cd_decoration_yard_m3_per_year"] == 0
    yards = flows[flows["destination_technology"] == "cd_yard"]
    fill = (yards["tonnes_per_day"] * 365 / yards["stream"].map({"cd_spoil": 1.8, "cd_residue": 1.5})).groupby(
        yards["destination"]).sum()  # residue at the yard's density
    assert kpis["cd_yard_years_left"] == pytest.approx((1_000_000 / fill).round(2).to_dict(), abs=0.01)
    assert kpis["cd_yard_years_left_min"] == pytest.approx(min(1_000_000 / fill), abs=0.01)
    assert kpis["cd_spoil_generated_tpd"] == pytest.approx(category_plan.demand["cd_spoil_tpd"].sum(), abs=0.05)


def test_reuse_share_without_reuse_is_a_one_line_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\ncd:\n  enabled: true\n  by_category: true\n  categories:\n    spoil:\n"
                    "      destinations: [yard]\n")
    with pytest.raises(ScenarioError, match="cd.categories.spoil.*'reuse' in destinations"):
        load_scenario(path)


def yard_problem(second_yard: bool, extensions: int, reserve_years: float = 0.0) -> SitingProblem:
    """Town A sends 100 t/d of spoil (2 t/m³) for one day a year: 50 m³ a year. Yard Y1 in town: cells of 120 m³
    (1,000 CNY/yr each, site 100 CNY/yr), up to ``extensions`` more; optional Y2 alike at 5 CNY/t of haul;
    the landfill costs 200 CNY/t. ``reserve_years``: the yard's fill_years (phased: what must still fit after the last year)."""
    yard = Technology("yard", ("cd_spoil",), module_sizes_tpd=(1000.0,), module_annual_cost=(1000.0,),
                      site_annual_cost=100.0, max_modules=1 + extensions, volume_m3_per_module=120.0, fill_years=reserve_years,
                      t_per_m3=(("cd_spoil", 2.0),))
    names = ["Y1", "LF"] + (["Y2"] if second_yard else [])
    sites = pd.DataFrame({"technology": ["yard", "landfill"] + ["yard"] * second_yard, "existing_capacity_tpd": 0.0,
                          "existing_modules": 0, "is_new": [True, False] + [True] * second_yard, "lock": ""}, index=names)
    arcs = pd.DataFrame([("A", "Y1", "cd_spoil", 0.0, 0.0), ("A", "LF", "cd_spoil", 0.0, 200.0)]
                        + [("A", "Y2", "cd_spoil", 10.0, 5.0)] * second_yard,
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    return SitingProblem(demand=pd.DataFrame({"cd_spoil": [100.0]}, index=["A"]), sites=sites,
                         technologies={"yard": yard, "landfill": Technology("landfill", ("cd_spoil",))}, arcs=arcs,
                         days_per_year=1.0)


YEARS = [2021, 2022, 2023, 2024]


def test_a_yard_that_fills_in_year_three_is_extended():
    """Fill so far 50, 100, 150 m³ > one cell's 120 m³ in 2023: a second cell then (extending earlier pays its
    1,000 CNY/yr sooner; landfilling the 30 m³ over costs 12,000). Cost 4 × (100 + 1,000) + 2 × 1,000 = 6,400."""
    phased = solve_phases([yard_problem(False, 1)] * 4, YEARS, rel_gap=0, search=None)
    assert phased.result.objective == pytest.approx(6400.0)
    assert [int(s.sites.loc["Y1", "new_modules"]) for s in phased.solutions] == [1, 1, 2, 2]
    fill = phased.schedule.loc["Y1"]
    assert (fill["year_built"], fill["year_complete"], fill["year_full_first"]) == (2021, 2023, 2023)
    assert (fill["volume_m3"], fill["fill_m3"], fill["volume_left_m3"], fill["fill_m3_per_year"]) == \
        pytest.approx((240.0, 200.0, 40.0, 50.0))
    assert fill["years_left"] == pytest.approx(0.8)
    assert phased.schedule.loc["LF", "volume_m3"] != phased.schedule.loc["LF", "volume_m3"]  # NaN: no volume


def test_a_yard_that_fills_in_year_three_is_replaced():
    """No extension allowed: Y1 takes 100, 100 and the last 40 t (20 m³) in 2023; Y2 opens in 2023 for the
    other 60 t, and all 100 t in 2024 (at 5 % discounting Y2's haul is put as late as it can be).
    Cost 4 × 1,100 (Y1) + 2 × 1,100 (Y2) + (60 + 100) × 5, each year × 1.05^−(year − 2021)."""
    phased = solve_phases([yard_problem(True, 0)] * 4, YEARS, discount_rate=0.05, rel_gap=0, search=None)
    w = [1.05 ** -k for k in range(4)]
    assert phased.result.objective == pytest.approx(1100 * sum(w) + 1100 * (w[2] + w[3]) + 60 * 5 * w[2] + 100 * 5 * w[3])
    into = [s.flows.set_index("destination")["tonnes_per_day"] for s in phased.solutions]
    assert [float(f.get("Y1", 0.0)) for f in into] == pytest.approx([100.0, 100.0, 40.0, 0.0])
    assert [float(f.get("Y2", 0.0)) for f in into] == pytest.approx([0.0, 0.0, 60.0, 100.0])
    assert phased.schedule.loc["Y2", "year_built"] == 2023
    assert phased.schedule.loc["Y1", "volume_left_m3"] == pytest.approx(0.0)
    assert phased.schedule.loc["Y1", "year_full_first"] == 2023  # full that year, and not extended
    assert phased.schedule.loc["Y2", "year_full_first"] is pd.NA


def test_one_year_a_yard_holds_its_horizon_of_intake():
    """One year, fill_years 3: 3 × 50 m³ = 150 m³ needs two cells of 120 m³ (2 × 1,000 + 100)."""
    solution = solve_problem(yard_problem(False, 2, reserve_years=3.0), rel_gap=0, search=None)
    assert solution.objective == pytest.approx(2100.0)
    assert int(solution.sites.loc["Y1", "new_modules"]) == 2


def test_phased_scenario_tracks_each_yards_fill_and_years_left(tiny_seeds):
    """Two counties, 2021–2023, cells of 300,000 m³ that must hold one year of intake: the plan's yards carry their
    fill, and the KPI's years left per yard is the volume the fill left ÷ the last year's fill."""
    from wasteopt.siting.pipeline import solve_phased

    scenario = Scenario(name="cd-phased", region={"seeds": str(tiny_seeds), "baseline_year": 2020, "target_year": 2023},
                        demand={"calibration": None}, phasing={"years": [2021, 2022, 2023]},
                        cd={"enabled": True, "by_category": True,
                            "yard": {"track_volume": True, "volume_m3": 300_000, "horizon_years": 1}})
    plan = solve_phased(scenario, time_limit=60)
    yards = plan.facilities[(plan.facilities["technology"] == "cd_yard") & (plan.facilities["throughput_tpd"] > 0)]
    assert len(yards)
    assert (yards["volume_m3"] == 300_000 * yards["new_modules"]).all()
    assert (yards["years_left"] >= 1 - 1e-6).all()  # horizon_years 1: a year of the last year's intake still fits
    assert (yards["volume_left_m3"] - (yards["volume_m3"] - yards["fill_m3"])).abs().max() < 1e-6
    flows = plan.flows[plan.flows["destination"].isin(yards.index)]
    rate = (flows["tonnes_per_day"] * 365 / flows["stream"].map({"cd_spoil": 1.8, "cd_residue": 1.5})).groupby(
        flows["destination"]).sum()
    assert yards["fill_m3_per_year"].to_numpy() == pytest.approx(rate.reindex(yards.index).to_numpy())
    kpis = compute_kpis(plan)
    assert kpis["cd_yard_years_left"] == pytest.approx((yards["volume_left_m3"] / rate).round(2).to_dict(), abs=0.01)
    full = yards["year_full_first"].dropna()
    assert (yards.loc[full.index, "year_complete"] >= full).all()  # a yard full in a year was extended then or after


def test_the_report_lists_each_yards_years_left(category_plan, tmp_path):
    from wasteopt import export_plan
    from wasteopt.reporting.report import write_report

    kpis = compute_kpis(category_plan)
    export_plan(category_plan, kpis, tmp_path / "run")
    page = write_report(tmp_path / "run")["html"].read_text(encoding="utf-8")
    assert "C&amp;D yards: years of life left" in page
    for site, years in kpis["cd_yard_years_left"].items():
        assert f"<td>{site}</td>" in page and f"<td>{years:,.1f}</td>" in page  # one decimal, as in report.xlsx
    assert "工程渣土进消纳场体积 spoil into yards" in page


def test_a_phased_plan_ends_with_its_reserve_of_volume():
    """Reserve 1 year: 200 m³ filled by 2024 + 50 m³ more = 250 > two cells' 240, so a third cell in 2024
    (landfilling 10 t instead, to fill and reserve 5 m³ less each, would cost 2,000).
    Cost 4 × (100 + 1,000) + 2 × 1,000 (the second cell from 2023) + 1,000 (the third in 2024) = 7,400."""
    phased = solve_phases([yard_problem(False, 2, reserve_years=1.0)] * 4, YEARS, rel_gap=0, search=None)
    assert phased.result.objective == pytest.approx(7400.0)
    assert [int(s.sites.loc["Y1", "new_modules"]) for s in phased.solutions] == [1, 1, 2, 3]
    assert phased.schedule.loc["Y1", "years_left"] == pytest.approx((360.0 - 200.0) / 50.0)


def test_routing_and_reconciliation_read_category_streams(category_plan, tmp_path):
    """Routing hauls every category leaving a county (not the residue leaving plants, not on-site reuse), and the
    reconciliation's planned figures per county add the categories up to what the county generates."""
    from wasteopt import export_plan
    from wasteopt.cd.reconcile import _plan_tables
    from wasteopt.routing.county import cd_shipments

    flows = category_plan.flows
    shipped = cd_shipments(flows)
    assert set(shipped["stream"]) <= set(CATEGORY_STREAMS) and "cd_reuse" not in set(shipped["destination_technology"])
    travelling = flows["stream"].isin(CATEGORY_STREAMS) & (flows["destination_technology"] != "cd_reuse")
    assert shipped["tonnes_per_day"].sum() == pytest.approx(flows.loc[travelling, "tonnes_per_day"].sum())
    export_plan(category_plan, compute_kpis(category_plan), tmp_path / "run")
    counties = _plan_tables(str(tmp_path / "run"))["counties"]
    generated = category_plan.demand["cd_generated_tpd"]
    generated.index = generated.index.astype(str)
    assert counties["planned_generated_tpd"].to_dict() == pytest.approx(generated.round(2).to_dict(), abs=0.02)


def test_the_app_reuse_knobs_act_on_each_category_when_cd_is_split(tiny_seeds):
    """By category, the single stream's share is read by nothing: each category that may be reused has its own knob,
    and moving it moves that category's on-site reuse cap (unmoved knobs change nothing)."""
    from wasteopt.app.knobs import changes_from_knobs, knob_values
    from wasteopt.config.changes import scenario_changes
    from wasteopt.siting.cd_categories import reuse_shares

    split = tiny(tiny_seeds, by_category=True)
    values = knob_values(split)
    assert {k: v for k, v in values.items() if k.startswith("cd_reuse_pct_")} == {
        "cd_reuse_pct_spoil": 40.0, "cd_reuse_pct_construction": 20.0, "cd_reuse_pct_demolition": 20.0}
    assert not scenario_changes(split, split.with_changes(changes_from_knobs(values)))
    moved = split.with_changes(changes_from_knobs({**values, "cd_reuse_pct_spoil": 10.0}))
    assert reuse_shares(moved) == {"cd_spoil": 0.1, "cd_construction": 0.2, "cd_demolition": 0.2}
    # a category that may not be reused on site has no knob: its destinations would refuse a share
    no_spoil_reuse = tiny(tiny_seeds, by_category=True,
                          categories={"spoil": {"onsite_reuse_max_share": 0.0, "destinations": ["yard"]}})
    assert "cd_reuse_pct_spoil" not in knob_values(no_spoil_reuse)
