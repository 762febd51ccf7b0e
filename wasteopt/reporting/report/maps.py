"""The report's static maps of Henan: plants and catchments, MSW flows, built vs modelled plants (backtest),
each with prefecture names, a scale bar, a north arrow and the county-seat network (map_context), the main roads
when the run's road km came from a network built with `wasteopt network build`, and online tiles under them when
a tile URL is set (tiles.Basemap)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.reporting.colours import ROAD_RGB, hex_colour
from wasteopt.reporting.map_context import add_context, draw_seat_network
from wasteopt.reporting.report.figures import STATUS_COLOURS, figure_png, new_figure
from wasteopt.reporting.report.names import STATUS_ZH

if TYPE_CHECKING:  # for annotations only
    import geopandas as gpd

    from wasteopt.data.region import Region
    from wasteopt.reporting.tiles import Basemap

ROAD_LINES = {"motorway": ("高速公路 motorway", 1.6), "trunk": ("干线公路 trunk road", 1.1), "primary": ("主干道 primary road", 0.6)}


def draw_main_roads(ax, roads: gpd.GeoDataFrame | None) -> None:
    """The built network's motorways, trunk and primary roads under the plan, each class once in the legend."""
    if roads is None or not len(roads):
        return
    for road_class, (label, width) in ROAD_LINES.items():
        lines = roads[roads["road_class"] == road_class]
        if len(lines):
            lines.plot(ax=ax, color="#{:02x}{:02x}{:02x}".format(*ROAD_RGB[road_class]), linewidth=width, zorder=2,
                       label=label)


def draw_base(ax, region: Region, basemap: Basemap | None, fill_alpha: float = 0.35) -> None:
    """Under the plan, right after the county fills: the online tiles (if set and fetched; the fills then let
    them through at ``fill_alpha``) and the county-seat network."""
    if basemap is not None:
        basemap.draw(ax, fills=list(ax.collections), fill_alpha=fill_alpha)
    draw_seat_network(ax, region.seat_links)


