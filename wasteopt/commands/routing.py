"""CLI: ``wasteopt route`` and ``wasteopt bench cvrp`` / ``wasteopt bench wcvrptw``."""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from wasteopt.commands.arguments import COUNT, SECONDS, SEED, number
from wasteopt.config.errors import ScenarioError


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
    route.add_argument("--osm", help="OSM extract (.osm.pbf/.osm): drive its roads instead of straight km × "
                                     "circuity (default: the scenario's network.osm_file)")
    route.add_argument("--time-limit", type=SECONDS, default=5.0, help="seconds per county (default 5)")
    route.add_argument("--engine", default="auto", choices=["auto", "pyvrp", "ortools"])
    route.add_argument("--seed", type=SEED, default=0)
    route.add_argument("--jobs", type=number(0, 10_000, integer=True), default=0,
                       help="parallel processes for --all (default 0: all cores)")
    route.set_defaults(func=_route)

    cvrp = bench_commands.add_parser("cvrp", help="CVRPLIB instances: our wrapper vs plain PyVRP/OR-Tools vs best-known")
    cvrp.add_argument("--bks", required=True, help="CSV with columns instance,file,bks")
    cvrp.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per instance and engine")
    cvrp.add_argument("--engine", default="both", choices=["pyvrp", "ortools", "both"])
    cvrp.add_argument("--only", help="comma-separated instance names")
    cvrp.add_argument("--jobs", type=COUNT, default=1, help="instances solved at once (processes)")
    cvrp.add_argument("--seed", type=SEED, default=0)
    cvrp.set_defaults(func=_bench_cvrp)

    kim = bench_commands.add_parser("wcvrptw", help="Kim, Kim & Sahoo (2006) waste-collection instances")
    kim.add_argument("files", nargs="*", help="Kim-format instance files")
    kim.add_argument("--generate", help="also generate Kim-format instances with these numbers of stops, e.g. 1000,2000")
    kim.add_argument("--sites", type=number(1, 100, integer=True), default=3, help="disposal sites in a generated instance (default 3)")
    kim.add_argument("--generated-dir", help="folder for the generated files (default: a temporary folder)")
    kim.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per instance and engine")
    kim.add_argument("--engine", default="auto", choices=["auto", "pyvrp", "ortools", "both"],
                     help="both: PyVRP and OR-Tools on every instance, one row each")
    kim.add_argument("--seed", type=SEED, default=0, help="solver seed, and the generator's")
    kim.set_defaults(func=_bench_wcvrptw)


CVRP_COLUMNS = "instance,bks,engine,cost,gap_pct,plain_cost,plain_gap_pct,vs_plain_pct,seconds,plain_seconds"


def _cvrp_case(case, engine: str, time_limit: float, seed: int) -> tuple:
    """One instance with one engine, through the wrapper and plain, one after the other on
    the same worker: (instance, bks, engine, cost, plain cost, seconds, plain seconds)."""
    from wasteopt.routing.cvrplib import read_cvrp
    from wasteopt.routing.plain import plain_ortools, plain_pyvrp
    from wasteopt.routing.solve import solve

    plan = solve(read_cvrp(case.path), engine, time_limit, seed)
    cost = round(plan.cost_cny) if plan.status == "feasible" else None
    plain = plain_pyvrp(case.path, time_limit, seed) if engine == "pyvrp" else plain_ortools(case.path, time_limit)
    return case.instance, case.bks, engine, cost, plain.cost, plan.seconds, plain.seconds


def _pct(value: float | None, reference: float | None) -> float:
    if value is None or reference is None:
        return float("nan")
    return 100 * (value - reference) / reference


def _bench_cvrp(args: argparse.Namespace) -> int:
    from wasteopt.routing.cvrplib import read_bks

    if args.time_limit <= 0 or args.jobs < 1:
        raise ScenarioError("--time-limit must be > 0 and --jobs >= 1")
    only = [name.strip() for name in args.only.split(",")] if args.only else None
    cases = read_bks(args.bks, only)
    engines = ["pyvrp", "ortools"] if args.engine == "both" else [args.engine]
    tasks = [(case, engine) for case in cases for engine in engines]
    print(CVRP_COLUMNS, flush=True)
    rows: dict[str, list[tuple[float, float, float]]] = {engine: [] for engine in engines}
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(_cvrp_case, case, engine, args.time_limit, args.seed) for case, engine in tasks]
        for future in futures:
            instance, bks, engine, cost, plain, seconds, plain_seconds = future.result()
            gap, plain_gap, vs_plain = _pct(cost, bks), _pct(plain, bks), _pct(cost, plain)
            rows[engine].append((gap, plain_gap, vs_plain))
            print(f"{instance},{bks:g},{engine},{'' if cost is None else f'{cost:g}'},{gap:.3f},"
                  f"{'' if plain is None else f'{plain:g}'},{plain_gap:.3f},{vs_plain:.3f},{seconds:.1f},"
                  f"{plain_seconds:.1f}", flush=True)
    for engine, values in rows.items():
        print(f"# {engine}: {_cvrp_summary(values)} over {len(values)} instances at {args.time_limit:g} s each")
    return 0


