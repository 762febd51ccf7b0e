"""``wasteopt bench cflp | pmedian | all``: our siting engine against published optima and
the textbook dense PuLP+CBC models, instance by instance, one CSV row each.

Seconds are wall time from the parsed instance to the solution, model building included,
for every solve alike. ``optimal`` means the solver's own bound proves a gap ≤ 1e-4 (the rule
of every solve here) AND the value matches the published optimum. With ``--baseline`` each
row also holds our formulation on CBC with one thread and no search, so the ratios separate
the formulation (dense vs ours, both CBC, one thread) from the solver, search and cores
(ours on CBC vs ours).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TYPE_CHECKING, TextIO

from wasteopt.bench.baselines import solve_cflp_dense, solve_pmedian_dense, solve_pmedian_spopt
from wasteopt.commands.arguments import SECONDS
from wasteopt.commands.bench_check import PROBE_FILE, QUICK_PREFIX, probe_seconds
from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.bench.instances import cflp_problem, pmedian_problem, read_orlib_cap, read_orlib_pmed
from wasteopt.config.status import MilpStatus
from wasteopt.siting.pipeline import solve_problem
from wasteopt.siting.search import LocalSearch

if TYPE_CHECKING:  # for annotations only
    from wasteopt.bench.baselines import BaselineResult
    from wasteopt.siting.problem import SitingProblem

MISMATCH = "mismatch"        # the solver finished, but its value differs from the published optimum
OPTIMUM_ABS_TOL = 1e-3       # capopt rounds to 3 decimals
OPTIMUM_REL_TOL = 1e-6
BENCH_REL_GAP = 1e-7         # proven gap below OPTIMUM_REL_TOL, so a proven value must match
COLUMNS = ("instance", "objective", "optimum", "gap_pct", "seconds", "status")
BASELINE_COLUMNS = ("cbc_objective", "cbc_gap_pct", "cbc_seconds", "cbc_status",  # our formulation, CBC, 1 thread
                    "baseline_objective", "baseline_gap_pct", "baseline_seconds", "baseline_status")

# `bench all`: a small routing subset with short limits, so `make bench` can be re-run after every change
# that may move performance (the full routing suites are their own commands).
ALL_SITING_SECONDS = 30.0
ALL_CVRP_INSTANCES = "A-n32-k5,A-n33-k5,B-n31-k5,E-n22-k4,F-n45-k4,M-n101-k10,P-n16-k8"  # each given set
ALL_CVRP_SECONDS = 5.0
ALL_WCVRPTW_SECONDS = 10.0
ALL_WCVRPTW_GENERATED = (1000, 3)  # stops, disposal sites of a generated Kim-format instance
ALL_WCVRPTW_GENERATED_SECONDS = 120.0
ALL_SCALE_SIZES = ((157, 157), (2500, 500), (10000, 1000))  # township nodes × candidate sites
ALL_SCALE_SECONDS = 60.0
# `bench all --quick`: a subset for every `make test` (about two minutes on two cores), checked against its own
# recorded rows (suites quick_*): cases that finish far below their limits, and the township scale instance.
QUICK_CFLP = "cap41,cap71,cap101,cap131"
QUICK_PMEDIAN = "pmed1,pmed2,pmed7"
QUICK_SITING_SECONDS = 60.0  # far above the few seconds they take, so a loaded machine still finishes them
QUICK_CVRP_INSTANCES = "E-n22-k4,P-n16-k8"  # both engines at the BKS in 2 s at load 8 on 2 cores
QUICK_CVRP_SECONDS = 2.0
QUICK_SCALE_SIZES = ((2500, 500),)
QUICK_SCALE_SECONDS = 30.0
ROADS_JUNCTIONS, ROADS_POINTS, ROADS_MAX_KM = 1_000_000, 500, 150.0  # a Henan-sized road graph


@dataclass(frozen=True)
class Case:
    """One benchmark row: ``parameter`` is the capacity filler (cflp) or p (pmedian); None = the file's own."""

    instance: str
    path: Path
    parameter: float | None
    optimum: float


@dataclass(frozen=True)
class Outcome:
    objective: float | None
    seconds: float
    status: str

    def fields(self, optimum: float) -> list[str]:
        """objective, gap_pct, seconds, status as CSV text (empty when there is no value)."""
        if self.objective is None:
            return ["", "", f"{self.seconds:.2f}", self.status]
        gap = round(100.0 * (self.objective - optimum) / optimum, 6) + 0.0  # + 0.0: no "-0.000000"
        return [f"{self.objective:.3f}", f"{gap:.6f}", f"{self.seconds:.2f}", self.status]