def map_plants_catchments(region: Region, facilities: pd.DataFrame, demand: pd.DataFrame,
                          roads: gpd.GeoDataFrame | None = None, basemap: Basemap | None = None) -> bytes:
    """Counties coloured by the plant that serves them; plants sized by capacity, coloured by status."""
    fig = new_figure(8, 8)
    ax = fig.subplots()
    counties = region.boundaries.merge(demand[["served_by"]], left_on="adcode", right_index=True, how="left")
    codes = pd.factorize(counties["served_by"])[0]
    counties.assign(colour=np.where(codes >= 0, codes % 20, np.nan)).plot(
        ax=ax, column="colour", cmap="tab20", edgecolor="white", linewidth=0.3, missing_kwds={"color": "#eeeeee"})
    draw_base(ax, region, basemap, fill_alpha=0.6)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    draw_main_roads(ax, roads)
    plants = facilities[facilities["technology"] == "incinerator"]
    for status, colour in STATUS_COLOURS.items():
        rows = plants[plants["status"] == status]
        ax.scatter(rows["lon"], rows["lat"], s=rows["capacity_tpd"] / 15, color=colour, edgecolor="black",
                   linewidth=0.5, alpha=0.85, label=f"{STATUS_ZH[status]} ({len(rows)})", zorder=3)
    landfills = facilities[(facilities["technology"] == "landfill") & (facilities["raw_msw_tpd"] > 0)]
    if len(landfills):
        ax.scatter(landfills["lon"], landfills["lat"], marker="^", color=hex_colour("landfill"), s=30, zorder=3,
                   label=f"接收原生垃圾的填埋场 landfill taking raw MSW ({len(landfills)})")
    food_plants = facilities[facilities["technology"] == "digester"]
    if len(food_plants):  # the app's symbol: purple diamonds
        ax.scatter(food_plants["lon"], food_plants["lat"], marker="D", color="#9467bd", edgecolor="black",
                   linewidth=0.5, s=food_plants["capacity_tpd"] / 6, zorder=4,
                   label=f"厨余垃圾处理厂 food-waste plant ({len(food_plants)})")
    ax.set_title("焚烧厂与服务范围 Plants and catchments (圆面积 ∝ 能力 t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
    return figure_png(fig)


def map_flows(region: Region, facilities: pd.DataFrame, flows: pd.DataFrame,
              roads: gpd.GeoDataFrame | None = None, basemap: Basemap | None = None) -> bytes:
    """MSW flows county → plant, line width ∝ t/d."""
    from matplotlib.collections import LineCollection

    fig = new_figure(8, 8)
    ax = fig.subplots()
    region.boundaries.plot(ax=ax, color="#f4f4f4", edgecolor="#cccccc", linewidth=0.3)
    draw_base(ax, region, basemap)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#888888", linewidth=0.6)
    draw_main_roads(ax, roads)
    msw = flows[flows["stream"] == "msw"]
    segments = np.stack([msw[["origin_lon", "origin_lat"]].to_numpy(float),
                         msw[["destination_lon", "destination_lat"]].to_numpy(float)], axis=1)
    into_landfill = (msw["destination_technology"] == "landfill").to_numpy()
    widths = 0.3 + 3.0 * msw["tonnes_per_day"].to_numpy(float) / max(float(msw["tonnes_per_day"].max() or 1), 1.0)
    ax.add_collection(LineCollection(segments, linewidths=widths, alpha=0.6,
                                     colors=np.where(into_landfill, "#6e4b2a", "#2471a3")))
    plants = facilities[facilities["technology"] == "incinerator"]
    ax.scatter(plants["lon"], plants["lat"], s=12, color="#c0392b", zorder=3, label="焚烧厂 plant")
    ax.plot([], [], color="#2471a3", label="去焚烧 to incineration")
    if into_landfill.any():
        ax.plot([], [], color="#6e4b2a", label="去填埋 to landfill")
    ax.set_title("生活垃圾流向 MSW flows (线宽 ∝ t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
    return figure_png(fig)


def map_backtest(region: Region, facilities: pd.DataFrame, built: pd.DataFrame,
                 basemap: Basemap | None = None) -> bytes:
    """Plants Henan built after the baseline beside the new and expanded plants of the model."""
    fig = new_figure(8, 8)
    ax = fig.subplots()
    region.boundaries.plot(ax=ax, color="#f4f4f4", edgecolor="white", linewidth=0.3)
    draw_base(ax, region, basemap)
    region.prefecture_boundaries.boundary.plot(ax=ax, color="#333333", linewidth=0.8)
    plants = facilities[(facilities["technology"] == "incinerator") & facilities["status"].isin(["new", "expanded"])]
    added = plants["capacity_tpd"] - plants["existing_capacity_tpd"]
    ax.scatter(built["lon"], built["lat"], s=built["capacity_tpd"] / 8, facecolor="none", edgecolor="#1f4e9c",
               linewidth=1.6, label=f"实际新建 built ({len(built)}, {built['capacity_tpd'].sum():,.0f} t/d)", zorder=3)
    for status, marker in (("new", "o"), ("expanded", "s")):
        rows = plants["status"] == status
        ax.scatter(plants.loc[rows, "lon"], plants.loc[rows, "lat"], s=added[rows] / 8, marker=marker,
                   color=STATUS_COLOURS[status], alpha=0.6, edgecolor="black", linewidth=0.4,
                   label=f"模型{STATUS_ZH[status]} model ({int(rows.sum())}, {added[rows].sum():,.0f} t/d)", zorder=4)
    ax.set_title("实建与模型新增焚烧能力 Built vs modelled new plants (面积 ∝ 新增 t/d)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_axis_off()
    add_context(ax, region.prefecture_boundaries, region.demand)
    return figure_png(fig)
