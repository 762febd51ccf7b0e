"""The routing problem: depots, disposal sites, stops, fleet, and one distance/time matrix.

Units throughout: distances in metres (int), times in seconds since midnight (int),
loads in the units named by ``RoutingProblem.load_units`` (tonnes by default), money in
CNY. Locations are numbered depots first, then disposal sites, then stops; the two
matrices are indexed by that number and shared by every vehicle type (one copy only).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.data.network import haversine_km

DAY_S = 24 * 3600


@dataclass(frozen=True)
class Depot:
    """Where trucks start and end their day. ``accepts_waste``: the garage is itself an
    unloading point (classic CVRP); otherwise a truck must be empty when it returns."""

    depot_id: str
    name: str
    x: float
    y: float
    open_s: int = 0
    close_s: int = DAY_S
    accepts_waste: bool = False


@dataclass(frozen=True)
class DisposalSite:
    """A plant, transfer station or yard where a truck unloads mid-route (``unload_s`` s)."""

    site_id: str
    name: str
    x: float
    y: float
    unload_s: int = 900
    open_s: int = 0
    close_s: int = DAY_S


@dataclass(frozen=True)
class Stop:
    """A collection point. ``load`` is one amount per load unit of the problem.
    ``penalty_cny`` None means the stop is required; otherwise skipping it costs that much."""

    stop_id: str
    name: str
    x: float
    y: float
    load: tuple[float, ...]
    service_s: int = 0
    tw_early_s: int = 0
    tw_late_s: int = DAY_S
    penalty_cny: float | None = None
    synthetic: bool = False

    @property
    def required(self) -> bool:
        return self.penalty_cny is None


@dataclass(frozen=True)
class VehicleType:
    """``count`` identical trucks based at ``depot_id``.

    ``capacity`` is per trip (one amount per load unit). ``max_load_per_route`` caps what
    one truck collects over all trips of its day; ``max_stops_per_route`` caps its stops
    per day; ``max_trips`` caps its unloading trips per day; ``max_shift_s`` caps the time
    from leaving the depot to returning."""

    name: str
    count: int
    capacity: tuple[float, ...]
    depot_id: str
    fixed_cost_cny: float = 0.0
    cost_per_km_cny: float = 1.0
    shift_start_s: int = 0
    shift_end_s: int = DAY_S
    max_shift_s: int | None = None
    max_stops_per_route: int | None = None
    max_load_per_route: tuple[float, ...] | None = None
    max_trips: int | None = None


@dataclass(frozen=True)
class LunchBreak:
    """Every driver who works takes ``duration_s`` off, starting within
    [``earliest_start_s``, ``latest_start_s``]; the truck neither drives nor serves then."""

    earliest_start_s: int
    latest_start_s: int
    duration_s: int


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One day of collection. ``distance_m`` and ``duration_s`` are square integer
    matrices over all locations (depots, then sites, then stops). ``crs`` names the
    coordinate system of x/y (EPSG:4326 lon/lat), or None for planar benchmark data."""

    name: str
    depots: tuple[Depot, ...]
    sites: tuple[DisposalSite, ...]
    stops: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    distance_m: np.ndarray = field(repr=False)
    duration_s: np.ndarray = field(repr=False)
    load_units: tuple[str, ...] = ("t",)
    lunch_break: LunchBreak | None = None
    crs: str | None = "EPSG:4326"

    def __post_init__(self) -> None:
        n = self.num_locations
        for label, matrix in (("distance_m", self.distance_m), ("duration_s", self.duration_s)):
            if matrix.shape != (n, n):
                raise ScenarioError(f"{self.name}: {label} is {matrix.shape}, expected ({n}, {n})")
            if not np.issubdtype(matrix.dtype, np.integer):
                raise ScenarioError(f"{self.name}: {label} must hold integers")
            if n and matrix.min() < 0:
                raise ScenarioError(f"{self.name}: {label} has negative entries")
            matrix.flags.writeable = False
        if not self.depots:
            raise ScenarioError(f"{self.name}: no depot")
        if not self.vehicle_types:
            raise ScenarioError(f"{self.name}: no vehicle type")
        ids = [d.depot_id for d in self.depots] + [s.site_id for s in self.sites]
        ids += [s.stop_id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ScenarioError(f"{self.name}: depot, site and stop ids must be unique")
        depot_ids = {d.depot_id for d in self.depots}
        dims = len(self.load_units)
        for vt in self.vehicle_types:
            if vt.depot_id not in depot_ids:
                raise ScenarioError(f"{self.name}: vehicle type {vt.name} uses unknown depot {vt.depot_id}")
            if vt.count < 0 or len(vt.capacity) != dims or min(vt.capacity) < 0:
                raise ScenarioError(f"{self.name}: vehicle type {vt.name} needs count >= 0 and {dims} capacities >= 0")
            if vt.max_load_per_route is not None and len(vt.max_load_per_route) != dims:
                raise ScenarioError(f"{self.name}: vehicle type {vt.name} max_load_per_route needs {dims} values")
            if vt.shift_end_s < vt.shift_start_s:
                raise ScenarioError(f"{self.name}: vehicle type {vt.name} shift ends before it starts")
        for stop in self.stops:
            if len(stop.load) != dims or min(stop.load, default=0) < 0:
                raise ScenarioError(f"{self.name}: stop {stop.stop_id} needs {dims} loads >= 0")
            if stop.tw_late_s < stop.tw_early_s:
                raise ScenarioError(f"{self.name}: stop {stop.stop_id} time window ends before it starts")
        needs_site = any(not d.accepts_waste for d in self.depots)
        if needs_site and not self.sites and self.stops:
            raise ScenarioError(f"{self.name}: no disposal site and the depot does not accept waste")

    @property
    def num_locations(self) -> int:
        return len(self.depots) + len(self.sites) + len(self.stops)

    def depot_location(self, index: int) -> int:
        return index

    def site_location(self, index: int) -> int:
        return len(self.depots) + index

    def stop_location(self, index: int) -> int:
        return len(self.depots) + len(self.sites) + index

    def depot_index(self, depot_id: str) -> int:
        return next(i for i, d in enumerate(self.depots) if d.depot_id == depot_id)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of every location, in location order."""
        places = (*self.depots, *self.sites, *self.stops)
        return np.array([p.x for p in places], float), np.array([p.y for p in places], float)


def travel_matrices(
    lon: np.ndarray, lat: np.ndarray, circuity: float = 1.3, speed_kmh: float = 30.0, block_rows: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """Road-distance (m) and driving-time (s) matrices as haversine × circuity at a
    constant speed. Int32, built in row blocks so 2,000+ points stay small in memory."""
    if circuity < 1 or speed_kmh <= 0:
        raise ScenarioError(f"circuity must be >= 1 and speed > 0 (got {circuity}, {speed_kmh})")
    n = len(lon)
    distance = np.empty((n, n), np.int32)
    duration = np.empty((n, n), np.int32)
    for start in range(0, n, block_rows):
        rows = slice(start, min(n, start + block_rows))
        km = haversine_km(lon[rows, None], lat[rows, None], lon[None, :], lat[None, :]) * circuity
        distance[rows] = np.rint(km * 1000)
        duration[rows] = np.rint(km / speed_kmh * 3600)
    return distance, duration


def read_od_matrix(path, ids: list[str], speed_kmh: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time (s, at ``speed_kmh``) matrices from an OD file with columns
    origin, destination, km (the format of ``wasteopt.data.network.read_od_matrix``, e.g. an
    OSRM table). Every ordered pair of distinct ``ids`` must be present."""
    from wasteopt.data.network import read_od_matrix as read_table

    table = read_table(path)
    position = {place: i for i, place in enumerate(ids)}
    table = table[table.origin.isin(position) & table.destination.isin(position)]
    n = len(ids)
    km = np.zeros((n, n))
    seen = np.eye(n, dtype=bool)
    rows = table.origin.map(position).to_numpy()
    cols = table.destination.map(position).to_numpy()
    km[rows, cols] = table.km.to_numpy(float)
    seen[rows, cols] = True
    if not seen.all():
        i, j = np.argwhere(~seen)[0]
        raise DataError(f"{path}: OD matrix misses {int((~seen).sum())} pairs, e.g. {ids[i]} -> {ids[j]}")
    return np.rint(km * 1000).astype(np.int32), np.rint(km / speed_kmh * 3600).astype(np.int32)
