"""Hostile input files and numbers: special files, symlink loops, NUL bytes, over-long names, huge
files and implausible values give one line naming the file (or key and line) and exit 1 — never a
traceback, a hang or an 'optimal' plan."""
from __future__ import annotations

import math
import os
import re
import threading
import typing
from pathlib import Path

import annotated_types
import pytest
from pydantic import BaseModel

from wasteopt import cli
from wasteopt.config import userfiles
from wasteopt.data import tables
from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.data.network import read_od_matrix
from wasteopt.data.tables import read_table
from wasteopt.config.loader import scenario_from_yaml_text
from wasteopt.config.scenario import Scenario
from wasteopt.siting.exclusion import read_zones

SITES = "site_id,name_zh,adcode,lon,lat\nL1,填埋场,411602,114.65,33.62\n"


def _run(capsys, *argv) -> tuple[int, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as stop:
        code = stop.code
    err = capsys.readouterr().err.strip()
    return code, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith(("error:", "wasteopt"))]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def fifo(tmp_path):
    """A FIFO; a helper thread opens and closes its write end after a second, so a reader that wrongly
    opens it gets EOF (an 'empty file' message the tests reject) instead of hanging the suite."""
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    closer = threading.Timer(1.0, lambda: os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                             if _has_reader(path) else None)
    closer.start()
    yield path
    closer.cancel()


def _has_reader(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        return True
    except OSError:
        return False


def _loop(tmp_path) -> Path:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    return tmp_path / "a.csv"


READERS = {
    "table": lambda p: read_table(p),
    "od": lambda p: read_od_matrix(p),
    "zones": lambda p: read_zones([p]),
}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("special, message", [
    ("fifo", "not a regular file"), ("/dev/null", "not a regular file"), ("folder", "is a folder"),
    ("loop", "symbolic link loop"), ("nul", "contains a NUL byte"), ("long", "file name too long"),
])
def test_every_reader_refuses_special_files_before_reading(request, tmp_path, reader, special, message):
    path = {"fifo": lambda: request.getfixturevalue("fifo"), "/dev/null": lambda: Path("/dev/null"),
            "folder": lambda: tmp_path, "loop": lambda: _loop(tmp_path), "nul": lambda: f"{tmp_path}/a\0b.csv",
            "long": lambda: tmp_path / ("x" * 5000 + ".csv")}[special]()
    with pytest.raises(DataError) as error:
        READERS[reader](path)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert len(str(error.value)) < 400  # an over-long name is shortened in the message


def test_a_table_over_its_cap_is_refused_by_size_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(SITES * 10, encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 100)
    monkeypatch.setattr(userfiles, "open", lambda *a, **k: pytest.fail("opened"), raising=False)
    with pytest.raises(DataError, match=r"big.csv: the CSV file is 0.0 MB, more than the 0 MB allowed"):
        read_table(path)


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "loop", "folder", "long"])
def test_cli_refuses_a_special_scenario_file_in_one_line(capsys, tmp_path, special):
    config = {"/dev/zero": "/dev/zero", "/dev/urandom": "/dev/urandom", "loop": _loop(tmp_path),
              "folder": tmp_path, "long": tmp_path / ("y" * 5000 + ".yaml")}[special]
    code, err = _run(capsys, "solve", config, "--out", tmp_path / "run")
    line = _one_line_error(err)
    assert code == 1 and line.startswith("error: ") and "scenario file" in line
    assert not (tmp_path / "run").exists()


def test_cli_names_the_key_file_of_a_symlink_loop(capsys, tmp_path, tiny_seeds):
    loop = _loop(tmp_path)
    config = tmp_path / "s.yaml"
    config.write_text(f"name: s\nregion: {{seeds: {tiny_seeds}, landfills_file: {loop}}}\n"
                      "demand: {calibration: null}\n", encoding="utf-8")
    code, err = _run(capsys, "solve", config, "--out", tmp_path / "run")
    assert code == 1 and "a.csv: cannot read the CSV file: symbolic link loop" in _one_line_error(err)


# ----------------------------------------------------------------------------- implausible numbers

