"""``wasteopt backtest`` (the model against what Henan built), ``wasteopt calibrate`` (grid, in and out of sample)
and ``wasteopt demand-check`` (the model's MSW beside official city-district figures)."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from wasteopt.commands.arguments import SECONDS, number
from wasteopt.runs.registry import DEFAULT_REGISTRY

YEAR = number(1990, 2100, integer=True)
JOBS = number(1, 64, integer=True)

BACKTEST_CONFIG = "configs/henan-2025-zero-landfill.yaml"


def _window(text: str):
    from wasteopt.config.errors import ScenarioError
    from wasteopt.studies.calibrate import parse_window

    try:
        return parse_window(text)
    except ScenarioError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _listed(item, what: str):
    def parse(text: str) -> tuple:
        try:
            return tuple(item(part) for part in text.split(","))
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(f"'{text}': give {what} separated by commas") from None
    return parse


SEEDS = _listed(number(0, 2**31 - 1, integer=True), "seeds (whole numbers ≥ 0)")
LIMITS = _listed(SECONDS, "time limits in seconds")


def register(commands, bench_commands) -> None:
    backtest = commands.add_parser("backtest", help="solve from a baseline year with the capacity Henan had in service "
                                   "by --year and compare with the plants it built (MEE list and news additions)")
    backtest.add_argument("--baseline-year", type=YEAR, required=True, help="plants in service by this year exist")
    backtest.add_argument("--year", type=YEAR, required=True, help="year solved; its in-service capacity is the target")
    backtest.add_argument("--out", required=True, help="run folder: the plan, backtest.json and the per-prefecture CSV")
    backtest.add_argument("--config", default=BACKTEST_CONFIG, help=f"scenario for costs and policy (default {BACKTEST_CONFIG})")
    backtest.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds (default: the scenario's)")
    backtest.add_argument("--force", action="store_true", help="overwrite a run already in --out")
    backtest.add_argument("--no-report", action="store_true", help="skip report.html")
    backtest.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    backtest.set_defaults(func=run_backtest_command)

    calibrate = commands.add_parser("calibrate", help="grid of uncertain choices, chosen in sample, scored out of sample")
    calibrate.add_argument("calibration_file", help="e.g. configs/calibration/henan.yaml")
    calibrate.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask cluster (default: local processes)")
    calibrate.add_argument("--jobs", type=JOBS, default=2, help="local worker processes (default 2)")
    calibrate.add_argument("--no-progress", action="store_true", help="no progress bar")
    calibrate.add_argument("--in-sample", type=_window, metavar="FIRST-LAST",
                           help="years whose build-out chooses the point, e.g. 2021-2022 (default: the file's)")
    calibrate.add_argument("--out-of-sample", type=_window, metavar="FIRST-LAST",
                           help="years whose build-out scores it, e.g. 2023-2024 (default: the file's)")
    calibrate.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds per solve (default: the file's)")
    calibrate.add_argument("--out", help="output folder (default: the file's)")
    calibrate.add_argument("--seeds", type=SEEDS, default=(), metavar="0,1,2",
                           help="backtest the best, shipped and reference points again with these local-search seeds")
    calibrate.add_argument("--time-limits", type=LIMITS, default=(), metavar="10,25",
                           help="… and these time limits (s): the spread of the scores")
    calibrate.set_defaults(func=run_calibrate_command)

    check = commands.add_parser("demand-check", help="the model's MSW per prefecture beside the yearbook's city-district "
                                "clearance (seeds official_msw_city_districts.csv)")
    check.add_argument("--config", default=BACKTEST_CONFIG, help=f"scenario for the demand settings (default {BACKTEST_CONFIG})")
    check.set_defaults(func=run_demand_check_command)



def run_backtest_command(args) -> int:
    from wasteopt.config.loader import load_scenario
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.folder.staging import check_output_folder
    from wasteopt.reporting.report.write import report_run
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry
    from wasteopt.studies.backtest import add_backtest, backtest_scenario, score_backtest
    from wasteopt.studies.results import reliability_line, score_lines

    check_output_folder(args.out, "run", args.force)  # a refused --out says so before the solve
    scenario, region = backtest_scenario(load_scenario(args.config), args.baseline_year, args.year)
    registry = RunRegistry(args.registry)
    print(f"backtest {args.baseline_year}→{args.year} of {args.config} …", file=sys.stderr, flush=True)
    outcome = run_scenario(scenario, args.out, registry=registry, source="backtest", force=args.force,
                           time_limit=args.time_limit)
    backtest = score_backtest(outcome.plan, region, args.baseline_year, args.year)
    folder = RunFolder(args.out)
    add_backtest(backtest, folder, registry)
    if not args.no_report:
        report_run(folder, registry, pdf=False)
    table = backtest.prefectures[["prefecture_adcode", "prefecture_zh", "built_new_tpd", "model_new_tpd",
                                  "built_new_plants", "model_new_plants", "within_25pct"]]
    with pd.option_context("display.width", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    summary = backtest.summary()
    print(f"\n{args.baseline_year}→{args.year}, capacity target {backtest.capacity_target_tpd:,.0f} t/d; "
          f"status {backtest.plan.status}, gap {100 * (backtest.plan.gap or 0):.2f} %")
    print("\n".join(score_lines(summary["scores"])))
    print(reliability_line(summary))
    print(f"\nwritten to {args.out}/ (backtest.json, backtest_prefectures.csv, backtest_built_plants.csv, the plan"
          f"{'' if args.no_report else ', report.html'})")
    return 0


def run_calibrate_command(args) -> int:
    from wasteopt.studies.calibrate import load_calibration, run_calibration, with_overrides

    calibration = with_overrides(load_calibration(args.calibration_file), in_sample=args.in_sample,
                                 out_of_sample=args.out_of_sample, time_limit_s=args.time_limit, out=args.out)
    spec = calibration.spec
    where = args.scheduler or f"{args.jobs} local processes"
    print(f"calibration {spec.name}: {len(calibration.points)} grid points on {where}, in sample "
          f"{spec.in_sample.baseline_year}→{spec.in_sample.year}, out of sample {spec.out_of_sample.baseline_year}→"
          f"{spec.out_of_sample.year}, {spec.time_limit_s:g} s per solve → {calibration.out}", file=sys.stderr)
    table = run_calibration(calibration, scheduler=args.scheduler, jobs=args.jobs, progress=not args.no_progress,
                            seeds=args.seeds, time_limits=args.time_limits)
    shown = [c for c in table.columns if not c.endswith(("message", "_gap", "_built_new_plants", "_built_new_capacity_tpd",
                                                         "_prefectures"))]
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table[shown].to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    spread = calibration.out / "calibration_spread.csv"
    if args.seeds or args.time_limits:
        lines = pd.read_csv(spread)
        shown = [c for c in ("point", "best", "shipped", "reference", "window", "search_seed", "time_limit_s", "status", "gap",
                             "prefectures_within", "correlation", "model_new_plants", "built_new_plants", "fit_error")
                 if c in lines]
        with pd.option_context("display.width", 250, "display.max_columns", 40):
            print("\n" + lines[shown].to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    print(f"\nwritten to {calibration.out}/calibration.csv, calibration.json"
          f"{', calibration_spread.csv' if args.seeds or args.time_limits else ''}")
    return 0


def run_demand_check_command(args) -> int:
    from wasteopt.studies.demand_check import demand_check
    from wasteopt.config.loader import load_scenario

    table = demand_check(load_scenario(args.config))
    shown = table.assign(districts_vs_official=(100 * table["districts_vs_official"]).map(lambda v: f"{v:+.0f} %"))
    print("万 t/yr; official = 城区 city-district clearance (China Urban Construction Statistical Yearbook); model = collected MSW")
    print(shown.to_string(index=False))
    return 0
