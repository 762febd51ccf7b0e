"""The routing problem: depots, disposal sites, stops, fleet, and one distance/time matrix.

Units throughout: distances in metres (int), times in seconds since midnight (int),
loads in the units named by ``RoutingProblem.load_units`` (tonnes by default), money in
CNY. Locations are numbered depots first, then disposal sites, then stops; the two
matrices are indexed by that number and shared by every vehicle type (one copy only).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wasteopt.errors import ScenarioError

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


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in km between WGS84 points (broadcasts)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


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


def read_od_matrix(path, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time (s) matrices from a long CSV ``from_id,to_id,km,minutes``
    (e.g. an OSRM table). Every ordered pair of ``ids`` must be present (diagonal optional)."""
    import pandas as pd

    from wasteopt.errors import DataError

    try:
        table = pd.read_csv(path, dtype={"from_id": str, "to_id": str})
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read OD matrix ({error})") from None
    missing_cols = {"from_id", "to_id", "km", "minutes"} - set(table.columns)
    if missing_cols:
        raise DataError(f"{path}: OD matrix lacks columns {sorted(missing_cols)}")
    position = {place: i for i, place in enumerate(ids)}
    table = table[table.from_id.isin(position) & table.to_id.isin(position)]
    n = len(ids)
    distance = np.zeros((n, n), np.int32)
    duration = np.zeros((n, n), np.int32)
    seen = np.eye(n, dtype=bool)
    rows = table.from_id.map(position).to_numpy()
    cols = table.to_id.map(position).to_numpy()
    distance[rows, cols] = np.rint(table.km.to_numpy(float) * 1000)
    duration[rows, cols] = np.rint(table.minutes.to_numpy(float) * 60)
    seen[rows, cols] = True
    if not seen.all():
        i, j = np.argwhere(~seen)[0]
        count = int((~seen).sum())
        raise DataError(f"{path}: OD matrix misses {count} pairs, e.g. {ids[i]} -> {ids[j]}")
    return distance, duration
