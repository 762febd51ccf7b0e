"""``wasteopt solve``: scenario YAML → optimal siting plan, KPI table and plan files; ``runs`` and ``compare``."""
from __future__ import annotations

import math
import sys
import time
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.commands.arguments import COUNT, GAP, SECONDS
from wasteopt.reporting.compare import BEYOND_TOLERANCE, COST_KEY, WITHIN_TOLERANCE, cost_delta, delta_and_goals_frame, delta_frame
from wasteopt.config.errors import RunNotFoundError
from wasteopt.config.writers import write_csv
from wasteopt.reporting.kpi import comparison_frame, format_kpi, kpi_text
from wasteopt.milp.highs import SolveWatch
from wasteopt.runs.pipeline import run_scenario
from wasteopt.runs.folder import RunFolder, load_base_run
from wasteopt.runs.folder.layout import OWNER_MARKER, RUN_MARKER
from wasteopt.runs.folder.staging import check_output_file, check_output_folder
from wasteopt.runs.registry import DEFAULT_REGISTRY, RunRegistry
from wasteopt.config.loader import load_scenario
from wasteopt.config.changes import scenario_changes
from wasteopt.config.userfiles import printable, shown

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.highs import Progress


def register(commands, bench_commands) -> None:
    solve = commands.add_parser("solve", help="solve a scenario's siting MILP and write the plan")
    solve.add_argument("config", help="scenario YAML, e.g. configs/henan-2025-zero-landfill.yaml")
    solve.add_argument("--out", required=True, help="run folder for plan.gpkg, CSVs, XLSX and kpis.json: new, empty, "
                       f"or a run folder wasteopt wrote (it has {OWNER_MARKER})")
    solve.add_argument("--backend", choices=["highs", "cbc"], help="MILP solver (default: the scenario's)")
    solve.add_argument("--time-limit", type=SECONDS, metavar="S", help="seconds for the MILP solver, at most 86,400 "
                       "(default: the scenario's); reading the data and building the model come first and are not "
                       "counted (the set-up time is printed after the solve)")
    solve.add_argument("--gap", type=GAP, metavar="G", help="relative MIP gap to stop at, e.g. 0.001")
    solve.add_argument("--force", action="store_true", help="replace a run already in --out (never other files)")
    solve.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    solve.add_argument("--warm-start", metavar="RUN", help="start from this run's plan (run id or folder): its build "
                       "decisions, repaired for this scenario, are HiGHS's first plan; the run's title lists the changes")
    solve.add_argument("--no-progress", action="store_true", help="no progress line (elapsed, best plan, bound, gap)")
    solve.add_argument("--name", default="", metavar="LABEL", help="the run's label in runs lists and comparisons")
    solve.add_argument("--note", default="", help="a note kept with the run")
    solve.set_defaults(func=run_solve)

    runs = commands.add_parser("runs", help="list the solves recorded in the run registry")
    runs.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    runs.add_argument("--limit", type=COUNT, default=50)
    runs.set_defaults(func=run_list)

    compare = commands.add_parser("compare", help="KPIs and goals of runs side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run id (see `wasteopt runs`) or run folder")
    compare.add_argument("--base", metavar="RUN", help="the run the others are compared with (default: the first)")
    compare.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    compare.add_argument("--out", metavar="CSV", help="also write the table (raw values) to this CSV")
    compare.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    compare.set_defaults(func=run_compare)


