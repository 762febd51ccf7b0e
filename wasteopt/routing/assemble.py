"""One raw engine route made into a ``Route``: arrival times, loads on board, unloads, km, cost."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wasteopt.routing.plan import Route, Visit

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem
    from wasteopt.routing.types import RawRoute


def assemble_route(problem: RoutingProblem, raw: RawRoute, vehicle: int) -> Route:
    """Fill in arrival times, loads on board, unloaded amounts and km for one raw route."""
    vt = problem.vehicle_types[raw.vehicle_type]
    dims = len(problem.load_units)
    on_board = np.zeros(dims)
    visits = []
    previous_location = None
    previous_end = None
    brk = problem.lunch_break
    for call in raw.calls:
        unloaded = np.zeros(dims)
        if call.kind in ("start", "end"):
            place = problem.depots[call.index]
            location = problem.depot_location(call.index)
            service = 0
            if call.kind == "end" and place.accepts_waste:
                unloaded, on_board = on_board, np.zeros(dims)
        elif call.kind == "unload":
            place = problem.sites[call.index]
            location = problem.site_location(call.index)
            service = place.unload_s
            unloaded, on_board = on_board, np.zeros(dims)
        else:
            place = problem.stops[call.index]
            location = problem.stop_location(call.index)
            service = place.service_s
            on_board = on_board + np.asarray(place.load)
        place_id = getattr(place, "depot_id", None) or getattr(place, "site_id", None) or place.stop_id
        if previous_location is None:
            arrival, start, end, km = call.start_s, call.start_s, call.start_s, 0.0
        else:
            drive = int(problem.duration_s[previous_location, location])
            arrival = previous_end + drive
            if brk is not None and raw.break_start_s is not None and previous_end <= raw.break_start_s < arrival:
                arrival += brk.duration_s
            start = call.start_s if call.kind != "end" else arrival
            arrival = min(arrival, start)
            end = start + service
            km = problem.distance_m[previous_location, location] / 1000
        visits.append(
            Visit(
                call.kind, place_id, location, int(arrival), int(start), int(end),
                tuple(float(v) for v in on_board), tuple(float(v) for v in unloaded), float(km),
            )
        )
        previous_location, previous_end = location, end
    km_total = sum(v.km_from_previous for v in visits)
    cost = vt.fixed_cost_cny + vt.cost_per_km_cny * km_total
    return Route(vt.name, vehicle, tuple(visits), cost, raw.break_start_s)
