"""The model's MSW per prefecture beside official figures (city-district clearance from the
China Urban Construction Statistical Yearbook, ``seeds/henan/official_msw_city_districts.csv``).

The yearbook counts waste cleared in the city districts (城区) only, so the model's figure it is set
beside is the collected MSW of the prefecture's districts (``kind`` = district); the whole
prefecture is shown too.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.errors import DataError
from wasteopt.data.region import load_region
from wasteopt.data.tables import read_table

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

OFFICIAL_FILE = "official_msw_city_districts.csv"
DAYS_PER_YEAR = 365.0


def demand_check(scenario: Scenario) -> pd.DataFrame:
    """One row per official figure: official 万 t/yr, the model's districts and whole prefecture (万 t/yr) in
    that year, and the districts' difference from the official figure (share)."""
    path = scenario.path(scenario.region.seeds) / OFFICIAL_FILE
    if not path.is_file():
        raise DataError(f"{path}: no official figures to compare with")
    official = read_table(path).astype({"prefecture_adcode": str, "year": int, "clearance_wan_t": float})
    rows = []
    for year, figures in official.groupby("year"):
        demand = load_region(scenario.with_changes({"region": {"target_year": int(year)}})).demand
        for figure in figures.itertuples():
            prefecture = demand[demand["prefecture_adcode"] == figure.prefecture_adcode]
            districts = prefecture[prefecture["kind"] == "district"]
            model_districts = districts["msw_generated_tpd"].sum() * DAYS_PER_YEAR / 1e4
            rows.append({"prefecture_adcode": figure.prefecture_adcode, "prefecture_zh": figure.prefecture_zh,
                         "year": int(year), "official_wan_t": figure.clearance_wan_t,
                         "model_districts_wan_t": round(model_districts, 2),
                         "model_prefecture_wan_t": round(prefecture["msw_generated_tpd"].sum() * DAYS_PER_YEAR / 1e4, 2),
                         "districts_vs_official": round(model_districts / figure.clearance_wan_t - 1, 3)})
    return pd.DataFrame(rows).sort_values(["prefecture_adcode", "year"]).reset_index(drop=True)
