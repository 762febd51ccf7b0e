"""``wasteopt bench decomposed``: the synthetic national instance solved by decomposition on Dask (1, 2 … workers)
beside plain HiGHS on the whole model at the same limit; one CSV row per run, progress on stderr."""
from __future__ import annotations

import csv
import heapq
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from wasteopt.commands.arguments import GAP, SECONDS, SEED, number
from wasteopt.config.errors import ScenarioError

COLUMNS = ("method", "workers", "nodes", "sites", "blocks", "arcs", "border_pairs", "seconds", "objective_wan",
           "bound_wan", "gap", "worker_peak_mb", "peak_mb", "rounds", "status", "load1")
CONFIG = "configs/henan-2025-zero-landfill.yaml"


def register(commands, bench_commands) -> None:
    bench = bench_commands.add_parser("decomposed", help="national synthetic instance: decomposed siting on Dask vs "
                                                         "plain HiGHS, one CSV row per run")
    bench.add_argument("--nodes", type=number(1, 200_000, integer=True), default=40_000, help="townships (default 40,000)")
    bench.add_argument("--sites", type=number(1, 50_000, integer=True), default=4_000, help="candidate sites (default 4,000)")
    bench.add_argument("--blocks", type=number(1, 36, integer=True), default=31, help="provincial blocks (default 31)")
    bench.add_argument("--seed", type=SEED, default=0)
    bench.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per run, decomposed and plain (default 60)")
    bench.add_argument("--gap", type=GAP, default=0.01, help="relative gap to stop at (default 0.01)")
    bench.add_argument("--rounds", type=number(1, 50, integer=True), default=20,
                       help="pricing rounds at most (default 20; they end earlier when the bound stops rising)")
    bench.add_argument("--workers", default="1,2", help="comma-separated LocalCluster sizes to run (default 1,2)")
    bench.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run the pieces on this Dask cluster instead (one run; --workers ignored)")
    bench.add_argument("--no-baseline", action="store_true", help="skip plain HiGHS on the whole model")
    bench.add_argument("--start-prices", choices=("whole", "pieces", "plants"), default="whole",
                       help="first prices: the whole model's LP relaxation (default), rounds on the pieces' LP "
                            "relaxations, or the cheapest new plant's cost per tonne")
    bench.add_argument("--config", default=CONFIG, help=f"scenario for costs (default {CONFIG})")
    bench.set_defaults(func=run_command)


def measure(config: str, size: dict, *, workers: int | None, scheduler: str | None, time_limit: float, rel_gap: float,
            rounds: int, start_prices: str = "whole", progress: bool = True) -> dict:
    """One run in this process: decomposed on ``workers`` LocalCluster processes (or at ``scheduler``), or plain
    HiGHS on the whole model when both are None. Seconds count from the generated instance to the plan."""
    from wasteopt.bench.national import generate_national
    from wasteopt.config.loader import load_scenario
    from wasteopt.siting.decomposed import solve_decomposed
    from wasteopt.siting.piece_runners import DaskRunner
    from wasteopt.siting.pieces import peak_mb
    from wasteopt.siting.pipeline import solve_problem

    national = generate_national(load_scenario(config), size["nodes"], size["sites"], blocks=size["blocks"],
                                 seed=size["seed"])
    problem = national.problem
    say = (lambda text: print(f"# {text}", file=sys.stderr, flush=True)) if progress else None
    began = time.perf_counter()
    row = {"nodes": size["nodes"], "sites": size["sites"], "blocks": size["blocks"], "arcs": len(problem.arcs)}
    if workers is None and scheduler is None:
        result = solve_problem(problem, time_limit=time_limit, rel_gap=rel_gap, search=None).result
        border, rounds_run, worker_peak, pieces = "", "", "", []
    else:
        with DaskRunner(scheduler=scheduler, workers=workers or 2) as runner:
            solved = solve_decomposed(problem, national.site_block, rounds=rounds, time_limit=time_limit,
                                      rel_gap=rel_gap, search=None, runner=runner, on_progress=say,
                                      start_prices=start_prices)
        result = solved.solution.result
        outcomes = [o for r in (*solved.relaxed_rounds, *solved.rounds) for o in r.outcomes] + list(solved.whole)
        border = solved.border_pairs
        rounds_run, worker_peak = len(solved.rounds), round(max(o.peak_mb for o in outcomes), 1)
        rounds_seconds = [[o.seconds for o in r.outcomes] for r in (*solved.relaxed_rounds, *solved.rounds)] + \
            [[o.seconds for o in solved.whole]]
        pieces = [[solved.relaxation_seconds]] + [seconds for seconds in rounds_seconds if seconds] + \
            [[solved.repair_seconds]]
    wan = lambda cny: "" if cny is None else round(cny / 1e4, 1)
    return {"method": "highs" if workers is None and scheduler is None else "decomposed",
            "workers": scheduler or (workers or ""), **row, "border_pairs": border,
            "seconds": round(time.perf_counter() - began, 1), "objective_wan": wan(result.objective),
            "bound_wan": wan(result.best_bound), "gap": "" if result.gap is None else round(result.gap, 5),
            "worker_peak_mb": worker_peak, "peak_mb": round(peak_mb(), 1), "rounds": rounds_run,
            "status": str(result.status), "load1": round(os.getloadavg()[0], 1), "piece_seconds": pieces}


def projected_seconds(piece_seconds: list[list[float]], workers: int) -> float:
    """Wall time on ``workers`` workers if each round's pieces took the seconds measured: each round a
    longest-first schedule of its pieces (the whole model's LP relaxation, if any, first, and the repair, last,
    run alone); coordination and data movement ignored."""
    total = 0.0
    for round_seconds in piece_seconds:
        loads = [0.0] * min(workers, len(round_seconds))
        for seconds in sorted(round_seconds, reverse=True):
            heapq.heapreplace(loads, loads[0] + seconds)
        total += max(loads)
    return total


def _spawned(config: str, size: dict, options: dict) -> dict:
    """``measure`` in a fresh spawned process, so its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, config, size, **options).result()


def run_command(args) -> int:
    if not Path(args.config).is_file():
        raise ScenarioError(f"scenario file not found: {args.config}")
    try:
        counts = [int(w) for w in args.workers.split(",")]
    except ValueError:
        raise ScenarioError(f"--workers {args.workers!r}: comma-separated whole numbers, e.g. 1,2") from None
    if any(not 1 <= w <= 64 for w in counts):
        raise ScenarioError(f"--workers {args.workers!r}: each between 1 and 64")
    size = {"nodes": args.nodes, "sites": args.sites, "blocks": args.blocks, "seed": args.seed}
    options = {"time_limit": args.time_limit, "rel_gap": args.gap, "rounds": args.rounds}
    runs = [{"workers": None, "scheduler": args.scheduler}] if args.scheduler else \
        [{"workers": w, "scheduler": None} for w in counts]
    runs = [{**run, "start_prices": args.start_prices} for run in runs]
    if not args.no_baseline:
        runs.append({"workers": None, "scheduler": None})  # plain HiGHS on the whole model: no prices
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(COLUMNS)
    for run in runs:
        row = _spawned(args.config, size, {**options, **run})
        writer.writerow([row[c] for c in COLUMNS])
        sys.stdout.flush()
        if row["method"] == "decomposed":
            pieces = row["piece_seconds"]
            print(f"# {row['workers']} worker(s): projected {projected_seconds(pieces, 32):.1f} s on 32 workers, "
                  f"{projected_seconds(pieces, 1):.1f} s on 1 (sum of piece and repair seconds per round, longest "
                  "first; coordination and data movement ignored)", file=sys.stderr)
    return 0
