"""What a routing engine hands back: raw routes, before ``solve`` turns them into a ``RoutePlan``;
where a call is and how long it stays."""
from __future__ import annotations

from dataclasses import dataclass

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
