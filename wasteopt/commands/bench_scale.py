"""``wasteopt bench scale``: a synthetic township instance, one CSV row of size, time, gap and peak memory."""
from __future__ import annotations

import csv
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from wasteopt.commands.arguments import GAP, SECONDS, SEED, number
from wasteopt.config.errors import ScenarioError

SCALE_COLUMNS = ("nodes", "sites", "arcs", "seconds", "gap", "peak_mb", "status")
SCALE_CONFIG = "configs/henan-2025-zero-landfill.yaml"


def register(commands, bench_commands) -> None:
    scale = bench_commands.add_parser("scale", help="synthetic township instance: nodes,sites,arcs,seconds,gap,peak_mb,status")
    scale.add_argument("--nodes", type=number(1, 100_000, integer=True), required=True, help="township demand nodes (≥ 157)")
    scale.add_argument("--sites", type=number(1, 100_000, integer=True), required=True, help="candidate sites (≤ nodes)")
    scale.add_argument("--seed", type=SEED, default=0)
    scale.add_argument("--time-limit", type=SECONDS, default=60.0, help="solver seconds (default 60)")
    scale.add_argument("--gap", type=GAP, default=0.01, help="relative MIP gap to stop at (default 0.01)")
    scale.add_argument("--max-km", type=number(0, 2000, low_open=True), default=None, help="arc radius, road km (default: synthetic.SCALE_MAX_KM)")
    scale.add_argument("--k-nearest", type=number(0, 50, integer=True), default=None, help="extra nearest sites per node (default: synthetic.SCALE_K_NEAREST)")
    scale.add_argument("--single-sourcing", action="store_true", help="each township to one plant (binary arcs)")
    scale.add_argument("--config", default=SCALE_CONFIG, help=f"scenario for costs and policy (default {SCALE_CONFIG})")
    scale.add_argument("--no-header", action="store_true", help="print the row only")
    scale.set_defaults(func=run_scale_command)


def _measure(config: str, options: dict) -> dict:
    from wasteopt.config.loader import load_scenario
    from wasteopt.bench.synthetic import measure_scale

    return measure_scale(load_scenario(config), **options)


def scale_row(config: str, nodes: int, sites: int, **options) -> dict:
    """Measure one size in a fresh spawned process, so its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_measure, config, {"n_nodes": nodes, "n_sites": sites, **options}).result()


def run_scale_command(args) -> int:
    if not Path(args.config).is_file():
        raise ScenarioError(f"scenario file not found: {args.config}")
    options = {"seed": args.seed, "time_limit": args.time_limit, "rel_gap": args.gap,
               "single_sourcing": args.single_sourcing}
    options.update({k: v for k, v in (("max_km", args.max_km), ("k_nearest", args.k_nearest)) if v is not None})
    row = scale_row(args.config, args.nodes, args.sites, **options)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if not args.no_header:
        writer.writerow(SCALE_COLUMNS)
    writer.writerow(["" if row[c] is None else row[c] for c in SCALE_COLUMNS])
    print(f"# generate {row['generate_seconds']} s (not in seconds), solver {row['solver_seconds']} s, "
          f"objective {row['objective']}", file=sys.stderr)
    return 0
