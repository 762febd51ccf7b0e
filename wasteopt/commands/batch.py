"""``wasteopt sweep`` (many scenarios) and ``wasteopt report`` (review report of a run)."""
from __future__ import annotations

import sys

from wasteopt.commands.arguments import COUNT, SECONDS
from wasteopt.runs.registry import DEFAULT_REGISTRY


def register(commands, bench_commands) -> None:
    sweep = commands.add_parser("sweep", help="solve a base scenario over parameter grids/lists; summary table")
    sweep.add_argument("sweep_file", help="sweep YAML, e.g. configs/sweeps/henan-12.yaml")
    sweep.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask cluster (default: local processes)")
    sweep.add_argument("--jobs", type=COUNT, default=2,
                       help="local worker processes (default 2); each solve keeps two threads busy (HiGHS and its "
                            "neighbourhood search), so more jobs than half the cores share them and each variant "
                            "ends its time limit with a wider gap")
    sweep.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=run_sweep_command)

    report = commands.add_parser("report", help="HTML (+ PDF, XLSX) review report of a run folder")
    report.add_argument("run_dir", help="folder written by `wasteopt solve --out` or a sweep")
    report.add_argument("--no-pdf", action="store_true", help="skip the PDF even if Chromium is installed")
    report.add_argument("--base", metavar="RUN_DIR", help="a base run folder: the report adds Δ against it and says "
                        "whether the cost difference is within the two runs' proven gaps")
    report.add_argument("--reconcile", metavar="DIR", help="a folder of `wasteopt cd reconcile --out`: the report adds "
                        "a C&D section with its anomalies by kind, a map, and each yard's intake and fill vs the plan")
    report.add_argument("--goal-cost", action="store_true",
                        help="first solve the run's scenario again with policy.new_plants.min at the new-plants goal "
                             "(goal_cost.json) so the report shows what meeting that goal costs")
    report.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds for the --goal-cost solve (default: the scenario's)")
    report.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file (records what the "
                        "report and the goal cost added to the run folder)")
    report.set_defaults(func=run_report_command)


def run_sweep_command(args) -> int:
    from wasteopt.runs.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.sweep_file)
    where = args.scheduler or f"{args.jobs} local processes"
    print(f"sweep {sweep.spec.name}: {len(sweep.variants)} variants on {where} → {sweep.out}", file=sys.stderr)
    result = run_sweep(sweep, scheduler=args.scheduler, jobs=args.jobs, registry_path=args.registry,
                       progress=not args.no_progress)
    columns = [c for c in ("variant", "label", "status", "skipped", "gap", "goals_met", "new_plants",
                           "incineration_capacity_tpd", "cost_wan_cny_per_year", "co2e_t_per_year")
               if c in result.summary.columns]
    print(result.summary[columns].to_string(index=False))
    print(f"\n{result.solved} solved, {result.skipped} skipped (already in the registry), {result.failed} failed "
          f"in {result.seconds:.1f} s; summary: {', '.join(str(p) for p in result.files.values())}")
    if result.failed:
        print("some variants failed: run the same command again to retry them (finished ones are skipped)",
              file=sys.stderr)
    return 1 if result.failed else 0


def run_report_command(args) -> int:
    from wasteopt.runs.folder import RunFolder
    from wasteopt.reporting.report.write import report_run
    from wasteopt.runs.registry import RunRegistry

    folder, registry = RunFolder(args.run_dir), RunRegistry(args.registry)
    if args.goal_cost:
        from wasteopt.studies.goal_cost import add_goal_cost
        from wasteopt.studies.results import goal_cost_text

        print("pricing the new-plants goal (policy.new_plants.min) …", file=sys.stderr, flush=True)
        print(goal_cost_text(add_goal_cost(folder, registry, time_limit=args.time_limit)))
    files = report_run(folder, registry, pdf=not args.no_pdf,  # says on stderr when no PDF
                       base=RunFolder(args.base) if args.base else None, reconcile_dir=args.reconcile)
    print("report written: " + ", ".join(str(p) for p in files.values()))
    return 0
