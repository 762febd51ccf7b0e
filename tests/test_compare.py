"""Comparing runs against a base: Δ per KPI, cost differences inside the proven gaps marked, named runs."""
import math
import sqlite3

import pandas as pd
import pytest

from wasteopt import cli
from wasteopt.reporting.compare import WITHIN_TOLERANCE, cost_delta, delta_frame, proven_gap
from wasteopt.runs.registry import _SCHEMA, RunRegistry
from wasteopt.config.loader import load_scenario
from wasteopt.config.changes import changes_text, run_title, scenario_changes


def _kpis(cost_wan: float, gap: float | None, status: str = "time_limit", landfill: float = 0.0) -> dict:
    return {"scenario": "t", "status": status, "gap": gap, "cost_wan_cny_per_year": cost_wan,
            "raw_msw_landfill_tpd": landfill, "solve_seconds": 20.0, "goals": []}


def test_proven_gap_is_zero_only_for_a_proven_optimum():
    assert proven_gap(_kpis(1, 0.02)) == 0.02
    assert proven_gap(_kpis(1, None, "optimal")) == 0.0
    assert proven_gap(_kpis(1, None, "time_limit")) == math.inf


def test_a_difference_inside_both_gaps_is_within_tolerance():
    # the runs: 104,644 at 3.4 % vs 104,651 at 4.7 %: 7 万元 apart, tolerance 3,557.9 + 4,918.6 万元
    delta = cost_delta(_kpis(104_644, 0.034), _kpis(104_651, 0.047))
    assert delta.absolute == 7 and delta.tolerance_wan == pytest.approx(8476.493)
    assert delta.within_tolerance
    # +2.3 % against gaps of 0.1 % each is a result: 2,300 > 100 + 102.3
    real = cost_delta(_kpis(100_000, 0.001), _kpis(102_300, 0.001))
    assert real.percent == pytest.approx(2.3) and real.tolerance_wan == pytest.approx(202.3)
    assert not real.within_tolerance
    assert cost_delta(_kpis(100_000, 0.0, "optimal"), _kpis(100_000, None)).within_tolerance  # no proven gap


def test_a_what_if_difference_is_shown_with_the_interval_both_gaps_allow():
    # Each optimum lies up to gap × cost below its run's cost, so the difference of the optima lies in
    # [Δ − gap_b·cost_b, Δ + gap_a·cost_a]: here [+500 − 402, +500 + 1,000] (main at 6db4cae: no interval).
    delta = cost_delta(_kpis(100_000, 0.01), _kpis(100_500, 0.004))
    assert delta.interval == pytest.approx((98.0, 1500.0)) and delta.interval_text() == "[+98 … +1,500]"
    assert not delta.within_tolerance and delta.tolerance_wan == pytest.approx(1402.0)
    unknown = cost_delta(_kpis(100_000, 0.0, "optimal"), _kpis(100_000, None))
    assert unknown.interval_text() == "[−∞ … +0]" and unknown.within_tolerance


def test_delta_frame_has_differences_from_the_base_and_the_verdict():
    frame = delta_frame({"a": _kpis(100_000, 0.01, landfill=200.0), "b": _kpis(100_500, 0.004, landfill=150.0)}, "a")
    rows = frame.set_index("kpi")
    assert rows.at["raw_msw_landfill_tpd", "b Δ"] == -50.0 and rows.at["raw_msw_landfill_tpd", "b Δ %"] == -25.0
    assert rows.at["cost_wan_cny_per_year", "b Δ"] == 500.0
    assert pd.isna(rows.at["gap", "b Δ"])  # a solver fact, not a planning difference
    # a's optimum ≤ 100,000, b's ≥ 100,500 − 402: b costs at least 98 more, proven (main at 6db4cae: "within",
    # from the symmetric ± 1,402)
    assert rows.at["cost_within_solver_tolerance", "b"] is False


