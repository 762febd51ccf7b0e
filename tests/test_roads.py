"""Road distances from OSM: a hand-drawn town whose shortest routes are known by counting blocks.

    y=4  B . D' .  .        north bank: rows 3 and 4, streets every 0.01°
    y=3  . .  .  .
         ~~~~~~~~~~ river; the only road bridge is at x=0, a footbridge (not drivable) at x=3
    y=2  . .  .  .
    y=1  . .  .  .
    y=0  C .←─.←─A          row 0 is one-way westbound from x=1 to x=3 (tagged oneway=-1)

Blocks are 0.01° apart at the equator, so every block is the same STEP km; streets are
residential (25 km/h), the bridge primary (50 km/h).
"""
from __future__ import annotations

import shutil
import subprocess

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wasteopt.cli import main
from wasteopt.config.errors import DataError
from wasteopt.data.network import haversine_km, read_od_matrix
from wasteopt.roads.lines import read_main_roads
from wasteopt.roads.od import load_network, road_od

STEP = float(haversine_km(0.0, 0.0, 0.0, 0.01))  # one block, km (1.11195 km)
RESIDENTIAL, PRIMARY = 25.0, 50.0


def _town_xml() -> str:
    ids = {}
    nodes = []
    for y in range(5):
        for x in range(4):
            ids[x, y] = len(ids) + 1
            nodes.append(f'<node id="{ids[x, y]}" lat="{y * 0.01:.2f}" lon="{x * 0.01:.2f}"/>')
    shape = 100  # a shape node half-way along row 1, to be contracted away
    nodes.append(f'<node id="{shape}" lat="0.01" lon="0.005"/>')
    ways = []

    def way(refs, **tags):
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{len(ways) + 1}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tag_xml + "</way>")

    way([ids[0, 0], ids[1, 0]], highway="residential")
    way([ids[1, 0], ids[2, 0], ids[3, 0]], highway="residential", oneway="-1")  # drawn eastward, driven westward
    way([ids[0, 1], shape, *(ids[x, 1] for x in range(1, 4))], highway="residential")
    for y in (2, 3, 4):
        way([ids[x, y] for x in range(4)], highway="residential")
    for x in range(4):
        way([ids[x, 0], ids[x, 1], ids[x, 2]], highway="residential")
        way([ids[x, 3], ids[x, 4]], highway="residential")
    way([ids[0, 2], ids[0, 3]], highway="primary", bridge="yes")
    way([ids[3, 2], ids[3, 3]], highway="footway", bridge="yes")
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"wasteopt tests\">\n"
            + "\n".join(nodes + ways) + "\n</osm>\n")


POINTS = pd.DataFrame({"site_id": ["A", "B", "C", "D"],
                       "lon": [0.03, 0.03, 0.0, 0.01], "lat": [0.0, 0.04, 0.0, 0.041]}).set_index("site_id")
ACCESS_D = float(haversine_km(0.01, 0.04, 0.01, 0.041))  # D lies 0.001° north of its road node


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WASTEOPT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(params=["osm", "pbf"])
def town(request, tmp_path):
    """The town as OSM XML, or converted to PBF with Debian's osmium-tool (scripts/sysdeps.sh)."""
    xml = tmp_path / "town.osm"
    xml.write_text(_town_xml())
    if request.param == "osm":
        return xml
    if shutil.which("osmium") is None:
        pytest.fail("osmium-tool is not installed: run scripts/sysdeps.sh")
    pbf = tmp_path / "town.osm.pbf"
    subprocess.run(["osmium", "cat", str(xml), "-o", str(pbf)], check=True)
    return pbf


