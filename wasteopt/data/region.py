"""Region: demand nodes, existing plants, landfills and candidate sites, built from ``seeds/`` and a Scenario.

Units: population in persons, waste in t/d (tonnes per day), coordinates in WGS84 degrees.
Every input table is checked before use; all problems of a file are raised together as one
:class:`~wasteopt.config.errors.DataError` naming the file and the 1-based data rows.
"""
from __future__ import annotations

import collections
import functools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wasteopt.config.errors import DataError
from wasteopt.config.scenario import DemandSettings, Scenario
from wasteopt.config.userfiles import MAX_GEODATA_BYTES, MAX_TABLE_BYTES, absolute, checked_file, shown

CENSUS_YEAR = 2020
LON_RANGE = (73.0, 136.0)  # deg E, a box around China: catches swapped or missing coordinates
LAT_RANGE = (18.0, 54.0)  # deg N
MAX_TABLE_NUMBER = 1e9  # no count, capacity or population of a county-level table comes near: a typo
MAX_PROBLEMS_SHOWN = 50  # keeps one error message readable when a whole file is wrong
MAX_COLUMNS = 500  # the widest table (a plan's facilities) has < 30 columns; a wider header is not ours
MAX_NAME_CHARS = 200  # characters of a name cell (name_zh, name_en …): the longest real plant name has ~40

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


@dataclass(frozen=True)
class Region:
    """Everything the network and siting models need about one region.

    The frames are shared by the cache of :func:`load_region`: treat them as read-only
    (``.copy()`` before changing them).
    """

    name: str
    demand: pd.DataFrame
    """Index ``node_id`` (county adcode). Seat lon/lat (WGS84), 2020 census population incl.
    assigned development zones (``dev_zone_population``), ``msw_generated_tpd`` (collected MSW in
    the target year), ``msw_sorted_out_tpd`` and ``msw_tpd`` (= generated − sorted out, to treat)."""
    plants: pd.DataFrame
    """Incinerators whose first furnace started in or before ``baseline_year``; ``capacity_tpd`` is
    the plant's whole nameplate in the 2023 MEE snapshot; lon/lat = host county seat."""
    later_plants: pd.DataFrame
    """MEE-2023 plants started after ``baseline_year`` (same columns), for comparison."""
    news_plants: pd.DataFrame
    """Two plants reported in news after the MEE snapshot (lower authority); information only."""
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


# ----------------------------------------------------------------------------- validation

CSV_ENCODINGS = ("utf-8", "gb18030")  # UTF-8 (a BOM is skipped), else what Excel saves on Chinese Windows


def read_table(path: Path, allow_empty: bool = False) -> pd.DataFrame:
    """Read a CSV with every column as text, in UTF-8 or else GB18030 (GBK); :class:`DataError` if it is
    missing, unreadable, not a regular file, too large, wider than :data:`MAX_COLUMNS` or (unless
    ``allow_empty``) without data rows."""
    path = checked_file(path, MAX_TABLE_BYTES, "CSV file")
    _check_header_width(path)
    for encoding in CSV_ENCODINGS:
        try:
            df = pd.read_csv(path, dtype=str, encoding=encoding)
            break
        except FileNotFoundError:
            raise DataError(f"{path}: file not found") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: file is empty") from None
        except UnicodeDecodeError as error:
            failure = error
        except (OSError, pd.errors.ParserError) as error:
            raise DataError(f"{path}: cannot read as CSV: {error}") from None
    else:
        raise DataError(f"{path}: cannot read: neither UTF-8 nor GBK text ({failure.reason} at byte {failure.start}); "
                        "save it as 'CSV UTF-8'") from None
    if df.empty and not (allow_empty and len(df.columns)):
        raise DataError(f"{path}: file has a header but no data rows")
    df.columns = [str(c).strip() for c in df.columns]
    repeated = sorted(name for name, count in collections.Counter(df.columns).items() if count > 1)
    if repeated:  # a second 'lon' column would make every check ambiguous
        raise DataError(f"{path}: column(s) {', '.join(repeated)} appear more than once in the header")
    return df


