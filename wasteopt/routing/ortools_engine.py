"""OR-Tools routing engine, for what PyVRP lacks: caps on stops or load per truck per day
across trips.

Reloads follow OR-Tools' ``cvrp_reload`` sample: every disposal site gets several
optional copies (zero-penalty disjunctions); a copy's load transit is minus the largest
capacity and the load dimension's slack lets the load drop to zero there. A truck whose
garage does not accept waste must come back empty: as in the PyVRP engine, the arc
stop -> garage is stop -> nearest-by-road site -> garage (distance, driving and unload
time), so every route ends empty by construction. (A soft "empty at the end" bound let
plans of 1,000 stops come back loaded.) The lunch break is held back during the search and
fitted into each day after it (``wasteopt.routing.lunch``).
Integers as in PyVRP: metres, seconds, loads × ``LOAD_SCALE``, money × ``COST_SCALE``.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from wasteopt.routing.lunch import fit_lunch, lunch_reserve, shift_duration
from wasteopt.routing.types import COST_SCALE, LOAD_SCALE, Call, RawRoute, final_unload_sites, scaled_loads

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem

REQUIRED_PENALTY_CNY = 1e7


def site_copies(problem: RoutingProblem, vehicles: int) -> int:
    """Copies per disposal site: enough for every mid-route unload a full-enough fleet
    could make (a truck's last unload is on its arc home when its garage takes no waste)."""
    dims = len(problem.load_units)
    trips = 1
    for d in range(dims):
        total = sum(s.load[d] for s in problem.stops)
        smallest = min((vt.capacity[d] for vt in problem.vehicle_types if vt.count), default=0)
        if smallest > 0:
            trips = max(trips, math.ceil(1.5 * total / smallest))
    copies = trips + (vehicles if all(d.accepts_waste for d in problem.depots) else 0)
    caps = [vt.max_trips * vt.count for vt in problem.vehicle_types if vt.max_trips is not None]
    if len(caps) == len(problem.vehicle_types):
        copies = min(copies, sum(caps))
    return max(copies, 1)


def solve_ortools(problem: RoutingProblem, time_limit: float, seed: int, skip: set[int]) -> list[RawRoute]:
    """Solve with guided local search for ``time_limit`` s. OR-Tools has no seed; a time
    limit makes results depend on machine speed."""
    del seed  # OR-Tools routing search is deterministic for a given amount of search.
    vehicle_type_of = [t for t, vt in enumerate(problem.vehicle_types) for _ in range(vt.count)]
    n_vehicles = len(vehicle_type_of)
    stops = [i for i in range(len(problem.stops)) if i not in skip]
    if not stops or not n_vehicles:
        return []
    copies = site_copies(problem, n_vehicles) if problem.sites else 0
    # Nodes: garages, then site copies, then stops.
    node_kind = [("start", d) for d in range(len(problem.depots))]
    node_kind += [("unload", k) for k in range(len(problem.sites)) for _ in range(copies)]
    node_kind += [("stop", i) for i in stops]
    location_of = {"start": problem.depot_location, "unload": problem.site_location, "stop": problem.stop_location}
    node_location = np.array([location_of[kind](index) for kind, index in node_kind])
    n_nodes = len(node_kind)
    homes = [problem.depot_index(problem.vehicle_types[t].depot_id) for t in vehicle_type_of]
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_vehicles, homes, homes)
    routing = pywrapcp.RoutingModel(manager)

    distance = problem.distance_m[np.ix_(node_location, node_location)].astype(np.int64)
    service = np.zeros(n_nodes, np.int64)
    for node, (kind, index) in enumerate(node_kind):
        service[node] = problem.sites[index].unload_s if kind == "unload" else (
            problem.stops[index].service_s if kind == "stop" else 0)
    travel_time = problem.duration_s[np.ix_(node_location, node_location)].astype(np.int64)
    stop_nodes = np.array([node for node, (kind, _) in enumerate(node_kind) if kind == "stop"])
    final_sites = {}
    for d, depot in enumerate(problem.depots):
        if depot.accepts_waste or not problem.sites:
            continue
        best = final_unload_sites(problem, d)[stops]
        site_locs = np.array([problem.site_location(k) for k in best])
        stop_locs = node_location[stop_nodes]
        home = problem.depot_location(d)
        distance[stop_nodes, d] = problem.distance_m[stop_locs, site_locs] + problem.distance_m[site_locs, home]
        travel_time[stop_nodes, d] = (problem.duration_s[stop_locs, site_locs] + problem.duration_s[site_locs, home]
                                      + np.array([problem.sites[k].unload_s for k in best]))
        final_sites[d] = dict(zip(stops, best))

    # Dropping a required stop must cost more than any truck could cost serving it.
    biggest_cost = max(vt.fixed_cost_cny + vt.cost_per_km_cny * 2 * distance.max() / 1000 for vt in problem.vehicle_types)
    required_penalty = int(round(max(REQUIRED_PENALTY_CNY, 100 * biggest_cost) * COST_SCALE))
    cost_callbacks: dict[int, int] = {}
    for v, t in enumerate(vehicle_type_of):
        vt = problem.vehicle_types[t]
        per_metre = int(round(vt.cost_per_km_cny * COST_SCALE / 1000))
        if per_metre not in cost_callbacks:
            cost_callbacks[per_metre] = routing.RegisterTransitMatrix((distance * per_metre).tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_callbacks[per_metre], v)
        routing.SetFixedCostOfVehicle(int(round(vt.fixed_cost_cny * COST_SCALE)), v)

    time_callback = routing.RegisterTransitMatrix((travel_time + service[:, None]).tolist())
    horizon = 2 * 24 * 3600
    routing.AddDimension(time_callback, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    late = lunch_reserve(problem)
    for node, (kind, index) in enumerate(node_kind):
        if kind == "start":
            continue
        early, close = (problem.stops[index].tw_early_s, problem.stops[index].tw_late_s) if kind == "stop" else (
            problem.sites[index].open_s, problem.sites[index].close_s)
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(early, late(close, early))
    for v, t in enumerate(vehicle_type_of):
        vt = problem.vehicle_types[t]
        depot = problem.depots[homes[v]]
        early = max(vt.shift_start_s, depot.open_s)
        close = late(min(vt.shift_end_s, depot.close_s), early)
        time_dim.CumulVar(routing.Start(v)).SetRange(early, close)
        time_dim.CumulVar(routing.End(v)).SetRange(early, close)
        if vt.max_shift_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(shift_duration(problem, vt), v)
    # Finalizers run in the order added: earliest return first, then the latest departure
    # that still allows it, so reported days have no idle time at either end.
    for v in range(n_vehicles):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
    for v in range(n_vehicles):
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    for d in range(len(problem.load_units)):
        caps = [int(round(problem.vehicle_types[t].capacity[d] * LOAD_SCALE)) for t in vehicle_type_of]
        biggest = max(caps)
        transit = [0] * n_nodes
        for node, (kind, index) in enumerate(node_kind):
            if kind == "stop":
                transit[node] = scaled_loads(problem.stops[index].load)[d]
            elif kind == "unload":
                transit[node] = -biggest
        load_callback = routing.RegisterUnaryTransitVector(transit)
        routing.AddDimensionWithVehicleCapacity(load_callback, biggest, caps, True, f"load{d}")
        daily = [problem.vehicle_types[t].max_load_per_route for t in vehicle_type_of]
        if any(cap is not None for cap in daily):
            collected = [max(value, 0) for value in transit]
            caps = [int(round(cap[d] * LOAD_SCALE)) if cap is not None else sum(collected) for cap in daily]
            routing.AddDimensionWithVehicleCapacity(
                routing.RegisterUnaryTransitVector(collected), 0, caps, True, f"daily_load{d}")

    counters = [
        ("stops", "stop", [problem.vehicle_types[t].max_stops_per_route for t in vehicle_type_of]),
        ("trips", "unload", [_mid_route_unloads(problem, t) for t in vehicle_type_of]),
    ]
    for name, counted_kind, limits in counters:
        if any(limit is not None for limit in limits):
            ones = [int(kind == counted_kind) for kind, _ in node_kind]
            caps = [limit if limit is not None else n_nodes for limit in limits]
            routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitVector(ones), 0, caps, True, name)

    for node, (kind, index) in enumerate(node_kind):
        if kind == "unload":
            routing.AddDisjunction([manager.NodeToIndex(node)], 0)
        elif kind == "stop":
            penalty = problem.stops[index].penalty_cny
            scaled = required_penalty if penalty is None else int(round(penalty * COST_SCALE))
            routing.AddDisjunction([manager.NodeToIndex(node)], scaled)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []

    raw_routes = []
    for v in range(n_vehicles):
        index = routing.Start(v)
        if routing.IsEnd(solution.Value(routing.NextVar(index))):
            continue
        calls = [Call("start", homes[v], solution.Min(time_dim.CumulVar(index)))]
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            kind, problem_index = node_kind[manager.IndexToNode(index)]
            # Costs ignore time, so an unload with nothing on board can ride along for free.
            if kind == "stop" or calls[-1].kind == "stop":
                calls.append(Call(kind, problem_index, solution.Min(time_dim.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        if calls[-1].kind == "stop" and homes[v] in final_sites:
            site = int(final_sites[homes[v]][calls[-1].index])
            leave = calls[-1].start_s + problem.stops[calls[-1].index].service_s
            arrive = leave + int(problem.duration_s[problem.stop_location(calls[-1].index), problem.site_location(site)])
            calls.append(Call("unload", site, max(arrive, problem.sites[site].open_s)))
        calls.append(Call("end", homes[v], solution.Min(time_dim.CumulVar(index))))
        raw_routes.append(RawRoute(vehicle_type_of[v], tuple(calls)))
    if problem.lunch_break is not None:
        raw_routes = [fit_lunch(problem, raw) for raw in raw_routes]
    return raw_routes


def _mid_route_unloads(problem: RoutingProblem, vehicle_type: int) -> int | None:
    """Cap on a truck's site-copy visits: its trips, less the last unload on the arc home."""
    vt = problem.vehicle_types[vehicle_type]
    if vt.max_trips is None:
        return None
    return vt.max_trips - (0 if problem.depots[problem.depot_index(vt.depot_id)].accepts_waste else 1)
