"""Solves that outlive the page: the app's solver pool, and a job per Solve press, kept in this process, keyed by
id in the session.

Streamlit ends a page's script run when the planner leaves the page; the solve goes on in its
worker thread, and the page, drawn again, finds the job by the id the session kept and shows
its result (or its progress, while it runs). No Streamlit here.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from wasteopt.app.service import registry, runs_dir
from wasteopt.config.errors import InfeasibleError, WasteoptError
from wasteopt.milp.highs import SolveWatch
from wasteopt.runs.folder import load_base_run
from wasteopt.runs.pipeline import RunOutcome, run_scenario
from wasteopt.runs.registry import RunRecord, new_run_id
from wasteopt.config.scenario.schema import Scenario
from wasteopt.config.changes import Change

# Two workers: the machine has two cores; more solves than that only queue.
T = TypeVar("T")
_SOLVER_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wasteopt-solve")


def solve_and_save(scenario: Scenario, *, label: str = "", changes: list[Change] = (), note: str = "",
                   warm_start: RunRecord | None = None, watch: SolveWatch | None = None) -> RunOutcome:
    """An earlier run of exactly this scenario if the pipeline's reuse rule accepts one (a solve cache that
    survives restarts); else solve (from the plan of run ``warm_start`` if given; ``watch`` sees the progress
    and may stop it), write the plan to ``runs/app/<run_id>/`` and record it (source "app") with the
    planner's label, the changes from the loaded config and a note. Raises InfeasibleError."""
    runs, run_id = registry(), new_run_id()
    base = load_base_run(warm_start.run_id, runs) if warm_start else None
    return run_scenario(scenario, runs_dir() / "app" / run_id, registry=runs, source="app", reuse=True,
                        run_id=run_id, warm_start=base, watch=watch, label=label, note=note, changes=changes)


def submit(work: Callable[[], T]) -> Future[T]:
    """Run ``work`` in the app's solver pool (two threads: the machine's two cores)."""
    return _SOLVER_POOL.submit(work)


@dataclass
class SolveJob:
    """One solve of ``scenario`` running (or finished) in the app's solver pool; ``watch`` holds its progress
    (best plan and bound over time) and stops it."""

    job_id: str
    scenario_hash: str
    time_limit_s: float
    rel_gap: float
    watch: SolveWatch = field(default_factory=SolveWatch)
    started: float = field(default_factory=time.monotonic)
    future: Future | None = None

    def done(self) -> bool:
        return self.future is not None and self.future.done()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def outcome(self) -> dict:
        """What the page shows once the job is done: the run id (and whether an earlier run was reused),
        or the infeasibility explanation, or a one-line error."""
        try:
            run = self.future.result()
        except InfeasibleError as error:
            if error.explanation is None:  # proven, but not as unserved demand (e.g. no one plan for all futures)
                return {"error": str(error), "kind": type(error).__name__, "hash": self.scenario_hash}
            return {"infeasible": error.explanation.lines(), "unserved": error.explanation.unserved,
                    "hash": self.scenario_hash}
        except WasteoptError as error:
            return {"error": str(error), "kind": type(error).__name__, "hash": self.scenario_hash}
        except Exception as error:  # a bug, not bad input: one line for the planner, the traceback (and any
            logging.getLogger("wasteopt.app").error("solve failed", exc_info=error)  # server path) in the log
            return {"error": f"internal error ({type(error).__name__}); see the server log", "kind": "internal",
                    "hash": self.scenario_hash}
        return {"run_id": run.record.run_id, "reused": run.reused, "hash": self.scenario_hash}


_JOBS: dict[str, SolveJob] = {}
_LOCK = threading.Lock()


def start_job(scenario: Scenario, *, label: str = "", changes: list[Change] = (), note: str = "",
              warm_start: RunRecord | None = None) -> SolveJob:
    """Reuse an earlier run of exactly this scenario or solve it in the background, warm-started from the
    plan of run ``warm_start`` if given (:func:`solve_and_save`); see :class:`SolveJob`."""
    job = SolveJob(uuid.uuid4().hex, scenario.content_hash(), scenario.solver.time_limit_s, scenario.solver.rel_gap)
    job.future = submit(lambda: solve_and_save(scenario, label=label, changes=changes, note=note,
                                                               warm_start=warm_start, watch=job.watch))
    with _LOCK:
        _JOBS[job.job_id] = job
    return job


def find_job(job_id: str | None) -> SolveJob | None:
    with _LOCK:
        return _JOBS.get(job_id) if job_id else None
