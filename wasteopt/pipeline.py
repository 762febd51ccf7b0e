"""One run of a scenario, the same for the CLI, the app and sweeps: solve → KPIs → run folder → registry.

The run folder is built beside its target and swapped in whole (:class:`RunFolder`), and the
registry row is written only after that, so a row never points at a half-written folder.
An earlier run is reused by one rule (:func:`reusable_run`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from wasteopt.errors import ScenarioError
from wasteopt.export import write_plan_files
from wasteopt.kpi import compute_kpis
from wasteopt.plan import SitingPlan
from wasteopt.milp import SolveWatch
from wasteopt.run_folder import BaseRun, RunFolder
from wasteopt.runs import RunRecord, RunRegistry, new_run_id
from wasteopt.scenario import Scenario
from wasteopt.scenario_changes import Change
from wasteopt.siting import solve_scenario

REUSABLE_STATUSES = ("optimal", "time_limit")  # runs with a plan; an infeasible scenario is solved again


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


def reusable_run(registry: RunRegistry, scenario: Scenario) -> RunRecord | None:
    """The newest run of exactly this scenario (same content hash) that found a plan and whose run folder
    still holds that run, complete; None if there is none."""
    record = registry.latest_for_hash(scenario.content_hash())
    if record is None or record.status not in REUSABLE_STATUSES or not record.out_dir:
        return None
    return record if RunFolder(record.out_dir).holds(record.run_id) else None


def run_scenario(scenario: Scenario, out: str | Path, *, registry: RunRegistry, source: str, force: bool = False,
                 reuse: bool = False, report: bool = False, run_id: str | None = None, backend: str | None = None,
                 time_limit: float | None = None, rel_gap: float | None = None, warm_start: BaseRun | None = None,
                 watch: SolveWatch | None = None, label: str = "", note: str = "",
                 changes: list[Change] = ()) -> RunOutcome:
    """Solve ``scenario``, write its run folder ``out`` (and the review report if ``report``), record the run.

    With ``reuse``, an earlier run that :func:`reusable_run` accepts is returned instead of solving. ``out``
    is checked and locked before the solve, so a refused folder costs no solve time; ``force`` replaces a
    run already there. ``warm_start`` is the run whose plan HiGHS starts from (recorded as the base run);
    ``watch`` sees the solve's progress and may stop it. ``label``, ``note`` and ``changes`` (from the base
    scenario, see :func:`wasteopt.scenario_changes.scenario_changes`) name the run in the registry.
    Raises InfeasibleError (nothing written, nothing recorded) when there is no plan.
    """
    if reuse and (record := reusable_run(registry, scenario)) is not None:
        return RunOutcome(record, None, {})
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
        kpis = compute_kpis(plan)
        files = write_plan_files(plan, kpis, staging)
        if report:
            from wasteopt.report import write_report

            files.update({f"report_{kind}": path for kind, path in write_report(staging, name=folder.path.name).items()})
    files = {kind: folder.path / path.relative_to(staging) for kind, path in files.items()}
    record = registry.record(scenario, kpis, folder.path, source=source, run_id=run_id, label=label, note=note,
                             changes=changes, base_run=warm_start.run_id if warm_start else None)
    return RunOutcome(record, plan, files)
