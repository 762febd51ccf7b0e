"""Hardening round 3 (issue 31): run folders are user input, every output is guarded, every failure one line.

One test (or a few) per class of the issue; each failed on main at 6db4cae."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from wasteopt import cli, compute_kpis, export_plan, load_scenario, solve_scenario
from wasteopt.reporting.report import write_report


def _tiny_run(folder, seeds, name: str, demand: str = "{calibration: null}", extra: str = ""):
    (folder / f"{name}.yaml").write_text(f"name: {name}\nregion: {{seeds: {seeds}}}\ndemand: {demand}\n{extra}"
                                         "solver: {time_limit_s: 5, rel_gap: 0.01}\n", encoding="utf-8")
    plan = solve_scenario(load_scenario(folder / f"{name}.yaml"))
    export_plan(plan, compute_kpis(plan), folder / name)
    return folder / name


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_seeds):
    """Three tiny real runs: one that builds a plant, one that builds nothing, one with zero demand."""
    folder = tmp_path_factory.mktemp("hardening")
    return {"builds": _tiny_run(folder, tiny_seeds, "builds", extra="policy: {new_plants: {min: 1}}\n"),
            "nothing": _tiny_run(folder, tiny_seeds, "nothing", extra="incinerator: {allow_expansion: false}\n"
                                                                      "policy: {new_plants: {max: 0}}\n"),
            "zero": _tiny_run(folder, tiny_seeds, "zero", "{calibration: null, msw_kg_per_capita_day: "
                                                          "{urban: 0, rural: 0}}")}


def _cli(*argv) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# ----------------------------------------------------------------------------- 1. empty plans


@pytest.mark.parametrize("run", ["nothing", "zero"])
def test_1_a_report_of_a_run_that_builds_nothing_or_treats_nothing(runs, run, tmp_path, monkeypatch):
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    folder = shutil.copytree(runs[run], tmp_path / run)
    page = write_report(folder)["html"].read_text(encoding="utf-8")
    assert "New and expanded facilities (0)" in page
    if run == "zero":
        assert "0 t/d to treat" in page


# ----------------------------------------------------------------------------- 2. run files are user files


@pytest.mark.parametrize("name", ["facilities.csv", "scenario.yaml", "kpis.json"])
@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "proc_environ"])
def test_2_run_files_are_read_through_the_vetted_reader(runs, tmp_path, name, kind):
    folder = shutil.copytree(runs["builds"], tmp_path / "run")
    (folder / name).unlink()
    if kind == "fifo":
        os.mkfifo(folder / name)
    else:
        (folder / name).symlink_to("/dev/zero" if kind == "dev_zero" else "/proc/self/environ")
    readers = [["report", folder], ["solve", runs["builds"] / "scenario.yaml", "--out", tmp_path / "next",
                                    "--warm-start", folder, "--registry", tmp_path / "r.sqlite"]]
    for argv in readers + ([["compare", folder, runs["nothing"]]] if name == "kpis.json" else []):
        code, _, err = _cli(*argv)
        assert code == 1 and err.count("\n") == 1 and err.startswith("error: "), (argv, err)
        special = kind != "proc_environ" and name == "kpis.json"  # then the folder holds no finished run
        assert name in err or special and "neither a run folder" in err, (argv, err)


# ----------------------------------------------------------------------------- 3. tampered run files


def _tamper(folder, name: str, change) -> None:
    path = folder / name
    path.write_text(change(path.read_text(encoding="utf-8-sig")), encoding="utf-8")


def _drop_column(text: str, column: str) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    at = rows[0].index(column)
    return "\n".join(",".join(cell for i, cell in enumerate(row) if i != at) for row in rows) + "\n"


TAMPERED = {
    "duplicated row": ("facilities.csv", lambda t: t + t.splitlines()[1] + "\n", "duplicate site_id"),
    "no new_modules": ("facilities.csv", lambda t: _drop_column(t, "new_modules"), "missing column(s): new_modules"),
    "no module size": ("facilities.csv", lambda t: _drop_column(t, "module_size_tpd"), "missing column(s): module_size_tpd"),
    "text as capacity": ("facilities.csv", lambda t: t.replace(",500.0,", ",lots,", 1), "capacity_tpd is not a number"),
    "no stream": ("flows.csv", lambda t: _drop_column(t, "stream"), "missing column(s): stream"),
    "kpis a list": ("kpis.json", lambda t: "[1, 2]", "not a JSON object of KPIs but a list"),
    "kpis goals text": ("kpis.json", lambda t: json.dumps({**json.loads(t), "goals": "all met"}), "'goals' is not a list"),
    "cost as text": ("kpis.json", lambda t: json.dumps({**json.loads(t), "cost_wan_cny_per_year": "cheap"}),
                     "'cost_wan_cny_per_year' is \"cheap\", not a number"),
}


@pytest.mark.parametrize("case", TAMPERED)
def test_3_tampered_run_files_are_one_line_errors(runs, tmp_path, case):
    name, change, message = TAMPERED[case]
    folder = shutil.copytree(runs["builds"], tmp_path / "run")
    _tamper(folder, name, change)
    commands = {"facilities.csv": [["report", folder], ["solve", runs["builds"] / "scenario.yaml", "--out",
                                   tmp_path / "next", "--warm-start", folder, "--registry", tmp_path / "r.sqlite"]],
                "flows.csv": [["report", folder]],
                "kpis.json": [["report", folder], ["compare", folder, runs["nothing"]]]}[name]
    for argv in commands:
        code, _, err = _cli(*argv)
        assert code == 1 and err.count("\n") == 1 and message in err and name in err, (argv, err)


def test_3_the_fixed_plan_and_the_run_share_one_validator(runs, tmp_path):
    folder = shutil.copytree(runs["builds"], tmp_path / "run")
    _tamper(folder, "facilities.csv", TAMPERED["duplicated row"][1])
    scenario = tmp_path / "fixed.yaml"
    scenario.write_text((runs["builds"] / "scenario.yaml").read_text(encoding="utf-8")
                        + f"\n# what-if\n", encoding="utf-8")
    import yaml

    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    data["policy"]["fixed_plants_file"] = str(folder / "facilities.csv")
    data["policy"]["new_plants"] = {"min": None, "max": None}
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, _, err = _cli("solve", scenario, "--out", tmp_path / "out", "--registry", tmp_path / "r.sqlite")
    assert code == 1 and "duplicate site_id" in err and "facilities.csv" in err, err


# ----------------------------------------------------------------------------- 4. one output guard

ROADS = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="33.60" lon="114.60"/><node id="2" lat="33.61" lon="114.62"/><node id="3" lat="33.62" lon="114.64"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
</osm>
"""


