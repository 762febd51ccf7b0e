"""What a solver run gives back, in the words the plan and KPIs use."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.status import MilpStatus


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
