"""One truth across the product (issue 30): one demand model for siting and routing, demand knobs that
move the total, exports that validate. Figures are literal, worked by hand from the seeds."""
from __future__ import annotations

import html
import sqlite3

import pytest

from wasteopt.runs.folder.plan_files import export_plan
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.runs.folder import RunFolder
from wasteopt.config.loader import load_scenario
from wasteopt.siting import solve_scenario

# 淮阳区 (411603), 2020 census: 339,754 urban and 682,568 rural residents; 2 %/yr growth to 2025 (× 1.02^5).
HUAIYANG = "411603"
GROWTH_2025 = 1.02 ** 5
RURAL_GENERATED = 682_568 * 0.52 * 0.95 / 1000 * GROWTH_2025  # 372.283 t/d collected from its villages
URBAN_GENERATED = 339_754 * 1.1 * 1.0 / 1000 * GROWTH_2025  # 412.627 t/d


def _two_counties(folder, seeds, extra: str = ""):
    config = folder / "two.yaml"
    config.write_text(f"name: 周口两县\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null{extra}}}\n"
                      "solver: {time_limit_s: 30, rel_gap: 0}\n", encoding="utf-8")
    return load_scenario(config)


def _solved_run(folder, scenario):
    plan = solve_scenario(scenario)
    export_plan(plan, compute_kpis(plan), folder / "run")
    return plan, RunFolder(folder / "run")


def _village_tonnes(scenario, run: RunFolder, adcode: str) -> float:
    from wasteopt.data.region import load_region
    from wasteopt.routing.county import county_job, siting_flows

    region = load_region(scenario)
    job = county_job(scenario, region, adcode, siting_flows(scenario, region, run), None, run.path / "routes",
                     "pyvrp", 1.0, 0)
    assert job.villages["population"].sum() == pytest.approx(682_568)
    return job.tonnes_per_day


def test_routing_a_county_from_a_run_routes_what_the_plan_sends_from_its_villages(tiny_seeds, tmp_path):
    scenario = _two_counties(tmp_path, tiny_seeds, ", sorted_out_share: 0.1")
    plan, run = _solved_run(tmp_path, scenario)
    # the plan ships all of 淮阳区's MSW to treat: (urban + rural) × 0.9 after the 10 % sorted out
    shipped = plan.flows[(plan.flows.stream == "msw") & (plan.flows.origin == HUAIYANG)].tonnes_per_day.sum()
    assert shipped == pytest.approx((URBAN_GENERATED + RURAL_GENERATED) * 0.9)  # 706.420 t/d
    assert run.demand().at[HUAIYANG, "msw_rural_tpd"] == pytest.approx(RURAL_GENERATED * 0.9)
    # the villages' share at the rural rate: 335.055 t/d (the old rural population share of 706.4 gave 471.6)
    assert _village_tonnes(scenario, run, HUAIYANG) == pytest.approx(335.055, abs=1e-3)


def test_routing_reads_the_residual_waste_of_rural_residents_after_sorting(tiny_seeds, tmp_path):
    scenario = _two_counties(tmp_path, tiny_seeds, ", sorted_out_share: 0")
    scenario = scenario.with_changes({"sorting": {"enabled": True}})
    _, run = _solved_run(tmp_path, scenario)
    # rural captures in 2025: food 0.40 × 0.10, recyclables 0.10 × 0.20, hazardous 0.003 × 0.20 = 6.06 %
    demand = run.demand()
    assert demand.at[HUAIYANG, "msw_rural_tpd"] == pytest.approx(RURAL_GENERATED * (1 - 0.0606))
    assert (demand["msw_urban_tpd"] + demand["msw_rural_tpd"]).to_numpy() == pytest.approx(demand["msw_tpd"].to_numpy())
    assert _village_tonnes(scenario, run, HUAIYANG) == pytest.approx(349.723, abs=1e-3)


@pytest.fixture(scope="module")
def henan(root):
    return load_scenario(root / "configs" / "henan-2025.yaml")


def _collected(scenario) -> float:
    from wasteopt.data.region import load_region
    from wasteopt.siting.scenario_problem import demand_table

    return float(demand_table(scenario, load_region(scenario))["msw_generated_tpd"].sum())


def test_urban_per_capita_plus_20_pct_raises_collected_msw_by_the_urban_share(henan):
    from wasteopt.app.knobs import changes_from_knobs, knob_values

    # 2025, held calibration factor 0.822748: 74,908.8 t/d collected, 55,035.5 of it from urban residents
    assert _collected(henan) == pytest.approx(74_908.8, abs=0.1)
    values = knob_values(henan) | {"msw_urban": 1.1 * 1.2}  # the app's "urban per-capita MSW +20 %"
    assert _collected(henan.with_changes(changes_from_knobs(values))) == pytest.approx(74_908.8 + 0.2 * 55_035.5,
                                                                                       abs=0.1)  # 85,915.9


