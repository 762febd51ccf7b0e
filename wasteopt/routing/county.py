"""Route one county (or all) from a siting plan: rural MSW from village points to the
disposal sites the plan assigns to that county, trucks based at the county seat.

Scope: rural (village) collection, i.e. the MSW to treat of the county's rural residents as the
plan's demand table has it (``msw_rural_tpd``: rural population × rural rate, after sorting); urban
street collection is arc routing and not modelled here.
Fleet figures, none published (check against county fleet registers and haulage tenders): an 8 t
rear-loading compactor [assumption]; of a bottom-up 6.25 CNY/km, fuel (0.3 L/km × 7.5 CNY/L) and
depreciation and maintenance (1.5 CNY/km) vary with distance, 3.75 CNY/km [derived]; the crew
(2.5 CNY/km over a 200 km day) is paid by the day, 500 CNY per truck used [assumption]; an 8 h day
including unloading within 06:00-16:00; 40 km/h on rural roads [assumption]. A truck
makes as many trips (unloads) as its day holds.
Distances are straight km × circuity, or with an OSM extract (``--osm``, ``network.osm_file``) road
km at the class speeds.
"""
from __future__ import annotations

import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError, ScenarioError, WasteoptError
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.folder.staging import staged_folder
from wasteopt.roads.routing import RoadSource, road_lines, road_matrices
from wasteopt.routing.problem import Depot, DisposalSite, RoutingProblem, Stop, VehicleType, travel_matrices

COMPACTOR_T = 8.0
COMPACTOR_CREW_CNY_PER_DAY = 500.0
COMPACTOR_CNY_PER_KM = 3.75
SPEED_KMH = 40.0
SHIFT = (6 * 3600, 16 * 3600)
MAX_SHIFT_S = 8 * 3600
STOP_SERVICE_S = 300
UNLOAD_S = 900
CD_PAYLOAD_T, CD_SPEED_KMH, CD_LOAD_UNLOAD_H, CD_SHIFT_H = 20.0, 40.0, 0.5, 8.0


@dataclass(frozen=True)
class CountyJob:
    """Everything one worker process needs to route one county (picklable)."""

    adcode: str
    name_zh: str
    name_en: str
    seat_lon: float
    seat_lat: float
    tonnes_per_day: float
    sites: tuple[tuple[str, str, float, float], ...]
    villages: pd.DataFrame
    circuity: float
    out_dir: Path
    engine: str
    time_limit: float
    seed: int
    roads: RoadSource | None = None


def village_loads(tonnes: float, share: np.ndarray) -> np.ndarray:
    """``tonnes`` split by ``share`` into whole kilograms that add up to ``tonnes`` (to the kg): largest
    remainder, so rounding each village alone cannot add or lose waste (161 equal villages of 194.776 t
    would each round to 1.210 t: 194.810 t)."""
    kg = share * round(tonnes * 1000)
    whole = np.floor(kg)
    short = int(round(tonnes * 1000)) - int(whole.sum())
    whole[np.argsort(whole - kg, kind="stable")[:short]] += 1
    return whole / 1000


def county_problem(job: CountyJob) -> RoutingProblem:
    """A ``RoutingProblem`` for one county: one load dimension (t), compactors at the seat."""
    population = job.villages.population.to_numpy(float)
    share = population / population.sum() if population.sum() > 0 else np.full(len(population), 1 / len(population))
    loads = village_loads(job.tonnes_per_day, share)
    stops = tuple(
        Stop(f"{job.adcode}-v{i + 1}", row.name, row.lon, row.lat, (float(load),), STOP_SERVICE_S,
             synthetic=bool(row.synthetic))
        for i, (row, load) in enumerate(zip(job.villages.itertuples(), loads))
        if load > 0
    )
    too_big = [s.stop_id for s in stops if s.load[0] > COMPACTOR_T]
    if too_big:
        raise DataError(f"{job.adcode}: {len(too_big)} village point(s) generate more than a {COMPACTOR_T:g} t "
                        f"truck load per day, e.g. {too_big[0]}; split them into smaller points")
    depot = Depot(f"seat-{job.adcode}", f"{job.name_zh} {job.name_en} garage", job.seat_lon, job.seat_lat)
    sites = tuple(DisposalSite(site_id, name, lon, lat, UNLOAD_S) for site_id, name, lon, lat in job.sites)
    places = (depot, *sites, *stops)
    lon, lat = np.array([p.x for p in places]), np.array([p.y for p in places])
    if job.roads is not None:
        names = [depot.depot_id, *(site.site_id for site in sites), *(stop.stop_id for stop in stops)]
        distance, duration = road_matrices(job.roads, lon, lat, names)
    else:
        distance, duration = travel_matrices(lon, lat, job.circuity, SPEED_KMH)
    trucks = math.ceil(sum(s.load[0] for s in stops) / COMPACTOR_T) + 5
    fleet = VehicleType("8 t 压缩车 compactor", trucks, (COMPACTOR_T,), depot.depot_id, COMPACTOR_CREW_CNY_PER_DAY,
                        COMPACTOR_CNY_PER_KM, *SHIFT, max_shift_s=MAX_SHIFT_S)
    return RoutingProblem(f"{job.adcode} {job.name_en}", (depot,), sites, stops, (fleet,), distance, duration)


