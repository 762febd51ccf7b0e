"""Reconciliation: a period's manifests and GPS against the licensed sites, the truck register and a plan.

Anomalies, one row per manifest and kind (time, place and evidence of the first sign):

- ``no_arrival``: no arrival within ``no_arrival_hours`` of departure (judged only once that time has passed
  by the store's latest manifest time);
- ``unlicensed_destination``: the destination is not a licensed site of the register (or not in it);
- ``dumping_stop``: the truck stands ≥ ``stop_minutes`` within ``stop_extent_m`` between departure and arrival,
  more than ``away_m`` from the origin and from every licensed site;
- ``implausible_speed``: two consecutive GPS fixes of the truck during the trip imply more than
  ``max_speed_kmh``;
- ``overload``: the load is above the truck's registered capacity, or ``default_capacity_t`` when unregistered;
- ``duplicate``: the same truck and project filed another manifest departing ≤ ``duplicate_minutes`` earlier
  (:func:`wasteopt.cd.database.manifests_with_duplicates`, the rule ``cd.observed`` uses too). A duplicate is a
  second record of the same load: it is left out of intake, fill, sources and the GPS checks.

The GPS steps (segments, stops) run as SQL window functions in the store, DuckDB or PostgreSQL alike, in one
query over the period's fixes sorted once; only the stops and fast segments found come back to Python.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from wasteopt.cd.database import DUPLICATE_MINUTES, manifests_with_duplicates
from wasteopt.cd.formats import CATEGORIES, DENSITY_T_PER_M3
from wasteopt.config.errors import DataError

ANOMALY_COLUMNS = ["manifest_id", "truck_plate", "kind", "time", "lon", "lat", "evidence"]
ANOMALY_KINDS = ("no_arrival", "unlicensed_destination", "dumping_stop", "implausible_speed", "overload", "duplicate")
M_PER_DEG_LAT = 110_570.0
M_PER_DEG_LON_EQUATOR = 111_320.0
DAYS_PER_YEAR = 365.0
POSTGRES_WORK_MEM = "512MB"


@dataclass(frozen=True)
class ReconcileSettings:
    start: dt.datetime
    end_day: dt.date  # included
    no_arrival_hours: float = 6.0
    stop_minutes: float = 10.0
    stop_extent_m: float = 200.0  # a stop's fixes stay within this box
    still_m: float = 25.0  # a step this short (or slower than still_m_per_s) is standing still: GPS noise
    still_m_per_s: float = 1.0
    away_m: float = 500.0
    max_speed_kmh: float = 120.0
    default_capacity_t: float = 40.0
    duplicate_minutes: float = DUPLICATE_MINUTES

    @classmethod
    def from_dates(cls, date_from: str, date_to: str, **options) -> ReconcileSettings:
        try:
            start, end = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
        except ValueError as error:
            raise DataError(f"--from/--to: {error} (dates are YYYY-MM-DD)") from None
        if end < start:
            raise DataError(f"--to {date_to} is before --from {date_from}")
        return cls(dt.datetime.combine(start, dt.time()), end, **options)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        return dt.datetime.combine(self.end_day + dt.timedelta(days=1), dt.time())

    @property
    def days(self) -> int:
        return (self.end_day - self.start.date()).days + 1

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(hours=self.no_arrival_hours)


@dataclass(frozen=True)
class Reconciliation:
    settings: ReconcileSettings
    anomalies: pd.DataFrame  # ANOMALY_COLUMNS
    sites: pd.DataFrame
    sources: pd.DataFrame
    kpis: dict


def _metres(lon, lat, lon0, lat0):
    """Equirectangular x, y in metres of points around (lon0, lat0): exact enough within a prefecture."""
    scale = M_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat0))
    return (np.asarray(lon, dtype=float) - lon0) * scale, (np.asarray(lat, dtype=float) - lat0) * M_PER_DEG_LAT


def reconcile(store, settings: ReconcileSettings, plan: str | None = None, registry=None) -> Reconciliation:
    """The period's anomalies, site intake and fill, and sources per county and category (see the module doc);
    ``plan`` is a run folder, or a run id in ``registry`` (default: the project's)."""
    filed, params = manifests_with_duplicates(settings.start, settings.end, settings.duplicate_minutes)
    manifests = store.query(f"{filed} ORDER BY depart_time, manifest_id", **params)
    sites = store.query("SELECT * FROM sites ORDER BY site_id").set_index("site_id")
    trucks = store.query("SELECT * FROM trucks").set_index("truck_plate")["capacity_t"]
    latest = store.query("SELECT MAX(depart_time) AS d, MAX(arrive_time) AS a FROM manifests").iloc[0]
    as_of = max((t for t in (latest["d"], latest["a"]) if pd.notna(t)), default=pd.NaT)
    for column in ("depart_time", "arrive_time"):
        manifests[column] = pd.to_datetime(manifests[column])
    manifests["end_time"] = manifests["arrive_time"].fillna(manifests["depart_time"] + settings.window)

    parts = [_no_arrival(manifests, settings, as_of), _unlicensed(manifests, sites),
             _overload(manifests, trucks, settings)]
    parts.append(_duplicates(manifests))
    trips = manifests[manifests["duplicate_of"].isna()]  # one row per load
    parts += _gps_anomalies(store, trips, sites, settings)
    anomalies = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=ANOMALY_COLUMNS)], ignore_index=True)
    anomalies = anomalies[ANOMALY_COLUMNS].sort_values(["time", "manifest_id", "kind"], kind="stable")
    anomalies = anomalies.reset_index(drop=True)

    planned = _plan_tables(plan, registry) if plan else None
    site_table = _site_table(store, trips, sites, settings, planned)
    source_table = _source_table(trips, sites, settings, planned)
    kpis = _kpis(manifests, trips, anomalies, site_table, source_table, settings, plan)
    return Reconciliation(settings, anomalies, site_table, source_table, kpis)


