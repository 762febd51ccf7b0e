"""Phasing: two-year instances solved by hand, the yearly build budget, and the Henan phased config."""
import pandas as pd
import pytest

from wasteopt.siting import FlowCap, SitingProblem, Technology, solve_phases
from wasteopt.siting.formulation.phasing import BuildCapital, year_weights

CAPITAL = BuildCapital("plant", site=10_000.0, per_module=(5_000.0,))  # one-off CNY


def town_with_landfill(tpd: float, *, zero_landfill: bool = False) -> SitingProblem:
    """Town A (tpd t/d), a candidate plant SA in the town, an existing landfill LF at 60 CNY/t.

    Plant: site 2,000 CNY/yr, 100 t/d modules at 1,000 CNY/yr each, ≤ 2 modules. Keeping LF running costs
    1,000 CNY/yr. Split flows, one day per year, so every figure below is CNY per year-block.
    """
    demand = pd.DataFrame({"msw": [tpd]}, index=["A"])
    sites = pd.DataFrame({"technology": ["plant", "landfill"], "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": [True, False], "lock": ""}, index=["SA", "LF"])
    arcs = pd.DataFrame([("A", "SA", "msw", 0.0, 0.0), ("A", "LF", "msw", 0.0, 60.0)],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {
        "plant": Technology("plant", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1000.0,),
                            site_annual_cost=2000.0, max_modules=2),
        "landfill": Technology("landfill", ("msw",), operating_annual_cost=1000.0, gated_streams=("msw",)),
    }
    caps = (FlowCap("msw", "landfill", 0.0),) if zero_landfill else ()
    return SitingProblem(demand=demand, sites=sites, technologies=techs, arcs=arcs, flow_caps=caps, days_per_year=1.0)


@pytest.mark.parametrize("rate, optimum", [(0.0, 7000.0), (0.5, 3000.0 + 4000.0 / 1.5)])
def test_growing_demand_builds_in_year_one_and_expands(rate, optimum):
    """100 t/d in year 1, 200 t/d and zero landfill in year 2 (year 2 weighted 1/(1+r)).

    Year 2 needs the plant with 2 modules: 2,000 + 2,000 = 4,000. Year 1: landfill 100·60 + 1,000 = 7,000,
    or the plant with one module 2,000 + 1,000 = 3,000 (landfill stopped), or two modules 4,000.
    Optimum: one module in year 1, a second in year 2, LF stopped in year 1: 3,000 + 4,000/(1+r).
    """
    phased = solve_phases([town_with_landfill(100.0), town_with_landfill(200.0, zero_landfill=True)],
                          [2024, 2025], discount_rate=rate, capital=CAPITAL, rel_gap=0)
    assert phased.result.status == "optimal"
    assert phased.result.objective == pytest.approx(optimum)
    path = phased.path.set_index("year")
    assert path["capacity_tpd"].tolist() == [100.0, 200.0]
    assert path["raw_msw_landfill_tpd"].tolist() == [0.0, 0.0]
    assert path["landfills_stopped"].tolist() == [1, 1]
    assert path["cost_wan_cny"].tolist() == pytest.approx([0.3, 0.4])  # undiscounted, 万元
    assert path["capital_spent_wan_cny"].tolist() == pytest.approx([1.5, 0.5])  # site + module, then a module
    assert phased.schedule.loc["SA", "year_built"] == 2024  # its first module
    assert phased.schedule.loc["SA", "year_complete"] == 2025  # its second
    assert phased.schedule.loc["LF", "year_stopped"] == 2024


def test_built_plants_stay_built_when_demand_falls():
    """200 t/d in year 1, 100 t/d in year 2, no policy. Year 1: two modules (4,000) beat one module plus
    100 t/d landfilled (3,000 + 6,000 + 1,000) and landfill only (13,000). Year 2 alone would take one
    module (3,000), but built stays built: 4,000 again. Optimum 8,000; LF stopped in both years."""
    phased = solve_phases([town_with_landfill(200.0), town_with_landfill(100.0)], [2024, 2025], rel_gap=0)
    assert phased.result.objective == pytest.approx(8000.0)
    year2 = phased.solutions[1].sites
    assert year2.loc["SA", "new_modules"] == 2 and year2.loc["SA", "capacity_tpd"] == 200
    assert not year2.loc["LF", "running"]
    assert phased.path["capacity_tpd"].tolist() == [200.0, 200.0]


def test_linked_solve_starts_from_the_last_year_alone_and_leaves_that_plan(monkeypatch):
    """The case above. Year 2 alone takes one module (3,000). With it fixed, year 1 holds at most that
    module; its best timing is the module in year 1 with 100 t/d landfilled (3,000 + 6,000 + 1,000): a
    start of 13,000. The linked optimum builds both modules in year 1 (8,000): the solve leaves the start."""
    from wasteopt.siting import pipeline

    starts, solve_milp = [], pipeline.solve_milp

    def spy(m, *args, start=None, **options):
        if start is not None:
            starts.append(float(m.arrays()[0] @ start))
        return solve_milp(m, *args, start=start, **options)

    monkeypatch.setattr(pipeline, "solve_milp", spy)
    phased = solve_phases([town_with_landfill(200.0), town_with_landfill(100.0)], [2024, 2025], rel_gap=0)
    assert starts == [pytest.approx(13000.0)]
    assert phased.result.objective == pytest.approx(8000.0) and phased.result.status == "optimal"
    assert "last year's own plan" in phased.result.message


