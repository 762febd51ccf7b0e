"""Result types: a SitingPlan is an immutable plan with its solver status, convertible to (Geo)DataFrames."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import MultiPolygon, linestrings, points

if TYPE_CHECKING:  # a plan carries them; it reads none of their code
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.data.region import Region
    from wasteopt.siting.economics import Economics

CRS = "EPSG:4326"
# Map symbol per technology in the plants layer (GIS styles can key on it); the app draws the same shapes.
PLANT_SYMBOLS = {"digester": "diamond", "sorting_centre": "square", "transfer": "triangle"}
# Written into plan.gpkg's gpkg_contents and each GeoJSON's "description" (GIS tools show them).
LAYER_DESCRIPTIONS = {
    "plants": "处理设施（点）；in_place_tpd：来自设施所在地、不经运输的量 t/d / Plants (points); in_place_tpd: "
              "t/d served where the plant stands (no haul, so no line in flows)",
    "landfills": "填埋场（点）；in_place_tpd 同上 / Landfills (points); in_place_tpd as for plants",
    "demand": "县级单元需求（多边形）t/d / Demand per county (MultiPolygons), t/d",
    "flows": "运输流向（线）；起终点重合的就地处理不画线，记在设施点的 in_place_tpd（flows.csv 含全部流向） / "
             "Hauls (lines); a county served by a facility at its own place has no line: its tonnes are the "
             "facility point's in_place_tpd (flows.csv holds every flow)",
}
BREACH_TPD = 1e-3  # raw MSW above a policy cap (t/d) from which an evaluated plan breaks the policy


Interval = tuple[float, float]  # (low, high), CNY/yr: what the solves' proven gaps allow a figure to be


@dataclass(frozen=True)
class FuturesAssessment:
    """A plan for several futures beside each future's own plan and the mean-value problem's plan, every plan
    priced in every future, and what the solves' proven gaps allow each derived figure to be.

    futures: per future name, weight and its own optimum (``optimum_cny``, CNY/yr) with that solve's proven gap
      (``optimum_gap``); ``changes_zh`` / ``changes_en``: what the future changes, in words.
    outcomes: per plan ('robust', ``reference``, or the name of the future it was made for) and future: annual
      cost (``cost_cny``, plants fixed, flows chosen again; ``gap`` that evaluation's proven gap), raw MSW
      landfilled (``raw_msw_landfill_tpd``) and the part of it above the policy caps (``shortfall_tpd``: the caps
      priced at the gate fee instead of enforced); cost NaN when the plan cannot be operated there.
    central: the future with the largest weight, whose plan the linked solve starts from and whose operation
      the returned plan shows.
    reference: the plan the value of the stochastic solution is measured against: the mean-value problem's
      (expected growth and capture; Birge & Louveaux), solved to ``reference_gap``; None when it has no plan.
    robust_gap: the linked solve's proven gap; ``robust_bound_cny`` its bound on the least expected cost
      (objective ``expected`` only); rel_gap: the gap every solve was asked for.
    """

    objective: str
    policy_scope: str
    central: str
    futures: pd.DataFrame
    outcomes: pd.DataFrame
    reference: str | None = None
    reference_gap: float | None = None
    robust_gap: float | None = None
    robust_bound_cny: float | None = None
    rel_gap: float | None = None

    def expected_cost(self, plan: str) -> float:
        """Σ weight × cost of ``plan`` over the futures, CNY/yr (NaN if it fails in one)."""
        return self.expected_cost_interval(plan)[1]

    def expected_cost_interval(self, plan: str) -> Interval:
        """The expected cost of ``plan`` as its evaluations prove it (each to its own small gap), CNY/yr."""
        rows = self.outcomes[self.outcomes["plan"] == plan].set_index("future")
        weights = self.futures.set_index("name")["weight"]
        cost = rows["cost_cny"].reindex(weights.index)
        gap = rows["gap"].reindex(weights.index).fillna(0.0) if "gap" in rows else 0.0
        high = float((cost * weights).sum(min_count=len(weights)))
        low = float(((cost - gap * cost.abs().clip(lower=1.0)) * weights).sum(min_count=len(weights)))
        return low, high

    def breaches(self, plan: str) -> pd.DataFrame:
        """The futures in which ``plan`` breaks a policy that must hold in every future (raw MSW above the caps):
        future, shortfall_tpd; none under ``expected_only``, where the policy holds on the weighted mean."""
        rows = self.outcomes[(self.outcomes["plan"] == plan) & (self.outcomes["shortfall_tpd"] > BREACH_TPD)]
        if self.policy_scope != "every_future":
            rows = rows.iloc[:0]
        return rows[["future", "shortfall_tpd"]].reset_index(drop=True)

    def recourse_interval(self) -> Interval:
        """The least expected cost of one plan for all futures (the recourse problem), CNY/yr: at most the robust
        plan's, at least the linked solve's bound (with the expected-cost objective; else the robust plan's)."""
        low, high = self.expected_cost_interval("robust")
        if self.robust_bound_cny is not None:
            low = min(low, self.robust_bound_cny)
        return low, high

    def wait_and_see_interval(self) -> Interval:
        """Σ weight × each future's own optimum, CNY/yr, each between its proven bound and the plan found."""
        f = self.futures
        spread = f["optimum_gap"].fillna(math.inf) * f["optimum_cny"].abs().clip(lower=1.0)
        return float((f["weight"] * (f["optimum_cny"] - spread)).sum()), float((f["weight"] * f["optimum_cny"]).sum())

    @property
    def vss_unbounded(self) -> bool:
        """The mean-value plan breaks the policy in a future that must keep it: infeasible there, so its
        expected cost and the VSS are +∞ (Birge & Louveaux)."""
        return self.reference is not None and len(self.breaches(self.reference)) > 0

    @property
    def value_of_stochastic_solution(self) -> float | None:
        """E[cost of the mean-value plan] − E[cost of the robust plan], CNY/yr; +∞ when unbounded
        (``policy_premium`` then prices the breach at the gate fee instead); None without a mean-value plan."""
        if self.reference is None:
            return None
        if self.vss_unbounded:
            return math.inf
        return self.expected_cost(self.reference) - self.expected_cost("robust")

    def vss_interval(self) -> Interval | None:
        if self.reference is None or self.vss_unbounded:
            return None
        reference, recourse = self.expected_cost_interval(self.reference), self.recourse_interval()
        return reference[0] - recourse[1], reference[1] - recourse[0]

    @property
    def policy_premium(self) -> float | None:
        """E[cost of the robust plan] − E[cost of the mean-value plan with its shortfall landfilled at the gate
        fee], CNY/yr: what keeping the policy in every future costs a year; None when that plan keeps it."""
        if not self.vss_unbounded:
            return None
        return self.expected_cost("robust") - self.expected_cost(self.reference)

    def premium_interval(self) -> Interval | None:
        if not self.vss_unbounded:
            return None
        reference, recourse = self.expected_cost_interval(self.reference), self.recourse_interval()
        return recourse[0] - reference[1], recourse[1] - reference[0]

    @property
    def value_of_perfect_information(self) -> float:
        """E[cost of the robust plan] − Σ weight × each future's own optimum, CNY/yr."""
        return self.expected_cost("robust") - float((self.futures["weight"] * self.futures["optimum_cny"]).sum())

    def evpi_interval(self) -> Interval:
        recourse, wait_and_see = self.recourse_interval(), self.wait_and_see_interval()
        return recourse[0] - wait_and_see[1], recourse[1] - wait_and_see[0]

    def unreliable(self) -> list[str]:
        """The solves behind the figures that stopped above the gap asked for (each widens the intervals)."""
        if self.rel_gap is None:
            return []
        asked = self.rel_gap * (1 + 1e-6) + 1e-9
        solves = [(f"future {row.name} alone", row.optimum_gap) for row in self.futures.itertuples(index=False)]
        solves += [("mean-value problem", self.reference_gap)] if self.reference is not None else []
        solves += [("robust plan", self.robust_gap)]
        return [f"{name}: {'no gap proven' if gap is None or math.isnan(gap) else f'{100 * gap:.2f} %'}"
                for name, gap in solves if gap is None or math.isnan(gap) or gap > asked]


@dataclass(frozen=True)
class SitingPlan:
    """Where every stream goes, which plants exist/expand/open, and how sure the solver is.

    facilities: one row per used site (plants and landfills): site_id, name_zh, name_en,
      technology, status (existing | expanded | new | landfill), capacity_tpd, throughput_tpd,
      load_tpd (nameplate t/d the throughput uses: tonnes × the stream's capacity factor), utilisation
      (load / capacity), raw_msw_tpd, lon, lat, adcode, prefecture_adcode.
    flows: origin, destination, stream, tonnes_per_day, km, t_km_per_day, with names.
    demand: region demand per county plus the destination that serves its MSW.
    economics: the technology economics its problem was priced with (tariffs, capital, heating values).
    capacity_path: phased plans only: per year capacity (t/d), plants, raw MSW landfilled, landfills stopped;
      their facilities then carry year_built / year_stopped.
    """

    scenario: Scenario
    region: Region = field(repr=False)
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_seconds: float
    backend: str
    facilities: pd.DataFrame = field(repr=False)
    flows: pd.DataFrame = field(repr=False)
    demand: pd.DataFrame = field(repr=False)
    economics: Economics = field(repr=False)
    message: str = ""
    capacity_path: pd.DataFrame | None = field(default=None, repr=False)  # phased plans: one row per year
    futures: FuturesAssessment | None = field(default=None, repr=False)  # plans for several futures
    rel_gap: float | None = None  # the relative gap the solve was asked to stop at

    def to_frames(self) -> dict[str, pd.DataFrame]:
        return {"facilities": self.facilities, "flows": self.flows, "demand": self.demand}

    def to_geodataframes(self) -> dict[str, gpd.GeoDataFrame]:
        """Layers for GIS (EPSG:4326), one geometry type each (ArcGIS needs that): plants (points: incinerators
        and the other built facilities, with a ``symbol`` per technology: circle, or diamond for food-waste
        plants, square for sorting centres, triangle for transfer stations), landfills (points), demand (county
        MultiPolygons), flows (lines of non-zero length: see ``LAYER_DESCRIPTIONS``)."""
        fl = self.flows.reset_index(drop=True)
        origins = fl[["origin_lon", "origin_lat"]].to_numpy(float)
        destinations = fl[["destination_lon", "destination_lat"]].to_numpy(float)
        in_place = (origins == destinations).all(axis=1)  # would be a zero-length line: invalid in GIS
        served_in_place = fl[in_place].groupby("destination")["tonnes_per_day"].sum()
        fac = self.facilities.assign(symbol=self.facilities["technology"].map(PLANT_SYMBOLS).fillna("circle"))
        fac = fac.reset_index()
        fac["in_place_tpd"] = fac["site_id"].map(served_in_place).fillna(0.0)
        sites = gpd.GeoDataFrame(fac, geometry=points(fac["lon"], fac["lat"]), crs=CRS)
        is_landfill = (fac["technology"] == "landfill").to_numpy()
        counties = self.region.boundaries[["adcode", "geometry"]].set_index("adcode")
        demand = self.demand.copy()
        demand["geometry"] = multipolygons(counties["geometry"].reindex(demand.index).to_numpy())
        demand_gdf = gpd.GeoDataFrame(demand.reset_index(), geometry="geometry", crs=CRS)
        hauled = ~in_place
        lines = linestrings(np.stack([origins[hauled], destinations[hauled]], axis=1)) if hauled.any() else []
        flows = gpd.GeoDataFrame(fl[hauled].reset_index(drop=True), geometry=lines, crs=CRS)
        return {"plants": sites[~is_landfill].reset_index(drop=True), "landfills": sites[is_landfill].reset_index(drop=True),
                "demand": demand_gdf, "flows": flows}


def _polygons(geometry) -> list:
    if geometry is None or geometry.is_empty:
        return []
    if geometry.geom_type == "Polygon":
        return [geometry]
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [polygon for part in geometry.geoms for polygon in _polygons(part)]
    return []  # points and lines left over by make_valid have no area


def multipolygons(geometries) -> np.ndarray:
    """Each geometry as one MultiPolygon (its polygon parts; a county's slivers of lines and points dropped),
    None where there is none: a layer of one geometry type."""
    return np.array([MultiPolygon(parts) if (parts := _polygons(g)) else None for g in geometries], dtype=object)
