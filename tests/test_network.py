"""Distances and sparse arcs: known distances, agreement with brute force, OD matrices, bad files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wasteopt.config.errors import DataError
from wasteopt.data.network import haversine_km, read_od_matrix, sparse_arcs

ZHENGZHOU = (113.659318, 34.759093)  # prefecture seats, WGS84 (seeds prefectures.csv)
LUOYANG = (112.42816, 34.663984)


def points(n: int, prefix: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lon": rng.uniform(110.4, 116.6, n), "lat": rng.uniform(31.4, 36.4, n)},
                        index=pd.Index([f"{prefix}{i:03d}" for i in range(n)], name="id"))


def brute_force(origins, destinations, max_km, circuity, k_nearest=0) -> pd.DataFrame:
    km = haversine_km(origins["lon"].to_numpy()[:, None], origins["lat"].to_numpy()[:, None],
                      destinations["lon"].to_numpy()[None, :], destinations["lat"].to_numpy()[None, :]) * circuity
    keep = km <= max_km
    if k_nearest:
        nearest = np.argsort(km, axis=1, kind="stable")[:, :k_nearest]
        keep[np.arange(len(origins))[:, None], nearest] = True
    i, j = np.nonzero(keep)
    arcs = pd.DataFrame({"origin": origins.index[i].astype(str), "destination": destinations.index[j].astype(str),
                         "km": km[i, j]})
    return arcs.sort_values(["origin", "destination"], ignore_index=True)


def test_haversine_zhengzhou_luoyang():
    # 113.0299 km: spherical law of cosines, R = 6371.0088 km, computed by hand with math.acos;
    # the WGS84-ellipsoid geodesic (pyproj Geod.inv) is 113.2749 km.
    assert haversine_km(*ZHENGZHOU, *LUOYANG) == pytest.approx(113.0299, abs=1e-3)
    assert haversine_km(*ZHENGZHOU, *LUOYANG) == pytest.approx(113.2749, rel=0.005)


def test_haversine_broadcasts():
    km = haversine_km(np.array([[ZHENGZHOU[0]], [LUOYANG[0]]]), np.array([[ZHENGZHOU[1]], [LUOYANG[1]]]),
                      np.array([ZHENGZHOU[0], LUOYANG[0]]), np.array([ZHENGZHOU[1], LUOYANG[1]]))
    assert km.shape == (2, 2) and km[0, 0] == 0 and km[0, 1] == pytest.approx(km[1, 0])


@pytest.mark.parametrize("k_nearest", [0, 3])
def test_sparse_arcs_equal_brute_force(k_nearest):
    origins, destinations = points(120, "o", seed=1), points(40, "d", seed=2)
    arcs = sparse_arcs(origins, destinations, max_km=150, circuity=1.3, k_nearest=k_nearest)
    expected = brute_force(origins, destinations, 150, 1.3, k_nearest)
    assert 0 < len(arcs) < len(origins) * len(destinations)
    pd.testing.assert_frame_equal(arcs, expected, check_dtype=False)


def test_k_nearest_keeps_far_pairs():
    origins = pd.DataFrame({"lon": [113.0], "lat": [34.0]}, index=["far"])
    destinations = pd.DataFrame({"lon": [116.0, 111.0, 113.0], "lat": [36.0, 32.0, 36.5]}, index=["a", "b", "c"])
    assert sparse_arcs(origins, destinations, max_km=50, circuity=1.3).empty
    arcs = sparse_arcs(origins, destinations, max_km=50, circuity=1.3, k_nearest=2)
    assert list(arcs["destination"]) == ["b", "c"] and (arcs["km"] > 50).all()


def test_sparse_arcs_is_deterministic_and_sorted():
    origins, destinations = points(200, "o", seed=3), points(50, "d", seed=4)
    first = sparse_arcs(origins.sample(frac=1, random_state=0), destinations, max_km=100, circuity=1.3)
    second = sparse_arcs(origins, destinations.sample(frac=1, random_state=1), max_km=100, circuity=1.3)
    pd.testing.assert_frame_equal(first, second)
    assert first.equals(first.sort_values(["origin", "destination"], ignore_index=True))


def test_od_matrix_gives_the_arcs_and_km():
    origins, destinations = points(3, "o", seed=5), points(3, "d", seed=6)
    matrix = pd.DataFrame({"origin": ["o001", "o000", "o000", "o002", "x"],
                           "destination": ["d000", "d002", "d001", "d001", "d000"],
                           "km": [500.0, 40.0, 90.0, 120.0, 1.0]})
    arcs = sparse_arcs(origins, destinations, max_km=100, circuity=1.3, od_matrix=matrix)
    assert arcs.to_dict("list") == {"origin": ["o000", "o000"], "destination": ["d001", "d002"], "km": [90.0, 40.0]}
    arcs = sparse_arcs(origins, destinations, max_km=100, circuity=1.3, k_nearest=1, od_matrix=matrix)
    assert list(zip(arcs["origin"], arcs["km"])) == [("o000", 90.0), ("o000", 40.0), ("o001", 500.0), ("o002", 120.0)]


def test_read_od_matrix_csv_and_parquet(tmp_path):
    frame = pd.DataFrame({"origin": ["410102", "410103"], "destination": ["C410102", "C410102"], "km": [0.0, 5.5]})
    frame.to_csv(tmp_path / "od.csv", index=False)
    frame.to_parquet(tmp_path / "od.parquet")
    for name in ("od.csv", "od.parquet"):
        pd.testing.assert_frame_equal(read_od_matrix(tmp_path / name), frame, check_dtype=False)


def test_read_od_matrix_reports_bad_rows(tmp_path):
    path = tmp_path / "od.csv"
    path.write_text("origin,destination,km\na,b,1\na,b,2\n,c,3\nd,e,-1\nf,g,far\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_od_matrix(path)
    message = str(caught.value)
    assert "4 problem(s)" in message
    for expected in ("row 2: duplicate pair a → b", "row 3: origin is empty", "row 4: km is negative",
                     "row 5: km is missing or not a number"):
        assert expected in message
    (tmp_path / "cols.csv").write_text("from,to,km\na,b,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        read_od_matrix(tmp_path / "cols.csv")
    with pytest.raises(DataError, match="not found"):
        read_od_matrix(tmp_path / "none.csv")
