"""The maps' base layer: the county-seat network built from the shipped county polygons (app map, difference map,
report maps, legends), and online XYZ tiles under the report's maps when a tile URL is set — served here from
127.0.0.1, never the internet; a failure leaves the maps without tiles and the report says so once."""
import io
import json
import re

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from PIL import Image
from tile_server import tile_server

from wasteopt import compute_kpis, export_plan, load_scenario, solve_scenario
from wasteopt.app.maps import diff_deck, diff_legend, plan_deck, plan_legend
from wasteopt.data.network import haversine_km
from wasteopt.data.region import load_region
from wasteopt.reporting.map_context import SEAT_NETWORK_LABEL
from wasteopt.reporting.report import write_report
from wasteopt.reporting.report import maps as report_maps

MAGENTA = (255, 0, 255)
FAILED = "online basemap tiles could not be loaded"


@pytest.fixture(scope="module")
def henan(root):
    return load_region(load_scenario(root / "configs" / "henan-2025.yaml"))


def _adcode(region, name: str) -> str:
    (adcode,) = region.demand.index[region.demand["name_zh"] == name]
    return adcode


def _linked(links, a: str, b: str) -> bool:
    return bool(((links["a"] == min(a, b)) & (links["b"] == max(a, b))).any())


def test_the_county_seat_network_links_the_seats_of_counties_that_touch(henan):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    links = henan.seat_links
    assert 300 <= len(links) <= 600  # 157 counties, ≈ 2.6 neighbours each
    assert henan.seat_links is links  # worked out once per Region
    zhengzhou = henan.prefecture_boundaries.set_index("name_zh").loc["郑州市"]
    seat = henan.demand.index[(henan.demand["lon"] == zhengzhou["seat_lon"]) & (henan.demand["lat"] == zhengzhou["seat_lat"])]
    assert henan.demand.loc[seat, "name_zh"].tolist() == ["金水区"]  # 郑州's seat district
    neighbours = set(links.loc[links["a"] == seat[0], "b"]) | set(links.loc[links["b"] == seat[0], "a"])
    assert _adcode(henan, "中牟县") in neighbours and _adcode(henan, "原阳县") in neighbours  # east; across the river
    assert _linked(links, _adcode(henan, "中原区"), _adcode(henan, "荥阳市"))
    assert not _linked(links, _adcode(henan, "林州市"), _adcode(henan, "固始县"))  # the far north and the far south-east
    assert not _linked(links, _adcode(henan, "中牟县"), _adcode(henan, "新密市"))  # both in 郑州, but they do not touch
    seats = henan.demand.loc[links["a"], ["lon", "lat"]].to_numpy()
    assert np.allclose(seats, links[["a_lon", "a_lat"]].to_numpy())
    lengths = haversine_km(links["a_lon"], links["a_lat"], links["b_lon"], links["b_lat"])
    assert lengths.max() < 150  # neighbours' seats, not far towns
    index = {adcode: i for i, adcode in enumerate(henan.demand.index)}
    graph = coo_matrix((np.ones(len(links)), (links["a"].map(index), links["b"].map(index))), shape=(157, 157))
    assert connected_components(graph, directed=False)[0] == 1  # every county reached: Henan is one piece


def test_at_township_resolution_the_network_still_joins_county_seats(tiny_seeds):
    counties = load_region(load_scenario(_config(tiny_seeds, tiny_seeds.parent / "c.yaml")))
    townships = load_region(load_scenario(_config(tiny_seeds, tiny_seeds.parent / "t.yaml", "townships: 12, ")))
    assert counties.seat_links[["a", "b"]].values.tolist() == [["411602", "411603"]]  # 川汇区 and 淮阳区 touch
    assert townships.seat_links[["a", "b"]].values.tolist() == [["411602", "411603"]]  # not 12 townships' worth of links
    seat = townships.demand[(townships.demand["county_adcode"] == "411602") & (townships.demand["township"] == 1)]
    assert townships.seat_links[["a_lon", "a_lat"]].values.tolist() == seat[["lon", "lat"]].values.tolist()