def _pairs(od: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    return {(o, d): (km, h) for o, d, km, h in od[["origin", "destination", "km", "hours"]].itertuples(index=False)}


def test_the_river_is_crossed_on_the_bridge_and_the_one_way_is_driven_one_way(town):
    od = _pairs(road_od(load_network(town), POINTS, max_km=100, snap_tolerance_m=500, progress=False))
    # A → B: 3 blocks west, 2 north, the bridge, 3 east, 1 north; the footbridge at x = 3 is not a road
    assert od["A", "B"] == pytest.approx((10 * STEP, 9 * STEP / RESIDENTIAL + STEP / PRIMARY), abs=1e-4)
    assert od["B", "A"] == pytest.approx(od["A", "B"], abs=1e-4)
    # A → C drives the one-way row westward (3 blocks); C → A must go round a block (5 blocks)
    assert od["A", "C"] == pytest.approx((3 * STEP, 3 * STEP / RESIDENTIAL), abs=1e-4)
    assert od["C", "A"] == pytest.approx((5 * STEP, 5 * STEP / RESIDENTIAL), abs=1e-4)
    # D is snapped to the node 0.001° south of it; its access is counted at both ends of a route
    assert od["D", "B"][0] == pytest.approx(2 * STEP + ACCESS_D, abs=1e-4)
    assert od["C", "D"][0] == pytest.approx(5 * STEP + ACCESS_D, abs=1e-4)
    assert round(od["A", "B"][0], 3) == 11.120


def test_pairs_beyond_the_haul_limit_are_left_out(town):
    od = road_od(load_network(town), POINTS, max_km=4 * STEP, snap_tolerance_m=500, progress=False)
    assert sorted(zip(od["origin"], od["destination"])) == [("A", "C"), ("B", "D"), ("D", "B")]


def test_a_point_far_from_the_roads_is_named(town):
    far = pd.concat([POINTS, pd.DataFrame({"lon": [0.5], "lat": [0.5]}, index=pd.Index(["far"], name="site_id"))])
    with pytest.raises(DataError, match=r"1 point\(s\) lie farther than 500 m .*: far \("):
        road_od(load_network(town), far, max_km=100, snap_tolerance_m=500, progress=False)


def test_network_build_writes_an_od_file_the_od_reader_takes(town, tmp_path, capsys):
    points = tmp_path / "points.csv"
    POINTS.reset_index().to_csv(points, index=False)
    out = tmp_path / "od.csv"
    assert main(["network", "build", "--osm", str(town), "--points", str(points), "--out", str(out),
                 "--max-km", "100", "--snap-tolerance-m", "500"]) == 0
    table = read_od_matrix(out)
    assert len(table) == 12
    ab = table[(table.origin == "A") & (table.destination == "B")]
    assert ab["km"].iat[0] == pytest.approx(10 * STEP, abs=1e-4)
    assert list(pd.read_csv(out).columns) == ["origin", "destination", "km", "hours"]
    roads = read_main_roads(tmp_path / "od.roads.gpkg")  # the main roads beside it, for the maps: the bridge
    assert roads["road_class"].tolist() == ["primary"]
    assert [tuple(map(float, point)) for point in roads.geometry.iat[0].coords] == [(0.0, 0.02), (0.0, 0.03)]
    (tmp_path / "od2.roads.gpkg").write_text("mine")  # a build never writes over a file there unasked
    assert main(["network", "build", "--osm", str(town), "--points", str(points), "--out", str(tmp_path / "od2.csv")]) == 1
    assert "od2.roads.gpkg exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "od2.roads.gpkg").read_text() == "mine" and not (tmp_path / "od2.csv").exists()


def test_main_roads_are_merged_lines_by_class_and_a_foreign_file_is_one_error(tmp_path):
    from wasteopt.roads.lines import main_road_lines, main_roads_file
    from wasteopt.roads.osm import RoadWays

    assert main_roads_file("runs/od.parquet") == Path("runs/od.roads.gpkg")
    assert main_roads_file("henan.od.csv") == Path("henan.od.roads.gpkg")
    # three motorway pieces end to end (one a link) → one line; a residential street → none; a trunk → one line
    lon, lat = np.array([0.0, 0.1, 0.2, 0.3, 0.0, 0.1, 0.5, 0.6]), np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
    ways = RoadWays(osm_id=np.arange(8), lon=lon, lat=lat, way_nodes=np.array([0, 1, 1, 2, 2, 3, 4, 5, 6, 7]),
                    way_start=np.array([0, 2, 4, 6, 8, 10]), speed_kmh=np.full(5, 50, np.float32),
                    oneway=np.zeros(5, bool), main_class=np.array([0, 0, 0, -1, 1], np.int8))
    lines = main_road_lines(ways)
    assert lines["road_class"].tolist() == ["motorway", "trunk"]
    assert list(lines.geometry.iat[0].coords) == [(0.0, 0.0), (0.3, 0.0)]  # merged, straight: simplified to its ends
    foreign = tmp_path / "od.roads.gpkg"
    foreign.write_text("not a GeoPackage")
    with pytest.raises(DataError, match="cannot read the main roads"):
        read_main_roads(foreign)
    assert read_main_roads(tmp_path / "none.roads.gpkg") is None


def _grid_xml(lon0: float, lat0: float, columns: int, rows: int | None = None, step: float = 0.01) -> str:
    """A two-way residential street grid with blocks of ``step``°, its south-west corner at (lon0, lat0)."""
    rows = rows or columns
    node = {(i, j): i * rows + j + 1 for i in range(columns) for j in range(rows)}
    nodes = [f'<node id="{n}" lat="{lat0 + j * step:.6f}" lon="{lon0 + i * step:.6f}"/>' for (i, j), n in node.items()]
    streets = [[node[i, j] for i in range(columns)] for j in range(rows)] + [[node[i, j] for j in range(rows)]
                                                                             for i in range(columns)]
    ways = [f'<way id="{w + 1}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + '<tag k="highway" v="residential"/></way>'
            for w, refs in enumerate(streets)]
    return "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n" + "\n".join(nodes + ways) + "\n</osm>\n"


def test_the_province_od_is_what_solve_uses_and_circuity_reports_it(root, tmp_path, capsys):
    """Henan covered by a street grid of 0.05° blocks: `network build --config` gives every county seat and
    site its road km, and `wasteopt solve` hauls on exactly those km."""
    from wasteopt.roads.od import circuity
    from wasteopt.roads.points import scenario_points
    from wasteopt.config.loader import load_scenario

    osm = tmp_path / "henan-grid.osm"
    osm.write_text(_grid_xml(110.2, 31.2, 134, 107, step=0.05))
    config = root / "configs" / "henan-2025-zero-landfill.yaml"
    od_file = tmp_path / "od.parquet"
    snap = ["--snap-tolerance-m", "4000"]  # seats lie up to 3.6 km from a grid corner
    assert main(["network", "build", "--osm", str(osm), "--config", str(config), "--out", str(od_file), *snap]) == 0
    od = pd.read_parquet(od_file)
    points, counties, max_km = scenario_points(load_scenario(config))
    assert max_km == 150 and set(od["origin"]) == set(points.index) and od["km"].max() <= 150
    ratios = circuity(od, points)["ratio"]
    assert ratios.min() >= 1 and 1.15 < ratios.median() < 1.4  # Manhattan blocks: 4/π ≈ 1.27 on average
    assert main(["network", "circuity", "--osm", str(osm), "--config", str(config), *snap]) == 0
    assert "全部 all" in capsys.readouterr().out

    scenario = tmp_path / "roads.yaml"
    scenario.write_text(f"extends: {config}\nregion:\n  seeds: {root / 'seeds' / 'henan'}\n"
                        f"network:\n  od_matrix_file: {od_file}\n", encoding="utf-8")
    assert main(["solve", str(scenario), "--out", str(tmp_path / "run"), "--time-limit", "20",
                 "--registry", str(tmp_path / "runs.sqlite")]) == 0
    flows = pd.read_csv(tmp_path / "run" / "flows.csv", dtype={"origin": str, "destination": str})
    hauled = flows.merge(od, on=["origin", "destination"], suffixes=("", "_road"))
    assert len(hauled) == len(flows[flows["km"] > 0]) > 100
    assert hauled["km"].to_numpy() == pytest.approx(hauled["km_road"].to_numpy(), abs=1e-3)


def test_route_with_osm_drives_the_streets_and_draws_them(root, tmp_path):
    """Rural routes of Zhongmu (410122) on a 10 × 10 street grid around its seat: every leg is as long
    as its block count says, and every route is drawn through street corners."""
    import geopandas as gpd

    seat_lon, seat_lat, size = 114.01648, 34.722956, 10
    osm = tmp_path / "zhongmu.osm"
    osm.write_text(_grid_xml(seat_lon, seat_lat, size))
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "facilities.csv").write_text(f"site_id,name_zh,lon,lat\nC410122,中牟县焚烧厂,{seat_lon + 0.09:.6f},{seat_lat:.6f}\n",
                                         encoding="utf-8")
    (plan / "flows.csv").write_text("origin,destination,stream,tonnes_per_day,km\n410122,C410122,msw,300,10\n",
                                    encoding="utf-8")
    (plan / "demand.csv").write_text("node_id,msw_tpd,msw_rural_tpd\n410122,300,120\n", encoding="utf-8")
    corners = [(i, j) for i in range(size) for j in range(size) if (i, j) not in ((0, 0), (9, 0))]
    villages = tmp_path / "villages.csv"
    pd.DataFrame({"adcode": "410122", "name": [f"村{i}-{j}" for i, j in corners],
                  "lon": [seat_lon + i * 0.01 for i, _ in corners], "lat": [seat_lat + j * 0.01 for _, j in corners],
                  "population": 1000}).to_csv(villages, index=False)
    out = tmp_path / "routes"
    assert main(["route", str(root / "configs" / "henan-2025-zero-landfill.yaml"), "--county", "410122", "--plan",
                 str(plan), "--villages", str(villages), "--osm", str(osm), "--out", str(out), "--time-limit", "1"]) == 0

    def corner(lon, lat):
        return round((lon - seat_lon) / 0.01, 6), round((lat - seat_lat) / 0.01, 6)

    def block_km(a, b):  # east-west blocks are shortest on the northern street of the two
        north = seat_lat + max(a[1], b[1]) * 0.01
        east_west = float(haversine_km(seat_lon, north, seat_lon + 0.01, north))
        return abs(a[0] - b[0]) * east_west + abs(a[1] - b[1]) * STEP

    visits = pd.read_csv(out / "410122" / "routes.csv")
    assert pd.read_csv(out / "summary.csv")["status"].iat[0] == "feasible"
    for _, route in visits.groupby("route"):
        calls = [corner(x, y) for x, y in zip(route["x"], route["y"])]
        legs = [block_km(a, b) for a, b in zip(calls, calls[1:])]
        assert route["km_from_previous"].iloc[1:].tolist() == pytest.approx(legs, abs=1e-3)
    lines = gpd.read_file(out / "410122" / "routes.gpkg", layer="routes")
    for line, (_, route) in zip(lines.geometry, visits.groupby("route")):
        vertices = [corner(x, y) for x, y in line.coords]
        assert all(i == int(i) and j == int(j) for i, j in vertices)  # every bend is a street corner
        blocks = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(vertices, vertices[1:]))
        assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 1 for a, b in zip(vertices, vertices[1:]))
        calls = [corner(x, y) for x, y in zip(route["x"], route["y"])]
        assert blocks == sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in zip(calls, calls[1:]))


def test_unreadable_extracts_give_one_line_errors(tmp_path):
    for name, content in (("broken.osm.pbf", b"garbage"), ("broken.osm", b"not xml")):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DataError, match=f"{name}: cannot read OSM data: "):
            load_network(tmp_path / name)
    with pytest.raises(DataError, match="missing.osm: OSM extract not found"):
        load_network(tmp_path / "missing.osm")
