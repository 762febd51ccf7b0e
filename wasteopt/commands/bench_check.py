"""The regression check of ``wasteopt bench report --check`` and ``wasteopt bench all --quick --check``:
each case of the newest result CSVs against the same case in the last row of its suite in history.csv.

A case is one instance (and engine) of a suite. Its figures: whether it has a plan, whether the plan is
feasible (routing), its gap in % (to the published optimum or best-known solution, or the solver's proven
gap where there is none), and its seconds when it finished before its time limit. A regression is

- a plan lost: the case had a plan and now has none;
- feasibility lost: its plan was feasible and now is not;
- a wider gap: more than GAP_FACTOR × slowdown × the old gap AND more than GAP_POINTS points above it (a
  siting value below the published optimum counts by its distance from it);
- a slower finish: the case finished before its limit and now takes more than TIME_FACTOR × slowdown ×
  the old seconds AND more than TIME_FLOOR_S × slowdown seconds more (a case that now runs into its limit
  counts, with the seconds it spent).

``slowdown`` (≥ 1) is how much slower a fixed single-thread workload (:func:`probe_seconds`) ran beside
the new results than beside the recorded ones: a run on a loaded machine gets more room, never less. Plans
and feasibility lost do not depend on load and always fail.
"""
from __future__ import annotations

import csv
import json
import math
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from wasteopt.config.errors import DataError

GAP_FACTOR = 1.5
GAP_POINTS = 0.2     # percentage points
TIME_FACTOR = 1.5
TIME_FLOOR_S = 1.0   # process start-up and sub-second solves vary by more than 1.5×
PROBE_FILE = "probe.json"
THRESHOLDS = (f"a regression is a plan or feasibility lost, a gap more than {GAP_FACTOR:g}× the recorded one and "
              f"+{GAP_POINTS:g} pt, or a finish more than {TIME_FACTOR:g}× the recorded seconds and +{TIME_FLOOR_S:g} s; "
              "these factors and the +1 s are multiplied by the measured slowdown of the machine (a fixed single-thread "
              "workload timed beside both runs, never below 1)")


@dataclass(frozen=True)
class Figures:
    """One case's figures: ``seconds`` spent (None when not known), ``finished`` when it stopped before its
    time limit, so that its seconds are a time to solve and not the limit."""

    plan: bool
    feasible: bool | None = None
    gap_pct: float | None = None
    seconds: float | None = None
    finished: bool = False


def _number(text: str | None) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if line.strip() and not line.startswith("#")))


def _siting(row: dict) -> tuple[str, Figures]:
    """A value below the published optimum (status mismatch) is as far off as one above it: the gap is its size."""
    plan = _number(row["objective"]) is not None
    finished = row["status"] in ("optimal", "mismatch")
    gap = _number(row["gap_pct"]) if plan else None
    return row["instance"], Figures(plan, None, None if gap is None else abs(gap), _number(row["seconds"]), finished)


def _cvrp(row: dict) -> tuple[str, Figures]:  # routing runs to its limit: no time to compare
    plan = _number(row["cost"]) is not None
    return f"{row['instance']}/{row['engine']}", Figures(plan, None, _number(row["gap_pct"]) if plan else None)


def _wcvrptw(row: dict) -> tuple[str, Figures]:
    plan = (_number(row["vehicles"]) or 0) > 0
    return f"{row['instance']}/{row['engine']}", Figures(plan, plan and row["feasible"] == "true")


def _scale(row: dict) -> tuple[str, Figures]:
    gap = _number(row["gap"])  # the solver's proven gap (a fraction); empty when it found no plan
    finished = row["status"] == "optimal"
    return f"{row['nodes']}x{row['sites']}", Figures(gap is not None, None, None if gap is None else 100 * gap,
                                                     _number(row["seconds"]), finished)


def _roads(row: dict) -> tuple[str, Figures]:
    return f"{row['junctions']}x{row['points']}", Figures(True, None, None, _number(row["total_s"]), True)


def _whatif(row: dict) -> tuple[str, Figures]:
    plan = _number(row["cost_wan_cny"]) is not None
    seconds = _number(row["seconds_to_1pct"])  # empty when the 1 % gap was not reached within the limit
    return f"{row['change']}/{row['mode']}", Figures(plan, None, _number(row["gap_pct"]) if plan else None,
                                                     seconds, seconds is not None)


READERS = {"cflp": _siting, "pmedian": _siting, "cvrp": _cvrp, "wcvrptw": _wcvrptw, "wcvrptw_generated": _wcvrptw,
           "scale": _scale, "roads": _roads, "whatif": _whatif}
QUICK_PREFIX = "quick_"


