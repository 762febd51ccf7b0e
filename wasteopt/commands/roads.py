"""CLI: ``wasteopt network build`` / ``network circuity`` (road distances from an OSM extract) and
``wasteopt bench roads`` (the OD build on a generated million-node road grid)."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from wasteopt.commands.arguments import SEED, number
from wasteopt.config.errors import ScenarioError

KM = number(0, 10_000, low_open=True)


def register(commands, bench_commands) -> None:
    network = commands.add_parser("network", help="road distances from an OpenStreetMap extract")
    actions = network.add_subparsers(dest="network", metavar="ACTION")
    actions.required = True
    build = actions.add_parser("build", help="road km and hours between the scenario's points (or --points) "
                                             "as an OD file for network.od_matrix_file")
    _common(build)
    build.add_argument("--out", required=True, help="OD file to write: .parquet or .csv (origin,destination,km,hours); "
                       "a new file, or an existing one with --force. The main roads (motorway, trunk, primary) "
                       "go beside it for the maps: od.parquet → od.roads.gpkg")
    build.add_argument("--force", action="store_true", help="overwrite existing --out files (never an input)")
    build.set_defaults(func=_build)
    circuity = actions.add_parser("circuity", help="road km / straight km of the scenario's county → site pairs")
    _common(circuity)
    circuity.add_argument("--out", help="also write every pair with its ratio to this CSV (a new file, or an "
                          "existing one with --force)")
    circuity.add_argument("--force", action="store_true", help="overwrite an existing --out file (never an input)")
    circuity.set_defaults(func=_circuity)

    roads = bench_commands.add_parser("roads", help="OD build on a generated road grid (time, peak memory)")
    roads.add_argument("--nodes", type=number(4, 10_000_000, integer=True), default=1_000_000, help="road junctions (default 1,000,000)")
    roads.add_argument("--points", type=number(2, 100_000, integer=True), default=500, help="OD points (default 500)")
    roads.add_argument("--max-km", type=KM, default=150.0, help="haul limit, road km (default 150)")
    roads.add_argument("--seed", type=SEED, default=0)
    roads.set_defaults(func=_bench_roads)


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--osm", required=True, help="OSM extract, .osm.pbf or .osm (XML)")
    command.add_argument("--config", help="scenario YAML: its demand nodes and sites are the points; "
                                          "its network settings give speeds, snap tolerance and haul limit")
    command.add_argument("--points", help="CSV with site_id,lon,lat (WGS84) instead of the scenario's points")
    command.add_argument("--max-km", type=KM, help="leave out pairs farther apart by road (default: the "
                                                      "scenario's longest haul limit, else 150)")
    command.add_argument("--snap-tolerance-m", type=number(0, 100_000, low_open=True),
                         help="farthest a point may lie from a road (default: network.snap_tolerance_m, else 1000)")


def _inputs(args: argparse.Namespace):
    """(points, demand-node ids or None, network settings or None, max km, snap tolerance m)."""
    from wasteopt.roads.points import read_points, scenario_points

    if not args.config and not args.points:
        raise ScenarioError("give --config (the scenario's points) or --points CSV (site_id,lon,lat)")
    settings, max_km, origins = None, 150.0, None
    if args.config:
        from wasteopt.config.loader import load_scenario

        scenario = load_scenario(args.config)
        settings = scenario.network
        points, origins, max_km = scenario_points(scenario)
    if args.points:
        points = read_points(args.points)
    if args.max_km is not None:
        max_km = args.max_km
    tolerance = args.snap_tolerance_m if args.snap_tolerance_m is not None else (
        settings.snap_tolerance_m if settings else 1000.0)
    if max_km <= 0 or tolerance <= 0:
        raise ScenarioError("--max-km and --snap-tolerance-m must be > 0")
    return points, origins if not args.points else None, settings, max_km, tolerance


def _check_out(args: argparse.Namespace, example: str, *also) -> None:
    """The output guard, before the roads are read: never over an input (the OSM file, the scenario, the points);
    ``also``: files written beside --out."""
    from wasteopt.runs.folder.staging import check_output_file

    inputs = tuple(path for path in (args.osm, args.config, args.points) if path)
    for path in (args.out, *also) if args.out else ():
        check_output_file(path, args.force, example=example, inputs=inputs)


def _od(args: argparse.Namespace):
    from wasteopt.roads.od import load_network, road_od

    points, origins, settings, max_km, tolerance = _inputs(args)
    print(f"读取路网 reading roads: {args.osm}", file=sys.stderr)
    network = load_network(args.osm, settings.road_speeds_kmh if settings else None)
    print(f"道路节点 road nodes: {len(network.ways.lon):,}，最大强连通部分 on the largest strongly connected part: "
          f"{int(network.on_network.sum()):,}；点 points: {len(points):,}，距离上限 pairs within {max_km:g} km",
          file=sys.stderr)
    od = road_od(network, points, max_km=max_km, snap_tolerance_m=tolerance)
    return od, points, origins, settings, network


def _build(args: argparse.Namespace) -> int:
    from wasteopt.roads.lines import main_roads_file, write_main_roads
    from wasteopt.roads.od import write_od

    roads_file = main_roads_file(args.out)
    _check_out(args, "od.parquet", roads_file)
    od, *_, network = _od(args)
    write_od(od, args.out)
    lines = write_main_roads(network.ways, roads_file)
    print(f"已写出 {len(od):,} 对起讫点 / {len(od):,} pairs (origin,destination,km,hours) -> {args.out}；"
          "在情景中设为 network.od_matrix_file / use it as network.od_matrix_file", file=sys.stderr)
    print(f"主要道路 main roads (motorway, trunk, primary): {lines:,} 条线 lines -> {roads_file}（地图显示 / drawn on "
          "the maps of runs using this OD file）", file=sys.stderr)
    return 0


def _circuity(args: argparse.Namespace) -> int:
    from wasteopt.config.writers import write_csv
    from wasteopt.roads.od import circuity, circuity_summary

    _check_out(args, "circuity.csv")
    od, points, origins, settings, _ = _od(args)
    if origins is not None:  # the scenario's hauls: county → site
        od = od[od["origin"].isin(origins) & ~od["destination"].isin(origins)]
    pairs = circuity(od, points)
    if pairs.empty:
        raise ScenarioError("距离上限内没有相距 ≥ 1 km 的点对 / no pairs at least 1 km apart within the haul limit")
    print("绕行系数 circuity = road km / straight km")
    print(circuity_summary(pairs).to_string(index=False))
    if settings is not None:
        print(f"情景设定 scenario network.circuity = {settings.circuity:g}")
    if args.out:
        write_csv(args.out, pairs)
        print(f"{len(pairs):,} 对 pairs -> {args.out}", file=sys.stderr)
    return 0


def _bench_roads(args: argparse.Namespace) -> int:
    from wasteopt.bench.roads import bench_roads

    if args.nodes < 4 or args.points < 2 or args.max_km <= 0:
        raise ScenarioError("--nodes ≥ 4, --points ≥ 2 and --max-km > 0")
    row = bench_roads(args.nodes, args.points, args.max_km, args.seed)
    frame = pd.DataFrame([row])
    print(frame.to_csv(index=False), end="")
    return 0

