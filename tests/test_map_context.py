"""Static map context: names that never overlap, a scale bar of a round length, a north arrow."""
import math

import geopandas as gpd
import pandas as pd
from shapely import box

from wasteopt.reporting.map_context import add_context, nice_length_km, scale_bar
from wasteopt.reporting.report.figures import new_figure, setup_fonts


def _map():
    setup_fonts()
    prefectures = gpd.GeoDataFrame({"name_zh": ["郑州市", "开封市"], "seat_lon": [113.66, 114.34],
                                    "seat_lat": [34.76, 34.80]},
                                   geometry=[box(113.0, 34.2, 114.0, 35.2), box(114.0, 34.2, 115.0, 35.2)], crs=4326)
    crowded = [f"尉氏{i}县" for i in range(12)]  # twelve names on one seat: eight positions around it
    counties = pd.DataFrame({"name_zh": ["中牟县", *crowded, "金水区"], "lon": [114.02] + [114.19] * 12 + [113.69],
                             "lat": [34.72] + [34.41] * 12 + [34.80], "population": [30, *range(12, 0, -1), 90]})
    fig = new_figure(6, 4)
    ax = fig.subplots()
    prefectures.boundary.plot(ax=ax)
    ax.scatter([114.02], [34.72], s=400)  # a plant symbol on 中牟's seat
    ax.set_axis_off()
    return fig, ax, prefectures, counties


def test_names_are_written_without_overlap_and_districts_are_left_to_their_prefecture():
    fig, ax, prefectures, counties = _map()
    shown = add_context(ax, prefectures, counties)
    names = [text.get_text() for text in ax.texts]
    assert "郑州市" in names and "开封市" in names and "金水区" not in names and "中牟县" in names
    crowded = [n for n in names if n.startswith("尉氏")]
    assert 2 <= len(crowded) <= 8 and crowded == [f"尉氏{i}县" for i in range(len(crowded))]  # the larger first
    assert shown == {"prefectures": 2, "counties": 1 + len(crowded)}
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer=renderer) for t in ax.texts if t.get_text().endswith(("市", "县"))]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plant = ax.transData.transform((114.02, 34.72))
    middle = next(t for t in ax.texts if t.get_text() == "中牟县").get_window_extent(renderer=renderer)
    assert not middle.contains(*plant)  # the name stands beside the plant, not on it
    assert "北 N" in names and "比例尺 scale" in names and "50 km" in names


def test_the_scale_bar_is_a_round_fifth_of_the_map_or_less():
    assert nice_length_km(600) == 100 and nice_length_km(180) == 25 and nice_length_km(10) == 5
    fig, ax, _, _ = _map()
    x0, x1 = ax.get_xlim()
    width_km = (x1 - x0) * 111.32 * math.cos(math.radians(sum(ax.get_ylim()) / 2))
    assert scale_bar(ax) in (25, 50) and scale_bar(ax) <= width_km / 4
