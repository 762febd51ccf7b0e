"""Region: demand nodes, existing plants, landfills and candidate sites, built from ``seeds/`` and a Scenario.

Units: population in persons, waste in t/d (tonnes per day), coordinates in WGS84 degrees.
Every input table is checked before use (:mod:`wasteopt.data.tables`, :mod:`wasteopt.data.seeds`); the demand
model is :mod:`wasteopt.data.demand`, the GCJ-02 conversion :mod:`wasteopt.data.coords`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.config.userfiles import absolute, shown
from wasteopt.data.coords import geometries_to_wgs84
from wasteopt.data.demand import CENSUS_YEAR, calibration_record, msw_generation
from wasteopt.data.seeds import (
    SEED_FILES, default_candidates, dev_zone_population, landfill_records, read_boundaries, read_counties,
    read_mee_plants, read_news_plants, read_sites, seat_districts)
from wasteopt.data.tables import checked_table
from wasteopt.data.townships import RULE as TOWNSHIP_RULE, township_region

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.region import DemandSettings
    from wasteopt.config.scenario.schema import Scenario


@dataclass(frozen=True)
class Region:
    """Everything the network and siting models need about one region.

    The frames are shared by the cache of :func:`load_region`: treat them as read-only
    (``.copy()`` before changing them).
    """

    name: str
    demand: pd.DataFrame
    """Index ``node_id``: the county adcode, or at township resolution (``region.townships``) a synthetic township
    ``<adcode>-<k>`` with its ``county_adcode`` (see :mod:`wasteopt.data.townships`). Seat lon/lat (WGS84), 2020
    census population incl. assigned development zones (``dev_zone_population``), ``msw_generated_tpd`` (collected
    MSW in the target year), ``msw_sorted_out_tpd`` and ``msw_tpd`` (= generated − sorted out, to treat)."""
    plants: pd.DataFrame
    """Incinerators whose first furnace started in or before ``baseline_year``; ``capacity_tpd`` is
    the plant's whole nameplate in the 2023 MEE snapshot; lon/lat = host county seat."""
    later_plants: pd.DataFrame
    """MEE-2023 plants started after ``baseline_year`` (same columns), for comparison."""
    news_plants: pd.DataFrame
    """Plants reported in news after the MEE snapshot (lower authority, each with source_url); the backtest counts
    them as built in their year (:func:`wasteopt.studies.backtest.built_between`)."""
    landfills: pd.DataFrame
    """site_id, name_zh, name_en, adcode, lon, lat, assumed."""
    candidates: pd.DataFrame
    """Candidate new incinerator sites: site_id, name_zh, name_en, adcode, prefecture_adcode, lon, lat."""
    boundaries: gpd.GeoDataFrame
    """County polygons, EPSG:4326 (converted from GCJ-02, made valid)."""
    prefecture_boundaries: gpd.GeoDataFrame
    """Prefecture polygons, EPSG:4326: adcode, name_zh, name_en, seat_lon, seat_lat (the seat district's seat)."""
    generation: dict
    """How the demand was computed: settings, calibration and growth factors, totals, sources."""

    @functools.cached_property
    def seat_links(self) -> pd.DataFrame:
        """The county-seat network the maps draw: see :func:`seat_links` (worked out once per Region)."""
        return seat_links(self.boundaries, self.demand)


