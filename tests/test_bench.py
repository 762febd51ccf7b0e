"""The siting benchmark suite: published optima reproduced, CSV rows, honest statuses, bad input."""
from __future__ import annotations

import argparse
import dataclasses
import io
from pathlib import Path

import pytest

from wasteopt.bench.baselines import BaselineResult, solve_cflp_dense
from wasteopt.commands import bench
from wasteopt.config.errors import DataError
from wasteopt.bench.instances import read_orlib_cap
from wasteopt.milp import MilpStatus

DATA = Path(__file__).resolve().parents[1] / "bench" / "data"
CAP_OPTIMA = DATA / "orlib_cap" / "optima.csv"
PMED_OPTIMA = DATA / "orlib_pmed" / "optima.csv"
CAP41 = 1040444.375


def case(optima: Path, column: str, name: str) -> bench.Case:
    return bench.select(bench.read_optima(optima, column), name)[0]


def bench_parser() -> argparse.ArgumentParser:
    """Only the bench commands, so these tests do not depend on other command modules."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    bench.register(commands, commands.add_parser("bench").add_subparsers())
    return parser


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_cap41_reproduces_the_published_optimum(backend):
    outcome = bench.CFLP.solve_ours(case(CAP_OPTIMA, "capacity", "cap41"), 60.0, backend)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(CAP41, abs=1e-3)


def test_cap71_reproduces_the_published_optimum_after_the_greedy_start():
    """HiGHS 1.16, started from the greedy's routed plan, answered 'Optimal' at 631,874 for a plan costing 1,248,143
    (optimum 932,615.75); the engine now checks the plan's cost and solves again without the start."""
    outcome = bench.CFLP.solve_ours(case(CAP_OPTIMA, "capacity", "cap71"), 60.0, "highs")
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(932615.75, abs=1e-3)


def test_pmed1_reproduces_the_published_optimum():
    outcome = bench.PMEDIAN.solve_ours(case(PMED_OPTIMA, "p", "pmed1"), 60.0, "highs")
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(5819, abs=1e-6)


def test_dense_baseline_solves_cap41_to_the_same_value_and_cbc_proves_it():
    result = solve_cflp_dense(read_orlib_cap(DATA / "orlib_cap" / "cap41.txt"), 60.0)
    assert result.status == "optimal" and bench.matches_optimum(result.best_bound, CAP41)
    assert bench.matches_optimum(result.objective, CAP41)


def test_baseline_outcome_keeps_cbcs_verdict_and_checks_the_value():
    assert bench._baseline_outcome(BaselineResult(CAP41, CAP41 * 0.99, 1.0, MilpStatus.TIME_LIMIT), CAP41).status == "time_limit"
    assert bench._baseline_outcome(BaselineResult(CAP41, CAP41, 1.0, MilpStatus.OPTIMAL), CAP41).status == "optimal"
    assert bench._baseline_outcome(BaselineResult(CAP41 + 5, CAP41 + 5, 1.0, MilpStatus.OPTIMAL), CAP41).status == "mismatch"
    assert bench._baseline_outcome(BaselineResult(None, None, 61.0, MilpStatus.NO_PLAN), CAP41).status == "no_plan"


def test_csv_rows_and_summary(capsys):
    args = bench_parser().parse_args(["bench", "cflp", "--optima", str(CAP_OPTIMA), "--only", "cap41", "--baseline"])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    header, row = captured.out.splitlines()
    assert header == ("instance,objective,optimum,gap_pct,seconds,status,cbc_objective,cbc_gap_pct,cbc_seconds,"
                      "cbc_status,baseline_objective,baseline_gap_pct,baseline_seconds,baseline_status")
    fields = row.split(",")
    assert fields[:4] == ["cap41", "1040444.375", "1040444.375", "0.000000"]
    assert fields[7] == fields[11] == "0.000000"
    assert fields[5] == fields[9] == fields[13] == "optimal"
    assert float(fields[4]) > 0 and float(fields[8]) > 0 and float(fields[12]) > 0
    assert "# cflp: solved to optimum 1/1," in captured.err
    assert "our formulation on CBC, 1 thread, no search" in captured.err and "(solved 1/1)" in captured.err
    assert "formulation (dense/ours on CBC)" in captured.err and "solver+search+cores (ours on CBC/ours)" in captured.err


