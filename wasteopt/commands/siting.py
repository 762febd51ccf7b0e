"""``wasteopt solve``: scenario YAML → optimal siting plan, KPI table and plan files; ``runs`` and ``compare``."""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pandas as pd

from wasteopt.commands.arguments import COUNT, GAP, SECONDS
from wasteopt.errors import RunExistsError, WasteoptError
from wasteopt.export import RUN_MARKER, export_plan, refuse_existing_run, write_csv
from wasteopt.kpi import comparison_frame, compute_kpis, format_kpi, kpi_table
from wasteopt.runs import DEFAULT_REGISTRY, RunRegistry
from wasteopt.scenario import load_scenario
from wasteopt.siting import solve_scenario


def register(commands, bench_commands) -> None:
    solve = commands.add_parser("solve", help="solve a scenario's siting MILP and write the plan")
    solve.add_argument("config", help="scenario YAML, e.g. configs/henan-2025-zero-landfill.yaml")
    solve.add_argument("--out", required=True, help="run folder for plan.gpkg, CSVs, XLSX and kpis.json")
    solve.add_argument("--backend", choices=["highs", "cbc"], help="MILP solver (default: the scenario's)")
    solve.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds, at most 86,400 (default: the scenario's)")
    solve.add_argument("--gap", type=GAP, metavar="G", help="relative MIP gap to stop at, e.g. 0.001")
    solve.add_argument("--force", action="store_true", help="overwrite a run already in --out")
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
    refuse_existing_run(args.out, args.force)  # fail before a long solve, not after; create nothing yet
    print(f"solving {args.config} …", file=sys.stderr, flush=True)
    plan = solve_scenario(scenario, backend=args.backend, time_limit=args.time_limit, rel_gap=args.gap)
    kpis = compute_kpis(plan)
    files = export_plan(plan, kpis, args.out, force=True)
    record = RunRegistry(args.registry).record(scenario, kpis, args.out, source="cli")
    print(kpi_table(kpis))
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
    if args.out and Path(args.out).exists() and not args.force:
        raise RunExistsError(f"{args.out} exists; pass --force to overwrite it, or choose another --out")
    registry = RunRegistry(args.registry)
    kpis_by_run = {}
    for run in args.runs:
        folder = Path(run)
        if (folder / RUN_MARKER).is_file():
            name = run if folder.name in kpis_by_run or not folder.name else folder.name
            kpis_by_run[name] = json.loads((folder / RUN_MARKER).read_text(encoding="utf-8"))
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
