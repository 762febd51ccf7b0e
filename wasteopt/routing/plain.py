"""Plain PyVRP and plain OR-Tools on a CVRPLIB file, the like-for-like peers of our wrapper
in ``wasteopt bench cvrp``: each library used as its own documentation shows, with default
parameters, on the same file, fleet, time limit and seed.

- PyVRP: ``pyvrp.read(path, round_func=cvrplib.nint)`` and ``pyvrp.solve`` with default
  ``SolveParams``. (Its own ``round_func="round"`` is NumPy's half-to-even, not CVRPLIB's
  nint: on F-n45-k4 it reports 721, below the proven optimum 724 of the real costs.) The
  fleet is the reader's (unlimited: one truck per client) unless the set fixes it
  (``cvrplib.fixed_fleet``).
- OR-Tools: the CVRP of its routing guide: arc costs from the same rounded matrix, one
  capacity dimension, PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH until the time limit.
  The vehicle count is the same fleet: fixed, or one truck per client.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PlainResult:
    """Cost of the best feasible plan (None if none was found) and wall seconds from the read
    instance to the solution, as ``RoutePlan.seconds`` counts for the wrapper."""

    cost: float | None
    seconds: float


def plain_pyvrp(path: Path, time_limit: float, seed: int) -> PlainResult:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from wasteopt.routing.cvrplib import fixed_fleet, nint

    data = pyvrp.read(str(path), round_func=nint)
    fleet = fixed_fleet(Path(path).stem, _vehicles(path))
    if fleet is not None:
        data = data.replace(vehicle_types=[data.vehicle_type(0).replace(num_available=fleet)])
    started = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, collect_stats=False, display=False)
    seconds = time.perf_counter() - started
    return PlainResult(float(result.cost()) if result.is_feasible() else None, seconds)


def plain_ortools(path: Path, time_limit: float) -> PlainResult:
    import vrplib
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from wasteopt.routing.cvrplib import fixed_fleet, nint

    instance = vrplib.read_instance(str(path))
    distance = nint(instance["edge_weight"]).tolist()
    demand = [int(d) for d in instance["demand"]]
    capacity = int(instance["capacity"])
    vehicles = fixed_fleet(Path(path).stem, instance.get("vehicles")) or len(demand) - 1
    started = time.perf_counter()
    manager = pywrapcp.RoutingIndexManager(len(demand), vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i, j):
        return distance[manager.IndexToNode(i)][manager.IndexToNode(j)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
    load = routing.RegisterUnaryTransitCallback(lambda i: demand[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vehicles, True, "capacity")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - started
    return PlainResult(float(solution.ObjectiveValue()) if solution else None, seconds)


def _vehicles(path: Path) -> int | None:
    import vrplib

    return vrplib.read_instance(str(path)).get("vehicles")