def test_capacity_placeholder_is_filled_from_the_csv(tmp_path):
    # 2 sites with the word 'capacity', 2 customers of demand 3: one site of capacity 6 serves both,
    # so the optimum is one fixed cost (10) plus its two assignments (1 + 2).
    (tmp_path / "tiny.txt").write_text("2 2\ncapacity 10\ncapacity 10\n3\n1 5\n3\n2 4\n")
    (tmp_path / "optima.csv").write_text("instance,file,capacity,optimal_value\ntiny,tiny.txt,6,13\n")
    out = io.StringIO()
    summary = bench.run_suite(bench.CFLP, bench.read_optima(tmp_path / "optima.csv", "capacity"), time_limit=10.0, out=out)
    assert out.getvalue().splitlines()[1].startswith("tiny,13.000,13.000,0.000000,")
    assert "solved to optimum 1/1" in summary
    # capacity 3 forces both sites open: 10 + 10 + 1 + 4 = 25
    assert bench.CFLP.solve_ours(bench.Case("tiny", tmp_path / "tiny.txt", 3.0, 25.0), 10.0, "highs").objective == 25


def test_bad_input_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read optima CSV"):
        bench.read_optima(tmp_path / "missing.csv", "capacity")
    (tmp_path / "bad.csv").write_text("instance,file,optimal_value\ncap41,cap41.txt,1\n")
    with pytest.raises(DataError, match="missing columns capacity"):
        bench.read_optima(tmp_path / "bad.csv", "capacity")
    (tmp_path / "bad.csv").write_text("instance,file,capacity,optimal_value\ncap41,cap41.txt,,many\n")
    with pytest.raises(DataError, match="line 2"):
        bench.read_optima(tmp_path / "bad.csv", "capacity")
    (tmp_path / "ok.csv").write_text("instance,file,capacity,optimal_value\nghost,ghost.txt,,1\n")
    with pytest.raises(DataError, match="cannot read"):
        bench.CFLP.solve_ours(bench.read_optima(tmp_path / "ok.csv", "capacity")[0], 10.0, "highs")
    with pytest.raises(DataError, match="not in the CSV"):
        bench.select(bench.read_optima(CAP_OPTIMA, "capacity"), "cap41,cap999")


def test_whatif_summary_is_the_median_time_to_a_proven_1pct_gap_warm_vs_cold():
    from wasteopt.commands.whatif import WhatIfRow, summary

    rows = [WhatIfRow("a", "cold", 12.0, 0.9, 1.0, 0.1, False), WhatIfRow("a", "warm", 3.0, 0.5, 1.0, 0.1, False),
            WhatIfRow("b", "cold", None, 1.8, 1.0, 2.0, True), WhatIfRow("b", "warm", 4.0, 0.8, 1.0, 2.0, True),
            WhatIfRow("c", "cold", 16.0, 1.0, 1.0, 0.0, False), WhatIfRow("c", "warm", 5.0, 0.7, 1.0, 0.0, False)]
    assert summary(rows, 20) == ("# whatif: median seconds to a proven 1 % gap: warm 4.0 s (3/3 reached), "
                                 "cold 16.0 s (2/3); cold/warm 4.0×; widest gap at 20 s: warm 0.80 %, cold 1.80 %")
    assert rows[2].fields() == ["b", "cold", "", "1.800", "1.0", "2.000", "true"]


def test_pmedian_peers_solve_pmed1_to_the_same_optimum_and_the_summary_gives_ratios():
    suite = dataclasses.replace(bench.PMEDIAN, peers=bench.PMEDIAN.peers[:2])  # spopt: the test below
    out = io.StringIO()
    summary = bench.run_suite(suite, [case(PMED_OPTIMA, "p", "pmed1")], time_limit=60.0, peers=True, out=out)
    header, row = out.getvalue().splitlines()
    assert header.endswith("classic_objective,classic_gap_pct,classic_seconds,classic_status,dense_highs_objective,"
                           "dense_highs_gap_pct,dense_highs_seconds,dense_highs_status")
    fields = row.split(",")
    assert fields[1] == fields[6] == fields[10] == "5819.000"
    assert fields[5] == fields[9] == fields[13] == "optimal"
    assert "classic" in summary and "dense_highs" in summary and "(1/1, " in summary


def test_spopt_peer_reaches_the_published_optimum():
    pytest.importorskip("spopt")
    outcome = bench._pmedian_spopt(case(PMED_OPTIMA, "p", "pmed1"), 60.0)
    assert outcome.objective == pytest.approx(5819.0) and outcome.status == MilpStatus.OPTIMAL
