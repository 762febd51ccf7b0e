"""docs/benchmarks.md is generated from the committed result CSVs, each figure with the commit it measured."""
import json

from wasteopt.commands.bench_report import read_history, record, render


def test_recorded_run_is_on_the_page_with_its_commit(tmp_path):
    (tmp_path / "summary.txt").write_text(
        "# cflp: solved to optimum 1/1, ours 1.0 s\n# scale: 157×157 township instances\n", encoding="utf-8")
    (tmp_path / "cflp.csv").write_text("instance,objective,optimum,gap_pct,seconds,status\n"
                                       "cap41,1040444.375,1040444.375,0.000000,0.08,optimal\n", encoding="utf-8")
    (tmp_path / "cvrp.csv").write_text("instance,bks,engine,cost,gap_pct,seconds\nA-n32-k5,784,pyvrp,784,0.0,5.0\n"
                                       "# pyvrp: mean gap 0.000 %\n", encoding="utf-8")
    rows = record(tmp_path, "abc1234", "2026-12-01")
    assert [row["suite"] for row in rows] == ["cflp", "cvrp"]  # one row per result CSV; scale.csv was not written
    history = read_history(tmp_path / "history.csv")
    assert history[1]["summary"] == "pyvrp: mean gap 0.000 %"
    assert json.loads(history[0]["figures"])["cases"]["cap41"] == {
        "plan": True, "feasible": None, "gap_pct": 0.0, "seconds": 0.08, "finished": True}
    page = render(tmp_path)
    assert "## Latest `make bench` (code at abc1234)" in page
    assert "| cap41 | 1040444.375 | 1040444.375 | 0.000000 | 0.08 | optimal |" in page
    assert "`# pyvrp: mean gap 0.000 %`" in page
    assert "| abc1234 | 2026-12-01 | cflp | cflp: solved to optimum 1/1, ours 1.0 s | make bench |" in page
    assert "a gap more than 1.5× the recorded one and +0.2 pt" in page and '"cases"' not in page
