"""Fleets that fill their shifts: trucks' days chained into multi-trip days.

An engine prices a truck's fixed daily cost, but its local search rarely empties a whole
truck: moving one stop at a time into another truck's day (behind an unload) costs
driving and saves nothing until the last stop has moved. ``chain_days`` therefore merges
whole days after the search: a day whose truck must come back empty ends with an unload,
so another day can follow it, from that site straight to its first stop instead of via
the garage. A merge is kept when the fixed cost saved exceeds the extra driving and the
independent checker finds the merged day feasible (shift, windows, caps, lunch); later
calls then start as early as they can, and the lunch break is fitted anew. Each day leaves the garage as late as its first
call allows, so trucks whose first stops open later start later.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from wasteopt.routing.assemble import assemble_route
from wasteopt.routing.lunch import fit_lunch
from wasteopt.routing.types import Call, RawRoute, call_location, call_service_s

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem


def chain_days(problem: RoutingProblem, raw_routes: list[RawRoute]) -> list[RawRoute]:
    """Fewer, fuller days: merge days greedily (largest saving first), see the module text."""
    from wasteopt.routing.check import route_violations

    days = [leave_late(problem, raw) for raw in raw_routes]
    merged_any = True
    while merged_any:
        merged_any = False
        savings = sorted(
            ((_saving(problem, first, second), a, b) for a, first in enumerate(days) for b, second in enumerate(days)
             if a != b and first.vehicle_type == second.vehicle_type),
            key=lambda item: -item[0])
        for saving, a, b in savings:
            if saving <= 1e-9:
                break
            merged = follow(problem, days[a], days[b])
            if problem.lunch_break is not None:
                merged = fit_lunch(problem, RawRoute(merged.vehicle_type, merged.calls))
            vt = problem.vehicle_types[merged.vehicle_type]
            if not route_violations(problem, assemble_route(problem, merged, 1), vt):
                days = [day for k, day in enumerate(days) if k not in (a, b)] + [merged]
                merged_any = True
                break
    return days


def _saving(problem: RoutingProblem, first: RawRoute, second: RawRoute) -> float:
    """Fixed cost saved minus the extra km cost of driving site -> next first stop directly
    (not site -> garage -> first stop); -inf when ``first`` does not end with an unload."""
    home = problem.depot_location(first.calls[-1].index)
    if first.calls[-2].kind != "unload" or problem.depots[first.calls[-1].index].accepts_waste:
        return float("-inf")
    site, nxt = call_location(problem, first.calls[-2]), call_location(problem, second.calls[1])
    extra_m = int(problem.distance_m[site, nxt]) - int(problem.distance_m[site, home]) - int(problem.distance_m[home, nxt])
    vt = problem.vehicle_types[first.vehicle_type]
    return vt.fixed_cost_cny - vt.cost_per_km_cny * extra_m / 1000


def follow(problem: RoutingProblem, first: RawRoute, second: RawRoute) -> RawRoute:
    """``first``'s day, then ``second``'s calls, each as early as its window and the drive allow."""
    calls = list(first.calls[:-1])
    for call in (*second.calls[1:-1], first.calls[-1]):
        previous = calls[-1]
        ready = previous.start_s + call_service_s(problem, previous)
        ready += int(problem.duration_s[call_location(problem, previous), call_location(problem, call)])
        calls.append(Call(call.kind, call.index, max(ready, _opens(problem, call))))
    return RawRoute(first.vehicle_type, tuple(calls), first.break_start_s)


def leave_late(problem: RoutingProblem, raw: RawRoute) -> RawRoute:
    """The day leaving the garage just in time for its first call (no wait at the first stop), its lunch
    break fitted again: the later start may fall in the break the engine's day had."""
    start, first = raw.calls[0], raw.calls[1]
    if first.kind == "end":
        return raw
    latest = first.start_s - int(problem.duration_s[call_location(problem, start), call_location(problem, first)])
    if latest <= start.start_s:
        return raw
    later = RawRoute(raw.vehicle_type, (Call("start", start.index, latest), *raw.calls[1:]), raw.break_start_s)
    return fit_lunch(problem, later) if problem.lunch_break is not None else later


def _opens(problem: RoutingProblem, call: Call) -> int:
    if call.kind == "unload":
        return problem.sites[call.index].open_s
    return problem.stops[call.index].tw_early_s if call.kind == "stop" else 0
