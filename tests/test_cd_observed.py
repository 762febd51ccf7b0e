"""Re-planning from a manifest store (scenario key ``cd.observed``): observed generation per county and category
replaces the modelled, and the store's licensed yards enter the plan holding the volume their arrivals left."""
from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from wasteopt.cd.store import ManifestStore
from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario import Scenario
from wasteopt.data.region import load_region
from wasteopt.siting.scenario_problem import demand_table, site_table

SITES = """site_id,name,kind,lon,lat,adcode,licensed,volume_m3,capacity_tpd
Y1,东郊消纳场,yard,114.70,33.62,411602,true,1000,800
Y2,无证消纳场,yard,114.90,33.70,411603,false,5000,
R1,再生利用厂,recycling,114.80,33.65,411602,true,,300
"""
# 10-day period 2026-03-01..10. M2 repeats M1 (same truck and project 10 min later): left out. M5 departed and
# arrived before the period (fills Y1, generates nothing in it); M6 after it (neither).
MANIFESTS = """manifest_id,project_id,project_name,category,origin_lon,origin_lat,origin_adcode,truck_plate,load_t,depart_time,destination_site_id,arrive_time
M1,P1,地铁站,工程渣土,114.65,33.60,411602,豫P11111,30,2026-03-02T08:00:00,Y1,2026-03-02T09:00:00
M2,P1,地铁站,spoil,114.65,33.60,411602,豫P11111,30,2026-03-02T08:10:00,Y1,2026-03-02T09:10:00
M3,P2,旧城改造,demolition,114.66,33.61,411602,豫P22222,20,2026-03-05T10:00:00,Y1,2026-03-05T11:00:00
M4,P3,新区,spoil,114.90,33.72,411603,豫P33333,50,2026-03-06T07:00:00,,
M5,P1,地铁站,spoil,114.65,33.60,411602,豫P11111,36,2026-02-20T08:00:00,Y1,2026-02-20T09:00:00
M6,P3,新区,spoil,114.90,33.72,411603,豫P33333,100,2026-03-12T07:00:00,Y1,2026-03-12T08:00:00
M7,P4,装修,decoration,114.90,33.72,411603,豫P44444,8,2026-03-10T23:00:00,R1,2026-03-11T00:30:00
M8,P3,新区,spoil,114.90,33.72,411603,豫P55555,12,2026-03-08T07:00:00,Y2,2026-03-08T08:00:00
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("observed")
    (folder / "sites.csv").write_text(SITES, encoding="utf-8")
    (folder / "manifests.csv").write_text(MANIFESTS, encoding="utf-8")
    with ManifestStore(folder / "cd.duckdb") as db:
        db.load("sites", folder / "sites.csv")
        db.load("manifests", folder / "manifests.csv")
    return folder / "cd.duckdb"


def observed(tiny_seeds, store, by_category=True, **period) -> Scenario:
    period = period or {"first_day": "2026-03-01", "last_day": "2026-03-10"}
    return Scenario(name="cd-observed", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                    cd={"enabled": True, "by_category": by_category, "observed": {"store": str(store), **period}})


def test_observed_generation_replaces_the_modelled_per_county_and_category(tiny_seeds, store):
    scenario = observed(tiny_seeds, store)
    demand = demand_table(scenario, load_region(scenario))
    demand.index = demand.index.astype(str)
    # 411602: M1 30 t spoil + M3 20 t demolition over 10 days; 411603: M4 50 + M8 12 t spoil, M7 8 t decoration
    assert demand.loc["411602", ["cd_spoil_tpd", "cd_demolition_tpd", "cd_decoration_tpd"]].tolist() == [3.0, 2.0, 0.0]
    assert demand.loc["411603", ["cd_spoil_tpd", "cd_decoration_tpd", "cd_slurry_tpd"]].tolist() == [6.2, 0.8, 0.0]
    assert demand["cd_generated_tpd"].to_dict() == pytest.approx({"411602": 5.0, "411603": 7.0})


def test_observed_yards_hold_the_volume_their_arrivals_left(tiny_seeds, store):
    scenario = observed(tiny_seeds, store)
    sites = site_table(scenario, load_region(scenario))
    yard = sites.loc["Y1"]
    # M5 36 t + M1 30 t spoil at 1.8 t/m³, M3 20 t demolition at 1.5 t/m³; M6 arrives after the period
    assert yard["existing_volume_m3"] == pytest.approx(1000 - 66 / 1.8 - 20 / 1.5)
    assert (yard["technology"], yard["adcode"]) == ("cd_yard", "411602")
    assert "Y2" not in sites.index and "R1" not in sites.index  # unlicensed; not a yard


def test_the_reconciliation_and_the_next_plan_count_a_yard_with_a_duplicate_alike(tiny_seeds, store):
    """One rule for a duplicate manifest: M2 (M1 filed again 10 min later) is in neither the reconciliation's intake,
    fill and sources nor the observed generation and yard fill; it stays an anomaly."""
    from wasteopt.cd.observed import read_observed
    from wasteopt.cd.reconcile import ReconcileSettings, reconcile

    seen = read_observed(observed(tiny_seeds, store), ["411602", "411603"])
    with ManifestStore(store, create=False) as db:
        result = reconcile(db, ReconcileSettings.from_dates("2026-03-01", "2026-03-10"))
    y1 = result.sites.set_index("site_id").loc["Y1"]
    # M5 36 t + M1 30 t spoil at 1.8 t/m³, M3 20 t demolition at 1.5 t/m³
    assert (y1["filled_m3"], round(seen.yards.loc["Y1", "filled_m3"], 1)) == (50.0, 50.0)
    assert (y1["intake_t"], y1["intake_m3"]) == (50.0, round(30 / 1.8 + 20 / 1.5, 2))  # M1 + M3 in the period
    hauled = result.sources[result.sources["category"] != "all"].set_index(["adcode", "category"])["hauled_t"]
    generated = (seen.generation_tpd * seen.days).stack()
    assert hauled.to_dict() == {key: round(t, 2) for key, t in generated[generated > 0].items()}
    assert hauled[("411602", "spoil")] == 30.0 and seen.manifests == 5 == result.sources["trips"].sum() / 2
    assert result.anomalies.loc[result.anomalies["kind"] == "duplicate", "manifest_id"].tolist() == ["M2"]


def test_a_period_without_manifests_is_a_one_line_error(tiny_seeds, store):
    scenario = observed(tiny_seeds, store, first_day="2025-01-01", last_day="2025-01-31")
    with pytest.raises(ScenarioError, match=r"no manifests depart in 2025-01-01–2025-01-31.*holds 8 manifests "
                                            r"departing 2026-02-20–2026-03-12"):
        demand_table(scenario, load_region(scenario))


def test_a_missing_store_is_a_one_line_error(tiny_seeds, tmp_path):
    scenario = observed(tiny_seeds, tmp_path / "none.duckdb")
    with pytest.raises(ScenarioError, match=r"^key 'cd.observed.store' '.*none.duckdb': no such store \(load one"):
        demand_table(scenario, load_region(scenario))
    assert not (tmp_path / "none.duckdb").exists()  # reading does not create a store


def test_an_empty_store_and_a_file_that_is_no_store_are_one_line_errors(tiny_seeds, tmp_path):
    ManifestStore(tmp_path / "empty.duckdb").close()
    (tmp_path / "notes.duckdb").write_text("not a database", encoding="utf-8")
    empty = observed(tiny_seeds, tmp_path / "empty.duckdb")
    with pytest.raises(ScenarioError, match="no manifests depart in 2026-03-01–2026-03-10 .*; it holds no manifests$"):
        demand_table(empty, load_region(empty))
    other = observed(tiny_seeds, tmp_path / "notes.duckdb")
    with pytest.raises(ScenarioError, match=r"^key 'cd.observed.store' '.*notes.duckdb': cannot open the store: "):
        demand_table(other, load_region(other))


def test_the_plan_fills_an_observed_yard_no_more_than_the_volume_it_still_holds(tiny_seeds, store):
    """Cells tracked, 10 years of intake must fit: Y1 holds 950 m³, so the plan sends it 95 m³ a year of spoil
    (0.4685 t/d at 1.8 t/m³) and no more; its years left are those 950 m³ at that rate."""
    from wasteopt import compute_kpis, solve_scenario

    base = observed(tiny_seeds, store)
    scenario = Scenario(**{**base.model_dump(exclude={"base_dir"}), "cd": {
        **base.cd.model_dump(), "yard": {"track_volume": True, "volume_m3": 500, "horizon_years": 10}}})
    plan = solve_scenario(scenario, time_limit=60)
    yard = plan.facilities.loc["Y1"]
    assert (yard["status"], yard["existing_volume_m3"], yard["new_modules"]) == ("existing", pytest.approx(950.0), 0)
    assert yard["throughput_tpd"] * 365 / 1.8 == pytest.approx(95.0)
    assert compute_kpis(plan)["cd_yard_years_left"]["Y1"] == pytest.approx(10.0)


def test_a_phased_yard_holding_volume_already_is_not_extended():
    """The yard of test_cd_categories that fills in 2023 (fill so far 50, 100, 150, 200 m³ with cells of 120 m³),
    now holding 100 m³ already: 200 ≤ 100 + 120, one cell to the end. Cost 4 × (100 + 1,000) = 4,400, not the 6,400
    of a second cell from 2023."""
    from test_cd_categories import YEARS, yard_problem

    from wasteopt.siting import solve_phases

    problem = yard_problem(False, 1)
    problem = dataclasses.replace(problem, sites=problem.sites.assign(existing_volume_m3=[100.0, float("nan")]))
    phased = solve_phases([problem] * 4, YEARS, rel_gap=0, search=None)
    assert phased.result.objective == pytest.approx(4400.0)
    assert [int(s.sites.loc["Y1", "new_modules"]) for s in phased.solutions] == [1, 1, 1, 1]
    fill = phased.schedule.loc["Y1"]
    assert (fill["volume_m3"], fill["fill_m3"], fill["volume_left_m3"]) == pytest.approx((220.0, 200.0, 20.0))
    assert fill["year_full_first"] is pd.NA


def test_the_report_sets_a_reconciliation_beside_the_plan(tiny_seeds, store, tmp_path):
    """The plan made from the store, then ``wasteopt cd reconcile --plan`` of the same period, then the report with
    ``--reconcile``: anomalies by kind (M2 duplicate, M4 no arrival and overloaded, M8 to the unlicensed Y2, of 6 manifests) and
    each yard's intake and fill against the plan."""
    from wasteopt import compute_kpis, export_plan, solve_scenario
    from wasteopt.cli import main
    from wasteopt.reporting.report.reconciliation import ANOMALY_SHEET, YARD_FILL_SHEET

    plan = solve_scenario(observed(tiny_seeds, store), time_limit=60)
    kpis = compute_kpis(plan)
    run, reconciled = tmp_path / "run", tmp_path / "reconciled"
    export_plan(plan, kpis, run)
    assert main(["cd", "reconcile", "--store", str(store), "--from", "2026-03-01", "--to", "2026-03-10",
                 "--plan", str(run), "--out", str(reconciled)]) == 0
    assert main(["report", str(run), "--no-pdf", "--reconcile", str(reconciled),
                 "--registry", str(tmp_path / "runs.sqlite")]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "建筑垃圾联单核查 C&amp;D reconciliation: 核查期 2026-03-01 至 2026-03-10（10 天）" in page
    assert f"对照规划 held against plan {run}" in page and "不是本次运行" not in page
    assert "实测联单库" in page and re.search(r"<td>cd.observed.last_day</td>\s*<td>2026-03-10</td>", page)
    anomalies = pd.read_excel(run / "report.xlsx", sheet_name=ANOMALY_SHEET)
    assert dict(zip(anomalies["异常类型 kind"], anomalies["联单数 manifests"])) == {
        "超时未到达 no arrival": 1, "运往未许可场所 unlicensed destination": 1, "途中疑似倾倒停留 dumping stop": 0,
        "轨迹速度异常 implausible speed": 0, "超载 overload": 1, "重复联单 duplicate": 1}  # M4: 50 t > 40 t
    assert anomalies["占联单 share of manifests (%)"].tolist() == [16.67, 16.67, 0, 0, 16.67, 16.67]
    yards = pd.read_excel(run / "report.xlsx", sheet_name=YARD_FILL_SHEET, dtype={"场所 site": str}).set_index("场所 site")
    into_y1 = plan.flows.loc[plan.flows["destination"] == "Y1", "tonnes_per_day"].sum()
    y1, y2 = yards.loc["Y1"], yards.loc["Y2"]
    # the period's arrivals at Y1: M1 and M3 (M2, the duplicate, left out); filled to date also M5, at 1.8 and 1.5 t/m³
    assert (y1["实际进场 actual (t/d)"], y1["已填 filled (m³)"], y1["填充率 fill (%)"]) == (5.0, 50.0, 5.0)
    assert y1["规划进场 planned (t/d)"] == pytest.approx(round(into_y1, 2))
    assert y1["实际/规划 actual / plan"] == pytest.approx(round(5.0 / round(into_y1, 2), 2))
    assert y1["规划剩余年限 plan: years left (yr)"] == kpis["cd_yard_years_left"]["Y1"]
    assert (y2["许可 licensed"], y2["实际进场 actual (t/d)"]) == ("否 no", 1.2) and pd.isna(y2["规划进场 planned (t/d)"])


def test_a_report_without_a_reconciliation_has_no_such_section_and_a_bad_folder_is_one_line(tiny_seeds, store,
                                                                                             tmp_path):
    from wasteopt import compute_kpis, export_plan, solve_scenario
    from wasteopt.cd.reconcile import read_reconciliation
    from wasteopt.config.errors import DataError
    from wasteopt.reporting.report import write_report

    plan = solve_scenario(observed(tiny_seeds, store), time_limit=60)
    export_plan(plan, compute_kpis(plan), tmp_path / "run")
    page = write_report(tmp_path / "run", pdf=False)["html"].read_text(encoding="utf-8")
    assert "C&amp;D reconciliation" not in page
    with pytest.raises(DataError, match="not a reconciliation folder of wasteopt cd reconcile"):
        read_reconciliation(tmp_path / "run")


def test_a_postgresql_store_gives_the_same_figures_and_is_never_reused(tiny_seeds, store, tmp_path, postgres_server):
    url = postgres_server.new_database()
    (tmp_path / "sites.csv").write_text(SITES, encoding="utf-8")
    (tmp_path / "manifests.csv").write_text(MANIFESTS, encoding="utf-8")
    with ManifestStore(url) as db:
        db.load("sites", tmp_path / "sites.csv")
        db.load("manifests", tmp_path / "manifests.csv")
    on_server, in_file = observed(tiny_seeds, url), observed(tiny_seeds, store)
    region = load_region(in_file)
    pd.testing.assert_frame_equal(demand_table(on_server, region), demand_table(in_file, region))
    assert site_table(on_server, region).loc["Y1", "existing_volume_m3"] == pytest.approx(1000 - 66 / 1.8 - 20 / 1.5)
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry

    registry = RunRegistry(tmp_path / "runs.sqlite")
    runs = {name: [run_scenario(scenario, tmp_path / f"{name}{i}", registry=registry, source="test", reuse=True)
                   for i in range(2)] for name, scenario in (("server", on_server), ("file", in_file))}
    assert [run.reused for run in runs["file"]] == [False, True]
    assert [run.reused for run in runs["server"]] == [False, False]  # its tables may have changed since
    wrong = observed(tiny_seeds, url.replace("/store", "/nosuchdb"))
    with pytest.raises(ScenarioError, match=r"^key 'cd.observed.store' 'postgresql://wasteopt@.*': cannot open the store"):
        demand_table(wrong, region)


def test_a_yaml_scenario_names_its_store_relative_to_its_folder(tiny_seeds, store, tmp_path):
    from wasteopt import load_scenario

    (tmp_path / "observed.duckdb").write_bytes(store.read_bytes())
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\ncd:\n  enabled: true\n"
                    "  observed: {store: observed.duckdb, first_day: 2026-03-01, last_day: 2026-03-10}\n",
                    encoding="utf-8")
    scenario = load_scenario(path)
    demand = demand_table(scenario, load_region(scenario))
    demand.index = demand.index.astype(str)
    assert demand["cd_tpd"].to_dict() == pytest.approx({"411602": 5.0, "411603": 7.0})  # one stream: the sum
    path.write_text(path.read_text(encoding="utf-8").replace("last_day: 2026-03-10", "last_day: 2026-02-10"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="last_day 2026-02-10 is before first_day 2026-03-01"):
        load_scenario(path)
    path.write_text(path.read_text(encoding="utf-8").replace("2026-02-10", "2026-03-10").replace("enabled: true",
                                                                                                "enabled: false"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="observed needs enabled: true"):
        load_scenario(path)


def test_the_apps_report_takes_the_reconciliation_chosen_on_the_cd_page(tiny_seeds, store, tmp_path, monkeypatch):
    """A folder entered on the C&D page survives the switch to the export page, which builds the report with it."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from wasteopt.app import service
    from wasteopt.cd.reconcile import ReconcileSettings, reconcile, write_reconciliation
    from wasteopt.reporting.labels import t
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry

    runs = tmp_path / "runs"
    monkeypatch.setenv(service.RUNS_DIR_ENV, str(runs))
    run = run_scenario(observed(tiny_seeds, store), runs / "observed", registry=RunRegistry(runs / "registry.sqlite"),
                       source="test")
    with ManifestStore(store, create=False) as db:
        write_reconciliation(reconcile(db, ReconcileSettings.from_dates("2026-03-01", "2026-03-10"),
                                       plan=str(runs / "observed")), tmp_path / "rec")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("wasteopt/app/pages/cd_page.py").run()
    at.text_input(key="cd_folder").set_value(str(tmp_path / "rec")).run()
    at.switch_page("wasteopt/app/pages/export_page.py").run()
    assert not at.exception
    assert t("report_reconciliation", "zh", folder=tmp_path / "rec") in [c.value for c in at.caption]
    at.button(key="build_report").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    page = (Path(run.record.out_dir) / "report.html").read_text(encoding="utf-8")
    assert "建筑垃圾联单核查 C&amp;D reconciliation" in page