def test_cli_compare_marks_differences_inside_the_gaps(root, tmp_path, capsys):
    registry_path = tmp_path / "r.sqlite"
    registry = RunRegistry(registry_path)
    base = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    off = base.with_changes({"policy": {"raw_msw_landfill_cap_tpd": None}})
    thirty = base.with_changes({"policy": {"new_plants": {"min": 30}}})
    a = registry.record(base, _kpis(104_644, 0.034), label="基准")
    b = registry.record(off, _kpis(104_651, 0.047), changes=scenario_changes(base, off))
    c = registry.record(thirty, _kpis(107_000, 0.001), changes=scenario_changes(base, thirty))
    base_low = registry.record(base, _kpis(104_600, 0.001))
    table = tmp_path / "compare.csv"
    assert cli.main(["compare", b.run_id, c.run_id, "--base", base_low.run_id, "--registry", str(registry_path),
                     "--out", str(table)]) == 0
    shown = capsys.readouterr().out
    assert f"{base_low.run_id} (基准 base)" in shown and "零填埋 关" in shown and "新建厂至少 不限 → 30 座" in shown
    verdicts = [line for line in shown.splitlines() if " − " in line]
    # b: +51 万元, in [51 − 4,918.6, 51 + 104.6] → inside; c: +2,400 in [2,400 − 107, 2,400 + 104.6] → a result
    assert verdicts == [f"{b.run_id} − {base_low.run_id}: 系统成本 system cost +51 万元/yr: {WITHIN_TOLERANCE} "
                        "(the optima's difference lies in [−4,868 … +156] 万元/yr, from the two proven gaps)",
                        f"{c.run_id} − {base_low.run_id}: 系统成本 system cost +2,400 万元/yr: "
                        "差异大于求解误差 / beyond solver tolerance (the optima's difference lies in [+2,293 … +2,505] "
                        "万元/yr, from the two proven gaps)"]
    cost_line = next(line for line in shown.splitlines() if line.startswith("system cost"))
    assert WITHIN_TOLERANCE in cost_line and "+2.29 %" in cost_line
    frame = pd.read_csv(table)
    assert list(frame.columns)[:5] == ["kpi", "label", "unit", base_low.run_id, b.run_id]
    assert f"{c.run_id} Δ %" in frame.columns
    assert cli.main(["compare", a.run_id, b.run_id, "--registry", str(registry_path)]) == 0
    assert f"{a.run_id} (基准 base): 基准\n" in capsys.readouterr().out


def test_changes_in_words():
    base = load_scenario("configs/henan-2025-zero-landfill.yaml")
    changed = base.with_changes({"demand": {"growth_per_year": 0.04, "sorted_out_share": 0.2},
                                 "network": {"max_haul_km": 200},
                                 "policy": {"raw_msw_landfill_cap_tpd": None, "locked_closed": ["P01"]},
                                 "solver": {"time_limit_s": 5}})
    changes = scenario_changes(base, changed)
    assert changes_text(changes) == "年增长率 2 % → 4 %；分类分流比例 0 % → 20 %；最大运距 150 km → 200 km；零填埋 关；禁止使用 +P01"
    assert changes_text(changes, "en") == ("growth 2 % → 4 %; sorted-out share 0 % → 20 %; max haul 150 km → 200 km; "
                                           "zero landfill off; locked closed +P01")
    assert run_title("高增长", changes[:1]) == "高增长 · 年增长率 2 % → 4 %"
    assert scenario_changes(base, base.with_changes({"solver": {"rel_gap": 0.01}})) == []


def test_registry_keeps_labels_notes_and_reads_registries_written_before_them(tmp_path):
    path = tmp_path / "r.sqlite"
    with sqlite3.connect(path) as old:  # the schema of the first release, one run in it
        old.executescript(_SCHEMA)
        old.execute("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    ("old", 1.0, "河南", "h", "optimal", 1.0, 0.0, 1.0, None, "cli", "name: x", "{}"))
    registry = RunRegistry(path)
    assert registry.get("old").title() == "河南"
    base = load_scenario("configs/henan-2025-zero-landfill.yaml")
    grown = base.with_changes({"demand": {"growth_per_year": 0.04}})
    record = registry.record(grown, {"status": "optimal"}, label="高增长", changes=scenario_changes(base, grown),
                             base_run="old")
    assert registry.get(record.run_id).title() == "高增长 · 年增长率 2 % → 4 %"
    assert registry.get(record.run_id).base_run == "old"
    renamed = registry.rename(record.run_id, label="快增长", note="按 2021 年实际")
    assert (renamed.title("en"), renamed.note) == ("快增长 · growth 2 % → 4 %", "按 2021 年实际")
    assert list(registry.list()["title"]) == ["快增长 · 年增长率 2 % → 4 %", "河南"]
