"""Road-distance OD tables from an OSM extract, cached by the extract's content hash.

Two caches live under ``$WASTEOPT_CACHE_DIR`` (default ``~/.cache/wasteopt/roads``): the drivable
network read from an extract (keyed by its SHA-256 and the class speeds) and each OD table (keyed
by that, the points, the haul limit and the snap tolerance). Either can be deleted at any time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.config.writers import atomic_path
from wasteopt.data.network import haversine_km
from wasteopt.roads.graph import access_hours, largest_component, road_graph, snap
from wasteopt.roads.osm import DEFAULT_SPEEDS_KMH, RoadWays, read_osm
from wasteopt.config.userfiles import MAX_OSM_BYTES, checked_file, printable, shown

if TYPE_CHECKING:  # for annotations only
    from wasteopt.roads.graph import RoadGraph

OD_COLUMNS = ["origin", "destination", "km", "hours"]
CACHE_VERSION = 2  # bump when the cached arrays or the OD computation change meaning


def cache_dir() -> Path:
    return Path(os.environ.get("WASTEOPT_CACHE_DIR") or Path.home() / ".cache" / "wasteopt" / "roads")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps([CACHE_VERSION, *parts], sort_keys=True).encode()).hexdigest()[:24]


def class_speeds(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Default truck speeds per highway class with ``overrides`` applied; a speed of 0 drops the class."""
    speeds = DEFAULT_SPEEDS_KMH | dict(overrides or {})
    bad = {name: value for name, value in speeds.items() if not value >= 0}
    if bad:
        raise DataError(f"road speeds must be ≥ 0 km/h: {bad}")
    return {name: float(value) for name, value in speeds.items() if value > 0}


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """The drivable ways of one extract and which of their nodes lie on its largest strongly
    connected part. ``key`` identifies the extract's content and speeds (for caches)."""

    ways: RoadWays
    on_network: np.ndarray
    key: str

    def graph_for(self, points: pd.DataFrame, snap_tolerance_m: float) -> tuple[RoadGraph, np.ndarray, np.ndarray]:
        """The graph with ``points`` (index = id; lon, lat) snapped on it: (graph, graph node per point,
        straight access km per point)."""
        snapped = snap(self.ways, self.on_network, points, snap_tolerance_m)
        graph, node = road_graph(self.ways, self.on_network, snapped)
        return graph, node, snapped.access_km


def load_network(osm_path: str | Path, speeds_kmh: dict[str, float] | None = None) -> RoadNetwork:
    """The road network of an extract, read once and then loaded from the cache."""
    osm_path = checked_file(osm_path, MAX_OSM_BYTES, "OSM extract")
    speeds = class_speeds(speeds_kmh)
    key = _key("network", file_sha256(osm_path), speeds)
    cached = cache_dir() / f"network-{key}.npz"
    if cached.is_file():
        with _reading_cache(cached), np.load(cached) as saved:
            arrays = {name: saved[name] for name in saved.files}
            on_network = arrays.pop("on_network")
            return RoadNetwork(RoadWays(**arrays), on_network, key)
    ways = read_osm(osm_path, speeds)
    on_network = largest_component(ways)
    with atomic_path(cached, suffix=".npz") as tmp:
        np.savez(tmp, on_network=on_network, **ways.arrays())
    return RoadNetwork(ways, on_network, key)


@contextlib.contextmanager
def _reading_cache(path: Path):
    """A cache file that cannot be read (cut short, overwritten, not ours) is one DataError that says to delete it."""
    try:
        yield
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{shown(path)}: the road cache file is damaged ({printable(error)[:160]}); delete it and run "
                        "again (it is rebuilt from the OSM extract)") from None


def check_points(points: pd.DataFrame, what: str) -> None:
    missing = {"lon", "lat"} - set(points.columns)
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(sorted(missing))}")
    duplicated = points.index[points.index.duplicated()].unique()
    if len(duplicated):
        raise DataError(f"{what}: ids used twice: {', '.join(map(str, duplicated[:10]))}")
    bad = ~np.isfinite(points[["lon", "lat"]].to_numpy(float)).all(axis=1)
    if bad.any():
        raise DataError(f"{what}: no coordinates for id(s) {', '.join(map(str, points.index[bad][:10]))}")


