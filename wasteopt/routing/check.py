"""Independent feasibility checker: re-derives every rule of a ``RoutingProblem`` from the
plan's visit sequence and times, using only the problem's own matrices (never an
engine's internal data). Returns human-readable violations; an empty list means feasible.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.plan import RoutePlan
    from wasteopt.routing.problem import RoutingProblem

LOAD_TOLERANCE = 1e-6


def check_plan(problem: RoutingProblem, plan: RoutePlan) -> list[str]:
    """Every violated rule, one line each: visits, fleet, loads, daily caps, time windows,
    shift, lunch break, km."""
    violations: list[str] = []
    stop_index = {s.stop_id: i for i, s in enumerate(problem.stops)}
    site_index = {s.site_id: k for k, s in enumerate(problem.sites)}
    types = {vt.name: vt for vt in problem.vehicle_types}
    visited = Counter(v.place_id for r in plan.routes for v in r.visits if v.kind == "stop")
    dropped = {d.stop_id for d in plan.dropped}
    for stop in problem.stops:
        times = visited.get(stop.stop_id, 0)
        if times > 1:
            violations.append(f"stop {stop.stop_id} visited {times} times")
        if times == 0 and stop.required:
            violations.append(f"required stop {stop.stop_id} not visited")
        if times == 0 and stop.stop_id not in dropped:
            violations.append(f"stop {stop.stop_id} neither visited nor reported dropped")
    used = Counter(r.vehicle_type for r in plan.routes)
    for name, count in used.items():
        if name not in types:
            violations.append(f"unknown vehicle type {name}")
        elif count > types[name].count:
            violations.append(f"{count} {name} trucks used, {types[name].count} available")
    for number, route in enumerate(plan.routes, start=1):
        if route.vehicle_type in types:
            violations += [f"route {number}: {v}" for v in _check_route(problem, route, types[route.vehicle_type],
                                                                         stop_index, site_index)]
    return violations


def route_violations(problem: RoutingProblem, route, vt) -> list[str]:
    """Every violated rule of one truck's day of vehicle type ``vt`` (as ``check_plan``)."""
    stop_index = {s.stop_id: i for i, s in enumerate(problem.stops)}
    site_index = {s.site_id: k for k, s in enumerate(problem.sites)}
    return _check_route(problem, route, vt, stop_index, site_index)


def _check_route(problem: RoutingProblem, route, vt, stop_index, site_index) -> list[str]:
    out: list[str] = []
    visits = route.visits
    depot_index = problem.depot_index(vt.depot_id)
    depot = problem.depots[depot_index]
    home = problem.depot_location(depot_index)
    if len(visits) < 2 or visits[0].kind != "start" or visits[-1].kind != "end":
        return ["does not start and end at a depot"]
    if visits[0].location != home or visits[-1].location != home:
        out.append(f"does not start and end at its depot {vt.depot_id}")
    dims = len(problem.load_units)
    on_board = np.zeros(dims)
    collected = np.zeros(dims)
    stops_served = 0
    trips = 0
    km = 0.0
    brk = problem.lunch_break
    for previous, visit in zip(visits, visits[1:]):
        a, b = previous.location, visit.location
        km += problem.distance_m[a, b] / 1000
        drive = int(problem.duration_s[a, b])
        gap = visit.start_s - previous.end_s
        lunch_here = (
            brk is not None and route.break_start_s is not None
            and previous.end_s <= route.break_start_s and route.break_start_s + brk.duration_s <= visit.start_s
        )
        needed = drive + (brk.duration_s if lunch_here else 0)
        if gap < needed:
            out.append(f"{previous.place_id} -> {visit.place_id}: {gap} s between service end and next start, "
                       f"{needed} s needed")
        if visit.end_s < visit.start_s:
            out.append(f"{visit.place_id}: service ends before it starts")
        if visit.kind == "stop":
            stop = problem.stops[stop_index[visit.place_id]]
            if b != problem.stop_location(stop_index[visit.place_id]):
                out.append(f"{visit.place_id}: wrong location")
            if not stop.tw_early_s <= visit.start_s <= stop.tw_late_s:
                out.append(f"stop {stop.stop_id} served at {visit.start_s} s, window "
                           f"[{stop.tw_early_s}, {stop.tw_late_s}]")
            if visit.end_s - visit.start_s < stop.service_s:
                out.append(f"stop {stop.stop_id} served for less than {stop.service_s} s")
            on_board += stop.load
            collected += stop.load
            stops_served += 1
            for d in range(dims):
                if on_board[d] > vt.capacity[d] + LOAD_TOLERANCE:
                    out.append(f"load {on_board[d]:g} {problem.load_units[d]} after {stop.stop_id} "
                               f"exceeds capacity {vt.capacity[d]:g}")
        elif visit.kind == "unload":
            site = problem.sites[site_index[visit.place_id]]
            if not site.open_s <= visit.start_s <= site.close_s:
                out.append(f"unload at {site.site_id} at {visit.start_s} s, open [{site.open_s}, {site.close_s}]")
            if visit.end_s - visit.start_s < site.unload_s:
                out.append(f"unload at {site.site_id} shorter than {site.unload_s} s")
            trips += 1
            on_board[:] = 0
        elif visit.kind == "end":
            if not depot.accepts_waste and on_board.max(initial=0) > LOAD_TOLERANCE:
                out.append(f"returns to {depot.depot_id} with {on_board.tolist()} on board")
            if depot.accepts_waste and on_board.max(initial=0) > LOAD_TOLERANCE:
                trips += 1
        else:
            out.append(f"unexpected {visit.kind} visit in the middle of the route")
    for d in range(dims):
        if vt.max_load_per_route is not None and collected[d] > vt.max_load_per_route[d] + LOAD_TOLERANCE:
            out.append(f"collects {collected[d]:g} {problem.load_units[d]}, cap per day {vt.max_load_per_route[d]:g}")
    if vt.max_stops_per_route is not None and stops_served > vt.max_stops_per_route:
        out.append(f"{stops_served} stops, cap per day {vt.max_stops_per_route}")
    if vt.max_trips is not None and trips > vt.max_trips:
        out.append(f"{trips} trips, cap {vt.max_trips}")
    leave, back = visits[0].end_s, visits[-1].start_s
    if leave < max(vt.shift_start_s, depot.open_s) or back > min(vt.shift_end_s, depot.close_s):
        out.append(f"day {leave}-{back} s outside shift/depot hours")
    if vt.max_shift_s is not None and back - leave > vt.max_shift_s:
        out.append(f"shift {back - leave} s longer than {vt.max_shift_s} s")
    if abs(km - route.km) > 1e-6 * max(1.0, km):
        out.append(f"reports {route.km:.3f} km, sequence drives {km:.3f} km")
    if brk is not None:
        start = route.break_start_s
        if start is None:
            out.append("no lunch break")
        else:
            if not brk.earliest_start_s <= start <= brk.latest_start_s:
                out.append(f"lunch starts at {start} s, allowed [{brk.earliest_start_s}, {brk.latest_start_s}]")
            end = start + brk.duration_s
            # Inside the working day the break must fit in one gap between two services;
            # the gap check above already made that gap long enough to drive as well.
            in_a_gap = any(p.end_s <= start and end <= v.start_s for p, v in zip(visits, visits[1:]))
            if start < back and end > leave and not in_a_gap:
                out.append(f"lunch {start}-{end} s overlaps a service or the start/end of the day")
    return out
