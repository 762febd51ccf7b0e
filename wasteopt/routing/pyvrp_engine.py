"""PyVRP engine: disposal sites are PyVRP reload depots, so a truck unloads at any site
mid-route and goes on.

PyVRP works on integers: distances stay in metres, times in seconds, loads are scaled
by ``LOAD_SCALE`` (1 t -> 1000 kg) and money by ``COST_SCALE`` (1 CNY -> 100,000 units,
so a per-km cost keeps 0.01 CNY/km resolution as an integer cost per metre).

PyVRP has no "return empty" rule, so for a garage that does not accept waste the arc
stop -> garage is replaced by stop -> nearest-by-road disposal site -> garage (distance,
driving time and the site's unload time). That last unload is written back into the
route as a real unload visit.

PyVRP has no driver break and no cap across trips. The break is handled as in the OR-Tools
engine (``wasteopt.routing.lunch``); a day that passes a daily cap is split between trips
into several trucks after the search (``split_daily_caps``).

Penalties are set in the instance's own units (``instance_penalties``): PyVRP's default
penalty range is meant per unit of load, time or distance in units where driving one
distance unit costs 1 (as in CVRPLIB or Solomon files). Our integers cost ``u`` per
metre, hold loads × ``LOAD_SCALE`` and time in seconds, so the defaults are converted
and the search starts where plain PyVRP starts on the same instance. The cap is raised
so that no overload, late arrival or overlong route is ever cheaper than the longest
round trip plus a truck: without that, PyVRP returned overloaded waste-collection routes
instead of a detour to unload.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyvrp
from pyvrp import PenaltyParams, SolveParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from wasteopt.routing.lunch import fit_lunch, lunch_reserve, shift_duration
from wasteopt.routing.types import (COST_SCALE, LOAD_SCALE, Call, RawRoute, call_location, call_service_s,
                                    final_unload_sites, scaled_loads)

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem

class InstancePenalties(PenaltyParams):
    """PyVRP's penalty parameters with the starting penalty of each dimension (load
    dimensions, time warp, excess distance) given, instead of the midpoint of the range."""

    def __init__(self, initial: tuple[list[float], float, float], **bounds):
        super().__init__(**bounds)
        self.initial = initial

    def midpoint_penalties(self, data: pyvrp.ProblemData) -> tuple[list[float], float, float]:
        return self.initial


def instance_penalties(data: pyvrp.ProblemData) -> InstancePenalties:
    """PyVRP's default penalties converted to this instance's units (see the module text)."""
    default = PenaltyParams()
    types = data.vehicle_types()
    per_metre = max(min(vt.unit_distance_cost for vt in types), 1)
    distance = np.asarray(data.distance_matrix(0), np.float64)
    duration = np.asarray(data.duration_matrix(0), np.float64)
    metres_per_s = distance.sum() / duration.sum() if duration.sum() > 0 else 1.0
    scales = ([per_metre / LOAD_SCALE] * data.num_load_dimensions, per_metre * metres_per_s, float(per_metre))
    flat = [*scales[0], scales[1], scales[2]]
    mid = default.min_penalty + (default.max_penalty - default.min_penalty) / 2
    longest_round_trip = 2 * float(distance.max(initial=0)) * max(vt.unit_distance_cost for vt in types)
    cap = max(default.max_penalty * max(flat), longest_round_trip + max(vt.fixed_cost for vt in types))
    # PyVRP multiplies penalties by violations in 64-bit integers: keep the largest product in range.
    loads = [sum(max(c.pickup[d], c.delivery[d]) for c in data.clients()) for d in range(data.num_load_dimensions)]
    worst = max([*loads, 2 * 86_400, float(distance.sum(axis=1).max(initial=0))], default=1)
    cap = min(cap, 2.0 ** 60 / max(worst, 1.0))
    initial = ([mid * scale for scale in scales[0]], mid * scales[1], mid * scales[2])
    return InstancePenalties(initial, min_penalty=default.min_penalty * min(flat), max_penalty=cap)


def build_data(problem: RoutingProblem, skip: set[int]) -> tuple[pyvrp.ProblemData, list[int], dict[int, np.ndarray]]:
    """PyVRP data for ``problem`` without the stops in ``skip``; returns the data, the
    problem stop index of every PyVRP client, and the final-unload site per garage."""
    distance = problem.distance_m.astype(np.int64)
    duration = problem.duration_s.astype(np.int64)
    final_sites: dict[int, np.ndarray] = {}
    if problem.stops and problem.sites:
        first = problem.stop_location(0)
        stop_locs = np.arange(first, first + len(problem.stops))
        for d, depot in enumerate(problem.depots):
            if depot.accepts_waste:
                continue
            home = problem.depot_location(d)
            best = final_unload_sites(problem, d)
            site_locs = np.array([problem.site_location(k) for k in best])
            unload = np.array([problem.sites[k].unload_s for k in best], np.int64)
            distance[stop_locs, home] = distance[stop_locs, site_locs] + distance[site_locs, home]
            duration[stop_locs, home] = duration[stop_locs, site_locs] + unload + duration[site_locs, home]
            final_sites[d] = best
    late = lunch_reserve(problem)
    x, y = problem.coordinates()
    locations = [pyvrp.Location(x=float(a), y=float(b)) for a, b in zip(x, y)]
    depots = [pyvrp.Depot(problem.depot_location(i), d.open_s, late(d.close_s, d.open_s), 0, name=d.depot_id)
              for i, d in enumerate(problem.depots)]
    depots += [pyvrp.Depot(problem.site_location(k), s.open_s, late(s.close_s, s.open_s), s.unload_s, name=s.site_id)
               for k, s in enumerate(problem.sites)]
    dims = len(problem.load_units)
    clients, client_stop = [], []
    for i, stop in enumerate(problem.stops):
        if i in skip:
            continue
        clients.append(
            pyvrp.Client(
                problem.stop_location(i), delivery=[0] * dims, pickup=scaled_loads(stop.load),
                service_duration=stop.service_s, tw_early=stop.tw_early_s, tw_late=late(stop.tw_late_s, stop.tw_early_s),
                prize=0 if stop.required else int(round(stop.penalty_cny * COST_SCALE)),
                required=stop.required, name=stop.stop_id,
            )
        )
        client_stop.append(i)
    reload = [len(problem.depots) + k for k in range(len(problem.sites))]
    vehicle_types = []
    for vt in problem.vehicle_types:
        home = problem.depot_index(vt.depot_id)
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=max(vt.count, 0), capacity=scaled_loads(vt.capacity),
                start_depot=home, end_depot=home,
                fixed_cost=int(round(vt.fixed_cost_cny * COST_SCALE)),
                tw_early=vt.shift_start_s, tw_late=late(vt.shift_end_s, vt.shift_start_s),
                shift_duration=shift_duration(problem, vt),
                unit_distance_cost=int(round(vt.cost_per_km_cny * COST_SCALE / 1000)),
                reload_depots=reload,
                max_reloads=vt.max_trips - 1 if vt.max_trips is not None else np.iinfo(np.uint64).max,
                name=vt.name,
            )
        )
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [distance], [duration])
    return data, client_stop, final_sites


def solve_pyvrp(
    problem: RoutingProblem, time_limit: float, seed: int, max_iterations: int | None, skip: set[int],
    penalty: PenaltyParams | None = None,
) -> list[RawRoute]:
    """Solve with PyVRP's iterated local search; returns raw routes for ``make_plan``.
    ``penalty`` replaces ``instance_penalties`` (to compare with PyVRP's defaults)."""
    if len(skip) == len(problem.stops):
        return []
    data, client_stop, final_sites = build_data(problem, skip)
    stop = MaxRuntime(time_limit)
    if max_iterations is not None:
        stop = MultipleCriteria([MaxIterations(max_iterations), stop])
    params = SolveParams(penalty=penalty or instance_penalties(data))
    result = pyvrp.solve(data, stop=stop, seed=seed, collect_stats=False, display=False, params=params)
    n_garages = len(problem.depots)
    raw_routes = []
    for route in result.best.routes():
        type_index = route.vehicle_type()
        home = problem.depot_index(problem.vehicle_types[type_index].depot_id)
        schedule = route.schedule()
        calls = [Call("start", home, schedule[0].end_time)]
        for activity in schedule[1:-1]:
            if activity.is_client():
                calls.append(Call("stop", client_stop[activity.idx], activity.start_time))
            else:
                calls.append(Call("unload", activity.idx - n_garages, activity.start_time))
        last = calls[-1]
        if last.kind == "stop" and home in final_sites:
            site = int(final_sites[home][last.index])
            leave = schedule[-2].end_time
            arrive = leave + int(problem.duration_s[problem.stop_location(last.index), problem.site_location(site)])
            calls.append(Call("unload", site, max(arrive, problem.sites[site].open_s)))
        calls.append(Call("end", home, schedule[-1].start_time))
        raw_routes.append(RawRoute(type_index, tuple(calls)))
    raw_routes = [piece for raw in raw_routes for piece in split_daily_caps(problem, raw)]
    if problem.lunch_break is not None:
        raw_routes = [fit_lunch(problem, raw) for raw in raw_routes]
    return raw_routes


def split_daily_caps(problem: RoutingProblem, raw: RawRoute) -> list[RawRoute]:
    """One truck's day as several trucks' days, cut between trips wherever the day would
    pass its vehicle type's cap on stops or load per day. A later truck leaves the garage
    just in time for its first call, so every call keeps its time."""
    vt = problem.vehicle_types[raw.vehicle_type]
    if vt.max_load_per_route is None and vt.max_stops_per_route is None:
        return [raw]
    load_cap = np.asarray(vt.max_load_per_route if vt.max_load_per_route is not None else [np.inf])
    stop_cap = vt.max_stops_per_route if vt.max_stops_per_route is not None else np.inf
    trips, trip = [], []
    for call in raw.calls[1:-1]:
        trip.append(call)
        if call.kind == "unload":
            trips.append(trip)
            trip = []
    if trip:
        trips.append(trip)
    days, day, load, stops = [], [], 0.0, 0
    for trip in trips:
        trip_load = np.sum([problem.stops[c.index].load for c in trip if c.kind == "stop"], axis=0)
        trip_stops = sum(c.kind == "stop" for c in trip)
        if day and (np.any(load + trip_load > load_cap + 1e-9) or stops + trip_stops > stop_cap):
            days.append(day)
            day, load, stops = [], 0.0, 0
        day, load, stops = day + trip, load + trip_load, stops + trip_stops
    days.append(day)
    if len(days) == 1:
        return [raw]
    start, end = raw.calls[0], raw.calls[-1]
    home = problem.depot_location(start.index)
    pieces = []
    for number, day in enumerate(days):
        first, last = day[0], day[-1]
        leave = start if number == 0 else Call(
            "start", start.index, first.start_s - int(problem.duration_s[home, call_location(problem, first)]))
        back = end if number == len(days) - 1 else Call(
            "end", end.index,
            last.start_s + call_service_s(problem, last) + int(problem.duration_s[call_location(problem, last), home]))
        pieces.append(RawRoute(raw.vehicle_type, (leave, *day, back)))
    return pieces
