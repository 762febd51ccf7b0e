"""`wasteopt bench report --check` on hand-made history rows: a regression fails, noise passes."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wasteopt.commands.bench_check import Figures, check, regressions
from wasteopt.commands.bench_report import HISTORY_COLUMNS, read_history, record

SCALE_HEADER = "nodes,sites,arcs,seconds,gap,peak_mb,status\n"
CFLP_HEADER = "instance,objective,optimum,gap_pct,seconds,status\n"


def _results(folder, scale_rows: str, cflp_rows: str = "cap41,1040444.375,1040444.375,0.000000,0.08,optimal\n",
             probe: float | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quick_scale.csv").write_text(SCALE_HEADER + scale_rows, encoding="utf-8")
    (folder / "quick_cflp.csv").write_text(CFLP_HEADER + cflp_rows, encoding="utf-8")
    if probe is not None:
        (folder / "probe.json").write_text(json.dumps({"quick_scale": probe, "quick_cflp": probe}), encoding="utf-8")
    return folder


@pytest.fixture
def recorded(tmp_path):
    """History with one recorded quick run: the 2,500 × 500 instance at a 2.33 % gap, cap41 optimal in 0.08 s."""
    base = _results(tmp_path / "base", "2500,500,59023,30.5,0.02328,745.2,time_limit\n", probe=0.1)
    history = tmp_path / "history.csv"
    history.write_text(",".join(HISTORY_COLUMNS) + "\nabc1234,2026-11-27,quick_scale,old row without figures,README,\n",
                       encoding="utf-8")
    record(base, "def5678", "2026-12-06", note="bench all --quick", history=history)
    return tmp_path, history


def _check(tmp_path, history, scale_rows, cflp_rows=None, probe=0.1):
    args = {} if cflp_rows is None else {"cflp_rows": cflp_rows}
    return check(_results(tmp_path / "new", scale_rows, probe=probe, **args), read_history(history))


def test_noise_passes(recorded):
    tmp_path, history = recorded  # gap 2.33 → 3.40 % (< 1.5×), cap41 0.08 → 0.9 s (within the 1 s floor)
    outcome = _check(tmp_path, history, "2500,500,59023,30.9,0.0340,760.0,gap_reached\n",
                     "cap41,1040444.375,1040444.375,0.000000,0.90,optimal\n")
    assert outcome.ok and outcome.compared == 2
    assert "quick_scale: 1 cases against def5678 (2026-12-06), slowdown 1.00×, 0 regressions" in outcome.lines


def test_the_scale_regression_of_issue_30_fails(recorded):
    tmp_path, history = recorded  # 2.33 % → 14.8 %, as bench/results recorded it after the layering
    outcome = _check(tmp_path, history, "2500,500,59023,63.8,0.14765,745.2,time_limit\n")
    assert not outcome.ok and outcome.regressions == 1
    assert "REGRESSION quick_scale 2500x500: gap 2.328 % → 14.765 %" in outcome.lines


def test_a_value_below_the_published_optimum_fails(recorded):
    """cap71's engine reported 631,874 for an optimum of 932,616 (HiGHS after a start): −32 % is no improvement."""
    tmp_path, history = recorded
    outcome = _check(tmp_path, history, "2500,500,59023,30.9,0.0240,760.0,gap_reached\n",
                     "cap41,704444.375,1040444.375,-32.294,0.08,mismatch\n")
    assert not outcome.ok and outcome.regressions == 1
    assert any(line.startswith("REGRESSION quick_cflp cap41: gap 0.000 % → 32.294 %") for line in outcome.lines)


def test_a_plan_lost_fails_even_on_a_loaded_machine(recorded):
    tmp_path, history = recorded
    outcome = _check(tmp_path, history, "2500,500,59023,30.2,,745.2,no_plan\n", probe=0.5)
    assert outcome.regressions == 1 and "REGRESSION quick_scale 2500x500: plan lost (had gap 2.328 %)" in outcome.lines


def test_a_loaded_machine_widens_the_gap_and_time_tolerances_by_its_measured_slowdown(recorded):
    tmp_path, history = recorded  # the probe ran 3× slower: 2.33 → 9 % (3.9×) and 0.08 → 3 s pass; 11 % and 3.2 s fail
    assert _check(tmp_path, history, "2500,500,59023,31.0,0.09,745.2,time_limit\n",
                  "cap41,1040444.375,1040444.375,0.000000,3.00,optimal\n", probe=0.3).ok
    outcome = _check(tmp_path, history, "2500,500,59023,31.0,0.11,745.2,time_limit\n",
                     "cap41,1040444.375,1040444.375,0.000000,3.20,optimal\n", probe=0.3)
    assert outcome.regressions == 2 and "slowdown 3.00×" in outcome.lines[-1]
    assert _check(tmp_path, history, "2500,500,59023,31.0,0.09,745.2,time_limit\n", probe=0.02).regressions == 1


def test_slower_finishes_and_lost_proofs_fail(recorded):
    tmp_path, history = recorded
    slower = _check(tmp_path, history, "2500,500,59023,30.5,0.02328,745.2,time_limit\n",
                    "cap41,1040444.375,1040444.375,0.000000,1.50,optimal\n")
    assert slower.lines[0] == "REGRESSION quick_cflp cap41: seconds 0.08 → 1.5"  # a faster machine: no tighter
    unproven = _check(tmp_path, history, "2500,500,59023,30.5,0.02328,745.2,time_limit\n",
                      "cap41,1040444.375,1040444.375,0.000000,30.02,time_limit\n")
    assert unproven.lines[0] == "REGRESSION quick_cflp cap41: seconds 0.08 → 30.02 (its limit)"


def test_routing_feasibility_lost_fails():
    assert regressions(Figures(True, True), Figures(True, False)) == ["feasibility lost"]
    assert regressions(Figures(True, False), Figures(True, False)) == []
    assert regressions(Figures(False), Figures(True, True, 0.5)) == []  # a plan found is no regression


def test_nothing_to_compare_is_not_a_pass(tmp_path):
    outcome = check(_results(tmp_path / "new", "2500,500,59023,30.5,0.02328,745.2,time_limit\n"), [])
    assert not outcome.ok and outcome.lines[-1].startswith("nothing compared")


def test_bench_report_check_exits_1_on_a_regression_and_writes_nothing(recorded):
    tmp_path, history = recorded
    new = _results(tmp_path / "new", "2500,500,59023,63.8,0.14765,745.2,time_limit\n", probe=0.1)
    page = tmp_path / "page.md"
    command = [sys.executable, "-m", "wasteopt", "bench", "report", "--check", "--results", str(new),
               "--history", str(history), "--out", str(page)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 1 and "REGRESSION quick_scale 2500x500: gap 2.328 % → 14.765 %" in done.stdout
    assert "bench check FAILED: 1 regressions in 2 cases" in done.stderr and not page.exists()
    rows_before = len(read_history(history))
    assert subprocess.run([*command, "--record"], capture_output=True).returncode == 1  # not recorded on a regression
    assert len(read_history(history)) == rows_before