@dataclass(frozen=True)
class Suite:
    """How to read and solve one family of instances."""

    name: str
    parameter_column: str
    problem: Callable[[Case], SitingProblem]
    solve_baseline: Callable[[Case, float], Outcome]
    peers: tuple[tuple[str, Callable[[Case, float], Outcome]], ...] = ()  # what else a user would run, on HiGHS

    def solve_ours(self, case: Case, time_limit: float, backend: str, *, search: LocalSearch | None = LocalSearch(),
                   threads: int = 0) -> Outcome:
        start = time.perf_counter()
        solution = solve_problem(self.problem(case), backend=backend, time_limit=time_limit, rel_gap=BENCH_REL_GAP,
                                 threads=threads, search=search)
        seconds = time.perf_counter() - start
        return Outcome(solution.objective, seconds, _judged(solution.result.status, solution.objective, case.optimum))

    def solve_like_for_like(self, case: Case, time_limit: float) -> Outcome:
        """Our formulation as the baseline is solved: CBC, one thread, no search."""
        return self.solve_ours(case, time_limit, "cbc", search=None, threads=1)


def matches_optimum(objective: float | None, optimum: float) -> bool:
    return objective is not None and abs(objective - optimum) <= OPTIMUM_ABS_TOL + OPTIMUM_REL_TOL * abs(optimum)


def read_optima(path: str | Path, parameter_column: str) -> list[Case]:
    """Rows of an optima CSV (``instance,file,<parameter_column>,optimal_value``); ``file`` is relative to the CSV."""
    path = Path(path)
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"cannot read optima CSV {path}: {error}") from None
    required = ("instance", "file", parameter_column, "optimal_value")
    missing = [c for c in required if not rows or c not in rows[0]]
    if missing:
        raise DataError(f"{path}: no rows or missing columns {', '.join(missing)} (need {','.join(required)})")
    cases = []
    for line, row in enumerate(rows, start=2):
        try:
            parameter = float(row[parameter_column]) if (row[parameter_column] or "").strip() else None
            cases.append(Case(row["instance"], path.parent / row["file"], parameter, float(row["optimal_value"])))
        except (TypeError, ValueError):
            raise DataError(f"{path} line {line}: {parameter_column} and optimal_value must be numbers") from None
    return cases


def select(cases: list[Case], only: str | None) -> list[Case]:
    """The cases named in the comma-separated ``only`` (all when None), in CSV order."""
    if not only:
        return cases
    wanted = {name.strip() for name in only.split(",") if name.strip()}
    unknown = wanted - {case.instance for case in cases}
    if unknown:
        raise DataError(f"--only names instances not in the CSV: {', '.join(sorted(unknown))}")
    return [case for case in cases if case.instance in wanted]


def _judged(status: str, objective: float | None, optimum: float) -> str:
    """The solver's own status, except that a proven optimum off the published value is a mismatch."""
    if status == MilpStatus.OPTIMAL and not matches_optimum(objective, optimum):
        return MISMATCH
    return status


def _baseline_outcome(result: BaselineResult, optimum: float) -> Outcome:
    """Judged as ours: CBC's proven bound (PuLP's status word is ignored) and the published value."""
    return Outcome(result.objective, result.seconds, _judged(result.status, result.objective, optimum))


def _cflp_problem(case: Case) -> SitingProblem:
    return cflp_problem(read_orlib_cap(case.path, case.parameter))


def _cflp_baseline(case: Case, time_limit: float) -> Outcome:
    return _baseline_outcome(solve_cflp_dense(read_orlib_cap(case.path, case.parameter), time_limit), case.optimum)


def _pmedian_data(case: Case):
    distances, file_p = read_orlib_pmed(case.path)
    p = file_p if case.parameter is None else int(case.parameter)
    if not 1 <= p <= distances.shape[0]:
        raise DataError(f"{case.instance}: p = {p} is not between 1 and the {distances.shape[0]} vertices")
    return distances, p


def _pmedian_problem(case: Case) -> SitingProblem:
    return pmedian_problem(*_pmedian_data(case))


def _pmedian_baseline(case: Case, time_limit: float) -> Outcome:
    distances, p = _pmedian_data(case)
    return _baseline_outcome(solve_pmedian_dense(distances, p, time_limit), case.optimum)


def _pmedian_classic(case: Case, time_limit: float) -> Outcome:
    """Plain HiGHS on our classic formulation (no search, so no radius formulation either)."""
    return PMEDIAN.solve_ours(case, time_limit, "highs", search=None)


