"""pydeck maps of a saved plan and of the difference between two plans. No Streamlit here.

The county polygons, the prefecture boundaries, the county-seat network, prefecture and county names at their seats
(all from the seeds), a scale bar and a north arrow carry the geography offline. A raster tile basemap is optional and off by default (an XYZ URL
template the planner gives, e.g. a provider they hold a key for): tile servers are often unreachable where the
app runs (offline machines, networks in China).
"""
from __future__ import annotations

import html
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from wasteopt.app.map_labels import free_names, label_boxes, symbol_boxes
from wasteopt.reporting.colours import ROAD_RGB, STATUS_RGB
from wasteopt.reporting.labels import place, t
from wasteopt.reporting.map_context import KM_PER_DEGREE, SEAT_NETWORK_RGB, nice_length_km
from wasteopt.reporting.tiles import valid_tile_url

DISPLAY_TOLERANCE_DEG = 0.003  # ≈ 300 m: invisible at province zoom, 10× fewer vertices
STATUS_COLOURS = {status: list(rgb) for status, rgb in STATUS_RGB.items()}
STATUS_COLOURS["landfill_running"] = STATUS_COLOURS["landfill"]  # the only landfills drawn as dots: those taking raw MSW
DIFF_COLOURS = {"opened_only": [44, 160, 44], "closed_only": [214, 39, 40], "capacity_changed": [255, 127, 14],
                "reassigned": [255, 200, 120], "same": [225, 225, 225]}
FOOD_WASTE_PLANT = [148, 103, 189]  # food-waste plants (厨余垃圾处理厂): purple diamonds
PREFECTURE_LINE = [60, 60, 60]
SEAT_NETWORK = [*SEAT_NETWORK_RGB, 100]  # faint and lighter than the flows: under them, the roads and the prefecture lines
ROAD_STYLE = {name: (list(ROAD_RGB[name]), width) for name, width in (("motorway", 2.5), ("trunk", 1.8), ("primary", 1.0))}
FLOW_COLOUR = [40, 40, 40, 110]
STOPPED_RADIUS_PX = 2.5
# Light, distinct fills for counties (one per serving plant).
COUNTY_PALETTE = [
    [166, 206, 227], [178, 223, 138], [251, 154, 153], [253, 191, 111], [202, 178, 214], [255, 255, 153],
    [141, 211, 199], [190, 186, 218], [128, 177, 211], [253, 180, 98], [179, 222, 105], [252, 205, 229],
    [204, 235, 197], [255, 237, 111], [188, 128, 189], [217, 217, 217],
]
PIXELS = pdk.types.String("pixels")  # a plain str would become a data accessor
LABEL_FONT = pdk.types.String('"Noto Sans CJK SC", "Noto Sans CJK JP", "Microsoft YaHei", "PingFang SC", sans-serif')
# Plain text (Streamlit escapes substituted values in "html" tooltips); one line per "\n".
TOOLTIP = {"text": "{tip}", "style": {"fontSize": "13px", "maxWidth": "360px", "whiteSpace": "pre-line"}}


