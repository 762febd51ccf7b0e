"""The app's pydeck maps read like a map: a scale bar of a round, true length, a north arrow, the optional tile
basemap only when asked (offline by default), the built road network under the plan."""
import json
import math

import pytest

from wasteopt import solve_scenario
from wasteopt.app.maps import tile_bounds, tile_xy, diff_deck, plan_deck, scale_bar, tile_layers, valid_tile_url
from wasteopt.config.scenario import Scenario
from wasteopt.data.network import haversine_km

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
    assert diff[0]["@@type"] == "BitmapLayer" and sum(layer["@@type"] == "TextLayer" for layer in diff) == 4


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
