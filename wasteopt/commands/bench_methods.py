"""``wasteopt bench cflp-gen``, ``bench cflp --method`` and ``bench pmedian --method``: the methods side by side in
one run, same cores and limit, one CSV row per instance: Benders decomposition (``siting.bounds.benders``), the engine with
``bounds: auto`` and no search (HiGHS with the Lagrangean bound layer; from 20,000 arcs a plain CFLP goes to
Benders, ``siting.bounds.cflp``), our engine's default (``auto`` + the local search) and plain HiGHS on our
formulation (``bounds: off``, no search). For the p-median: the engine's default, the radius formulation
(``siting.radius``), and plain HiGHS on the classic formulation.

Each method's objective, proven bound, gap (objective vs its own bound) and seconds (from the parsed
instance, model building included); ``best_known`` is the published optimum if there is one, else the best
objective of the run, and ``<method>_above_pct`` how far each plan is above it. Generated instances
(Cornuéjols, Sridharan & Thizy 1991) are written as cap files first, so a row can be re-run from its file.
"""
from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TYPE_CHECKING, TextIO

from wasteopt.commands.arguments import COUNT, SECONDS
from wasteopt.config.errors import ScenarioError
from wasteopt.bench.instances import (CORNUEJOLS_RATIOS, cflp_problem, cornuejols_cflp, pmedian_problem, read_orlib_cap,
                                      write_orlib_cap)
from wasteopt.milp.result import relative_gap
from wasteopt.siting.pipeline import solve_problem
from wasteopt.siting.search import LocalSearch
from wasteopt.siting.bounds.benders import benders_cflp

if TYPE_CHECKING:  # for annotations only
    from wasteopt.bench.instances import CflpInstance

BENCH_REL_GAP = 1e-7          # as `bench cflp`: a proven value must match the optimum
GENERATED_SIZES = "100x1000"  # sites × customers; the sizes are 100x1000 and 200x2000
GENERATED_DIR = "bench/results/generated_cflp"


@dataclass(frozen=True)
class MethodOutcome:
    objective: float | None
    bound: float | None
    seconds: float

    @property
    def gap(self) -> float | None:
        return None if self.objective is None or self.bound is None else relative_gap(self.objective, self.bound)


def _engine(bounds: str, search: LocalSearch | None, problem=cflp_problem) -> Callable[[Any, float], MethodOutcome]:
    def solve(instance, time_limit: float) -> MethodOutcome:
        start = time.perf_counter()
        solution = solve_problem(problem(instance), time_limit=time_limit, rel_gap=BENCH_REL_GAP,
                                 search=search, bounds=bounds)
        result = solution.result
        bound = result.best_bound if result.has_solution else None
        return MethodOutcome(solution.objective, bound, time.perf_counter() - start)
    return solve


def _benders(instance: CflpInstance, time_limit: float) -> MethodOutcome:
    start = time.perf_counter()
    result = benders_cflp(instance.fixed_cost, instance.capacity, instance.demand, instance.cost,
                          time_limit=time_limit, rel_gap=BENCH_REL_GAP)
    return MethodOutcome(result.objective, result.bound, time.perf_counter() - start)


METHODS: dict[str, Callable[[CflpInstance, float], MethodOutcome]] = {
    "benders": _benders,
    "lagrange": _engine("auto", None),
    "engine": _engine("auto", LocalSearch()),
    "plain": _engine("off", None),
}
PMEDIAN_METHODS: dict[str, Callable[[tuple, float], MethodOutcome]] = {  # instance: (distances, p)
    "radius": _engine("auto", LocalSearch(), lambda instance: pmedian_problem(*instance)),
    "plain": _engine("off", None, lambda instance: pmedian_problem(*instance)),
}