def polygon_records(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per polygon part with its rings as coordinate lists (for PolygonLayer), simplified for display."""
    simplified = shapely.simplify(gdf.geometry.to_numpy(), DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    parts = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=simplified, crs=gdf.crs)
    parts = parts.explode(index_parts=False).explode(index_parts=False)  # multipolygons and geometry collections
    parts = parts[(parts.geom_type == "Polygon") & ~parts.geometry.is_empty]  # make_valid leaves slivers as lines
    parts["polygon"] = [[np.asarray(poly.exterior.coords)[:, :2].round(5).tolist()] for poly in parts.geometry]
    return pd.DataFrame(parts.drop(columns="geometry")).reset_index(drop=True)


def _plant_tip(r, lang: str) -> str:
    """Name and status; capacity (with the lines added) or raw MSW landfilled; throughput and load."""
    if r.technology == "landfill":
        size = f"{t('landfill_tpd', lang)}: {r.raw_msw_tpd:,.0f}"
    else:
        added = f" ({t('tip_new_lines', lang, count=int(r.new_modules), size=f'{r.module_size_tpd:,.0f}')})" if r.new_modules else ""
        size = f"{t('capacity', lang) if r.technology == 'incinerator' else t(r.technology, lang)}: {r.capacity_tpd:,.0f} t/d{added}"
    load = f" · {t('tip_utilisation', lang)} {100 * r.utilisation:.0f} %" if pd.notna(r.utilisation) else ""
    status = t(r.status, lang) if r.technology in ("incinerator", "landfill") else f"{t(r.technology, lang)} · {r.status}"
    return _tip(f"{place(r.name_zh, r.name_en)} · {status}", size,
                f"{t('tip_throughput', lang)}: {r.throughput_tpd:,.0f} t/d{load}")


def _tip(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _view(gdf: gpd.GeoDataFrame, height_px: int) -> pdk.ViewState:
    """Centre on the layer and zoom so its north–south extent fits the map's height (512 px web-mercator tiles)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    mercator = np.degrees(np.log(np.tan(np.pi / 4 + np.radians([miny, maxy]) / 2)))
    zoom = np.log2(height_px * 360 / (512 * (mercator[1] - mercator[0]))) - 0.1
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=round(float(zoom), 2))


def _deck(layers: list, gdf: gpd.GeoDataFrame, height_px: int, tiles: str | None) -> pdk.Deck:
    """The map of ``layers`` framed on ``gdf``, a scale bar and a north arrow on top, tiles (if any) under."""
    bounds, view = tuple(gdf.total_bounds), _view(gdf, height_px)
    basemap = tile_layers(tiles, view, height_px) if tiles else []
    layers = [*basemap, *layers, *scale_bar_layers(bounds), *north_arrow_layers(bounds)]
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, map_style=None, tooltip=TOOLTIP)


MAX_TILE_ZOOM = 18
WIDEST_MAP_PX = 1800  # the widest a map is drawn (Streamlit's wide layout): tiles cover that much of the view


def tile_xy(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The XYZ (slippy-map) tile holding a point."""
    n = 2 ** zoom
    lat = max(min(lat, 85.05), -85.05)
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return min(int((lon + 180) / 360 * n), n - 1), min(max(int(y), 0), n - 1)


def tile_bounds(x: int, y: int, zoom: int) -> list[float]:
    """[west, south, east, north] of an XYZ tile in degrees."""
    n = 2 ** zoom

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return [x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)]


def tile_layers(url: str, view: pdk.ViewState, height_px: int) -> list[pdk.Layer]:
    """Raster XYZ tiles (``…/{z}/{x}/{y}.png``, fetched by the browser) under the map: the tiles one zoom level
    finer than the opening view that cover it, each a BitmapLayer on its own lon/lat box. pydeck's JSON cannot give
    TileLayer the function that draws an image, and the bundled TerrainLayer needs a worker from the internet."""
    if not valid_tile_url(url):
        raise ValueError(f"not an XYZ tile URL template: {url!r}")
    zoom = min(max(int(math.floor(view.zoom)) + 1, 0), MAX_TILE_ZOOM)
    degrees_per_px = 360 / (512 * 2 ** view.zoom)  # deck.gl's zoom counts 512-px tiles
    half_width, half_height = WIDEST_MAP_PX / 2 * degrees_per_px, height_px / 2 * degrees_per_px
    mercator_y = math.degrees(math.asinh(math.tan(math.radians(view.latitude))))  # the centre, in Mercator degrees
    north = math.degrees(math.atan(math.sinh(math.radians(mercator_y + half_height))))
    south = math.degrees(math.atan(math.sinh(math.radians(mercator_y - half_height))))
    x0, y0 = tile_xy(view.longitude - half_width, north, zoom)
    x1, y1 = tile_xy(view.longitude + half_width, south, zoom)
    return [pdk.Layer("BitmapLayer", id=f"tile-{zoom}-{x}-{y}", bounds=tile_bounds(x, y, zoom), pickable=False,
                      image=url.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y)))
            for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _km_per_lon_degree(lat: float) -> float:
    return KM_PER_DEGREE * math.cos(math.radians(lat))


def scale_bar(bounds: tuple[float, float, float, float], location: tuple[float, float] = (0.03, 0.03)) -> dict:
    """A round bar length near a fifth of the map's width, drawn from ``location`` (fraction of ``bounds``: its
    left end) eastwards: (length_km, left, right, bottom, top) in degrees, exact at the bar's latitude."""
    minx, miny, maxx, maxy = bounds
    bottom = miny + location[1] * (maxy - miny)
    length_km = nice_length_km((maxx - minx) * _km_per_lon_degree((miny + maxy) / 2))
    left = minx + location[0] * (maxx - minx)
    return {"length_km": length_km, "left": left, "right": left + length_km / _km_per_lon_degree(bottom),
            "bottom": bottom, "top": bottom + 0.012 * (maxy - miny)}


