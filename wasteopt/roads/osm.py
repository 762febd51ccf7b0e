"""Read the drivable roads of an OpenStreetMap extract (``.osm.pbf`` or ``.osm`` XML) into flat arrays.

pyosmium (libosmium) reads both formats, attaches node locations to ways in C++ and lets only
``highway=*`` ways reach Python, so a province extract is read in one pass without a node table
in Python.
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import MAX_OSM_BYTES, checked_file, printable, shown

# Refuse-truck speeds per highway class, km/h [assumption]: Chinese law caps trucks at 100 km/h on
# expressways (道路交通安全法实施条例 §78); loaded compactors and tippers keep well below the caps
# elsewhere. A way's ``maxspeed`` lowers its class speed, never raises it.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 80, "motorway_link": 40, "trunk": 60, "trunk_link": 40, "primary": 50, "primary_link": 35,
    "secondary": 45, "secondary_link": 30, "tertiary": 40, "tertiary_link": 30, "unclassified": 30,
    "residential": 25, "living_street": 10, "service": 15, "road": 25,
}
MAIN_CLASSES = ("motorway", "trunk", "primary")  # the roads drawn on maps (高速公路, 干线/国道, 主干道), links with them
NO_ACCESS = {"no", "private"}
FORWARD = {"yes", "true", "1"}
BACKWARD = {"-1", "reverse"}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?")


@dataclass(frozen=True)
class RoadWays:
    """Drivable ways as flat arrays. ``way_nodes[way_start[w]:way_start[w + 1]]`` are way ``w``'s nodes
    (indices into ``lon``/``lat``) in driving order; ``oneway[w]`` says only that order may be driven."""

    osm_id: np.ndarray      # int64, per node
    lon: np.ndarray         # float64 degrees, per node
    lat: np.ndarray
    way_nodes: np.ndarray   # int32
    way_start: np.ndarray   # int64, len = ways + 1
    speed_kmh: np.ndarray   # float32, per way
    oneway: np.ndarray      # bool, per way
    main_class: np.ndarray  # int8, per way: index into MAIN_CLASSES (its _link too), -1 for every other class

    @property
    def num_ways(self) -> int:
        return len(self.way_start) - 1

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def way_speed_kmh(tags, speeds: dict[str, float]) -> float | None:
    """The truck speed on a way, or None when trucks may not drive it (class not listed, no access, an area)."""
    speed = speeds.get(tags.get("highway", ""))
    if speed is None or tags.get("area") == "yes":
        return None
    if any(tags.get(key) in NO_ACCESS for key in ("access", "vehicle", "motor_vehicle", "hgv")):
        if tags.get("hgv") not in ("yes", "designated") and tags.get("motor_vehicle") not in ("yes", "designated"):
            return None
    posted = _NUMBER.match(tags.get("maxspeed", ""))
    if posted:
        limit = float(posted.group(1)) * (1.609344 if posted.group(2) else 1.0)
        if limit > 0:
            speed = min(speed, limit)
    return float(speed)


def main_class(highway: str) -> int:
    """The way's index in :data:`MAIN_CLASSES` (``motorway_link`` counts as ``motorway``), else -1."""
    base = highway.removesuffix("_link")
    return MAIN_CLASSES.index(base) if base in MAIN_CLASSES else -1


def way_direction(tags) -> int:
    """+1 one-way in node order, -1 one-way against it, 0 both ways."""
    value = tags.get("oneway", "")
    if value in FORWARD:
        return 1
    if value in BACKWARD:
        return -1
    if value == "no":
        return 0
    implied = tags.get("highway") in ("motorway", "motorway_link") or tags.get("junction") in ("roundabout", "circular")
    return 1 if implied else 0


def read_osm(path: str | Path, speeds: dict[str, float] | None = None) -> RoadWays:
    """The ways of ``path`` that trucks may drive, at ``speeds`` (km/h per highway class; default
    :data:`DEFAULT_SPEEDS_KMH`). A way is cut where the extract lacks a node's location."""
    import osmium

    path = checked_file(path, MAX_OSM_BYTES, "OSM extract")
    speeds = DEFAULT_SPEEDS_KMH if speeds is None else speeds
    refs, lons, lats = array("q"), array("d"), array("d")
    starts, way_speeds, oneways, classes = array("q", [0]), array("f"), array("b"), array("b")

    def close_piece(speed: float, direction: int, road_class: int, first: int) -> None:
        if len(refs) - first < 2:  # fewer than two located nodes: no road piece
            del refs[first:], lons[first:], lats[first:]
            return
        if direction < 0:
            for column in (refs, lons, lats):
                column[first:] = column[first:][::-1]
        starts.append(len(refs))
        way_speeds.append(speed)
        oneways.append(direction != 0)
        classes.append(road_class)

    try:
        processor = (osmium.FileProcessor(str(path)).with_locations()
                     .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                     .with_filter(osmium.filter.KeyFilter("highway")))
        for way in processor:
            tags = way.tags
            speed = way_speed_kmh(tags, speeds)
            if speed is None:
                continue
            direction, road_class = way_direction(tags), main_class(tags.get("highway", ""))
            first = len(refs)
            for node in way.nodes:
                location = node.location
                if not location.valid():
                    close_piece(speed, direction, road_class, first)
                    first = len(refs)
                    continue
                refs.append(node.ref)
                lons.append(location.lon)
                lats.append(location.lat)
            close_piece(speed, direction, road_class, first)
    except (RuntimeError, osmium.InvalidLocationError) as error:  # libosmium's errors for malformed input
        raise DataError(f"{shown(path)}: cannot read OSM data: {printable(error)}") from None
    if len(starts) == 1:
        raise DataError(f"{path}: no drivable roads (highway classes {', '.join(sorted(speeds))})")
    osm_id, first_seen, way_nodes = np.unique(np.frombuffer(refs, np.int64), return_index=True, return_inverse=True)
    return RoadWays(osm_id=osm_id, lon=np.frombuffer(lons, float)[first_seen].copy(),
                    lat=np.frombuffer(lats, float)[first_seen].copy(), way_nodes=way_nodes.astype(np.int32),
                    way_start=np.frombuffer(starts, np.int64).copy(), speed_kmh=np.frombuffer(way_speeds, np.float32).copy(),
                    oneway=np.frombuffer(oneways, np.int8).astype(bool), main_class=np.frombuffer(classes, np.int8).copy())