def _pmedian_dense_highs(case: Case, time_limit: float) -> Outcome:
    distances, p = _pmedian_data(case)
    return _baseline_outcome(solve_pmedian_dense(distances, p, time_limit, solver="highs", rel_gap=BENCH_REL_GAP),
                             case.optimum)


def _pmedian_spopt(case: Case, time_limit: float) -> Outcome:
    distances, p = _pmedian_data(case)
    return _baseline_outcome(solve_pmedian_spopt(distances, p, time_limit, rel_gap=BENCH_REL_GAP), case.optimum)


CFLP = Suite("cflp", "capacity", _cflp_problem, _cflp_baseline)
PMEDIAN = Suite("pmedian", "p", _pmedian_problem, _pmedian_baseline,
                peers=(("classic", _pmedian_classic), ("dense_highs", _pmedian_dense_highs), ("spopt", _pmedian_spopt)))


def run_suite(suite: Suite, cases: list[Case], *, time_limit: float, backend: str = "highs",
              baseline: bool = False, peers: bool = False, out: TextIO | None = None) -> str:
    """Solve every case, write one CSV row each to ``out`` (stdout), return the summary line."""
    out = out or sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    peer_names = [name for name, _ in suite.peers] if peers else []
    peer_columns = tuple(f"{name}_{field}" for name in peer_names for field in ("objective", "gap_pct", "seconds", "status"))
    writer.writerow(COLUMNS + (BASELINE_COLUMNS if baseline else ()) + peer_columns)
    out.flush()
    solved = dict.fromkeys(["ours", "cbc", "dense", *peer_names], 0)
    seconds = dict.fromkeys(["ours", "cbc", "dense", *peer_names], 0.0)
    for case in cases:
        outcomes = {"ours": suite.solve_ours(case, time_limit, backend)}
        if baseline:
            outcomes["cbc"] = suite.solve_like_for_like(case, time_limit)
            outcomes["dense"] = suite.solve_baseline(case, time_limit)
        for name, solve in suite.peers if peers else ():
            outcomes[name] = solve(case, time_limit)
        objective, *rest = outcomes["ours"].fields(case.optimum)
        row = [case.instance, objective, f"{case.optimum:.3f}", *rest]
        for name, outcome in outcomes.items():
            row += outcome.fields(case.optimum) if name != "ours" else []
            solved[name] += outcome.status == MilpStatus.OPTIMAL
            seconds[name] += outcome.seconds
        writer.writerow(row)
        out.flush()
    n = len(cases)

    def ratio(a: str, b: str) -> str:
        return f"{seconds[a] / seconds[b]:.2f}" if seconds[b] > 0 else "nan"

    summary = f"# {suite.name}: solved to optimum {solved['ours']}/{n}, ours {seconds['ours']:.1f} s"
    if baseline:
        summary += (f"; our formulation on CBC, 1 thread, no search {seconds['cbc']:.1f} s (solved {solved['cbc']}/{n});"
                    f" dense PuLP+CBC {seconds['dense']:.1f} s (solved {solved['dense']}/{n});"
                    f" ratios: formulation (dense/ours on CBC) {ratio('dense', 'cbc')},"
                    f" solver+search+cores (ours on CBC/ours) {ratio('cbc', 'ours')},"
                    f" all (dense/ours) {ratio('dense', 'ours')}")
    if peer_names:
        summary += "; peers on HiGHS, same cores and limit (seconds, solved, time ratio peer/ours): " + ", ".join(
            f"{name} {seconds[name]:.1f} s ({solved[name]}/{n}, {ratio(name, 'ours')})" for name in peer_names)
    return summary + f" [ours: {backend}, limit {time_limit:g} s per instance and solve]"


def _check_limits(args: argparse.Namespace) -> None:
    if args.time_limit <= 0:
        raise ScenarioError("--time-limit must be > 0")


def _bench_suite(suite: Suite, args: argparse.Namespace) -> int:
    _check_limits(args)
    cases = select(read_optima(args.optima, suite.parameter_column), args.only)
    if getattr(args, "method", None):
        from wasteopt.commands.bench_methods import bench_public
        return bench_public(cases, args.method, args.time_limit, suite.name,
                            _pmedian_data if suite is PMEDIAN else None)
    summary = run_suite(suite, cases, time_limit=args.time_limit, backend=args.backend, baseline=args.baseline,
                        peers=getattr(args, "peers", False))
    print(summary, file=sys.stderr)
    return 0


