"""Distances and sparse arc lists: straight-line km × circuity, or a user OD matrix of road km.

No dense origin × destination matrix is ever built: candidate pairs come from a k-d tree on
3-D unit-sphere coordinates, so 10,000 × 2,000 nodes stay in seconds and modest memory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from wasteopt.config.errors import DataError
from wasteopt.data.tables import raise_problems
from wasteopt.config.userfiles import MAX_OD_BYTES, checked_file

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
ARC_COLUMNS = ["origin", "destination", "km"]


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle (straight-line) km between WGS84 points given in degrees; numpy broadcasting."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _unit_xyz(points: pd.DataFrame) -> np.ndarray:
    lon, lat = np.radians(points["lon"].to_numpy(float)), np.radians(points["lat"].to_numpy(float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _chord(straight_km: float) -> float:
    """Unit-sphere chord length of a great-circle distance in km."""
    return 2.0 * np.sin(min(straight_km / EARTH_RADIUS_KM, np.pi) / 2.0)


def _check_points(points: pd.DataFrame, what: str) -> None:
    missing = {"lon", "lat"} - set(points.columns)
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(sorted(missing))}")
    if not points.index.is_unique:
        raise DataError(f"{what}: ids (index) are not unique")
    bad = ~np.isfinite(points[["lon", "lat"]].to_numpy(float)).all(axis=1)
    if bad.any():
        raise DataError(f"{what}: no coordinates for id(s) {', '.join(map(str, points.index[bad][:10]))}")


def _rank(ids: pd.Index) -> np.ndarray:
    """Position of each id in string order, so integer sorts reproduce a sort by id."""
    order = np.argsort(ids.astype(str).to_numpy(), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def sparse_arcs(origins: pd.DataFrame, destinations: pd.DataFrame, *, max_km: float, circuity: float,
                k_nearest: int = 0, od_matrix: pd.DataFrame | None = None) -> pd.DataFrame:
    """Arcs origin → destination with road ``km`` ≤ ``max_km``, plus each origin's ``k_nearest`` destinations.

    ``origins``/``destinations``: index = id, columns lon, lat (WGS84 deg). Road km = straight km ×
    ``circuity``, or — with ``od_matrix`` (origin, destination, km) — the matrix km, and only the pairs it
    lists are arcs. Returns columns origin, destination (str), km (float), sorted by origin, destination.
    """
    if max_km < 0 or circuity <= 0 or k_nearest < 0:
        raise ValueError("max_km must be ≥ 0, circuity > 0 and k_nearest ≥ 0")
    _check_points(origins, "origins")
    _check_points(destinations, "destinations")
    if od_matrix is not None:
        return _matrix_arcs(origins, destinations, od_matrix, max_km, k_nearest)
    if len(origins) == 0 or len(destinations) == 0:
        return pd.DataFrame({"origin": pd.Series(dtype=str), "destination": pd.Series(dtype=str),
                             "km": pd.Series(dtype=float)})

    o_xyz, d_xyz = _unit_xyz(origins), _unit_xyz(destinations)
    lon_o, lat_o = origins["lon"].to_numpy(float), origins["lat"].to_numpy(float)
    lon_d, lat_d = destinations["lon"].to_numpy(float), destinations["lat"].to_numpy(float)
    tree = cKDTree(d_xyz)
    # A ball query between two trees (scipy's query_ball_point done tree-to-tree) returns index arrays
    # from C, never a Python list per origin; the radius is a slightly generous chord, haversine decides.
    near = cKDTree(o_xyz).sparse_distance_matrix(tree, _chord(max_km / circuity) * (1 + 1e-9) + 1e-12,
                                                  output_type="ndarray")
    i, j = near["i"].astype(np.int64), near["j"].astype(np.int64)
    km = haversine_km(lon_o[i], lat_o[i], lon_d[j], lat_d[j]) * circuity
    keep = km <= max_km
    i, j, km = i[keep], j[keep], km[keep]
    if k_nearest:
        k = min(k_nearest, len(destinations))
        _, nearest = tree.query(o_xyz, k=k, workers=-1)
        i_k = np.repeat(np.arange(len(origins), dtype=np.int64), k)
        j_k = np.asarray(nearest, dtype=np.int64).reshape(-1)
        km_k = haversine_km(lon_o[i_k], lat_o[i_k], lon_d[j_k], lat_d[j_k]) * circuity
        beyond = km_k > max_km  # the others are already arcs
        i, j, km = np.r_[i, i_k[beyond]], np.r_[j, j_k[beyond]], np.r_[km, km_k[beyond]]

    # Sorting integer ranks reproduces a sort by (origin id, destination id) without comparing strings.
    order = np.argsort(_rank(origins.index)[i] * len(destinations) + _rank(destinations.index)[j], kind="stable")
    i, j = i[order], j[order]
    return pd.DataFrame({  # take() on string arrays copies in C, unlike building strings from objects
        "origin": pd.array(origins.index.astype(str), dtype="str").take(i),
        "destination": pd.array(destinations.index.astype(str), dtype="str").take(j),
        "km": km[order],
    })


def _is_k_nearest(i: np.ndarray, j: np.ndarray, km: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k shortest arcs per origin ``i`` (ties broken by the destination order ``j``)."""
    order = np.lexsort((j, km, i))
    first = np.r_[0, np.flatnonzero(np.diff(i[order])) + 1]
    position = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    mask = np.zeros(len(order), dtype=bool)
    mask[order[position < k]] = True
    return mask


