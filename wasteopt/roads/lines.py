"""The main roads of a built network as map lines: ``wasteopt network build`` writes them beside its OD file
(``od.parquet`` → ``od.roads.gpkg``), and a run whose ``network.od_matrix_file`` is that OD file shows them on
its maps. Only motorway, trunk and primary ways (with their links): what a planner finds plants by at province
zoom; the streets stay in the OSM extract."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import printable, shown
from wasteopt.roads.osm import MAIN_CLASSES, RoadWays
from wasteopt.config.writers import atomic_path

SIMPLIFY_DEG = 0.0005  # ≈ 50 m: the lines keep their shape at county zoom, with far fewer vertices
LAYER = "main_roads"


def main_roads_file(od_file: str | Path) -> Path:
    """Where the main roads of an OD file's network are: beside it, ``.roads.gpkg`` for its suffix."""
    return Path(od_file).with_suffix(".roads.gpkg")


def main_road_lines(ways: RoadWays) -> gpd.GeoDataFrame:
    """The motorway, trunk and primary ways merged into continuous lines (simplified), one row per line with its
    ``road_class``; none if the extract has no such way."""
    classes, lines = [], []
    for index, name in enumerate(MAIN_CLASSES):
        pieces = [np.column_stack([ways.lon[nodes], ways.lat[nodes]])
                  for way in np.flatnonzero(ways.main_class == index)
                  for nodes in [ways.way_nodes[ways.way_start[way]:ways.way_start[way + 1]]]]
        if not pieces:
            continue
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.linestrings(pieces))))
        merged = shapely.simplify(merged, SIMPLIFY_DEG)
        classes += [name] * len(merged)
        lines += list(merged)
    return gpd.GeoDataFrame({"road_class": classes}, geometry=gpd.GeoSeries(lines, crs=4326), crs=4326)


def write_main_roads(ways: RoadWays, path: str | Path) -> int:
    """Write the main road lines as a GeoPackage, atomically; how many lines."""
    lines = main_road_lines(ways)
    with atomic_path(path, suffix=".gpkg") as tmp:
        lines.to_file(tmp, layer=LAYER, driver="GPKG")
    return len(lines)


def read_main_roads(path: str | Path) -> gpd.GeoDataFrame | None:
    """The main road lines in ``path`` (road_class, geometry), or None when no network was built there."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        lines = gpd.read_file(path, layer=LAYER)
    except Exception as error:  # GDAL's errors for a damaged or foreign file have no common type
        raise DataError(f"{shown(path)}: cannot read the main roads ({printable(error)[:160]}); build the network "
                        "again with `wasteopt network build`") from None
    if "road_class" not in lines or not lines.geom_type.isin(["LineString", "MultiLineString"]).all():
        raise DataError(f"{shown(path)}: not a main-roads file of `wasteopt network build` (road_class, lines)")
    return lines.to_crs(4326) if lines.crs is not None else lines.set_crs(4326)