def run_solve(args) -> int:
    scenario = load_scenario(args.config)
    registry = RunRegistry(args.registry)
    base = load_base_run(args.warm_start, registry) if args.warm_start else None
    check_output_folder(args.out, "run", args.force)  # a refused --out says so before "solving"
    line = ProgressLine(sys.stderr, _objective_unit(scenario))
    line.note(f"solving {shown(args.config)}{f' from run {printable(base.run_id)}' if base else ''} …")
    if args.no_progress:
        line = None
    started = time.perf_counter()
    try:
        outcome = run_scenario(scenario, args.out, registry=registry, source="cli", force=args.force,
                               backend=args.backend, time_limit=args.time_limit, rel_gap=args.gap, warm_start=base,
                               watch=line and SolveWatch(line.show, on_note=line.note), label=args.name,
                               note=args.note,
                               changes=scenario_changes(base.scenario, scenario) if base else [])
    finally:
        if line:
            line.close()
    plan, files, record = outcome.plan, outcome.files, outcome.record
    _say(kpi_text(outcome.kpis))
    solver_s = plan.solve_seconds or 0.0
    print(f"\ntime: set-up {time.perf_counter() - started - solver_s:,.1f} s (data, distances, model and files: not "
          f"in the time limit) + solver {solver_s:,.1f} s (limit {args.time_limit or scenario.solver.time_limit_s:g} s)")
    if plan.status != "optimal":
        gap = outcome.kpis.get("gap", plan.gap)  # the figure the KPI table shows, rounded as there
        gaps = f"proven gap {100 * (gap or 0):.3f} % (asked for {100 * (plan.rel_gap or 0):.3f} %)"
        said = {"gap_reached": f"stopped at the gap asked for, {gaps}",
                "time_limit": f"stopped by the time limit with the best plan found, {gaps}",
                "ended_early": f"the method ended before the time limit with the best plan found, {gaps}"}
        print(f"\nNOTE: status '{plan.status}': {said.get(plan.status, gaps)}.")
        if plan.message:
            _say(f"solver: {plan.message}")
    _say(f"\nplan written to {files['gpkg'].parent}/ ({', '.join(p.name for p in files.values())}); run {record.run_id}")
    return 0


def _objective_unit(scenario) -> tuple[float, str]:
    """(divisor, unit) of the objective as the progress line shows it."""
    if scenario.objective.kind != "min_cost":
        return 1.0, f"({scenario.objective.kind})"
    return 1e4, "万元 (present value)" if scenario.phasing.years else "万元/yr"


