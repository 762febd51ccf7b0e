"""One entry point: ``solve(problem, engine, time_limit, seed) -> RoutePlan``.

Engines return raw routes (the places called at and the service start times); this module
turns them into a ``RoutePlan``, lists dropped stops with a reason, and lets the
independent checker (``check.py``) decide whether the plan is feasible.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from wasteopt.config.errors import InfeasibleError, ScenarioError
from wasteopt.routing.assemble import assemble_route
from wasteopt.routing.plan import DroppedStop, RoutePlan

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem

ENGINES = ("pyvrp", "ortools")


def engine_limitations(problem: RoutingProblem) -> list[str]:
    """Features of ``problem`` outside PyVRP's model: its plan meets them only by splitting
    days after the search (``pyvrp_engine.split_daily_caps``), so "auto" gives such problems
    to OR-Tools, which models them. (Both engines fit the lunch break after the search.)"""
    reasons = []
    if any(vt.max_stops_per_route is not None for vt in problem.vehicle_types):
        reasons.append("a per-day stop cap across trips")
    if any(vt.max_load_per_route is not None for vt in problem.vehicle_types):
        reasons.append("a per-day load cap across trips")
    return reasons


def solve(
    problem: RoutingProblem,
    engine: str = "auto",
    time_limit: float = 10.0,
    seed: int = 0,
    max_iterations: int | None = None,
) -> RoutePlan:
    """Route ``problem`` with ``engine`` ("pyvrp", "ortools" or "auto": PyVRP unless the
    problem has a feature only OR-Tools models, see ``engine_limitations``). ``time_limit``
    in s. ``max_iterations`` (PyVRP only) stops earlier and makes the result independent of
    machine speed."""
    if engine == "auto":
        engine = "ortools" if engine_limitations(problem) else "pyvrp"
    if engine not in ENGINES:
        raise ScenarioError(f"unknown routing engine {engine!r}; choose from {', '.join(ENGINES)} or auto")
    if time_limit <= 0:
        raise ScenarioError(f"time limit must be > 0 s (got {time_limit})")
    unservable = {i: why for i, why in ((i, _alone_infeasible(problem, i)) for i in range(len(problem.stops))) if why}
    required_bad = {problem.stops[i].stop_id: why for i, why in unservable.items() if problem.stops[i].required}
    if required_bad:
        first = next(iter(required_bad.items()))
        raise InfeasibleError(
            f"{problem.name}: {len(required_bad)} required stop(s) cannot be served by any truck, "
            f"e.g. {first[0]}: {first[1]}",
            explanation=required_bad,
        )
    short = fleet_shortfall(problem)
    if short:
        raise InfeasibleError(f"{problem.name}: {short}", explanation={"fleet": short})
    from wasteopt.routing.fleet import chain_days

    started = time.perf_counter()
    if engine == "pyvrp":
        from wasteopt.routing.pyvrp_engine import solve_pyvrp

        raw_routes = solve_pyvrp(problem, time_limit, seed, max_iterations, skip=set(unservable))
    else:
        from wasteopt.routing.ortools_engine import solve_ortools

        raw_routes = solve_ortools(problem, time_limit, seed, skip=set(unservable))
    raw_routes = chain_days(problem, raw_routes)
    seconds = time.perf_counter() - started
    return make_plan(problem, engine, raw_routes, seconds, seed, time_limit, unservable)


def make_plan(problem, engine, raw_routes, seconds, seed, time_limit, unservable=None) -> RoutePlan:
    """Assemble a ``RoutePlan`` from raw engine routes and run the independent checker."""
    from wasteopt.routing.check import check_plan

    unservable = unservable or {}
    counters: dict[int, int] = {}
    routes = []
    for raw in raw_routes:
        counters[raw.vehicle_type] = counters.get(raw.vehicle_type, 0) + 1
        routes.append(assemble_route(problem, raw, counters[raw.vehicle_type]))
    served = {c.index for raw in raw_routes for c in raw.calls if c.kind == "stop"}
    dropped = tuple(
        DroppedStop(s.stop_id, s.required, unservable.get(i) or _drop_reason(s))
        for i, s in enumerate(problem.stops)
        if i not in served
    )
    plan = RoutePlan(problem, engine, tuple(routes), dropped, "unchecked", (), seconds, seed, time_limit)
    violations = tuple(check_plan(problem, plan))
    status = "feasible" if not violations else "infeasible"
    return RoutePlan(problem, engine, tuple(routes), dropped, status, violations, seconds, seed, time_limit)


def fleet_shortfall(problem: RoutingProblem) -> str | None:
    """Why the whole fleet cannot carry the required load in one day (None if it might).

    Only provable when every truck's day is capped (``max_trips`` or ``max_load_per_route``):
    then a truck collects at most min(capacity × max_trips, max_load_per_route) per load unit.
    """
    required = np.sum([s.load for s in problem.stops if s.required], axis=0) if problem.stops else None
    if required is None or np.ndim(required) == 0:
        return None
    most = np.zeros(len(problem.load_units))
    for vt in problem.vehicle_types:
        per_truck = np.full(len(problem.load_units), np.inf)
        if vt.max_trips is not None:
            per_truck = np.minimum(per_truck, np.asarray(vt.capacity, float) * vt.max_trips)
        if vt.max_load_per_route is not None:
            per_truck = np.minimum(per_truck, np.asarray(vt.max_load_per_route, float))
        most = most + vt.count * per_truck
    for unit, need, can in zip(problem.load_units, required, most):
        if np.isfinite(can) and need > can + 1e-9:
            trucks = ", ".join(f"{vt.count} × {vt.name}" for vt in problem.vehicle_types)
            return (f"fleet too small: the required stops hold {need:g} {unit} but the fleet ({trucks}) "
                    f"can collect at most {can:g} {unit} a day: short by {need - can:g} {unit}")
    return None


def _drop_reason(stop) -> str:
    if stop.required:
        return "required, but the engine found no route with room for it within fleet, shift and time windows"
    return f"optional: serving it would cost more than its penalty of {stop.penalty_cny:g} CNY"


def _alone_infeasible(problem: RoutingProblem, index: int) -> str | None:
    """Why stop ``index`` cannot be served even by a truck that serves nothing else (else None)."""
    stop = problem.stops[index]
    loc = problem.stop_location(index)
    reasons = []
    for vt in problem.vehicle_types:
        if vt.count == 0:
            continue
        if any(load > cap for load, cap in zip(stop.load, vt.capacity)):
            reasons.append(f"{vt.name}: load {stop.load} exceeds capacity {vt.capacity}")
            continue
        depot_index = problem.depot_index(vt.depot_id)
        depot = problem.depots[depot_index]
        home = problem.depot_location(depot_index)
        leave = max(vt.shift_start_s, depot.open_s)
        arrive = leave + int(problem.duration_s[home, loc])
        start = max(arrive, stop.tw_early_s)
        if start > stop.tw_late_s:
            reasons.append(f"{vt.name}: earliest arrival {arrive} s is after the window closes at {stop.tw_late_s} s")
            continue
        done = start + stop.service_s
        if depot.accepts_waste:
            back = done + int(problem.duration_s[loc, home])
        else:
            sites = [problem.site_location(k) for k in range(len(problem.sites))]
            back = min(
                max(done + int(problem.duration_s[loc, s]), site.open_s) + site.unload_s + int(problem.duration_s[s, home])
                for s, site in zip(sites, problem.sites)
            )
        # A later start may avoid waiting; the shortest possible day is back - start + travel out.
        shortest_day = back - start + int(problem.duration_s[home, loc])
        if back > min(vt.shift_end_s, depot.close_s) or (vt.max_shift_s is not None and shortest_day > vt.max_shift_s):
            reasons.append(f"{vt.name}: a round trip with unloading does not fit in the shift")
            continue
        return None
    return "; ".join(reasons) or "no trucks: every vehicle type has count 0"
