"""Solves that outlive the page: a job per Solve press, kept in this process, keyed by id in the session.

Streamlit ends a page's script run when the planner leaves the page; the solve goes on in its
worker thread, and the page, drawn again, finds the job by the id the session kept and shows
its result (or its progress, while it runs). No Streamlit here.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field

import pandas as pd

from wasteopt.app import service
from wasteopt.errors import InfeasibleError, WasteoptError
from wasteopt.milp import SolveWatch
from wasteopt.scenario import Scenario
from wasteopt.scenario_changes import Change


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
            record, reused = self.future.result()
        except InfeasibleError as error:
            if error.explanation is None:  # no plan found in time, none proven impossible
                return {"error": str(error), "hash": self.scenario_hash}
            return {"infeasible": error.explanation.lines(), "unserved": error.explanation.unserved,
                    "hash": self.scenario_hash}
        except WasteoptError as error:
            return {"error": str(error), "hash": self.scenario_hash}
        except Exception as error:  # a bug, not bad input: one line for the planner, the traceback in the log
            logging.getLogger("wasteopt.app").error("solve failed", exc_info=error)
            return {"error": f"internal error ({type(error).__name__}: {error})", "hash": self.scenario_hash}
        return {"run_id": record.run_id, "reused": reused, "hash": self.scenario_hash}


_JOBS: dict[str, SolveJob] = {}
_LOCK = threading.Lock()


def start_job(scenario: Scenario, *, label: str = "", changes: list[Change] = (), note: str = "",
              base_run: str | None = None, base_plan: pd.DataFrame | None = None) -> SolveJob:
    """Reuse an earlier run of exactly this scenario or solve it in the background, warm-started from
    ``base_plan`` (the facilities of run ``base_run``) if given; see :class:`SolveJob`."""
    job = SolveJob(uuid.uuid4().hex, scenario.content_hash(), scenario.solver.time_limit_s, scenario.solver.rel_gap)

    def run():
        reused = service.reusable_run(scenario)
        if reused is not None:
            return reused, True
        record = service.solve_and_save(scenario, label=label, changes=changes, note=note, base_run=base_run,
                                        base_plan=base_plan, watch=job.watch)
        return record, False

    job.future = service.submit(run)
    with _LOCK:
        _JOBS[job.job_id] = job
    return job


def find_job(job_id: str | None) -> SolveJob | None:
    with _LOCK:
        return _JOBS.get(job_id) if job_id else None