class _Tee(io.TextIOBase):
    """Write to several text streams at once (the terminal and a results file)."""

    def __init__(self, *streams: TextIO):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def _saved(results: Path, name: str, run: Callable[[], object], probes: dict[str, float]):
    """Run ``run`` with its stdout also written to ``results/<name>.csv``; ``probes[name]`` is the mean
    :func:`probe_seconds` just before and after it (how loaded the machine was)."""
    before = probe_seconds()
    with (results / f"{name}.csv").open("w") as handle, contextlib.redirect_stdout(_Tee(sys.stdout, handle)):
        outcome = run()
    probes[name] = round((before + probe_seconds()) / 2, 4)
    return outcome


def _bench_all(args: argparse.Namespace) -> int:
    from wasteopt.commands.bench_report import current_commit, record, run_check
    from wasteopt.commands import routing as routing_commands

    _check_limits(args)
    data = Path(args.bench_dir) / "data"
    default_results = Path(args.bench_dir) / "results"
    results = Path(args.results) if args.results else default_results / ("quick" if args.quick else "")
    results.mkdir(parents=True, exist_ok=True)
    prefix = QUICK_PREFIX if args.quick else ""
    probes: dict[str, float] = {}
    summaries = []
    siting_seconds = QUICK_SITING_SECONDS if args.quick else args.time_limit
    for suite, optima, only in ((CFLP, data / "orlib_cap" / "optima.csv", QUICK_CFLP),
                                (PMEDIAN, data / "orlib_pmed" / "optima.csv", QUICK_PMEDIAN)):
        cases = select(read_optima(optima, suite.parameter_column), only if args.quick else None)
        summary = _saved(results, prefix + suite.name, lambda: run_suite(
            suite, cases, time_limit=siting_seconds, backend=args.backend, baseline=not args.quick), probes)
        print(summary, file=sys.stderr)
        summaries.append(summary)
    parser = argparse.ArgumentParser(prog="wasteopt bench")  # the routing suites, as their own module registers them
    routing_commands.register(argparse.ArgumentParser().add_subparsers(), parser.add_subparsers())
    cvrp = ["cvrp", "--bks", str(data / "cvrplib" / "bks.csv"), "--jobs", "2"]
    if args.quick:
        routing = {"cvrp": [*cvrp, "--only", QUICK_CVRP_INSTANCES, "--time-limit", str(QUICK_CVRP_SECONDS)]}
    else:
        routing = {
            "cvrp": [*cvrp, "--only", ALL_CVRP_INSTANCES, "--time-limit", str(ALL_CVRP_SECONDS)],
            "wcvrptw": ["wcvrptw", *map(str, sorted((data / "wcvrptw_kim2006").glob("*.txt"))),
                        "--time-limit", str(ALL_WCVRPTW_SECONDS), "--engine", "both"],
            "wcvrptw_generated": ["wcvrptw", "--generate", str(ALL_WCVRPTW_GENERATED[0]),
                                  "--sites", str(ALL_WCVRPTW_GENERATED[1]), "--generated-dir", str(results / "generated"),
                                  "--time-limit", str(ALL_WCVRPTW_GENERATED_SECONDS), "--engine", "both"],
        }
    for name, argv in routing.items():
        routing_args = parser.parse_args(argv)
        _saved(results, prefix + name, lambda: routing_args.func(routing_args), probes)
    if args.quick:
        summaries.append(_saved(results, prefix + "scale", lambda: _scale_curve(QUICK_SCALE_SIZES, QUICK_SCALE_SECONDS),
                                probes))
    else:
        summaries.append(_saved(results, "scale", lambda: _scale_curve(ALL_SCALE_SIZES, ALL_SCALE_SECONDS), probes))
        summaries.append(_saved(results, "roads", _roads_row, probes))
    (results / "summary.txt").write_text("\n".join(summaries) + "\n")
    (results / PROBE_FILE).write_text(json.dumps(probes) + "\n")
    print("\n".join(["# summary (CSV files in " + str(results) + ")"] + summaries), file=sys.stderr)
    history = default_results / "history.csv"
    if args.check and (code := run_check(results, history)):
        return code  # a regression is recorded only on purpose, by --record without --check
    if args.record:
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        record(results, current_commit(Path.cwd()), date, note="bench all --quick" if args.quick else "make bench",
               history=history)
        print(f"recorded in {history}", file=sys.stderr)
    return 0


