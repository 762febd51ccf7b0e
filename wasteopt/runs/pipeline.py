"""One run of a scenario, the same for the CLI, the app and sweeps: solve → KPIs → run folder → registry.

The run folder is built beside its target and swapped in whole (:class:`RunFolder`), and the
registry row is written only after that, so a row never points at a half-written folder.
An earlier run is reused by one rule (:func:`reusable_run`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TYPE_CHECKING

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.runs.folder.plan_files import write_plan_files
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.runs.folder import BaseRun, RunFolder
from wasteopt.runs.registry import RegistryBusy, new_run_id
from wasteopt.siting.pipeline import solve_scenario
from wasteopt.config.status import PLAN_STATUSES

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.changes import Change
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.milp.highs import SolveWatch
    from wasteopt.runs.registry import RunRecord, RunRegistry
    from wasteopt.siting.plan import SitingPlan


class ReportStep(Protocol):
    """Writes a review report into the run folder being built (``run_dir``; ``name``: the run's folder name);
    returns the files it wrote by kind (e.g. ``wasteopt.reporting.report.write_report``)."""

    def __call__(self, run_dir: Path, *, name: str) -> dict[str, Path]: ...


@dataclass(frozen=True)
class RunOutcome:
    """A recorded run; ``plan`` is None when an earlier run was reused instead of solving."""

    record: RunRecord
    plan: SitingPlan | None
    files: dict[str, Path]

    @property
    def reused(self) -> bool:
        return self.plan is None

    @property
    def kpis(self) -> dict:
        return self.record.kpis


def reusable_run(registry: RunRegistry, scenario: Scenario, *, backend: str | None = None,
                 rel_gap: float | None = None) -> RunRecord | None:
    """The newest run at least as good as asked: exactly this scenario (same content hash), solved with the same
    engine settings that change results (``backend``, the local search's seed; default the scenario's) to a
    proven gap ≤ ``rel_gap`` (default the scenario's), its folder still holding it, complete; None if there is none,
    and always None for a scenario that reads a manifest store on a server (``cd.observed``): the hash does not see
    the server's tables change."""
    observed = scenario.cd.observed
    if observed is not None and observed.is_url:
        return None
    backend = backend or scenario.solver.backend
    rel_gap = scenario.solver.rel_gap if rel_gap is None else rel_gap
    seed = _search_seed(scenario, backend)
    for record in _runs_with_a_plan(registry, scenario):
        same_engine = record.kpis.get("backend") == backend and record.kpis.get("search_seed", seed) == seed
        if same_engine and record.gap is not None and record.gap <= rel_gap + 1e-9:
            return record
    return None


def _runs_with_a_plan(registry: RunRegistry, scenario: Scenario) -> list[RunRecord]:
    """The runs of exactly this scenario with a plan whose folders still hold them, newest first."""
    return [r for r in registry.runs_for_hash(scenario.content_hash())
            if r.status in PLAN_STATUSES and RunFolder.of(r) is not None]


def _search_seed(scenario: Scenario, backend: str) -> int | None:
    """The local search's seed as kpis.json records it (None: no search ran)."""
    return scenario.solver.search_seed if scenario.solver.search and backend == "highs" else None


def _start_for(registry: RunRegistry, scenario: Scenario, backend: str) -> BaseRun | None:
    """A run of this scenario not good enough to reuse, whose plan a new solve can start from: one-year
    scenarios on HiGHS only (see ``solve_scenario``); None if there is none."""
    if backend != "highs" or scenario.phasing.years or scenario.uncertainty is not None:
        return None
    runs = _runs_with_a_plan(registry, scenario)
    if not runs:
        return None
    best = min(runs, key=lambda r: r.gap if r.gap is not None else float("inf"))
    try:
        return BaseRun(best.run_id, scenario, best.kpis, RunFolder(best.out_dir).facilities())
    except DataError:  # its plan no longer reads: solve cold
        return None


def run_scenario(scenario: Scenario, out: str | Path, *, registry: RunRegistry, source: str, force: bool = False,
                 reuse: bool = False, report: ReportStep | None = None, run_id: str | None = None,
                 backend: str | None = None, time_limit: float | None = None, rel_gap: float | None = None,
                 warm_start: BaseRun | None = None, watch: SolveWatch | None = None, label: str = "", note: str = "",
                 changes: list[Change] = ()) -> RunOutcome:
    """Solve ``scenario``, write its run folder ``out`` (and the review report with ``report``, if given), record
    the run.

    With ``reuse``, an earlier run that :func:`reusable_run` accepts is returned instead of solving; an earlier
    run of the scenario that it refuses (a larger gap, another engine) is the warm start, when none is given. ``out``
    is checked and locked before the solve, so a refused folder costs no solve time; ``force`` replaces a
    run already there. ``warm_start`` is the run whose plan HiGHS starts from (recorded as the base run);
    ``watch`` sees the solve's progress and may stop it. ``label``, ``note`` and ``changes`` (from the base
    scenario, see :func:`wasteopt.config.changes.scenario_changes`) name the run in the registry.
    Raises InfeasibleError (nothing written, nothing recorded) when there is no plan.
    """
    if report is not None and not callable(report):  # report=True before the report became a handed-in step
        raise TypeError("run_scenario(report=...) takes a step such as wasteopt.reporting.report.write_report, "
                        f"not {report!r}")
    if reuse:
        record = reusable_run(registry, scenario, backend=backend, rel_gap=rel_gap)
        if record is not None:
            return RunOutcome(record, None, {})
        warm_start = warm_start or _start_for(registry, scenario, backend or scenario.solver.backend)
    run_id = run_id or new_run_id()
    folder = RunFolder(out)
    with folder.writing(force, run_id) as staging:
        if scenario.solver.decompose != "off":  # pieces on Dask; progress lines on stderr, no watch
            from wasteopt.siting.decomposed import solve_scenario_decomposed

            if warm_start is not None:
                raise ScenarioError("key 'solver.decompose': a warm start needs the undecomposed solve (set it off)")
            plan = solve_scenario_decomposed(scenario, backend=backend, time_limit=time_limit, rel_gap=rel_gap,
                                             on_progress=lambda text: print(f"# {text}", file=sys.stderr, flush=True))
        else:
            plan = solve_scenario(scenario, backend=backend, time_limit=time_limit, rel_gap=rel_gap, watch=watch,
                                  base_plan=warm_start.facilities if warm_start else None)
        kpis = compute_kpis(plan).to_dict()
        files = write_plan_files(plan, kpis, staging)
        if report is not None:
            files.update({f"report_{kind}": path for kind, path in report(staging, name=folder.path.name).items()})
    files = {kind: folder.path / path.relative_to(staging) for kind, path in files.items()}
    try:
        record = registry.record(scenario, kpis, folder.path, source=source, run_id=run_id, label=label, note=note,
                                 changes=changes, base_run=warm_start.run_id if warm_start else None)
    except RegistryBusy as error:
        raise RegistryBusy(f"{error}; the run's files are complete in {folder.path} but the run is not recorded: "
                           "solve again with --force to record it") from None
    return RunOutcome(record, plan, files)