def cd_shipments(flows: pd.DataFrame) -> pd.DataFrame:
    """The C&D flows of a plan that travel: all but on-site reuse (backfill, levelling), which stays put.
    A plan given by hand (``--plan``) may lack ``destination_technology``: then every C&D flow travels.
    C&D is the stream ``cd`` or, by category, ``cd_spoil`` … (``cd_residue`` leaves plants, not counties)."""
    cd = flows[(flows.stream == "cd") | (flows.stream.str.startswith("cd_") & (flows.stream != "cd_residue"))]
    if "destination_technology" in cd:
        cd = cd[cd.destination_technology != "cd_reuse"]
    return cd


def cd_haul(flows: pd.DataFrame) -> pd.DataFrame:
    """C&D full-truckload shuttles per flow: trips = t/payload, cycle = load/unload + 2d/v,
    trucks = ⌈Σ trips × cycle / shift⌉ (transportation problem plus fleet sizing). Expects origin, destination, km,
    tonnes_per_day."""
    trips = np.ceil(flows.tonnes_per_day / CD_PAYLOAD_T)
    cycle_h = CD_LOAD_UNLOAD_H + 2 * flows.km / CD_SPEED_KMH
    table = flows[["origin", "destination", "km", "tonnes_per_day"]].assign(trips_per_day=trips,
                                                                            cycle_hours=cycle_h.round(3))
    trucks = table.assign(truck_hours=trips * cycle_h).groupby("origin").truck_hours.sum() / CD_SHIFT_H
    return table.assign(trucks_needed_by_origin=table.origin.map(np.ceil(trucks)).astype(int))


def plan_county(job: CountyJob):
    """Solve one county's job and write its route files into ``job.out_dir``; returns the RoutePlan."""
    from wasteopt.routing.export import write_plan
    from wasteopt.routing.solve import solve

    plan = solve(county_problem(job), job.engine, job.time_limit, job.seed)
    if job.roads is not None:
        x, y = plan.problem.coordinates()
        legs = sorted({(a.location, b.location) for route in plan.routes for a, b in zip(route.visits, route.visits[1:])})
        plan = replace(plan, road_lines=road_lines(job.roads, x, y, legs))
    write_plan(plan, job.out_dir)
    return plan


def route_county(job: CountyJob) -> dict:
    """Solve and export one county; returns its KPI row (errors become a row too)."""
    started = time.perf_counter()
    row = {"adcode": job.adcode, "name_zh": job.name_zh, "name_en": job.name_en,
           "villages": len(job.villages), "synthetic_villages": bool(job.villages.synthetic.any()),
           "tonnes_per_day": round(job.tonnes_per_day, 3)}
    try:
        plan = plan_county(job)
        row.update(plan.kpis(), status=plan.status, engine=plan.engine)
    except WasteoptError as error:
        row.update(status="error", error=str(error))
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


@dataclass(frozen=True)
class SitingFlows:
    """What routing reads of a solved siting plan: facilities (site_id, name_zh, lon, lat), MSW/C&D flows and
    the demand table (``msw_rural_tpd``: the MSW the plan sends from each county's villages)."""

    facilities: pd.DataFrame
    flows: pd.DataFrame
    demand: pd.DataFrame


def siting_flows(scenario, region, plan: RunFolder | None) -> SitingFlows:
    """The facilities, flows and demand of a solved siting plan: read from the run folder ``plan``
    (facilities.csv, flows.csv, demand.csv) or solved now."""
    if plan is not None:
        facilities = plan.facilities(required=("name_zh", "lon", "lat")).reset_index()
        flows = plan.flows(required=("origin", "destination", "stream", "tonnes_per_day", "km"))
        demand = plan.demand(required=("msw_rural_tpd",))
    else:
        from wasteopt.siting.pipeline import solve_scenario

        plan = solve_scenario(scenario, region=region)
        facilities, flows, demand = plan.facilities, plan.flows, plan.demand
    for name, frame, columns in (("facilities", facilities, {"site_id", "name_zh", "lon", "lat"}),
                                 ("flows", flows, {"origin", "destination", "stream", "tonnes_per_day", "km"}),
                                 ("demand", demand, {"msw_rural_tpd"})):
        if columns - set(frame.columns):
            raise DataError(f"siting plan {name} lacks column(s) {', '.join(sorted(columns - set(frame.columns)))} "
                            "(written by an older wasteopt? solve it again)")
    return SitingFlows(facilities, flows, demand)


