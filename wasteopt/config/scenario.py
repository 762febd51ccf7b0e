"""Scenario: everything a planner can change, validated strictly, loaded from YAML.

Units live in field names (``_tpd`` = tonnes per day, ``_km``, ``_wan_cny`` = 10^4 CNY,
``_cny_per_t``). ``extends: other.yaml`` merges a base scenario under this one, so a
variant file holds only its differences. Validation errors name the key path and the
YAML file and line it came from.
"""
from __future__ import annotations

import functools
import hashlib
import json
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wasteopt.config.errors import ScenarioError
from wasteopt.config.userfiles import MAX_YAML_BYTES, read_capped, shown
MAX_EXTENDS_DEPTH = 8
# Physical bounds on every number a planner can set, far beyond any real value, so a typo such as 1e300
# or -1e300 is refused with its key and line instead of overflowing the MILP or yielding cost None.
MAX_TPD = 10_000_000  # t/d: ten times China's whole collected MSW
MAX_KM = 2_000  # road km: longer than any haul inside a province
MAX_WAN_CNY = 10_000_000  # 万元 (100 bn CNY) per site, line or year
MAX_CNY_PER_T = 10_000  # CNY per tonne
MAX_CNY_PER_T_KM = 100  # CNY per tonne-km
MAX_COUNT = 100_000  # plants, landfills, households-free counts
MAX_YAML_DEPTH = 32  # a scenario nests 4 levels; deep nesting only exhausts the parser's recursion
MAX_PROBLEMS_SHOWN = 20  # problems listed in one message; the rest are counted
MAX_PROBLEM_CHARS = 300  # a key or value quoted in a problem is cut here


class _Section(BaseModel):
    # NaN and ±inf pass ``ge``/``le``-free fields and poison the MILP's costs: refuse them everywhere.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class UrbanRural(_Section):
    urban: float = Field(ge=0, le=10)
    rural: float = Field(ge=0, le=10)


class UrbanRuralShare(_Section):
    urban: float = Field(ge=0, le=1)
    rural: float = Field(ge=0, le=1)


class RegionSettings(_Section):
    seeds: str = Field("seeds/henan", description="folder with counties.csv, plants, boundaries")
    baseline_year: int = Field(2020, ge=2000, le=2050, description="plants whose first furnace started in or before this year exist")
    target_year: int = Field(2025, ge=2000, le=2060, description="year the demand is projected to")
    landfills_file: str | None = Field(None, description="CSV of landfills (site_id,name_zh,adcode,lon,lat); default: one assumed per county seat")
    candidate_sites_file: str | None = Field(None, description="CSV of candidate plant sites (site_id,name_zh,adcode,lon,lat); default: county seats")

    @model_validator(mode="after")
    def _years_ordered(self):
        if self.target_year < self.baseline_year:
            raise ValueError(f"target_year {self.target_year} is before baseline_year {self.baseline_year}")
        return self


# Henan's factor, fitted once: the default rates and growth (1.1 / 0.52 kg/cap/d, collection 1.0 / 0.95, 2 %/yr)
# give 87,512 t/d in 2023 from the 2020 census; × 0.822748 = 72,000 t/d observed (tests/test_region.py checks it).
HENAN_CALIBRATION_FACTOR = 0.822748


class Calibration(_Section):
    """The step from modelled to observed collected MSW: every node's MSW × ``factor``."""

    total_tpd: float = Field(gt=0, le=MAX_TPD, description="observed collected MSW of the region in ``year``, t/d "
                             "(what ``factor`` was fitted to)")
    year: int = Field(ge=2000, le=2060)
    source: str = Field("", max_length=1000)
    factor: float | None = Field(None, gt=0, le=10, description=(
        "× every node's collected MSW. A number: fitted once and held, so the per-capita rates, collection "
        "rates and growth change the total from there (the default, fitted to Henan's 2023 total at the "
        "default rates). null: fitted in every run so the modelled total in ``year`` equals ``total_tpd``; "
        "the per-capita rates and growth then only move MSW between counties (the app and report say so)"))


class DemandSettings(_Section):
    msw_kg_per_capita_day: UrbanRural = UrbanRural(urban=1.1, rural=0.52)
    collection_rate: UrbanRuralShare = UrbanRuralShare(urban=1.0, rural=0.95)
    growth_per_year: float = Field(0.02, ge=-0.2, le=0.3, description="growth of collected MSW per year from 2020")
    sorted_out_share: float = Field(0.0, ge=0, le=0.9, description="shorthand when sorting is off: share of MSW "
                                    "diverted by source sorting (kitchen waste) before the plants; it is paid for "
                                    "(sorted_out_cost_cny_per_t) and leaves residual waste hotter (sorting.heating_value); "
                                    "must be 0 with sorting.enabled (the capture rates say what is diverted)")
    sorted_out_cost_cny_per_t: float | None = Field(None, ge=0, le=MAX_CNY_PER_T, description=(
        "cost of a tonne the shorthand diverts; null = a food-waste plant's: digester opex − revenue + priced CO2e "
        "+ the capital of one full largest line per t [derived from sorting.digester, all [assumption]]"))
    calibration: Calibration | None = Field(Calibration(
        total_tpd=72000, year=2023, factor=HENAN_CALIBRATION_FACTOR,
        source="DOMAIN.md §2.1: Henan harmless-treated MSW ≈ 4.9 万 t/d incinerated / 0.68 share (2023)",
    ), description="modelled → observed collected MSW (see Calibration); null: no calibration (factor 1)")


class NetworkSettings(_Section):
    circuity: float = Field(1.3, ge=1.0, le=3.0, description="road km per straight-line km")
    max_haul_km: float = Field(150, gt=0, le=MAX_KM, description="longest allowed haul, road km")
    k_nearest: int = Field(0, ge=0, le=50, description="also keep this many nearest sites per node beyond max_haul_km")
    od_matrix_file: str | None = Field(None, description="CSV/Parquet with origin,destination,km instead of haversine")
    osm_file: str | None = Field(None, description="OSM extract (.osm.pbf/.osm): `wasteopt route` drives on its roads")
    road_speeds_kmh: dict[str, Annotated[float, Field(ge=0, le=200)]] = Field({}, max_length=100, description="truck km/h per OSM highway class over the defaults; 0 drops a class")
    snap_tolerance_m: float = Field(1000, gt=0, le=50000, description="farthest a point may lie from the road network, m")


class TransportSettings(_Section):
    msw_cny_per_t_km: float = Field(0.8, ge=0, le=MAX_CNY_PER_T_KM, description="trunk haul county → plant [assumption, DOMAIN §2.7]")
    ash_cny_per_t_km: float = Field(0.8, ge=0, le=MAX_CNY_PER_T_KM)
    co2_kg_per_t_km: float = Field(0.1, ge=0, le=10, description="diesel, loaded t·km incl. empty return [derived, DOMAIN §2.7]")