class ProgressLine:
    """One line on ``stream`` for a running solve: elapsed, best plan, bound, gap. On a terminal it is redrawn
    in place; into a file or pipe a line is written at each better plan and every ``every_s`` seconds. A stream
    that fails (its reader went away, it was closed) ends the line, never the solve."""

    def __init__(self, stream, unit: tuple[float, str], every_s: float = 5.0):
        self.stream, (self.divisor, self.unit), self.every_s = stream, unit, every_s
        try:
            self.in_place = stream.isatty()
        except (ValueError, OSError):  # closed
            self.in_place, self.stream = False, None
        self.last_best, self.last_shown, self.drawn = None, -math.inf, False

    def text(self, progress: Progress) -> str:
        def money(value):
            return "–" if value is None else f"{value / self.divisor:,.0f}"
        gap = "–" if progress.gap is None else f"{100 * progress.gap:.2f} %"
        return (f"{progress.seconds:6.1f} s  最好方案 best {money(progress.best)}  界 bound {money(progress.bound)} "
                f"{self.unit}  差距 gap {gap}")

    def show(self, progress: Progress) -> None:
        better = progress.best is not None and progress.best != self.last_best
        if not self.in_place and not better and progress.seconds - self.last_shown < self.every_s:
            return
        self.last_best, self.last_shown, self.drawn = progress.best, progress.seconds, True
        end = "" if self.in_place else "\n"
        self._write(("\r\033[K" if self.in_place else "") + self.text(progress) + end)

    def note(self, text: str) -> None:
        """A line of its own (what is being solved); on a terminal it replaces the progress line drawn there."""
        self._write(("\r\033[K" if self.in_place and self.drawn else "") + text + "\n")

    def close(self) -> None:
        if self.in_place and self.drawn:
            self._write("\n")

    def _write(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: no more progress, the solve goes on
            self.stream = None


def run_list(args) -> int:
    frame = RunRegistry(args.registry).list(args.limit)
    if frame.empty:
        print(f"no runs recorded in {shown(args.registry)}")
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        shown_frame = frame.drop(columns=["scenario_hash"]).map(lambda v: printable(v) if isinstance(v, str) else v)
        print(shown_frame.to_string(index=False))
    return 0


def run_compare(args) -> int:
    if args.out:
        check_output_file(args.out, args.force, example="compare.csv")
    registry = RunRegistry(args.registry)
    kpis_by_run, titles = {}, {}
    for run in [*args.runs, *([args.base] if args.base and args.base not in args.runs else [])]:
        folder = RunFolder(run)
        if folder.is_complete:
            name = run if folder.path.name in kpis_by_run or not folder.path.name else folder.path.name
            kpis_by_run[name] = folder.kpis()
            recorded = registry.get(folder.run_id) if folder.run_id else None
            titles[name] = recorded.title() if recorded else kpis_by_run[name].get("scenario", "")
        elif (record := registry.get(run)) is not None:
            kpis_by_run[run], titles[run] = record.kpis, record.title()
        else:
            raise RunNotFoundError(f"run '{run}' is neither a run folder (with {RUN_MARKER}) nor a run id in "
                                   f"{args.registry} (see `wasteopt runs`)")
    base = _base_name(args.base, kpis_by_run) if args.base else next(iter(kpis_by_run))
    kpis_by_run = {base: kpis_by_run[base], **{run: kpis for run, kpis in kpis_by_run.items() if run != base}}
    frame = delta_frame(kpis_by_run, base)
    for run in kpis_by_run:
        _say(f"{run}{' (基准 base)' if run == base else ''}: {titles[run]}")
    print(_aligned(_shown_deltas(frame, kpis_by_run, base)))
    goals = comparison_frame(kpis_by_run)
    goals = goals[goals["kpi"].str.startswith("goal ")]
    if len(goals):
        print()
        print(_aligned(goals.drop(columns=["kpi", "unit"]).rename(columns={"label": "goal 目标"})))
    print()
    for run in list(kpis_by_run)[1:]:
        if (delta := cost_delta(kpis_by_run[base], kpis_by_run[run])) is not None:
            verdict = WITHIN_TOLERANCE if delta.within_tolerance else BEYOND_TOLERANCE
            _say(f"{run} − {base}: 系统成本 system cost {delta.absolute:+,.0f} 万元/yr: {verdict} "
                  f"(the optima's difference lies in {delta.interval_text()} 万元/yr, from the two proven gaps)")
    if args.out:
        write_csv(args.out, delta_and_goals_frame(kpis_by_run, base))
        print(f"\ntable written to {shown(args.out)}")
    return 0


def _say(text: str) -> None:
    """Print ``text`` line by line with control characters escaped: run names, titles and notes are user text."""
    print("\n".join(printable(line) for line in text.split("\n")))


def _base_name(base: str, kpis_by_run: dict) -> str:
    """The key under which ``--base`` was loaded (a folder is keyed by its name)."""
    return base if base in kpis_by_run else Path(base).name


def _shown_deltas(frame: pd.DataFrame, kpis_by_run: dict[str, dict], base: str) -> pd.DataFrame:
    """The delta frame as text: values formatted like the KPI table, Δ signed, the cost Δ % replaced by
    the tolerance notice where the two gaps cannot separate the costs."""
    rows = frame[frame["kpi"] != "cost_within_solver_tolerance"]
    verdicts = frame.set_index("kpi").loc["cost_within_solver_tolerance"]
    shown = pd.DataFrame({"KPI": [f"{label} ({unit})" if unit else label for label, unit in zip(rows["label"], rows["unit"])]})
    for run, kpis in kpis_by_run.items():
        heading = f"{run} (base)" if run == base else run
        shown[heading] = [format_kpi(key, value, kpis) for key, value in zip(rows["kpi"], rows[run])]
        if run == base:
            continue
        shown[f"Δ {run}"] = [_signed(key, value) for key, value in zip(rows["kpi"], rows[f"{run} Δ"])]
        shown[f"Δ % {run}"] = [WITHIN_TOLERANCE if key == COST_KEY and verdicts[run] else
                               ("–" if value is None or pd.isna(value) else f"{value:+.2f} %")
                               for key, value in zip(rows["kpi"], rows[f"{run} Δ %"])]
    return shown


def _signed(key: str, value) -> str:
    if value is None or pd.isna(value):
        return "–"
    if key == "mean_utilisation":
        return f"{100 * value:+.2f} pp"
    return f"{value:+,.2f}" if abs(value) < 100 else f"{value:+,.0f}"


def _aligned(frame: pd.DataFrame) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned, CJK counted double width."""
    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [list(map(printable, frame.columns))] + [list(map(printable, row)) for row in frame.itertuples(index=False)]
    widths = [max(width(row[i]) for row in cells) for i in range(len(frame.columns))]
    lines = []
    for row in cells:
        parts = [row[0] + " " * (widths[0] - width(row[0]))]
        parts += [" " * (w - width(cell)) + cell for cell, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