def seat_links(boundaries: gpd.GeoDataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """One row per two counties whose boundaries touch: their adcodes ``a`` < ``b`` and their seats' lon/lat
    (``a_lon`` … ``b_lat``). At township resolution the counties are those of the townships (a county's polygon is
    its cells) and a county's seat is its seat township."""
    geometries = boundaries.geometry.to_numpy()
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    county = demand["county_adcode"] if "county_adcode" in demand else pd.Series(demand.index, index=demand.index)
    of_cell = county.reindex(boundaries["adcode"]).to_numpy()
    pairs = pd.DataFrame({"a": of_cell[left], "b": of_cell[right]}).dropna()
    pairs = pairs[pairs["a"] < pairs["b"]].drop_duplicates().sort_values(["a", "b"], ignore_index=True)
    seats = demand[demand["township"] == 1] if "township" in demand else demand
    seats = seats.set_axis(county.loc[seats.index].to_numpy())[["lon", "lat"]]
    ends = {end: seats.reindex(pairs[end].to_numpy()).to_numpy(float) for end in ("a", "b")}
    return pairs.assign(a_lon=ends["a"][:, 0], a_lat=ends["a"][:, 1], b_lon=ends["b"][:, 0],
                        b_lat=ends["b"][:, 1])[np.isfinite(np.c_[ends["a"], ends["b"]]).all(axis=1)].reset_index(drop=True)


def _stamp(path: Path | None) -> tuple:
    """(path, mtime, size) so the cache notices edited files."""
    if path is None:
        return (None,)
    try:
        stat = path.stat()
    except (OSError, ValueError):  # missing, a link loop, a NUL byte: read_table reports it
        return (str(path),)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def load_region(scenario: Scenario) -> Region:
    """The Region of a scenario; cached on the seed/user files (and their mtimes) and the region/demand settings."""
    # Absolute, not resolved: a message names the file the scenario gave, not what a link points to.
    seeds = absolute(scenario.path(scenario.region.seeds))
    landfills = absolute(scenario.path(scenario.region.landfills_file)) if scenario.region.landfills_file else None
    candidates = (absolute(scenario.path(scenario.region.candidate_sites_file))
                  if scenario.region.candidate_sites_file else None)
    if not seeds.is_dir():
        raise DataError(f"seeds folder not found: {shown(seeds)} (region.seeds = {shown(scenario.region.seeds)!r})")
    stamps = tuple(_stamp(seeds / name) for name in SEED_FILES.values())
    townships = None if scenario.region.townships is None else (scenario.region.townships, scenario.region.township_seed)
    return _load_region(seeds, landfills, candidates, scenario.region.baseline_year, scenario.region.target_year,
                        scenario.demand, townships, (stamps, _stamp(landfills), _stamp(candidates)))


@functools.lru_cache(maxsize=8)
def _load_region(seeds: Path, landfills_file: Path | None, candidates_file: Path | None, baseline_year: int,
                 target_year: int, demand_settings: DemandSettings, townships: tuple[int, int] | None,
                 _stamps: tuple) -> Region:
    # _stamps is only part of the cache key: edited input files give a fresh Region.
    counties = read_counties(seeds)
    adcodes = set(counties.index)
    # User files first: their mistakes are the likely ones, so report them before the slow geometry work.
    landfill_table = read_sites(landfills_file or seeds / SEED_FILES["landfills"], counties)
    candidate_table = (read_sites(candidates_file, counties)
                       .drop(columns=["assumed"]) if candidates_file else default_candidates(counties))
    prefectures = checked_table(seeds / SEED_FILES["prefectures"], required=("adcode", "name_zh", "name_en", "lon", "lat"),
                                id_column="adcode", lonlat=("lon", "lat"))

    zones = dev_zone_population(seeds, adcodes).reindex(counties.index, fill_value=0)
    population = counties[["population_2020", "urban_population_2020", "rural_population_2020"]] + zones
    prefecture_en = prefectures.set_index("adcode")["name_en"]
    counties_nodes = pd.DataFrame({
        "name_zh": counties["name_zh"], "name_en": counties["name_en"],
        "prefecture_adcode": counties["prefecture_adcode"], "prefecture_zh": counties["prefecture_zh"],
        "prefecture_en": counties["prefecture_adcode"].map(prefecture_en), "kind": counties["kind"],
        "lon": counties["lon_wgs84"], "lat": counties["lat_wgs84"],
        "population": population["population_2020"],
        "urban_population": population["urban_population_2020"],
        "rural_population": population["rural_population_2020"],
        "dev_zone_population": zones["population_2020"],
    }).rename_axis("node_id")

    county_shapes = read_boundaries(seeds / SEED_FILES["county_shapes"], counties.index)
    seat = seat_districts(county_shapes, prefectures, seeds / SEED_FILES["prefectures"])
    boundaries = gpd.GeoDataFrame({
        "adcode": county_shapes["adcode"].to_numpy(),
        "name_zh": county_shapes["name_zh"].to_numpy(),
        "name_en": counties.loc[county_shapes["adcode"], "name_en"].to_numpy(),
        "prefecture_adcode": counties.loc[county_shapes["adcode"], "prefecture_adcode"].to_numpy(),
    }, geometry=geometries_to_wgs84(county_shapes.geometry.to_numpy()), crs="EPSG:4326")
    prefecture_shapes = read_boundaries(seeds / SEED_FILES["prefecture_shapes"], pd.Index(prefectures["adcode"]))
    prefecture_boundaries = gpd.GeoDataFrame({
        "adcode": prefecture_shapes["adcode"].to_numpy(),
        "name_zh": prefecture_shapes["name_zh"].to_numpy(),
        "name_en": prefecture_shapes["adcode"].map(prefecture_en).to_numpy(),
        # the seat district's seat (WGS84): where a map writes the prefecture's name
        "seat_lon": prefecture_shapes["adcode"].map(seat).map(counties_nodes["lon"]).to_numpy(float),
        "seat_lat": prefecture_shapes["adcode"].map(seat).map(counties_nodes["lat"]).to_numpy(float),
    }, geometry=geometries_to_wgs84(prefecture_shapes.geometry.to_numpy()), crs="EPSG:4326")
    nodes = counties_nodes
    if townships is not None:
        if townships[0] < len(counties):
            raise ScenarioError(f"key 'region.townships': {townships[0]} townships for {len(counties)} counties; "
                                "give at least one per county")
        nodes, boundaries = township_region(counties_nodes, boundaries, *townships)

    generation = msw_generation(nodes["urban_population"], nodes["rural_population"], demand_settings, target_year)
    demand = nodes.assign(
        msw_generated_tpd=generation.generated_tpd,
        msw_generated_urban_tpd=generation.urban_tpd,
        msw_generated_rural_tpd=generation.rural_tpd,
        msw_sorted_out_tpd=generation.sorted_out_tpd,
        msw_tpd=generation.to_treat_tpd,
        msw_urban_tpd=generation.urban_tpd * (1.0 - generation.sorted_out_share),
        msw_rural_tpd=generation.rural_tpd * (1.0 - generation.sorted_out_share),
    )

    plants = read_mee_plants(seeds, counties, seat)
    existing = plants["start_year"] <= baseline_year

    totals = {
        "population": int(demand["population"].sum()),
        "msw_generated_tpd": float(demand["msw_generated_tpd"].sum()),
        "msw_sorted_out_tpd": float(demand["msw_sorted_out_tpd"].sum()),
        "msw_tpd": float(demand["msw_tpd"].sum()),
        "base_2020_tpd_uncalibrated": float(generation.base_2020_tpd.sum()),
    }
    return Region(
        name=seeds.name,
        demand=demand,
        plants=plants[existing].reset_index(drop=True),
        later_plants=plants[~existing].reset_index(drop=True),
        news_plants=read_news_plants(seeds, counties, seat),
        landfills=landfill_records(landfill_table),
        candidates=candidate_table[["site_id", "name_zh", "name_en", "adcode", "prefecture_adcode", "lon", "lat"]]
        .reset_index(drop=True),
        boundaries=boundaries,
        prefecture_boundaries=prefecture_boundaries,
        generation={
            "census_year": CENSUS_YEAR,
            "target_year": target_year,
            "baseline_year": baseline_year,
            "settings": demand_settings.model_dump(mode="json"),
            "growth_factor": generation.growth_factor,
            "calibration_factor": generation.calibration_factor,
            "calibration": calibration_record(demand_settings, generation),
            "totals": totals,
            "kg_per_capita_day_effective": totals["msw_generated_tpd"] * 1000.0 / totals["population"],
            "sources": {
                "population": "2020 census county yearbook via leiii/census; 24 development zones assigned to hosts "
                              "(seeds dev_zone_hosts.csv)",
                **({"townships": f"{townships[0]:,} {TOWNSHIP_RULE}, seed {townships[1]}"} if townships else {}),
                "rates": "urban: national rule of thumb 1.0–1.2 kg/cap/day (lianjie114.net/life_277792, secondary); "
                         "rural: Han et al., Environ. Sci. Pollut. Res. 26 (2019) 8485",
                "calibration": demand_settings.calibration.source if demand_settings.calibration else None,
            },
        },
    )