class PowerTariff(_Section):
    """Electricity revenue of a waste-to-energy plant by vintage (CNY/kWh incl. VAT). Plants in service at the
    baseline year get the subsidised settlement for the part of their subsidy hours left in the target year; new
    plants sell at the coal benchmark plus ``new_plant_subsidy_share`` of the subsidy."""

    on_grid_kwh_per_t: float = Field(330, ge=0, le=2000, description=(
        "kWh sold per t burnt: 400 gross less 15–20 % own use [assumption, no retrieved source for own use]"))
    subsidised_kwh_per_t: float = Field(280, ge=0, le=2000, description=(
        "kWh per t received paid the national WtE price [src: 发改价格〔2012〕801号, "
        "en.sdpea.org/newsshow.php?cid=18&id=64]"))
    subsidised_cny_per_kwh: float = Field(0.65, ge=0, le=10, description="national WtE price [src: 发改价格〔2012〕801号]")
    coal_benchmark_cny_per_kwh: float = Field(0.3779, ge=0, le=10, description=(
        "Henan coal-fired benchmark (燃煤发电基准价), paid for kWh beyond the subsidised block and by plants "
        "without subsidy [assumption: the published Henan figure as commonly quoted; the notice was not retrieved]"))
    subsidy_full_load_hours: float = Field(82500, ge=0, le=1_000_000, description=(
        "lifetime subsidised full-load hours (全生命周期合理利用小时数) [src, weak re-post: "
        "财建〔2020〕426号 as reported in oldhukaiwen.com/news/202108202647.html]"))
    full_load_hours_per_year: float = Field(6900, gt=0, le=8760, description=(
        "generator full-load hours a year [derived: 400 kWh/t gross × 0.9 availability × 365 / 19 kW per t/d "
        "(Henan WtE plan 2018–2030: 160 万 kW for 8.4 万 t/d, news.zynews.cn/eyes/2018-11/24/content_11594531.htm)]"))
    new_plant_subsidy_share: float = Field(0.0, ge=0, le=1, description=(
        "share of the subsidised settlement a new plant gets: since 2021 new WtE projects get central subsidy "
        "only by competitive allocation (2 亿元 nationally in 2021), at 40 % central share in Henan with the rest "
        "from local budgets [src: 发改能源〔2021〕1190号, cinic.org.cn/hy/ny/1146392.html]; 0 = none "
        "[assumption]"))

    def subsidised_cny_per_t(self) -> float:
        """Revenue per t burnt under the 801 settlement: the subsidised block, the rest at the benchmark."""
        block = min(self.subsidised_kwh_per_t, self.on_grid_kwh_per_t)
        return block * self.subsidised_cny_per_kwh + (self.on_grid_kwh_per_t - block) * self.coal_benchmark_cny_per_kwh

    def market_cny_per_t(self) -> float:
        """Revenue per t burnt with every kWh at the coal benchmark."""
        return self.on_grid_kwh_per_t * self.coal_benchmark_cny_per_kwh

    def subsidised_share(self, start_year: int, year: int) -> float:
        """Share of ``year``'s output a plant that started in ``start_year`` still sells under subsidy."""
        years = self.subsidy_full_load_hours / self.full_load_hours_per_year
        return min(1.0, max(0.0, years - (year - start_year)))


class IncineratorSettings(_Section):
    line_sizes_tpd: list[Annotated[float, Field(gt=0, le=10000)]] = Field([300.0, 500.0, 750.0], min_length=1, max_length=20)
    max_lines_per_site: int = Field(6, ge=1, le=20)
    # 5,000 (was 10,000 [assumption]): the best fit to the 2021–22 build-out in the calibration grid
    # (configs/calibration/henan.yaml; scores in README "Backtest": 10,000 opened half the plants Henan built),
    # and closer to the small-plant project costs of DOMAIN §2.3 (no economy of scale in capex, §2.4).
    site_cost_wan_cny: float = Field(5000, ge=0, le=MAX_WAN_CNY, description="fixed cost of a new site (land, grid, leachate, ash plant) "
                                     "[derived: calibrated against the 2021–22 build-out and DOMAIN §2.3 project costs]")
    line_fixed_cost_wan_cny: float = Field(3000, ge=0, le=MAX_WAN_CNY, description="fixed cost per line (economy of scale of larger lines) [assumption]")
    line_cost_wan_cny_per_tpd: float = Field(34, ge=0, le=10_000, description="cost per t/d of line capacity; with the fixed parts ≈ 45 万/t·d at 2×500 t/d (DOMAIN §2.4: 45 to 72) [derived, DOMAIN §2.4]")
    opex_cny_per_t: float = Field(125, ge=0, le=MAX_CNY_PER_T, description="207 full cost − 82 depreciation [weak, DOMAIN §2.4]")
    power_revenue_cny_per_t: float | None = Field(None, ge=0, le=MAX_CNY_PER_T, description=(
        "deprecated: one flat power revenue for every plant (the old 174 [weak]); null = the tariff by vintage "
        "(incinerator.tariff)"))
    tariff: PowerTariff = PowerTariff()
    tipping_fee_cny_per_t: float = Field(94, ge=0, le=MAX_CNY_PER_T, description=(
        "垃圾处理费 the government pays per t burnt: public budget, a transfer outside the system cost "
        "[derived: 郑州(东部)环保能源工程 1.37 亿元/yr 垃圾处理收入 / 146 万 t/yr, "
        "m.78375555.com/news/hydt/201808/394832.html; national range 60–100, "
        "www.fudaoke.com/exam/3049989.html, weak]"))
    min_load_share: float = Field(0.6, ge=0, le=1)
    availability: float = Field(0.9, gt=0, le=1, description="average throughput / nameplate (≈ 8,000 h/yr)")
    ash_share: float = Field(0.2, ge=0, le=1, description="t ash per t incinerated")
    allow_expansion: bool = True
    co2e_t_per_t: float = Field(-0.13, ge=-5, le=5, description="net GHG per t incinerated with power [src, DOMAIN §2.8]")

    @model_validator(mode="after")
    def _flat_revenue_deprecated(self):
        if self.power_revenue_cny_per_t is not None:
            warnings.warn("incinerator.power_revenue_cny_per_t is deprecated: it gives every plant one flat revenue; "
                          "remove it to price power by plant vintage (incinerator.tariff)", FutureWarning, stacklevel=2)
        return self


class LandfillSettings(_Section):
    gate_cost_cny_per_t: float = Field(60, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    fixed_om_wan_cny_per_year: float = Field(150, ge=0, le=MAX_WAN_CNY, description="a landfill kept running for raw MSW [assumption]")
    restoration_cost_wan_cny: float = Field(3000, ge=0, le=MAX_WAN_CNY, description="ecological closure of a stopped landfill, one-off [assumption]")
    max_haul_km: float = Field(50, gt=0, le=MAX_KM, description="raw MSW is landfilled only this close to its county [assumption]")
    ash_gate_cost_cny_per_t: float = Field(100, ge=0, le=MAX_CNY_PER_T, description="stabilised fly/bottom ash [assumption]")
    co2e_t_per_t: float = Field(0.686, ge=-5, le=5, description="mixed MSW landfill [src, DOMAIN §2.8]")


class EconomicsSettings(_Section):
    discount_rate: float = Field(0.06, ge=0, le=0.5)
    lifetime_years: int = Field(25, ge=1, le=100)
    carbon_price_cny_per_t_co2e: float = Field(60, ge=0, le=MAX_CNY_PER_T, description="[assumption] near China ETS prices")


class PlantCount(_Section):
    min: int | None = Field(None, ge=0, le=MAX_COUNT)
    max: int | None = Field(None, ge=0, le=MAX_COUNT)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} > max {self.max}")
        return self