def _rows(frame: pd.DataFrame, kind: str, time, lon, lat, evidence) -> pd.DataFrame:
    return pd.DataFrame({"manifest_id": frame["manifest_id"].to_numpy(), "truck_plate": frame["truck_plate"].to_numpy(),
                         "kind": kind, "time": np.asarray(time), "lon": np.asarray(lon, dtype=float),
                         "lat": np.asarray(lat, dtype=float), "evidence": np.asarray(evidence, dtype=object)})


def _no_arrival(m: pd.DataFrame, s: ReconcileSettings, as_of) -> pd.DataFrame:
    late = m["arrive_time"].isna() | (m["arrive_time"] - m["depart_time"] > s.window)
    due = m["depart_time"] + s.window <= as_of if pd.notna(as_of) else np.zeros(len(m), dtype=bool)
    hit = m[late & due]
    hours = ((hit["arrive_time"] - hit["depart_time"]).dt.total_seconds() / 3600).to_numpy()
    evidence = [f"no arrival within {s.no_arrival_hours:g} h" if np.isnan(h) else
                f"arrived after {h:.1f} h (> {s.no_arrival_hours:g} h)" for h in hours]
    return _rows(hit, "no_arrival", hit["depart_time"], hit["origin_lon"], hit["origin_lat"], evidence)


