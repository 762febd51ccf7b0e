"""``wasteopt solve``: scenario YAML → optimal siting plan, KPI table and plan files."""
from __future__ import annotations

import argparse
import sys

from wasteopt.errors import InfeasibleError
from wasteopt.export import export_plan, prepare_run_dir
from wasteopt.kpi import compute_kpis, kpi_table
from wasteopt.scenario import load_scenario
from wasteopt.siting import solve_scenario


def register(commands, bench_commands) -> None:
    solve = commands.add_parser("solve", help="solve a scenario's siting MILP and write the plan")
    solve.add_argument("config", help="scenario YAML, e.g. configs/henan-2025-zero-landfill.yaml")
    solve.add_argument("--out", required=True, help="run folder for plan.gpkg, CSVs, XLSX and kpis.json")
    solve.add_argument("--backend", choices=["highs", "cbc"], help="MILP solver (default: the scenario's)")
    solve.add_argument("--time-limit", type=_positive, metavar="S", help="seconds (default: the scenario's)")
    solve.add_argument("--gap", type=_fraction, metavar="G", help="relative MIP gap to stop at, e.g. 0.001")
    solve.add_argument("--force", action="store_true", help="overwrite a run already in --out")
    solve.set_defaults(func=run_solve)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError("must be in [0, 1)")
    return value


def run_solve(args) -> int:
    scenario = load_scenario(args.config)
    prepare_run_dir(args.out, args.force)  # fail before a long solve, not after
    print(f"solving {args.config} …", file=sys.stderr, flush=True)
    try:
        plan = solve_scenario(scenario, backend=args.backend, time_limit=args.time_limit, rel_gap=args.gap)
    except InfeasibleError:
        raise
    kpis = compute_kpis(plan)
    files = export_plan(plan, kpis, args.out, force=True)
    print(kpi_table(kpis))
    if plan.status != "optimal":
        print(f"\nNOTE: status '{plan.status}': best plan found, proven gap {100 * (plan.gap or 0):.3f} % "
              f"(asked for {100 * (args.gap if args.gap is not None else scenario.solver.rel_gap):.3f} %).")
    print(f"\nplan written to {files['gpkg'].parent}/ ({', '.join(p.name for p in files.values())})")
    return 0