def _matrix_arcs(origins: pd.DataFrame, destinations: pd.DataFrame, od_matrix: pd.DataFrame,
                 max_km: float, k_nearest: int) -> pd.DataFrame:
    missing = set(ARC_COLUMNS) - set(od_matrix.columns)
    if missing:
        raise DataError(f"OD matrix: missing column(s) {', '.join(sorted(missing))}")
    arcs = pd.DataFrame({"origin": od_matrix["origin"].astype(str).to_numpy(),
                         "destination": od_matrix["destination"].astype(str).to_numpy(),
                         "km": od_matrix["km"].to_numpy(float)})
    arcs = arcs[arcs["origin"].isin(origins.index.astype(str)) & arcs["destination"].isin(destinations.index.astype(str))]
    arcs = arcs.sort_values(["origin", "destination"], ignore_index=True)
    if arcs.empty:
        return arcs
    keep = arcs["km"].to_numpy() <= max_km
    if k_nearest:
        i = pd.factorize(arcs["origin"])[0]
        j = pd.factorize(arcs["destination"], sort=True)[0]
        keep |= _is_k_nearest(i, j, arcs["km"].to_numpy(), k_nearest)
    return arcs[keep].reset_index(drop=True)


MAX_OD_KM = 10_000  # road km: more than any trip inside China; larger values are typos or overflow scaling


def read_od_matrix(path: str | Path, origins=None) -> pd.DataFrame:
    """Road distances from a CSV or Parquet file with columns origin, destination, km (≥ 0).

    Raises one :class:`DataError` listing every bad row (1-based data rows) or duplicate pair, and,
    given the ids of ``origins`` (the demand nodes), every one of them that no row starts from: ids that
    match nothing are a data error, not an "infeasible, no plant within reach".
    """
    path = checked_file(path, MAX_OD_BYTES, "OD matrix file")
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path, dtype={"origin": str, "destination": str})
    except FileNotFoundError:
        raise DataError(f"{path}: OD matrix file not found") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty") from None
    except Exception as error:  # pyarrow/parser errors have no common base class
        raise DataError(f"{path}: cannot read OD matrix: {error}") from None
    missing = set(ARC_COLUMNS) - set(df.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    if df.empty:
        raise DataError(f"{path}: OD matrix has no rows")

    problems = []
    for column in ("origin", "destination"):
        empty = df[column].isna().to_numpy() | (df[column].astype(str).str.strip() == "").to_numpy()
        problems += [f"row {r + 1}: {column} is empty" for r in np.flatnonzero(empty)]
    km = pd.to_numeric(df["km"], errors="coerce")
    problems += [f"row {r + 1}: km is missing or not a number ({df['km'].iat[r]!r})"
                 for r in np.flatnonzero(~np.isfinite(km.to_numpy(float)))]
    problems += [f"row {r + 1}: km is negative ({km.iat[r]:g})" for r in np.flatnonzero((km < 0).to_numpy())]
    problems += [f"row {r + 1}: km {km.iat[r]:g} is implausible (more than {MAX_OD_KM:,} km)"
                 for r in np.flatnonzero((km > MAX_OD_KM).to_numpy())]
    duplicated = df.duplicated(["origin", "destination"]).to_numpy()
    problems += [f"row {r + 1}: duplicate pair {df['origin'].iat[r]} → {df['destination'].iat[r]}"
                 for r in np.flatnonzero(duplicated)]
    raise_problems(path, problems)
    table = pd.DataFrame({"origin": df["origin"].astype(str).str.strip().to_numpy(),
                          "destination": df["destination"].astype(str).str.strip().to_numpy(),
                          "km": km.to_numpy(float)})
    if origins is not None:
        absent = sorted(set(map(str, origins)) - set(table["origin"]))
        if absent:
            listed = ", ".join(absent[:10]) + (f" … ({len(absent)} in all)" if len(absent) > 10 else "")
            example = table["origin"].iat[0]
            raise DataError(f"{path}: no row starts from origin(s) {listed}; origins must be the demand nodes' ids "
                            f"(county adcodes), row 1 has origin '{example}'")
    return table
