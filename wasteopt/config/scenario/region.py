"""Where the waste comes from and how it travels: region files and years, demand and its calibration, the road
network, transport costs."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from wasteopt.config.scenario.section import MAX_CNY_PER_T, MAX_CNY_PER_T_KM, MAX_KM, MAX_TPD, Section, UrbanRural, UrbanRuralShare


class RegionSettings(Section):
    seeds: str = Field("seeds/henan", description="folder with counties.csv, plants, boundaries")
    baseline_year: int = Field(2020, ge=2000, le=2050, description="plants whose first furnace started in or before this year exist")
    target_year: int = Field(2025, ge=2000, le=2060, description="year the demand is projected to")
    landfills_file: str | None = Field(None, description="CSV of landfills (site_id,name_zh,adcode,lon,lat); default: one assumed per county seat")
    candidate_sites_file: str | None = Field(None, description="CSV of candidate plant sites (site_id,name_zh,adcode,lon,lat); default: county seats")
    townships: int | None = Field(None, ge=1, le=100_000, description=(
        "demand at township resolution: this many synthetic township points (合成乡镇, generated inside the county "
        "boundaries by 2020 census population, county totals kept) instead of the county units; null = counties"))
    township_seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the synthetic townships: one seed, one set")

    @model_validator(mode="after")
    def _years_ordered(self):
        if self.target_year < self.baseline_year:
            raise ValueError(f"target_year {self.target_year} is before baseline_year {self.baseline_year}")
        return self


# Henan's factor, fitted once: the default rates and growth (1.1 / 0.52 kg/cap/d, collection 1.0 / 0.95, 2 %/yr)
# give 87,512 t/d in 2023 from the 2020 census; × 0.822748 = 72,000 t/d observed (tests/test_region.py checks it).
HENAN_CALIBRATION_FACTOR = 0.822748


class Calibration(Section):
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


class DemandSettings(Section):
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
        source="Henan 2023: 4.9 万 t/d incinerated = 68 % of harmless treatment (ruisenzm.com/news/industry/1364.html) "
               "→ 4.9 / 0.68 ≈ 7.2 万 t/d",
    ), description="modelled → observed collected MSW (see Calibration); null: no calibration (factor 1)")


class NetworkSettings(Section):
    circuity: float = Field(1.3, ge=1.0, le=3.0, description="road km per straight-line km")
    max_haul_km: float = Field(150, gt=0, le=MAX_KM, description="longest allowed haul, road km")
    k_nearest: int = Field(0, ge=0, le=50, description="also keep this many nearest sites per node beyond max_haul_km")
    od_matrix_file: str | None = Field(None, description="CSV/Parquet with origin,destination,km instead of haversine")
    osm_file: str | None = Field(None, description="OSM extract (.osm.pbf/.osm): `wasteopt route` drives on its roads")
    road_speeds_kmh: dict[str, Annotated[float, Field(ge=0, le=200)]] = Field({}, max_length=100, description="truck km/h per OSM highway class over the defaults; 0 drops a class")
    snap_tolerance_m: float = Field(1000, gt=0, le=50000, description="farthest a point may lie from the road network, m")


class TransportSettings(Section):
    msw_cny_per_t_km: float = Field(0.8, ge=0, le=MAX_CNY_PER_T_KM, description=(
        "trunk haul county → plant, 20 t truck [assumption]: no published CNY/t·km found, bottom-up 2 × (fuel + crew + upkeep per km) / payload"))
    ash_cny_per_t_km: float = Field(0.8, ge=0, le=MAX_CNY_PER_T_KM)
    co2_kg_per_t_km: float = Field(0.2, ge=0, le=10, description=(
        "diesel, per loaded t·km [derived]: 0.3 L/km × 2.64 kg CO2/L (WIH Resource Group 2008) / 8 t ≈ 0.1, "
        "doubled for the empty return ≈ 0.2"))
