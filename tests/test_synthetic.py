"""Township generator: deterministic per seed, county totals kept, points inside their county; sparse scale model."""
import numpy as np
import pandas as pd
import pytest
import shapely

from wasteopt import ScenarioError, load_region, load_scenario
from wasteopt.bench.synthetic import allocate_nodes, generate_townships, measure_scale, township_problem


@pytest.fixture(scope="module")
def scenario(root):
    return load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")


@pytest.fixture(scope="module")
def region(scenario):
    return load_region(scenario)


def test_allocation_gives_every_county_a_node_and_sums_to_n():
    counts = allocate_nodes(pd.Series([100, 10, 1], index=list("abc")), 10)
    assert counts.to_dict() == {"a": 7, "b": 2, "c": 1}
    with pytest.raises(ScenarioError):
        allocate_nodes(pd.Series([1, 1, 1]), 2)


def test_same_seed_same_townships_other_seed_other_points(region):
    first, again = generate_townships(region, 400, 60, seed=7), generate_townships(region, 400, 60, seed=7)
    pd.testing.assert_frame_equal(first.nodes, again.nodes)
    pd.testing.assert_frame_equal(first.candidates, again.candidates)
    other = generate_townships(region, 400, 60, seed=8)
    assert not np.allclose(first.nodes["lon"], other.nodes["lon"])


def test_townships_keep_county_totals_and_lie_inside_their_county(region):
    towns = generate_townships(region, 400, 60, seed=1)
    assert len(towns.nodes) == 400 and len(towns.candidates) == 60
    totals = towns.nodes.groupby("adcode")["msw_tpd"].sum()
    np.testing.assert_allclose(totals.reindex(region.demand.index), region.demand["msw_tpd"], rtol=1e-12)
    shapes = region.boundaries.set_index("adcode").geometry
    sampled = towns.nodes[~towns.nodes["seat"]]
    inside = [shapely.contains_xy(shapes[code], lon, lat) for code, lon, lat in
              zip(sampled["adcode"], sampled["lon"], sampled["lat"])]
    assert all(inside)
    assert set(towns.candidates["node_id"]) <= set(towns.nodes.index)


def test_scale_problem_is_sparse_and_solves(scenario, region):
    towns = generate_townships(region, 300, 40, seed=0)
    problem = township_problem(scenario, region, towns, max_km=40, k_nearest=3)
    n_sites = len(problem.sites)
    assert len(problem.arcs) < 0.5 * len(towns.nodes) * n_sites  # far from the dense n × m
    assert problem.arcs.groupby("origin").size().min() >= 3
    row = measure_scale(scenario, 200, 30, seed=0, time_limit=5, rel_gap=0.05)
    assert row["nodes"] == 200 and row["arcs"] > 0 and row["peak_mb"] > 0
    assert row["status"] in ("optimal", "gap_reached", "time_limit")


def test_more_sites_than_nodes_is_refused(region):
    with pytest.raises(ScenarioError):
        generate_townships(region, 200, 201)


def test_peak_memory_of_a_spawned_child_is_its_own():
    # ru_maxrss would report the parent's peak here; the scale rows run in spawned children.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from wasteopt.bench.synthetic import peak_rss_mb

    ballast = np.ones(40_000_000)  # 320 MB in this (parent) process
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        child_peak = pool.submit(peak_rss_mb).result()
    assert peak_rss_mb() > 300 > child_peak > 0
    del ballast
