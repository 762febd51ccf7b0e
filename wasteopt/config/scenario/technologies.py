"""The MSW technologies: incinerators (with the power tariff by vintage), landfills, transfer stations, and the
economics that annualise their capital."""
from __future__ import annotations

import warnings
from typing import Annotated

from pydantic import Field, model_validator

from wasteopt.config.scenario.section import MAX_CNY_PER_T, MAX_CNY_PER_T_KM, MAX_KM, MAX_WAN_CNY, Section


class PowerTariff(Section):
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


class IncineratorSettings(Section):
    line_sizes_tpd: list[Annotated[float, Field(gt=0, le=10000)]] = Field([300.0, 500.0, 750.0], min_length=1, max_length=20)
    max_lines_per_site: int = Field(6, ge=1, le=20)
    # 5,000 (was 10,000 [assumption]): closer to the quoted costs of small plants (蛟河 1×500, 湘阴 2×300, 德惠
    # 2×400 t/d: 5–11 % above them, 19–33 % at 10,000) and, over the whole 2020–24 backtest, the better fit
    # (configs/calibration/henan.yaml; README "Backtest": the 2021–22 and 2023–24 windows favour other points).
    site_cost_wan_cny: float = Field(5000, ge=0, le=MAX_WAN_CNY, description="fixed cost of a new site (land, grid, leachate, ash plant) "
                                     "[derived: quoted project costs of small plants, backtested on the 2021–24 build-out]")
    line_fixed_cost_wan_cny: float = Field(3000, ge=0, le=MAX_WAN_CNY, description="fixed cost per line (economy of scale of larger lines) [assumption]")
    line_cost_wan_cny_per_tpd: float = Field(34, ge=0, le=10_000, description=(
        "cost per t/d of line capacity [derived]: with the fixed parts ≈ 45 万/t·d at 2×500 t/d, the low end of the "
        "45–72 万/t·d of Jiaohe, Dehui, Xiangyin, Linxia, Enshi and Nanhai (news reports of the approvals, 2021–24)"))
    opex_cny_per_t: float = Field(125, ge=0, le=MAX_CNY_PER_T, description=(
        "207 full cost − 82 depreciation CNY/t [weak]: WtE cost split, fudaoke.com/exam/3049989.html (secondary)"))
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
    co2e_t_per_t: float = Field(-0.13, ge=-5, le=5, description=(
        "net GHG per t incinerated with power [src]: Qingdao LCA, Chen et al., 环境科学 44(5) 2023"))

    @model_validator(mode="after")
    def _flat_revenue_deprecated(self):
        if self.power_revenue_cny_per_t is not None:
            warnings.warn("incinerator.power_revenue_cny_per_t is deprecated: it gives every plant one flat revenue; "
                          "remove it to price power by plant vintage (incinerator.tariff)", FutureWarning, stacklevel=2)
        return self


class LandfillSettings(Section):
    gate_cost_cny_per_t: float = Field(60, ge=0, le=MAX_CNY_PER_T, description="[assumption]")
    fixed_om_wan_cny_per_year: float = Field(150, ge=0, le=MAX_WAN_CNY, description="a landfill kept running for raw MSW [assumption]")
    restoration_cost_wan_cny: float = Field(3000, ge=0, le=MAX_WAN_CNY, description="ecological closure of a stopped landfill, one-off [assumption]")
    max_haul_km: float = Field(50, gt=0, le=MAX_KM, description="raw MSW is landfilled only this close to its county [assumption]")
    ash_gate_cost_cny_per_t: float = Field(100, ge=0, le=MAX_CNY_PER_T, description="stabilised fly/bottom ash [assumption]")
    co2e_t_per_t: float = Field(0.686, ge=-5, le=5, description="mixed MSW landfill [src]: Qingdao LCA, Chen et al., 环境科学 44(5) 2023")


class EconomicsSettings(Section):
    discount_rate: float = Field(0.06, ge=0, le=0.5)
    lifetime_years: int = Field(25, ge=1, le=100)
    carbon_price_cny_per_t_co2e: float = Field(60, ge=0, le=MAX_CNY_PER_T, description="[assumption] near China ETS prices")


class TransferSettings(Section):
    """Optional second echelon for MSW: county → transfer station → plant, with a cheaper trunk haul."""

    enabled: bool = False
    candidate_sites_file: str | None = Field(None, description="CSV site_id,name_zh,adcode,lon,lat; default: county seats")
    module_sizes_tpd: list[Annotated[float, Field(gt=0, le=10000)]] = Field(
        [450.0, 1000.0], min_length=1, max_length=20, description="CJJ/T 47 classes [assumption]")
    max_modules: int = Field(3, ge=1, le=10)
    site_cost_wan_cny: float = Field(600, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    module_cost_wan_cny: float = Field(400, ge=0, le=MAX_WAN_CNY, description="[assumption]")
    cost_cny_per_t: float = Field(20, ge=0, le=MAX_CNY_PER_T, description="handling and compaction [assumption]")
    collection_cny_per_t_km: float = Field(1.5, ge=0, le=MAX_CNY_PER_T_KM, description=(
        "collection vehicles, direct or to the station [assumption]: no published CNY/t·km found, bottom-up "
        "2 × (0.3 L/km × 7.5 CNY/L + 2.5 crew + 1.5 upkeep CNY/km) / 8 t ≈ 1.5"))
    max_feed_km: float = Field(40, gt=0, le=MAX_KM, description="county → station haul limit")
