"""The plan a search starts from: integer columns fixed at values, with the columns kept out of the search and of
the next LP relaxation."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NO_COLS = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class FirstPlan:
    """Integer columns to fix at ``values`` for a plan to start from; ``excluded`` columns stay at
    zero in the search while this plan (or one found from it) is the best; ``outside`` columns stay
    at zero in the LP relaxation solved next (it looks only near this plan). ``sent``: the t/d the greedy
    sent on each arc, if it placed all the waste. ``routed``: the plan with every column (flows too), once
    routed."""

    cols: np.ndarray
    values: np.ndarray
    excluded: np.ndarray = field(default_factory=lambda: NO_COLS)
    outside: np.ndarray = field(default_factory=lambda: NO_COLS)
    sent: np.ndarray | None = field(default=None, repr=False)
    routed: np.ndarray | None = field(default=None, repr=False)
