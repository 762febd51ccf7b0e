"""The app's pydeck maps read like a map: a scale bar of a round, true length, a north arrow, the optional tile
basemap only when asked (offline by default), the built road network under the plan."""
import json
import math
from pathlib import Path

import pytest

from wasteopt import solve_scenario
from wasteopt.app.maps import diff_deck, plan_deck, scale_bar, tile_bounds, tile_layers, tile_xy, valid_tile_url
from wasteopt.config.scenario import Scenario
from wasteopt.data.network import haversine_km

ROOT = Path(__file__).resolve().parents[1]
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
HENAN = (110.35, 31.38, 116.65, 36.37)  # lon/lat bounds


@pytest.fixture(scope="module")
def plan(tiny_seeds):
    scenario = Scenario(name="maps", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                        policy={"raw_msw_landfill_cap_tpd": 0}, solver={"time_limit_s": 20, "rel_gap": 0.0})
    return solve_scenario(scenario)


def _layers(deck) -> list[dict]:
    return json.loads(deck.to_json())["layers"]


def test_the_scale_bar_is_a_round_length_true_on_the_ground():
    bar = scale_bar(HENAN)
    assert bar["length_km"] == 100  # Henan is ≈ 590 km wide: the round length at or below a fifth
    ground_km = haversine_km(bar["left"], bar["bottom"], bar["right"], bar["bottom"])
    assert ground_km == pytest.approx(100, rel=2e-3)  # along a parallel, not a great circle: a hair shorter
    assert HENAN[0] < bar["left"] < bar["right"] < HENAN[2] and HENAN[1] < bar["bottom"] < bar["top"] < HENAN[3]


def test_plan_map_has_scale_bar_and_north_arrow_and_no_tiles_unless_asked(plan):
    layers = plan.to_geodataframes()
    deck = plan_deck(layers, plan.region.prefecture_boundaries, plan.region.landfills, "zh")
    texts = [row["text"] for layer in _layers(deck) if layer["@@type"] == "TextLayer" for row in layer["data"]
             if "text" in row]
    assert "比例尺 scale" in texts and "北 N" in texts and texts[0] == "0" and texts[2].endswith(" km")
    assert "TerrainLayer" not in deck.to_json() and "http" not in deck.to_json()  # offline by default

    tiled = _layers(plan_deck(layers, plan.region.prefecture_boundaries, plan.region.landfills, "zh", tiles=TILES))
    tiles = [layer for layer in tiled if layer["@@type"] == "BitmapLayer"]
    assert tiled[:len(tiles)] == tiles and 4 <= len(tiles) <= 40  # under everything, a handful of requests
    zoom = int(tiles[0]["image"].split("/")[3])
    assert zoom == math.floor(json.loads(deck.to_json())["initialViewState"]["zoom"]) + 1  # a level finer than the view
    seat = plan.region.prefecture_boundaries.iloc[0]  # 周口's seat lies on one of the tiles, which holds it
    x, y = tile_xy(seat["seat_lon"], seat["seat_lat"], zoom)
    west, south, east, north = next(t["bounds"] for t in tiles if t["image"] == f"https://tiles.example.org/{zoom}/{x}/{y}.png")
    assert west <= seat["seat_lon"] <= east and south <= seat["seat_lat"] <= north
    diff = _layers(diff_deck(layers, layers, plan.region.prefecture_boundaries, "en", tiles=TILES))
    assert diff[0]["@@type"] == "BitmapLayer" and sum(layer["@@type"] == "TextLayer" for layer in diff) == 5


def test_xyz_tiles_are_the_slippy_map_grid():
    assert tile_xy(113.66, 34.76, 7) == (104, 50)  # 郑州 (Zhengzhou)
    assert tile_bounds(104, 50, 7) == pytest.approx([112.5, 34.30714, 115.3125, 36.59789], abs=1e-5)
    assert tile_xy(0.0, 0.0, 1) == (1, 1) and tile_bounds(0, 0, 0) == pytest.approx([-180, -85.05113, 180, 85.05113])