def _unlicensed(m: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    licensed = sites.index[sites["licensed"].astype(bool)]
    hit = m[m["destination_site_id"].notna() & ~m["destination_site_id"].isin(licensed)]
    known = hit["destination_site_id"].isin(sites.index).to_numpy()
    lon = np.where(known, hit["destination_site_id"].map(sites["lon"]), np.nan)
    lat = np.where(known, hit["destination_site_id"].map(sites["lat"]), np.nan)
    evidence = [f"destination {d} {'is not licensed' if k else 'is not in the site register'}"
                for d, k in zip(hit["destination_site_id"], known)]
    return _rows(hit, "unlicensed_destination", hit["arrive_time"].fillna(hit["depart_time"]), lon, lat, evidence)


def _overload(m: pd.DataFrame, trucks: pd.Series, s: ReconcileSettings) -> pd.DataFrame:
    registered = m["truck_plate"].map(trucks)
    limit = registered.fillna(s.default_capacity_t)
    hit = m[m["load_t"] > limit + 1e-9]
    evidence = [f"load {load:g} t > {'registered capacity' if pd.notna(r) else 'default limit'} {lim:g} t"
                for load, r, lim in zip(hit["load_t"], registered[hit.index], limit[hit.index])]
    return _rows(hit, "overload", hit["depart_time"], hit["origin_lon"], hit["origin_lat"], evidence)


def _duplicates(m: pd.DataFrame) -> pd.DataFrame:
    hit = m[m["duplicate_of"].notna()]
    evidence = [f"same truck and project as {f}, departing {g / 60:.0f} min after it"
                for f, g in zip(hit["duplicate_of"], hit["gap_s"])]
    return _rows(hit, "duplicate", hit["depart_time"], hit["origin_lon"], hit["origin_lat"], evidence)


# one pass over the period's fixes, sorted once by truck and time: each fix with the time (s) and distance (m) from
# its truck's previous fix; a step longer than still_m and faster than still_m_per_s starts a new run (moving);
# runs lasting min_s are stops. A step faster than vmax starts a run (vmax > still_m_per_s), so it is its run's
# first row and comes back with it: one row per stop or fast step, nothing else leaves the database
GPS_RUNS_SQL = """
WITH steps AS (
    SELECT truck_plate, time, lon, lat,
           CAST(EXTRACT(EPOCH FROM time) AS DOUBLE PRECISION)
             - CAST(EXTRACT(EPOCH FROM LAG(time) OVER w) AS DOUBLE PRECISION) AS dt,
           SQRT(POWER((lon - LAG(lon) OVER w) * :m_lon * COS(RADIANS(lat)), 2)
                + POWER((lat - LAG(lat) OVER w) * :m_lat, 2)) AS d
    FROM gps WHERE time >= :a AND time < :b WINDOW w AS (PARTITION BY truck_plate ORDER BY time, lon, lat)
), marked AS (
    SELECT truck_plate, time, lon, lat, dt, d,
           CASE WHEN dt IS NULL OR (d > :still AND d > :still_speed * dt) THEN 1 ELSE 0 END AS starts,
           CASE WHEN d <= :still THEN 0 WHEN dt <= 0 THEN 1 WHEN d / dt * 3.6 > :vmax THEN 1 ELSE 0 END AS fast
    FROM steps WHERE dt IS NULL OR dt <> 0 OR d <> 0  -- a fix repeated (same truck, time and place) counts once
), runs AS (
    SELECT *, SUM(starts) OVER w AS run, LEAD(starts, 1, 1) OVER w AS next_starts
    FROM marked WINDOW w AS (PARTITION BY truck_plate ORDER BY time, lon, lat ROWS UNBOUNDED PRECEDING)
)
SELECT truck_plate, MIN(time) AS t_start, MAX(time) AS t_end, AVG(lon) AS lon, AVG(lat) AS lat,
       MAX(lon) - MIN(lon) AS lon_span, MAX(lat) - MIN(lat) AS lat_span, MAX(fast) AS fast,
       MAX(CASE WHEN fast = 1 THEN dt END) AS dt, MAX(CASE WHEN fast = 1 THEN d END) AS d,
       MAX(CASE WHEN fast = 1 THEN lon END) AS fast_lon, MAX(CASE WHEN fast = 1 THEN lat END) AS fast_lat
FROM runs WHERE fast = 1 OR starts = 0 OR next_starts = 0 GROUP BY truck_plate, run
HAVING MAX(fast) = 1 OR CAST(EXTRACT(EPOCH FROM MAX(time)) AS DOUBLE PRECISION)
       - CAST(EXTRACT(EPOCH FROM MIN(time)) AS DOUBLE PRECISION) >= :min_s"""


def _gps_anomalies(store, trips: pd.DataFrame, sites: pd.DataFrame, s: ReconcileSettings) -> list[pd.DataFrame]:
    """``dumping_stop`` and ``implausible_speed`` of the trips (duplicates left out), from the store's GPS."""
    if trips.empty:
        return []
    if s.max_speed_kmh / 3.6 <= s.still_m_per_s:
        raise DataError(f"max_speed_kmh {s.max_speed_kmh:g} must be above still_m_per_s {s.still_m_per_s:g} m/s")
    params = {"a": s.start, "b": s.end + s.window, "m_lon": M_PER_DEG_LON_EQUATOR, "m_lat": M_PER_DEG_LAT,
              "still": s.still_m, "vmax": s.max_speed_kmh, "still_speed": s.still_m_per_s, "min_s": s.stop_minutes * 60}
    with store.session() as query:
        if store.is_postgres:  # the sort of a month's fixes in memory, not in temporary files (4 MB by default)
            query(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
        runs = query(GPS_RUNS_SQL, **params)
    is_fast = runs["fast"].to_numpy() == 1
    fast = runs[is_fast].drop(columns=["lon", "lat"]).rename(columns={"fast_lon": "lon", "fast_lat": "lat"})
    stops = runs[~is_fast | (runs["t_end"] - runs["t_start"] >= pd.Timedelta(minutes=s.stop_minutes))]
    found = []
    if len(fast):
        fast = _during_trips(fast, trips)
        fast = fast.sort_values("t_start").drop_duplicates("manifest_id")
        evidence = [f"{d / 1000:.1f} km in {t:.0f} s ({'∞' if t <= 0 else f'{d / t * 3.6:.0f}'} km/h "
                    f"> {s.max_speed_kmh:g})" for d, t in zip(fast["d"], fast["dt"])]
        found.append(_rows(fast, "implausible_speed", fast["t_start"], fast["lon"], fast["lat"], evidence))
    if len(stops):
        lat0 = float(stops["lat"].mean())
        extent_m = np.hypot(stops["lon_span"] * M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0)),
                            stops["lat_span"] * M_PER_DEG_LAT)
        stops = stops[extent_m <= s.stop_extent_m]
        stops = _during_trips(stops, trips, whole=True)
        licensed = sites[sites["licensed"].astype(bool)]
        x, y = _metres(stops["lon"], stops["lat"], 0.0, lat0)
        nearest = np.full(len(stops), np.inf)
        if len(licensed):
            from scipy.spatial import cKDTree

            sx, sy = _metres(licensed["lon"], licensed["lat"], 0.0, lat0)
            nearest = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([x, y]))[0]
        ox, oy = _metres(stops["origin_lon"], stops["origin_lat"], 0.0, lat0)
        stops = stops.assign(nearest_m=nearest, from_origin_m=np.hypot(x - ox, y - oy))
        hit = stops[(stops["nearest_m"] > s.away_m) & (stops["from_origin_m"] > s.away_m)]
        hit = hit.sort_values("t_start").drop_duplicates("manifest_id")
        minutes = ((hit["t_end"] - hit["t_start"]).dt.total_seconds() / 60).to_numpy()
        evidence = [f"stood {m:.0f} min {o / 1000:.1f} km from the origin, {n / 1000:.1f} km from the nearest licensed "
                    "site" for m, o, n in zip(minutes, hit["from_origin_m"], hit["nearest_m"])]
        found.append(_rows(hit, "dumping_stop", hit["t_start"], hit["lon"], hit["lat"], evidence))
    return found


