"""Run folders are written whole and only where they may be: a new or empty folder, or one wasteopt
marked as its own; a failed write leaves the old run and no temporary files; one writer at a time;
the registry points only at complete runs. Uses only the public API where one exists."""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import wasteopt
from wasteopt import (OutputError, RunFolder, RunRegistry, compute_kpis, export_plan, load_scenario, run_scenario,
                      solve_scenario)
from wasteopt.cli import main
from wasteopt.config.errors import RunExistsError, WasteoptError
from wasteopt.runs.pipeline import reusable_run
from wasteopt.bench.synthetic import write_seed_subset


@pytest.fixture(scope="module")
def tiny(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    (folder / "tiny.yaml").write_text(
        f"name: 周口 tiny\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
        "solver: {time_limit_s: 2, rel_gap: 0.05}\n", encoding="utf-8")
    return folder / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny_plan(tiny):
    return solve_scenario(load_scenario(tiny))


def _no_solve(*args, **kwargs):
    raise AssertionError("solved although the output folder was refused")


def _one_error_line(err: str) -> bool:
    return "Traceback" not in err and len([line for line in err.splitlines() if line.startswith("error: ")]) == 1


def _listing(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_root_api_names_the_library_functions():
    from wasteopt.runs.folder.plan_files import export_plan as exporter
    from wasteopt.runs.pipeline import run_scenario as runner

    assert {"load_scenario", "solve_scenario", "compute_kpis", "export_plan", "RunFolder", "run_scenario"} <= set(
        wasteopt.__all__)
    assert (export_plan, run_scenario) == (exporter, runner)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        wasteopt.nothing


def test_public_api_round_trip(tiny_plan, tmp_path):
    kpis = compute_kpis(tiny_plan)
    files = export_plan(tiny_plan, kpis, tmp_path / "run", run_id="r1")
    folder = RunFolder(tmp_path / "run")
    assert folder.is_complete and folder.run_id == "r1" and folder.holds("r1") and not folder.holds("r2")
    assert files["kpis"] == tmp_path / "run" / "kpis.json"
    assert folder.kpis()["objective"] == pytest.approx(kpis["objective"])
    assert list(folder.facilities().index) == list(tiny_plan.facilities.index)
    assert folder.scenario().name == "周口 tiny"
    assert _listing(tmp_path) == ["run"]  # no lock or temporary folder beside it


def test_solve_never_writes_into_a_user_folder_force_or_not(tmp_path, capsys, monkeypatch, tiny):
    user = tmp_path / "u"
    user.mkdir()
    (user / "demand.csv").write_text("precious\n", encoding="utf-8")
    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", _no_solve)
    for force in ([], ["--force"]):
        code = main(["solve", str(tiny), "--out", str(user), *force, "--registry", str(tmp_path / "r.sqlite")])
        err = capsys.readouterr().err
        assert code == 1 and _one_error_line(err) and "not written by wasteopt" in err
    assert (user / "demand.csv").read_text(encoding="utf-8") == "precious\n"
    assert _listing(tmp_path) == ["u"] and _listing(user) == ["demand.csv"]


@pytest.mark.parametrize("kind", ["root", "file"])
def test_root_and_a_file_as_out_are_refused_with_one_line(tmp_path, capsys, monkeypatch, tiny, kind):
    out = "/" if kind == "root" else str(tmp_path / "plan.txt")
    if kind == "file":
        (tmp_path / "plan.txt").write_text("mine\n", encoding="utf-8")
    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", _no_solve)
    code = main(["solve", str(tiny), "--out", out, "--force", "--registry", str(tmp_path / "r.sqlite")])
    err = capsys.readouterr().err
    assert code == 1 and _one_error_line(err)
    assert ("file system root" if kind == "root" else "is a file, not a folder") in err
    if kind == "file":
        assert (tmp_path / "plan.txt").read_text(encoding="utf-8") == "mine\n"


def test_an_existing_run_needs_force_checked_before_solving(tmp_path, capsys, monkeypatch, tiny):
    out = tmp_path / "run"
    with RunFolder(out).writing(run_id="old") as staging:
        (staging / "kpis.json").write_text('{"keep": true}', encoding="utf-8")
    solved = []

    def failing_solve(*args, **kwargs):
        solved.append(1)
        raise WasteoptError("stop here")

    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", failing_solve)
    registry = ["--registry", str(tmp_path / "r.sqlite")]
    assert main(["solve", str(tiny), "--out", str(out), *registry]) == 1 and not solved
    assert "already holds a run; pass --force" in capsys.readouterr().err
    assert main(["solve", str(tiny), "--out", str(out), "--force", *registry]) == 1 and solved == [1]
    assert RunFolder(out).kpis() == {"keep": True} and RunFolder(out).run_id == "old"
    assert _listing(tmp_path) == ["run"]


def test_export_failing_midway_keeps_the_old_run_whole_and_leaves_no_temp(tmp_path, monkeypatch, tiny_plan):
    out = tmp_path / "run"
    export_plan(tiny_plan, compute_kpis(tiny_plan), out, run_id="old")
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    renamed = dataclasses.replace(tiny_plan, facilities=tiny_plan.facilities.assign(name_en="renamed"))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("wasteopt.runs.folder.plan_files.write_xlsx", disk_full)  # after the GeoPackage and the CSVs
    with pytest.raises(OSError, match="No space"):
        export_plan(renamed, compute_kpis(renamed), out, force=True, run_id="new")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert _listing(tmp_path) == ["run"]


WRITER = textwrap.dedent("""
    import dataclasses, pickle, sys
    from wasteopt import compute_kpis, export_plan
    plan = pickle.load(open(sys.argv[1], "rb"))
    kpis = compute_kpis(plan)
    print("ready", flush=True)
    version = 0
    while True:  # re-export with --force until killed; each version names itself in two files
        version += 1
        marked = dataclasses.replace(plan, facilities=plan.facilities.assign(name_en=f"v{version}"))
        export_plan(marked, {**kpis, "version": version}, sys.argv[2], force=True, run_id=str(version))
""")


def test_sigkill_during_forced_exports_leaves_one_whole_run(tmp_path, root, tiny_plan):
    pickled, out = tmp_path / "plan.pickle", tmp_path / "run"
    pickled.write_bytes(pickle.dumps(tiny_plan))
    first = dataclasses.replace(tiny_plan, facilities=tiny_plan.facilities.assign(name_en="v0"))
    export_plan(first, {**compute_kpis(tiny_plan), "version": 0}, out, run_id="0")
    for delay in (0.3, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(pickled), str(out)], cwd=root,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        folder = RunFolder(out)
        version = folder.kpis()["version"]
        assert folder.run_id == str(version) and set(folder.facilities()["name_en"]) == {f"v{version}"}
        assert {"plan.gpkg", "plan.xlsx", "scenario.yaml", "facilities.csv"} <= set(_listing(out))
    with RunFolder(out).writing(force=True, run_id="last") as staging:  # the next write clears what the kills left
        (staging / "kpis.json").write_text("{}", encoding="utf-8")
    assert _listing(tmp_path) == ["plan.pickle", "run"]


def test_leftovers_of_a_killed_write_are_cleaned_and_a_half_swap_undone(tmp_path):
    out = tmp_path / "run"
    with RunFolder(out).writing(run_id="old") as staging:
        (staging / "kpis.json").write_text("{}", encoding="utf-8")
    # what SIGKILL leaves: a half-built folder, and (killed between the swap's two renames) the old run aside
    (tmp_path / ".run.wasteopt-tmp-999-dead").mkdir()
    os.rename(out, tmp_path / ".run.wasteopt-old-deadbeef")
    with pytest.raises(RunExistsError):
        with RunFolder(out).writing(run_id="new"):
            pass
    assert RunFolder(out).run_id == "old" and _listing(tmp_path) == ["run"]


def test_two_writers_into_one_new_folder_one_is_refused(tmp_path):
    out = tmp_path / "new"
    with RunFolder(out).writing(run_id="first") as staging:
        with pytest.raises(OutputError, match="another wasteopt process is writing"):
            with RunFolder(out).writing(run_id="second"):
                pass
        (staging / "kpis.json").write_text("{}", encoding="utf-8")
    assert RunFolder(out).run_id == "first" and _listing(tmp_path) == ["new"]


def test_registry_rows_point_only_at_complete_runs_and_reuse_follows_the_folder(tmp_path, monkeypatch, tiny,
                                                                               tiny_plan):
    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", lambda *args, **kwargs: tiny_plan)
    scenario, registry, out = load_scenario(tiny), RunRegistry(tmp_path / "r.sqlite"), tmp_path / "run"
    first = run_scenario(scenario, out, registry=registry, source="cli")
    with monkeypatch.context() as patch:
        patch.setattr("wasteopt.runs.folder.plan_files.write_csv", lambda *args, **kwargs: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            run_scenario(scenario, out, registry=registry, source="cli", force=True)
    assert [record.run_id for record in registry.records()] == [first.record.run_id]
    second = run_scenario(scenario, out, registry=registry, source="cli", force=True)
    assert not RunFolder(out).holds(first.record.run_id) and RunFolder(out).holds(second.record.run_id)
    assert reusable_run(registry, scenario).run_id == second.record.run_id
    again = run_scenario(scenario, tmp_path / "elsewhere", registry=registry, source="app", reuse=True)
    assert again.reused and again.record.run_id == second.record.run_id and not (tmp_path / "elsewhere").exists()
    json.loads((out / "kpis.json").read_text(encoding="utf-8"))  # the folder holds a whole run


def test_route_and_compare_outputs_are_guarded_too(tmp_path, capsys, tiny):
    user = tmp_path / "u"
    user.mkdir()
    (user / "notes.txt").write_text("precious\n", encoding="utf-8")
    code = main(["route", str(tiny), "--county", "411602", "--out", str(user), "--force"])
    assert code == 1 and "not written by wasteopt" in capsys.readouterr().err
    assert _listing(user) == ["notes.txt"]
    run = tmp_path / "run"
    with RunFolder(run).writing(run_id="r1") as staging:
        (staging / "kpis.json").write_text("{}", encoding="utf-8")
    code = main(["route", str(tiny), "--county", "411602", "--out", str(run), "--force"])
    assert code == 1 and "holds a run of wasteopt, not routes" in capsys.readouterr().err
    assert RunFolder(run).run_id == "r1"
    code = main(["compare", "missing-run", "--out", str(user)])
    err = capsys.readouterr().err
    assert code == 1 and _one_error_line(err) and "is a folder" in err


def test_reuse_only_a_run_at_least_as_good_as_asked_else_start_from_it(tmp_path, monkeypatch, tiny, tiny_plan):
    # The scenario asks for a 5 % gap. main at 6db4cae handed back any run of the same hash (a 1-second CLI run).
    solves = []

    def solve(scenario, **kwargs):
        solves.append(kwargs)
        return plans.pop(0)

    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", solve)
    scenario, registry = load_scenario(tiny), RunRegistry(tmp_path / "r.sqlite")
    loose = dataclasses.replace(tiny_plan, status="time_limit", gap=0.2, rel_gap=0.05)
    plans = [loose, dataclasses.replace(tiny_plan, status="gap_reached", gap=0.04, rel_gap=0.05)]
    hurried = run_scenario(scenario, tmp_path / "hurried", registry=registry, source="cli", time_limit=1)
    assert reusable_run(registry, scenario) is None and reusable_run(registry, scenario, rel_gap=0.25) is not None
    app = run_scenario(scenario, tmp_path / "app", registry=registry, source="app", reuse=True)
    assert not app.reused and solves[-1]["base_plan"] is not None  # solved, warm-started from the hurried run
    assert app.record.base_run == hurried.record.run_id
    again = run_scenario(scenario, tmp_path / "again", registry=registry, source="app", reuse=True)
    assert again.reused and again.record.run_id == app.record.run_id and len(solves) == 2
    assert reusable_run(registry, scenario, backend="cbc") is None  # another engine: not the same result
    reseeded = scenario.with_changes({"solver": {"search_seed": 7}})  # another seed: another plan
    assert reusable_run(registry, reseeded) is None


def test_a_folder_written_outside_a_run_claims_no_run_id(tmp_path, tiny_plan):
    # main at 6db4cae: holds() was true for any id when export_plan wrote the folder (it has no id)
    export_plan(tiny_plan, compute_kpis(tiny_plan), tmp_path / "mine")
    folder = RunFolder(tmp_path / "mine")
    assert folder.is_complete and folder.run_id is None
    assert not folder.holds("20250101-120000-a1b2c3") and not folder.holds("anything")


def test_a_finished_run_changes_only_whole_and_recorded(tmp_path, tiny_plan):
    """RunFolder.amend: a copy is changed and swapped in whole; the registry records which files, and what wrote
    them; a failing change leaves the folder as it was and records nothing."""
    registry, out = RunRegistry(tmp_path / "r.sqlite"), tmp_path / "run"
    export_plan(tiny_plan, compute_kpis(tiny_plan), out, run_id="r1")
    registry.record(tiny_plan.scenario, compute_kpis(tiny_plan), out, run_id="r1")
    folder = RunFolder(out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    with pytest.raises(ZeroDivisionError):
        with folder.amend(registry, "goal_cost") as staging:
            (staging / "goal_cost.json").write_text("{}", encoding="utf-8")
            1 / 0
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before and folder.changes(registry) == []
    assert _listing(tmp_path) == ["r.sqlite", "run"]  # no copy left beside it

    record = {"goal": "new_plants", "target": 3, "status": "met"}
    assert folder.add_goal_cost(record, registry) == out / "goal_cost.json"
    assert folder.goal_cost() == record and folder.backtest() is None
    assert [(c.run_id, c.what, c.files) for c in folder.changes(registry)] == [("r1", "goal_cost", ("goal_cost.json",))]
    assert folder.run_id == "r1" and folder.holds("r1")  # the marker is the run's still
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.name != "goal_cost.json"} == before
    with pytest.raises(WasteoptError, match="may not change or remove the run.s own files \\(kpis.json\\)"):
        with folder.amend(registry, "report") as staging:
            (staging / "kpis.json").unlink()
            (staging / "kpis.json").write_text("{}", encoding="utf-8")
    assert folder.kpis()["objective"] == pytest.approx(compute_kpis(tiny_plan)["objective"])
    assert len(folder.changes(registry)) == 1


def test_a_change_to_a_folder_another_run_took_over_is_refused(tmp_path, tiny_plan):
    from wasteopt.runs.folder import staged_folder

    out = tmp_path / "run"
    export_plan(tiny_plan, compute_kpis(tiny_plan), out, run_id="second")
    with pytest.raises(OutputError, match="another output was written into the folder meanwhile; nothing was"):
        with staged_folder(out, "run", force=True, run_id="first", keep=True):
            pass
    assert RunFolder(out).run_id == "second" and _listing(tmp_path) == ["run"]


def test_a_run_of_an_older_wasteopt_takes_a_goal_cost_and_a_special_file_is_refused(tmp_path, tiny_plan):
    """A run written before runs were marked (no .wasteopt) is changed as any other; a FIFO in a run is refused
    before the copy would block on it."""
    registry, out = RunRegistry(tmp_path / "r.sqlite"), tmp_path / "old"
    export_plan(tiny_plan, compute_kpis(tiny_plan), out)
    (out / ".wasteopt").unlink()
    RunFolder(out).add_goal_cost({"status": "met"}, registry)
    assert RunFolder(out).goal_cost() == {"status": "met"} and RunFolder(out).run_id is None
    assert not registry.path.exists()  # no run of the registry: nothing to record
    os.mkfifo(out / "pipe")
    with pytest.raises(OutputError, match="pipe: not a regular file"):
        RunFolder(out).add_goal_cost({"status": "infeasible"}, registry)
    assert RunFolder(out).goal_cost() == {"status": "met"} and _listing(tmp_path) == ["old"]
    (out / "pipe").unlink()
    (out / "flows.csv").unlink()
    (out / "flows.csv").symlink_to(out / "flows.csv")  # copied as the link it is; reading it fails
    with pytest.raises(WasteoptError, match=f"^{out / 'flows.csv'}: cannot read"):  # not the temporary copy's name
        with RunFolder(out).amend(registry, "report") as staging:
            RunFolder(staging).flows()


def test_a_run_is_found_by_folder_or_id_while_its_folder_holds_it(tmp_path, monkeypatch, tiny, tiny_plan):
    from wasteopt.config.errors import RunNotFoundError

    monkeypatch.setattr("wasteopt.runs.pipeline.solve_scenario", lambda *args, **kwargs: tiny_plan)
    scenario, registry, out = load_scenario(tiny), RunRegistry(tmp_path / "r.sqlite"), tmp_path / "run"
    first = run_scenario(scenario, out, registry=registry, source="cli").record
    assert RunFolder.of(first).path == out and RunFolder.find(first.run_id, registry).path == out
    assert RunFolder.find(str(out), registry).run_id == first.run_id
    assert RunFolder.find(first.run_id, registry).file("geojson_plants") == out / "plants.geojson"
    assert RunFolder(out).file("report_html") is None  # not written
    second = run_scenario(scenario, out, registry=registry, source="cli", force=True).record
    assert RunFolder.of(first) is None and RunFolder.of(second).run_id == second.run_id
    with pytest.raises(RunNotFoundError, match=f"run '{first.run_id}' is neither a run folder"):
        RunFolder.find(first.run_id, registry)
