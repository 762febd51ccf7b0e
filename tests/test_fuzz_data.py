"""Fuzzed data files through the whole data path: `wasteopt solve` on a tiny real region whose user files
(landfills, candidate sites, transfer stations, OD matrix, exclusion zones, fixed plan) are mutated —
bad cells, lost lines and columns, random bytes, other encodings, special files — then load → solve →
KPIs → export. Every case ends in a written plan, "infeasible" (exit 2) or one `error:` line that names
the file and the row (or line, feature, column, key), never a traceback.

``make test`` runs 100 derandomised cases; ``make fuzz`` (``--run-fuzz``) 1,000 random ones. Two more families
run the same way (25 cases each in ``make test``, 150 in ``make fuzz``): run folders tampered with, read by
``report``, ``compare`` and ``solve --warm-start``, and every command that writes pointed at what it must not
replace. Counts of
the outcomes are printed at the end of the session (see conftest.py).
"""
from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import write_tiny_seeds
from wasteopt import cli

OUTCOMES: collections.Counter = collections.Counter()

SITES_HEADER = "site_id,name_zh,adcode,lon,lat\n"
BASE_FILES = {
    "landfills.csv": SITES_HEADER + "L1,川汇填埋场,411602,114.65,33.62\nL2,淮阳填埋场,411603,114.86,33.73\n",
    "candidates.csv": SITES_HEADER + "C1,川汇候选厂址,411602,114.66,33.61\nC2,淮阳候选厂址,411603,114.87,33.74\n",
    "stations.csv": SITES_HEADER + "T1,淮阳中转站,411603,114.85,33.72\n",
    "fixed.csv": "site_id,new_modules,module_size_tpd\nC2,1,500\n",
}
NODES = ("411602", "411603")
SITES = ("C1", "C2", "L1", "L2", "T1")
KM = {"411602": 3.0, "411603": 25.0}
ZONES = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "水源保护区"},
    "geometry": {"type": "Polygon", "coordinates": [[[114.60, 33.55], [114.62, 33.55], [114.62, 33.57],
                                                     [114.60, 33.57], [114.60, 33.55]]]}}]}