def parse_methods(text: str, table: dict = METHODS) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in table]
    if unknown or not names:
        raise ScenarioError(f"--method takes a comma-separated list of {', '.join(table)} (got {text!r})")
    return names


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def compare_methods(cases: list[tuple[str, Callable[[], Any], float | None]], methods: tuple[str, ...], *,
                    time_limit: float, out: TextIO | None = None, table: dict = METHODS, family: str = "cflp") -> str:
    """Solve each (name, reader, published optimum or None) by every method of ``table`` in turn (interleaved);
    one CSV row each; the summary."""
    out = out or sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["instance", "best_known", "best_bound"]
                    + [f"{m}_{c}" for m in methods for c in ("objective", "bound", "gap_pct", "seconds", "above_pct")])
    out.flush()
    seconds = dict.fromkeys(methods, 0.0)
    within = dict.fromkeys(methods, 0)        # plans within 1e-4 of the best known
    proven = dict.fromkeys(methods, 0)        # gap ≤ 1e-4 by the method's own bound
    for name, read, optimum in cases:
        instance = read()
        outcomes = {m: table[m](instance, time_limit) for m in methods}
        objectives = [o.objective for o in outcomes.values() if o.objective is not None]
        best = optimum if optimum is not None else (min(objectives) if objectives else None)
        bounds = [o.bound for o in outcomes.values() if o.bound is not None]
        row = [name, _number(best, 3), _number(max(bounds) if bounds else None, 3)]
        for m, o in outcomes.items():
            above = None if o.objective is None or best is None else (o.objective - best) / abs(best)
            gap = o.gap
            above_pct = None if above is None else round(100 * above, 4) + 0.0  # + 0.0: no "-0.0000"
            row += [_number(o.objective, 3), _number(o.bound, 3), _number(None if gap is None else 100 * gap, 4),
                    f"{o.seconds:.2f}", _number(above_pct, 4)]
            seconds[m] += o.seconds
            within[m] += above is not None and above <= 1e-4
            proven[m] += gap is not None and gap <= 1e-4
        writer.writerow(row)
        out.flush()
    n = len(cases)
    parts = [f"{m} {seconds[m]:.1f} s, proven {proven[m]}/{n}, at best known {within[m]}/{n}" for m in methods]
    summary = f"# {family} methods: {'; '.join(parts)}"
    if "benders" in methods and len(methods) > 1 and seconds["benders"] > 0:
        summary += "; seconds ratios " + ", ".join(f"{m}/benders {seconds[m] / seconds['benders']:.2f}"
                                                   for m in methods if m != "benders")
    return summary + f" [limit {time_limit:g} s per instance and method]"


def generated_cases(sizes: str, ratios: str, seeds: int, folder: Path):
    """Write each generated instance as a cap file in ``folder`` (kept if already there) and list the cases."""
    cases = []
    try:
        shapes = [tuple(int(v) for v in size.lower().split("x")) for size in sizes.split(",") if size.strip()]
        ratio_values = [float(r) for r in ratios.split(",") if r.strip()]
    except ValueError:
        raise ScenarioError(f"--sizes is like 100x1000,200x2000 and --ratios like 3,5,10 "
                            f"(got {sizes!r}, {ratios!r})") from None
    if any(len(shape) != 2 for shape in shapes) or not shapes or not ratio_values:
        raise ScenarioError(f"--sizes is like 100x1000,200x2000 (got {sizes!r})")
    for sites, customers in shapes:
        for ratio in ratio_values:
            for seed in range(1, seeds + 1):
                name = f"cj{sites}x{customers}r{ratio:g}s{seed}"
                path = write_orlib_cap(cornuejols_cflp(sites, customers, ratio, seed), folder / f"{name}.txt")
                cases.append((name, lambda path=path: read_orlib_cap(path), None))
    return cases


def _bench_generated(args) -> int:
    methods = parse_methods(args.method)
    cases = generated_cases(args.sizes, args.ratios, args.seeds, Path(args.dir))
    print(compare_methods(cases, methods, time_limit=args.time_limit), file=sys.stderr)
    return 0


def bench_public(cases, methods_text: str, time_limit: float, family: str = "cflp",
                 read: Callable[[Any], Any] | None = None) -> int:
    """``bench cflp|pmedian --method``: the OR-Library cases (bench.Case) by each method, against their optima;
    ``read`` gives a case's instance (default: its cap file)."""
    table = PMEDIAN_METHODS if family == "pmedian" else METHODS
    methods = parse_methods(methods_text, table)
    read = read or (lambda c: read_orlib_cap(c.path, c.parameter))
    rows = [(c.instance, lambda c=c: read(c), c.optimum) for c in cases]
    print(compare_methods(rows, methods, time_limit=time_limit, table=table, family=family), file=sys.stderr)
    return 0


def register(commands, bench_commands) -> None:
    command = bench_commands.add_parser(
        "cflp-gen", help="generated CFLPs (Cornuéjols, Sridharan & Thizy 1991): Benders vs Lagrange vs plain HiGHS")
    command.add_argument("--sizes", default=GENERATED_SIZES,
                         help=f"sites x customers, comma-separated (default {GENERATED_SIZES})")
    command.add_argument("--ratios", default=",".join(f"{r:g}" for r in CORNUEJOLS_RATIOS),
                         help="total capacity / total demand, comma-separated (default 3,5,10)")
    command.add_argument("--seeds", type=COUNT, default=1, help="seeds 1..N per size and ratio (default 1)")
    command.add_argument("--dir", default=GENERATED_DIR, help=f"folder for the cap files (default {GENERATED_DIR})")
    command.add_argument("--method", default="benders,lagrange,plain",
                         help=f"comma-separated, of {', '.join(METHODS)} (default benders,lagrange,plain)")
    command.add_argument("--time-limit", type=SECONDS, default=30.0,
                         help="seconds per instance and method (default 30)")
    command.set_defaults(func=_bench_generated)

