"""docs/benchmarks.md is generated from the committed result CSVs, each figure with the commit it measured."""
from wasteopt.commands.bench_report import read_history, record, render


def test_recorded_run_is_on_the_page_with_its_commit(tmp_path):
    (tmp_path / "summary.txt").write_text(
        "# cflp: solved to optimum 2/2, ours 1.0 s, baseline 2.0 s\n# scale: 157×157 township instances\n",
        encoding="utf-8")
    (tmp_path / "cflp.csv").write_text("instance,objective,status\ncap41,1040444.375,optimal\n", encoding="utf-8")
    (tmp_path / "cvrp.csv").write_text("instance,gap_pct\nA-n32-k5,0.0\n# pyvrp: mean gap 0.000 %\n",
                                       encoding="utf-8")
    rows = record(tmp_path, "abc1234", "2026-12-01")
    assert [row["suite"] for row in rows] == ["cflp", "scale", "pyvrp"]
    assert read_history(tmp_path / "history.csv")[2]["summary"] == "pyvrp: mean gap 0.000 %"
    page = render(tmp_path)
    assert "## Latest `make bench` (code at abc1234)" in page
    assert "| cap41 | 1040444.375 | optimal |" in page and "`# pyvrp: mean gap 0.000 %`" in page
    assert "| abc1234 | 2026-12-01 | cflp | cflp: solved to optimum 2/2, ours 1.0 s, baseline 2.0 s | make bench |" in page
