"""Waste sorting (垃圾分类): composition, capture rates, heating values and the plants of the sorted fractions."""
from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from wasteopt.config.scenario.section import MAX_CNY_PER_T, MAX_CNY_PER_T_KM, MAX_WAN_CNY, Section, UrbanRural


class CapturePoint(Section):
    """Share of a fraction that ends up in its own bin in ``year`` (urban and rural)."""

    year: int = Field(ge=2000, le=2060)
    urban: float = Field(ge=0, le=1)
    rural: float = Field(ge=0, le=1)


def _ramp(points: list[CapturePoint]) -> list[CapturePoint]:
    if any(b.year <= a.year for a, b in zip(points, points[1:])):
        raise ValueError("capture points must have strictly increasing years")
    return points


class Composition(Section):
    """Wet-mass shares of collected MSW (the rest is residual waste 其他垃圾)."""

    food: UrbanRural = Field(UrbanRural(urban=0.55, rural=0.40), description=(
        "厨余垃圾 incl. restaurant 餐厨 waste. Urban [derived]: below the 66 % (Beijing) and 71 % (Shanghai) "
        "kitchen-waste shares of large-city MSW (Wei et al. 2018 via th4.ilovetranslation.com/nReONgOt99L=d, "
        "weak) for Henan's smaller cities; rural [assumption]: food + coal ash ≈ 70 % (Zeng, Niu & Zhao 2015, "
        "Front. Environ. Sci. Eng.), ash taken as about 30 %"))
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


class CaptureRates(Section):
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
            "[assumption] no published Henan share: informal 废品回收 buyers take most saleable recyclables before "
            "MSW collection; sorting raises what reaches sorting centres"))
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


class HeatingValues(Section):
    """Lower heating values (LHV, as received) that set how much incinerator nameplate a tonne uses.

    Food waste: LHV = (1 − moisture) × dry LHV − 2,443 kJ/kg × moisture (2,443 kJ/kg: latent heat of water at
    25 °C). Residual waste: the mixed-waste LHV less what the captured fractions took out, per tonne left:
    LHV_res = (LHV_mixed − Σ_f captured_f × LHV_f) / (1 − Σ_f captured_f), captured_f as shares of the
    province's collected MSW. Capacity factor at an incinerator = max(1, LHV_res / rated LHV): a grate is
    limited by heat above its rated LHV and by tonnes below it."""

    mixed_kj_per_kg: float = Field(5400, gt=0, le=40000, description=(
        "mixed MSW as collected: rural MSW 5,368 kJ/kg in Han et al., Environ. Sci. Pollut. Res. 26 (2019) 8485 [src]"))
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


class DigesterSettings(Section):
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
                                "of MSW (Chen et al., 环境科学 44(5), 2023)")
    existing_file: str | None = Field(None, description=(
        "CSV site_id,name_zh,adcode,lon,lat,capacity_tpd,n_lines of food-waste plants in service: no public list "
        "exists, so none are assumed without it"))


class SortingCentreSettings(Section):
    """Recyclables sorting centre (分拣中心)."""

    module_tpd: float = Field(200, gt=0, le=5000, description="[assumption]")
    max_modules: int = Field(3, ge=1, le=20, description="[assumption]")
    site_cost_wan_cny: float = Field(1000, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(800, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    opex_cny_per_t: float = Field(150, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    product_price_cny_per_t: float = Field(300, ge=0, le=MAX_CNY_PER_T, description="per t of sorted recyclables sold [assumption]")
    product_share: float = Field(0.85, ge=0, le=1, description="sold per t received; the rest is residue to incineration or landfill [assumption]")
    min_load_share: float = Field(0.0, ge=0, le=1, description="none by default, as for food-waste plants [assumption]")


class CotreatmentSettings(Section):
    """Food waste burnt at incinerators (混烧) when no food-waste plant takes it."""

    allowed: bool = Field(False, description="policy switch: food waste may be burnt where no food-waste plant takes it")
    capacity_factor: float = Field(1.3, ge=1, le=5, description="t/d of nameplate per t/d of food waste: wet waste "
                                   "slows drying on the grate [assumption]")
    surcharge_cny_per_t: float = Field(50, ge=0, le=MAX_CNY_PER_T, description="leachate and auxiliary fuel [assumption]")


class SortingSettings(Section):
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
    food_cny_per_t_km: float = Field(1.5, ge=0, le=MAX_CNY_PER_T_KM, description=(
        "sealed food-waste trucks, like collection vehicles [assumption]: no published CNY/t·km found, bottom-up 2 × (fuel + crew + upkeep per km) / payload"))
    recyclables_cny_per_t_km: float = Field(1.0, ge=0, le=MAX_CNY_PER_T_KM, description="[assumption]")
