"""The siting engine on instances small enough to solve by hand, and the Henan spine end to end."""
import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from wasteopt import InfeasibleError, compute_kpis, export_plan, load_scenario
from wasteopt.siting import FlowCap, SitingProblem, Technology, solve_scenario
from wasteopt.siting import solve_problem


def line_of_three(**changes) -> SitingProblem:
    """Three towns on a road: A (0 km), B (10 km), C (50 km), 100 t/d each; candidate plants at A and C.

    A plant: site 5,000 CNY/yr, 150 t/d modules at 1,000 CNY/yr, ≤ 2 modules; haul 1 CNY/t·km; landfill at
    every town costs 60 CNY/t. By hand: open A with 2 modules, serve A, B and C there:
    5,000 + 2,000 + 100·10 + 100·50 = 13,000 CNY (C by landfill costs 6,000 > 5,000 haul; two plants 14,000).
    """
    demand = pd.DataFrame({"msw": [100.0, 100.0, 100.0]}, index=["A", "B", "C"])
    sites = pd.DataFrame({
        "technology": ["plant", "plant", "landfill"], "existing_capacity_tpd": 0.0, "existing_modules": 0,
        "is_new": [True, True, False], "lock": "",
    }, index=["SA", "SC", "LF"])
    km = {("A", "SA"): 0, ("B", "SA"): 10, ("C", "SA"): 50, ("A", "SC"): 50, ("B", "SC"): 40, ("C", "SC"): 0}
    arcs = [(o, d, "msw", k, float(k)) for (o, d), k in km.items()]
    arcs += [(o, "LF", "msw", 0.0, 60.0) for o in "ABC"]
    arcs = pd.DataFrame(arcs, columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {
        "plant": Technology("plant", ("msw",), module_sizes_tpd=(150.0,), module_annual_cost=(1000.0,),
                            site_annual_cost=5000.0, max_modules=2),
        "landfill": Technology("landfill", ("msw",)),
    }
    fields = dict(demand=demand, sites=sites, technologies=techs, arcs=arcs, single_sourcing=("msw",), days_per_year=1.0)
    fields.update(changes)
    return SitingProblem(**fields)


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_hand_solved_instance_reaches_its_optimum(backend):
    solution = solve_problem(line_of_three(), backend=backend, rel_gap=0)
    assert solution.result.status == "optimal"
    assert solution.objective == pytest.approx(13000.0)
    assert solution.result.gap == pytest.approx(0.0, abs=1e-9)
    sites = solution.sites
    assert sites.loc["SA", "opened"] and not sites.loc["SC", "opened"]
    assert sites.loc["SA", "new_modules"] == 2 and sites.loc["SA", "capacity_tpd"] == 300


def test_landfill_cap_changes_the_optimum():
    # With C forbidden to landfill and only 150 t/d at A... caps: landfill at most 100 t/d, plants ≤ 1 module.
    techs = dict(line_of_three().technologies)
    techs["plant"] = Technology("plant", ("msw",), module_sizes_tpd=(150.0,), module_annual_cost=(1000.0,),
                                site_annual_cost=5000.0, max_modules=1)
    problem = line_of_three(technologies=techs, flow_caps=(FlowCap("msw", "landfill", 100.0),))
    # One plant holds one town (150 t/d < 200): two plants (A+B? no, 100 each) → A at SA, C at SC, B to landfill:
    # 2·(5,000 + 1,000) + 6,000 = 18,000; one plant + two landfilled towns breaks the 100 t/d cap.
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(18000.0)


def test_zero_landfill_plan_lands_no_raw_msw(zero_landfill_plan):
    kpis = compute_kpis(zero_landfill_plan)
    assert kpis["raw_msw_landfill_tpd"] == 0
    assert kpis["incineration_capacity_tpd"] >= 70000
    assert kpis["status"] in ("optimal", "time_limit")
    assert kpis["best_bound"] <= kpis["objective"] + 1e-6
    goal = {g["kpi"]: g for g in kpis["goals"]}
    assert goal["raw_msw_landfill_tpd"]["met"] and goal["incineration_capacity_tpd"]["met"]
    # every county's MSW is shipped in full, to plants only
    msw = zero_landfill_plan.flows.query("stream == 'msw'")
    shipped = msw.groupby("origin")["tonnes_per_day"].sum()
    demand = zero_landfill_plan.demand["msw_tpd"]
    assert len(shipped) == 157 and (shipped - demand.reindex(shipped.index)).abs().max() < 1e-4
    assert set(msw["destination_technology"]) == {"incinerator"}


def test_geopackage_reads_back_with_layers_and_crs(zero_landfill_plan, tmp_path):
    kpis = compute_kpis(zero_landfill_plan)
    files = export_plan(zero_landfill_plan, kpis, tmp_path / "run")
    layers = {name for name, _ in pyogrio.list_layers(files["gpkg"])}
    assert layers == {"plants", "landfills", "demand", "flows"}
    one_type = {"plants": "Point", "landfills": "Point", "demand": "MultiPolygon", "flows": "LineString"}
    for layer in layers:  # one geometry type per layer (ArcGIS needs it), declared so in the file
        gdf = gpd.read_file(files["gpkg"], layer=layer)
        assert gdf.crs.to_epsg() == 4326 and len(gdf) > 0
        assert set(gdf.geom_type) == {one_type[layer]} and pyogrio.read_info(files["gpkg"], layer=layer)[
            "geometry_type"] == one_type[layer]
    landfills = gpd.read_file(files["gpkg"], layer="landfills")
    assert set(landfills["technology"]) == {"landfill"} and "landfill" not in set(
        gpd.read_file(files["gpkg"], layer="plants")["technology"])
    flows = gpd.read_file(files["gpkg"], layer="flows")
    assert set(flows.geom_type) == {"LineString"}
    written = json.loads(files["kpis"].read_text())
    assert written["raw_msw_landfill_tpd"] == 0 and written["solver_message"] == zero_landfill_plan.message
    for layer in layers:  # the same layers as RFC 7946 GeoJSON: WGS84, one file each
        geojson = json.loads(files[f"geojson_{layer}"].read_text(encoding="utf-8"))
        assert geojson["type"] == "FeatureCollection" and "crs" not in geojson
        assert len(geojson["features"]) == len(gpd.read_file(files["gpkg"], layer=layer))
    plants = gpd.read_file(files["geojson_plants"])
    assert plants.crs.to_epsg() == 4326 and plants["name_zh"].str.contains("郑州").any()


def test_infeasible_scenario_names_the_counties(tmp_path, root):
    config = tmp_path / "tiny-haul.yaml"
    config.write_text(
        f"name: tiny haul\nextends: {root / 'configs' / 'henan-2025-zero-landfill.yaml'}\n"
        f"region: {{seeds: {root / 'seeds' / 'henan'}}}\n"
        "network: {max_haul_km: 5}\npolicy: {new_plants: {max: 0}, province_capacity_target_tpd: null}\n"
        "incinerator: {allow_expansion: false}\n", encoding="utf-8")
    scenario = load_scenario(config)
    with pytest.raises(InfeasibleError) as caught:
        solve_scenario(scenario, time_limit=10)
    message = str(caught.value)
    unserved = caught.value.explanation.unserved
    assert len(unserved) > 100
    assert "max_haul_km = 5 km" in message
    assert "410222" in set(unserved["node"])  # 通许县 has no plant in 2020
    first = unserved.iloc[0]
    assert f"{first.node} {first.name_zh}" in message and f"{first.tonnes_per_day:,.0f} t/d {first.stream}" in message


def test_recomputed_cost_equals_the_objective(zero_landfill_plan):
    kpis = compute_kpis(zero_landfill_plan)
    assert kpis["cost_cny_per_year"] == pytest.approx(zero_landfill_plan.objective, rel=1e-6)


def classic(kind, **kw):
    from wasteopt.siting import Objective
    return line_of_three(objective=Objective(kind=kind, technology="plant", **kw))


@pytest.mark.parametrize("p, best_t_km", [(1, 6000.0), (2, 1000.0)])
def test_p_median(p, best_t_km):
    # p = 1: SA serves all, 100·10 + 100·50 t·km; p = 2: only B travels (10 km)
    solution = solve_problem(classic("p_median", p=p), rel_gap=0)
    assert solution.objective == pytest.approx(best_t_km)


@pytest.mark.parametrize("radius, plants", [(45.0, 2), (60.0, 1)])
def test_set_cover(radius, plants):
    # within 45 km, A reaches only SA and C only SC; within 60 km SA reaches all three
    solution = solve_problem(classic("set_cover", radius_km=radius), rel_gap=0)
    assert solution.objective == pytest.approx(plants)
    assert solution.sites.loc[["SA", "SC"], "opened"].sum() == plants


def test_max_coverage_leaves_the_far_town_uncovered():
    # one plant, 45 km: SA covers A and B (200 t/d), C (100 t/d) stays uncovered
    solution = solve_problem(classic("max_coverage", p=1, radius_km=45.0), rel_gap=0)
    assert solution.objective == pytest.approx(100.0)


def landfills_only(**changes) -> SitingProblem:
    """Two towns, two landfills next to them (10 CNY/t near, 50 CNY/t far), 1,000 CNY/yr to keep one running."""
    from wasteopt.siting.problem import StopTarget  # noqa: F401  (used by callers through changes)
    demand = pd.DataFrame({"msw": [100.0, 100.0]}, index=["A", "C"])
    sites = pd.DataFrame({"technology": "landfill", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": False, "lock": ""}, index=["LA", "LC"])
    arcs = pd.DataFrame([("A", "LA", "msw", 0.0, 10.0), ("A", "LC", "msw", 50.0, 50.0),
                         ("C", "LA", "msw", 50.0, 50.0), ("C", "LC", "msw", 0.0, 10.0)],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {"landfill": Technology("landfill", ("msw",), operating_annual_cost=1000.0, gated_streams=("msw",))}
    fields = dict(demand=demand, sites=sites, technologies=techs, arcs=arcs, single_sourcing=("msw",), days_per_year=1.0)
    fields.update(changes)
    return SitingProblem(**fields)


def test_landfill_stop_decisions():
    from wasteopt.siting.problem import StopTarget

    both = solve_problem(landfills_only(), rel_gap=0)  # 2·1,000 + 2·100·10
    assert both.objective == pytest.approx(4000.0) and both.sites["running"].all()
    one = solve_problem(landfills_only(stop_targets=(StopTarget("landfill", min_stopped=1),)), rel_gap=0)
    assert one.objective == pytest.approx(7000.0)  # 1,000 + 100·10 + 100·50
    assert one.sites["running"].sum() == 1
    restored = solve_problem(landfills_only(stop_targets=(StopTarget("landfill", 1, 1, 500.0),)), rel_gap=0)
    assert restored.objective == pytest.approx(7500.0)
    assert (restored.sites["restored"] & ~restored.sites["running"]).sum() == 1


def test_exclusion_zone_with_buffer(tmp_path):
    from shapely.geometry import box

    from wasteopt.siting.exclusion import excluded_sites

    zone = gpd.GeoDataFrame(geometry=[box(113.60, 34.70, 113.62, 34.72)], crs="EPSG:4326")
    path = tmp_path / "water_source.geojson"
    zone.to_file(path, driver="GeoJSON")
    # inside; ~180 m east of the zone; ~1.8 km east
    sites = pd.DataFrame({"lon": [113.61, 113.622, 113.64], "lat": [34.71, 34.71, 34.71]}, index=["in", "near", "far"])
    assert excluded_sites(sites, [path]) == ["in"]
    assert excluded_sites(sites, [path], buffer_m=300) == ["in", "near"]
