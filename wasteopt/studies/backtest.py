"""Backtest: would the model have told Henan to build what it built?

The MEE 2023 list dates every furnace, so the build-out after a baseline year is a natural
experiment; the plants reported in news after that snapshot (each with its source) extend it, as a
lower bound: the news table is not a census. A backtest solves the scenario from ``baseline_year``
(the plants in service then) to ``year`` with the capacity actually in service by ``year`` as the province capacity target,
and compares the model's new capacity and new plants per prefecture with the plants Henan built.

The runner: :func:`run_backtest` solves and scores, :func:`score_backtest` scores a plan solved elsewhere (a run
of ``wasteopt backtest``), :func:`add_backtest` adds the result to the plan's run folder. Reading it back is
:meth:`RunFolder.backtest`; :mod:`wasteopt.studies.results` puts it in words.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import ScenarioError
from wasteopt.data.network import haversine_km
from wasteopt.data.region import load_region

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.data.region import Region
    from wasteopt.siting.plan import SitingPlan

if TYPE_CHECKING:
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.registry import RunRegistry

WITHIN_SHARE = 0.25  # a prefecture "matches" when the modelled new capacity is within ±25 % of the built


@dataclass(frozen=True)
class BacktestScores:
    """How close the model's build-out is to the one Henan made (per prefecture and for the province)."""

    prefectures_within: int          # prefectures whose modelled new capacity is within ±25 % of the built (0 = 0 counts)
    prefectures: int
    correlation: float               # Pearson, new capacity per prefecture (t/d), model vs built
    model_new_plants: int
    built_new_plants: int
    model_new_capacity_tpd: float    # new plants plus expansions
    built_new_capacity_tpd: float
    mean_distance_km: float          # each built plant to the nearest new plant of the model, straight line
    fit_error: float                 # Σ|model − built| / Σ built + |plants − built plants| / built plants (0 = exact)


@dataclass(frozen=True)
class Backtest:
    baseline_year: int
    year: int
    capacity_target_tpd: float
    scores: BacktestScores
    prefectures: pd.DataFrame        # per prefecture: built and modelled new capacity and plants, within ±25 %
    built: pd.DataFrame              # the plants built after the baseline, with the km to the model's nearest new plant
    plan: SitingPlan

    @property
    def scores_reliable(self) -> bool:
        """The scores are those of one plan within the proven gap of the optimum cost; they are marked unreliable
        when that solve stopped above the gap asked for (a plan far from the optimum may score anything)."""
        asked = self.plan.rel_gap if self.plan.rel_gap is not None else self.plan.scenario.solver.rel_gap
        return self.plan.gap is not None and self.plan.gap <= asked * (1 + 1e-6) + 1e-9

    def summary(self) -> dict:
        """What backtest.json holds: the settings, the solve's status and gaps, and the scores."""
        return {"baseline_year": self.baseline_year, "year": self.year,
                "capacity_target_tpd": self.capacity_target_tpd, "scenario": self.plan.scenario.name,
                "status": self.plan.status, "gap": self.plan.gap, "rel_gap_asked": self.plan.rel_gap,
                "scores_reliable": self.scores_reliable, "scores": asdict(self.scores)}


MEE_SOURCE = "MEE 生活垃圾焚烧发电厂自动监测数据公开平台 (https://ljgk.envsc.cn/), snapshot 2023-04"


def built_between(region: Region, year: int) -> pd.DataFrame:
    """Plants that started after the region's baseline year and by ``year``: those of the MEE list (first
    furnace), then those reported in news after its snapshot; ``source`` says which (the news page's URL)."""
    news = region.news_plants
    news = news[news["start_year"] > region.generation["baseline_year"]].assign(source=news["source_url"])
    both = pd.concat([region.later_plants.assign(source=MEE_SOURCE), news[region.later_plants.columns.intersection(
        news.columns).tolist() + ["source"]]], ignore_index=True)
    return both[both["start_year"] <= year].reset_index(drop=True)


def known_through(region: Region) -> int:
    """The last year whose build-out the seeds know: the latest start in the MEE list or the news table."""
    return int(pd.concat([region.plants["start_year"], region.later_plants["start_year"],
                          region.news_plants["start_year"]]).max())


def backtest_scenario(scenario: Scenario, baseline_year: int, year: int) -> tuple[Scenario, Region]:
    """The scenario solved from ``baseline_year`` to ``year`` (single year), with the capacity actually in service
    by ``year`` (MEE list) as ``policy.province_capacity_target_tpd``; every other setting as ``scenario`` has it."""
    if year <= baseline_year:
        raise ScenarioError(f"--year {year} must come after --baseline-year {baseline_year}")
    years = scenario.with_changes({"region": {"baseline_year": baseline_year, "target_year": year},
                                   "phasing": {"years": []}, "name": f"{scenario.name} [回测 backtest {baseline_year}→{year}]"})
    region = load_region(years)
    latest = known_through(region)
    if year > latest:
        raise ScenarioError(f"--year {year}: the latest plant the seeds know (MEE list and news additions) started in "
                            f"{latest}, so the build-out after {latest} is not known")
    early = region.news_plants[region.news_plants["start_year"] <= baseline_year]
    if len(early):
        raise ScenarioError(f"--baseline-year {baseline_year}: {early['name_zh'].iloc[0]} (news additions) started by "
                            "then but is not in the MEE list the model starts from; choose an earlier baseline")
    in_service = float(region.plants["capacity_tpd"].sum() + built_between(region, year)["capacity_tpd"].sum())
    return years.with_changes({"policy": {"province_capacity_target_tpd": in_service}}), region


