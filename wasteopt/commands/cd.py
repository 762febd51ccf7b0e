"""``wasteopt cd …``: C&D manifests and GPS — load them into a store (``ingest``), generate a seeded synthetic
month (``generate``), check them against the licensed sites (``reconcile``); ``wasteopt bench cd`` times both."""
from __future__ import annotations

import sys

from wasteopt.commands.arguments import SEED, number
from wasteopt.runs.registry import DEFAULT_REGISTRY

REJECTS_FOLDER = "cd-rejects"
HOURS = number(0, 240, low_open=True)
LOAD_ORDER = ("sites", "trucks", "manifests", "gps")


def register(commands, bench_commands) -> None:
    cd = commands.add_parser("cd", help="C&D waste: manifests (电子联单) and truck GPS, loaded, generated, reconciled")
    sub = cd.add_subparsers(dest="cd_command", metavar="ACTION")
    sub.required = True

    ingest = sub.add_parser("ingest", help="load sites, manifests, GPS (CSV in UTF-8 or GBK, or XLSX) into a store")
    ingest.add_argument("--store", required=True, metavar="DB",
                        help="a DuckDB file (created if new) or a postgresql:// URL")
    ingest.add_argument("--sites", metavar="FILE", help="site_id,name,kind,lon,lat,adcode,licensed,volume_m3,capacity_tpd")
    ingest.add_argument("--manifests", metavar="FILE", help="manifest_id,project_id,project_name,category,origin_lon,"
                        "origin_lat,origin_adcode,truck_plate,load_t,depart_time,destination_site_id,arrive_time")
    ingest.add_argument("--gps", metavar="FILE", help="truck_plate,time,lon,lat")
    ingest.add_argument("--trucks", metavar="FILE", help="truck_plate,capacity_t (registered capacity, t)")
    ingest.add_argument("--rejects", default=REJECTS_FOLDER, metavar="DIR",
                        help=f"folder for rejects.csv, the rows not loaded (default {REJECTS_FOLDER}; only a folder "
                        "wasteopt wrote is replaced)")
    ingest.set_defaults(func=run_ingest_command)

    generate = sub.add_parser("generate", help="a seeded synthetic C&D month with injected anomalies and their truth")
    generate.add_argument("--out", required=True, metavar="DIR", help="new folder for sites/manifests/gps/trucks CSVs "
                          "and truth.csv")
    generate.add_argument("--counties", default="410122", metavar="ADCODES",
                          help="comma-separated county adcodes of Henan (default 410122, 中牟县)")
    generate.add_argument("--start", default="2024-05-01", metavar="DATE", help="first day (default 2024-05-01)")
    generate.add_argument("--days", type=number(1, 366, integer=True), default=31, help="days (default 31)")
    generate.add_argument("--trips-per-day", type=number(1, 10**6, integer=True), default=120,
                          help="manifests per day over all counties (default 120)")
    generate.add_argument("--anomaly-share", type=number(0, 0.5), default=0.02,
                          help="share of trips given each anomaly kind (default 0.02)")
    generate.add_argument("--gps-interval", type=number(10, 60), default=30, help="seconds between GPS fixes (default 30)")
    generate.add_argument("--seed", type=SEED, default=0, help="random seed (default 0)")
    generate.add_argument("--force", action="store_true", help="replace a folder this command wrote before")
    generate.set_defaults(func=run_generate_command)

    reconcile = sub.add_parser("reconcile", help="manifests and GPS against the licensed sites (and a plan): anomalies, "
                               "site intake and fill, sources per county")
    reconcile.add_argument("--store", required=True, metavar="DB", help="a DuckDB file or a postgresql:// URL")
    reconcile.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    reconcile.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="last day, included (YYYY-MM-DD)")
    reconcile.add_argument("--plan", metavar="RUN", help="a run folder or run id: its C&D plan beside what happened")
    reconcile.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file (for a run id)")
    reconcile.add_argument("--out", required=True, metavar="DIR", help="folder for anomalies.csv, sites.csv, "
                           "sources.csv, kpis.json")
    reconcile.add_argument("--no-arrival-hours", type=HOURS, default=6.0,
                           help="a manifest with no arrival this long after departure is flagged (default 6 h)")
    reconcile.add_argument("--force", action="store_true", help="replace a reconciliation already in --out")
    reconcile.set_defaults(func=run_reconcile_command)

    bench = bench_commands.add_parser("cd", help="C&D store: ingest a generated year of a large prefecture (10⁷ "
                                      "manifests, ~10⁸ GPS fixes at --scale 1) and reconcile its first month")
    bench.add_argument("--scale", type=number(0, 1, low_open=True), default=0.1,
                       help="share of the full year's 10 million manifests (default 0.1)")
    bench.add_argument("--work", required=True, metavar="DIR", help="new folder for the generated files and stores")
    bench.add_argument("--postgres", metavar="URL", help="also load and reconcile into this (empty) PostgreSQL database")
    bench.set_defaults(func=run_bench_command)


