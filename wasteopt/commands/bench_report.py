"""``wasteopt bench report``: docs/benchmarks.md, generated from the result CSVs ``make bench`` commits,
so every figure names its commit.

``make bench`` runs ``wasteopt bench all`` (one CSV per suite in ``bench/results/`` and the summary
lines in ``summary.txt``) and ``wasteopt bench whatif`` (``whatif.csv``), then ``wasteopt bench report --check``
(each case against the last recorded row of its suite, see :mod:`wasteopt.commands.bench_check`) and
``wasteopt bench report --record``: that appends one row per suite CSV to ``bench/results/history.csv``, with
the commit the code was at, the suite's summary lines and its figures, and writes the page. Without
``--record`` or ``--check`` it only rewrites the page from the committed CSVs.
"""
from __future__ import annotations

import csv
import datetime
import subprocess
import sys
from pathlib import Path

from wasteopt.commands.bench_check import THRESHOLDS, check, figures_json, read_probes, suite_kind
from wasteopt.config.errors import DataError
from wasteopt.config.writers import write_text

HISTORY_COLUMNS = ("commit", "date", "suite", "summary", "note", "figures")
SHOWN_COLUMNS = HISTORY_COLUMNS[:-1]  # the figures are for `--check`, not for the page
SUITES = ("cflp", "pmedian", "cvrp", "wcvrptw", "wcvrptw_generated", "scale", "roads", "whatif")


def current_commit(repo: Path) -> str:
    """The short hash of HEAD, with ``+dirty`` when tracked code differs from it ("unknown" outside git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "wasteopt"],
                               cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def read_history(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def record(results: Path, commit: str, date: str, note: str = "make bench",
           history: Path | None = None) -> list[dict]:
    """Append one row per suite CSV in ``results`` to history.csv (default: in ``results``): the suite's summary
    lines (from summary.txt and the CSV's own '#' lines) and its figures; returns the new rows."""
    summary = results / "summary.txt"
    summaries = summary.read_text(encoding="utf-8").splitlines() if summary.is_file() else []
    probes = read_probes(results)
    rows = []
    for path in sorted(results.glob("*.csv")):
        suite = path.stem
        if suite_kind(suite) is None:
            continue
        own = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# ")]
        prefix = f"# {suite_kind(suite)}:"
        lines = [line[2:] for line in dict.fromkeys([*(s for s in summaries if s.startswith(prefix)), *own])]
        rows.append({"commit": commit, "date": date, "suite": suite, "summary": "; ".join(lines), "note": note,
                     "figures": figures_json(path, probes.get(suite))})
    if not rows:
        raise DataError(f"no result CSVs in {results}; run `wasteopt bench all` first")
    history = history or results / "history.csv"
    new_file = not history.is_file()
    with history.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HISTORY_COLUMNS, lineterminator="\n")
        if new_file:
            writer.writeheader()
        writer.writerows(rows)
    return rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _suite_table(path: Path) -> str:
    """A suite's CSV as a table; lines starting with '#' (summaries) are listed below it."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.reader(line for line in lines if line.strip() and not line.startswith("#")))
    parts = [_markdown_table(rows[0], rows[1:])] if rows else []
    parts += [f"`{line}`" for line in comments]
    return "\n\n".join(parts)


def render(results: Path) -> str:
    """The page: the latest run's tables (with its commit) and every recorded summary line."""
    history = read_history(results / "history.csv")
    measured = [row for row in history if row["note"] == "make bench" and not row["suite"].startswith("quick_")]
    latest = measured[-1]["commit"] if measured else None
    parts = ["# Benchmarks",
             "",
             "Generated by `wasteopt bench report` from `bench/results/` (committed by `make bench`);",
             "do not edit by hand. Seconds depend on the machine and its load that day: compare ratios",
             "within one run, not seconds across runs. Every figure names the commit of the code it measured.",
             "",
             "## Regression check",
             "",
             "`wasteopt bench report --check` (run by `make bench` before it records) and `wasteopt bench all",
             "--quick --check` (run by `make test` after pytest: a few CFLP, p-median and CVRP instances and the",
             "2,500 × 500 township instance at 30 s, suites `quick_*`) compare every case with the same case in the",
             f"last recorded row of its suite in `bench/results/history.csv`; {THRESHOLDS}. Times are compared only",
             "for cases that finished before their limit (a proven optimum, a road build); routing runs to its limit,",
             "so only its plans, feasibility and gaps are compared. A regression exits 1 and is not recorded; accept",
             "a change on purpose with `wasteopt bench report --record` (or `wasteopt bench all --quick --record`).",
             ""]
    suites = [name for name in SUITES if (results / f"{name}.csv").is_file()]
    if suites:
        parts += [f"## Latest `make bench` (code at {latest or 'an unrecorded commit'})", ""]
        for name in suites:
            parts += [f"### {name}", "", _suite_table(results / f"{name}.csv"), ""]
    if history:
        parts += ["## History", "",
                  "Summary lines of every recorded run, oldest first. Rows noted *README* are figures the",
                  "README carried before this page existed: the commit is the one that recorded them, so the",
                  "code measured is that commit or an earlier one.", "",
                  _markdown_table(list(SHOWN_COLUMNS), [[row[c] for c in SHOWN_COLUMNS] for row in history]), ""]
    return "\n".join(parts)


def register(commands, bench_commands) -> None:
    report = bench_commands.add_parser("report", help="write docs/benchmarks.md from the result CSVs in bench/results/")
    report.add_argument("--results", default="bench/results", help="folder of the result CSVs (default bench/results)")
    report.add_argument("--out", default="docs/benchmarks.md", help="page to write (default docs/benchmarks.md)")
    report.add_argument("--record", action="store_true",
                        help="first append one row per suite CSV (summary lines and figures) to history.csv with the "
                             "current commit")
    report.add_argument("--check", action="store_true",
                        help=f"compare each case of the result CSVs with the last recorded row of its suite in "
                             f"history.csv and exit 1 on a regression, writing nothing; {THRESHOLDS}")
    report.add_argument("--history", help="history CSV (default: history.csv in --results)")
    report.set_defaults(func=run_bench_report)


def run_check(results: Path, history: Path) -> int:
    """Print the check of ``results`` against ``history``; 0 when there is no regression, 1 otherwise."""
    outcome = check(results, read_history(history))
    print("\n".join(outcome.lines))
    if not outcome.ok:
        print(f"bench check FAILED: {outcome.regressions} regressions in {outcome.compared} cases ({THRESHOLDS})",
              file=sys.stderr)
        return 1
    print(f"bench check passed: {outcome.compared} cases, no regression", file=sys.stderr)
    # the plain closing line CI reads after pytest's own (make test ends with this check)
    print(f"bench: {outcome.compared} passed, 0 failed")
    return 0


def run_bench_report(args) -> int:
    results = Path(args.results)
    history = Path(args.history) if args.history else results / "history.csv"
    if args.check:
        code = run_check(results, history)
        if code or not args.record:  # a regression is recorded only on purpose, by --record alone
            return code
    if args.record:
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        record(results, current_commit(Path.cwd()), date, history=history)
    write_text(args.out, render(results))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
