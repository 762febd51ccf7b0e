"""``wasteopt solve``: scenario YAML → optimal siting plan, KPI table and plan files; ``runs`` and ``compare``."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pandas as pd

from wasteopt.commands.arguments import COUNT, GAP, SECONDS
from wasteopt.errors import OutputError, RunExistsError, WasteoptError
from wasteopt.export import write_csv
from wasteopt.kpi import comparison_frame, format_kpi, kpi_text
from wasteopt.pipeline import run_scenario
from wasteopt.run_folder import OWNER_MARKER, RUN_MARKER, RunFolder, check_output_folder
from wasteopt.runs import DEFAULT_REGISTRY, RunRegistry
from wasteopt.scenario import load_scenario


def register(commands, bench_commands) -> None:
    solve = commands.add_parser("solve", help="solve a scenario's siting MILP and write the plan")
    solve.add_argument("config", help="scenario YAML, e.g. configs/henan-2025-zero-landfill.yaml")
    solve.add_argument("--out", required=True, help="run folder for plan.gpkg, CSVs, XLSX and kpis.json: new, empty, "
                       f"or a run folder wasteopt wrote (it has {OWNER_MARKER})")
    solve.add_argument("--backend", choices=["highs", "cbc"], help="MILP solver (default: the scenario's)")
    solve.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds, at most 86,400 (default: the scenario's)")
    solve.add_argument("--gap", type=GAP, metavar="G", help="relative MIP gap to stop at, e.g. 0.001")
    solve.add_argument("--force", action="store_true", help="replace a run already in --out (never other files)")
    solve.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    solve.set_defaults(func=run_solve)

    runs = commands.add_parser("runs", help="list the solves recorded in the run registry")
    runs.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    runs.add_argument("--limit", type=COUNT, default=50)
    runs.set_defaults(func=run_list)

    compare = commands.add_parser("compare", help="KPIs and goals of runs side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run id (see `wasteopt runs`) or run folder")
    compare.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    compare.add_argument("--out", metavar="CSV", help="also write the table (raw values) to this CSV")
    compare.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    compare.set_defaults(func=run_compare)


def run_solve(args) -> int:
    scenario = load_scenario(args.config)
    check_output_folder(args.out, "run", args.force)  # a refused --out says so before "solving"
    print(f"solving {args.config} …", file=sys.stderr, flush=True)
    outcome = run_scenario(scenario, args.out, registry=RunRegistry(args.registry), source="cli", force=args.force,
                           backend=args.backend, time_limit=args.time_limit, rel_gap=args.gap)
    plan, files, record = outcome.plan, outcome.files, outcome.record
    print(kpi_text(outcome.kpis))
    if plan.status != "optimal":
        print(f"\nNOTE: status '{plan.status}': best plan found, proven gap {100 * (plan.gap or 0):.3f} % "
              f"(asked for {100 * (args.gap if args.gap is not None else scenario.solver.rel_gap):.3f} %).")
        if plan.message:
            print(f"solver: {plan.message}")
    print(f"\nplan written to {files['gpkg'].parent}/ ({', '.join(p.name for p in files.values())}); run {record.run_id}")
    return 0


def run_list(args) -> int:
    frame = RunRegistry(args.registry).list(args.limit)
    if frame.empty:
        print(f"no runs recorded in {args.registry}")
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(frame.drop(columns=["scenario_hash"]).to_string(index=False))
    return 0


def run_compare(args) -> int:
    if args.out:
        _check_csv_out(args.out, args.force)
    registry = RunRegistry(args.registry)
    kpis_by_run = {}
    for run in args.runs:
        folder = RunFolder(run)
        if folder.is_complete:
            name = run if folder.path.name in kpis_by_run or not folder.path.name else folder.path.name
            kpis_by_run[name] = folder.kpis()
        elif (record := registry.get(run)) is not None:
            kpis_by_run[run] = record.kpis
        else:
            raise WasteoptError(f"run '{run}' is neither a run folder (with {RUN_MARKER}) nor a run id in "
                                f"{args.registry} (see `wasteopt runs`)")
    frame = comparison_frame(kpis_by_run)
    shown = frame.copy()
    for run, kpis in kpis_by_run.items():
        shown[run] = [format_kpi(key, value, kpis) for key, value in zip(frame["kpi"], frame[run])]
    for run, kpis in kpis_by_run.items():
        print(f"{run}: {kpis.get('scenario', '')}")
    print(_aligned(shown.drop(columns="kpi")))
    if args.out:
        write_csv(args.out, frame)
        print(f"\ntable written to {args.out}")
    return 0


def _check_csv_out(path: str, force: bool) -> None:
    """``compare --out`` writes one CSV file: never over a folder or a special file, over a file only with --force."""
    target = Path(path)
    if target.is_dir() or target.parent == target:
        raise OutputError(f"--out {path}: is a folder; give a CSV file name, e.g. compare.csv")
    if target.exists() and not target.is_file():
        raise OutputError(f"--out {path}: is not a regular file; give a CSV file name, e.g. compare.csv")
    if target.exists() and not force:
        raise RunExistsError(f"{path} exists; pass --force to overwrite it, or choose another --out")


def _aligned(frame: pd.DataFrame) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned, CJK counted double width."""
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [list(map(str, frame.columns))] + [list(map(str, row)) for row in frame.itertuples(index=False)]
    widths = [max(width(row[i]) for row in cells) for i in range(len(frame.columns))]
    lines = []
    for row in cells:
        parts = [row[0] + " " * (widths[0] - width(row[0]))]
        parts += [" " * (w - width(cell)) + cell for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