def _check_header_width(path: Path) -> None:
    """Refuse a header of more than :data:`MAX_COLUMNS` fields before pandas parses it (10⁶ columns take minutes)."""
    with open(path, "rb") as handle:
        header = handle.readline(64 * MAX_COLUMNS)
    for separator in (b",", ",".encode("utf-16-le")):  # UTF-16 text has NUL bytes between the commas' bytes
        if header.count(separator) >= MAX_COLUMNS:
            raise DataError(f"{shown(path)}: the header has more than {MAX_COLUMNS:,} columns; "
                            "is this the right file?")


def _row(i: int) -> str:
    return f"row {i + 1}"


def validate_table(df: pd.DataFrame, *, required: tuple[str, ...] | list[str], id_column: str | None = None,
                   nonnegative: tuple[str, ...] = (), lonlat: tuple[str, str] | None = None,
                   references: dict[str, set[str]] | None = None, integer: tuple[str, ...] = ()) -> list[str]:
    """Problems found in a text table (as read by :func:`read_table`); empty if it is fine.

    ``nonnegative`` columns must be finite numbers in [0, 1e9] (``integer`` ones also whole); ``lonlat`` = (lon, lat) column names that must
    lie inside China; ``references`` maps a column to the ids it may take. Rows are 1-based data rows.
    """
    missing = [c for c in required if c not in df.columns]
    problems = [f"missing column(s): {', '.join(missing)}"] if missing else []
    present = set(df.columns)

    if id_column in present:
        ids = df[id_column].str.strip()
        for i in np.flatnonzero(ids.isna() | (ids == "")):
            problems.append(f"{_row(i)}: {id_column} is empty")
        first_row: dict[str, int] = {}
        for i, value in enumerate(ids):
            if isinstance(value, str) and value:
                if value in first_row:
                    problems.append(f"{_row(i)}: duplicate {id_column} '{value}' (first in {_row(first_row[value])})")
                else:
                    first_row[value] = i

    for column in (c for c in nonnegative if c in present):
        values = pd.to_numeric(df[column], errors="coerce")
        finite = values.to_numpy(dtype=float)
        for i in np.flatnonzero(values.isna().to_numpy()):
            problems.append(f"{_row(i)}: {column} is missing or not a number ({df[column].iat[i]!r})")
        for i in np.flatnonzero((values < 0).to_numpy()):
            problems.append(f"{_row(i)}: {column} is negative ({values.iat[i]:g})")
        for i in np.flatnonzero(np.isinf(values.to_numpy(dtype=float))):
            problems.append(f"{_row(i)}: {column} is not a finite number ({df[column].iat[i]!r})")
        for i in np.flatnonzero(np.isfinite(finite) & (finite > MAX_TABLE_NUMBER)):
            problems.append(f"{_row(i)}: {column} {df[column].iat[i]!r} is implausibly large (more than {MAX_TABLE_NUMBER:g})")
        if column in integer:  # counts (persons, furnaces) would otherwise be truncated silently
            for i in np.flatnonzero(np.isfinite(finite) & (finite != np.round(finite))):
                problems.append(f"{_row(i)}: {column} must be a whole number ({df[column].iat[i]!r})")

    if lonlat and set(lonlat) <= present:
        lon = pd.to_numeric(df[lonlat[0]], errors="coerce").to_numpy()
        lat = pd.to_numeric(df[lonlat[1]], errors="coerce").to_numpy()
        # NaN compares False, so a missing coordinate is reported as outside China too.
        inside = (lon >= LON_RANGE[0]) & (lon <= LON_RANGE[1]) & (lat >= LAT_RANGE[0]) & (lat <= LAT_RANGE[1])
        for i in np.flatnonzero(~inside):
            problems.append(f"{_row(i)}: {lonlat[0]},{lonlat[1]} = {df[lonlat[0]].iat[i]},{df[lonlat[1]].iat[i]} "
                            f"is missing or outside China (lon {LON_RANGE[0]:g}–{LON_RANGE[1]:g}, "
                            f"lat {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g})")

    for column in (c for c in df.columns if str(c).startswith("name")):
        lengths = df[column].str.len().to_numpy(dtype=float, na_value=0.0)
        for i in np.flatnonzero(lengths > MAX_NAME_CHARS):
            problems.append(f"{_row(i)}: {column} is {lengths[i]:,.0f} characters long, more than the "
                            f"{MAX_NAME_CHARS} a name may have")

    for column, allowed in (references or {}).items():
        if column in present:
            for i, value in enumerate(df[column]):
                if isinstance(value, str) and value.strip() and value.strip() not in allowed:
                    problems.append(f"{_row(i)}: {column} '{value}' is not a county-level unit of the region")
    return problems