def _text(rows: list, size: int, **options) -> pdk.Layer:
    return pdk.Layer("TextLayer", pd.DataFrame(rows, columns=["lon", "lat", "text"]), get_position=["lon", "lat"],
                     get_text="text", get_size=size, size_units=PIXELS, get_color=[20, 20, 20],
                     character_set=pdk.types.String("auto"), font_family=LABEL_FONT, font_settings={"sdf": True},
                     outline_width=3, outline_color=[255, 255, 255], pickable=False, **options)


def scale_bar_layers(bounds) -> list[pdk.Layer]:
    """A two-segment (black, white) scale bar in km, drawn on the ground so it stays true as the map is zoomed."""
    bar = scale_bar(bounds)
    left, right, bottom, top = bar["left"], bar["right"], bar["bottom"], bar["top"]
    middle = (left + right) / 2
    segments = pd.DataFrame({"polygon": [[[[x0, bottom], [x1, bottom], [x1, top], [x0, top]]]
                                         for x0, x1 in ((left, middle), (middle, right))],
                             "fill": [[0, 0, 0], [255, 255, 255]]})
    km = bar["length_km"]
    return [pdk.Layer("PolygonLayer", segments, get_polygon="polygon", get_fill_color="fill", stroked=True,
                      get_line_color=[0, 0, 0], line_width_min_pixels=1, pickable=False),
            _text([(left, top, "0"), (middle, top, f"{km / 2:g}"), (right, top, f"{km:g} km")], 12,
                  get_alignment_baseline=pdk.types.String("bottom"), get_pixel_offset=[0, -2]),
            _text([(middle, bottom, "比例尺 scale")], 11, get_alignment_baseline=pdk.types.String("top"),
                  get_pixel_offset=[0, 3])]


def north_arrow_layers(bounds, location: tuple[float, float] = (0.03, 0.97)) -> list[pdk.Layer]:
    """An arrow along a meridian (tip at ``location``, a fraction of ``bounds``) with 北 N under it."""
    minx, miny, maxx, maxy = bounds
    x, tip = minx + location[0] * (maxx - minx), miny + location[1] * (maxy - miny)
    height = 0.07 * (maxy - miny)
    half = 0.35 * height * KM_PER_DEGREE / _km_per_lon_degree(tip)  # as wide on the ground as the head is tall
    arrow = pd.DataFrame({"polygon": [[[[x, tip], [x + half, tip - height], [x, tip - 0.7 * height],
                                        [x - half, tip - height]]]]})
    return [pdk.Layer("PolygonLayer", arrow, get_polygon="polygon", get_fill_color=[20, 20, 20], stroked=True,
                      get_line_color=[255, 255, 255], line_width_min_pixels=1, pickable=False),
            _text([(x, tip - height, "北 N")], 13, font_weight=700, get_alignment_baseline=pdk.types.String("top"),
                  get_pixel_offset=[0, 3])]