def _cvrp_summary(values: list[tuple[float, float, float]]) -> str:
    """Mean gaps of wrapper and plain to the BKS, the mean wrapper-vs-plain difference, and
    how many instances each left without a feasible plan (kept out of the means)."""
    def mean(column: int) -> str:
        finite = [row[column] for row in values if math.isfinite(row[column])]
        return f"{sum(finite) / len(finite):.3f} %" if finite else "n/a"

    text = f"wrapper vs plain {mean(2)} (mean gap to BKS: wrapper {mean(0)}, plain {mean(1)})"
    for column, who in ((0, "wrapper"), (1, "plain")):
        unsolved = sum(not math.isfinite(row[column]) for row in values)
        if unsolved:
            text += f"; {who}: {unsolved} without a feasible solution"
    return text


def _bench_wcvrptw(args: argparse.Namespace) -> int:
    """One row per instance and engine; ``feasible`` is the independent checker's verdict
    with no stop dropped."""
    from wasteopt.routing.kim import read_kim
    from wasteopt.routing.solve import solve

    paths = [Path(path) for path in args.files] + _generated_kim(args)
    if not paths:
        raise ScenarioError("give Kim-format files, or --generate a number of stops")
    if args.time_limit <= 0:
        raise ScenarioError("--time-limit must be > 0")
    problems = [read_kim(path) for path in paths]
    engines = ["pyvrp", "ortools"] if args.engine == "both" else [args.engine]
    print("instance,stops,sites,vehicles,km,hours,feasible,seconds,engine", flush=True)
    feasible_plans = {engine: 0 for engine in engines}
    for problem in problems:
        for engine in engines:
            plan = solve(problem, engine, args.time_limit, args.seed)
            feasible = plan.status == "feasible" and not plan.dropped
            feasible_plans[engine] += feasible
            print(f"{problem.name},{len(problem.stops)},{len(problem.sites)},{plan.vehicles_used},{plan.km:.3f},"
                  f"{plan.hours:.3f},{str(feasible).lower()},{plan.seconds:.1f},{plan.engine}", flush=True)
            for violation in plan.violations[:5]:
                print(f"# {problem.name} ({plan.engine}): {violation}", file=sys.stderr)
    counts = ", ".join(f"{engine} {n}/{len(problems)}" for engine, n in feasible_plans.items())
    stops = sorted({len(problem.stops) for problem in problems})
    sizes = f"{stops[0]:,}" if len(stops) == 1 else f"{stops[0]:,}–{stops[-1]:,}"
    print(f"# wcvrptw: feasible plans (independent checker) {counts}; instances of {sizes} stops, "
          f"{args.time_limit:g} s each")
    return 0


def _generated_kim(args: argparse.Namespace) -> list[Path]:
    """Write the instances asked for by ``--generate`` and return their paths."""
    from wasteopt.config.writers import write_text
    from wasteopt.routing.kim import generate_kim

    if not args.generate:
        return []
    try:
        sizes = [int(size) for size in args.generate.split(",")]
    except ValueError:
        raise ScenarioError(f"--generate takes numbers of stops separated by commas, got {args.generate!r}") from None
    if min(sizes) < 1 or args.sites < 1:
        raise ScenarioError("--generate needs at least 1 stop and --sites at least 1 disposal site")
    folder = Path(args.generated_dir or tempfile.mkdtemp(prefix="kim_generated_"))
    paths = []
    for size in sizes:
        path = folder / f"kim_gen_{size}_stops_{args.sites}_sites_seed{args.seed}.txt"
        write_text(path, generate_kim(size, args.sites, args.seed))
        paths.append(path)
    print(f"# generated: {', '.join(map(str, paths))}", file=sys.stderr)
    return paths


def _route(args: argparse.Namespace) -> int:
    from wasteopt.routing.county import route_counties

    return route_counties(args)
