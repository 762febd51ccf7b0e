"""Backtest scores on frames readable by eye; the MEE build-out windows; one backtest of a one-prefecture
subset through the report; the calibration file's checks."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from wasteopt.studies.backtest import add_backtest, backtest_scenario, built_between, run_backtest, score
from wasteopt.studies.calibrate import Window, load_calibration, parse_window, run_calibration, with_overrides
from wasteopt.config.errors import ScenarioError
from wasteopt.config.loader import load_scenario
from wasteopt.bench.synthetic import write_seed_subset

PREFECTURES = pd.DataFrame({"prefecture_zh": ["甲市", "乙市", "丙市"], "prefecture_en": ["A", "B", "C"]},
                           index=pd.Index(["410100", "410200", "410300"], name="prefecture_adcode"))
# Built: two 300 t/d plants in A, one 500 t/d plant in B. Model: one new 500 t/d plant in A (on the first built
# plant), one plant in B expanded from 300 to 900 t/d; C's existing plant and the landfill do not count.
BUILT = pd.DataFrame({"prefecture_adcode": ["410100", "410100", "410200"], "capacity_tpd": [300.0, 300.0, 500.0],
                      "lon": [113.0, 113.5, 114.0], "lat": [34.0, 34.0, 35.0]})
FACILITIES = pd.DataFrame({
    "technology": ["incinerator", "incinerator", "incinerator", "landfill"],
    "status": ["new", "expanded", "existing", "landfill_running"],
    "existing_capacity_tpd": [0.0, 300.0, 600.0, 0.0], "capacity_tpd": [500.0, 900.0, 600.0, 0.0],
    "prefecture_adcode": ["410100", "410200", "410300", "410300"],
    "lon": [113.0, 114.0, 112.0, 112.0], "lat": [34.0, 35.0, 34.0, 34.0]}, index=["C1", "P2", "P3", "L3"])


def test_scores_of_a_build_out_readable_by_eye():
    scores, table, built = score(PREFECTURES, FACILITIES, BUILT)
    assert list(table["model_new_tpd"]) == [500.0, 600.0, 0.0]
    assert list(table["within_25pct"]) == [True, True, True]  # |500 − 600| ≤ 150, |600 − 500| ≤ 125, 0 = 0
    assert (scores.prefectures_within, scores.model_new_plants, scores.built_new_plants) == (3, 1, 3)
    assert scores.correlation == pytest.approx(0.9516129032)
    assert scores.fit_error == pytest.approx(200 / 1100 + 2 / 3)
    # 0 km, 46.09 km (0.5° of longitude at 34° N) and 144.09 km to the one new plant C1
    assert list(built["nearest_model_site"]) == ["C1", "C1", "C1"]
    assert scores.mean_distance_km == pytest.approx((0 + 46.0924 + 144.0883) / 3, abs=1e-3)


def test_a_prefecture_outside_the_band_does_not_count():
    scores, table, _ = score(PREFECTURES, FACILITIES.assign(capacity_tpd=[800.0, 900.0, 600.0, 0.0]), BUILT)
    assert list(table["within_25pct"]) == [False, True, True]  # 800 against 600 built: 33 % over
    assert scores.prefectures_within == 2


def test_build_out_windows_of_the_mee_list(root):
    scenario = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    # 2023 adds 项城 (800 t/d, news), 2024 新密 (822) and 郑州西部 (4,500) to the MEE list's 69,320 t/d
    for baseline, year, plants, target in ((2020, 2023, 43, 70_120), (2020, 2022, 39, 67_320), (2022, 2023, 4, 70_120),
                                           (2022, 2024, 6, 75_442)):
        solved, region = backtest_scenario(scenario, baseline, year)
        assert len(built_between(region, year)) == plants
        assert solved.policy.province_capacity_target_tpd == target
        assert (solved.region.baseline_year, solved.region.target_year) == (baseline, year)


@pytest.fixture(scope="module")
def zhoukou_backtest(root, tmp_path_factory):
    """周口 alone (6 plants built in 2021–2023 on 2 started by 2020), solved 2020→2022 for 2 s."""
    folder = tmp_path_factory.mktemp("backtest")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    (folder / "tiny.yaml").write_text(f"name: 周口 tiny\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
                                      "solver: {time_limit_s: 2, rel_gap: 0.05}\n", encoding="utf-8")
    return run_backtest(load_scenario(folder / "tiny.yaml"), 2020, 2022), folder


def test_a_backtest_scores_its_plan_and_the_report_shows_it(zhoukou_backtest, monkeypatch):
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.folder.plan_files import export_plan
    from wasteopt.reporting.report.write import report_run
    from wasteopt.runs.registry import RunRegistry
    from wasteopt.reporting.kpi_compute import compute_kpis

    backtest, folder = zhoukou_backtest
    built = backtest.built
    assert backtest.capacity_target_tpd == pytest.approx(backtest.plan.region.plants["capacity_tpd"].sum()
                                                         + built["capacity_tpd"].sum())
    assert set(built["prefecture_adcode"]) == {"411600"} and (built["start_year"] <= 2022).all()
    assert backtest.scores.built_new_plants == len(built)
    assert backtest.scores.model_new_capacity_tpd == pytest.approx(backtest.prefectures["model_new_tpd"].sum())
    run = folder / "run"
    export_plan(backtest.plan, compute_kpis(backtest.plan), run, run_id="bt")
    registry = RunRegistry(folder / "registry.sqlite")
    registry.record(backtest.plan.scenario, compute_kpis(backtest.plan), run, source="backtest", run_id="bt")
    add_backtest(backtest, RunFolder(run), registry)
    assert RunFolder(run).backtest()["summary"]["scores"]["built_new_plants"] == len(built)
    assert RunFolder(run).backtest()["built"]["prefecture_adcode"].eq("411600").all()  # read back as text
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    page = report_run(RunFolder(run), registry)["html"].read_text(encoding="utf-8")
    assert [(c.what, c.files) for c in RunFolder(run).changes(registry)] == [
        ("backtest", ("backtest.json", "backtest_built_plants.csv", "backtest_prefectures.csv")),
        ("report", ("report.html", "report.xlsx"))]
    assert "回测 Backtest 2020→2022" in page and "built vs modelled plants" in page
    assert "未计算 not computed (wasteopt report RUN --goal-cost)" in page
    # the scores are one plan's: its proven gap beside them (main at 6db4cae: no word of it)
    summary = RunFolder(run).backtest()["summary"]
    assert summary["scores_reliable"] == backtest.scores_reliable and summary["rel_gap_asked"] == backtest.plan.rel_gap
    assert "the scores are those of the plan found, within a proven gap of" in page


def test_backtest_scores_of_a_solve_stopped_above_the_gap_asked_are_marked_unreliable():
    from wasteopt.studies.results import reliability_line

    summary = {"gap": 0.061, "rel_gap_asked": 0.01, "scores_reliable": False}
    line = reliability_line(summary)
    assert "within a proven gap of 6.10 % (设定 asked 1.00 %)" in line and "UNRELIABLE" in line
    assert "UNRELIABLE" not in reliability_line({**summary, "gap": 0.004, "scores_reliable": True})


def test_calibration_grid_must_hold_the_shipped_values(root, tmp_path):
    base = root / "configs" / "henan-2025-zero-landfill.yaml"
    text = (f"name: t\nbase: {base}\nout: out\nin_sample: {{baseline_year: 2020, year: 2022}}\n"
            "out_of_sample: {baseline_year: 2022, year: 2023}\n")
    (tmp_path / "bad.yaml").write_text(text + "grid: {transport.msw_cny_per_t_km: [1.6]}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="does not contain the base scenario's own values"):
        load_calibration(tmp_path / "bad.yaml")
    (tmp_path / "good.yaml").write_text(text + "grid: {transport.msw_cny_per_t_km: [1.6, 0.8]}\n", encoding="utf-8")
    calibration = load_calibration(tmp_path / "good.yaml")
    assert calibration.shipped == 1 and len(calibration.points) == 2 and calibration.reference is None
    (tmp_path / "ref.yaml").write_text(text + "grid: {transport.msw_cny_per_t_km: [1.6, 0.8], policy.catchment: "
                                       "[province, prefecture]}\nreference: {transport.msw_cny_per_t_km: 1.6}\n",
                                       encoding="utf-8")
    calibration = load_calibration(tmp_path / "ref.yaml")  # points: (1.6, province), (1.6, prefecture), (0.8, …)
    assert (calibration.shipped, calibration.reference) == (2, 0)
    (tmp_path / "ref.yaml").write_text(text + "grid: {transport.msw_cny_per_t_km: [1.6, 0.8]}\n"
                                       "reference: {transport.msw_cny_per_t_km: 2.4}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"key 'reference.transport.msw_cny_per_t_km': 2.4 is not among the grid's"):
        load_calibration(tmp_path / "ref.yaml")
    (tmp_path / "late.yaml").write_text(text.replace("year: 2022}", "year: 2019}") + "grid: {transport.msw_cny_per_t_km: [0.8]}\n",
                                        encoding="utf-8")
    with pytest.raises(ScenarioError, match="key 'in_sample': year 2019 must come after baseline_year 2020"):
        load_calibration(tmp_path / "late.yaml")


def test_demand_check_sets_the_model_beside_the_yearbook(root):
    from wasteopt.studies.demand_check import demand_check

    table = demand_check(load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")).set_index(["prefecture_zh", "year"])
    assert len(table) == 6
    assert table.at[("许昌市", 2020), "official_wan_t"] == 35.89
    assert table.at[("许昌市", 2020), "model_districts_wan_t"] == pytest.approx(35.32, abs=0.01)
    assert table.at[("郑州市", 2023), "districts_vs_official"] == pytest.approx(227.54 / 253.55 - 1, abs=1e-3)


def test_a_backtest_past_the_snapshot_or_before_its_baseline_is_a_clear_error(root):
    scenario = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    with pytest.raises(ScenarioError, match=r"latest plant the seeds know \(MEE list and news additions\) started in "
                                            "2024, so the build-out after 2024 is not known"):
        backtest_scenario(scenario, 2022, 2025)
    with pytest.raises(ScenarioError, match="--baseline-year 2023: 项城市生活垃圾焚烧发电项目 \\(news additions\\) started by then"):
        backtest_scenario(scenario, 2023, 2024)
    with pytest.raises(ScenarioError, match="--year 2020 must come after --baseline-year 2020"):
        run_backtest(scenario, 2020, 2020)


def tiny_scenario(seeds, folder):
    (folder / "tiny.yaml").write_text(f"name: 周口两县\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
                                      "solver: {time_limit_s: 2, rel_gap: 0.05}\n", encoding="utf-8")
    return folder / "tiny.yaml"


def test_news_plants_count_as_built_in_their_year(tiny_seeds, tmp_path):
    """The two 周口 counties: 500 t/d from 2012, 600 from 2022 (MEE); 淮阳 800 in 2023 (MEE) and 项城 800 reported in
    2023 (news, moved into the two counties by the fixture)."""
    scenario = load_scenario(tiny_scenario(tiny_seeds, tmp_path))
    solved, region = backtest_scenario(scenario, 2022, 2023)
    built = built_between(region, 2023)
    assert list(built["site_id"]) == ["P98E85A75", "N1"] and list(built["capacity_tpd"]) == [800.0, 800.0]
    assert built["source"].iloc[1].startswith("http://www.xiangcheng.gov.cn/") and "ljgk.envsc.cn" in built["source"].iloc[0]
    assert solved.policy.province_capacity_target_tpd == 500 + 600 + 800 + 800
    solved, region = backtest_scenario(scenario, 2020, 2022)  # the news plant comes after the window
    assert list(built_between(region, 2022)["site_id"]) == ["PDDF3F940"]
    assert solved.policy.province_capacity_target_tpd == 500 + 600


def test_calibration_windows_are_the_years_built():
    assert parse_window("2021-2022") == Window(baseline_year=2020, year=2022)
    assert parse_window(" 2023 ") == Window(baseline_year=2022, year=2023)
    for text, message in (("2023-2021", "the last year comes before the first"), ("2021–2022", "FIRST-LAST"),
                          ("1990-1991", "2001–2060")):
        with pytest.raises(ScenarioError, match=message):
            parse_window(text)


def test_calibration_spread_over_seeds_and_time_limits(tiny_seeds, tmp_path):
    import json

    tiny_scenario(tiny_seeds, tmp_path)
    (tmp_path / "calibration.yaml").write_text(
        "name: spread\nbase: tiny.yaml\nout: file-out\ntime_limit_s: 5\n"
        "in_sample: {baseline_year: 2019, year: 2020}\nout_of_sample: {baseline_year: 2019, year: 2020}\n"
        "grid: {transport.msw_cny_per_t_km: [0.8, 1.6, 2.4]}\nreference: {transport.msw_cny_per_t_km: 2.4}\n",
        encoding="utf-8")
    calibration = with_overrides(load_calibration(tmp_path / "calibration.yaml"), in_sample=parse_window("2021-2022"),
                                 out_of_sample=parse_window("2023"), time_limit_s=2, out=tmp_path / "out")
    assert calibration.spec.time_limit_s == 2 and calibration.out == (tmp_path / "out").resolve()
    table = run_calibration(calibration, jobs=1, progress=False, seeds=(0, 1), time_limits=(1, 2))
    assert list(table["in_built_new_plants"]) == [1, 1, 1]  # 2021–22: the 600 t/d plant of 2022
    assert list(table["reference"]) == [False, False, True]
    chosen = table[table["best"] | table["shipped"] | table["reference"]]
    assert 2 in set(chosen["point"]) and set(chosen["out_built_new_plants"]) == {2}  # 2023: 淮阳 (MEE), 项城 (news)
    assert table[~table["point"].isin(chosen["point"])]["out_built_new_plants"].isna().all()
    spread = pd.read_csv(tmp_path / "out" / "calibration_spread.csv")
    assert len(spread) == len(chosen) * 2 * 2 * 2  # points × windows × seeds × time limits
    assert set(spread["built_new_plants"][spread["window"] == "out_of_sample"]) == {2}
    summary = json.loads((tmp_path / "out" / "calibration.json").read_text(encoding="utf-8"))
    assert summary["in_sample"] == {"baseline_year": 2020, "year": 2022} and summary["time_limit_s"] == 2
    entries = {(e["point"], e["window"]): e for e in summary["spread"]}
    assert len(entries) == len(chosen) * 2 and all(e["solves"] == 4 for e in entries.values())
    assert summary["reference"]["values"] == {"transport.msw_cny_per_t_km": 2.4} and entries[(2, "in_sample")]["reference"]
    for (point, window), entry in entries.items():
        rows = spread[(spread["point"] == point) & (spread["window"] == window)]
        assert entry["model_new_plants"] == [rows["model_new_plants"].min(), rows["model_new_plants"].max()]
    assert not (tmp_path / "file-out").exists()


def test_calibrate_lists_of_seeds_and_limits_are_checked():
    import argparse

    from wasteopt.commands.backtest import LIMITS, SEEDS, _window

    assert SEEDS("0,1,2") == (0, 1, 2) and LIMITS("25,50") == (25.0, 50.0)
    for parse, text, message in ((SEEDS, "0,x", "'0,x': give seeds (whole numbers ≥ 0) separated by commas"),
                                 (SEEDS, "-1", "give seeds"), (LIMITS, "25,", "give time limits in seconds"),
                                 (_window, "2024-2023", "the last year comes before the first")):
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
            parse(text)


def test_a_calibration_window_past_the_data_stops_before_any_solve(tiny_seeds, tmp_path):
    tiny_scenario(tiny_seeds, tmp_path)
    (tmp_path / "calibration.yaml").write_text(
        "name: late\nbase: tiny.yaml\nout: out\nin_sample: {baseline_year: 2019, year: 2020}\n"
        "out_of_sample: {baseline_year: 2022, year: 2023}\ngrid: {transport.msw_cny_per_t_km: [0.8, 1.6]}\n",
        encoding="utf-8")
    calibration = with_overrides(load_calibration(tmp_path / "calibration.yaml"), out_of_sample=parse_window("2023-2025"))
    with pytest.raises(ScenarioError, match=r"--year 2025: the latest plant the seeds know .* started in 20\d\d"):
        run_calibration(calibration, jobs=1, progress=False)
    assert not (tmp_path / "out").exists()