def prefecture_layer(prefectures: gpd.GeoDataFrame) -> pdk.Layer:
    records = polygon_records(prefectures)
    return pdk.Layer("PolygonLayer", records, get_polygon="polygon", filled=False, stroked=True,
                     get_line_color=PREFECTURE_LINE, line_width_min_pixels=2, pickable=False)


PREFECTURE_NAME_PX, COUNTY_NAME_PX = 15, 12
PREFECTURE_NAME_OFFSET_PX = 4


def prefecture_names(prefectures: gpd.GeoDataFrame, lang: str) -> pdk.Layer:
    """Each prefecture's name above its seat, in white-outlined bold: 18 names do not collide at province zoom."""
    return _place_names(_prefecture_seats(prefectures, lang), PREFECTURE_NAME_PX, bold=True)


def _prefecture_seats(prefectures: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({"name": prefectures["name_zh"] if lang == "zh" else prefectures["name_en"],
                         "lon": prefectures["seat_lon"], "lat": prefectures["seat_lat"],
                         "offset_px": PREFECTURE_NAME_OFFSET_PX}).dropna()


def _place_names(names: pd.DataFrame, size_px: int, bold: bool = False) -> pdk.Layer:
    """Names at their points: bold ones above (prefectures), the others below their point's symbol (counties)."""
    rows = names.assign(pixel_offset=[[0, -offset if bold else offset] for offset in names["offset_px"]])
    return pdk.Layer("TextLayer", rows, get_position=["lon", "lat"], get_text="name", get_size=size_px,
                     size_units=PIXELS, get_color=[20, 20, 20] if bold else [50, 50, 50],
                     character_set=pdk.types.String("auto"), font_family=LABEL_FONT, font_weight=700 if bold else 400,
                     font_settings={"sdf": True}, outline_width=3 if bold else 2, outline_color=[255, 255, 255],
                     get_alignment_baseline=pdk.types.String("bottom" if bold else "top"),
                     get_pixel_offset="pixel_offset", pickable=False)


def county_names(demand: pd.DataFrame, prefectures: gpd.GeoDataFrame, symbols: pd.DataFrame, lang: str,
                 zoom: float) -> pdk.Layer:
    """County and county-level city names under their seat's symbol, where at the opening ``zoom`` they overlap no
    prefecture name, symbol (``symbols``: lon, lat, radius px) or more populous county's name. Districts are left to
    their prefecture's name (they sit in its seat)."""
    towns = demand[demand["kind"] != "district"].sort_values("population", ascending=False)
    seats = symbols.assign(lon=symbols["lon"].round(5), lat=symbols["lat"].round(5)).groupby(["lon", "lat"])["radius"].max()
    under = [seats.get((round(lon, 5), round(lat, 5)), 0.0) + 2 for lon, lat in zip(towns["lon"], towns["lat"])]
    names = pd.DataFrame({"name": towns["name_zh"] if lang == "zh" else towns["name_en"], "lon": towns["lon"],
                          "lat": towns["lat"], "offset_px": under}).dropna()
    taken = np.vstack([label_boxes(_prefecture_seats(prefectures, lang), zoom, PREFECTURE_NAME_PX, above=True),
                       symbol_boxes(symbols, zoom)])
    return _place_names(free_names(names, zoom, COUNTY_NAME_PX, taken), COUNTY_NAME_PX)


def seat_network_layer(links: pd.DataFrame) -> pdk.Layer:
    """The county-seat network (``Region.seat_links``): a one-pixel grey line between neighbouring counties' seats."""
    return pdk.Layer("LineLayer", links, id="seat-network", get_source_position=["a_lon", "a_lat"],
                     get_target_position=["b_lon", "b_lat"], get_color=SEAT_NETWORK, get_width=1, width_units=PIXELS,
                     pickable=False)


def road_layer(roads: gpd.GeoDataFrame) -> pdk.Layer:
    """The built network's main roads (motorway, trunk, primary), simplified for display, coloured by class."""
    lines = shapely.get_parts(shapely.simplify(roads.geometry.to_numpy(), DISPLAY_TOLERANCE_DEG))
    classes = np.repeat(roads["road_class"].to_numpy(), shapely.get_num_geometries(roads.geometry.to_numpy()))
    paths = pd.DataFrame({"path": [np.asarray(line.coords)[:, :2].round(5).tolist() for line in lines],
                          "colour": [ROAD_STYLE[c][0] for c in classes], "width": [ROAD_STYLE[c][1] for c in classes]})
    return pdk.Layer("PathLayer", paths, get_path="path", get_color="colour", get_width="width", width_units=PIXELS,
                     pickable=False)


def plant_colour_index(site_ids: pd.Series) -> dict[str, int]:
    """Serving plant → palette slot, in site order so neighbouring runs keep their colours."""
    return {site: i % len(COUNTY_PALETTE) for i, site in enumerate(sorted(site_ids.dropna().unique()))}


def _radius_px(capacity_tpd: pd.Series) -> pd.Series:
    """Dot area ∝ capacity: radius ∝ √(t/d), a few pixels at least."""
    return 3 + np.sqrt(capacity_tpd.clip(lower=0)) / 6


def diamonds(points: pd.DataFrame, capacity_tpd: pd.Series) -> list:
    """A diamond outline (lon/lat rings) per point, its area ∝ capacity: the food-waste plant symbol."""
    half = 0.03 + np.sqrt(capacity_tpd.clip(lower=0).to_numpy()) / 600  # degrees
    return [[[[x, y + h], [x + h, y], [x, y - h], [x - h, y], [x, y + h]]]
            for x, y, h in zip(points["lon"], points["lat"], half)]


def plan_deck(layers: dict, prefectures: gpd.GeoDataFrame, landfills: pd.DataFrame, lang: str,
              height_px: int = 640, tiles: str | None = None, roads: gpd.GeoDataFrame | None = None,
              links: pd.DataFrame | None = None) -> pdk.Deck:
    """Counties coloured by their serving plant, flows, plants sized by capacity, stopped landfills, prefectures;
    the county-seat network (``links``, ``Region.seat_links``); the main roads when a road network was built."""
    demand, plants, flows = layers["demand"], layers["plants"], layers["flows"]
    slots = plant_colour_index(demand["served_by"])
    counties = polygon_records(demand)
    counties["fill"] = [COUNTY_PALETTE[slots[s]] + [170] if s in slots else [240, 240, 240, 170]
                        for s in counties["served_by"]]
    counties["tip"] = [
        _tip(f"{place(r.name_zh, r.name_en)} · {place(r.prefecture_zh, r.prefecture_en)}",
             f"{t('msw_to_treat', lang)}: {r.msw_tpd:,.0f} t/d",
             f"→ {r.served_by_name_zh} · {r.haul_km:,.0f} km" if pd.notna(r.haul_km) else "")
        for r in counties.itertuples()]

    flow_rows = flows[flows["stream"] == "msw"].copy()
    flow_rows["width"] = (1 + flow_rows["tonnes_per_day"] / 400).clip(upper=8)
    flow_rows["tip"] = [
        _tip(f"{r.origin_name_zh} → {r.destination_name_zh}",
             t("tip_flow", lang, tpd=f"{r.tonnes_per_day:,.0f}", km=f"{r.km:,.0f}", tkm=f"{r.t_km_per_day:,.0f}"))
        for r in flow_rows.itertuples()]
    flow_rows = pd.DataFrame(flow_rows.drop(columns="geometry"))

    dots = pd.DataFrame(plants.drop(columns="geometry"))
    taking_raw = (dots["technology"] == "landfill") & (dots["raw_msw_tpd"] > 0)
    dots = dots[(dots["technology"] == "incinerator") | taking_raw].copy()
    dots["colour"] = [STATUS_COLOURS[s] for s in dots["status"]]
    size = dots["capacity_tpd"].where(dots["technology"] == "incinerator", dots["raw_msw_tpd"])
    dots["radius"] = _radius_px(size)
    dots["tip"] = [_plant_tip(r, lang) for r in dots.itertuples()]

    food_plants = pd.DataFrame(plants.drop(columns="geometry"))
    food_plants = food_plants[food_plants["technology"] == "digester"].copy()
    food_plants["polygon"] = diamonds(food_plants, food_plants["capacity_tpd"])
    food_plants["tip"] = [_plant_tip(r, lang) for r in food_plants.itertuples()]

    used = set(dots.loc[dots["technology"] == "landfill", "site_id"])
    stopped = landfills[~landfills["site_id"].isin(used)].copy()
    stopped["tip"] = [_tip(place(r.name_zh, r.name_en), t("stopped", lang)) for r in stopped.itertuples()]

    deck_layers = [
        pdk.Layer("PolygonLayer", counties, get_polygon="polygon", get_fill_color="fill", stroked=True,
                  get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True),
        *([seat_network_layer(links)] if links is not None else []),
        prefecture_layer(prefectures),
        *([road_layer(roads)] if roads is not None and len(roads) else []),
        pdk.Layer("LineLayer", flow_rows, get_source_position=["origin_lon", "origin_lat"],
                  get_target_position=["destination_lon", "destination_lat"], get_color=FLOW_COLOUR,
                  get_width="width", width_units=PIXELS, pickable=True),
        pdk.Layer("ScatterplotLayer", stopped, get_position=["lon", "lat"], get_fill_color=STATUS_COLOURS["stopped"],
                  get_radius=STOPPED_RADIUS_PX, radius_units=PIXELS, pickable=True),
        pdk.Layer("ScatterplotLayer", dots, get_position=["lon", "lat"], get_fill_color="colour", get_radius="radius",
                  radius_units=PIXELS, stroked=True, get_line_color=[0, 0, 0], line_width_min_pixels=1,
                  pickable=True),
        pdk.Layer("PolygonLayer", food_plants, get_polygon="polygon", get_fill_color=FOOD_WASTE_PLANT, stroked=True,
                  get_line_color=[0, 0, 0], line_width_min_pixels=1, pickable=True),
        county_names(demand, prefectures, pd.concat([dots[["lon", "lat", "radius"]], stopped[["lon", "lat"]].assign(
            radius=STOPPED_RADIUS_PX)]), lang, _view(demand, height_px).zoom),
        prefecture_names(prefectures, lang),
    ]
    return _deck(deck_layers, demand, height_px, tiles)


def diff_frames(base: dict, other: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(counties with change flag, incinerator sites with capacity in each run and a change kind)."""
    a = base["demand"].set_index("node_id")
    counties = other["demand"].copy()
    counties["served_by_base"] = counties["node_id"].map(a["served_by"])
    counties["served_by_base_name_zh"] = counties["node_id"].map(a["served_by_name_zh"])
    counties["changed"] = counties["served_by_base"].fillna("") != counties["served_by"].fillna("")

    def capacities(layers):
        plants = layers["plants"]
        return plants[plants["technology"] == "incinerator"].set_index("site_id")

    pa, pb = capacities(base), capacities(other)
    sites = pd.concat([pa, pb])
    sites = sites[~sites.index.duplicated()][["name_zh", "name_en", "lon", "lat"]].copy()
    sites["capacity_base"] = pa["capacity_tpd"].reindex(sites.index).fillna(0.0)
    sites["capacity_other"] = pb["capacity_tpd"].reindex(sites.index).fillna(0.0)
    sites["change"] = np.select(
        [sites["capacity_base"] == 0, sites["capacity_other"] == 0, sites["capacity_base"] != sites["capacity_other"]],
        ["opened_only", "closed_only", "capacity_changed"], "same")
    return counties, sites.reset_index()


def diff_deck(base: dict, other: dict, prefectures: gpd.GeoDataFrame, lang: str, height_px: int = 560,
              tiles: str | None = None, roads: gpd.GeoDataFrame | None = None,
              links: pd.DataFrame | None = None) -> pdk.Deck:
    """Counties whose serving plant changed, and plants built, dropped or resized between two runs; the county-seat
    network (``links``) under them."""
    counties, sites = diff_frames(base, other)
    records = polygon_records(counties)
    records["fill"] = [DIFF_COLOURS["reassigned" if c else "same"] + [200] for c in records["changed"]]
    records["tip"] = [
        _tip(f"{place(r.name_zh, r.name_en)} · {place(r.prefecture_zh, r.prefecture_en)}",
             f"{r.served_by_base_name_zh} → {r.served_by_name_zh}")
        for r in records.itertuples()]
    sites = sites[sites["change"] != "same"].copy()
    sites["colour"] = [DIFF_COLOURS[c] for c in sites["change"]]
    sites["radius"] = _radius_px((sites["capacity_other"] - sites["capacity_base"]).abs())
    sites["tip"] = [
        _tip(f"{place(r.name_zh, r.name_en)} · {t(r.change, lang)}",
             f"{r.capacity_base:,.0f} → {r.capacity_other:,.0f} t/d")
        for r in sites.itertuples()]
    layers = [
        pdk.Layer("PolygonLayer", records, get_polygon="polygon", get_fill_color="fill", stroked=True,
                  get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True),
        *([seat_network_layer(links)] if links is not None else []),
        prefecture_layer(prefectures),
        *([road_layer(roads)] if roads is not None and len(roads) else []),
        pdk.Layer("ScatterplotLayer", sites, get_position=["lon", "lat"], get_fill_color="colour",
                  get_radius="radius", radius_units=PIXELS, stroked=True, get_line_color=[0, 0, 0],
                  line_width_min_pixels=1, pickable=True),
        county_names(other["demand"], prefectures, sites[["lon", "lat", "radius"]], lang,
                     _view(counties, height_px).zoom),
        prefecture_names(prefectures, lang),
    ]
    return _deck(layers, counties, height_px, tiles)


def legend_html(entries: list[tuple[list[int], str, str]]) -> str:
    """Small HTML legend: (rgb, label, shape 'dot' | 'square' | 'line')."""
    shapes = {"dot": "border-radius:50%;width:12px;height:12px", "square": "width:14px;height:10px",
              "line": "width:18px;height:3px", "diamond": "width:10px;height:10px;transform:rotate(45deg)"}
    items = [f'<span style="display:inline-flex;align-items:center;margin-right:14px">'
             f'<span style="display:inline-block;{shapes[shape]};background:rgb({r},{g},{b});'
             f'border:1px solid #333;margin-right:5px"></span>{html.escape(label)}</span>'
             for (r, g, b, *_), label, shape in entries]
    return '<div style="line-height:2">' + "".join(items) + "</div>"


def road_legend(lang: str) -> list[tuple[list[int], str, str]]:
    return [(ROAD_STYLE[name][0], t(f"road_{name}", lang), "line") for name in ROAD_STYLE]


def plan_legend(lang: str, roads: bool = False) -> str:
    return legend_html([
        (STATUS_COLOURS["existing"], t("existing", lang), "dot"),
        (STATUS_COLOURS["expanded"], t("expanded", lang), "dot"),
        (STATUS_COLOURS["new"], t("new", lang), "dot"),
        (STATUS_COLOURS["landfill"], t("landfill", lang), "dot"),
        (STATUS_COLOURS["stopped"], t("stopped", lang), "dot"),
        (FOOD_WASTE_PLANT, t("digester", lang), "diamond"),
        (FLOW_COLOUR, t("flow", lang), "line"),
        (COUNTY_PALETTE[0], t("county_fill", lang), "square"),
        (PREFECTURE_LINE, t("prefecture_line", lang), "line"),
        (SEAT_NETWORK, t("seat_network", lang), "line"),
        *(road_legend(lang) if roads else []),
    ]) + f"<small>{html.escape(t('size_note', lang))}</small>"


def diff_legend(lang: str, roads: bool = False) -> str:
    return legend_html([
        (DIFF_COLOURS["opened_only"], t("opened_only", lang), "dot"),
        (DIFF_COLOURS["closed_only"], t("closed_only", lang), "dot"),
        (DIFF_COLOURS["capacity_changed"], t("capacity_changed", lang), "dot"),
        (DIFF_COLOURS["reassigned"], t("reassigned", lang), "square"),
        (PREFECTURE_LINE, t("prefecture_line", lang), "line"),
        (SEAT_NETWORK, t("seat_network", lang), "line"),
        *(road_legend(lang) if roads else []),
    ])


def route_deck(plan, county: gpd.GeoDataFrame, lang: str, height_px: int = 520, tiles: str | None = None) -> pdk.Deck:
    """One county's collection routes: a coloured line per truck, village stops, unloads at the plants, the garage."""
    layers = [pdk.Layer("PolygonLayer", polygon_records(county), get_polygon="polygon", filled=True, stroked=True,
                        get_fill_color=[240, 240, 240], get_line_color=PREFECTURE_LINE, line_width_min_pixels=2)]
    geo = plan.to_geodataframes()
    routes = geo["routes"]
    if len(routes):
        paths = pd.DataFrame({
            "path": [np.asarray(line.coords)[:, :2].round(5).tolist() for line in routes.geometry],
            "colour": [COUNTY_PALETTE[i % len(COUNTY_PALETTE)] for i in range(len(routes))],
            "tip": [_tip(f"{t('route_no', lang)} {r.route}", f"{r.stops} {t('route_stops', lang)} · "
                         f"{r.unloads} {t('route_unloads', lang)}", f"{r.km:,.1f} km · {r.hours:.1f} h · {r.start}–{r.end}")
                    for r in routes.itertuples()],
        })
        layers.append(pdk.Layer("PathLayer", paths, get_path="path", get_color="colour", width_min_pixels=3,
                                pickable=True))
    stops = geo["stops"]
    if len(stops):
        info = {s.stop_id: (s.name, s.load[0], s.synthetic) for s in plan.problem.stops}
        tips = [_tip(f"{info[i][0]} · {info[i][1]:.2f} t/d", t("synthetic_point", lang) if info[i][2] else "")
                for i in stops.place_id]
        points = pd.DataFrame({"lon": stops.geometry.x, "lat": stops.geometry.y, "tip": tips})
        layers.append(pdk.Layer("ScatterplotLayer", points, get_position=["lon", "lat"], get_fill_color=[60, 60, 60],
                                get_radius=3, radius_units=PIXELS, pickable=True))
    places = [(d.x, d.y, [31, 119, 180], f"{t('garage', lang)}: {d.name}") for d in plan.problem.depots]
    places += [(s.x, s.y, [214, 39, 40], f"{t('disposal_site', lang)}: {s.name}") for s in plan.problem.sites]
    marks = pd.DataFrame(places, columns=["lon", "lat", "colour", "tip"])
    layers.append(pdk.Layer("ScatterplotLayer", marks, get_position=["lon", "lat"], get_fill_color="colour",
                            get_line_color=[0, 0, 0], stroked=True, line_width_min_pixels=1, get_radius=9,
                            radius_units=PIXELS, pickable=True))
    marked = gpd.GeoDataFrame(geometry=gpd.points_from_xy(marks.lon, marks.lat), crs=county.crs)
    return _deck(layers, pd.concat([county[["geometry"]], marked]), height_px, tiles)
