"""Every `wasteopt` command once, end to end, as a user runs it: a fresh `python -m wasteopt` process (so an
import that fails only when a command runs fails here), on the two 周口 counties or one small public instance,
with assertions on the files and figures each command writes. `bench all --quick` runs after the tests in
`make test` (see the Makefile); every other command is here."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, write_tiny_seeds
from test_roads import _grid_xml
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.registry import RunRegistry

BENCH_DATA = ROOT / "bench" / "data"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A folder with the two-county seeds, a scenario of them (goal: 2 new plants) and a run registry."""
    folder = tmp_path_factory.mktemp("smoke")
    seeds = write_tiny_seeds(folder / "seeds")
    (folder / "tiny.yaml").write_text(
        f"name: 周口两县 smoke\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
        "solver: {time_limit_s: 10, rel_gap: 0.001}\ntransport: {msw_cny_per_t_km: 0.8}\ngoals: {new_plants: 2}\n",
        encoding="utf-8")
    return folder


def wasteopt(folder, *args, timeout: float = 300) -> str:
    """Run ``python -m wasteopt ARGS`` in ``folder``; assert it exits 0 and return its stdout."""
    env = {**os.environ, "WASTEOPT_CACHE_DIR": str(folder / "cache")}
    done = subprocess.run([sys.executable, "-m", "wasteopt", *map(str, args)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"wasteopt {' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))


@pytest.fixture(scope="module")
def run(tiny):
    out = wasteopt(tiny, "solve", "tiny.yaml", "--out", "run", "--registry", "runs.sqlite", "--no-progress")
    return tiny / "run", out


def test_solve_writes_the_plan_files_and_its_kpis(run):
    folder, out = run
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    facilities = pd.read_csv(folder / "facilities.csv", dtype={"adcode": str})
    flows = pd.read_csv(folder / "flows.csv", dtype={"origin": str})
    assert kpis["cost_wan_cny_per_year"] > 0 and kpis["gap"] <= 0.001
    assert set(facilities["adcode"]) <= {"411602", "411603"} and kpis["incineration_capacity_tpd"] > 0
    assert {"411602", "411603"} <= set(flows["origin"]) and flows["tonnes_per_day"].sum() > 0
    for name in ("plan.gpkg", "plan.xlsx", "scenario.yaml", "demand.csv"):
        assert (folder / name).stat().st_size > 0, name
    assert "plan written to" in out and "周口两县 smoke" in (folder / "scenario.yaml").read_text(encoding="utf-8")


def test_runs_and_compare_list_both_solves(tiny, run):
    second = wasteopt(tiny, "solve", "tiny.yaml", "--out", "run_again", "--name", "second look",
                      "--registry", "runs.sqlite", "--no-progress")
    ids = [text.strip().split()[-1] for text in (run[1], second)]  # "… ; run <id>" ends each solve's output
    listed = wasteopt(tiny, "runs", "--registry", "runs.sqlite")
    assert ids[0] != ids[1] and ids[0] in listed and ids[1] in listed and "second look" in listed
    wasteopt(tiny, "compare", ids[0], "run_again", "--registry", "runs.sqlite", "--out", "compare.csv")
    table = pd.read_csv(tiny / "compare.csv")
    costs = [json.loads((tiny / name / "kpis.json").read_text())["cost_wan_cny_per_year"] for name in ("run", "run_again")]
    assert costs[1] == pytest.approx(costs[0], rel=0.002)  # the same scenario, both solved to a 0.1 % gap
    assert table.shape[1] >= 3 and table.astype(str).apply(lambda c: c.str.contains("cost")).any().any()


def test_report_with_goal_cost_prices_the_new_plant_goal(tiny, run):
    folder, _ = run
    out = wasteopt(tiny, "report", "run", "--no-pdf", "--goal-cost", "--time-limit", "10", "--registry", "runs.sqlite")
    goal = json.loads((folder / "goal_cost.json").read_text(encoding="utf-8"))
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    assert goal["target"] == 2 and goal["run_new_plants"] == kpis["new_plants"]
    if goal["status"] != "infeasible":
        assert goal["new_plants"] >= 2 and goal["cost_wan_cny_per_year"] >= kpis["cost_wan_cny_per_year"] * 0.998
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "周口两县 smoke" in page and (folder / "report.xlsx").stat().st_size > 0 and "report.html" in out
    changes = RunFolder(folder).changes(RunRegistry(tiny / "runs.sqlite"))  # the run changed only through RunFolder
    assert [(c.what, c.files) for c in changes] == [("goal_cost", ("goal_cost.json",)),
                                                     ("report", ("report.html", "report.xlsx"))]


def test_route_collects_a_county_of_the_plan(tiny, run):
    wasteopt(tiny, "route", "tiny.yaml", "--county", "411602", "--plan", "run", "--out", "routes",
             "--time-limit", "1", "--engine", "pyvrp")
    summary = pd.read_csv(tiny / "routes" / "summary.csv", dtype={"adcode": str})
    routes = pd.read_csv(tiny / "routes" / "411602" / "routes.csv")
    assert len(summary) == 1 and summary.filter(like="km").iloc[0].max() > 0
    assert routes["route"].nunique() >= 1 and (tiny / "routes" / "411602" / "routes.gpkg").stat().st_size > 0


def test_sweep_solves_each_variant(tiny):
    (tiny / "sweep.yaml").write_text("name: smoke\nbase: tiny.yaml\nout: sweep\ncommon: {solver.time_limit_s: 10, policy.raw_msw_landfill_cap_tpd: 0}\n"
                                     "grid: {transport.msw_cny_per_t_km: [0.8, 1.6]}\n", encoding="utf-8")
    out = wasteopt(tiny, "sweep", "sweep.yaml", "--jobs", "1", "--registry", "sweep.sqlite", "--no-progress")
    summary = pd.read_csv(next((tiny / "sweep").glob("*.csv")))
    assert len(summary) == 2 and "2 solved" in out
    cost = summary.set_index(summary.columns[0])["cost_wan_cny_per_year"].sort_values()
    assert cost.iloc[1] > cost.iloc[0]  # dearer haulage costs more (zero landfill: the waste travels to plants)


def test_backtest_prints_the_prefecture_table(tiny):
    out = wasteopt(tiny, "backtest", "--config", "tiny.yaml", "--baseline-year", "2020", "--year", "2022",
                   "--out", "backtest", "--time-limit", "10", "--registry", "runs.sqlite")
    summary = json.loads((tiny / "backtest" / "backtest.json").read_text(encoding="utf-8"))
    prefectures = pd.read_csv(tiny / "backtest" / "backtest_prefectures.csv", dtype={"prefecture_adcode": str})
    built = pd.read_csv(tiny / "backtest" / "backtest_built_plants.csv")
    assert list(prefectures["prefecture_adcode"]) == ["411600"] and "周口市" in out
    assert summary["scores"]["built_new_plants"] == len(built) == prefectures["built_new_plants"].sum()
    assert "capacity target" in out and (tiny / "backtest" / "report.html").is_file()
    registry = RunRegistry(tiny / "runs.sqlite")
    run_id = RunFolder(tiny / "backtest").run_id
    assert registry.get(run_id).source == "backtest"  # the plan is a run of its own, solved through run_scenario
    assert [c.what for c in RunFolder(tiny / "backtest").changes(registry)] == ["backtest", "report"]


def test_calibrate_scores_each_grid_point(tiny):
    (tiny / "calibration.yaml").write_text(
        "name: smoke\nbase: tiny.yaml\nout: calibration\ntime_limit_s: 5\n"
        "in_sample: {baseline_year: 2020, year: 2022}\nout_of_sample: {baseline_year: 2022, year: 2023}\n"
        "grid: {transport.msw_cny_per_t_km: [0.8, 1.6]}\n", encoding="utf-8")
    wasteopt(tiny, "calibrate", "calibration.yaml", "--jobs", "1", "--no-progress")
    table = pd.read_csv(tiny / "calibration" / "calibration.csv")
    assert len(table) == 2 and (tiny / "calibration" / "calibration.json").is_file()


def test_demand_check_sets_the_model_beside_the_yearbook(tiny):
    official = tiny / "seeds" / "official_msw_city_districts.csv"  # a made-up figure for the two counties' prefecture
    official.write_text("prefecture_adcode,prefecture_zh,year,clearance_wan_t,source\n411600,周口市,2020,12.34,test\n",
                        encoding="utf-8")
    out = wasteopt(tiny, "demand-check", "--config", "tiny.yaml")
    assert "周口市" in out and "12.34" in out and " %" in out


def test_network_build_and_circuity_on_a_street_grid(tiny):
    (tiny / "grid.osm").write_text(_grid_xml(114.55, 33.5, 20, 15, step=0.025), encoding="utf-8")
    snap = ("--snap-tolerance-m", "3000")
    wasteopt(tiny, "network", "build", "--osm", "grid.osm", "--config", "tiny.yaml", "--out", "od.csv", *snap)
    od = pd.read_csv(tiny / "od.csv", dtype={"origin": str, "destination": str})
    assert {"411602", "411603"} <= set(od["origin"]) and (od["km"] > 0).any() and (od["hours"] >= 0).all()
    out = wasteopt(tiny, "network", "circuity", "--osm", "grid.osm", "--config", "tiny.yaml", "--out", "ratios.csv", *snap)
    ratios = pd.read_csv(tiny / "ratios.csv")["ratio"]
    assert "全部 all" in out and ratios.min() >= 1 and ratios.median() < 1.6  # Manhattan blocks: 4/π ≈ 1.27 on average


def test_bench_siting_suites_reach_the_published_optima(tiny):
    cflp = csv_rows(wasteopt(tiny, "bench", "cflp", "--optima", BENCH_DATA / "orlib_cap" / "optima.csv",
                             "--only", "cap41", "--time-limit", "20"))
    pmed = csv_rows(wasteopt(tiny, "bench", "pmedian", "--optima", BENCH_DATA / "orlib_pmed" / "optima.csv",
                             "--only", "pmed1", "--time-limit", "20"))
    assert (cflp[0]["instance"], cflp[0]["objective"], cflp[0]["gap_pct"]) == ("cap41", "1040444.375", "0.000000")
    assert (pmed[0]["instance"], pmed[0]["objective"], pmed[0]["gap_pct"]) == ("pmed1", "5819.000", "0.000000")


def test_bench_routing_suites_write_their_rows(tiny):
    cvrp = csv_rows(wasteopt(tiny, "bench", "cvrp", "--bks", BENCH_DATA / "cvrplib" / "bks.csv", "--only", "P-n16-k8",
                             "--engine", "pyvrp", "--time-limit", "1"))
    kim = csv_rows(wasteopt(tiny, "bench", "wcvrptw", BENCH_DATA / "wcvrptw_kim2006" / "102_stop.txt",
                            "--engine", "pyvrp", "--time-limit", "1"))
    assert cvrp[0]["instance"] == "P-n16-k8" and float(cvrp[0]["cost"]) >= 450 and float(cvrp[0]["gap_pct"]) < 5
    assert kim[0]["stops"] == "99" and int(kim[0]["vehicles"]) >= 1 and float(kim[0]["km"]) > 0


def test_bench_scale_and_roads_measure_one_small_instance(tiny):
    scale = csv_rows(wasteopt(tiny, "bench", "scale", "--nodes", "157", "--sites", "157", "--time-limit", "5",
                              "--config", ROOT / "configs" / "henan-2025-zero-landfill.yaml"))
    roads = csv_rows(wasteopt(tiny, "bench", "roads", "--nodes", "2500", "--points", "10"))
    assert (scale[0]["nodes"], scale[0]["sites"]) == ("157", "157") and int(scale[0]["arcs"]) > 157
    assert float(scale[0]["peak_mb"]) > 0 and scale[0]["gap"] != ""  # a plan
    assert roads[0]["junctions"] == "2500" and int(roads[0]["pairs"]) > 0 and float(roads[0]["total_s"]) > 0


def test_bench_whatif_then_report_record_and_check(tiny, run):
    out = wasteopt(tiny, "bench", "whatif", "tiny.yaml", "--base", "run", "--registry", "runs.sqlite",
                   "--time-limit", "2")
    rows = csv_rows(out)
    assert len(rows) == 22 and {row["mode"] for row in rows} == {"cold", "warm"}
    assert out.splitlines()[-1].startswith("# whatif: median seconds to a proven 1 % gap")
    results = tiny / "results"
    results.mkdir()
    (results / "whatif.csv").write_text(out, encoding="utf-8")
    wasteopt(tiny, "bench", "report", "--record", "--results", results, "--out", "page.md")
    page = (tiny / "page.md").read_text(encoding="utf-8")
    assert "### whatif" in page and "| growth_1pct | cold |" in page and "+0.2 pt" in page
    checked = wasteopt(tiny, "bench", "report", "--check", "--results", results)  # against its own row: no regression
    assert "whatif: 22 cases against" in checked and "0 regressions" in checked


def _solve_with_streams(tiny, out: str, shell_redirect: str = "", **streams) -> subprocess.CompletedProcess:
    """`wasteopt solve` of the tiny scenario into ``out`` with its standard streams as given."""
    env = {**os.environ, "WASTEOPT_CACHE_DIR": str(tiny / "cache")}
    command = [sys.executable, "-m", "wasteopt", "solve", "tiny.yaml", "--out", out, "--registry", "streams.sqlite"]
    if shell_redirect:  # a closed descriptor (`>&-`) needs the shell
        return subprocess.run(" ".join(command) + " " + shell_redirect, shell=True, cwd=tiny, env=env,
                              capture_output=True, text=True, timeout=300)
    process = subprocess.Popen(command, cwd=tiny, env=env, text=True, **streams)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()  # the reader goes away before a line is written: every write meets a broken pipe
    process.wait(timeout=300)
    return subprocess.CompletedProcess(command, process.returncode)


def test_solve_holds_when_its_output_streams_are_closed_or_go_away(tiny, tmp_path):
    """Closed stdout or stderr, a reader that leaves: no traceback, the run written, the exit code says what
    happened (141: the reader of stdout went away, as a shell reports SIGPIPE)."""
    no_stderr = _solve_with_streams(tiny, "closed-err", "2>&-")
    assert no_stderr.returncode == 0 and "plan written to" in no_stderr.stdout
    assert "solving" not in no_stderr.stdout and "best" not in no_stderr.stdout  # progress never lands on stdout
    no_stdout = _solve_with_streams(tiny, "closed-out", ">&-")
    assert no_stdout.returncode == 0 and "Traceback" not in no_stdout.stderr
    assert "最好方案 best" in no_stdout.stderr  # the progress line, written into the pipe line by line
    with open(tmp_path / "err.txt", "w+") as errors:
        gone = _solve_with_streams(tiny, "stdout-gone", stdout=subprocess.PIPE, stderr=errors)
        errors.seek(0)
        said = errors.read()
    assert gone.returncode == 141 and "Traceback" not in said and "Exception ignored" not in said
    progress_gone = _solve_with_streams(tiny, "stderr-gone", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert progress_gone.returncode == 0
    for out in ("closed-err", "closed-out", "stdout-gone", "stderr-gone"):
        assert (tiny / out / "kpis.json").is_file(), out
    runs = subprocess.run([sys.executable, "-m", "wasteopt", "runs", "--registry", "streams.sqlite"], cwd=tiny,
                          capture_output=True, text=True, timeout=120)
    assert runs.returncode == 0 and runs.stdout.count("周口两县 smoke") == 4  # the registry took no stray output


def test_no_progress_writes_no_progress_line(run):
    folder, out = run  # solved with --no-progress; stderr is checked here in a second solve
    env = {**os.environ, "WASTEOPT_CACHE_DIR": str(folder.parent / "cache")}
    done = subprocess.run([sys.executable, "-m", "wasteopt", "solve", "tiny.yaml", "--out", "quiet", "--registry",
                           "quiet.sqlite", "--no-progress"], cwd=folder.parent, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "best" not in done.stderr and "solving" in done.stderr


def test_solve_of_several_futures_says_each_step_and_the_linked_models_plan_and_bound(tiny):
    from test_futures import write_tiny_futures

    write_tiny_futures(tiny, tiny / "seeds")
    env = {**os.environ, "WASTEOPT_CACHE_DIR": str(tiny / "cache")}
    done = subprocess.run([sys.executable, "-m", "wasteopt", "solve", "futures.yaml", "--out", "futures-run",
                           "--registry", "futures.sqlite"], cwd=tiny, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    steps = [next(i for i, line in enumerate(lines) if text in line) for text in (
        "future 1 of 3 alone: slow", "future 2 of 3 alone: mid", "future 3 of 3 alone: fast", "the mean-value problem",
        "a start for the linked model from the central future's plan: mid", "the linked model of all 3 futures",
        "pricing each of 5 plans in each future")]
    assert steps == sorted(steps)  # in the order they run
    linked = lines[steps[-2] + 1:steps[-1]]  # the linked model's progress: its best plan and bound
    assert linked and all("最好方案 best" in line and "界 bound" in line for line in linked)