def _scale_curve(sizes: tuple[tuple[int, int], ...], seconds: float) -> str:
    """The township scaling curve, one fresh process per size so each peak memory is its own."""
    from wasteopt.commands.bench_scale import SCALE_COLUMNS, SCALE_CONFIG, scale_row

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(SCALE_COLUMNS)
    sys.stdout.flush()
    outcomes = []
    for nodes, sites in sizes:
        row = scale_row(SCALE_CONFIG, nodes, sites, time_limit=seconds)
        writer.writerow(["" if row[c] is None else row[c] for c in SCALE_COLUMNS])
        sys.stdout.flush()
        outcomes.append(f"{nodes}×{sites} " + ("no plan" if row["gap"] is None else f"gap {100 * row['gap']:.2f} %"))
    return f"# scale: {', '.join(outcomes)} (township instances, limit {seconds:g} s each)"


def _roads_row() -> str:
    """The road OD build on a generated grid of a million junctions with 500 points (``wasteopt bench roads``)."""
    from wasteopt.bench.roads import bench_roads

    row = bench_roads(ROADS_JUNCTIONS, ROADS_POINTS, ROADS_MAX_KM, seed=0)
    print(",".join(row))
    print(",".join(str(value) for value in row.values()))
    return (f"# roads: {row['junctions']:,} junctions, {row['points']} points, {row['total_s']} s, "
            f"peak {row['peak_mb']:,} MB")


def register(commands, bench_commands) -> None:
    for suite, csv_help in ((CFLP, "instance,file,capacity,optimal_value (empty capacity: the file's numbers)"),
                            (PMEDIAN, "instance,file,p,optimal_value")):
        command = bench_commands.add_parser(
            suite.name, help=f"OR-Library {'cap*' if suite is CFLP else 'pmed*'} files vs published optima")
        command.add_argument("--optima", required=True, help=f"CSV with columns {csv_help}; file relative to it")
        command.add_argument("--time-limit", type=SECONDS, default=60.0, help="seconds per instance and solver (default 60)")
        command.add_argument("--backend", default="highs", choices=["highs", "cbc"], help="our engine's solver")
        command.add_argument("--only", help="comma-separated instance names")
        command.add_argument("--baseline", action="store_true",
                             help="also solve our formulation on CBC (1 thread, no search) and the dense textbook PuLP+CBC "
                                  "model, and print the time ratios")
        if suite.peers:
            command.add_argument("--peers", action="store_true",
                                 help="also solve with " + ", ".join(name for name, _ in suite.peers)
                                      + " (HiGHS, same cores and limit; spopt needs the bench extra) and print the ratios")
        if suite is CFLP:
            command.add_argument("--method", help="instead: these methods side by side (comma-separated, of benders, "
                                                  "lagrange, engine, plain; see `bench cflp-gen`)")
        else:
            command.add_argument("--method", help="instead: these methods side by side, interleaved per instance "
                                                  "(comma-separated, of radius (the engine's default), plain (HiGHS "
                                                  "on the classic formulation))")
        command.set_defaults(func=lambda args, suite=suite: _bench_suite(suite, args))
    every = bench_commands.add_parser("all", help="cflp and pmedian with baselines, a small routing subset, the scale curve, "
                                                   "the road OD build (with --quick: the subset make test runs)")
    every.add_argument("--time-limit", type=SECONDS, default=ALL_SITING_SECONDS,
                       help=f"seconds per siting instance and solver (default {ALL_SITING_SECONDS:g})")
    every.add_argument("--backend", default="highs", choices=["highs", "cbc"], help="our engine's solver")
    every.add_argument("--bench-dir", default="bench", help="folder holding data/ and results/ (default: bench)")
    every.add_argument("--quick", action="store_true",
                       help=f"only {QUICK_CFLP} and {QUICK_PMEDIAN} ({QUICK_SITING_SECONDS:g} s each, no baselines), "
                            f"CVRP {QUICK_CVRP_INSTANCES} ({QUICK_CVRP_SECONDS:g} s) and the 2,500 × 500 township "
                            f"instance ({QUICK_SCALE_SECONDS:g} s): about two minutes; results in results/quick/, "
                            f"suites named quick_*")
    every.add_argument("--results", help="folder for the result CSVs (default: results/, or results/quick/ with --quick)")
    every.add_argument("--check", action="store_true",
                       help="then compare with the last recorded rows in results/history.csv and exit 1 on a regression "
                            "(see `wasteopt bench report --help` for the thresholds)")
    every.add_argument("--record", action="store_true",
                       help="then append the results to results/history.csv with the current commit (after --check "
                            "only if it passed)")
    every.set_defaults(func=_bench_all)