def road_od(network: RoadNetwork, points: pd.DataFrame, *, max_km: float, snap_tolerance_m: float,
            progress: bool = True) -> pd.DataFrame:
    """Road km and driving hours between every ordered pair of distinct ``points`` (index = id; lon,
    lat) no more than ``max_km`` apart by road: origin, destination, km, hours, sorted by id.

    km = straight access from the origin to its road node + shortest road km + access at the end;
    hours = the same route at the class speeds (access at :data:`~wasteopt.roads.graph.ACCESS_SPEED_KMH`).
    Cached by the network, the points, ``max_km`` and ``snap_tolerance_m``."""
    check_points(points, "points")
    points = points.sort_index(key=lambda ids: ids.astype(str))
    coordinates = points[["lon", "lat"]].to_numpy(float).round(7)
    key = _key("od", network.key, list(map(str, points.index)), coordinates.tolist(), max_km, snap_tolerance_m)
    cached = cache_dir() / f"od-{key}.parquet"
    if cached.is_file():
        with _reading_cache(cached):
            return pd.read_parquet(cached)
    graph, node, access_km = network.graph_for(points, snap_tolerance_m)
    distinct, position = np.unique(node, return_inverse=True)  # points at one place share one search
    from tqdm import tqdm

    with tqdm(total=len(distinct), unit="node", desc="最短路径 shortest paths", disable=None if progress else True) as bar:
        road_km, road_hours = graph.shortest(distinct, distinct, limit_km=max_km, progress=bar.update)
    km = road_km[position][:, position] + access_km[:, None] + access_km[None, :]
    hours = road_hours[position][:, position] + access_hours(access_km)[:, None] + access_hours(access_km)[None, :]
    np.fill_diagonal(km, np.inf)
    origin, destination = np.nonzero(km <= max_km)
    ids = np.asarray(points.index.astype(str))
    od = pd.DataFrame({"origin": ids[origin], "destination": ids[destination],
                       "km": km[origin, destination].round(4), "hours": hours[origin, destination].round(5)})
    with atomic_path(cached, suffix=".parquet") as tmp:
        od.to_parquet(tmp, index=False)
    return od


def write_od(od: pd.DataFrame, out: str | Path) -> None:
    """Write an OD table as Parquet (``.parquet``/``.pq``) or CSV (anything else), atomically."""
    out = Path(out)
    if out.suffix.lower() in {".parquet", ".pq"}:
        with atomic_path(out) as tmp:
            od.to_parquet(tmp, index=False)
    else:
        from wasteopt.config.writers import write_csv

        write_csv(out, od)


def circuity(od: pd.DataFrame, points: pd.DataFrame, min_straight_km: float = 1.0) -> pd.DataFrame:
    """Each pair's straight km and road/straight ratio (pairs closer than ``min_straight_km`` left out:
    their ratio says more about snapping than about roads)."""
    lon, lat = points["lon"], points["lat"]
    lon.index, lat.index = lon.index.astype(str), lat.index.astype(str)
    straight = haversine_km(lon[od["origin"]].to_numpy(), lat[od["origin"]].to_numpy(),
                            lon[od["destination"]].to_numpy(), lat[od["destination"]].to_numpy())
    pairs = od.assign(straight_km=straight.round(4))
    pairs = pairs[pairs["straight_km"] >= min_straight_km].copy()
    pairs["ratio"] = (pairs["km"] / pairs["straight_km"]).round(4)
    return pairs.reset_index(drop=True)


def circuity_summary(pairs: pd.DataFrame, bands_km=(0, 10, 50, 150, np.inf)) -> pd.DataFrame:
    """Road/straight ratios by straight-distance band and overall: pairs, mean, median, p10, p90."""
    band = pd.cut(pairs["straight_km"], bands_km, right=False,
                  labels=[f"{a:g}–{b:g} km" if np.isfinite(b) else f"≥ {a:g} km" for a, b in zip(bands_km, bands_km[1:])])
    rows = []
    for label, ratios in [*((str(name), group["ratio"]) for name, group in pairs.groupby(band, observed=True)),
                          ("全部 all", pairs["ratio"])]:
        if len(ratios):
            rows.append({"straight_km": label, "pairs": len(ratios), "mean": ratios.mean(), "median": ratios.median(),
                         "p10": ratios.quantile(0.1), "p90": ratios.quantile(0.9)})
    return pd.DataFrame(rows).round(3)
