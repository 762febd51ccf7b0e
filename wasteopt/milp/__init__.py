"""A sparse MILP in matrix form and the solvers that take it (HiGHS, CBC). Knows nothing of sites.

The solver's own best bound and gap are read back: a result is ``optimal`` only when the gap the
solver proves is within the requested tolerance.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from wasteopt.config.errors import WasteoptError
from wasteopt.milp.cbc import cbc_path, solve_cbc
from wasteopt.milp.highs import (Companion, Progress, SolveWatch, highs_model, highs_solution, objective_scale,
                                 solve_highs)
from wasteopt.milp.model import INF, LinearModel
from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.config.status import PLAN_STATUSES, MilpStatus, recorded_status, status_from_gap

__all__ = ["INF", "PLAN_STATUSES", "Companion", "LinearModel", "MilpResult", "MilpStatus", "Progress", "SolveWatch",
           "cbc_path", "highs_model", "highs_solution", "objective_scale", "recorded_status", "relative_gap",
           "solve_milp", "status_from_gap"]


def solve_milp(model: LinearModel, backend: str = "highs", *, time_limit: float = 60.0, rel_gap: float = 1e-4,
               threads: int = 0, seed: int = 0, log_path: str | None = None, start: np.ndarray | None = None,
               companion: Companion | None = None, watch: SolveWatch | None = None,
               options: Mapping[str, object] | None = None) -> MilpResult:
    """Solve with ``backend`` ('highs' or 'cbc'); status comes from the proven gap, not a wrapper's word.
    ``start`` (a plan, all columns), ``companion`` (work beside the branch and bound) and ``watch`` (progress,
    stop) need HiGHS; CBC runs unwatched. ``options``: further HiGHS options by name."""
    if backend == "highs":
        return solve_highs(model, time_limit=time_limit, rel_gap=rel_gap, threads=threads, seed=seed,
                           log_path=log_path, start=start, companion=companion, watch=watch, options=options)
    if backend != "cbc":
        raise WasteoptError(f"unknown solver backend '{backend}' (use highs or cbc)")
    if start is not None:
        raise WasteoptError("a start plan needs the highs backend")
    return solve_cbc(model, time_limit=time_limit, rel_gap=rel_gap, threads=threads, seed=seed)
