"""What a static map needs to be read: place names that do not collide, a scale bar, a north arrow and the
county-seat network.

Drawn with matplotlib on an axes in lon/lat degrees (geopandas keeps the aspect true at the map's
latitude). Only shipped data is used — the region's prefecture seats, county seats and county polygons — so the
maps need no network.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

KM_PER_DEGREE = 111.32  # along a meridian, and along the equator
NICE_KM = (5, 10, 20, 25, 50, 100, 200, 250, 500)
SEAT_NETWORK_RGB = (140, 140, 140)
SEAT_NETWORK_LABEL = "县城连线（相邻县）county-seat network (neighbouring counties)"


def _halo(width: float):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()


POSITIONS = tuple(position for gap in (3, 11) for position in (  # around the seat, in points: above first, then
    (0, gap, "center", "bottom"), (0, -gap, "center", "top"), (gap + 2, 0, "left", "center"),  # clear of a
    (-gap - 2, 0, "right", "center")))  # plant symbol standing on it


def place_labels(ax, places: pd.DataFrame, *, fontsize: float, colour: str = "#222222", weight: str = "normal",
                 taken: list | None = None, always: bool = False) -> list:
    """Write ``places`` (name, lon, lat; in priority order) beside their point, at the first position around it
    whose box overlaps no box already taken (``taken``: display pixels, extended in place). A place with no free
    position is left out, or with ``always`` written above its point anyway. Returns the texts drawn."""
    renderer = _renderer(ax.figure)
    taken = [] if taken is None else taken
    drawn = []
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    for name, lon, lat in places[["name", "lon", "lat"]].itertuples(index=False):
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            continue
        for i, (dx, dy, ha, va) in enumerate(POSITIONS):
            text = ax.annotate(name, (lon, lat), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                               color=colour, fontweight=weight, ha=ha, va=va, zorder=6,
                               path_effects=_halo(2.2 if weight == "bold" else 1.6))
            box = text.get_window_extent(renderer=renderer).expanded(1.06, 1.1)
            free = not any(box.overlaps(other) for other in taken)
            if free or (always and i == len(POSITIONS) - 1):
                if not free:  # no room anywhere: above the point, as the first position
                    text.remove()
                    dx, dy, ha, va = POSITIONS[0]
                    text = ax.annotate(name, (lon, lat), xytext=(dx, dy), textcoords="offset points",
                                       fontsize=fontsize, color=colour, fontweight=weight, ha=ha, va=va, zorder=6,
                                       path_effects=_halo(2.2 if weight == "bold" else 1.6))
                    box = text.get_window_extent(renderer=renderer)
                taken.append(box)
                drawn.append(text)
                break
            text.remove()
    return drawn


def symbol_boxes(ax) -> list:
    """The display boxes of every scatter symbol on ``ax`` (plants, landfills): labels keep off them."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Bbox

    boxes = []
    for collection in ax.collections:
        if not isinstance(collection, PathCollection) or not len(collection.get_offsets()):
            continue
        centres = collection.get_offset_transform().transform(collection.get_offsets())
        sizes = np.resize(collection.get_sizes() if len(collection.get_sizes()) else [36.0], len(centres))
        radii = np.sqrt(sizes) / 2 * ax.figure.dpi / 72  # marker size is an area in pt²
        boxes += [Bbox.from_extents(x - r, y - r, x + r, y + r) for (x, y), r in zip(centres, radii)]
    return boxes


def draw_seat_network(ax, links: pd.DataFrame) -> None:
    """The county-seat network (``Region.seat_links``): a thin grey line between the seats of every two counties
    whose boundaries touch, over the county fills and under everything else; once in the legend."""
    from matplotlib.collections import LineCollection

    segments = np.stack([links[["a_lon", "a_lat"]].to_numpy(float), links[["b_lon", "b_lat"]].to_numpy(float)], axis=1)
    ax.add_collection(LineCollection(segments, colors="#{:02x}{:02x}{:02x}".format(*SEAT_NETWORK_RGB), linewidths=0.45,
                                     alpha=0.7, zorder=1.5, label=SEAT_NETWORK_LABEL), autolim=False)