def county_job(scenario, region, adcode: str, plan: SitingFlows, villages: pd.DataFrame | None, out_dir: Path,
               engine: str, time_limit: float, seed: int, osm_file: str | None = None) -> CountyJob:
    """The routing job of one county: the MSW the plan sends from its villages, the disposal sites the plan
    sends it to, and its village points (from ``villages`` if it has the county's, else sampled by
    population: synthetic). Trucks drive the roads of ``osm_file`` (else of ``network.osm_file``) when
    either is given."""
    from wasteopt.routing.villages import sample_villages

    county = region.demand.loc[adcode]
    if adcode not in plan.demand.index:
        raise DataError(f"siting plan has no demand row for county {adcode}")
    village_tpd = float(plan.demand.at[adcode, "msw_rural_tpd"])
    facilities, flows = plan.facilities, plan.flows
    site_rows = facilities.set_index("site_id")
    destinations = flows[(flows.stream == "msw") & (flows.origin == adcode)].destination.unique()
    missing = [d for d in destinations if d not in site_rows.index]
    if missing:
        raise DataError(f"siting plan sends {adcode} to unknown site {missing[0]}")
    sites = tuple((d, str(site_rows.at[d, "name_zh"]), float(site_rows.at[d, "lon"]), float(site_rows.at[d, "lat"]))
                  for d in destinations)
    points = villages[villages.adcode == adcode] if villages is not None else pd.DataFrame()
    if points.empty:
        boundary = region.boundaries.set_index("adcode").geometry.loc[adcode]
        points = sample_villages(adcode, boundary, float(county.rural_population))
    return CountyJob(adcode, county.name_zh, county.name_en, float(county.lon), float(county.lat),
                     village_tpd, sites, points.reset_index(drop=True),
                     scenario.network.circuity, out_dir, engine, time_limit, seed,
                     RoadSource.of_scenario(scenario, osm_file))


def build_jobs(args, out: Path) -> tuple[list[CountyJob], pd.DataFrame]:
    """One job per requested county (its files to go into ``out/<adcode>``), plus the C&D haul table of the
    plan (may be empty)."""
    from wasteopt.data.region import load_region
    from wasteopt.routing.villages import read_villages
    from wasteopt.config.loader import load_scenario

    scenario = load_scenario(args.config)
    region = load_region(scenario)
    demand = region.demand
    if scenario.region.townships is not None:
        raise ScenarioError("wasteopt route plans per county: region.townships is set, so route a county-level "
                            "scenario's plan (region.townships: null), e.g. configs/henan-2025.yaml")
    adcodes = list(demand.index) if args.all else [str(args.county)]
    unknown = [a for a in adcodes if a not in demand.index]
    if unknown:
        raise ScenarioError(f"county {unknown[0]} is not in the region (adcodes look like 410102)")
    plan = siting_flows(scenario, region, RunFolder(args.plan) if args.plan else None)
    users = read_villages(args.villages) if args.villages else None
    jobs = [county_job(scenario, region, adcode, plan, users, out / adcode, args.engine,
                       args.time_limit, args.seed, args.osm) for adcode in adcodes]
    cd = cd_shipments(plan.flows)
    return jobs, cd_haul(cd) if len(cd) else pd.DataFrame()


def route_counties(args) -> int:
    """``wasteopt route``: route the requested counties, write per-county files and a summary."""
    from wasteopt.config.writers import write_csv

    started = time.perf_counter()
    out = Path(args.out)
    with staged_folder(out, "routes", args.force) as staging:  # the folder is swapped in whole, as a run's is
        jobs, cd_table = build_jobs(args, staging)
        if len(jobs) == 1:
            rows = [route_county(jobs[0])]
        else:
            workers = args.jobs or os.cpu_count() or 1
            with ProcessPoolExecutor(workers) as pool:
                rows = list(pool.map(route_county, jobs))
        summary = pd.DataFrame(rows)
        write_csv(staging / "summary.csv", summary)
        if len(cd_table):
            write_csv(staging / "cd_haul.csv", cd_table)
    columns = [c for c in ["adcode", "name_zh", "name_en", "vehicles", "trips", "km_per_day", "shift_use_pct", "t_km",
                           "cost_cny_per_t", "status", "seconds"] if c in summary.columns]
    print(summary[columns].to_string(index=False))
    failed = summary[summary.status == "error"] if "status" in summary else summary.iloc[0:0]
    for row in failed.itertuples():
        print(f"error: {row.adcode}: {row.error}", file=sys.stderr)
    print(f"{len(summary)} counties, {int(summary.get('vehicles', pd.Series(dtype=float)).sum())} trucks, "
          f"{summary.get('km_per_day', pd.Series(dtype=float)).sum():.0f} km/day, "
          f"{time.perf_counter() - started:.1f} s -> {out}", file=sys.stderr)
    return 1 if len(failed) else 0