def test_growth_moves_the_total_and_a_fitted_calibration_pins_it_visibly(henan):
    from wasteopt.data.region import load_region

    faster = henan.with_changes({"demand": {"growth_per_year": 0.03}})
    assert _collected(faster) == pytest.approx(74_908.8 * (1.03 / 1.02) ** 5, abs=0.1)
    # asking for the total to be fitted in every run pins it to 72,000 t/d in 2023 whatever the rates say,
    # and the region records that the rates no longer set the total
    pinned = faster.with_changes({"demand": {"calibration": {"factor": None}}})
    assert _collected(pinned) == pytest.approx(72_000 * 1.03 ** 2)
    record = load_region(pinned).generation["calibration"]
    assert record["mode"] == "fitted" and record["modelled_tpd"] == pytest.approx(72_000)
    assert load_region(henan).generation["calibration"]["mode"] == "held"
    from wasteopt.config.changes import changes_text, scenario_changes

    assert changes_text(scenario_changes(faster, pinned), "en") == (
        "calibration factor 0.822748 → refitted to the observed total every run")


def test_the_app_and_report_say_what_the_calibration_does_beside_the_knobs(henan):
    from wasteopt.app.knobs import calibration_note
    from wasteopt.data.region import load_region
    from wasteopt.reporting.report.page import _calibration_note

    region = load_region(henan)
    urban = henan.with_changes({"demand": {"msw_kg_per_capita_day": {"urban": 1.32}}})
    assert calibration_note(urban, region, "en") == (
        "Calibration: collected MSW × 0.8227 (fitted once to the observed 72,000 t/d of 2023, then held); per-capita "
        "rates, collection rates and growth change the total: this scenario 82,580 t/d in 2023, 85,916 t/d in 2025.")
    pinned = urban.with_changes({"demand": {"calibration": {"factor": None}}})
    assert calibration_note(pinned, region, "zh").startswith("校准覆盖人均产生量和增长率：总量每次重新拟合为 2023 年观测的 72,000 t/d")
    assert _calibration_note(load_region(pinned).generation) == html.escape(
        f"{calibration_note(pinned, region, 'zh')} {calibration_note(pinned, region, 'en')}")


def test_every_exported_layer_is_valid_and_in_place_service_is_a_point_attribute(tiny_seeds, tmp_path):
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    from wasteopt.siting.plan import LAYER_DESCRIPTIONS

    plan, run = _solved_run(tmp_path, _two_counties(tmp_path, tiny_seeds))
    flows = run.flows()
    in_place = flows[(flows.origin_lon == flows.destination_lon) & (flows.origin_lat == flows.destination_lat)]
    assert len(in_place) > 0  # the case the layer must not draw: 淮阳区's waste at its own seat's facility
    layers = {name: gpd.read_file(run.path / "plan.gpkg", layer=name, engine="pyogrio")
              for name, _ in pyogrio.list_layers(run.path / "plan.gpkg")}
    assert set(layers) == set(LAYER_DESCRIPTIONS)
    for name in LAYER_DESCRIPTIONS:
        for gdf in (layers[name], gpd.read_file(run.path / f"{name}.geojson", engine="pyogrio")):
            geometry = gdf.geometry[gdf.geometry.notna()].to_numpy()
            assert shapely.is_valid(geometry).all() and not shapely.is_empty(geometry).any(), name
            if name == "flows":
                assert (shapely.length(geometry) > 0).all()
    assert len(layers["flows"]) == len(flows) - len(in_place)
    points = pd.concat([layers["plants"], layers["landfills"]])
    assert points["in_place_tpd"].sum() == pytest.approx(in_place["tonnes_per_day"].sum())
    served = in_place.groupby("destination")["tonnes_per_day"].sum()
    assert points.set_index("site_id")["in_place_tpd"].reindex(served.index).to_numpy() == pytest.approx(served.to_numpy())
    with sqlite3.connect(run.path / "plan.gpkg") as db:
        descriptions = dict(db.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    assert descriptions["flows"] == LAYER_DESCRIPTIONS["flows"] and "in_place_tpd" in descriptions["plants"]


FAKE_BROWSERS = {  # what a stand-in for headless Chromium does with --print-to-pdf=PATH
    "writes an empty file": ': > "$out"',
    "writes nothing": "true",
    "writes a page, not a PDF": 'echo "<html>" > "$out"',
    "is a stub that fails": 'echo "Command requires the chromium snap to be installed." >&2; exit 1',
}


def _fake_browser(folder, action: str):
    script = folder / "chromium"
    script.write_text('#!/bin/sh\nfor a in "$@"; do case "$a" in --print-to-pdf=*) out="${a#--print-to-pdf=}";; '
                      f"esac; done\n{action}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.fixture(scope="module")
def tiny_run(tiny_seeds, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    return _solved_run(folder, _two_counties(folder, tiny_seeds))[1].path


@pytest.mark.parametrize("behaviour", FAKE_BROWSERS)
def test_report_pdf_is_written_only_when_chromium_made_a_valid_one(tiny_run, tmp_path, monkeypatch, capsys, behaviour):
    import shutil

    from wasteopt.reporting.report import write_report

    run = shutil.copytree(tiny_run, tmp_path / "run")
    browser = _fake_browser(tmp_path, FAKE_BROWSERS[behaviour])
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: browser if name == "chromium" else None)
    files = write_report(run)
    assert set(files) == {"html", "xlsx"} and files["html"].stat().st_size > 0 and files["xlsx"].stat().st_size > 0
    assert not (run / "report.pdf").exists()
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("报告无 PDF no report.pdf:"), said


def test_report_pdf_is_installed_when_chromium_wrote_a_whole_pdf(tiny_run, tmp_path, monkeypatch):
    import shutil

    from wasteopt.reporting.report import write_report

    run = shutil.copytree(tiny_run, tmp_path / "run")
    browser = _fake_browser(tmp_path, r'printf "%%PDF-1.4\n1 0 obj\n%%%%EOF\n" > "$out"')
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: browser if name == "chromium" else None)
    assert write_report(run)["pdf"].read_bytes() == b"%PDF-1.4\n1 0 obj\n%%EOF\n"


def test_report_command_and_report_sweeps_survive_a_broken_browser(tiny_run, tiny_seeds, tmp_path, monkeypatch,
                                                                    capsys):
    import shutil

    from wasteopt import cli
    from wasteopt.reporting.report import write_report
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry

    browser = _fake_browser(tmp_path, FAKE_BROWSERS["is a stub that fails"])
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: browser if name == "chromium" else None)
    run = shutil.copytree(tiny_run, tmp_path / "run")
    assert cli.main(["report", str(run)]) == 0
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [f"报告无 PDF no report.pdf: {browser} failed (exit 1): Command requires the chromium snap to be "
                    "installed. (report.html and report.xlsx written)"]
    assert (run / "report.html").is_file() and (run / "report.xlsx").is_file() and not (run / "report.pdf").exists()
    # a sweep variant with report: true hands the report to run_scenario as its step
    outcome = run_scenario(_two_counties(tmp_path, tiny_seeds), tmp_path / "variant", source="sweep",
                           report=write_report, registry=RunRegistry(tmp_path / "registry.sqlite"))
    assert {"report_html", "report_xlsx"} <= set(outcome.files) and "report_pdf" not in outcome.files