def raise_problems(file: Path | str, problems: list[str]) -> None:
    """Raise one :class:`DataError` listing every problem of ``file`` (the first 50 in full)."""
    if not problems:
        return
    listed = "; ".join(_clipped(problem) for problem in problems[:MAX_PROBLEMS_SHOWN])
    more = f"; … and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
    raise DataError(f"{shown(file)}: {len(problems)} problem(s): {listed}{more}")


def _clipped(problem: str, most: int = 300) -> str:
    """One problem as a message shows it: at most ``most`` characters (a 10 MB cell is quoted in part)."""
    return problem if len(problem) <= most else f"{problem[:most - 1]}…"


def checked_table(path: Path, **rules) -> pd.DataFrame:
    """:func:`read_table` then :func:`validate_table` (same keyword rules); raise all problems at once."""
    df = read_table(path)
    raise_problems(path, validate_table(df, **rules))
    for column in rules.get("nonnegative", ()):
        df[column] = pd.to_numeric(df[column])
    for column in rules.get("lonlat") or ():
        df[column] = pd.to_numeric(df[column])
    if rules.get("id_column"):
        df[rules["id_column"]] = df[rules["id_column"]].str.strip()
    return df


# A plan's facilities table: a run folder's facilities.csv, and the same file (or a planner's
# shorter one) as ``policy.fixed_plants_file``. Its text columns; every other column holds numbers.
FACILITY_TEXT_COLUMNS = ("site_id", "name_zh", "name_en", "technology", "status", "adcode", "prefecture_adcode")