def prefecture_names(region: Region) -> pd.DataFrame:
    """prefecture_zh, prefecture_en indexed by prefecture_adcode."""
    return region.demand.drop_duplicates("prefecture_adcode").set_index("prefecture_adcode")[["prefecture_zh", "prefecture_en"]]


def score(prefectures: pd.DataFrame, facilities: pd.DataFrame, built: pd.DataFrame) -> tuple[BacktestScores, pd.DataFrame, pd.DataFrame]:
    """Scores, the per-prefecture table and ``built`` with ``nearest_model_km``, from the prefectures
    (:func:`prefecture_names`), a plan's facilities (technology, status, capacity_tpd, existing_capacity_tpd,
    prefecture_adcode, lon, lat) and the built plants (prefecture_adcode, capacity_tpd, lon, lat)."""
    plants = facilities[facilities["technology"] == "incinerator"]
    added = plants[plants["status"].isin(["new", "expanded"])]
    new = plants[plants["status"] == "new"]
    table = prefectures.assign(
        built_new_tpd=built.groupby("prefecture_adcode")["capacity_tpd"].sum(),
        built_new_plants=built.groupby("prefecture_adcode").size(),
        model_new_tpd=(added["capacity_tpd"] - added["existing_capacity_tpd"]).groupby(added["prefecture_adcode"]).sum(),
        model_new_plants=new.groupby("prefecture_adcode").size(),
    ).fillna({"built_new_tpd": 0.0, "built_new_plants": 0, "model_new_tpd": 0.0, "model_new_plants": 0})
    table = table.astype({"built_new_plants": int, "model_new_plants": int})
    built_tpd, model_tpd = table["built_new_tpd"].to_numpy(float), table["model_new_tpd"].to_numpy(float)
    table["within_25pct"] = np.abs(model_tpd - built_tpd) <= WITHIN_SHARE * built_tpd + 1e-6
    table.index.name = "prefecture_adcode"
    correlation = float(np.corrcoef(model_tpd, built_tpd)[0, 1]) if model_tpd.std() > 0 and built_tpd.std() > 0 else float("nan")

    built = built.copy()
    if len(new) and len(built):
        km = haversine_km(built["lon"].to_numpy()[:, None], built["lat"].to_numpy()[:, None],
                          new["lon"].to_numpy()[None, :], new["lat"].to_numpy()[None, :])
        built["nearest_model_km"] = km.min(axis=1)
        built["nearest_model_site"] = new.index.to_numpy()[km.argmin(axis=1)]
    else:
        built["nearest_model_km"], built["nearest_model_site"] = np.nan, None
    n_built = len(built)
    fit = (float(np.abs(model_tpd - built_tpd).sum()) / max(float(built_tpd.sum()), 1e-9)
           + abs(len(new) - n_built) / max(n_built, 1))
    scores = BacktestScores(
        prefectures_within=int(table["within_25pct"].sum()), prefectures=len(table), correlation=correlation,
        model_new_plants=len(new), built_new_plants=n_built, model_new_capacity_tpd=float(model_tpd.sum()),
        built_new_capacity_tpd=float(built_tpd.sum()),
        mean_distance_km=float(built["nearest_model_km"].mean()) if len(built) else float("nan"), fit_error=fit)
    return scores, table.reset_index(), built


def run_backtest(scenario: Scenario, baseline_year: int, year: int, *, time_limit: float | None = None) -> Backtest:
    """Solve the backtest scenario and score its plan against the MEE list."""
    from wasteopt.siting.pipeline import solve_scenario

    solved_scenario, region = backtest_scenario(scenario, baseline_year, year)
    return score_backtest(solve_scenario(solved_scenario, time_limit=time_limit, region=region), region,
                          baseline_year, year)


def score_backtest(plan: SitingPlan, region: Region, baseline_year: int, year: int) -> Backtest:
    """Score ``plan``, solved from :func:`backtest_scenario`, against the plants built by ``year``."""
    scores, prefectures, built = score(prefecture_names(region), plan.facilities, built_between(region, year))
    return Backtest(baseline_year, year, float(plan.scenario.policy.province_capacity_target_tpd), scores,
                    prefectures, built, plan)


BUILT_COLUMNS = ["site_id", "name_zh", "adcode", "prefecture_adcode", "start_year", "capacity_tpd", "location_basis",
                 "lon", "lat", "nearest_model_site", "nearest_model_km", "source"]


def add_backtest(backtest: Backtest, folder: RunFolder, registry: RunRegistry) -> dict[str, Path]:
    """Add the backtest (summary and scores, the table per prefecture, the plants built) to the run folder of its
    plan; the change is recorded in ``registry``."""
    return folder.add_backtest(backtest.summary(), backtest.prefectures, backtest.built[BUILT_COLUMNS], registry)