def test_budget_forces_a_later_build():
    """200 t/d both years, zero landfill in year 2; capital: site 10,000 and 5,000 per module (one-off).

    Unbudgeted: the full plant in year 1, 4,000 + 4,000 = 8,000. With 16,000 per year the full plant
    (20,000) cannot be built in one year: year 1 site + one module (15,000; 3,000 + 100·60 + 1,000 = 10,000),
    year 2 the second module (5,000; 4,000 with LF stopped) = 14,000. Building nothing in year 1 leaves
    20,000 for year 2: over budget.
    """
    problems = [town_with_landfill(200.0), town_with_landfill(200.0, zero_landfill=True)]
    free = solve_phases(problems, [2024, 2025], capital=CAPITAL, rel_gap=0)
    assert free.result.objective == pytest.approx(8000.0)
    assert free.path["capital_spent_wan_cny"].tolist() == pytest.approx([2.0, 0.0])
    budget = solve_phases(problems, [2024, 2025], capital=CAPITAL, budget_per_year=16_000.0, rel_gap=0)
    assert budget.result.objective == pytest.approx(14000.0)
    path = budget.path.set_index("year")
    assert path["capacity_tpd"].tolist() == [100.0, 200.0]
    assert path["raw_msw_landfill_tpd"].tolist() == [100.0, 0.0]
    assert path["capital_spent_wan_cny"].tolist() == pytest.approx([1.5, 0.5])
    assert budget.schedule.loc["LF", "year_stopped"] == 2025
    assert solve_phases(problems, [2024, 2025], capital=CAPITAL, budget_per_year=12_000.0).result.status == "infeasible"


def test_year_weights_cover_the_years_between():
    assert year_weights([2021, 2022], 0.5) == pytest.approx([1.0, 1 / 1.5])
    assert year_weights([2021, 2023, 2025], 0.0) == pytest.approx([2.0, 2.0, 1.0])


def test_budget_needs_capital_figures():
    with pytest.raises(ValueError, match="capital"):
        solve_phases([town_with_landfill(100.0)], [2025], budget_per_year=1.0)


def test_henan_two_year_phasing_smoke(root, tmp_path, monkeypatch):
    """2024 → 2025 on the Henan spine: the path never loses capacity, 2025 meets zero landfill and the
    capacity target, the plan files carry year_built / year_stopped and capacity_path.csv, and the
    review report shows the path and each new plant's year."""
    from wasteopt import compute_kpis, export_plan, load_scenario, solve_scenario
    from wasteopt.reporting.kpi import kpi_text

    scenario = load_scenario(root / "configs" / "henan-2021-2025-phased.yaml").with_changes(
        {"phasing": {"years": [2024, 2025]}})
    plan = solve_scenario(scenario, time_limit=10)
    path = plan.capacity_path
    assert path["year"].tolist() == [2024, 2025]
    assert path["capacity_tpd"].is_monotonic_increasing and path["landfills_stopped"].is_monotonic_increasing
    assert path["raw_msw_landfill_tpd"].iloc[-1] == 0 and path["capacity_tpd"].iloc[-1] >= 70000
    new = plan.facilities[plan.facilities["status"] == "new"]
    assert len(new) and new["year_built"].isin([2024, 2025]).all()
    kpis = compute_kpis(plan)
    assert [row["year"] for row in kpis["capacity_path"]] == [2024, 2025]
    assert "capacity path" in kpi_text(kpis)
    files = export_plan(plan, kpis, tmp_path / "run")
    assert pd.read_csv(files["capacity_path"])["year"].tolist() == [2024, 2025]
    assert {"year_built", "year_complete", "year_stopped"} <= set(pd.read_csv(files["facilities"]).columns)

    from wasteopt.reporting.report import write_report
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)  # HTML + XLSX only
    report = write_report(tmp_path / "run")
    page = report["html"].read_text(encoding="utf-8")
    assert "<h2>逐年能力路径 Capacity path by year</h2>" in page and "single-period" not in page
    assert page.count('src="data:image/png;base64,') == 4  # two maps, prefectures, the path
    new_plants = pd.read_excel(report["xlsx"], sheet_name="新建扩建 new plants")
    first, complete = new_plants["首次投运 first in service"], new_plants["全部建成 all lines by"]
    assert set(first) <= {2024, 2025} and set(complete) <= {2024, 2025} and (first <= complete).all()
    landfills = pd.read_excel(report["xlsx"], sheet_name="填埋场 landfills")
    stopped = landfills[landfills["状态 status"].str.startswith("停止")]
    assert len(stopped) and stopped["停用年份 stopped from"].isin([2024, 2025]).all()
    path_sheet = pd.read_excel(report["xlsx"], sheet_name="逐年 capacity path")
    assert path_sheet["年份 year"].tolist() == [2024, 2025]
