"""A seeded synthetic C&D month (or year): sites, projects, trucks, manifests and GPS on Henan's counties, with
anomalies of every kind injected and written down (``truth``), for tests and benchmarks.

Per county: two licensed 消纳场 (yards), a recycling plant, a backfill site and a sorting plant, licensed, and one
unlicensed yard, 3–15 km from the county seat; projects 0–10 km from it, each of one CJJ/T 134-2019 category
(spoil 50 %, demolition 20 %, construction 15 %, decoration 10 %, slurry 5 %) sending it to the nearest allowed
licensed site (spoil → yard or backfill, slurry → yard, construction and demolition → recycling, decoration →
sorting). A truck works one project a day: load 15 min, drive origin → a bend → destination at 25–45 km/h with a
red-light stop of up to 3 min at the bend, unload 10 min, drive back. GPS fixes every ``gps_interval_s`` with
5 m noise. Trucks carry 70–100 % of a registered capacity of 25–35 t; one truck in ten is not in the register.

Anomalies, each on a share ``anomaly_share`` of the trips (disjoint trips):

- ``no_arrival``: the manifest is never closed (no arrival time);
- ``unlicensed_destination``: the trip goes to the county's unlicensed yard;
- ``dumping_stop``: a 12–25 min stop 1.5–4 km off the route, ≥ 1 km from the origin and every licensed site;
- ``implausible_speed``: one GPS fix displaced 5–8 km (a spoofed or shared plate);
- ``overload``: 115–150 % of the registered capacity (42–55 t for an unregistered truck);
- ``duplicate``: the manifest filed again under a new id, 1–10 min later.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.data.tables import read_table

KM_PER_DEG_LAT = 110.57
CATEGORY_SHARES = {"spoil": 0.50, "demolition": 0.20, "construction": 0.15, "decoration": 0.10, "slurry": 0.05}
DESTINATION_KINDS = {"spoil": ("yard", "backfill"), "slurry": ("yard",), "construction": ("recycling",),
                     "demolition": ("recycling",), "decoration": ("sorting",)}
LICENSED_SITES = ("yard", "yard", "recycling", "backfill", "sorting")
SITE_NAMES = {"yard": "消纳场", "recycling": "资源化利用厂", "backfill": "回填点", "sorting": "装修垃圾分拣中心"}
ANOMALY_KINDS = ("no_arrival", "unlicensed_destination", "dumping_stop", "implausible_speed", "overload", "duplicate")
TRIPS_PER_TRUCK_DAY = 5
LOAD_S, UNLOAD_S = 900, 600
NO_ARRIVAL_WAIT_S = 1200  # shorter than unloading + loading: the truck's next trip starts after it
DEFAULT_OVERLOAD_T = 40.0
COUNTIES_FILE = Path(__file__).resolve().parents[2] / "seeds" / "henan" / "counties.csv"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class GeneratorSettings:
    counties: tuple[str, ...] = ("410122",)
    start: str = "2024-05-01"
    days: int = 31
    trips_per_day: int = 120  # over all counties
    anomaly_share: float = 0.02  # of the trips, for each kind
    gps_interval_s: float = 30.0
    seed: int = 0


@dataclass(frozen=True)
class GeneratedData:
    settings: GeneratorSettings
    sites: pd.DataFrame
    trucks: pd.DataFrame
    manifests: pd.DataFrame
    gps: pd.DataFrame
    truth: pd.DataFrame  # manifest_id, kind


def _to_xy(lon, lat, lon0, lat0):
    return (np.asarray(lon) - lon0) * KM_PER_DEG_LAT * np.cos(np.radians(lat0)), (np.asarray(lat) - lat0) * KM_PER_DEG_LAT


def _to_lonlat(x, y, lon0, lat0):
    return lon0 + np.asarray(x) / (KM_PER_DEG_LAT * np.cos(np.radians(lat0))), lat0 + np.asarray(y) / KM_PER_DEG_LAT


def _around(rng, n: int, low_km: float, high_km: float) -> tuple[np.ndarray, np.ndarray]:
    angle, radius = rng.uniform(0, 2 * np.pi, n), rng.uniform(low_km, high_km, n)
    return radius * np.cos(angle), radius * np.sin(angle)


@dataclass(frozen=True)
class _Fleet:
    """What stays the same all period: sites (with county index and local km x, y), projects, trucks."""

    counties: pd.DataFrame
    seats: np.ndarray  # lon, lat per county
    sites: pd.DataFrame
    project_county: np.ndarray
    project_category: np.ndarray
    project_xy: tuple[np.ndarray, np.ndarray]
    project_destination: np.ndarray  # the nearest licensed site of an allowed kind in the project's county
    capacity: np.ndarray
    registered: np.ndarray
    plates: np.ndarray


def generate(settings: GeneratorSettings) -> GeneratedData:
    """The synthetic data of ``settings``; the same settings give the same data."""
    rng = np.random.default_rng(settings.seed)
    return _trips(settings, _fleet(settings, rng), rng, 0, settings.days, f"M{settings.seed:02d}")


def generate_parts(settings: GeneratorSettings, days_per_part: int):
    """The same period in parts of ``days_per_part`` days (for data too large to hold at once): one fleet, the
    first part as :func:`generate` would start it, each later part from its own seeded stream."""
    rng = np.random.default_rng(settings.seed)
    fleet = _fleet(settings, rng)
    for k, first in enumerate(range(0, settings.days, days_per_part)):
        stream = rng if k == 0 else np.random.default_rng([settings.seed, k])
        prefix = f"M{settings.seed:02d}" if k == 0 else f"M{settings.seed:02d}p{k:04d}"
        yield _trips(settings, fleet, stream, first, min(days_per_part, settings.days - first), prefix)


def _fleet(settings: GeneratorSettings, rng) -> _Fleet:
    counties = read_table(COUNTIES_FILE).set_index("adcode")
    unknown = [c for c in settings.counties if c not in counties.index]
    if unknown or not settings.counties:
        raise DataError(f"--counties: not Henan county adcodes: {', '.join(unknown) or '(none)'}")
    # one local km grid per county, centred on its seat
    seats = counties.loc[list(settings.counties), ["lon_wgs84", "lat_wgs84"]].to_numpy(dtype=float)
    n_counties = len(seats)

    site_rows = []
    for c, adcode in enumerate(settings.counties):
        kinds = [*LICENSED_SITES, "yard"]
        x, y = _around(rng, len(kinds), 3, 15)
        lon, lat = _to_lonlat(x, y, *seats[c])
        for i, kind in enumerate(kinds):
            licensed = i < len(LICENSED_SITES)
            site_rows.append({
                "site_id": f"S{adcode}{i:02d}",
                "name": f"{counties.at[adcode, 'name_zh']}{'' if licensed else '未许可'}{SITE_NAMES[kind]}{i + 1}",
                "kind": kind, "lon": round(float(lon[i]), 6), "lat": round(float(lat[i]), 6), "adcode": adcode,
                "licensed": licensed, "county": c, "x": x[i], "y": y[i],
                "volume_m3": float(rng.integers(20, 80) * 10_000) if kind in ("yard", "backfill") else np.nan,
                "capacity_tpd": float(rng.integers(5, 16) * 100)})
    sites = pd.DataFrame(site_rows)

    # projects: per county, about one per 8 daily trips
    n_projects = max(3, settings.trips_per_day // 8 // n_counties)
    project_county = np.repeat(np.arange(n_counties), n_projects)
    categories = np.array(list(CATEGORY_SHARES))
    project_category = rng.choice(categories, len(project_county), p=list(CATEGORY_SHARES.values()))
    px, py = _around(rng, len(project_county), 0, 10)

    # trucks: one truck does TRIPS_PER_TRUCK_DAY trips a day
    n_trucks = max(1, -(-settings.trips_per_day // TRIPS_PER_TRUCK_DAY))
    capacity = rng.integers(25, 36, n_trucks).astype(float)
    registered = rng.random(n_trucks) >= 0.1
    plates = np.array([f"豫A{i:05d}" for i in range(n_trucks)])
    # projects × sites: distance where the site is licensed, in the project's county and of an allowed kind
    allowed = np.array([[kind in DESTINATION_KINDS[c] for kind in sites["kind"]] for c in project_category])
    allowed &= (sites["county"].to_numpy() == project_county[:, None]) & sites["licensed"].to_numpy()
    km = np.hypot(sites["x"].to_numpy() - px[:, None], sites["y"].to_numpy() - py[:, None])
    destinations = np.argmin(np.where(allowed, km, np.inf), axis=1)
    return _Fleet(counties, seats, sites, project_county, project_category, (px, py), destinations, capacity,
                  registered, plates)


def _trips(settings: GeneratorSettings, fleet: _Fleet, rng, first_day: int, days: int, id_prefix: str) -> GeneratedData:
    """Trips, manifests and GPS of ``days`` days from ``first_day`` of the period."""
    counties, seats, sites, plates = fleet.counties, fleet.seats, fleet.sites, fleet.plates
    project_county, project_category, (px, py) = fleet.project_county, fleet.project_category, fleet.project_xy
    capacity, registered, n_trucks = fleet.capacity, fleet.registered, len(fleet.plates)
    n_counties = len(seats)

    # trips: trip i of a day is truck i % n_trucks, its (i // n_trucks)-th trip; a truck-day works one project
    per_day = settings.trips_per_day
    n = per_day * days
    day = np.repeat(np.arange(days), per_day)
    slot = np.tile(np.arange(per_day), days)
    truck, seq = slot % n_trucks, slot // n_trucks
    truck_day_project = rng.integers(0, len(project_county), (days, n_trucks))
    project = truck_day_project[day, truck]
    county = project_county[project]
    category = project_category[project]

    destination = fleet.project_destination[project]

    kinds = np.full(n, "", dtype=object)
    n_each = int(round(settings.anomaly_share * n))
    chosen = rng.permutation(n)[: n_each * (len(ANOMALY_KINDS))]
    for k, kind in enumerate(ANOMALY_KINDS):
        kinds[chosen[k * n_each:(k + 1) * n_each]] = kind
    unlicensed = sites.index[~sites["licensed"]].to_numpy()
    to_unlicensed = kinds == "unlicensed_destination"
    destination[to_unlicensed] = unlicensed[county[to_unlicensed]]

    ox, oy = px[project], py[project]
    dx, dy = sites["x"].to_numpy()[destination], sites["y"].to_numpy()[destination]
    length = np.hypot(dx - ox, dy - oy)
    ux, uy = -(dy - oy) / np.maximum(length, 1e-9), (dx - ox) / np.maximum(length, 1e-9)  # unit normal
    bend = rng.uniform(-0.15, 0.15, n) * length
    stop_s = rng.uniform(0, 180, n)
    dumping = np.flatnonzero(kinds == "dumping_stop")
    licensed = sites.loc[sites["licensed"], ["lon", "lat"]].to_numpy()
    for i in dumping:  # a point off the route, clear of the origin and of every licensed site (any county)
        seat = seats[county[i]]
        near_x, near_y = _to_xy(licensed[:, 0], licensed[:, 1], *seat)
        for _ in range(100):
            offset = rng.uniform(1.5, 4) * rng.choice([-1, 1])
            wx, wy = (ox[i] + dx[i]) / 2 + offset * ux[i], (oy[i] + dy[i]) / 2 + offset * uy[i]
            if np.hypot(wx - ox[i], wy - oy[i]) >= 1 and np.hypot(near_x - wx, near_y - wy).min() >= 1:
                break
        bend[i] = offset
        stop_s[i] = rng.uniform(12, 25) * 60
    wx, wy = (ox + dx) / 2 + bend * ux, (oy + dy) / 2 + bend * uy
    leg1, leg2 = np.hypot(wx - ox, wy - oy), np.hypot(dx - wx, dy - wy)
    speed = rng.uniform(25, 45, n) / 3600  # km/s
    drive_s = (leg1 + leg2) / speed + stop_s
    # a spoofed fix needs a fix before and after it within the trip: move the kind off trips too short for that
    short = np.flatnonzero((kinds == "implausible_speed") & (drive_s < 3 * settings.gps_interval_s))
    long_normal = np.flatnonzero((kinds == "") & (drive_s >= 3 * settings.gps_interval_s))
    swap = rng.choice(long_normal, min(len(short), len(long_normal)), replace=False)
    kinds[short[:len(swap)]], kinds[swap] = "", "implausible_speed"
    cycle_s = LOAD_S + drive_s + UNLOAD_S + length / speed

    # departures: a truck's day starts 06:00–08:00, then its trips follow one another
    order = np.lexsort((seq, truck, day))
    cycles = pd.Series(cycle_s[order])
    group = pd.Series(day[order] * n_trucks + truck[order])
    before = (cycles.groupby(group.to_numpy()).cumsum() - cycles).to_numpy()
    start_s = np.empty(n)
    start_s[order] = before
    first = rng.uniform(6 * 3600, 8 * 3600, (days, n_trucks))[day, truck]
    try:
        t0 = pd.Timestamp(settings.start).normalize() + pd.Timedelta(days=first_day)
    except ValueError:
        raise DataError(f"--start {settings.start!r} is not a date (YYYY-MM-DD)") from None
    depart = t0 + pd.to_timedelta(day * 86400 + first + start_s + LOAD_S, unit="s").round("s")
    arrive = depart + pd.to_timedelta(drive_s, unit="s").round("s")

    load = capacity[truck] * rng.uniform(0.7, 1.0, n)
    overload = kinds == "overload"
    limit = np.where(registered[truck], capacity[truck], DEFAULT_OVERLOAD_T)
    load[overload] = np.where(registered[truck[overload]], limit[overload] * rng.uniform(1.15, 1.5, overload.sum()),
                              rng.uniform(42, 55, overload.sum()))

    ids = np.array([f"{id_prefix}{i:08d}" for i in range(n)])
    olon, olat = np.empty(n), np.empty(n)
    for c in range(n_counties):
        here = county == c
        olon[here], olat[here] = _to_lonlat(ox[here], oy[here], *seats[c])
    no_arrival = kinds == "no_arrival"
    project_ids = np.array([f"P{c:02d}{p:04d}" for p, c in enumerate(project_county)])
    project_names = np.array([f"{counties.at[settings.counties[c], 'name_zh']}工地{p + 1}"
                              for p, c in enumerate(project_county)])
    manifests = pd.DataFrame({
        "manifest_id": ids, "project_id": project_ids[project], "project_name": project_names[project],
        "category": category, "origin_lon": olon.round(6), "origin_lat": olat.round(6),
        "origin_adcode": np.array(settings.counties)[county], "truck_plate": plates[truck], "load_t": load.round(2),
        "depart_time": depart.strftime(TIME_FORMAT), "destination_site_id": sites["site_id"].to_numpy()[destination],
        "arrive_time": np.where(no_arrival, "", arrive.strftime(TIME_FORMAT))})

    duplicated = np.flatnonzero(kinds == "duplicate")
    copies = manifests.iloc[duplicated].copy()
    shift = pd.to_timedelta(rng.integers(60, 600, len(copies)), unit="s")
    copies["manifest_id"] = [f"{id_prefix}{n + i:08d}" for i in range(len(copies))]
    copies["depart_time"] = (pd.to_datetime(copies["depart_time"]) + shift.to_numpy()).dt.strftime(TIME_FORMAT)
    copies["arrive_time"] = (pd.to_datetime(copies["arrive_time"]) + shift.to_numpy()).dt.strftime(TIME_FORMAT)
    flagged = (kinds != "") & (kinds != "duplicate")  # a duplicated trip's first manifest is the genuine one
    truth = pd.DataFrame({"manifest_id": np.concatenate([ids[flagged], copies["manifest_id"].to_numpy()]),
                          "kind": np.concatenate([kinds[flagged], np.full(len(copies), "duplicate")])})
    manifests = pd.concat([manifests, copies], ignore_index=True).sort_values(["depart_time", "manifest_id"])

    gps = _gps(rng, settings, seats, county, ox, oy, wx, wy, dx, dy, leg1, leg2, speed, stop_s, drive_s, depart,
               plates[truck], kinds)
    sites = sites.drop(columns=["county", "x", "y"])
    trucks = pd.DataFrame({"truck_plate": plates[registered], "capacity_t": capacity[registered]})
    return GeneratedData(settings, sites, trucks, manifests.reset_index(drop=True), gps,
                         truth.sort_values(["kind", "manifest_id"]).reset_index(drop=True))


def _gps(rng, settings, seats, county, ox, oy, wx, wy, dx, dy, leg1, leg2, speed, stop_s, drive_s, depart, plates,
         kinds) -> pd.DataFrame:
    """Fixes every ``gps_interval_s`` from departure to arrival: origin → bend (stop) → destination; a
    ``no_arrival`` truck waits 20 min at its destination; an ``implausible_speed`` trip has one fix moved 5–8 km."""
    interval = settings.gps_interval_s
    seconds = drive_s + np.where(kinds == "no_arrival", NO_ARRIVAL_WAIT_S, 0)
    count = (seconds // interval).astype(int) + 1
    trip = np.repeat(np.arange(len(count)), count)
    elapsed = (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)) * interval
    on_leg1 = elapsed * speed[trip]
    after_stop = np.maximum(elapsed - stop_s[trip] - leg1[trip] / speed[trip], 0) * speed[trip]
    first_leg = on_leg1 < leg1[trip]
    share1 = np.where(first_leg, on_leg1 / np.maximum(leg1[trip], 1e-9), 1.0)
    share2 = np.where(first_leg, 0.0, np.minimum(after_stop / np.maximum(leg2[trip], 1e-9), 1.0))
    x = np.where(first_leg, ox[trip] + share1 * (wx[trip] - ox[trip]), wx[trip] + share2 * (dx[trip] - wx[trip]))
    y = np.where(first_leg, oy[trip] + share1 * (wy[trip] - oy[trip]), wy[trip] + share2 * (dy[trip] - wy[trip]))
    x, y = x + rng.normal(0, 0.005, len(x)), y + rng.normal(0, 0.005, len(y))
    spoofed = np.flatnonzero(kinds == "implausible_speed")
    starts = np.cumsum(count) - count
    moved = starts[spoofed] + count[spoofed] // 2
    jump_x, jump_y = _around(rng, len(moved), 5, 8)
    x[moved] += jump_x
    y[moved] += jump_y
    lon, lat = np.empty(len(x)), np.empty(len(y))
    fix_county = county[trip]
    for c in range(len(seats)):
        here = fix_county == c
        lon[here], lat[here] = _to_lonlat(x[here], y[here], *seats[c])
    times = depart[trip] + pd.to_timedelta(elapsed, unit="s")
    gps = pd.DataFrame({"truck_plate": plates[trip], "time": times.strftime(TIME_FORMAT), "lon": lon.round(6),
                        "lat": lat.round(6)})
    return gps.sort_values(["time", "truck_plate"], kind="stable").reset_index(drop=True)


def write_generated(data: GeneratedData, out: str | Path, force: bool = False) -> None:
    """sites.csv, trucks.csv, manifests.csv, gps.csv, truth.csv and settings.json into the folder ``out``."""
    from wasteopt.config.writers import write_csv, write_json
    from wasteopt.runs.folder.staging import staged_folder

    with staged_folder(out, "cd-generated", force=force) as staging:
        for name in ("sites", "trucks", "manifests", "gps", "truth"):
            write_csv(staging / f"{name}.csv", getattr(data, name))
        write_json(staging / "settings.json", {**asdict(data.settings), "anomaly_kinds": list(ANOMALY_KINDS)})