@pytest.fixture
def roads(tmp_path, monkeypatch):
    monkeypatch.setenv("WASTEOPT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "roads.osm").write_text(ROADS, encoding="utf-8")
    (tmp_path / "points.csv").write_text("site_id,lon,lat\nA,114.60,33.60\nB,114.64,33.62\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("action", ["build", "circuity"])
@pytest.mark.parametrize("victim", ["roads.osm", "points.csv", "mine.yaml"])
def test_4_network_outputs_never_replace_a_file_unasked_nor_an_input(roads, action, victim):
    (roads / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    before = (roads / victim).read_bytes()
    argv = ["network", action, "--osm", roads / "roads.osm", "--points", roads / "points.csv", "--out", roads / victim]
    code, _, err = _cli(*argv)
    assert code == 1 and err.count("\n") == 1 and (roads / victim).read_bytes() == before, err
    if victim == "mine.yaml":  # a file the command does not read: replaced only with --force
        assert "pass --force" in err
        assert _cli(*argv, "--force")[0] == 0 and (roads / victim).read_bytes() != before
    else:
        assert "one of this command's input files" in err and _cli(*argv, "--force")[0] == 1


def test_4_a_sweep_never_writes_into_a_users_folder(tmp_path, tiny_seeds):
    (tmp_path / "tiny.yaml").write_text(f"name: tiny\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                                        "solver: {time_limit_s: 5, rel_gap: 0.01}\n", encoding="utf-8")
    (tmp_path / "sweep.yaml").write_text("name: s\nbase: tiny.yaml\nout: mine\nreport: false\ngrid:\n"
                                         "  network.max_haul_km: [100, 150]\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "summary.csv").write_text("my,own\n1,2\n", encoding="utf-8")
    code, _, err = _cli("sweep", tmp_path / "sweep.yaml", "--registry", tmp_path / "r.sqlite", "--no-progress",
                        "--jobs", 1)
    assert code == 1 and "not written by wasteopt" in err
    assert (tmp_path / "mine" / "summary.csv").read_text(encoding="utf-8") == "my,own\n1,2\n"


# ----------------------------------------------------------------------------- 5. write failures


def test_5_a_file_size_limit_during_the_write_is_one_line_and_the_old_run_stays(runs, tmp_path):
    import resource
    import subprocess
    import sys

    folder = shutil.copytree(runs["builds"], tmp_path / "run")
    before = (folder / "kpis.json").read_bytes()
    limit = 60_000  # bytes: the GeoPackage needs more (ulimit -f)
    process = subprocess.run(
        [sys.executable, "-m", "wasteopt", "solve", str(runs["builds"] / "scenario.yaml"), "--out", str(folder),
         "--force", "--registry", str(tmp_path / "r.sqlite"), "--no-progress"],
        capture_output=True, text=True, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert process.returncode == 1 and "Traceback" not in process.stderr, process.stderr
    error = [line for line in process.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1 and f"{folder}/plan.gpkg: cannot write the file (File too large: the file size limit " \
        "(ulimit -f) is 60,000 bytes)" in error[0], process.stderr
    assert (folder / "kpis.json").read_bytes() == before


@pytest.mark.parametrize("out", ["a\nb", "tab\there", "esc\x1b[2J"])
def test_5_an_output_name_with_a_control_character_is_refused(runs, tmp_path, out):
    code, _, err = _cli("solve", runs["builds"] / "scenario.yaml", "--out", tmp_path / out,
                        "--registry", tmp_path / "r.sqlite", "--no-progress")
    assert code == 1 and err.count("\n") == 1 and "control character" in err, err
    assert not any(tmp_path.iterdir()) or not (tmp_path / out).exists()


# ----------------------------------------------------------------------------- 6. terminal and Markdown injection

HOSTILE_NAME = "x\x1b]0;PWNED\x07\x1b[2J"


def test_6_user_text_reaches_the_terminal_escaped(runs, tmp_path):
    registry = tmp_path / "r.sqlite"
    scenario = tmp_path / "evil.yaml"
    scenario.write_text((runs["builds"] / "scenario.yaml").read_text(encoding="utf-8").replace(
        "name: builds", 'name: "evil\\e[2J\\0"'), encoding="utf-8")
    code, out, err = _cli("solve", scenario, "--out", tmp_path / "a", "--registry", registry, "--no-progress",
                          "--name", HOSTILE_NAME, "--note", "n\x1b[31m")
    assert code == 0 and "evil\\x1b[2J\\x00" in out, out
    assert _cli("solve", runs["builds"] / "scenario.yaml", "--out", tmp_path / "b", "--registry", registry,
                "--no-progress")[0] == 0
    code, listed, _ = _cli("runs", "--registry", registry)
    assert code == 0 and "x\\x1b]0;PWNED\\x07\\x1b[2J" in listed and "n\\x1b[31m" in listed
    code, compared, _ = _cli("compare", tmp_path / "a", tmp_path / "b", "--registry", registry)
    assert code == 0 and "x\\x1b]0;PWNED" in compared
    for text in (out, err, listed, compared):
        assert "\x1b" not in text and "\x07" not in text and "\x00" not in text


def test_6_run_notes_and_titles_are_plain_text_in_the_app(runs, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from wasteopt import RunRegistry
    from wasteopt.app import service
    from wasteopt.runs.folder import RunFolder

    monkeypatch.setenv(service.RUNS_DIR_ENV, str(tmp_path / "runs"))
    registry = RunRegistry(tmp_path / "runs" / "registry.sqlite")
    from wasteopt.runs.registry import new_run_id

    for name, note in (("builds", "![t](http://127.0.0.1:9/t.png) see [here](http://127.0.0.1:9/)"), ("nothing", "")):
        source = RunFolder(runs[name])
        run_id = new_run_id()  # a folder claims a run only when written as one
        plan = solve_scenario(source.scenario())
        export_plan(plan, compute_kpis(plan), tmp_path / name, run_id=run_id)
        folder = RunFolder(tmp_path / name)
        registry.record(folder.scenario(), folder.kpis(), folder.path, source="app", run_id=run_id,
                        label=f"**{name}** <b>x</b>", note=note)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "wasteopt/app/pages/compare_page.py"),
                           default_timeout=120)
    at.run()
    assert not at.exception
    shown = "\n".join(element.value for element in [*at.caption, *at.markdown])
    assert "](http" not in shown and "<b>" not in shown and "**builds**" not in shown
    assert r"\!\[t\]\(http\:\/\/127\.0\.0\.1\:9\/t\.png\)" in shown


# ----------------------------------------------------------------------------- 7. bounded work


def _with_candidates(tmp_path, seeds, table: str):
    (tmp_path / "sites.csv").write_text(table, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(f"name: s\nregion: {{seeds: {seeds}, candidate_sites_file: sites.csv}}\n"
                                     "demand: {calibration: null}\nsolver: {time_limit_s: 5}\n", encoding="utf-8")
    return _cli("solve", tmp_path / "s.yaml", "--out", tmp_path / "out", "--registry", tmp_path / "r.sqlite",
                "--no-progress")


def test_7_a_header_of_10000_columns_is_refused_before_parsing(tmp_path, tiny_seeds):
    import time

    started = time.perf_counter()
    header = "site_id,name_zh,adcode,lon,lat," + ",".join(f"c{i}" for i in range(10_000))
    code, _, err = _with_candidates(tmp_path, tiny_seeds, header + "\nC1,候选,411602,114.66,33.61\n")
    assert code == 1 and "sites.csv: the header has more than 500 columns" in err
    assert time.perf_counter() - started < 30  # 136 s on 6db4cae


def test_7_a_10_mb_site_name_is_refused_and_the_message_stays_short(tmp_path, tiny_seeds):
    code, _, err = _with_candidates(tmp_path, tiny_seeds, "site_id,name_zh,adcode,lon,lat\n"
                                    f"C1,{'长' * 10_000_000},411602,114.66,33.61\nC2,x,411602,abc{'9' * 100_000},33\n")
    assert code == 1 and "row 1: name_zh is 10,000,000 characters long, more than the 200" in err
    assert "row 2: lon,lat" in err and len(err) < 2_000


def test_7_thousands_of_unknown_keys_give_a_short_error():
    from wasteopt.config.errors import ScenarioError
    from wasteopt.config.loader import scenario_from_yaml_text

    with pytest.raises(ScenarioError) as error:
        scenario_from_yaml_text("name: x\nregion:\n" + "".join(f"  k{i}: 1\n" for i in range(3_000)))
    assert "… and 2,980 more problem(s)" in str(error.value) and len(str(error.value)) < 5_000


def test_7_the_solve_says_the_time_limit_leaves_out_the_set_up(runs, tmp_path):
    code, out, _ = _cli("solve", runs["builds"] / "scenario.yaml", "--out", tmp_path / "a", "--time-limit", 3,
                        "--registry", tmp_path / "r.sqlite", "--no-progress")
    assert code == 0 and "(data, distances, model and files: not in the time limit) + solver" in out
    assert "(limit 3 s)" in out
    assert "not counted" in " ".join(cli.build_parser()._subparsers._group_actions[0].choices["solve"].format_help()
                                     .split())


# ----------------------------------------------------------------------------- 8. smaller tracebacks and messages


@pytest.mark.parametrize("coordinates", ['lat="999" lon="114.62"', 'lat="33.61" lon="abc"'])
def test_8_bad_osm_coordinates(roads, coordinates):
    (roads / "roads.osm").write_text(ROADS.replace('lat="33.61" lon="114.62"', coordinates), encoding="utf-8")
    code, _, err = _cli("network", "build", "--osm", roads / "roads.osm", "--points", roads / "points.csv",
                        "--out", roads / "od.csv")
    assert code == 1 and "roads.osm: cannot read OSM data: wrong format for coordinate" in err, err


@pytest.mark.parametrize("kind", ["fifo", "dev_null", "folder"])
def test_8_a_special_file_as_the_osm_extract_is_named_as_such(roads, kind):
    path = roads / "special.osm"
    {"fifo": lambda: os.mkfifo(path), "dev_null": lambda: path.symlink_to("/dev/null"), "folder": path.mkdir}[kind]()
    code, _, err = _cli("network", "build", "--osm", path, "--points", roads / "points.csv", "--out", roads / "od.csv")
    assert code == 1 and "not found" not in err and ("not a regular file" in err or "is a folder" in err), err


def test_8_a_damaged_road_cache_says_to_delete_it(roads):
    argv = ["network", "build", "--osm", roads / "roads.osm", "--points", roads / "points.csv"]
    assert _cli(*argv, "--out", roads / "od.csv")[0] == 0
    for cached in (roads / "cache").iterdir():
        cached.write_bytes(b"not a cache")
    code, _, err = _cli(*argv, "--out", roads / "od2.csv")
    assert code == 1 and "the road cache file is damaged" in err and "delete it and run again" in err, err


def test_8_an_exclusion_zone_at_longitude_1000_with_a_buffer(tmp_path, tiny_seeds):
    zone = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[1000, 33], [1001, 33], [1001, 34], [1000, 33]]]}}]}
    (tmp_path / "zones.geojson").write_text(json.dumps(zone), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(f"name: s\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                                     "exclusion: {zones_files: [zones.geojson], buffer_m: 500}\n", encoding="utf-8")
    code, _, err = _cli("solve", tmp_path / "s.yaml", "--out", tmp_path / "out", "--registry", tmp_path / "r.sqlite")
    assert code == 1 and "zones.geojson: features 1 have coordinates outside longitude -180…180" in err, err


def test_8_a_locked_registry_is_busy_and_kept(runs, tmp_path, monkeypatch):
    import sqlite3

    registry = tmp_path / "r.sqlite"
    assert _cli("solve", runs["builds"] / "scenario.yaml", "--out", tmp_path / "a", "--registry", registry,
                "--no-progress")[0] == 0
    monkeypatch.setattr("wasteopt.runs.registry.LOCK_WAIT_S", 0.5, raising=False)
    holder = sqlite3.connect(registry)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = _cli("runs", "--registry", registry)
    finally:
        holder.rollback()
        holder.close()
    assert code == 1 and "busy" in err and "keep the file" in err and "move the file aside" not in err, err
    assert _cli("runs", "--registry", registry)[0] == 0  # kept: the history is still there