def _config(seeds, path, region_extra: str = ""):
    path.write_text(f"name: 周口两县\nregion: {{{region_extra}seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
                    "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 20, rel_gap: 0}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tiny_seeds, tmp_path_factory):
    """The tiny two-county plan solved and exported: (plan, run folder)."""
    folder = tmp_path_factory.mktemp("base")
    plan = solve_scenario(load_scenario(_config(tiny_seeds, folder / "s.yaml")))
    export_plan(plan, compute_kpis(plan), folder / "run")
    return plan, folder / "run"


def test_the_app_maps_draw_the_network_faint_under_everything_and_name_it_in_the_legend(run):
    plan, _ = run
    region, layers = plan.region, plan.to_geodataframes()
    for deck in (plan_deck(layers, region.prefecture_boundaries, region.landfills, "zh", links=region.seat_links),
                 diff_deck(layers, layers, region.prefecture_boundaries, "zh", links=region.seat_links)):
        drawn = json.loads(deck.to_json())["layers"]
        network = next(i for i, layer in enumerate(drawn) if layer.get("id") == "seat-network")
        assert network == 1 and drawn[0]["@@type"] == "PolygonLayer"  # right over the county fills
        assert len(drawn[network]["data"]) == len(region.seat_links) == 1
        assert drawn[network]["getColor"][3] < 160 and drawn[network]["getWidth"] == 1  # faint and thin
    assert "seat-network" not in plan_deck(layers, region.prefecture_boundaries, region.landfills, "zh").to_json()
    for legend in (plan_legend("zh"), diff_legend("zh")):
        assert "县城连线（相邻县）" in legend
    assert "county-seat network (neighbouring counties)" in plan_legend("en")


@pytest.fixture
def figures(monkeypatch):
    """The report's figures as drawn (each map's matplotlib Figure), beside the PNGs they become."""
    drawn = []
    png = report_maps.figure_png
    monkeypatch.setattr(report_maps, "figure_png", lambda fig: drawn.append(fig) or png(fig))
    monkeypatch.setattr("wasteopt.reporting.report.pdf.shutil.which", lambda name: None)
    monkeypatch.delenv("WASTEOPT_TILES", raising=False)
    return drawn


def _network(ax):
    return [c for c in ax.collections if isinstance(c, LineCollection) and c.get_label() == SEAT_NETWORK_LABEL]


def test_the_report_maps_carry_the_network_and_no_tiles_unless_a_url_is_set(run, figures):
    plan, folder = run
    page = write_report(folder, pdf=False)["html"].read_text(encoding="utf-8")
    assert len(figures) == 2  # plants and catchments, flows
    for fig in figures:
        ax = fig.axes[0]
        (network,) = _network(ax)
        assert len(network.get_segments()) == len(plan.region.seat_links) and network.get_zorder() < 2
        assert SEAT_NETWORK_LABEL in [text.get_text() for text in ax.get_legend().get_texts()]
        assert not ax.images  # offline by default
    assert "县城连线 county-seat network" in page and "basemap tiles" not in page


def test_the_report_maps_draw_tiles_from_the_url_in_the_setting(run, figures, monkeypatch):
    _, folder = run
    with tile_server(MAGENTA) as (template, asked):
        monkeypatch.setenv("WASTEOPT_TILES", template)  # the app's setting outside the app
        files = write_report(folder, pdf=False)
    page = files["html"].read_text(encoding="utf-8")
    assert page.count("在线底图瓦片 online basemap tiles: 127.0.0.1") == 1 and FAILED not in page
    zooms = {re.fullmatch(r"/(\d+)/\d+/\d+\.png", path).group(1) for path in asked}
    assert len(zooms) == 1 and len(asked) == len(set(asked))  # one zoom; both maps drawn from one fetch
    for fig in figures:
        (image,) = fig.axes[0].images
        assert image.get_zorder() == 0 and fig.axes[0].get_xlim()[0] >= image.get_extent()[0]  # under, covering
        assert "底图 tiles: 127.0.0.1" in [text.get_text() for text in fig.axes[0].texts]
    shown = np.asarray(Image.open(io.BytesIO(report_maps.figure_png(figures[1]))).convert("RGB"))
    pinkish = (shown[..., 0] > 200) & (shown[..., 1] < 150) & (shown[..., 2] > 200)
    assert pinkish.mean() > 0.05  # the tiles show through the flows map's pale fills


@pytest.mark.parametrize("server", ["refused", "not_found", "server_error"])
def test_a_tile_failure_draws_the_maps_without_tiles_and_says_so_once(run, figures, server):
    _, folder = run
    if server == "refused":
        files = write_report(folder, pdf=False, tiles="http://127.0.0.1:9/{z}/{x}/{y}.png")  # discard port: closed
        asked = []
    else:
        with tile_server(status=404 if server == "not_found" else 500) as (template, asked):
            files = write_report(folder, pdf=False, tiles=template + "?key=s3cret")  # a provider's key
    page = files["html"].read_text(encoding="utf-8")
    assert page.count(FAILED) == 1 and "127.0.0.1" in page and "s3cret" not in page
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 3  # both maps and the chart still drawn
    assert all(not fig.axes[0].images and _network(fig.axes[0]) for fig in figures)
    assert len(asked) <= 2 * len(set(asked))  # the second map asked nothing more (one retry per tile at most)