CONFIG = """name: 数据模糊测试
region: {{seeds: {seeds}, landfills_file: landfills.csv, candidate_sites_file: candidates.csv}}
demand: {{calibration: null}}
network: {{od_matrix_file: od.csv}}
transfer: {{enabled: true, candidate_sites_file: stations.csv}}
exclusion: {{zones_files: [zones.geojson]}}
policy: {{fixed_plants_file: fixed.csv}}
solver: {{time_limit_s: 5, rel_gap: 0.01}}
"""
TARGETS = ("landfills.csv", "candidates.csv", "stations.csv", "fixed.csv", "od.csv", "zones.geojson")
# A message names a place in the file, or says why the whole file is refused.
PLACE = re.compile(r"\b(row|line|feature|features|column|columns|key|origin\(s\)|byte)\b")
WHOLE_FILE = ("not found", "is empty", "no data rows", "not a regular file", "is a folder", "symbolic link loop",
              "NUL byte", "file name too long", "MB allowed", "cannot read", "no rows", "no geometries",
              "no exclusion zones", "no CRS", "neither UTF-8 nor GBK", "not polygons")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The tiny seeds and one case folder reused by every case (so the region cache keeps its seeds)."""
    base = tmp_path_factory.mktemp("fuzzdata")
    return base, write_tiny_seeds(base / "seeds")


def _base_files(world) -> dict[str, bytes]:
    base, seeds = world
    from wasteopt.data.region import load_region
    from wasteopt.config.scenario import Scenario

    plants = load_region(Scenario(name="ids", region={"seeds": str(seeds)}, demand={"calibration": None})).plants
    sites = tuple(plants["site_id"]) + SITES
    od = "origin,destination,km\n" + "".join(f"{n},{s},{KM[n] + 4 * i}\n" for n in NODES for i, s in enumerate(sites))
    od += "".join(f"{p},{s},{10 + i}\n" for i, p in enumerate(sites) for s in sites if p != s)
    files = {name: text.encode("utf-8") for name, text in BASE_FILES.items()}
    files["od.csv"] = od.encode("utf-8")
    files["zones.geojson"] = json.dumps(ZONES, ensure_ascii=False).encode("utf-8")
    files["s.yaml"] = CONFIG.format(seeds=seeds).encode("utf-8")
    return files


# ----------------------------------------------------------------------------- mutations

HOSTILE_CELLS = ["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "1e308", "1e400", "-1e300", "=cmd|' /C calc'!A0",
                 "@SUM(1)", "+1", "\x00", "a\x00b", "x" * 5000, "河南", "４１１６０２", "411602 ", "\"", "'", "a,b",
                 "\n", "\r\n", "\ufeff", "\ud800", "999999", "C1", "L1", "T1", "P00000000", "1.5", "2", "9", "750",
                 "300", "114.65", "33.62", "0x1F", "1,000", "None", "null", "TRUE"]
ENCODINGS = ("gbk", "utf-16", "latin-1", "utf-8-sig", "utf-32", "shift_jis", "big5")
SPECIAL = ("fifo", "folder", "dev_null", "dev_zero", "loop", "missing", "empty", "sparse_huge", "nul_in_name",
           "long_name")

text_mutation = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 50), st.integers(0, 8),
              st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=12))),
    st.tuples(st.just("drop_line"), st.integers(0, 50)),
    st.tuples(st.just("duplicate_line"), st.integers(0, 50)),
    st.tuples(st.just("drop_column"), st.integers(0, 8)),
    st.tuples(st.just("rename_header"), st.integers(0, 8), st.sampled_from(["", "Site_ID", "经度", "lon ", "km", "x"])),
    st.tuples(st.just("bytes"), st.integers(0, 10**5), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("truncate"), st.integers(0, 10**5)),
    st.tuples(st.just("encoding"), st.sampled_from(ENCODINGS)),
)
json_mutation = st.one_of(
    st.tuples(st.just("geometry"), st.sampled_from([None, {"type": "Point", "coordinates": [114.6, 33.5]},
                                                    {"type": "LineString", "coordinates": [[114.6, 33.5], [114.7, 33.6]]},
                                                    {"type": "Polygon", "coordinates": []},
                                                    {"type": "Polygon", "coordinates": [[["a", "b"]]]},
                                                    {"type": "Polygon", "coordinates": [[[1e308, 1e308], [0, 0], [1, 1]]]},
                                                    {"type": "Polygon", "coordinates": [[[500000, 3700000], [500100, 3700000],
                                                                                         [500100, 3700100], [500000, 3700000]]]},
                                                    {"type": "Bogus"}, "text", 7])),
    st.tuples(st.just("features"), st.sampled_from([[], None, "x", [None], [{}], [{"type": "Feature"}]])),
    st.tuples(st.just("crs"), st.sampled_from(["EPSG:32650", "EPSG:4326", "urn:ogc:def:crs:EPSG::3857", "bogus"])),
    st.tuples(st.just("top"), st.sampled_from([[], "x", None, 1, {"type": "Topology"}])),
)
case = st.tuples(
    st.sampled_from(TARGETS),
    st.one_of(st.lists(text_mutation, min_size=1, max_size=3).map(lambda ops: ("text", ops)),
              st.lists(json_mutation, min_size=1, max_size=2).map(lambda ops: ("json", ops)),
              st.sampled_from(SPECIAL).map(lambda kind: ("special", kind))),
)


def _mutate_text(data: bytes, ops) -> bytes:
    text = data.decode("utf-8")
    for op in ops:
        lines = text.split("\n")
        kind = op[0]
        if kind == "cell":
            row = lines[op[1] % len(lines)].split(",")
            row[op[2] % len(row)] = op[3]
            lines[op[1] % len(lines)] = ",".join(row)
        elif kind == "drop_line":
            del lines[op[1] % len(lines)]
        elif kind == "duplicate_line":
            i = op[1] % len(lines)
            lines.insert(i, lines[i])
        elif kind == "drop_column":
            lines = [",".join(c for j, c in enumerate(line.split(",")) if j != op[1]) for line in lines]
        elif kind == "rename_header":
            header = lines[0].split(",")
            header[op[1] % len(header)] = op[2]
            lines[0] = ",".join(header)
        text = "\n".join(lines)
    data = text.encode("utf-8", "surrogatepass")
    for op in ops:
        if op[0] == "bytes":
            i = op[1] % (len(data) + 1)
            data = data[:i] + op[2] + data[i:]
        elif op[0] == "truncate":
            data = data[:op[1] % (len(data) + 1)]
        elif op[0] == "encoding":
            data = data.decode("utf-8", "replace").encode(op[1], "replace")
    return data


def _mutate_json(data: bytes, ops) -> bytes:
    collection = json.loads(data)
    for kind, value in ops:
        if kind == "geometry":
            collection["features"][0]["geometry"] = value
        elif kind == "features":
            collection["features"] = value
        elif kind == "crs":
            collection["crs"] = {"type": "name", "properties": {"name": value}}
        else:
            collection = value
        if not isinstance(collection, dict) or not isinstance(collection.get("features"), list) \
                or not collection["features"] or not isinstance(collection["features"][0], dict):
            break
    return json.dumps(collection).encode("utf-8")


def _special(folder: Path, name: str, kind: str, config: bytes) -> bytes:
    """Replace ``name`` by a special file (or point the scenario at one); returns the scenario text."""
    path = folder / name
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "dev_null":
        path.symlink_to("/dev/null")
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "loop":
        path.symlink_to(folder / f"{name}.2")
        (folder / f"{name}.2").symlink_to(path)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "sparse_huge":  # 3 GB of holes: over every cap, no disk used
        with open(path, "wb") as handle:
            handle.truncate(3_000_000_000)
    elif kind == "nul_in_name":
        return config.replace(name.encode(), f'"{name}\\0x"'.encode(), 1)
    elif kind == "long_name":
        return config.replace(name.encode(), ("d" * 300 + "/" + "n" * 5000).encode(), 1)
    return config


def _fresh_folder(folder: Path) -> None:
    if folder.exists():
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    folder.mkdir(exist_ok=True)


def run_case(world, files: dict[str, bytes], target: str, mutation) -> str:
    base = world[0]
    folder = base / "case"
    _fresh_folder(folder)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        os.utime(folder / name, ns=(10**18, 10**18))  # unchanged files keep their stamp: the region cache hits
    config = files["s.yaml"]
    kind, detail = mutation
    if kind == "text":
        (folder / target).write_bytes(_mutate_text(files[target], detail))
    elif kind == "json":
        try:
            (folder / target).write_bytes(_mutate_json(files[target], detail))
        except (TypeError, KeyError, IndexError, ValueError):  # a mutation the JSON shape cannot take: raw bytes
            (folder / target).write_bytes(json.dumps(detail, default=str).encode())
    else:
        config = _special(folder, target, detail, config)
        (folder / "s.yaml").write_bytes(config)
    if kind != "special" or detail not in ("nul_in_name", "long_name"):
        with contextlib.suppress(OSError):
            os.utime(folder / target, ns=(OUTCOMES.total() + 1, OUTCOMES.total() + 1), follow_symlinks=False)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(["solve", str(folder / "s.yaml"), "--out", str(folder / "run"),
                         "--registry", str(folder / "runs.sqlite")])
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    if code == 0:
        assert (folder / "run" / "kpis.json").is_file() and (folder / "run" / "plan.xlsx").is_file()
        return "exported"
    assert len(errors) == 1, (code, stderr)
    message = errors[0]
    if code == 2:
        return "infeasible"
    assert code == 1, (code, stderr)
    shown_name = target if not (kind == "special" and detail == "long_name") else "nnnn"
    assert shown_name in message or "fixed_plants_file" in message, message
    assert PLACE.search(message) or any(reason.lower() in message.lower() for reason in WHOLE_FILE), message
    return "refused"


def _check(world, files, target, mutation):
    OUTCOMES[run_case(world, files, target, mutation)] += 1


@pytest.fixture(scope="module")
def files(world):
    return _base_files(world)


def test_the_unmutated_files_solve_and_export(world, files):
    assert run_case(world, files, "landfills.csv", ("text", [])) == "exported"


QUICK = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=1000, deadline=None, database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@QUICK
@given(one=case)
def test_mutated_data_files_quick(world, files, one):
    _check(world, files, *one)


@pytest.mark.fuzz
@LONG
@given(one=case)
def test_mutated_data_files_fuzz(world, files, one):
    _check(world, files, *one)


# ----------------------------------------------------------------------------- run folders tampered with
# A finished run folder is user input too: its files with lost or repeated rows and columns, cells and JSON
# values of the wrong type, or replaced by special files, read by `report`, `compare` and `solve --warm-start`.

TAMPER_OUTCOMES: collections.Counter = collections.Counter()
GUARD_OUTCOMES: collections.Counter = collections.Counter()
FAMILIES = {"data-file": OUTCOMES, "run-folder tamper": TAMPER_OUTCOMES, "output guard": GUARD_OUTCOMES}
RUN_FILES = ("facilities.csv", "flows.csv", "demand.csv", "kpis.json", "scenario.yaml", "plan.gpkg", ".wasteopt")
RUN_SPECIAL = ("fifo", "folder", "dev_null", "dev_zero", "loop", "missing", "empty", "sparse_huge", "proc_environ")
JSON_VALUES = [None, True, 0, -1, 1e308, "text", "", [], {}, [1, 2], {"a": 1}, "NaN", [{"kpi": 1}], "\x1b[2J"]
json_value_mutation = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 200), st.sampled_from(JSON_VALUES)),
    st.tuples(st.just("drop"), st.integers(0, 200)),
    st.tuples(st.just("whole"), st.sampled_from(JSON_VALUES)),
    st.tuples(st.just("goal"), st.integers(0, 10), st.sampled_from(["target", "value", "met", "kpi", "goal_zh"]),
              st.sampled_from(JSON_VALUES)),
)
tamper_case = st.tuples(
    st.sampled_from(RUN_FILES),
    st.one_of(st.lists(text_mutation, min_size=1, max_size=3).map(lambda ops: ("text", ops)),
              st.lists(json_value_mutation, min_size=1, max_size=3).map(lambda ops: ("kpis", ops)),
              st.sampled_from(RUN_SPECIAL).map(lambda kind: ("special", kind))),
    st.sampled_from(["compare", "warm", "compare", "warm", "report"]),  # the report draws maps: a third as often
)


def _tamper_json(data: bytes, ops) -> bytes:
    kpis = json.loads(data)
    for op in ops:
        if not isinstance(kpis, dict):
            break
        keys = list(kpis)
        if op[0] == "value" and keys:
            kpis[keys[op[1] % len(keys)]] = op[2]
        elif op[0] == "drop" and keys:
            del kpis[keys[op[1] % len(keys)]]
        elif op[0] == "whole":
            kpis = op[1]
        elif op[0] == "goal" and isinstance(kpis.get("goals"), list) and kpis["goals"]:
            goal = kpis["goals"][op[1] % len(kpis["goals"])]
            if isinstance(goal, dict):
                goal[op[2]] = op[3]
    return json.dumps(kpis).encode("utf-8")


@pytest.fixture(scope="module")
def run_world(world):
    """A tiny real run (the base of every tamper case) and a second run to compare with."""
    base = world[0] / "runs"
    base.mkdir(exist_ok=True)
    (base / "s.yaml").write_text(f"name: 篡改\nregion: {{seeds: {world[1]}}}\ndemand: {{calibration: null}}\n"
                                 "solver: {time_limit_s: 5, rel_gap: 0.01}\n", encoding="utf-8")
    for name in ("run", "other"):
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            assert cli.main(["solve", str(base / "s.yaml"), "--out", str(base / name), "--registry",
                             str(base / "runs.sqlite"), "--no-progress"]) == 0
    return base


def _cli_outcome(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(argv)
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    assert "\x1b" not in out.getvalue() + stderr  # user text never reaches the terminal raw
    if code:
        assert code in (1, 2) and len([line for line in stderr.splitlines() if line.startswith("error: ")]) == 1, \
            (code, stderr)
    return code, stderr


def run_tamper_case(run_world, target: str, mutation, command: str) -> str:
    case = run_world / "case"
    if case.exists():
        shutil.rmtree(case)
    shutil.copytree(run_world / "run", case, symlinks=True)
    path, (kind, detail) = case / target, mutation
    if kind == "text" and target != "plan.gpkg":
        path.write_bytes(_mutate_text(path.read_bytes().decode("utf-8-sig").encode("utf-8"), detail))
    elif kind == "text":
        path.write_bytes(_mutate_text(b"", detail) + path.read_bytes()[100:])
    elif kind == "kpis":
        target = "kpis.json"
        path = case / target
        path.write_bytes(_tamper_json(path.read_bytes(), detail))
    elif detail == "proc_environ":
        path.unlink()
        path.symlink_to("/proc/self/environ")
    else:
        _special(case, target, detail, b"")
    argv = {"compare": ["compare", str(case), str(run_world / "other"), "--registry", str(run_world / "none.sqlite")],
            "warm": ["solve", str(run_world / "s.yaml"), "--out", str(run_world / "warm"), "--force", "--warm-start",
                     str(case), "--registry", str(run_world / "warm.sqlite"), "--no-progress"],
            "report": ["report", str(case), "--no-pdf"]}[command]
    code, stderr = _cli_outcome(argv)
    return f"{command} {'ran' if code == 0 else 'refused'}"


@settings(QUICK, max_examples=25)
@given(one=tamper_case)
def test_tampered_run_folders_quick(run_world, one):
    TAMPER_OUTCOMES[run_tamper_case(run_world, *one)] += 1


@pytest.mark.fuzz
@settings(LONG, max_examples=150)
@given(one=tamper_case)
def test_tampered_run_folders_fuzz(run_world, one):
    TAMPER_OUTCOMES[run_tamper_case(run_world, *one)] += 1


# ----------------------------------------------------------------------------- every output guarded
# Every command that writes, pointed at what it must not replace: its own input, a user's file or folder,
# special files, names with control characters; with and without --force.

OUT_KINDS = ("new", "user_file", "user_folder", "input", "fifo", "dev_null", "under_a_file", "root", "own_run",
             "newline", "tab", "escape", "nul", "long_name", "dotdot_user_file")
guard_case = st.tuples(st.sampled_from(["solve", "compare", "network build", "network circuity"]),
                       st.sampled_from(OUT_KINDS), st.booleans())
OSM = ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
       ' <node id="1" lat="33.60" lon="114.60"/><node id="2" lat="33.61" lon="114.62"/>'
       '<node id="3" lat="33.62" lon="114.64"/>\n'
       ' <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>\n</osm>\n')


def run_guard_case(run_world, command: str, out_kind: str, force: bool) -> str:
    case = run_world / "guard"
    if case.exists():
        shutil.rmtree(case)
    case.mkdir()
    (case / "roads.osm").write_text(OSM, encoding="utf-8")
    (case / "points.csv").write_text("site_id,lon,lat\nA,114.60,33.60\nB,114.64,33.62\n", encoding="utf-8")
    (case / "mine.txt").write_text("mine\n", encoding="utf-8")
    (case / "folder").mkdir()
    (case / "folder" / "summary.csv").write_text("my,own\n", encoding="utf-8")
    inputs = {"solve": run_world / "s.yaml", "compare": run_world / "run",
              "network build": case / "roads.osm", "network circuity": case / "points.csv"}
    out = {"new": case / "new.out", "user_file": case / "mine.txt", "user_folder": case / "folder",
           "input": inputs[command], "fifo": case / "fifo", "dev_null": case / "null", "under_a_file": case / "mine.txt" / "x",
           "root": "/", "own_run": run_world / "other", "newline": case / "a\nb", "tab": case / "a\tb",
           "escape": case / "a\x1b[2Jb", "nul": f"{case}/a\0b", "long_name": case / ("n" * 5000),
           "dotdot_user_file": case / "folder" / ".." / "mine.txt"}[out_kind]
    if out_kind == "fifo":
        os.mkfifo(out)
    elif out_kind == "dev_null":
        out.symlink_to("/dev/null")
    watched = {path: path.read_bytes() for path in (case / "mine.txt", case / "folder" / "summary.csv",
                                                      run_world / "s.yaml", case / "roads.osm", case / "points.csv",
                                                      run_world / "run" / "kpis.json")}
    argv = {"solve": ["solve", str(run_world / "s.yaml"), "--registry", str(case / "r.sqlite"), "--no-progress"],
            "compare": ["compare", str(run_world / "run"), str(run_world / "other"), "--registry", str(case / "r.sqlite")],
            "network build": ["network", "build", "--osm", str(case / "roads.osm"), "--points", str(case / "points.csv")],
            "network circuity": ["network", "circuity", "--osm", str(case / "roads.osm"), "--points",
                                 str(case / "points.csv")]}[command]
    with mock.patch.dict(os.environ, {"WASTEOPT_CACHE_DIR": str(run_world / "roads-cache")}):
        code, stderr = _cli_outcome(argv + ["--out", str(out)] + (["--force"] if force else []))
    replaceable = out_kind == "new" or force and (
        (out_kind in ("user_file", "dotdot_user_file") and command != "solve") or (out_kind == "own_run" and command == "solve"))
    for path, data in watched.items():
        if path.read_bytes() != data:  # only a plain file the command does not read, with --force
            assert replaceable and path == case / "mine.txt", (command, out_kind, force, path)
    assert code == 0 or not replaceable, (command, out_kind, force, stderr)
    return "written" if code == 0 else "refused"


@settings(QUICK, max_examples=25)
@given(one=guard_case)
def test_every_output_is_guarded_quick(run_world, one):
    GUARD_OUTCOMES[run_guard_case(run_world, *one)] += 1


@pytest.mark.fuzz
@settings(LONG, max_examples=150)
@given(one=guard_case)
def test_every_output_is_guarded_fuzz(run_world, one):
    GUARD_OUTCOMES[run_guard_case(run_world, *one)] += 1
