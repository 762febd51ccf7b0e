"""The seed files of a region (``seeds/``) and a planner's site lists, each read and checked into a table:
counties, development zones, prefecture seats, boundaries (GCJ-02 as given), MEE and news plants,
landfills and candidate sites."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wasteopt.config.errors import DataError
from wasteopt.config.userfiles import MAX_GEODATA_BYTES, checked_file
from wasteopt.data.tables import (
    LAT_RANGE, LON_RANGE, checked_table, raise_problems, read_table, row_label, validate_table)


SEED_FILES = {
    "counties": "counties.csv",
    "prefectures": "prefectures.csv",
    "dev_zones": "census2020_dev_zones.csv",
    "dev_zone_hosts": "dev_zone_hosts.csv",
    "plants": "msw_incineration_plants_mee2023.csv",
    "news_plants": "msw_incineration_plants_news_additions.csv",
    "landfills": "landfills.csv",
    "county_shapes": "henan_counties_datav_gcj02.geojson",
    "prefecture_shapes": "henan_prefectures_datav_gcj02.geojson",
}
SITE_COLUMNS = ("site_id", "name_zh", "adcode", "lon", "lat")
PLANT_COLUMNS = ["site_id", "name_zh", "name_en", "adcode", "prefecture_adcode", "lon", "lat",
                 "capacity_tpd", "n_lines", "start_year", "location_basis", "ps_code"]


def read_counties(folder: Path) -> pd.DataFrame:
    """counties.csv indexed by adcode (kept as a column): names, prefecture, kind, seat lon/lat (WGS84) and 2020
    census population (persons; urban + rural = total, checked)."""
    populations = ("population_2020", "urban_population_2020", "rural_population_2020")
    path = folder / SEED_FILES["counties"]
    df = read_table(path)
    problems = validate_table(
        df, required=("adcode", "name_zh", "name_en", "prefecture_adcode", "prefecture_zh", "kind",
                      "lon_wgs84", "lat_wgs84") + populations,
        id_column="adcode", nonnegative=populations, integer=populations, lonlat=("lon_wgs84", "lat_wgs84"))
    if not problems:
        pop = df[list(populations)].apply(pd.to_numeric)
        for i in np.flatnonzero((pop.iloc[:, 1] + pop.iloc[:, 2] != pop.iloc[:, 0]).to_numpy()):
            problems.append(f"{row_label(i)}: urban + rural population ≠ population_2020")
    raise_problems(path, problems)
    df[list(populations)] = df[list(populations)].apply(pd.to_numeric).astype("int64")
    df[["lon_wgs84", "lat_wgs84"]] = df[["lon_wgs84", "lat_wgs84"]].apply(pd.to_numeric)
    df["adcode"] = df["adcode"].str.strip()
    return df.set_index("adcode", drop=False)


def dev_zone_population(folder: Path, adcodes: set[str]) -> pd.DataFrame:
    """Census development-zone population per host county (persons), from the zone rows + hosts table."""
    populations = ("population_2020", "urban_population_2020", "rural_population_2020")
    zones = checked_table(folder / SEED_FILES["dev_zones"], required=("name_zh",) + populations,
                          id_column="name_zh", nonnegative=populations)
    hosts_path = folder / SEED_FILES["dev_zone_hosts"]
    hosts = checked_table(hosts_path, required=("zone_name_zh", "zone_name_en", "host_adcode", "basis"),
                          id_column="zone_name_zh", references={"host_adcode": adcodes})
    unhosted = sorted(set(zones["name_zh"]) - set(hosts["zone_name_zh"]))
    unknown = sorted(set(hosts["zone_name_zh"]) - set(zones["name_zh"]))
    raise_problems(hosts_path, [f"no host for census zone {z}" for z in unhosted]
                   + [f"zone {z} is not in {SEED_FILES['dev_zones']}" for z in unknown])
    merged = zones.merge(hosts, left_on="name_zh", right_on="zone_name_zh")
    return merged.groupby("host_adcode")[list(populations)].sum().astype("int64")


def seat_districts(boundaries_gcj: gpd.GeoDataFrame, prefectures: pd.DataFrame, path: Path) -> dict[str, str]:
    """Prefecture adcode → the county unit whose polygon holds the prefecture centre (both GCJ-02)."""
    points = gpd.GeoSeries(gpd.points_from_xy(pd.to_numeric(prefectures["lon"]), pd.to_numeric(prefectures["lat"])))
    seat, problems = {}, []
    for i, (code, point) in enumerate(zip(prefectures["adcode"], points)):
        hits = boundaries_gcj.loc[boundaries_gcj.contains(point), "adcode"].tolist()
        if len(hits) != 1:
            problems.append(f"{row_label(i)}: centre of prefecture {code} lies in {len(hits)} county polygons")
        else:
            seat[code] = hits[0]
    raise_problems(path, problems)
    return seat


def read_boundaries(path: Path, adcodes: pd.Index) -> gpd.GeoDataFrame:
    """The polygons of ``adcodes`` from a DataV GeoJSON (lon/lat, GCJ-02 as given), made valid."""
    if checked_file(path, MAX_GEODATA_BYTES, "GeoJSON file").stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    try:
        gdf = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several unrelated types for unreadable files
        raise DataError(f"{path}: cannot read GeoJSON: {error}") from None
    if gdf.empty:
        raise DataError(f"{path}: the GeoJSON has no features")
    if "adcode" not in gdf.columns or "name" not in gdf.columns:
        raise DataError(f"{path}: features need 'adcode' and 'name' properties")
    _check_lonlat_geometry(gdf, path)
    gdf["adcode"] = gdf["adcode"].astype(str)
    missing = sorted(set(adcodes) - set(gdf["adcode"]))
    raise_problems(path, [f"no polygon for adcode {code}" for code in missing])
    gdf = gdf[gdf["adcode"].isin(adcodes)].rename(columns={"name": "name_zh"})
    gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
    return gdf.set_crs("EPSG:4326", allow_override=True)  # lon/lat degrees; GCJ-02 until converted


def _check_lonlat_geometry(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Boundaries must be lon/lat degrees (GCJ-02 or WGS84) inside China: catch projected CRSs and swapped axes."""
    crs = gdf.crs
    if crs is not None and not crs.is_geographic:
        raise DataError(f"{path}: coordinates are in {crs.to_string()} (projected); expected lon/lat degrees "
                        "(EPSG:4326 / GCJ-02). Reproject the file, e.g. ogr2ogr -t_srs EPSG:4326")
    problems = []
    bounds = gdf.geometry.bounds.to_numpy()
    for i, (x0, y0, x1, y1) in enumerate(bounds):
        if np.isnan(x0):
            problems.append(f"feature {i + 1} (adcode {gdf['adcode'].iat[i]}): no geometry")
        elif not (LON_RANGE[0] <= x0 and x1 <= LON_RANGE[1] and LAT_RANGE[0] <= y0 and y1 <= LAT_RANGE[1]):
            problems.append(f"feature {i + 1} (adcode {gdf['adcode'].iat[i]}): extent {x0:.4g},{y0:.4g} – {x1:.4g},{y1:.4g} "
                            "is outside China: wrong CRS or swapped lon/lat?")
    raise_problems(path, problems)


