"""Groups of integer columns the local search frees together: a site and its nearest, or every stop decision."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd


if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.formulation.model import ModelIndex

NEIGHBOURHOOD_SITES = 15  # sites whose decisions the local search re-optimises together
NEAREST_PER_ORIGIN = 10   # an origin's nearest sites count as each other's neighbours


def site_neighbourhoods(idx: ModelIndex, arcs: pd.DataFrame, size: int = NEIGHBOURHOOD_SITES) -> list[np.ndarray]:
    """Per site with decisions: the integer columns of it and its ``size − 1`` nearest sites, plus the
    single-sourcing arcs of every origin that reaches them (so its waste can move between them)."""
    decisions = _decision_columns(idx)
    if not decisions:
        return []
    nearest = nearest_sites(arcs, set(decisions), size)
    moving_into = _single_sourcing_arcs(idx, arcs)
    groups = []
    for site in decisions:
        members = nearest.get(site, [site])
        cols = [c for s in members for c in decisions.get(s, [])] + moving_into(members)
        groups.append(np.unique(np.asarray(cols, dtype=np.int64)))
    return groups


def stop_neighbourhoods(idx: ModelIndex, arcs: pd.DataFrame) -> list[np.ndarray]:
    """One group with every keep-running / stop / restore decision and the single-sourcing arcs into those
    sites (none if there are fewer than two): stop targets (≥ 40 stopped, ≥ 20 restored) tie landfills
    across the province, so no group of nearby sites can trade a stop here for one there. Without stop
    targets each landfill's decision is its own, and the site groups suffice."""
    stops = [int(c) for table in (idx.site_running, idx.site_restored) for c in table.values()]
    if len(stops) < 2:
        return []
    cols = stops + _single_sourcing_arcs(idx, arcs)(idx.site_running)
    return [np.unique(np.asarray(cols, dtype=np.int64))]


def _single_sourcing_arcs(idx: ModelIndex, arcs: pd.DataFrame):
    """A function: sites → the single-sourcing arc columns of every origin that reaches one of them, so that
    a group freeing those sites also lets the origins' waste move between them."""
    single = np.flatnonzero(idx.arc_single)
    by_origin = pd.Series(idx.arc_var[single]).groupby(arcs["origin"].to_numpy()[single]).agg(list)
    origins_into = arcs.iloc[single].groupby("destination")["origin"].agg(set) if single.size else pd.Series(dtype=object)

    def of(sites) -> list[int]:
        origins = set().union(*(origins_into.get(s, set()) for s in sites))
        return [int(c) for o in origins for c in by_origin[o]]
    return of


def nearest_sites(arcs: pd.DataFrame, sites: set, size: int) -> pd.Series:
    """Per site in ``sites``: itself and its ``size − 1`` nearest among them.

    Nearness needs no map: two sites are as near as the shortest haul origin → one site plus origin →
    the other, over each origin's nearest sites.
    """
    near = (arcs[["origin", "destination", "km"]].sort_values("km", kind="stable")
            .groupby("origin", sort=False).head(NEAREST_PER_ORIGIN))
    near = near[near["destination"].isin(sites)]
    pairs = near.merge(near, on="origin")
    pairs = (pairs.assign(km=pairs["km_x"] + pairs["km_y"], own=pairs["destination_x"] != pairs["destination_y"])
             .groupby(["destination_x", "destination_y"], sort=False)[["own", "km"]].min()
             .reset_index().sort_values(["destination_x", "own", "km"], kind="stable"))
    return pairs.groupby("destination_x", sort=False)["destination_y"].agg(lambda s: list(s[:size]))


def _decision_columns(idx: ModelIndex) -> dict:
    """Site → its integer columns (size choice, modules, running, restored)."""
    decisions: dict = {}
    for table in (idx.site_y, idx.site_n):
        for site, cols in table.items():
            decisions.setdefault(site, []).extend(int(c) for c in cols)
    for table in (idx.site_running, idx.site_restored):
        for site, col in table.items():
            decisions.setdefault(site, []).append(int(col))
    return decisions
