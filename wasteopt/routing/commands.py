"""CLI: ``wasteopt route`` and ``wasteopt bench cvrp`` / ``wasteopt bench wcvrptw``."""
from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor

from wasteopt.commands.arguments import COUNT, SECONDS, SEED, number
from wasteopt.errors import ScenarioError


def register(commands, bench_commands) -> None:
    route = commands.add_parser("route", help="collection routes for one county (or all) from a siting plan")
    route.add_argument("config", help="scenario YAML")
    which = route.add_mutually_exclusive_group(required=True)
    which.add_argument("--county", help="county adcode, e.g. 410102")
    which.add_argument("--all", action="store_true", help="every county, in parallel processes")
    route.add_argument("--out", required=True, help="output directory")
    route.add_argument("--force", action="store_true", help="overwrite routes already in --out")
    route.add_argument("--plan", help="run directory with a solved siting plan (facilities.csv, flows.csv); "
                                      "default: solve the scenario's siting first")
    route.add_argument("--villages", help="village points CSV/GeoJSON (adcode, name, lon, lat, population); "
                                          "default: synthetic points sampled by population")
    route.add_argument("--time-limit", type=SECONDS, default=5.0, help="seconds per county (default 5)")
    route.add_argument("--engine", default="auto", choices=["auto", "pyvrp", "ortools"])
    route.add_argument("--seed", type=SEED, default=0)
    route.add_argument("--jobs", type=number(0, 10_000, integer=True), default=0,
                       help="parallel processes for --all (default 0: all cores)")
    route.set_defaults(func=_route)

    cvrp = bench_commands.add_parser("cvrp", help="CVRPLIB instances vs best-known solutions")
    cvrp.add_argument("--bks", required=True, help="CSV with columns instance,file,bks")
    cvrp.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per instance and engine")
    cvrp.add_argument("--engine", default="both", choices=["pyvrp", "ortools", "both"])
    cvrp.add_argument("--only", help="comma-separated instance names")
    cvrp.add_argument("--jobs", type=COUNT, default=1, help="instances solved at once (processes)")
    cvrp.add_argument("--seed", type=SEED, default=0)
    cvrp.set_defaults(func=_bench_cvrp)

    kim = bench_commands.add_parser("wcvrptw", help="Kim, Kim & Sahoo (2006) waste-collection instances")
    kim.add_argument("files", nargs="+", help="Kim-format instance files")
    kim.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per instance")
    kim.add_argument("--engine", default="auto", choices=["auto", "pyvrp", "ortools"])
    kim.add_argument("--seed", type=SEED, default=0)
    kim.set_defaults(func=_bench_wcvrptw)


def _cvrp_case(case, engine: str, time_limit: float, seed: int) -> tuple:
    from wasteopt.routing.cvrplib import read_cvrp
    from wasteopt.routing.solve import solve

    plan = solve(read_cvrp(case.path), engine, time_limit, seed)
    cost = round(plan.cost_cny) if plan.status == "feasible" else float("nan")
    return case.instance, cost, case.bks, 100 * (cost - case.bks) / case.bks, plan.seconds, engine


def _bench_cvrp(args: argparse.Namespace) -> int:
    from wasteopt.routing.cvrplib import read_bks

    if args.time_limit <= 0 or args.jobs < 1:
        raise ScenarioError("--time-limit must be > 0 and --jobs >= 1")
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    cases = read_bks(args.bks, only)
    engines = ["pyvrp", "ortools"] if args.engine == "both" else [args.engine]
    tasks = [(case, engine) for case in cases for engine in engines]
    print("instance,cost,bks,gap_pct,seconds,engine", flush=True)
    gaps: dict[str, list[float]] = {engine: [] for engine in engines}
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(_cvrp_case, case, engine, args.time_limit, args.seed) for case, engine in tasks]
        for future in futures:
            instance, cost, bks, gap, seconds, engine = future.result()
            gaps[engine].append(gap)
            print(f"{instance},{cost},{bks:g},{gap:.3f},{seconds:.1f},{engine}", flush=True)
    for engine, values in gaps.items():
        solved = [gap for gap in values if math.isfinite(gap)]
        mean = f"{sum(solved) / len(solved):.3f} %" if solved else "n/a"
        unsolved = len(values) - len(solved)
        print(f"# {engine}: mean gap {mean} over {len(solved)} instances at {args.time_limit:g} s each"
              + (f"; {unsolved} without a feasible solution" if unsolved else ""), file=sys.stderr)
    return 0


def _bench_wcvrptw(args: argparse.Namespace) -> int:
    from wasteopt.routing.kim import read_kim
    from wasteopt.routing.solve import solve

    problems = [read_kim(path) for path in args.files]
    print("instance,vehicles,km,hours,feasible,seconds,engine", flush=True)
    for problem in problems:
        plan = solve(problem, args.engine, args.time_limit, args.seed)
        feasible = plan.status == "feasible" and not plan.dropped
        print(f"{problem.name},{plan.vehicles_used},{plan.km:.3f},{plan.hours:.3f},{str(feasible).lower()},"
              f"{plan.seconds:.1f},{plan.engine}", flush=True)
        for violation in plan.violations[:5]:
            print(f"# {problem.name}: {violation}", file=sys.stderr)
    return 0


def _route(args: argparse.Namespace) -> int:
    from wasteopt.routing.county import route_counties

    return route_counties(args)