def test_tile_urls_must_be_xyz_templates():
    assert valid_tile_url(TILES) and valid_tile_url("http://127.0.0.1:8080/{z}/{x}/{y}")
    for bad in ("tiles.example.org/{z}/{x}/{y}.png", "https://example.org/{z}/{x}.png", "file:///{z}/{x}/{y}",
                "https://example.org/{z}/{x}/{y}/{y}.png", ""):
        assert not valid_tile_url(bad)
    with pytest.raises(ValueError, match="XYZ"):
        tile_layers("https://example.org/tile.png", None, 640)


def _grid_with_a_motorway(lon0: float, lat0: float, size: int, step: float) -> str:
    """A residential street grid, ``size`` × ``size`` junctions ``step``° apart; its middle row a motorway."""
    node = {(i, j): i * size + j + 1 for i in range(size) for j in range(size)}
    nodes = [f'<node id="{n}" lat="{lat0 + j * step:.6f}" lon="{lon0 + i * step:.6f}"/>' for (i, j), n in node.items()]
    streets = [([node[i, j] for i in range(size)], "motorway" if j == size // 2 else "residential") for j in range(size)]
    streets += [([node[i, j] for j in range(size)], "residential") for i in range(size)]
    ways = [f'<way id="{w + 1}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + f'<tag k="highway" v="{kind}"/></way>'
            for w, (refs, kind) in enumerate(streets)]
    return "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n" + "\n".join(nodes + ways) + "\n</osm>\n"


def test_a_run_on_a_built_road_network_shows_its_main_roads(tiny_seeds, tmp_path, monkeypatch):
    """`network build` beside the OD file, a run whose scenario uses that file: the app's map draws the motorway
    (and says so in the legend); a run on straight-line distances draws no roads."""
    from streamlit.testing.v1 import AppTest

    from wasteopt import RunRegistry, run_scenario
    from wasteopt.app import service
    from wasteopt.cli import main
    from wasteopt.app.maps import ROAD_STYLE

    monkeypatch.setenv("WASTEOPT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(service.RUNS_DIR_ENV, str(tmp_path / "runs"))
    osm = tmp_path / "zhoukou.osm"
    osm.write_text(_grid_with_a_motorway(114.3, 33.3, 41, 0.025))  # 114.3–115.3 °E, 33.3–34.3 °N; motorway at 33.8
    config = tmp_path / "tiny.yaml"
    config.write_text(f"name: roads\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                      "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 20, rel_gap: 0.0}\n",
                      encoding="utf-8")
    od = tmp_path / "od.parquet"
    assert main(["network", "build", "--osm", str(osm), "--config", str(config), "--out", str(od),
                 "--snap-tolerance-m", "3000"]) == 0
    registry = RunRegistry(tmp_path / "runs" / "registry.sqlite")
    on_roads = Scenario(name="roads", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                        network={"od_matrix_file": str(od)}, policy={"raw_msw_landfill_cap_tpd": 0},
                        solver={"time_limit_s": 20, "rel_gap": 0.0})
    straight = on_roads.with_changes({"network": {"od_matrix_file": None}})
    for scenario, label in ((straight, "straight"), (on_roads, "roads")):
        run_scenario(scenario, tmp_path / "runs" / label, registry=registry, source="cli", label=label)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(str(ROOT / "wasteopt/app/pages/map_page.py")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    paths = [layer for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
             if layer["@@type"] == "PathLayer"]
    assert len(paths) == 1 and [row["colour"] for row in paths[0]["data"]] == [ROAD_STYLE["motorway"][0]]
    assert paths[0]["data"][0]["path"] == [[114.3, 33.8], [115.3, 33.8]]  # the one straight motorway, merged
    assert any("高速公路" in m.value for m in at.markdown)
    straight_id = next(r.run_id for r in registry.records() if r.label == "straight")
    at.selectbox(key="map_run").set_value(straight_id).run()
    assert "PathLayer" not in at.get("deck_gl_json_chart")[0].proto.json
    assert not any("高速公路" in m.value for m in at.markdown)


def test_county_names_stand_under_their_seat_and_collide_with_nothing():
    import geopandas as gpd
    import pandas as pd
    from shapely import box

    from wasteopt.app.map_labels import label_boxes, symbol_boxes
    from wasteopt.app.maps import COUNTY_NAME_PX, county_names

    prefectures = gpd.GeoDataFrame({"name_zh": ["郑州市"], "name_en": ["Zhengzhou"], "seat_lon": [113.66],
                                    "seat_lat": [34.76]}, geometry=[box(113, 34, 115, 35)], crs=4326)
    demand = pd.DataFrame({"name_zh": ["中牟县", "新郑市", "新郑北县", "金水区", "郑州南县"],
                           "name_en": ["Zhongmu", "Xinzheng", "Xinzheng North", "Jinshui", "Zhengzhou South"],
                           "kind": ["county", "county_city", "county", "district", "county"],
                           "lon": [113.98, 113.74, 113.745, 113.69, 113.66], "lat": [34.72, 34.39, 34.40, 34.80, 34.80],
                           "population": [1.0e6, 1.2e6, 0.3e6, 1.6e6, 0.5e6]})
    symbols = pd.DataFrame({"lon": [113.98], "lat": [34.72], "radius": [12.0]})  # a plant on 中牟's seat
    layer = json.loads(__import__("pydeck").Deck(layers=[county_names(demand, prefectures, symbols, "zh", 8.0)]).to_json())
    shown = pd.DataFrame(layer["layers"][0]["data"])
    # 新郑北县 would cover the more populous 新郑市's name, 郑州南县's name the prefecture's; 金水区 is the seat itself
    assert list(shown["name"]) == ["新郑市", "中牟县"]
    assert shown.set_index("name").loc["中牟县", "pixel_offset"] == [0, 14.0]  # under the plant symbol, not on it
    boxes = label_boxes(shown, 8.0, COUNTY_NAME_PX, above=False)
    plant = symbol_boxes(symbols, 8.0)[0]
    assert boxes[1][1] >= plant[3] - 1  # the name's top is at the symbol's bottom


def test_the_henan_map_names_counties_where_they_fit(zero_landfill_plan):
    from wasteopt.app.map_labels import label_boxes
    from wasteopt.app.maps import COUNTY_NAME_PX, PREFECTURE_NAME_PX

    deck = json.loads(plan_deck(zero_landfill_plan.to_geodataframes(), zero_landfill_plan.region.prefecture_boundaries,
                                zero_landfill_plan.region.landfills, "zh").to_json())
    zoom = deck["initialViewState"]["zoom"]
    texts = [layer for layer in deck["layers"] if layer["@@type"] == "TextLayer" and "name" in layer["data"][0]]
    counties, prefectures = (__import__("pandas").DataFrame(layer["data"]) for layer in texts)
    assert len(prefectures) == 18 and len(counties) >= 25 and not counties["name"].str.endswith("区").any()
    import numpy as np
    boxes = np.vstack([label_boxes(counties.assign(offset_px=[o[1] for o in counties["pixel_offset"]]), zoom,
                                   COUNTY_NAME_PX, above=False),
                       label_boxes(prefectures.assign(offset_px=[-o[1] for o in prefectures["pixel_offset"]]), zoom,
                                   PREFECTURE_NAME_PX, above=True)])
    overlapping = [(i, j) for i in range(len(counties)) for j in range(i + 1, len(boxes))
                   if boxes[i][0] < boxes[j][2] and boxes[j][0] < boxes[i][2] and boxes[i][1] < boxes[j][3]
                   and boxes[j][1] < boxes[i][3]]
    assert overlapping == []