def test_run_scenario_refuses_the_old_report_flag_before_solving(tiny_seeds, tmp_path):
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry

    with pytest.raises(TypeError, match=r"takes a step such as wasteopt.reporting.report.write_report, not True"):
        run_scenario(_two_counties(tmp_path, tiny_seeds), tmp_path / "run", source="cli", report=True,
                     registry=RunRegistry(tmp_path / "registry.sqlite"))
    assert not (tmp_path / "run").exists()


def test_cost_per_tonne_divides_by_all_msw_collected_sorted_or_not(tiny_seeds, tmp_path):
    from wasteopt.reporting.kpi import KPI_LABELS
    from wasteopt.reporting.labels import KPI_NAMES_ZH

    collected = 730.812127 + 784.910908  # t/d of the two counties in 2025, before the 10 % sorted out
    plan = solve_scenario(_two_counties(tmp_path, tiny_seeds))
    unsorted = compute_kpis(plan)
    assert unsorted["msw_generated_tpd"] == pytest.approx(collected, abs=0.05)
    assert unsorted["cost_cny_per_t"] == pytest.approx(unsorted["cost_cny_per_year"] / (365 * collected), abs=0.01)
    scenario = _two_counties(tmp_path, tiny_seeds, ", sorted_out_share: 0").with_changes({"sorting": {"enabled": True}})
    sorted_kpis = compute_kpis(solve_scenario(scenario))
    assert sorted_kpis["msw_generated_tpd"] == pytest.approx(collected, abs=0.05)  # the same MSW collected
    assert sorted_kpis["cost_cny_per_t"] == pytest.approx(sorted_kpis["cost_cny_per_year"] / (365 * collected), abs=0.01)
    assert ("cost_cny_per_t", "cost per t of MSW collected", "CNY/t") in KPI_LABELS
    assert KPI_NAMES_ZH["cost_cny_per_t"] == "每吨清运垃圾成本"


def test_village_loads_add_up_to_the_county_tonnage_to_the_kilogram():
    import numpy as np

    from wasteopt.routing.county import village_loads

    loads = village_loads(194.776, np.full(161, 1 / 161))  # 尉氏县's villages: each alone would round to 1.210 t
    assert loads.sum() == pytest.approx(194.776, abs=1e-9) and set(np.round(loads, 3)) == {1.209, 1.210}
    assert village_loads(1.0, np.array([0.5, 0.25, 0.25])).tolist() == [0.5, 0.25, 0.25]
