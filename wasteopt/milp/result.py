"""What a solver run gives back, in the words the plan and KPIs use."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

PROVEN_GAP = 1e-4  # "optimal" needs a proven gap this small, whatever tolerance the solve was asked for


class MilpStatus(StrEnum):
    OPTIMAL = "optimal"            # gap proven within the tolerance asked and within PROVEN_GAP
    TIME_LIMIT = "time_limit"      # best plan found, gap still open (time limit, or a looser tolerance asked)
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"    # stopped before any feasible plan was found
    ERROR = "error"


@dataclass(frozen=True)
class MilpResult:
    status: MilpStatus
    objective: float | None
    best_bound: float | None
    gap: float | None              # relative: |objective − bound| / max(|objective|, 1)
    seconds: float
    backend: str
    x: np.ndarray | None = field(default=None, repr=False)
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


def status_from_gap(gap: float | None, rel_gap: float) -> MilpStatus:
    """Optimal when the proven gap is within the tolerance asked and within PROVEN_GAP; a plan otherwise."""
    proven = gap is not None and gap <= min(rel_gap, PROVEN_GAP) + 1e-9
    return MilpStatus.OPTIMAL if proven else MilpStatus.TIME_LIMIT
