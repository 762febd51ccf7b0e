"""Synthetic townships (合成乡镇): demand points inside each county, for a region at township resolution.

No public list of Henan's townships (乡镇街道) with positions and census populations is in the seeds, so the
points are generated, labelled synthetic in their names and in the region's sources. The rule, seeded:

- townships per county ∝ its 2020 census population (development zones assigned), at least one each, by
  largest remainder to the number asked (:func:`allocate_nodes`);
- the first township of a county sits at the county seat and holds the county's whole urban population;
  the others are drawn uniformly inside the county polygon and share its rural population by Dirichlet(2)
  weights (whole persons, largest remainder), so every county keeps its census totals exactly; a county
  with one township holds both;
- each township's area is its Voronoi cell clipped to the county polygon (for maps and GIS layers).

Every county draws from its own stream ``default_rng([seed, adcode])``: one seed, one set of townships.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wasteopt.config.errors import ScenarioError

RURAL_SHARE_CONCENTRATION = 2.0  # Dirichlet α per township: townships differ, none is empty
SAMPLE_BATCH = 64                # points drawn per rejection round and county
RULE = ("synthetic townships (合成乡镇, not a public list): per county ∝ 2020 census population, the county seat "
        "holding the urban population, the others uniform inside the county with Dirichlet(2) shares of the rural "
        "population; county totals kept")


def county_of(demand: pd.DataFrame) -> pd.Series:
    """The county adcode of each demand node (the node itself at county resolution)."""
    if "county_adcode" in demand:
        return demand["county_adcode"].astype(str)
    return pd.Series(demand.index.astype(str), index=demand.index)


def county_prefecture(demand: pd.DataFrame) -> pd.Series:
    """Prefecture adcode by county adcode, from the demand nodes at either resolution."""
    return pd.Series(demand["prefecture_adcode"].to_numpy(), index=county_of(demand).to_numpy()).groupby(level=0).first()


def allocate_nodes(population: pd.Series, n_nodes: int) -> pd.Series:
    """Townships per county ∝ population, at least one each (largest remainder, ties by index order)."""
    if n_nodes < len(population):
        raise ScenarioError(f"{n_nodes} nodes: need at least one per county ({len(population)})")
    extra = n_nodes - len(population)
    quota = population.to_numpy(float) / population.sum() * extra
    counts = np.floor(quota).astype(int)
    short = extra - counts.sum()
    counts[np.argsort(-(quota - counts), kind="stable")[:short]] += 1
    return pd.Series(counts + 1, index=population.index)


def points_inside(polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` lon/lat points uniform inside ``polygon`` (rejection from its bounding box)."""
    west, south, east, north = polygon.bounds
    found = np.zeros((0, 2))
    while len(found) < count:
        xy = np.column_stack([rng.uniform(west, east, SAMPLE_BATCH), rng.uniform(south, north, SAMPLE_BATCH)])
        found = np.vstack([found, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return found[:count]


def _whole_persons(total: int, shares: np.ndarray) -> np.ndarray:
    """``total`` persons split by ``shares`` into whole numbers that sum to it (largest remainder)."""
    quota = total * shares
    persons = np.floor(quota).astype("int64")
    persons[np.argsort(-(quota - persons), kind="stable")[:total - persons.sum()]] += 1
    return persons


def township_nodes(counties: pd.DataFrame, shapes: pd.Series, n_nodes: int, seed: int) -> pd.DataFrame:
    """``n_nodes`` synthetic townships of ``counties`` (index adcode; lon, lat WGS84 seat, population,
    urban_population, rural_population in persons) inside ``shapes`` (adcode → WGS84 polygon).

    Index node_id ``<adcode>-<k>`` (k from 1, 1 = the seat township: not an official code); columns county_adcode,
    township (k), lon, lat, population, urban_population, rural_population (persons), geometry (the clipped
    Voronoi cell)."""
    counts = allocate_nodes(counties["population"], n_nodes)
    parts = []
    for adcode, county in counties.iterrows():
        rng = np.random.default_rng([seed, int(adcode)])
        k, shape = int(counts[adcode]), shapes[adcode]
        urban = np.zeros(k, dtype="int64")
        urban[0] = county["urban_population"]
        rural = np.r_[0, _whole_persons(int(county["rural_population"]),
                                        rng.dirichlet(np.full(k - 1, RURAL_SHARE_CONCENTRATION)))] if k > 1 \
            else np.array([county["rural_population"]], dtype="int64")
        xy = np.vstack([[county["lon"], county["lat"]], points_inside(shape, k - 1, rng)])
        parts.append(pd.DataFrame({
            "node_id": [f"{adcode}-{i + 1}" for i in range(k)], "county_adcode": adcode, "township": np.arange(1, k + 1),
            "lon": xy[:, 0], "lat": xy[:, 1], "population": urban + rural, "urban_population": urban,
            "rural_population": rural, "geometry": _cells(shape, xy)}))
    return pd.concat(parts, ignore_index=True).set_index("node_id")


def _cells(shape, xy: np.ndarray) -> list:
    """Each point's Voronoi cell clipped to ``shape`` (the whole shape for one point)."""
    if len(xy) == 1:
        return [shape]
    points = shapely.points(xy)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=shape, ordered=True)
    return list(shapely.intersection(np.asarray(shapely.get_parts(cells)), shape))


def township_region(counties: pd.DataFrame, boundaries: gpd.GeoDataFrame, n_nodes: int,
                    seed: int) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The region's county nodes (index adcode, the columns of ``Region.demand`` before MSW) and county polygons
    (WGS84) at township resolution: ``n_nodes`` synthetic townships with their county's kind, ``county_adcode``,
    ``county_zh`` and ``township`` (k, 1 = the seat) columns, and their cells as the boundaries. A county's
    development-zone population stays with its seat township."""
    towns = township_nodes(counties, boundaries.set_index("adcode").geometry, n_nodes, seed)
    county = counties.loc[towns["county_adcode"]].set_index(towns.index)
    label = towns["township"].astype(str)
    nodes = county.assign(
        name_zh=county["name_zh"] + "合成乡镇" + label, name_en=county["name_en"] + " synthetic township " + label,
        county_adcode=towns["county_adcode"], county_zh=county["name_zh"], township=towns["township"],
        lon=towns["lon"], lat=towns["lat"], population=towns["population"],
        urban_population=towns["urban_population"], rural_population=towns["rural_population"],
        dev_zone_population=county["dev_zone_population"].where(towns["township"] == 1, 0))
    cells = gpd.GeoDataFrame({"adcode": towns.index, "name_zh": nodes["name_zh"].to_numpy(),
                              "name_en": nodes["name_en"].to_numpy(),
                              "prefecture_adcode": nodes["prefecture_adcode"].to_numpy()},
                             geometry=towns["geometry"].to_numpy(), crs="EPSG:4326")
    return nodes.rename_axis("node_id"), cells