def _during_trips(events: pd.DataFrame, trips: pd.DataFrame, whole: bool = False) -> pd.DataFrame:
    """Events (truck_plate, t_start[, t_end]) joined to the trip of their truck under way at t_start (and still
    at t_end if ``whole``); events outside every trip are dropped."""
    events = events.assign(t_start=pd.to_datetime(events["t_start"])).sort_values("t_start")
    if "t_end" in events:
        events["t_end"] = pd.to_datetime(events["t_end"])
    legs = trips[["manifest_id", "truck_plate", "depart_time", "end_time", "origin_lon", "origin_lat"]]
    joined = pd.merge_asof(events, legs.sort_values("depart_time"), left_on="t_start", right_on="depart_time",
                           by="truck_plate", direction="backward")
    inside = joined["manifest_id"].notna() & (joined["t_start"] <= joined["end_time"])
    if whole:
        inside &= joined["t_end"] <= joined["end_time"]
    return joined[inside].reset_index(drop=True)


def _arrived_by_site(frame: pd.DataFrame) -> pd.DataFrame:
    """t and m³ (t / the category's density) per destination site and category of the arrived manifests."""
    arrived = frame[frame["arrive_time"].notna() & frame["destination_site_id"].notna()]
    return _per_category(arrived.groupby(["destination_site_id", "category"])["load_t"].sum())


def _per_category(tonnes: pd.Series) -> pd.DataFrame:
    """t indexed by (site, category) as a site × category table, every category a column."""
    return tonnes.unstack(fill_value=0.0).reindex(columns=[c.key for c in CATEGORIES], fill_value=0.0)


