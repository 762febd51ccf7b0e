"""What both routing engines share: the raw routes they hand back (before ``solve`` turns them into a
``RoutePlan``), where a call is and how long it stays, and the integer scaling of loads and costs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from wasteopt.routing.problem import RoutingProblem


@dataclass(frozen=True)
class Call:
    """A raw engine call: ``kind`` "start"/"stop"/"unload"/"end", ``index`` into the
    problem's depots/stops/sites, ``start_s`` when service starts (departure for "start")."""

    kind: str
    index: int
    start_s: int


@dataclass(frozen=True)
class RawRoute:
    vehicle_type: int
    calls: tuple[Call, ...]
    break_start_s: int | None = None


def call_location(problem: RoutingProblem, call: Call) -> int:
    """The location (matrix index) of ``call``."""
    if call.kind in ("start", "end"):
        return problem.depot_location(call.index)
    return problem.site_location(call.index) if call.kind == "unload" else problem.stop_location(call.index)


def call_service_s(problem: RoutingProblem, call: Call) -> int:
    """Seconds ``call`` spends at its place: a stop's service, a site's unload, 0 at a garage."""
    if call.kind == "unload":
        return problem.sites[call.index].unload_s
    return problem.stops[call.index].service_s if call.kind == "stop" else 0


LOAD_SCALE = 1000
COST_SCALE = 100_000


def scaled_loads(values) -> list[int]:
    return [int(round(v * LOAD_SCALE)) for v in values]


def final_unload_sites(problem: RoutingProblem, depot_index: int) -> np.ndarray:
    """For every stop, the site (index) that makes stop -> site -> garage shortest."""
    sites = [problem.site_location(k) for k in range(len(problem.sites))]
    first = problem.stop_location(0)
    stop_rows = slice(first, first + len(problem.stops))
    via = problem.distance_m[stop_rows][:, sites].astype(np.int64)
    via += problem.distance_m[sites, problem.depot_location(depot_index)].astype(np.int64)[None, :]
    return np.argmin(via, axis=1)
