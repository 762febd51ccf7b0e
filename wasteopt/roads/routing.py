"""Road travel for collection routing: distance and time matrices between a county's places, and the
roads each leg of a solved route follows (for maps and route files)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.data.network import haversine_km
from wasteopt.roads.graph import access_hours
from wasteopt.roads.od import load_network

if TYPE_CHECKING:  # for annotations only
    from wasteopt.roads.graph import RoadGraph

DETOUR_LIMIT = 3.0  # road search radius: this many times the longest straight leg, plus SEARCH_MARGIN_KM
SEARCH_MARGIN_KM = 20.0


@dataclass(frozen=True)
class RoadSource:
    """Where routing takes its roads from: an OSM extract, (highway class, km/h) overrides and the snap
    tolerance. Hashable, so a process reuses the graph it snapped a county's places on."""

    osm_file: str
    speeds_kmh: tuple[tuple[str, float], ...] = ()
    snap_tolerance_m: float = 1000.0

    @classmethod
    def of_scenario(cls, scenario, osm_file: str | None = None) -> "RoadSource | None":
        """The scenario's roads (``osm_file`` overrides ``network.osm_file``); None when it names none."""
        net = scenario.network
        path = osm_file or (str(scenario.path(net.osm_file)) if net.osm_file else None)
        return cls(str(path), tuple(sorted(net.road_speeds_kmh.items())), net.snap_tolerance_m) if path else None


@functools.lru_cache(maxsize=2)
def _snapped(source: RoadSource, lonlat: tuple[tuple[float, float], ...]) -> tuple[RoadGraph, np.ndarray, np.ndarray]:
    network = load_network(source.osm_file, dict(source.speeds_kmh))
    points = pd.DataFrame(lonlat, columns=["lon", "lat"], index=[f"place {i + 1}" for i in range(len(lonlat))])
    return network.graph_for(points, source.snap_tolerance_m)


def _lonlat(lon: np.ndarray, lat: np.ndarray) -> tuple[tuple[float, float], ...]:
    return tuple(zip(np.asarray(lon, float).tolist(), np.asarray(lat, float).tolist()))


def _search_limit_km(lon: np.ndarray, lat: np.ndarray) -> float:
    """How far the road searches between these places go: a province graph is never searched whole."""
    longest = float(haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]).max()) if len(lon) else 0.0
    return DETOUR_LIMIT * longest + SEARCH_MARGIN_KM


def road_matrices(source: RoadSource, lon: np.ndarray, lat: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Road distance (m) and driving time (s) between all places (int32 square matrices, as
    :func:`wasteopt.routing.problem.travel_matrices` returns them); ``names`` label unreachable places."""
    graph, node, access_km = _snapped(source, _lonlat(lon, lat))
    distinct, position = np.unique(node, return_inverse=True)
    km, hours = graph.shortest(distinct, distinct, limit_km=_search_limit_km(lon, lat))
    km = km[position][:, position] + access_km[:, None] + access_km[None, :]
    hours = hours[position][:, position] + access_hours(access_km)[:, None] + access_hours(access_km)[None, :]
    np.fill_diagonal(km, 0.0)
    np.fill_diagonal(hours, 0.0)
    unreached = np.argwhere(~np.isfinite(km))
    if len(unreached):
        a, b = unreached[0]
        raise DataError(f"no road within {DETOUR_LIMIT:g} × the straight distance from {names[a]} to {names[b]} "
                        f"({len(unreached)} pair(s) of places)")
    return np.rint(km * 1000).astype(np.int32), np.rint(hours * 3600).astype(np.int32)


def road_lines(source: RoadSource, lon: np.ndarray, lat: np.ndarray,
               legs: list[tuple[int, int]]) -> dict[tuple[int, int], np.ndarray]:
    """Lon/lat vertices (n × 2) of the road each (from place, to place) leg drives, from the first
    place's coordinates to the second's."""
    graph, node, _ = _snapped(source, _lonlat(lon, lat))
    legs = [(a, b) for a, b in legs if a != b]
    roads = graph.route_lines([(int(node[a]), int(node[b])) for a, b in legs], limit_km=_search_limit_km(lon, lat))
    return {(a, b): np.vstack([[lon[a], lat[a]], roads[int(node[a]), int(node[b])], [lon[b], lat[b]]])
            for a, b in legs}