def _site_table(store, trips: pd.DataFrame, sites: pd.DataFrame, s: ReconcileSettings, planned) -> pd.DataFrame:
    """One row per site: intake t and m³ per category in the period, actual vs planned t/d, volume filled to the
    period's end (every arrival in the store), fill share and years left at the period's rate; duplicates left out."""
    period = _arrived_by_site(trips).reindex(sites.index, fill_value=0.0)
    # summed in the store: the arrivals of every earlier month too, which only this sum needs
    filed, params = manifests_with_duplicates(dt.datetime(1900, 1, 1), s.end, s.duplicate_minutes)
    history = store.query(f"WITH filed AS ({filed}) SELECT destination_site_id, category, "
                          f"{store.exact_sum('load_t')} AS load_t FROM filed WHERE duplicate_of IS NULL "
                          "AND arrive_time < :b AND destination_site_id IS NOT NULL "
                          "GROUP BY destination_site_id, category", **params)
    to_date = _per_category(history.set_index(["destination_site_id", "category"])["load_t"])
    to_date = to_date.reindex(sites.index, fill_value=0.0)
    density = pd.Series(DENSITY_T_PER_M3)[period.columns]
    table = sites[["name", "kind", "licensed", "adcode", "lon", "lat", "volume_m3", "capacity_tpd"]].copy()
    for category in period.columns:
        table[f"intake_t_{category}"] = period[category].round(2)
        table[f"intake_m3_{category}"] = (period[category] / density[category]).round(2)
    table["intake_t"] = period.sum(axis=1).round(2)
    table["intake_m3"] = (period / density).sum(axis=1).round(2)
    table["actual_tpd"] = (table["intake_t"] / s.days).round(2)
    table["planned_tpd"] = planned["sites"].reindex(sites.index).round(2) if planned else np.nan
    filled = (to_date / density).sum(axis=1)
    has_volume = table["volume_m3"].notna() & (table["volume_m3"] > 0)
    table["filled_m3"] = filled.where(has_volume).round(1)
    table["fill_share"] = (filled / table["volume_m3"]).where(has_volume).round(4)
    yearly_m3 = table["intake_m3"] * DAYS_PER_YEAR / s.days
    left = ((table["volume_m3"] - filled).clip(lower=0) / yearly_m3).where(has_volume & (yearly_m3 > 0))
    table["years_left"] = left.round(2)
    return table.reset_index()


def _source_table(m: pd.DataFrame, sites: pd.DataFrame, s: ReconcileSettings, planned) -> pd.DataFrame:
    """Per county and category: trips, t hauled, t arrived, t reaching licensed sites and its share; a row per county
    with category ``all`` carries the plan beside it (t/d generated, reused on site, hauled)."""
    trips = m.assign(arrived_t=m["load_t"].where(m["arrive_time"].notna(), 0.0),
                     licensed_t=m["load_t"].where(m["arrive_time"].notna()
                                                  & m["destination_site_id"].map(sites["licensed"]).eq(True), 0.0))
    keys = ["origin_adcode", "category"]
    by_category = trips.groupby(keys).agg(trips=("manifest_id", "size"), hauled_t=("load_t", "sum"),
                                          arrived_t=("arrived_t", "sum"), licensed_t=("licensed_t", "sum"))
    total = by_category.groupby(level=0).sum().assign(category="all").set_index("category", append=True)
    table = pd.concat([by_category, total]).sort_index().reset_index()
    table["licensed_share"] = (table["licensed_t"] / table["hauled_t"]).round(4)
    table["hauled_tpd"] = table["hauled_t"] / s.days
    for column in ("planned_generated_tpd", "planned_reused_tpd", "planned_hauled_tpd"):
        table[column] = np.nan
    if planned:
        county = planned["counties"]
        rows = table["category"] == "all"
        for column in county.columns:
            table.loc[rows, column] = table.loc[rows, "origin_adcode"].map(county[column]).to_numpy()
    table["hauled_vs_plan"] = (table["hauled_tpd"] / table["planned_hauled_tpd"]).round(4)
    return table.rename(columns={"origin_adcode": "adcode"}).round({"hauled_t": 2, "arrived_t": 2, "licensed_t": 2,
                                                                    "hauled_tpd": 2})


def _plan_tables(ref: str, registry=None) -> dict:
    """The C&D of a run: planned t/d per county (generated, reused on site, hauled) and per receiving site."""
    from wasteopt.config.errors import RunNotFoundError
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.folder.layout import RUN_MARKER
    from wasteopt.runs.registry import DEFAULT_REGISTRY, RunRegistry

    try:
        flows = RunFolder.find(ref, RunRegistry(registry or DEFAULT_REGISTRY)).flows()
    except RunNotFoundError:
        raise DataError(f"--plan {ref}: neither a run folder (with {RUN_MARKER}) nor a run id with its files") from None
    from_counties = (flows["stream"] == "cd") | (flows["stream"].str.startswith("cd_") & (flows["stream"] != "cd_residue"))
    cd = flows[from_counties]  # one stream, or one per category (cd.by_category)
    if cd.empty:
        raise DataError(f"--plan {ref}: the run plans no C&D (cd.enabled was false)")
    reused = cd["destination_technology"] == "cd_reuse"
    counties = pd.DataFrame({"planned_generated_tpd": cd.groupby("origin")["tonnes_per_day"].sum(),
                             "planned_reused_tpd": cd[reused].groupby("origin")["tonnes_per_day"].sum(),
                             "planned_hauled_tpd": cd[~reused].groupby("origin")["tonnes_per_day"].sum()}).fillna(0.0)
    into_sites = flows[(from_counties | (flows["stream"] == "cd_residue")) & ~flows["destination"].str.startswith("U")]
    return {"counties": counties.round(2), "sites": into_sites.groupby("destination")["tonnes_per_day"].sum()}


