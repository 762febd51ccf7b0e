"""Exclusion zones: polygons (water-source protection, built-up areas …) plus a protection buffer
where no new plant may be built."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import points

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import MAX_GEODATA_BYTES, checked_file, shown


def read_zones(paths: list[Path], buffer_m: float = 0.0) -> gpd.GeoDataFrame:
    """All zone polygons in EPSG:4326, each grown by ``buffer_m`` metres (computed in a local UTM CRS)."""
    frames = []
    for path in paths:
        checked_file(path, MAX_GEODATA_BYTES, "exclusion-zones file")
        try:
            zones = gpd.read_file(path)
        except Exception as error:  # pyogrio raises several types for unreadable files
            raise DataError(f"{path}: cannot read exclusion zones ({error})") from None
        if not isinstance(zones, gpd.GeoDataFrame):  # pyogrio gives a plain DataFrame for a table
            raise DataError(f"{path}: no geometries in the file (a table?); exclusion zones must be polygons "
                            "in GeoJSON or GeoPackage")
        if zones.empty:
            raise DataError(f"{path}: no exclusion zones in the file")
        if zones.crs is None:
            raise DataError(f"{path}: the file has no CRS; save it with one (e.g. EPSG:4326)")
        bad = [str(i + 1) for i, ok in enumerate(zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"])) if not ok]
        if bad:
            raise DataError(f"{path}: features {', '.join(bad[:20])} are not polygons")
        zones = zones[["geometry"]].to_crs("EPSG:4326")
        zones["geometry"] = zones.geometry.make_valid()
        bounds = zones.geometry.bounds.to_numpy(float)
        outside = ~np.isnan(bounds).any(axis=1) & ~((bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90))
        if outside.any():  # e.g. metres in a file whose CRS says degrees
            raise DataError(f"{shown(path)}: features {', '.join(str(i + 1) for i in np.flatnonzero(outside)[:20])} "
                            "have coordinates outside longitude -180…180 / latitude -90…90; is the file's CRS right?")
        if buffer_m > 0:
            local = zones.estimate_utm_crs()
            zones = zones.to_crs(local).buffer(buffer_m).to_frame("geometry").to_crs("EPSG:4326")
        frames.append(zones.assign(source=Path(path).name))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


def excluded_sites(sites: pd.DataFrame, paths: list[Path], buffer_m: float = 0.0) -> list[str]:
    """Ids of the sites (index; lon, lat in WGS84) that fall inside any zone."""
    zones = read_zones(paths, buffer_m)
    located = gpd.GeoDataFrame(index=sites.index, geometry=points(sites["lon"], sites["lat"]), crs="EPSG:4326")
    hits = gpd.sjoin(located, zones, predicate="within", how="inner")
    return sorted(set(hits.index))
