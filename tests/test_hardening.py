"""Hardening round 3 (issue 31): run folders are user input, every output is guarded, every failure one line.

One test (or a few) per class of the issue; each failed on main at 6db4cae."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from wasteopt import cli, compute_kpis, export_plan, load_scenario, solve_scenario
from wasteopt.report import write_report


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
    monkeypatch.setattr("wasteopt.report.shutil.which", lambda name: None)
    folder = shutil.copytree(runs[run], tmp_path / run)
    page = write_report(folder)["html"].read_text(encoding="utf-8")
    assert "New and expanded facilities (0)" in page
    if run == "zero":
        assert "0 t/d to treat" in page