def _kpis(m: pd.DataFrame, trips: pd.DataFrame, anomalies: pd.DataFrame, sites: pd.DataFrame, sources: pd.DataFrame,
          s: ReconcileSettings, plan: str | None) -> dict:
    """``m``: the period's manifests; ``trips``: less the duplicates."""
    totals = sources[sources["category"] == "all"]
    hauled = float(totals["hauled_t"].sum())
    counts = anomalies.drop_duplicates(["manifest_id", "kind"])["kind"].value_counts()
    arrived = trips[trips["arrive_time"].notna() & trips["destination_site_id"].notna()]
    lat0 = float(trips["origin_lat"].mean()) if len(trips) else 0.0
    x, y = _metres(arrived["origin_lon"], arrived["origin_lat"], 0.0, lat0)
    dest = arrived["destination_site_id"]
    known = dest.isin(sites["site_id"])
    site_ll = sites.set_index("site_id")[["lon", "lat"]]
    dx, dy = _metres(dest.map(site_ll["lon"]), dest.map(site_ll["lat"]), 0.0, lat0)
    straight_km = float(np.nansum(np.hypot(x - dx, y - dy)[known.to_numpy()]) / 1000)
    yards = sites[sites["years_left"].notna()]
    return {
        "period_from": s.start.date().isoformat(), "period_to": s.end_day.isoformat(), "days": s.days,
        "plan": plan, "manifests": int(len(m)), "hauled_t": round(hauled, 1), "hauled_tpd": round(hauled / s.days, 1),
        "arrived_share": round(float(totals["arrived_t"].sum()) / hauled, 4) if hauled else None,
        "licensed_share": round(float(totals["licensed_t"].sum()) / hauled, 4) if hauled else None,
        "loaded_km_straight_line": round(straight_km, 1),
        "anomalies": {kind: int(counts.get(kind, 0)) for kind in ANOMALY_KINDS},
        "manifests_with_anomaly_share": round(anomalies["manifest_id"].nunique() / len(m), 4) if len(m) else None,
        "yard_min_years_left": round(float(yards["years_left"].min()), 2) if len(yards) else None,
        "settings": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(s).items()},
    }


def write_reconciliation(result: Reconciliation, out, force: bool = False) -> None:
    """anomalies.csv, sites.csv, sources.csv and kpis.json into the folder ``out`` (the run-folder guard)."""
    from wasteopt.config.writers import write_csv, write_json
    from wasteopt.runs.folder.staging import staged_folder

    with staged_folder(out, "cd-reconcile", force=force) as staging:
        anomalies = result.anomalies.assign(time=pd.to_datetime(result.anomalies["time"]).dt.strftime("%Y-%m-%dT%H:%M:%S"))
        write_csv(staging / "anomalies.csv", anomalies)
        write_csv(staging / "sites.csv", result.sites)
        write_csv(staging / "sources.csv", result.sources)
        write_json(staging / "kpis.json", result.kpis)


def read_reconciliation(folder) -> Reconciliation:
    """A folder ``write_reconciliation`` wrote, read back (settings from its kpis.json)."""
    from pathlib import Path

    folder = Path(folder)
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
        tables = {name: pd.read_csv(folder / f"{name}.csv", dtype={"manifest_id": str, "site_id": str, "adcode": str})
                  for name in ("anomalies", "sites", "sources")}
    except (OSError, ValueError) as error:
        raise DataError(f"{folder}: not a reconciliation folder of wasteopt cd reconcile ({error})") from None
    options = {k: v for k, v in kpis["settings"].items() if k not in ("start", "end_day")}
    settings = ReconcileSettings.from_dates(kpis["period_from"], kpis["period_to"], **options)
    return Reconciliation(settings, tables["anomalies"], tables["sites"], tables["sources"], kpis)