def suite_kind(suite: str) -> str | None:
    """The reader of a suite's CSV (``quick_cflp`` is read as ``cflp``); None for suites without figures."""
    kind = suite.removeprefix(QUICK_PREFIX)
    return kind if kind in READERS else None


def suite_figures(path: Path) -> dict[str, Figures]:
    """The cases of one result CSV (``<suite>.csv``), by case name."""
    read = READERS[suite_kind(path.stem)]
    try:
        return dict(read(row) for row in _rows(path))
    except KeyError as error:
        raise DataError(f"{path}: no column {error} (not a result CSV of `wasteopt bench`?)") from None


def probe_seconds(rounds: int = 5) -> float:
    """Seconds of a fixed single-thread workload (about 0.1 s on an idle core): the mean of ``rounds`` runs."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for i in range(400_000):
            total += i * i % 7
        times.append(time.perf_counter() - start)
    return round(statistics.fmean(times), 4)


def figures_json(path: Path, probe_s: float | None) -> str:
    """The ``figures`` column of a history row: the probe and every case of the CSV at ``path``."""
    cases = {name: asdict(figures) for name, figures in suite_figures(path).items()}
    return json.dumps({"probe_s": probe_s, "cases": cases}, ensure_ascii=False, separators=(",", ":"))


def read_probes(results: Path) -> dict[str, float]:
    """The probe seconds measured beside each suite of a ``bench all`` run (probe.json), by suite."""
    path = results / PROBE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _slowdown(new_probe: float | None, old_probe: float | None) -> float:
    if not new_probe or not old_probe:
        return 1.0
    return max(1.0, new_probe / old_probe)


def _pct(value: float | None) -> str:
    return "none" if value is None else f"{value:.3f} %"


def regressions(old: Figures, new: Figures, slowdown: float = 1.0) -> list[str]:
    """Why ``new`` is a regression from ``old`` (empty when it is not); see the module doc for the rules."""
    found = []
    if old.plan and not new.plan:
        found.append(f"plan lost (had gap {_pct(old.gap_pct)})")
    if old.feasible and new.plan and new.feasible is False:
        found.append("feasibility lost")
    if (new.plan and old.gap_pct is not None and new.gap_pct is not None
            and new.gap_pct > GAP_FACTOR * slowdown * old.gap_pct and new.gap_pct > old.gap_pct + GAP_POINTS):
        found.append(f"gap {_pct(old.gap_pct)} → {_pct(new.gap_pct)}")
    if old.finished and old.seconds is not None:
        # a case that now runs into its limit is compared by the seconds it spent, the limit
        if new.seconds is None:
            found.append(f"finished in {old.seconds:g} s before, now not within its limit")
        elif new.seconds > TIME_FACTOR * slowdown * old.seconds and new.seconds > old.seconds + TIME_FLOOR_S * slowdown:
            found.append(f"seconds {old.seconds:g} → {new.seconds:g}{'' if new.finished else ' (its limit)'}")
    return found


@dataclass(frozen=True)
class CheckResult:
    lines: list[str]
    regressions: int
    compared: int

    @property
    def ok(self) -> bool:
        return self.regressions == 0 and self.compared > 0


def last_recorded(history: list[dict], suite: str) -> dict | None:
    """The last history row of ``suite`` that carries figures."""
    rows = [row for row in history if row.get("suite") == suite and (row.get("figures") or "").strip()]
    return rows[-1] if rows else None


def check(results: Path, history: list[dict]) -> CheckResult:
    """Every result CSV of a known suite in ``results`` against the last recorded row of its suite."""
    probes = read_probes(results)
    lines, failed, compared = [], 0, 0
    for path in sorted(results.glob("*.csv")):
        suite = path.stem
        if suite_kind(suite) is None:
            continue
        row = last_recorded(history, suite)
        if row is None:
            lines.append(f"{suite}: no recorded row with figures in history.csv, not compared")
            continue
        recorded = json.loads(row["figures"])
        slowdown = _slowdown(probes.get(suite), recorded.get("probe_s"))
        new = suite_figures(path)
        old = {name: Figures(**figures) for name, figures in recorded["cases"].items()}
        missing = sorted(set(old) - set(new))
        suite_failed = 0
        for name in sorted(set(old) & set(new)):
            compared += 1
            for reason in regressions(old[name], new[name], slowdown):
                lines.append(f"REGRESSION {suite} {name}: {reason}")
                suite_failed += 1
        failed += suite_failed
        lines.append(f"{suite}: {len(set(old) & set(new))} cases against {row['commit']} ({row['date']}), slowdown "
                     f"{slowdown:.2f}×, {suite_failed} regressions"
                     + (f"; not in the new results: {', '.join(missing)}" if missing else ""))
    if compared == 0:
        lines.append(f"nothing compared: no result CSV in {results} has a recorded row with figures")
    return CheckResult(lines, failed, compared)