def _plant_table(df: pd.DataFrame, counties: pd.DataFrame, seat: dict[str, str]) -> pd.DataFrame:
    """Host county, seat coordinates and a basis note for plants with optional ``county_adcode``."""
    given = df["county_adcode"].fillna("").str.strip()
    host = given.where(given != "", df["prefecture_adcode"].map(seat))
    named_by = df["county_basis"].fillna("source") if "county_basis" in df.columns else "source"
    basis = np.where(given != "", "county_adcode given (" + named_by + ")",
                     "prefecture seat district (assumed: no site known)")
    seat_rows = counties.loc[host]
    return pd.DataFrame({
        "name_zh": df["plant_name_zh"].to_numpy(),
        "name_en": ("WtE plant, " + seat_rows["name_en"]).to_numpy(),
        "adcode": host.to_numpy(),
        "prefecture_adcode": seat_rows["prefecture_adcode"].to_numpy(),
        "lon": seat_rows["lon_wgs84"].to_numpy(),
        "lat": seat_rows["lat_wgs84"].to_numpy(),
        "location_basis": basis,
    })


def read_mee_plants(folder: Path, counties: pd.DataFrame, seat: dict[str, str]) -> pd.DataFrame:
    """The MEE 2023 incinerator list (every start year) as :data:`PLANT_COLUMNS`, at host county seats."""
    path = folder / SEED_FILES["plants"]
    df = checked_table(path, required=("plant_name_zh", "ps_code", "n_furnaces", "capacity_tpd",
                                       "earliest_furnace_start", "prefecture_adcode", "county_adcode"),
                       id_column="ps_code", nonnegative=("n_furnaces", "capacity_tpd"), integer=("n_furnaces",),
                       references={"county_adcode": set(counties.index)})
    started = pd.to_datetime(df["earliest_furnace_start"], errors="coerce", format="%Y-%m-%d")
    raise_problems(path, [f"{row_label(i)}: earliest_furnace_start is not a YYYY-MM-DD date"
                          for i in np.flatnonzero(started.isna().to_numpy())]
                   + [f"{row_label(i)}: prefecture_adcode {code!r} has no seat district"
                      for i, code in enumerate(df["prefecture_adcode"]) if code not in seat])
    table = _plant_table(df, counties, seat)
    # The first 8 characters of ps_code are shared by all plants of a prefecture; the last 8 are unique.
    table.insert(0, "site_id", "P" + df["ps_code"].str[-8:])
    table["capacity_tpd"] = df["capacity_tpd"].to_numpy(dtype=float)
    table["n_lines"] = df["n_furnaces"].to_numpy(dtype=int)
    table["start_year"] = started.dt.year.to_numpy(dtype=int)
    table["ps_code"] = df["ps_code"].to_numpy()
    if table["site_id"].duplicated().any():
        raise DataError(f"{path}: the last 8 characters of ps_code are no longer unique; site ids would clash")
    return table[PLANT_COLUMNS].sort_values("site_id", ignore_index=True)