def _numeric_fields(model: type[BaseModel], prefix: tuple = ()) -> list[tuple[tuple, object]]:
    """(key path, annotation metadata) of every number a scenario holds."""
    out = []
    for name, field in model.model_fields.items():
        args = typing.get_args(field.annotation) or (field.annotation,)
        nested = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested:  # a list of sections is reached through its first item
            item = ("0",) if typing.get_origin(field.annotation) is list else ()
            out += _numeric_fields(nested[0], prefix + (name, *item))
        elif int in args or float in args:
            out.append((prefix + (name,), field.metadata))
    return out


NUMERIC_KEYS = [path for path, _ in _numeric_fields(Scenario) if path != ("phasing", "years")]


def test_every_numeric_key_has_physical_bounds():
    unbounded = [".".join(path) for path, meta in _numeric_fields(Scenario) if path != ("phasing", "years")
                 and not (any(isinstance(m, (annotated_types.Ge, annotated_types.Gt)) for m in meta)
                          and any(isinstance(m, (annotated_types.Le, annotated_types.Lt)) for m in meta))]
    assert unbounded == []


def _nested_yaml(path: tuple, value: str) -> str:
    text = value
    for key in reversed(path):  # "0" is the first item of a list
        text = f"[{text}]" if key == "0" else f"{{{key}: {text}}}"
    text = text[1:-1]
    return f"name: bounds\n{text}\n"


@pytest.mark.parametrize("path", NUMERIC_KEYS, ids=".".join)
@pytest.mark.parametrize("value", ["1e300", "-1e300", ".nan", ".inf"])
def test_every_numeric_key_refuses_absurd_values_with_its_line(path, value):
    with pytest.raises(ScenarioError) as error:
        scenario_from_yaml_text(_nested_yaml(path, value), source="bounds.yaml")
    assert f"key '{'.'.join(path)}'" in str(error.value) and "line 2" in str(error.value)


@pytest.mark.parametrize("option, value", [("--time-limit", "nan"), ("--time-limit", "inf"), ("--time-limit", "1e300"),
                                           ("--time-limit", "-1"), ("--gap", "nan"), ("--gap", "-0.1")])
def test_cli_numbers_are_finite_and_bounded(capsys, tmp_path, option, value):
    code, err = _run(capsys, "solve", "configs/henan-2025.yaml", "--out", tmp_path / "run", option, value)
    finite = math.isfinite(float(value))
    expected = f"argument {option}: {value} is outside" if finite else f"argument {option}: {value!r} is not a finite number"
    assert code == cli.USAGE_EXIT_CODE and expected in err, err


@pytest.mark.parametrize("km, message", [("1e308", "row 2: km 1e+308 is implausible"),
                                         ("1e300", "row 2: km 1e+300 is implausible"),
                                         ("1e400", "row 2: km is missing or not a number")])
def test_od_distances_have_a_physical_bound(tmp_path, km, message):
    path = tmp_path / "od.csv"
    path.write_text(f"origin,destination,km\n411602,C411602,0\n411602,C411603,{km}\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(message)):
        read_od_matrix(path)


def test_table_numbers_have_a_physical_bound(tmp_path):
    path = tmp_path / "fixed.csv"
    path.write_text("site_id,new_modules\nC1,1e300\nC2,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 1: new_modules '1e300' is implausibly large"):
        tables.checked_table(path, required=("site_id", "new_modules"), id_column="site_id",
                             nonnegative=("new_modules",))


@pytest.mark.parametrize("argv", [[], ["solve"], ["solve", "x.yaml"], ["solve", "x.yaml", "--out", "o", "--bogus"],
                                  ["frobnicate"], ["bench"], ["runs", "--limit", "many"]])
def test_usage_errors_exit_64_not_the_infeasible_code(capsys, argv):
    code, err = _run(capsys, *argv)
    assert code == cli.USAGE_EXIT_CODE == 64 and "error:" in err


def test_a_column_named_twice_is_a_data_error(tmp_path):
    # found by the data fuzz: 'lon ' and 'lon' are the same column once stripped
    path = tmp_path / "sites.csv"
    path.write_text("site_id,name_zh,adcode,lon,lon \nL1,x,411602,114.6,33.6\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"sites.csv: column\(s\) lon appear more than once in the header"):
        read_table(path)