def nice_length_km(width_km: float) -> float:
    """A round bar length near a fifth of the map's width."""
    return max((km for km in NICE_KM if km <= width_km / 4), default=NICE_KM[0])


def scale_bar(ax, *, location: tuple[float, float] = (0.62, 0.05)) -> float:
    """A two-segment scale bar in km at ``location`` (axes fraction of its left end); returns its length in km."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mid_lat = (y0 + y1) / 2
    km_per_lon_degree = KM_PER_DEGREE * math.cos(math.radians(mid_lat))
    length_km = nice_length_km((x1 - x0) * km_per_lon_degree)
    length_deg = length_km / km_per_lon_degree
    left, bottom = x0 + location[0] * (x1 - x0), y0 + location[1] * (y1 - y0)
    height = 0.012 * (y1 - y0)
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(_rectangle(left + i * length_deg / 2, bottom, length_deg / 2, height, colour))
    for fraction, text in ((0.0, "0"), (0.5, f"{length_km / 2:g}"), (1.0, f"{length_km:g} km")):
        ax.text(left + fraction * length_deg, bottom + 1.6 * height, text, fontsize=8, ha="center", va="bottom",
                zorder=7, path_effects=_halo(2))
    ax.text(left + length_deg / 2, bottom - 0.6 * height, "比例尺 scale", fontsize=7, ha="center", va="top", zorder=7,
            color="#444444", path_effects=_halo(2))
    return length_km


def _rectangle(x: float, y: float, width: float, height: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), width, height, facecolor=colour, edgecolor="black", linewidth=0.8, zorder=7)


def north_arrow(ax, *, location: tuple[float, float] = (0.95, 0.93)) -> None:
    """An arrow pointing north with 北 N under it, at ``location`` (axes fraction of its tip)."""
    x, y = location
    ax.annotate("", xy=(x, y), xytext=(x, y - 0.07), xycoords="axes fraction",
                arrowprops={"facecolor": "black", "edgecolor": "black", "width": 4, "headwidth": 12, "headlength": 10},
                zorder=7)
    ax.text(x, y - 0.085, "北 N", transform=ax.transAxes, fontsize=9, fontweight="bold", ha="center", va="top",
            zorder=7, path_effects=_halo(2))


def region_labels(prefectures, counties: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(prefecture names at their seats, county names at their seats, larger counties first)."""
    seats = pd.DataFrame({"name": prefectures["name_zh"], "lon": prefectures["seat_lon"], "lat": prefectures["seat_lat"]})
    if "county_zh" in counties:  # township resolution: the county's name at its seat township
        counties = counties[counties["township"] == 1].assign(name_zh=counties["county_zh"])
    county_names = counties.sort_values("population", ascending=False) if "population" in counties else counties
    towns = pd.DataFrame({"name": county_names["name_zh"], "lon": county_names["lon"], "lat": county_names["lat"]})
    return seats.dropna(), towns[~towns["name"].str.endswith("区")]  # districts sit in their prefecture's seat


def add_context(ax, prefectures, counties: pd.DataFrame, *, county_names: bool = True) -> dict[str, int]:
    """Prefecture names (bold) and, where room is left, county names; a scale bar and a north arrow.
    Call after everything else is drawn (the axes limits must be final). Returns how many names were written."""
    ax.set_xlim(*ax.get_xlim())  # freeze the limits so labels and the bar agree
    ax.set_ylim(*ax.get_ylim())
    seats, towns = region_labels(prefectures, counties)
    before = set(ax.patches) | set(ax.texts)
    scale_bar(ax)
    north_arrow(ax)
    renderer = _renderer(ax.figure)
    furniture = [a for a in [*ax.patches, *ax.texts] if a not in before]  # the bar, the arrow, their words
    legend = ax.get_legend()
    taken = [a.get_window_extent(renderer=renderer) for a in furniture + ([legend] if legend else [])]
    taken += symbol_boxes(ax)
    shown = {"prefectures": len(place_labels(ax, seats, fontsize=10, weight="bold", taken=taken, always=True))}
    shown["counties"] = len(place_labels(ax, towns, fontsize=6, colour="#555555", taken=taken)) if county_names else 0
    return shown