def run_ingest_command(args) -> int:
    from wasteopt.cd.store import ManifestStore
    from wasteopt.config.writers import write_csv
    from wasteopt.runs.folder.staging import check_output_folder, staged_folder

    files = {kind: getattr(args, kind) for kind in LOAD_ORDER if getattr(args, kind)}
    if not files:
        print("error: give at least one of --sites, --trucks, --manifests, --gps", file=sys.stderr)
        return 64
    check_output_folder(args.rejects, "cd-rejects", force=True)  # refuse a user's folder before loading anything
    loads = []
    with ManifestStore(args.store) as store:
        for kind, path in files.items():
            def progress(step, kind=kind, path=path):
                print(f"{kind} {path}: {step.loaded:,} rows loaded (committed) …", file=sys.stderr, flush=True)

            result = store.load(kind, path, progress=progress)
            loads.append(result)
            if result.already_loaded:
                print(f"{kind} {path}: loaded before in full (same SHA-256); nothing added")
            else:
                print(f"{kind} {path}: {result.loaded:,} rows added, {result.rejected:,} rejected")
        rejects = store.rejects(loads)
        counts = store.counts()
    for row in rejects.head(20).itertuples():
        print(f"  {row.file}:{row.line}: {row.reason}", file=sys.stderr)
    if len(rejects) > 20:
        print(f"  … {len(rejects) - 20:,} more", file=sys.stderr)
    with staged_folder(args.rejects, "cd-rejects", force=True) as staging:
        write_csv(staging / "rejects.csv", rejects)
    print(f"rejected rows: {args.rejects}/rejects.csv ({len(rejects):,}); the store now holds "
          + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    return 0


def run_generate_command(args) -> int:
    from wasteopt.cd.generate import GeneratorSettings, generate, write_generated

    settings = GeneratorSettings(counties=tuple(c.strip() for c in args.counties.split(",") if c.strip()),
                                 start=args.start, days=args.days, trips_per_day=args.trips_per_day,
                                 anomaly_share=args.anomaly_share, gps_interval_s=args.gps_interval, seed=args.seed)
    data = generate(settings)
    write_generated(data, args.out, force=args.force)
    print(f"written to {args.out}/: {len(data.sites)} sites, {len(data.manifests):,} manifests, {len(data.gps):,} GPS "
          f"fixes, {len(data.truth)} injected anomalies (truth.csv)")
    return 0


def run_reconcile_command(args) -> int:
    from wasteopt.cd.reconcile import ReconcileSettings, reconcile, write_reconciliation
    from wasteopt.cd.store import ManifestStore

    settings = ReconcileSettings.from_dates(args.date_from, args.date_to, no_arrival_hours=args.no_arrival_hours)
    with ManifestStore(args.store, create=False) as store:
        result = reconcile(store, settings, plan=args.plan, registry=args.registry)
    write_reconciliation(result, args.out, force=args.force)
    kinds = result.anomalies["kind"].value_counts()
    print(f"{settings.start:%Y-%m-%d}–{settings.end_day:%Y-%m-%d}: {result.kpis['manifests']:,} manifests, "
          f"{result.kpis['hauled_t']:,.0f} t; anomalies: "
          + (", ".join(f"{kind} {n}" for kind, n in kinds.items()) or "none"))
    print(f"written to {args.out}/ (anomalies.csv, sites.csv, sources.csv, kpis.json)")
    return 0


def run_bench_command(args) -> int:
    import json
    import os
    import time
    from pathlib import Path

    import pandas as pd

    from wasteopt.bench.cd import bench_settings, month_manifests, month_to, scores, timed_run, write_bench_data
    from wasteopt.config.errors import OutputError

    work = Path(args.work)
    if work.exists() and any(work.iterdir()):
        raise OutputError(f"--work {args.work}: not empty; the benchmark needs a new or empty folder")
    settings = bench_settings(args.scale)
    data = work / "data"
    print(f"# load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on "
          f"{os.cpu_count()} cores; scale {args.scale:g}: {settings.trips_per_day:,} trips/day × 365 days, "
          f"{len(settings.counties)} counties", flush=True)
    start = time.perf_counter()
    counts = write_bench_data(settings, data)
    print(f"# generated {counts['manifests']:,} manifests and {counts['gps']:,} GPS fixes in "
          f"{time.perf_counter() - start:.0f} s", flush=True)
    month = month_manifests(data, settings)
    truth = pd.read_csv(data / "truth.csv", dtype=str)
    print("backend,step,seconds,cpu_seconds,peak_mb,rows", flush=True)
    stores = [("duckdb", str(work / "bench.duckdb"))] + ([("postgresql", args.postgres)] if args.postgres else [])
    for backend, store in stores:
        files = [a for kind in ("sites", "trucks", "manifests", "gps") for a in (f"--{kind}", str(data / f"{kind}.csv"))]
        seconds, cpu, peak, _ = timed_run(["cd", "ingest", "--store", store, *files,
                                           "--rejects", str(work / f"rejects-{backend}")])
        print(f"{backend},ingest,{seconds:.1f},{cpu:.1f},{peak:.0f},{counts['manifests'] + counts['gps']}", flush=True)
        out = work / f"month-{backend}"
        seconds, cpu, peak, _ = timed_run(["cd", "reconcile", "--store", store, "--from", settings.start,
                                           "--to", month_to(settings), "--out", str(out)])
        kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
        print(f"{backend},reconcile_month,{seconds:.1f},{cpu:.1f},{peak:.0f},{kpis['manifests']}", flush=True)
        anomalies = pd.read_csv(out / "anomalies.csv", dtype=str)
        for kind, (precision, recall) in scores(anomalies, truth, month).items():
            print(f"# {backend} {kind}: precision {precision:.3f}, recall {recall:.3f}", flush=True)
    return 0