def read_news_plants(folder: Path, counties: pd.DataFrame, seat: dict[str, str]) -> pd.DataFrame:
    """Plants reported in news after the MEE snapshot, with their source URLs (information only)."""
    path = folder / SEED_FILES["news_plants"]
    df = checked_table(path, required=("plant_name_zh", "capacity_tpd", "date_reported", "county_adcode",
                                       "prefecture_adcode", "source_url"),
                       id_column="plant_name_zh", nonnegative=("capacity_tpd",),
                       references={"county_adcode": set(counties.index)})
    reported = pd.to_datetime(df["date_reported"], errors="coerce", format="%Y-%m-%d")
    raise_problems(path, [f"{row_label(i)}: date_reported is not a YYYY-MM-DD date"
                          for i in np.flatnonzero(reported.isna().to_numpy())])
    table = _plant_table(df, counties, seat)
    table.insert(0, "site_id", [f"N{i + 1}" for i in range(len(df))])
    table["capacity_tpd"] = df["capacity_tpd"].to_numpy(dtype=float)
    table["start_year"] = reported.dt.year.to_numpy(dtype=int)
    table["status_as_reported"] = df.get("status_as_reported")
    table["source_url"] = df["source_url"].to_numpy()
    return table


def read_sites(path: Path, counties: pd.DataFrame) -> pd.DataFrame:
    """A landfill or candidate-site CSV: site_id, name_zh, adcode, lon, lat (+ optional name_en, assumed)."""
    df = checked_table(path, required=SITE_COLUMNS, id_column="site_id", lonlat=("lon", "lat"),
                       references={"adcode": set(counties.index)})
    df["adcode"] = df["adcode"].str.strip()
    name_en = df["name_en"] if "name_en" in df.columns else pd.Series(np.nan, index=df.index, dtype=object)
    df["name_en"] = name_en.fillna(df["site_id"])
    if "assumed" in df.columns:
        df["assumed"] = df["assumed"].str.strip().str.lower().isin(["true", "1", "yes"])
    else:
        df["assumed"] = False  # a user's own list is taken as real
    df["prefecture_adcode"] = counties.loc[df["adcode"], "prefecture_adcode"].to_numpy()
    return df


LANDFILL_RECORD_COLUMNS = ("capacity_tpd", "opened_year", "closed_year")


def landfill_records(table: pd.DataFrame) -> pd.DataFrame:
    """Landfills with their published record where the CSV has one: capacity_tpd, opened_year, closed_year
    (numbers, NaN when not published) and source (a public record, or why the row is assumed)."""
    out = table[["site_id", "name_zh", "name_en", "adcode", "lon", "lat", "assumed"]].copy()
    for column in LANDFILL_RECORD_COLUMNS:
        values = table[column] if column in table else pd.Series(np.nan, index=table.index)
        numbers = pd.to_numeric(values.replace("", np.nan), errors="coerce")
        bad = numbers.isna() & values.replace("", np.nan).notna()
        if bad.any():
            raise DataError(f"landfills: column {column} must be a number or empty; site {out.loc[bad, 'site_id'].iloc[0]} "
                            f"has '{values[bad].iloc[0]}'")
        out[column] = numbers
    out["source"] = table["source"].fillna("") if "source" in table else ""
    return out.reset_index(drop=True)


def default_candidates(counties: pd.DataFrame) -> pd.DataFrame:
    """One candidate site per county unit, at its seat, when the scenario gives no site list."""
    return pd.DataFrame({
        "site_id": "C" + counties["adcode"],
        "name_zh": counties["name_zh"] + "候选厂址",
        "name_en": counties["name_en"] + " candidate site",
        "adcode": counties["adcode"],
        "prefecture_adcode": counties["prefecture_adcode"],
        "lon": counties["lon_wgs84"],
        "lat": counties["lat_wgs84"],
    }).reset_index(drop=True)