class YardSettings(_Section):
    volume_m3: float = Field(1_000_000, gt=0, le=1e10, description="fill volume of one consumption yard (消纳场), or of one cell with track_volume")
    horizon_years: float = Field(10, gt=0, le=100, description="years the volume must last")
    density_t_per_m3: float = Field(1.5, gt=0, le=5, description="stockpile density; with categories, that of recycling residue and dewatered slurry [derived, DOMAIN §2.9]")
    site_cost_wan_cny: float = Field(1500, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    gate_cost_cny_per_t: float = Field(15, ge=0, le=MAX_CNY_PER_T, description="stockpile fee 10–20 CNY/t [weak, DOMAIN §2.9]")
    one_per_county: bool = Field(False, description="policy switch: every county opens its own yard")
    track_volume: bool = Field(False, description="a yard is cells of volume_m3 filled in m³ (t ÷ density): one year's intake "
                               "must fit for horizon_years; phased, the fill accumulates year by year, a full yard "
                               "is extended by a cell or replaced, and after the last year horizon_years of its intake "
                               "still fit. Off: volume ÷ horizon as a t/d capacity (old form)")
    max_intake_tpd: float = Field(3000, gt=0, le=MAX_TPD, description="with track_volume: t/d one cell's gate and "
                                  "roads take (≈ 120 trucks of 25 t a day) [assumption]")
    max_extensions: int = Field(2, ge=0, le=20, description="with track_volume: cells a yard may add to its first")
    cell_cost_wan_cny: float = Field(500, ge=0, le=MAX_WAN_CNY, description="with track_volume: each cell (the first too): "
                                     "liner-free earthworks, drainage, retaining dam [assumption]")


class RecyclerSettings(_Section):
    module_tpd: float = Field(1000, gt=0, le=100_000, description="crushing/screening line, t/d")
    max_modules: int = Field(3, ge=1, le=20)
    site_cost_wan_cny: float = Field(2000, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(1100, ge=0, le=MAX_WAN_CNY, description="≈ 33 CNY per annual t of capacity [derived, DOMAIN §2.9]")
    opex_cny_per_t: float = Field(35, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    product_revenue_cny_per_t: float = Field(30, ge=0, le=MAX_CNY_PER_T, description="recycled aggregate [assumption]")
    product_share: float = Field(0.9, ge=0, le=1, description="recycled product per t input; the rest is residue [assumption]")
    min_load_share: float = Field(0.5, ge=0, le=1)


CD_CATEGORIES = ("spoil", "slurry", "construction", "demolition", "decoration")
CdDestination = Literal["reuse", "yard", "recycler", "dewatering", "incinerator", "landfill"]
_DENSITY_SRC = "C&D 1.5 (stockpile) to 1.9 t/m³ (structures), http://www.mffbw.com/zx/77268.html [weak]"
# Defaults of the national categories (CJJ/T 134-2019 建筑垃圾处理技术标准 §2): the routine drivers add up to the
# single stream's 0.5 t per urban resident a year and the programmes go where they come from, so switching
# categories on splits the same tonnage. Shares, densities and routes are [assumption] unless a source is named.
CD_CATEGORY_DEFAULTS: dict[str, dict[str, Any]] = {
    "spoil": dict(t_per_urban_capita_year=0.30, onsite_reuse_max_share=0.4, density_t_per_m3=1.8,
                  destinations=["reuse", "yard", "landfill"]),
    "slurry": dict(t_per_urban_capita_year=0.05, onsite_reuse_max_share=0.0, density_t_per_m3=1.3,
                   destinations=["dewatering"]),
    "construction": dict(t_per_urban_capita_year=0.10, onsite_reuse_max_share=0.2, density_t_per_m3=1.5,
                         destinations=["reuse", "recycler", "landfill"]),
    "demolition": dict(t_per_urban_capita_year=0.05, programme="shantytown", onsite_reuse_max_share=0.2,
                       density_t_per_m3=1.5, destinations=["reuse", "recycler", "landfill"]),
    "decoration": dict(t_per_urban_capita_year=0.0, programme="renovation", onsite_reuse_max_share=0.0,
                       density_t_per_m3=1.0, destinations=["recycler", "landfill"]),
}


class CdCategory(_Section):
    """One C&D category: its generation driver, on-site reuse, density and where it may go."""

    t_per_urban_capita_year: float = Field(ge=0, le=100, description="routine generation per urban resident [assumption]: "
                                           "spoil (foundation digs) dominates, slurry from bored piles and tunnels")
    programme: Literal["none", "renovation", "shantytown"] = Field(
        "none", description="the plan programme whose tonnage is this category's: 老旧小区改造 → decoration, 棚户区改造 → demolition")
    onsite_reuse_max_share: float = Field(ge=0, le=1, description="most reused on site (回填、场地平整、堆山造景) [assumption]; "
                                          "Henan practice backfills pits and kilns, http://www.gc850.com/industry/126329.html [src]")
    density_t_per_m3: float = Field(gt=0, le=5, description=f"bulk density in a yard: {_DENSITY_SRC}; spoil 1.8, "
                                    "slurry cake 1.3, light mixed decoration 1.0 [assumption]")
    destinations: list[CdDestination] = Field(min_length=1, max_length=6, description="spoil → reuse/yard; construction and "
                                              "demolition → recycling plants (residue to yards); decoration → sorting at the "
                                              "recycling plant; slurry → dewatering (cake to yards); landfill as a fallback")

    @model_validator(mode="after")
    def _reuse_listed(self):
        if self.onsite_reuse_max_share > 0 and "reuse" not in self.destinations:
            raise ValueError("onsite_reuse_max_share > 0 needs 'reuse' in destinations")
        if len(set(self.destinations)) != len(self.destinations):
            raise ValueError("destinations: each at most once")
        return self


class CdCategories(_Section):
    """The five categories; a key given in YAML changes only the fields it names."""

    spoil: CdCategory
    slurry: CdCategory
    construction: CdCategory
    demolition: CdCategory
    decoration: CdCategory

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data):
        if not isinstance(data, dict):
            return data
        return {key: ({**CD_CATEGORY_DEFAULTS[key], **value} if isinstance(value, dict) else value)
                for key, value in {**{k: {} for k in CD_CATEGORIES}, **data}.items()}


class DewateringSettings(_Section):
    """Slurry (工程泥浆) dewatering plants (filter press); the cake goes on to yards or landfills."""

    module_tpd: float = Field(500, gt=0, le=100_000, description="filter-press line, t/d of slurry [assumption]")
    max_modules: int = Field(2, ge=1, le=20)
    site_cost_wan_cny: float = Field(500, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(600, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    opex_cny_per_t: float = Field(40, ge=0, le=MAX_CNY_PER_T, description="flocculant, power, labour [assumption]")
    cake_share: float = Field(0.5, gt=0, le=1, description="cake per t of slurry; the water is discharged [assumption]")


class CdSettings(_Section):
    """Construction & demolition waste (建筑垃圾): generation drivers from the plan, on-site reuse, yards, recycling."""

    enabled: bool = False
    routine_t_per_urban_capita_year: float = Field(0.5, ge=0, le=100, description="new construction and spoil [assumption]; with by_category each category's own")
    renovation_households: float = Field(1_000_000, ge=0, le=1e9, description="老旧小区改造 100万户 in 2021–2025 [src, plan]")
    renovation_t_per_household: float = Field(8, ge=0, le=1_000, description="80 m² × 0.10 t/m² [derived, DOMAIN §2.9]")
    shantytown_units: float = Field(300_000, ge=0, le=1e9, description="棚户区改造 30万套 new starts in 2021–2025 [src, plan]")
    shantytown_t_per_unit: float = Field(104, ge=0, le=10_000, description="80 m² × 1.3 t/m² demolition [derived, DOMAIN §2.9]")
    program_years: float = Field(5, gt=0, le=100, description="years the renovation programmes run")
    onsite_reuse_max_share: float = Field(0.3, ge=0, le=1, description="most that can be reused on site (backfill, levelling, landscaping) [assumption]; with by_category each category's own")
    onsite_reuse_cost_cny_per_t: float = Field(8, ge=0, le=MAX_CNY_PER_T, description="on-site crushing/spreading; reuse is chosen where it beats haulage [assumption]")
    max_haul_km: float = Field(50, gt=0, le=MAX_KM, description="[assumption]: illegal-dumping risk rises beyond 20–30 km")
    truck_payload_t: float = Field(25, gt=0, le=100, description="dump truck load per trip, 25–30 t trucks [assumption, DOMAIN §2.7]")
    cny_per_t_km: float = Field(0.7, ge=0, le=MAX_CNY_PER_T_KM, description="25–30 t dump truck [assumption, DOMAIN §2.7]")
    landfill_gate_cost_cny_per_t: float = Field(40, ge=0, le=MAX_CNY_PER_T, description="[weak, DOMAIN §2.9]")
    recycling_target_share: float = Field(0.6, ge=0, le=1, description="national 2025 target, (reused + recycled) / generated [src]")
    yard: YardSettings = YardSettings()
    recycler: RecyclerSettings = RecyclerSettings()
    by_category: bool = Field(False, description="C&D as the five CJJ/T 134-2019 categories (categories); off: one stream "
                              "with onsite_reuse_max_share and routine_t_per_urban_capita_year (old configs)")
    categories: CdCategories = CdCategories()
    dewatering: DewateringSettings = DewateringSettings()


class TransferSettings(_Section):
    """Optional second echelon for MSW: county → transfer station → plant, with a cheaper trunk haul."""

    enabled: bool = False
    candidate_sites_file: str | None = Field(None, description="CSV site_id,name_zh,adcode,lon,lat; default: county seats")
    module_sizes_tpd: list[Annotated[float, Field(gt=0, le=10000)]] = Field(
        [450.0, 1000.0], min_length=1, max_length=20, description="CJJ/T 47 classes [assumption]")
    max_modules: int = Field(3, ge=1, le=10)
    site_cost_wan_cny: float = Field(600, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(400, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    cost_cny_per_t: float = Field(20, ge=0, le=MAX_CNY_PER_T, description="handling and compaction [assumption]")
    collection_cny_per_t_km: float = Field(1.5, ge=0, le=MAX_CNY_PER_T_KM, description="collection vehicles, direct or to the station [assumption, DOMAIN §2.7]")
    max_feed_km: float = Field(40, gt=0, le=MAX_KM, description="county → station haul limit")


class CapturePoint(_Section):
    """Share of a fraction that ends up in its own bin in ``year`` (urban and rural)."""

    year: int = Field(ge=2000, le=2060)
    urban: float = Field(ge=0, le=1)
    rural: float = Field(ge=0, le=1)


def _ramp(points: list[CapturePoint]) -> list[CapturePoint]:
    if any(b.year <= a.year for a, b in zip(points, points[1:])):
        raise ValueError("capture points must have strictly increasing years")
    return points


class Composition(_Section):
    """Wet-mass shares of collected MSW (the rest is residual waste 其他垃圾)."""

    food: UrbanRural = Field(UrbanRural(urban=0.55, rural=0.40), description=(
        "厨余垃圾 incl. restaurant 餐厨 waste. Urban [derived]: below the 66 % (Beijing) and 71 % (Shanghai) "
        "kitchen-waste shares of large-city MSW (Wei et al. 2018 via th4.ilovetranslation.com/nReONgOt99L=d, "
        "weak) for Henan's smaller cities; rural [assumption]: food + coal ash ≈ 70 % (Zeng et al. 2015, "
        "DOMAIN §2.2), ash taken as about 30 %"))
    recyclables: UrbanRural = Field(UrbanRural(urban=0.20, rural=0.10), description=(
        "可回收物 paper, plastics, glass, metal, textiles. Urban [derived]: Shanghai 2020 recovered 6,375 of "
        "30,073 t/d sorted (21 %; 城市管理与科技 2021(5):93); rural [assumption]"))
    hazardous: UrbanRural = Field(UrbanRural(urban=0.005, rural=0.003), description=(
        "有害垃圾 batteries, lamps, medicines: counted, not sited [assumption]; Shanghai 2024: 2.1 t/d of about "
        "34,000 t/d (bbs.lyxww.cn/mrkx/202407/397819.html) is far less"))

    @model_validator(mode="after")
    def _shares_fit(self):
        for side in ("urban", "rural"):
            if sum(getattr(getattr(self, f), side) for f in ("food", "recyclables", "hazardous")) > 1 + 1e-9:
                raise ValueError(f"{side} shares of food, recyclables and hazardous add up to more than 1")
        return self


def _default_ramp(urban_2025: float, rural_2025: float, urban_2020: float = 0.0) -> list[CapturePoint]:
    return [CapturePoint(year=2020, urban=urban_2020, rural=0.0), CapturePoint(year=2025, urban=urban_2025, rural=rural_2025)]


class CaptureRates(_Section):
    """Per fraction, capture rates by year (linear between the points, flat outside them). Captured waste
    goes to its own plants; the rest of each fraction stays in residual waste."""

    food: Annotated[list[CapturePoint], Field(min_length=1, max_length=50)] = Field(
        _default_ramp(0.30, 0.10, 0.05), description=(
            "[derived] Shanghai, the national leader after mandatory sorting (2019), separated 9,504 t/d wet waste "
            "in 2020 (城市管理与科技 2021(5):93), about 45 % of its food waste at a 70 % share of about 30,000 t/d; "
            "Henan cities are taken to reach two thirds of that by 2025 (urban 0.30), villages 0.10; Zhengzhou's "
            "sorting began in Dec 2019 (urban 0.05 in 2020) [assumption]"))
    recyclables: Annotated[list[CapturePoint], Field(min_length=1, max_length=50)] = Field(
        _default_ramp(0.40, 0.20, 0.10), description=(
            "[assumption] recyclables already go largely to private collectors (DOMAIN §2.2); sorting raises "
            "what reaches sorting centres"))
    hazardous: Annotated[list[CapturePoint], Field(min_length=1, max_length=50)] = Field(
        _default_ramp(0.50, 0.20, 0.10), description="[assumption]")

    @model_validator(mode="after")
    def _years_increase(self):
        for name in ("food", "recyclables", "hazardous"):
            _ramp(getattr(self, name))
        return self

    def rate(self, fraction: str, year: int) -> tuple[float, float]:
        """(urban, rural) capture of ``fraction`` in ``year``."""
        points = getattr(self, fraction)
        years = [p.year for p in points]
        return (float(np.interp(year, years, [p.urban for p in points])),
                float(np.interp(year, years, [p.rural for p in points])))


class HeatingValues(_Section):
    """Lower heating values (LHV, as received) that set how much incinerator nameplate a tonne uses.

    Food waste: LHV = (1 − moisture) × dry LHV − 2,443 kJ/kg × moisture (2,443 kJ/kg: latent heat of water at
    25 °C). Residual waste: the mixed-waste LHV less what the captured fractions took out, per tonne left:
    LHV_res = (LHV_mixed − Σ_f captured_f × LHV_f) / (1 − Σ_f captured_f), captured_f as shares of the
    province's collected MSW. Capacity factor at an incinerator = max(1, LHV_res / rated LHV): a grate is
    limited by heat above its rated LHV and by tonnes below it."""

    mixed_kj_per_kg: float = Field(5400, gt=0, le=40000, description="mixed MSW as collected [src, DOMAIN §0/§2.2: Han et al. 2019]")
    rated_kj_per_kg: float = Field(5400, gt=0, le=40000, description="LHV at which incinerator nameplate t/d holds; "
                                   "= today's mixed waste, which Henan's plants run on [assumption]")
    food_moisture: float = Field(0.75, ge=0, lt=1, description="kitchen waste moisture > 70 % in a Shanghai survey of "
                                 "catering waste ('Study on kitchen waste characteristics of different catering types in "
                                 "Shanghai') [src]; 70–90 % (zkcentrifuge.com/kitchen-waste-feature) [weak]")
    food_dry_kj_per_kg: float = Field(17000, gt=0, le=40000, description="food solids, dry basis [assumption]")
    recyclables_kj_per_kg: float = Field(12000, ge=0, le=40000, description="paper and plastics with glass and metal [assumption]")
    hazardous_kj_per_kg: float = Field(0, ge=0, le=40000, description="[assumption] tiny either way")

    @property
    def food_kj_per_kg(self) -> float:
        """[derived] wet LHV of food waste."""
        return (1 - self.food_moisture) * self.food_dry_kj_per_kg - 2443.0 * self.food_moisture


class DigesterSettings(_Section):
    """Food-waste plant (厨余垃圾处理厂): anaerobic digestion in modular lines."""

    line_sizes_tpd: list[Annotated[float, Field(gt=0, le=5000)]] = Field(
        [100.0, 200.0, 300.0], min_length=1, max_length=20, description="[assumption] usual Chinese AD line sizes")
    max_lines_per_site: int = Field(4, ge=1, le=20, description="[assumption]")
    site_cost_wan_cny: float = Field(3000, ge=0, le=MAX_WAN_CNY, description="land, pre-treatment hall, biogas and wastewater plant [assumption]")
    line_fixed_cost_wan_cny: float = Field(1000, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    line_cost_wan_cny_per_tpd: float = Field(40, ge=0, le=10_000, description="with the fixed parts ≈ 60 万/t·d at one 200 t/d line [assumption]")
    opex_cny_per_t: float = Field(200, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    revenue_cny_per_t: float = Field(80, ge=0, le=MAX_CNY_PER_T, description="biogas power and recovered oil [assumption]")
    residue_share: float = Field(0.25, ge=0, le=1, description="impurities and dewatered digestate to incineration "
                                 "or landfill, t per t [assumption]")
    min_load_share: float = Field(0.0, ge=0, le=1, description="none by default: remote counties with a few t/d of "
                                  "food waste and no plant within reach must still open one [assumption]")
    availability: float = Field(0.9, gt=0, le=1, description="average throughput / nameplate, as incinerators [assumption]")
    co2e_t_per_t: float = Field(-0.05, ge=-5, le=5, description="[assumption]; Qingdao LCA: sorting + AD + incineration −0.062 t/t "
                                "of MSW (DOMAIN §2.8)")
    existing_file: str | None = Field(None, description=(
        "CSV site_id,name_zh,adcode,lon,lat,capacity_tpd,n_lines of food-waste plants in service: no public list "
        "exists, so none are assumed without it"))


class SortingCentreSettings(_Section):
    """Recyclables sorting centre (分拣中心)."""

    module_tpd: float = Field(200, gt=0, le=5000, description="[assumption]")
    max_modules: int = Field(3, ge=1, le=20, description="[assumption]")
    site_cost_wan_cny: float = Field(1000, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(800, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    opex_cny_per_t: float = Field(150, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    sales_revenue_cny_per_t: float = Field(300, ge=0, le=MAX_CNY_PER_T, description="per t sold [assumption]")
    product_share: float = Field(0.85, ge=0, le=1, description="sold per t received; the rest is residue to incineration or landfill [assumption]")
    min_load_share: float = Field(0.0, ge=0, le=1, description="none by default, as for food-waste plants [assumption]")


class CotreatmentSettings(_Section):
    """Food waste burnt at incinerators (混烧) when no food-waste plant takes it."""

    allowed: bool = Field(False, description="policy switch: food waste may be burnt where no food-waste plant takes it")
    capacity_factor: float = Field(1.3, ge=1, le=5, description="t/d of nameplate per t/d of food waste: wet waste "
                                   "slows drying on the grate [assumption]")
    surcharge_cny_per_t: float = Field(50, ge=0, le=MAX_CNY_PER_T, description="leachate and auxiliary fuel [assumption]")


class SortingSettings(_Section):
    """Waste sorting (垃圾分类): MSW splits into food waste, recyclables, hazardous and residual waste, each with
    its own plants. Off: MSW is one stream (and ``demand.sorted_out_share`` takes a share out)."""

    enabled: bool = False
    composition: Composition = Composition()
    capture: CaptureRates = CaptureRates()
    heating_value: HeatingValues = HeatingValues()
    digester: DigesterSettings = DigesterSettings()
    sorting_centre: SortingCentreSettings = SortingCentreSettings()
    cotreatment: CotreatmentSettings = CotreatmentSettings()
    max_haul_km: float = Field(80, gt=0, le=2000, description="food waste and recyclables haul limit, road km [assumption]")
    food_cny_per_t_km: float = Field(1.5, ge=0, le=MAX_CNY_PER_T_KM, description="sealed food-waste trucks, like collection vehicles [assumption, DOMAIN §2.7]")
    recyclables_cny_per_t_km: float = Field(1.0, ge=0, le=MAX_CNY_PER_T_KM, description="[assumption]")


class ObjectiveSettings(_Section):
    """min_cost (default); p_median: least t·km with exactly ``p`` plants; set_cover: fewest new
    plants so every county has one within ``radius_km``; max_coverage: most t/d within ``radius_km`` with ``p`` plants."""

    kind: Literal["min_cost", "p_median", "set_cover", "max_coverage"] = "min_cost"
    p: int | None = Field(None, ge=1, le=MAX_COUNT, description="plants in total (existing count), for p_median / max_coverage")
    radius_km: float | None = Field(None, gt=0, le=MAX_KM, description="road km, for set_cover / max_coverage")

    @model_validator(mode="after")
    def _parameters_given(self):
        if self.kind in ("p_median", "max_coverage") and self.p is None:
            raise ValueError(f"objective '{self.kind}' needs p")
        if self.kind in ("set_cover", "max_coverage") and self.radius_km is None:
            raise ValueError(f"objective '{self.kind}' needs radius_km")
        return self


class ExclusionSettings(_Section):
    zones_files: list[str] = Field([], max_length=100, description="GeoJSON/GeoPackage polygons where no new plant may be built")
    buffer_m: float = Field(0, ge=0, le=50000, description="protection distance added around the zones, m")


class PhasingSettings(_Section):
    """Multi-period mode: one linked model over ``years``; built plants stay, stopped landfills stay
    stopped; the policy caps and targets apply in the last year."""

    years: list[int] = Field([], max_length=61, description="e.g. [2021, 2022, 2023, 2024, 2025]; empty = single year (region.target_year)")
    build_budget_wan_cny_per_year: float | None = Field(None, ge=0, le=1e9, description="capital spent on new sites and lines per year")

    @model_validator(mode="after")
    def _years_increase(self):
        if any(b <= a for a, b in zip(self.years, self.years[1:])):
            raise ValueError("years must be strictly increasing")
        if self.years and not 2000 <= self.years[0] <= self.years[-1] <= 2060:
            raise ValueError("years must lie in 2000..2060")
        return self


class CatchmentException(_Section):
    """A cross-border MSW shipment a planner allows: from ``origin`` to sites in ``destination`` (county
    adcodes, or prefecture adcodes ending in 00 for all their counties)."""

    origin: str = Field(pattern=r"^\d{6}$", description="adcode the waste comes from")
    destination: str = Field(pattern=r"^\d{6}$", description="adcode of the sites it may go to")

    @model_validator(mode="before")
    @classmethod
    def _codes_as_text(cls, data):
        # YAML reads an unquoted 410100 as a number; an adcode is a name, so take it as text
        if isinstance(data, dict):
            return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in data.items()}
        return data


class PolicySettings(_Section):
    raw_msw_landfill_cap_tpd: float | None = Field(None, ge=0, le=MAX_TPD, description="0 = zero landfill; null = no cap")
    province_capacity_target_tpd: float | None = Field(None, ge=0, le=MAX_TPD, description="min total incineration nameplate, t/d")
    new_plants: PlantCount = PlantCount()
    single_sourcing: bool = Field(False, description="each county sends all its MSW to one plant or landfill "
                                  "(binary assignments: a harder MILP, so expect a larger gap at the same time limit)")
    locked_open: list[str] = Field([], max_length=MAX_COUNT, description="site ids forced open (what-if)")
    locked_closed: list[str] = Field([], max_length=MAX_COUNT, description="site ids forbidden")
    fixed_plants_file: str | None = Field(
        None, description="what-if with the plants fixed: a plan's facilities.csv (site_id, new_modules, "
        "module_size_tpd); its new and expanded incinerators are built exactly so and no others, and only "
        "flows, landfills and the other streams are decided")
    landfills_stopped_min: int | None = Field(None, ge=0, le=MAX_COUNT, description="landfills that must stop taking raw MSW")
    landfills_restored_min: int | None = Field(None, ge=0, le=MAX_COUNT, description="stopped landfills to restore (封场)")
    catchment: Literal["province", "prefecture", "county"] = Field(
        "province", description="where MSW may go: anywhere in the province, only to plants, transfer stations and "
        "landfills in its own prefecture (市域统筹) or its own county [assumption: a planning rule, not a cost]")
    catchment_exceptions: list[CatchmentException] = Field(
        [], max_length=1000, description="cross-border pairs a planner allows despite the catchment rule")
    county_capacity_above_tpd: float | None = Field(
        None, gt=0, le=1_000_000, description="every county whose MSW to treat exceeds this (t/d) gets incineration capacity within "
        "its borders: 300 is the national 补短板 rule of thumb [weak, DOMAIN §2.1]")


MEAN_VALUE = "mean_value"  # the plan of the futures' mean-value problem, beside the robust plan and each future's
FUTURE_SECTIONS = ("demand", "sorting", "incinerator", "landfill", "transport", "economics", "cd", "transfer")


class FutureChanges(_Section):
    """What differs in one future, with the keys of the scenario (as in an ``extends:`` variant): growth,
    sorting (``demand.sorted_out_share`` or ``sorting.capture``), calibration and costs. Build options
    (line sizes, candidate sites) are the same in every future: the plan is one."""

    demand: dict[str, Any] | None = None
    sorting: dict[str, Any] | None = None
    incinerator: dict[str, Any] | None = None
    landfill: dict[str, Any] | None = None
    transport: dict[str, Any] | None = None
    economics: dict[str, Any] | None = None
    cd: dict[str, Any] | None = None
    transfer: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump(mode="python").items() if value is not None}


class Future(_Section):
    name: str = Field(min_length=1, max_length=100)
    name_zh: str | None = Field(None, min_length=1, max_length=100, description="the future in words, 中文 (shown; "
                                "default: the name)")
    name_en: str | None = Field(None, min_length=1, max_length=100, description="the future in words, English")
    weight: float = Field(ge=0, le=1, description="probability of this future; the weights sum to 1")
    changes: FutureChanges = FutureChanges()


class UncertaintySettings(_Section):
    """One plan for several futures (a two-stage model): build decisions shared, flows and landfill use per
    future. expected: min Σ weight × annual cost; worst_case: min the largest annual cost; min_max_regret:
    min the largest excess over each future's own optimum. policy_scope: the policy caps hold in every
    future, or only on the weighted mean of the futures (expected_only)."""

    futures: list[Future] = Field(min_length=2, max_length=20)
    objective: Literal["expected", "worst_case", "min_max_regret"] = "expected"
    policy_scope: Literal["every_future", "expected_only"] = "every_future"

    @model_validator(mode="after")
    def _weights_and_names(self):
        total = sum(f.weight for f in self.futures)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"futures: the weights must sum to 1 (they sum to {total:g})")
        names = [f.name for f in self.futures]
        if len(set(names)) != len(names):
            raise ValueError(f"futures: names must differ ({', '.join(names)})")
        for reserved, meaning in (("robust", "the plan for all futures"), (MEAN_VALUE, "the mean-value problem's plan")):
            if reserved in names:
                raise ValueError(f"futures: '{reserved}' names {meaning}; call the future otherwise")
        return self


class SolverSettings(_Section):
    backend: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(60, gt=0, le=86400)
    rel_gap: float = Field(0.001, ge=0, le=1)
    threads: int = Field(0, ge=0, le=64, description="0 = solver default")
    search: bool = Field(True, description="run the local search beside HiGHS (off: plain HiGHS)")
    search_seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the local search: one seed, one plan")
    bounds: Literal["auto", "off"] = Field("auto", description=(
        "auto: a Lagrangean bound (demand rows relaxed) beside HiGHS's where the model allows, its plan as a start "
        "and the sites it proves useless kept closed; off: HiGHS's bound only"))
    decompose: Literal["off", "prefecture"] = Field("off", description=(
        "prefecture: split the one-year min-cost siting model by prefecture and solve the pieces as Dask tasks, "
        "one plan and one bound (wasteopt/siting/decomposed.py)"))
    scheduler: str | None = Field(None, max_length=200, description=(
        "tcp://HOST:PORT of the Dask cluster for the decomposed pieces; null = a 2-worker LocalCluster here"))


class Goals(_Section):
    """Henan 十四五 plan targets the plan is checked against."""

    raw_msw_landfill_tpd: float = Field(0, ge=0, le=MAX_TPD)
    incineration_capacity_tpd: float = Field(70000, ge=0, le=MAX_TPD)
    new_plants: int = Field(30, ge=0, le=MAX_COUNT)
    landfills_stopped: int = Field(40, ge=0, le=MAX_COUNT)
    resource_utilisation_rate: float | None = Field(None, ge=0, le=1, description=(
        "生活垃圾资源化利用率: (recyclables sold + food waste biologically treated + waste incinerated with energy "
        "recovery) / MSW collected; national target ≈ 0.60 of city MSW by end-2025 [src: 发改环资〔2021〕642号, "
        "quoted in m.zgkjsz.com/page/2022/0901/13967447.shtml; that incineration with power counts is the "
        "statistics' usage, formula not retrieved]; null = not checked"))
    recycling_rate: float | None = Field(None, ge=0, le=1, description=(
        "生活垃圾回收利用率: (recyclables sold + food waste biologically treated) / MSW collected; national target "
        "≥ 0.35 of city MSW by 2025 [src: the 2020 national requirement quoted in "
        "m.zgkjsz.com/page/2022/0901/13967447.shtml]; null = not checked"))
    resource_recovery_rate: float | None = Field(None, ge=0, le=1, description=(
        "deprecated: the old name of resource_utilisation_rate"))

    @model_validator(mode="after")
    def _old_rate_name(self):
        if self.resource_recovery_rate is None:
            return self
        warnings.warn("goals.resource_recovery_rate is deprecated: it is goals.resource_utilisation_rate "
                      "(资源化利用率, incineration with energy recovery counted); goals.recycling_rate is 回收利用率",
                      FutureWarning, stacklevel=2)
        if self.resource_utilisation_rate is None:
            object.__setattr__(self, "resource_utilisation_rate", self.resource_recovery_rate)
        return self


class Scenario(_Section):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    region: RegionSettings = RegionSettings()
    demand: DemandSettings = DemandSettings()
    network: NetworkSettings = NetworkSettings()
    transport: TransportSettings = TransportSettings()
    incinerator: IncineratorSettings = IncineratorSettings()
    landfill: LandfillSettings = LandfillSettings()
    economics: EconomicsSettings = EconomicsSettings()
    policy: PolicySettings = PolicySettings()
    cd: CdSettings = CdSettings()
    transfer: TransferSettings = TransferSettings()
    objective: ObjectiveSettings = ObjectiveSettings()
    exclusion: ExclusionSettings = ExclusionSettings()
    phasing: PhasingSettings = PhasingSettings()
    solver: SolverSettings = SolverSettings()
    goals: Goals = Goals()
    sorting: SortingSettings = SortingSettings()
    uncertainty: UncertaintySettings | None = None
    base_dir: str = Field(".", description="relative paths resolve against this folder (set by the loader)")

    @model_validator(mode="after")
    def _sorting_replaces_shorthand(self):
        if self.sorting.enabled and self.demand.sorted_out_share > 0:
            raise ValueError("demand.sorted_out_share: must be 0 with sorting.enabled: the capture rates "
                             "(sorting.capture) now say how much food waste and recyclables leave residual waste; "
                             "set demand.sorted_out_share: 0 (0.10 ≈ food share 0.55 × capture 0.18)")
        return self

    @model_validator(mode="after")
    def _futures_apply(self):
        if self.uncertainty is None:
            return self
        if self.phasing.years:
            raise ValueError("uncertainty: a plan for several futures is one year (remove phasing.years or uncertainty)")
        if self.objective.kind != "min_cost":
            raise ValueError(f"uncertainty: futures need objective.kind min_cost, not {self.objective.kind}")
        if self.policy.fixed_plants_file:
            raise ValueError("uncertainty: a fixed plan has nothing to decide across futures "
                             "(remove policy.fixed_plants_file or uncertainty)")
        for i, future in enumerate(self.uncertainty.futures):
            try:
                self.future_scenario(i)
            except ValidationError as error:
                item = error.errors()[0]
                inner = key_path_text(tuple(item["loc"]))
                message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
                if item["type"] == "value_error" and not item["loc"]:
                    inner, _, message = str(item["ctx"]["error"]).partition(": ")
                raise ValueError(f"uncertainty.futures.{i}.changes: future '{future.name}', "
                                 f"key '{inner}': {message}") from None
        return self

    def future_scenario(self, i: int) -> "Scenario":
        """The single-future scenario of future ``i``: this scenario with its changes, no uncertainty.
        Raises pydantic's ValidationError on a bad change (the loader words it)."""
        data = self.model_dump(mode="python")
        data["uncertainty"] = None
        data = _deep_merge(data, self.uncertainty.futures[i].changes.as_dict())
        return Scenario.model_validate(data)

    def mean_value_changes(self) -> dict[str, Any]:
        """The changes of the futures' mean-value problem (Birge & Louveaux): every number a future changes at its
        weighted mean over the futures (the scenario's own value where a future leaves it alone; a count rounded);
        a setting that is not a number takes the heaviest future's value."""
        futures = self.uncertainty.futures
        base = self.model_dump(mode="python")
        merged = [_deep_merge(base, f.changes.as_dict()) for f in futures]
        heaviest = max(range(len(futures)), key=lambda i: (futures[i].weight, -i))

        def mean(changes: dict, path: tuple[str, ...]) -> dict:
            out = {}
            for key, value in changes.items():
                if isinstance(value, dict):
                    out[key] = mean(value, (*path, key))
                    continue
                values = [_at(m, (*path, key)) for m in merged]
                numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
                expected = sum(f.weight * v for f, v in zip(futures, values)) if numbers else values[heaviest]
                out[key] = round(expected) if numbers and all(isinstance(v, int) for v in values) else expected
            return out

        keys: dict = {}
        for future in futures:
            keys = _deep_merge(keys, future.changes.as_dict())
        return mean(keys, ())

    def mean_value_scenario(self) -> "Scenario":
        """The single scenario of the futures' expected parameters (:meth:`mean_value_changes`), no uncertainty:
        the plan the value of the stochastic solution is measured against."""
        data = self.model_dump(mode="python")
        data["uncertainty"] = None
        return Scenario.model_validate(_deep_merge(data, self.mean_value_changes()))

    def path(self, relative: str) -> Path:
        """A scenario file path resolved against the project or config folder."""
        p = Path(relative)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude={"base_dir"})
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def content_hash(self) -> str:
        """Stable hash of every setting and of the content of every file a key names (not of where the
        scenario lives), so an edited OD matrix or fixed plan is a new scenario, never a reused run."""
        data = self.model_dump(mode="json", exclude={"base_dir"})
        data["_file_digests"] = {key: _file_digest(self.path(name)) for key, name in self.named_files()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def named_files(self) -> list[tuple[str, str]]:
        """(key, file name) of every input file the scenario names (the seeds folder aside)."""
        named = [("region.landfills_file", self.region.landfills_file),
                 ("region.candidate_sites_file", self.region.candidate_sites_file),
                 ("network.od_matrix_file", self.network.od_matrix_file),
                 ("transfer.candidate_sites_file", self.transfer.candidate_sites_file),
                 ("policy.fixed_plants_file", self.policy.fixed_plants_file),
                 ("sorting.digester.existing_file", self.sorting.digester.existing_file)]
        named += [(f"exclusion.zones_files.{i}", name) for i, name in enumerate(self.exclusion.zones_files)]
        return [(key, name) for key, name in named if name]

    def with_changes(self, changes: dict[str, Any]) -> "Scenario":
        """A copy with nested changes, e.g. ``{"policy": {"raw_msw_landfill_cap_tpd": 0}}``; validated."""
        data = _deep_merge(self.model_dump(mode="python"), changes)
        return validate_scenario(data, {}, source="changes")


@functools.lru_cache(maxsize=256)
def _digest_of(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes ('missing' if there is none), re-read only when its size or mtime changes."""
    try:
        stat = path.stat()
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return "missing"
    return _digest_of(str(path.resolve()), stat.st_mtime_ns, stat.st_size) if path.is_file() else "not a file"


# ----------------------------------------------------------------------------- loading

class _LineLoader(yaml.SafeLoader):
    """SafeLoader for scenarios; :func:`_check_tree` vets the composed nodes before any object is built."""


_STR_TAG = "tag:yaml.org,2002:str"


def key_path_text(path: tuple) -> str:
    """'a.b.0' for messages; odd characters in a key (quotes, newlines, controls) are escaped so the
    message stays one line and the path can be read back."""
    def show(part) -> str:
        text = str(part)
        if text.isprintable() and "'" not in text:
            return text
        return text.encode("unicode_escape").decode("ascii").replace("'", "\\'")
    return ".".join(show(part) for part in path)


def _check_tree(node, where: str, prefix: tuple = ()) -> dict[tuple, str]:
    """Map each key path to 'file, line N'; refuse non-text and duplicate keys, naming path and line.

    Iterative, so a hostile document cannot exhaust Python's recursion limit here either.
    """
    out: dict[tuple, str] = {}
    stack = [(node, prefix)]
    while stack:
        current, path = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else f"<{key_node.id}>"
                    dotted = key_path_text(path + (shown,))
                    raise ScenarioError(f"key '{dotted}' ({where}line {line}): keys must be plain names (text)")
                key = key_node.value
                if key in seen:
                    dotted = key_path_text(path + (key,))
                    raise ScenarioError(f"key '{dotted}' ({where}line {line}): duplicate key (first at line {seen[key]})")
                seen[key] = line
                out[path + (key,)] = f"{where}line {line}"
                stack.append((value_node, path + (key,)))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                out[path + (i,)] = f"{where}line {item.start_mark.line + 1}"
                stack.append((item, path + (i,)))
    return out


def _scan_tokens(text: str, where: str) -> None:
    """One flat pass over the tokens: refuse anchors/aliases (billion laughs) and deep nesting."""
    depth = 0
    opening = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
               yaml.FlowSequenceStartToken, yaml.BlockEntryToken)
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            line = token.start_mark.line + 1
            raise ScenarioError(f"{where}YAML anchors and aliases are not allowed in scenarios (line {line})")
        if isinstance(token, opening[:4]):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ScenarioError(f"{where}YAML nested deeper than {MAX_YAML_DEPTH} levels "
                                    f"at line {token.start_mark.line + 1}")
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1


def parse_yaml(text: str, source: str = "") -> tuple[dict, dict[tuple, str]]:
    """Parse scenario YAML safely; return the mapping and where each key path stands."""
    if not isinstance(text, str):
        raise ScenarioError(f"{source or 'YAML'}: expected text, got {type(text).__name__}")
    if len(text.encode("utf-8", "replace")) > MAX_YAML_BYTES:
        raise ScenarioError(f"{source or 'YAML'} is larger than {MAX_YAML_BYTES // 1000} kB")
    where = f"{source}: " if source else ""
    try:
        _scan_tokens(text, where)
        loader = _LineLoader(text)
        try:
            node = loader.get_single_node()
            lines = _check_tree(node, f"{source}, " if source else "") if node is not None else {}
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(f"{where}invalid YAML at {line}{error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:
        # Raised for control characters and lone surrogates; it knows the offset, not the line.
        line = text.count("\n", 0, max(error.position, 0)) + 1
        code = ord(error.character) if isinstance(error.character, str) else int(error.character)
        raise ScenarioError(f"{where}invalid YAML at line {line}: character U+{code:04X} "
                            "is not allowed (control character or invalid unicode)") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{where}invalid YAML: {error}") from None
    except RecursionError:  # belt and braces: _scan_tokens should have refused the nesting first
        raise ScenarioError(f"{where}YAML nested too deeply") from None
    if data is None:
        raise ScenarioError(f"{where}the scenario is empty")
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}a scenario must be a mapping of keys, not {type(data).__name__}")
    return data, lines


def _at(data: dict, path: tuple[str, ...]):
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_with_extends(path: Path, depth: int = 0) -> tuple[dict, dict[tuple, str]]:
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path.name}: 'extends' chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)")
    data = read_capped(path, MAX_YAML_BYTES, "scenario file", ScenarioError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(not_utf8_message(shown(path.name), data, error)) from None
    data, lines = parse_yaml(text, source=path.name)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, lines
    where = lines.get(("extends",), path.name)
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(f"key 'extends' ({where}): must be a file name")
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise ScenarioError(f"key 'extends' ({where}): scenario file not found: {base_path}")
    base_data, base_lines = _load_with_extends(base_path, depth + 1)
    return _deep_merge(base_data, data), {**base_lines, **lines}


def not_utf8_message(source: str, data: bytes, error: UnicodeDecodeError) -> str:
    """One line for a YAML that is not UTF-8 (often GBK, as Notepad saves on Chinese Windows)."""
    line = data.count(b"\n", 0, error.start) + 1
    return (f"{source}: invalid YAML at line {line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); 请另存为 UTF-8 编码 / re-save the file as UTF-8")


def validate_scenario(data: dict, lines: dict[tuple, str], source: str = "") -> Scenario:
    """Validate a mapping into a Scenario; errors name every bad key path and its line."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        items = error.errors()
        problems = []
        for item in items[:MAX_PROBLEMS_SHOWN]:  # 80,000 unknown keys: say how many, list a few
            loc = tuple(item["loc"])
            key = key_path_text(loc) or "(top level)"
            where = _nearest_line(lines, loc)
            message = item["msg"]
            if item["type"] == "value_error" and not loc:  # a rule across sections names its key: "a.b: why"
                named, _, why = str(item["ctx"]["error"]).partition(": ")
                if why and all(part.isidentifier() or part.isdigit() for part in named.split(".")):
                    loc = tuple(int(part) if part.isdigit() else part for part in named.split("."))
                    message = why
                    key, where = named, _nearest_line(lines, loc)
            if item["type"] == "extra_forbidden":
                message = "unknown key" + _suggestion(loc, data)
            elif item["type"] == "missing":
                message = "required key is missing"
            problem = f"key '{key}'{f' ({where})' if where else ''}: {message}"
            problems.append(problem if len(problem) <= MAX_PROBLEM_CHARS else f"{problem[:MAX_PROBLEM_CHARS - 1]}…")
        if len(items) > MAX_PROBLEMS_SHOWN:
            problems.append(f"… and {len(items) - MAX_PROBLEMS_SHOWN:,} more problem(s)")
        head = f"{source}: " if source else ""
        raise ScenarioError(head + "; ".join(problems)) from None


def _nearest_line(lines: dict[tuple, str], loc: tuple) -> str:
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return ""


def _suggestion(loc: tuple, data: dict) -> str:
    import difflib

    model: Any = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            return ""
        model = field.annotation
    if not hasattr(model, "model_fields"):
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(model.model_fields)})"


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge ``extends:`` bases and validate a scenario YAML file."""
    path = Path(path)
    data, lines = _load_with_extends(path)
    data.setdefault("base_dir", str(_project_root_for(path)))
    return validate_scenario(data, lines, source=path.name)


def scenario_from_yaml_text(text: str, base_dir: str | Path = ".", source: str = "upload") -> Scenario:
    """Validate scenario YAML given as text (UI uploads); ``extends`` is resolved in ``configs/``."""
    data, lines = parse_yaml(text, source=source)
    base_name = data.pop("extends", None)
    if base_name is not None:
        where = lines.get(("extends",), source)
        if (not isinstance(base_name, str) or not base_name.strip() or "/" in base_name or "\\" in base_name
                or base_name.startswith(".") or "\0" in base_name):
            raise ScenarioError(f"key 'extends' ({where}): must name a file in configs/")
        base_path = Path(base_dir) / "configs" / base_name
        if not base_path.is_file():
            raise ScenarioError(f"key 'extends' ({where}): no scenario '{base_name}' in configs/")
        base_data, base_lines = _load_with_extends(base_path)
        data, lines = _deep_merge(base_data, data), {**base_lines, **lines}
    data["base_dir"] = str(base_dir)
    return validate_scenario(data, lines, source=source)


def _project_root_for(path: Path) -> Path:
    """Configs live in ``<project>/configs``; seeds paths are relative to the project."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "configs" else folder
