"""The result of a routing solve: routes of visits with times and loads, dropped stops, KPIs.

Times are seconds since midnight, distances km, loads in the problem's load units.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem


@dataclass(frozen=True)
class Visit:
    """One call on a route. ``kind`` is "start", "stop", "unload" or "end".
    ``load_after`` is on board when leaving; ``unloaded`` what was tipped here."""

    kind: str
    place_id: str
    location: int
    arrival_s: int
    start_s: int
    end_s: int
    load_after: tuple[float, ...]
    unloaded: tuple[float, ...]
    km_from_previous: float


@dataclass(frozen=True)
class Route:
    """One truck's day. ``break_start_s`` is when the driver's lunch starts, if any."""

    vehicle_type: str
    vehicle: int
    visits: tuple[Visit, ...]
    cost_cny: float
    break_start_s: int | None = None

    @property
    def km(self) -> float:
        return sum(v.km_from_previous for v in self.visits)

    @property
    def hours(self) -> float:
        return (self.visits[-1].arrival_s - self.visits[0].end_s) / 3600

    @property
    def num_stops(self) -> int:
        return sum(v.kind == "stop" for v in self.visits)

    @property
    def num_unloads(self) -> int:
        return sum(v.kind == "unload" for v in self.visits)

    @property
    def trips(self) -> int:
        """Loads tipped in the day: unloads at sites, plus the last load at a garage that takes waste."""
        return sum(any(u > 0 for u in v.unloaded) for v in self.visits)

    def load_km(self, dimension: int = 0) -> float:
        """Σ load on board × km driven, e.g. t·km for a tonnes dimension."""
        total = 0.0
        for before, after in zip(self.visits, self.visits[1:]):
            total += before.load_after[dimension] * after.km_from_previous
        return total


@dataclass(frozen=True)
class DroppedStop:
    stop_id: str
    required: bool
    reason: str


@dataclass(frozen=True, eq=False)
class RoutePlan:
    """Routes for one ``RoutingProblem``. ``status`` is "feasible" when the independent
    checker found no violation, else "infeasible" with the ``violations`` listed.
    ``road_lines`` maps (from location, to location) to the x/y vertices of the road that leg
    drives (routes on an OSM road network); without it a leg is drawn straight."""

    problem: RoutingProblem
    engine: str
    routes: tuple[Route, ...]
    dropped: tuple[DroppedStop, ...]
    status: str
    violations: tuple[str, ...]
    seconds: float
    seed: int
    time_limit_s: float
    road_lines: dict[tuple[int, int], np.ndarray] | None = field(default=None, repr=False)

    @property
    def vehicles_used(self) -> int:
        return len(self.routes)

    @property
    def km(self) -> float:
        return sum(r.km for r in self.routes)

    @property
    def hours(self) -> float:
        return sum(r.hours for r in self.routes)

    @property
    def cost_cny(self) -> float:
        return sum(r.cost_cny for r in self.routes) + sum(
            self.problem.stops[i].penalty_cny or 0.0 for i in self._dropped_indices()
        )

    def collected(self, dimension: int = 0) -> float:
        return sum(v.unloaded[dimension] for r in self.routes for v in r.visits)

    def load_km(self, dimension: int = 0) -> float:
        return sum(r.load_km(dimension) for r in self.routes)

    def shift_hours(self, route: Route) -> float:
        """The working day a truck of ``route``'s type may use: its longest day, else its shift window."""
        vt = next(vt for vt in self.problem.vehicle_types if vt.name == route.vehicle_type)
        return (vt.max_shift_s if vt.max_shift_s is not None else vt.shift_end_s - vt.shift_start_s) / 3600

    def shift_use_pct(self, route: Route) -> float:
        """Hours from leaving the garage to coming back, as a share of the shift (%)."""
        shift = self.shift_hours(route)
        return round(100 * route.hours / shift, 1) if shift > 0 else float("nan")

    def _dropped_indices(self) -> list[int]:
        position = {s.stop_id: i for i, s in enumerate(self.problem.stops)}
        return [position[d.stop_id] for d in self.dropped]

    def kpis(self) -> dict[str, float]:
        """Vehicles, km/day, hours, trips, the share of the fleet's shift hours used (%),
        load·km and cost per unit of the first load dimension."""
        unit = self.problem.load_units[0]
        collected = self.collected(0)
        shift = sum(self.shift_hours(r) for r in self.routes)
        return {
            "vehicles": self.vehicles_used,
            "km_per_day": round(self.km, 3),
            "hours": round(self.hours, 3),
            "trips": sum(r.trips for r in self.routes),
            "shift_use_pct": round(100 * self.hours / shift, 1) if shift > 0 else float("nan"),
            f"{unit}_km": round(self.load_km(0), 3),
            f"collected_{unit}": round(collected, 3),
            "cost_cny": round(self.cost_cny, 2),
            f"cost_cny_per_{unit}": round(self.cost_cny / collected, 3) if collected else float("nan"),
            "stops_dropped": len(self.dropped),
            "feasible": self.status == "feasible",
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``routes`` (one row per truck, with its trips and shift use), ``visits`` (every call
        in order, each with its truck's hours and shift use), ``unloads`` and ``dropped``.
        Load columns are named ``load_<unit>`` / ``unloaded_<unit>``."""
        units = self.problem.load_units
        x, y = self.problem.coordinates()
        route_rows, visit_rows = [], []
        for number, route in enumerate(self.routes, start=1):
            route_rows.append(
                {
                    "route": number,
                    "vehicle_type": route.vehicle_type,
                    "vehicle": route.vehicle,
                    "stops": route.num_stops,
                    "unloads": route.num_unloads,
                    "trips": route.trips,
                    "km": round(route.km, 3),
                    "hours": round(route.hours, 3),
                    "shift_use_pct": self.shift_use_pct(route),
                    "start": _clock(route.visits[0].end_s),
                    "end": _clock(route.visits[-1].arrival_s),
                    "lunch_start": None if route.break_start_s is None else _clock(route.break_start_s),
                    "cost_cny": round(route.cost_cny, 2),
                    **{f"{u}_km": round(route.load_km(d), 3) for d, u in enumerate(units)},
                }
            )
            for order, visit in enumerate(route.visits):
                visit_rows.append(
                    {
                        "route": number,
                        "route_hours": round(route.hours, 3),
                        "route_shift_use_pct": self.shift_use_pct(route),
                        "order": order,
                        "kind": visit.kind,
                        "place_id": visit.place_id,
                        "x": x[visit.location],
                        "y": y[visit.location],
                        "arrival": _clock(visit.arrival_s),
                        "start": _clock(visit.start_s),
                        "departure": _clock(visit.end_s),
                        "arrival_s": visit.arrival_s,
                        "start_s": visit.start_s,
                        "departure_s": visit.end_s,
                        "km_from_previous": round(visit.km_from_previous, 3),
                        **{f"load_{u}": visit.load_after[d] for d, u in enumerate(units)},
                        **{f"unloaded_{u}": visit.unloaded[d] for d, u in enumerate(units)},
                    }
                )
        visits = pd.DataFrame(visit_rows)
        unloads = visits[visits.kind == "unload"].reset_index(drop=True) if len(visits) else visits
        dropped = pd.DataFrame([vars(d) for d in self.dropped], columns=["stop_id", "required", "reason"])
        return {"routes": pd.DataFrame(route_rows), "visits": visits, "unloads": unloads, "dropped": dropped}

    def to_geodataframes(self) -> dict:
        """``routes`` as lines, ``stops`` and ``unloads`` as points, in the problem's CRS."""
        import geopandas as gpd
        from shapely.geometry import LineString

        if self.problem.crs is None:
            raise ValueError(f"{self.problem.name}: planar benchmark coordinates have no map CRS")
        frames = self.to_frames()
        visits = frames["visits"]
        lines = [LineString(self._route_vertices(route)) for route in self.routes]
        routes = gpd.GeoDataFrame(frames["routes"], geometry=lines, crs=self.problem.crs)
        stops = visits[visits.kind == "stop"] if len(visits) else visits
        synthetic = {s.stop_id: s.synthetic for s in self.problem.stops}
        stops = stops.assign(synthetic=[synthetic[p] for p in stops.place_id]) if len(stops) else stops
        return {
            "routes": routes,
            "stops": _points(stops, self.problem.crs),
            "unloads": _points(frames["unloads"], self.problem.crs),
        }


    def _route_vertices(self, route: Route) -> np.ndarray:
        """x/y vertices of one route: along the roads of ``road_lines``, else straight from call to call."""
        x, y = self.problem.coordinates()
        calls = [visit.location for visit in route.visits]
        if not self.road_lines:
            return np.column_stack([x[calls], y[calls]])
        parts = [np.array([[x[calls[0]], y[calls[0]]]])]
        parts += [self.road_lines[a, b][1:] for a, b in zip(calls, calls[1:]) if a != b]
        return np.vstack(parts)


def _points(frame: pd.DataFrame, crs: str):
    import geopandas as gpd

    if not len(frame):
        return gpd.GeoDataFrame(frame, geometry=[], crs=crs)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.x, frame.y), crs=crs)


def _clock(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
