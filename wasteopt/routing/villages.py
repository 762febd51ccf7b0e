"""Village collection points: a user file, or synthetic points sampled inside a county.

Synthetic points are uniform random points inside the county boundary (seeded by the
adcode), each standing for an equal share of the county's rural population: with no
sub-county population data, this is population weighting under a uniform-density
assumption. They are flagged ``synthetic`` in every output file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import MAX_TABLE_BYTES, checked_file

PEOPLE_PER_SYNTHETIC_POINT = 3000
MIN_POINTS, MAX_POINTS = 10, 300
VILLAGE_COLUMNS = ["adcode", "name", "lon", "lat", "population", "synthetic"]


def read_villages(path: str | Path) -> pd.DataFrame:
    """Village points from CSV (adcode,name,lon,lat,population) or GeoJSON (points with
    those properties). Returns ``VILLAGE_COLUMNS`` with ``synthetic`` False."""
    path = checked_file(path, MAX_TABLE_BYTES, "villages file")
    try:
        if path.suffix.lower() in {".geojson", ".json", ".gpkg"}:
            import geopandas as gpd

            frame = gpd.read_file(path)
            if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
                frame = frame.to_crs("EPSG:4326")
            frame = pd.DataFrame(frame.assign(lon=frame.geometry.x, lat=frame.geometry.y).drop(columns="geometry"))
        else:
            frame = pd.read_csv(path, dtype={"adcode": str})
    except FileNotFoundError:
        raise DataError(f"{path}: villages file not found") from None
    except Exception as error:  # readers raise many unrelated types on bad files
        raise DataError(f"{path}: cannot read villages ({error})") from None
    missing = {"adcode", "name", "lon", "lat", "population"} - set(frame.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame["adcode"] = frame["adcode"].astype(str)
    numbers = frame[["lon", "lat", "population"]].apply(pd.to_numeric, errors="coerce")
    bad = np.flatnonzero(numbers.isna().any(axis=1).to_numpy() | (numbers.population < 0).to_numpy()
                         | ~numbers.lon.between(-180, 180).to_numpy() | ~numbers.lat.between(-90, 90).to_numpy())
    if len(bad):
        rows = ", ".join(str(r + 2) for r in bad[:10])
        raise DataError(f"{path}: {len(bad)} bad row(s) (lon/lat/population), lines {rows}")
    frame[["lon", "lat", "population"]] = numbers
    return frame.assign(synthetic=False)[VILLAGE_COLUMNS]


def sample_villages(adcode: str, boundary, rural_population: float) -> pd.DataFrame:
    """Synthetic points inside ``boundary`` (shapely polygon, lon/lat), one per
    ``PEOPLE_PER_SYNTHETIC_POINT`` rural residents (10 to 300), equal populations."""
    from shapely import contains_xy

    count = int(np.clip(round(rural_population / PEOPLE_PER_SYNTHETIC_POINT), MIN_POINTS, MAX_POINTS))
    rng = np.random.default_rng(int(adcode))
    west, south, east, north = boundary.bounds
    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < count:
        x = rng.uniform(west, east, 4 * count)
        y = rng.uniform(south, north, 4 * count)
        inside = contains_xy(boundary, x, y)
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    return pd.DataFrame({
        "adcode": adcode,
        "name": [f"合成村点 {i + 1} (synthetic village {i + 1})" for i in range(count)],
        "lon": lon[:count].round(6),
        "lat": lat[:count].round(6),
        "population": rural_population / count,
        "synthetic": True,
    })[VILLAGE_COLUMNS]
