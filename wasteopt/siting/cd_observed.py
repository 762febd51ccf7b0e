"""Re-planning from what happened (``cd.observed``, read by :mod:`wasteopt.cd.observed`): each county with manifests
generates what it manifested, and the store's licensed yards are existing yards holding the volume their fill left.

An observed yard keeps the store's ``site_id``, so a reconciliation against the new plan (``wasteopt cd reconcile
--plan``) sets its planned intake beside its actual. Its capacity: with ``cd.yard.track_volume`` one cell in use, its
gate taking the store's ``capacity_tpd`` (else ``max_intake_tpd``) and extended by cells as a new yard is; without,
the volume left spread over ``horizon_years`` as t/d (at most the store's ``capacity_tpd``), as a new yard's volume is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.scenario.cd import CD_CATEGORIES
from wasteopt.siting.cd_categories import cd_streams

if TYPE_CHECKING:  # for annotations only
    from wasteopt.cd.observed import ObservedCd
    from wasteopt.config.scenario.schema import Scenario

DAYS_PER_YEAR = 365.0


def observed_generation(scenario: Scenario, modelled: pd.DataFrame, observed: ObservedCd) -> pd.DataFrame:
    """``modelled`` (per node: ``<stream>_tpd`` of every county C&D stream and ``cd_generated_tpd``) with each
    observed county's figures replaced by its manifested t/d."""
    out = modelled.copy()
    tpd = observed.generation_tpd
    rows = out.index.astype(str).isin(tpd.index)
    by_row = tpd.reindex(out.index.astype(str)[rows])
    if scenario.cd.by_category:
        for category in CD_CATEGORIES:
            out.loc[rows, f"cd_{category}_tpd"] = by_row[category].to_numpy()
    else:
        out.loc[rows, "cd_tpd"] = by_row.sum(axis=1).to_numpy()
    out["cd_generated_tpd"] = out[[f"{stream}_tpd" for stream in cd_streams(scenario)]].sum(axis=1)
    return out


def observed_yard_sites(scenario: Scenario, observed: ObservedCd) -> pd.DataFrame:
    """The store's licensed yards as existing ``cd_yard`` sites (the columns of the scenario's site table), with
    ``existing_volume_m3``, the m³ each still holds."""
    yard = scenario.cd.yard
    yards = observed.yards
    store_tpd = yards["capacity_tpd"].astype(float)
    if yard.track_volume:
        capacity = store_tpd.fillna(yard.max_intake_tpd)
    else:
        by_volume = yards["volume_left_m3"] * yard.density_t_per_m3 / (yard.horizon_years * DAYS_PER_YEAR)
        capacity = pd.Series(np.fmin(by_volume, store_tpd.fillna(np.inf)), index=yards.index)
    return pd.DataFrame({
        "name_zh": yards["name"].astype(str), "name_en": "", "adcode": yards["adcode"].astype(str),
        "lon": yards["lon"].astype(float), "lat": yards["lat"].astype(float), "technology": "cd_yard",
        "existing_capacity_tpd": capacity.astype(float), "existing_modules": int(yard.track_volume), "is_new": False,
        "expandable": yard.track_volume, "kind": "existing_yard",
        "existing_volume_m3": yards["volume_left_m3"].astype(float)}, index=yards.index.rename("site_id"))