def read_plan_facilities(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A plan's facilities table indexed by site_id (see :func:`read_number_table`); site ids unique, module
    counts (new_modules) whole and ≥ 0, ``required`` columns besides site_id (what the caller reads)."""
    return read_number_table(path, required=("site_id", *required), text=FACILITY_TEXT_COLUMNS,
                             id_column="site_id", integer=("new_modules",))


def read_number_table(path: Path, *, required: tuple[str, ...], text: tuple[str, ...], id_column: str | None = None,
                      integer: tuple[str, ...] = (), allow_empty: bool = False) -> pd.DataFrame:
    """A table written by wasteopt (or shaped like one), checked like any user file: every column not in ``text``
    holds numbers (empty cells are NaN), ``integer`` ones whole and ≥ 0, ``id_column`` (the index, if given)
    unique. One :class:`DataError` lists every problem."""
    df = read_table(path, allow_empty=allow_empty)
    problems = validate_table(df, required=required, id_column=id_column, nonnegative=integer, integer=integer)
    for column in [c for c in df.columns if c not in text]:
        cells = df[column].str.strip()
        values = pd.to_numeric(cells, errors="coerce")
        for i in np.flatnonzero((values.isna() & cells.notna() & (cells != "")).to_numpy()):
            problems.append(f"{_row(i)}: {column} is not a number ({_clipped(df[column].iat[i], 40)!r})")
        df[column] = values.astype(float)
    raise_problems(path, problems)
    present = [c for c in df.columns if c in text]
    df[present] = df[present].fillna("")
    if id_column is None:
        return df
    df[id_column] = df[id_column].str.strip()
    return df.set_index(id_column)


# ----------------------------------------------------------------------------- coordinates

_KRASOVSKY_A = 6378245.0  # m, semi-major axis used by the published GCJ-02 formula
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared


def _gcj02_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at a WGS84 point, degrees (the widely published forward formula)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    d_lat = d_lat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * np.sqrt(magic)) * np.pi)
    d_lon = d_lon * 180.0 / (_KRASOVSKY_A / np.sqrt(magic) * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon, lat (deg) of GCJ-02 points, by fixed-point inversion of the forward formula (< 1e-9° residual)."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(30):  # the offset varies slowly, so each step gains ~4 digits; 3–4 steps suffice
        d_lon, d_lat = _gcj02_offset(w_lon, w_lat)
        new_lon, new_lat = g_lon - d_lon, g_lat - d_lat
        done = np.nanmax(np.abs(np.concatenate([np.ravel(new_lon - w_lon), np.ravel(new_lat - w_lat)])), initial=0.0) < 1e-12
        w_lon, w_lat = new_lon, new_lat
        if done:
            break
    return w_lon, w_lat


def _to_wgs84(geometries: np.ndarray) -> np.ndarray:
    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))

    return shapely.make_valid(shapely.transform(geometries, convert))


# ----------------------------------------------------------------------------- demand

@dataclass(frozen=True)
class Generation:
    """Collected MSW per node in one year, t/d, from urban and from rural residents, and the factors that
    produced it. ``calibration_fitted``: the factor was fitted in this run to the observed total, so the
    per-capita rates and growth set only how the total splits among nodes, not the total."""

    urban_tpd: np.ndarray
    rural_tpd: np.ndarray
    sorted_out_share: float
    base_2020_tpd: np.ndarray
    growth_factor: float
    calibration_factor: float
    calibration_fitted: bool

    @property
    def generated_tpd(self) -> np.ndarray:
        return self.urban_tpd + self.rural_tpd

    @property
    def sorted_out_tpd(self) -> np.ndarray:
        return self.generated_tpd * self.sorted_out_share

    @property
    def to_treat_tpd(self) -> np.ndarray:
        return self.generated_tpd - self.sorted_out_tpd


def msw_generation(urban_population, rural_population, settings: DemandSettings, year: int) -> Generation:
    """Collected MSW in ``year`` (t/d) from 2020 urban/rural population (persons): the one demand model that
    siting, routing, the app and the report read (through ``Region.demand``).

    urban = urban population × urban kg/cap/d × urban collection rate / 1000 × growth × calibration factor,
    rural alike; growth = (1 + growth_per_year)^(year − 2020). The calibration factor is
    ``calibration.factor`` when set (fitted once, held: every knob moves the total), fitted here to
    ``calibration.total_tpd`` in ``calibration.year`` when ``factor`` is null, 1 without a calibration.
    Sorting then removes ``sorted_out_share``: to_treat = generated × (1 − sorted_out_share).
    """
    rate, collected = settings.msw_kg_per_capita_day, settings.collection_rate
    urban = np.asarray(urban_population, dtype=float) * rate.urban * collected.urban / 1000.0
    rural = np.asarray(rural_population, dtype=float) * rate.rural * collected.rural / 1000.0

    def grown(total_year: int) -> float:
        return (1.0 + settings.growth_per_year) ** (total_year - CENSUS_YEAR)

    calibration = settings.calibration
    factor, fitted = 1.0, False
    if calibration is not None and calibration.factor is not None:
        factor = calibration.factor
    elif calibration is not None:
        modelled = (urban.sum() + rural.sum()) * grown(calibration.year)
        if modelled <= 0:
            raise DataError("cannot calibrate MSW generation: the modelled total is 0 t/d (no population?)")
        factor, fitted = calibration.total_tpd / modelled, True
    scale = factor * grown(year)
    return Generation(urban * scale, rural * scale, settings.sorted_out_share, urban + rural, grown(year), factor,
                      fitted)


def _calibration_record(settings: DemandSettings, generation: Generation) -> dict | None:
    """The calibration step as the app and report show it: held or fitted, its factor, and this scenario's
    modelled total in the observed year beside the observed total."""
    calibration = settings.calibration
    if calibration is None:
        return None
    base = float(generation.base_2020_tpd.sum())
    modelled = base * generation.calibration_factor * (1.0 + settings.growth_per_year) ** (calibration.year - CENSUS_YEAR)
    return {"mode": "fitted" if generation.calibration_fitted else "held", "factor": generation.calibration_factor,
            "year": calibration.year, "observed_tpd": calibration.total_tpd, "modelled_tpd": modelled,
            "source": calibration.source}


# ----------------------------------------------------------------------------- seeds

def _counties(folder: Path) -> pd.DataFrame:
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
            problems.append(f"{_row(i)}: urban + rural population ≠ population_2020")
    raise_problems(path, problems)
    df[list(populations)] = df[list(populations)].apply(pd.to_numeric).astype("int64")
    df[["lon_wgs84", "lat_wgs84"]] = df[["lon_wgs84", "lat_wgs84"]].apply(pd.to_numeric)
    df["adcode"] = df["adcode"].str.strip()
    return df.set_index("adcode", drop=False)


def _dev_zone_assignment(folder: Path, adcodes: set[str]) -> pd.DataFrame:
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


def _seat_districts(boundaries_gcj: gpd.GeoDataFrame, prefectures: pd.DataFrame, path: Path) -> dict[str, str]:
    """Prefecture adcode → the county unit whose polygon holds the prefecture centre (both GCJ-02)."""
    points = gpd.GeoSeries(gpd.points_from_xy(pd.to_numeric(prefectures["lon"]), pd.to_numeric(prefectures["lat"])))
    seat, problems = {}, []
    for i, (code, point) in enumerate(zip(prefectures["adcode"], points)):
        hits = boundaries_gcj.loc[boundaries_gcj.contains(point), "adcode"].tolist()
        if len(hits) != 1:
            problems.append(f"{_row(i)}: centre of prefecture {code} lies in {len(hits)} county polygons")
        else:
            seat[code] = hits[0]
    raise_problems(path, problems)
    return seat


def _read_boundaries(path: Path, adcodes: pd.Index) -> gpd.GeoDataFrame:
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


def _mee_plants(folder: Path, counties: pd.DataFrame, seat: dict[str, str]) -> pd.DataFrame:
    path = folder / SEED_FILES["plants"]
    df = checked_table(path, required=("plant_name_zh", "ps_code", "n_furnaces", "capacity_tpd",
                                       "earliest_furnace_start", "prefecture_adcode", "county_adcode"),
                       id_column="ps_code", nonnegative=("n_furnaces", "capacity_tpd"), integer=("n_furnaces",),
                       references={"county_adcode": set(counties.index)})
    started = pd.to_datetime(df["earliest_furnace_start"], errors="coerce", format="%Y-%m-%d")
    raise_problems(path, [f"{_row(i)}: earliest_furnace_start is not a YYYY-MM-DD date"
                          for i in np.flatnonzero(started.isna().to_numpy())]
                   + [f"{_row(i)}: prefecture_adcode {code!r} has no seat district"
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


def _news_plants(folder: Path, counties: pd.DataFrame, seat: dict[str, str]) -> pd.DataFrame:
    path = folder / SEED_FILES["news_plants"]
    df = checked_table(path, required=("plant_name_zh", "capacity_tpd", "date_reported", "county_adcode",
                                       "prefecture_adcode", "source_url"),
                       id_column="plant_name_zh", nonnegative=("capacity_tpd",),
                       references={"county_adcode": set(counties.index)})
    table = _plant_table(df, counties, seat)
    table.insert(0, "site_id", [f"N{i + 1}" for i in range(len(df))])
    table["capacity_tpd"] = df["capacity_tpd"].to_numpy(dtype=float)
    table["start_year"] = pd.to_datetime(df["date_reported"], errors="coerce").dt.year.to_numpy()
    table["status_as_reported"] = df.get("status_as_reported")
    table["source_url"] = df["source_url"].to_numpy()
    return table


def _sites(path: Path, counties: pd.DataFrame) -> pd.DataFrame:
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


def _landfill_records(table: pd.DataFrame) -> pd.DataFrame:
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


def _default_candidates(counties: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "site_id": "C" + counties["adcode"],
        "name_zh": counties["name_zh"] + "候选厂址",
        "name_en": counties["name_en"] + " candidate site",
        "adcode": counties["adcode"],
        "prefecture_adcode": counties["prefecture_adcode"],
        "lon": counties["lon_wgs84"],
        "lat": counties["lat_wgs84"],
    }).reset_index(drop=True)


# ----------------------------------------------------------------------------- loading

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
    return _load_region(seeds, landfills, candidates, scenario.region.baseline_year, scenario.region.target_year,
                        scenario.demand, (stamps, _stamp(landfills), _stamp(candidates)))


@functools.lru_cache(maxsize=8)
def _load_region(seeds: Path, landfills_file: Path | None, candidates_file: Path | None, baseline_year: int,
                 target_year: int, demand_settings: DemandSettings, _stamps: tuple) -> Region:
    # _stamps is only part of the cache key: edited input files give a fresh Region.
    counties = _counties(seeds)
    adcodes = set(counties.index)
    # User files first: their mistakes are the likely ones, so report them before the slow geometry work.
    landfill_table = _sites(landfills_file or seeds / SEED_FILES["landfills"], counties)
    candidate_table = (_sites(candidates_file, counties)
                       .drop(columns=["assumed"]) if candidates_file else _default_candidates(counties))
    prefectures = checked_table(seeds / SEED_FILES["prefectures"], required=("adcode", "name_zh", "name_en", "lon", "lat"),
                                id_column="adcode", lonlat=("lon", "lat"))

    zones = _dev_zone_assignment(seeds, adcodes).reindex(counties.index, fill_value=0)
    population = counties[["population_2020", "urban_population_2020", "rural_population_2020"]] + zones
    generation = msw_generation(population["urban_population_2020"], population["rural_population_2020"],
                                demand_settings, target_year)
    prefecture_en = prefectures.set_index("adcode")["name_en"]
    demand = pd.DataFrame({
        "name_zh": counties["name_zh"], "name_en": counties["name_en"],
        "prefecture_adcode": counties["prefecture_adcode"], "prefecture_zh": counties["prefecture_zh"],
        "prefecture_en": counties["prefecture_adcode"].map(prefecture_en), "kind": counties["kind"],
        "lon": counties["lon_wgs84"], "lat": counties["lat_wgs84"],
        "population": population["population_2020"],
        "urban_population": population["urban_population_2020"],
        "rural_population": population["rural_population_2020"],
        "dev_zone_population": zones["population_2020"],
        "msw_generated_tpd": generation.generated_tpd,
        "msw_generated_urban_tpd": generation.urban_tpd,
        "msw_generated_rural_tpd": generation.rural_tpd,
        "msw_sorted_out_tpd": generation.sorted_out_tpd,
        "msw_tpd": generation.to_treat_tpd,
        "msw_urban_tpd": generation.urban_tpd * (1.0 - generation.sorted_out_share),
        "msw_rural_tpd": generation.rural_tpd * (1.0 - generation.sorted_out_share),
    }).rename_axis("node_id")

    county_shapes = _read_boundaries(seeds / SEED_FILES["county_shapes"], counties.index)
    seat = _seat_districts(county_shapes, prefectures, seeds / SEED_FILES["prefectures"])
    boundaries = gpd.GeoDataFrame({
        "adcode": county_shapes["adcode"].to_numpy(),
        "name_zh": county_shapes["name_zh"].to_numpy(),
        "name_en": counties.loc[county_shapes["adcode"], "name_en"].to_numpy(),
        "prefecture_adcode": counties.loc[county_shapes["adcode"], "prefecture_adcode"].to_numpy(),
    }, geometry=_to_wgs84(county_shapes.geometry.to_numpy()), crs="EPSG:4326")
    prefecture_shapes = _read_boundaries(seeds / SEED_FILES["prefecture_shapes"], pd.Index(prefectures["adcode"]))
    prefecture_boundaries = gpd.GeoDataFrame({
        "adcode": prefecture_shapes["adcode"].to_numpy(),
        "name_zh": prefecture_shapes["name_zh"].to_numpy(),
        "name_en": prefecture_shapes["adcode"].map(prefecture_en).to_numpy(),
        # the seat district's seat (WGS84): where a map writes the prefecture's name
        "seat_lon": prefecture_shapes["adcode"].map(seat).map(demand["lon"]).to_numpy(float),
        "seat_lat": prefecture_shapes["adcode"].map(seat).map(demand["lat"]).to_numpy(float),
    }, geometry=_to_wgs84(prefecture_shapes.geometry.to_numpy()), crs="EPSG:4326")

    plants = _mee_plants(seeds, counties, seat)
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
        news_plants=_news_plants(seeds, counties, seat),
        landfills=_landfill_records(landfill_table),
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
            "calibration": _calibration_record(demand_settings, generation),
            "totals": totals,
            "kg_per_capita_day_effective": totals["msw_generated_tpd"] * 1000.0 / totals["population"],
            "sources": {
                "population": "2020 census county yearbook via leiii/census; 24 development zones assigned to hosts "
                              "(seeds dev_zone_hosts.csv)",
                "rates": "urban: national rule of thumb 1.0–1.2 kg/cap/day (lianjie114.net/life_277792, secondary); "
                         "rural: Han et al., Environ. Sci. Pollut. Res. 26 (2019) 8485",
                "calibration": demand_settings.calibration.source if demand_settings.calibration else None,
            },
        },
    )
