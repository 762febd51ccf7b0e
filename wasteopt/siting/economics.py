"""Technology economics of a scenario: annualised capital, CNY per tonne, power tariffs by plant vintage and the
heating values that set incinerator capacity and power per tonne.

``build_problem`` prices its problem with :func:`scenario_economics` once; the plan carries the result
(:class:`Economics`), so KPIs and budget lines read these figures instead of recomputing them. Money: capital is
annualised with the capital-recovery factor; every cost is CNY per year or per tonne.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, TYPE_CHECKING

import pandas as pd

from wasteopt.siting.cd_categories import densities, streams_to
from wasteopt.siting.problem import WAN, Technology

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

DAYS_PER_YEAR = 365.0
SORTED_FRACTIONS = ("food", "recyclables", "hazardous")


@dataclass(frozen=True)
class Economics:
    """The figures a scenario's problem is priced with, for the plan made from it.

    technologies: every technology (annual capital per site and module, CNY per t, capacity factors).
    plants: per incinerator site (index site id): ``subsidised_share`` of its output sold at the subsidised
      settlement, ``power_revenue_cny_per_t`` (per t of mixed MSW, by vintage), ``power_subsidy_cny_per_t`` (its
      part above the coal benchmark), ``expansion_subsidy_cny_per_t`` (what its expansion lines do not earn).
    heating_factors: power per t of each burnt stream relative to mixed MSW (a stream not listed: 1).
    residual_lhv_kj_per_kg: heating value of the residual waste.
    restoration_annual_cny: one landfill restored, annualised, CNY/yr.
    fixed_annual_cny: CNY/yr every plan pays alike (:func:`fixed_annual_cost_cny`).
    """

    technologies: Mapping[str, Technology]
    plants: pd.DataFrame = field(repr=False)
    heating_factors: Mapping[str, float]
    residual_lhv_kj_per_kg: float
    restoration_annual_cny: float
    fixed_annual_cny: float


def scenario_economics(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame) -> Economics:
    """The economics of ``scenario`` for its ``demand`` and ``sites`` (``demand_table`` and ``site_table`` of
    :mod:`wasteopt.siting.scenario_problem`)."""
    econ = scenario.economics
    crf = capital_recovery_factor(econ.discount_rate, econ.lifetime_years)
    revenue = power_revenue_cny_per_t(scenario, sites)
    inc = scenario.incinerator
    subsidy = (revenue - inc.tariff.market_cny_per_t()).clip(lower=0.0) if inc.power_revenue_cny_per_t is None \
        else revenue * 0.0
    plants = pd.DataFrame({"subsidised_share": subsidised_shares(scenario, sites), "power_revenue_cny_per_t": revenue,
                           "power_subsidy_cny_per_t": subsidy,
                           "expansion_subsidy_cny_per_t": expansion_subsidy_cny_per_t(scenario, sites)})
    return Economics(technologies=technologies(scenario, demand), plants=plants,
                     heating_factors=stream_heating_factors(scenario, demand),
                     residual_lhv_kj_per_kg=residual_heating_value(scenario, demand),
                     restoration_annual_cny=scenario.landfill.restoration_cost_wan_cny * WAN * crf,
                     fixed_annual_cny=fixed_annual_cost_cny(scenario, demand))


def capital_recovery_factor(rate: float, years: int) -> float:
    """Annual payment per CNY of capital over ``years`` at interest ``rate``."""
    if rate == 0:
        return 1.0 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def yard_capacity_tpd(scenario: Scenario) -> float:
    """A yard's volume spread over its horizon, as t/d of fill."""
    yard = scenario.cd.yard
    return yard.volume_m3 * yard.density_t_per_m3 / (yard.horizon_years * DAYS_PER_YEAR)


def incinerator_capital_cny(scenario: Scenario) -> tuple[tuple[float, ...], float, tuple[float, ...]]:
    """(line sizes t/d ascending, one-off capital of a new site, one-off capital per line of each size), CNY."""
    inc = scenario.incinerator
    sizes = tuple(sorted(set(inc.line_sizes_tpd)))
    per_line = tuple((inc.line_fixed_cost_wan_cny + size * inc.line_cost_wan_cny_per_tpd) * WAN for size in sizes)
    return sizes, inc.site_cost_wan_cny * WAN, per_line


def residual_heating_value(scenario: Scenario, demand: pd.DataFrame) -> float:
    """LHV (kJ/kg) of the residual waste left once the captured fractions are out (province totals of
    ``demand_table``); the formula is in :class:`wasteopt.config.scenario.HeatingValues`. Without sorting, the
    shorthand ``demand.sorted_out_share`` takes out kitchen waste: (LHV_mixed − s · LHV_food) / (1 − s) [derived]."""
    hv = scenario.sorting.heating_value
    if not scenario.sorting.enabled:
        share = scenario.demand.sorted_out_share
        return (hv.mixed_kj_per_kg - share * hv.food_kj_per_kg) / (1 - share)
    generated = float(demand["msw_generated_tpd"].sum())
    if generated <= 0:
        return hv.mixed_kj_per_kg
    lhv = {"food": hv.food_kj_per_kg, "recyclables": hv.recyclables_kj_per_kg, "hazardous": hv.hazardous_kj_per_kg}
    shares = {f: float(demand[f"{f}_tpd"].sum()) / generated for f in SORTED_FRACTIONS}
    left = 1.0 - sum(shares.values())
    return (hv.mixed_kj_per_kg - sum(shares[f] * lhv[f] for f in SORTED_FRACTIONS)) / left if left > 0 else hv.mixed_kj_per_kg


def incinerator_capacity_factors(scenario: Scenario, demand: pd.DataFrame | None) -> tuple[tuple[str, float], ...]:
    """t/d of incinerator nameplate per t/d of residual waste (heat-limited above the rated LHV) and of
    co-treated food waste (its moisture penalty); none when nothing is sorted out."""
    sorting = scenario.sorting
    if demand is None or not (sorting.enabled or scenario.demand.sorted_out_share > 0):
        return ()
    residual = max(1.0, residual_heating_value(scenario, demand) / sorting.heating_value.rated_kj_per_kg)
    factors = (("msw", residual),)
    if sorting.enabled and sorting.cotreatment.allowed:
        factors += (("food", sorting.cotreatment.capacity_factor),)
    return factors


def sorted_out_cost_cny_per_t(scenario: Scenario) -> float:
    """CNY per t the shorthand ``demand.sorted_out_share`` diverts: ``demand.sorted_out_cost_cny_per_t``, or a
    food-waste plant's net cost, opex − revenue + priced CO2e + the annualised capital of one largest line run
    full (site included) per t [derived from ``sorting.digester``; haul to it not counted]."""
    if scenario.demand.sorted_out_cost_cny_per_t is not None:
        return scenario.demand.sorted_out_cost_cny_per_t
    dig, econ = scenario.sorting.digester, scenario.economics
    size = max(dig.line_sizes_tpd)
    capital = (dig.site_cost_wan_cny + dig.line_fixed_cost_wan_cny + size * dig.line_cost_wan_cny_per_tpd) * WAN
    annual_t = size * dig.availability * DAYS_PER_YEAR
    return (dig.opex_cny_per_t - dig.revenue_cny_per_t + econ.carbon_price_cny_per_t_co2e * dig.co2e_t_per_t
            + capital * capital_recovery_factor(econ.discount_rate, econ.lifetime_years) / annual_t)


def fixed_annual_cost_cny(scenario: Scenario, demand: pd.DataFrame) -> float:
    """CNY/yr every plan pays alike: the waste the shorthand diverts before the plants (0 with sorting, whose
    fractions are sited)."""
    if scenario.sorting.enabled or "msw_sorted_out_tpd" not in demand:
        return 0.0
    return float(demand["msw_sorted_out_tpd"].sum()) * sorted_out_cost_cny_per_t(scenario) * DAYS_PER_YEAR


def subsidised_shares(scenario: Scenario, sites: pd.DataFrame) -> pd.Series:
    """Share of the target year's output each incinerator site (index site id) sells under the subsidised
    settlement: a plant in service at the baseline for the part of the year its subsidy hours still cover, a new
    plant ``new_plant_subsidy_share`` (:class:`wasteopt.config.scenario.PowerTariff`)."""
    tariff, year = scenario.incinerator.tariff, scenario.region.target_year
    plants = sites[sites["technology"] == "incinerator"]
    start = plants["start_year"] if "start_year" in plants else pd.Series(float("nan"), index=plants.index)
    shares = [tariff.new_plant_subsidy_share if is_new or pd.isna(started) else tariff.subsidised_share(int(started), year)
              for is_new, started in zip(plants["is_new"].astype(bool), start)]
    return pd.Series(shares, index=plants.index, dtype=float)


def power_revenue_cny_per_t(scenario: Scenario, sites: pd.DataFrame) -> pd.Series:
    """CNY per t of mixed MSW burnt at each incinerator site (index site id), by vintage: the coal benchmark plus
    the subsidy (801 settlement minus benchmark) × :func:`subsidised_shares`. The deprecated flat
    ``incinerator.power_revenue_cny_per_t`` wins."""
    inc = scenario.incinerator
    shares = subsidised_shares(scenario, sites)
    if inc.power_revenue_cny_per_t is not None:
        return pd.Series(inc.power_revenue_cny_per_t, index=shares.index, dtype=float)
    market = inc.tariff.market_cny_per_t()
    return market + (inc.tariff.subsidised_cny_per_t() - market) * shares


def expansion_subsidy_cny_per_t(scenario: Scenario, sites: pd.DataFrame) -> pd.Series:
    """CNY/t of subsidy an existing plant's arcs earn that its expansion lines do not (they are new projects,
    at the coal benchmark plus the new-plant share): charged on throughput beyond the existing lines'."""
    revenue = power_revenue_cny_per_t(scenario, sites)
    inc = scenario.incinerator
    if inc.power_revenue_cny_per_t is not None:
        return revenue * 0.0
    tariff = inc.tariff
    new_plant = tariff.market_cny_per_t() + tariff.new_plant_subsidy_share * (tariff.subsidised_cny_per_t() - tariff.market_cny_per_t())
    existing = ~sites.loc[revenue.index, "is_new"].astype(bool)
    return ((revenue - new_plant).clip(lower=0.0) * existing).astype(float)


def stream_heating_factors(scenario: Scenario, demand: pd.DataFrame) -> dict[str, float]:
    """Power per t of each burnt stream relative to mixed MSW (LHV_stream / LHV_mixed) [derived]: residual waste
    after sorting (or after the shorthand's kitchen waste is out), co-treated food waste; residues burn as mixed."""
    hv = scenario.sorting.heating_value
    factors = {"msw": residual_heating_value(scenario, demand) / hv.mixed_kj_per_kg}
    if scenario.sorting.enabled:
        factors |= {"food": hv.food_kj_per_kg / hv.mixed_kj_per_kg, "residue": 1.0}
    return factors


def technologies(scenario: Scenario, demand: pd.DataFrame | None = None) -> dict[str, Technology]:
    """Every technology of the scenario; ``demand`` (of ``demand_table``) sets the incinerators'
    capacity factors under sorting (without it they are 1, which the costs do not depend on)."""
    inc, econ = scenario.incinerator, scenario.economics
    crf = capital_recovery_factor(econ.discount_rate, econ.lifetime_years)
    carbon = econ.carbon_price_cny_per_t_co2e
    sizes, site_capital, line_capital = incinerator_capital_cny(scenario)
    sorting = scenario.sorting
    burnt = ("msw",) + (("residue",) if sorting.enabled else ())
    burnt += ("food",) if sorting.enabled and sorting.cotreatment.allowed else ()
    burnt += streams_to(scenario, "incinerator")
    techs = {
        "incinerator": Technology(
            name="incinerator", accepts=burnt, module_sizes_tpd=sizes,
            capacity_factors=incinerator_capacity_factors(scenario, demand),
            module_annual_cost=tuple(capital * crf for capital in line_capital),
            site_annual_cost=site_capital * crf, max_modules=inc.max_lines_per_site,
            availability=inc.availability, min_load_share=inc.min_load_share,
            cost_per_t=inc.opex_cny_per_t + carbon * inc.co2e_t_per_t,  # power revenue is per plant: on its arcs
            outputs=(("ash", inc.ash_share),) if inc.ash_share > 0 else (),
        ),
        "landfill": Technology(
            name="landfill", accepts=("msw", "ash", "cd_residue", "residue") + streams_to(scenario, "landfill"),
            operating_annual_cost=scenario.landfill.fixed_om_wan_cny_per_year * WAN, gated_streams=("msw",),
        ),
    }
    cd = scenario.cd
    if cd.enabled:
        techs["cd_reuse"] = Technology(name="cd_reuse", accepts=streams_to(scenario, "reuse"),
                                       cost_per_t=cd.onsite_reuse_cost_cny_per_t)
        techs["cd_yard"] = yard_technology(scenario, crf)
        rec = cd.recycler
        techs["cd_recycler"] = Technology(
            name="cd_recycler", accepts=streams_to(scenario, "recycler"), module_sizes_tpd=(rec.module_tpd,),
            module_annual_cost=(rec.module_cost_wan_cny * WAN * crf,), site_annual_cost=rec.site_cost_wan_cny * WAN * crf,
            max_modules=rec.max_modules, min_load_share=rec.min_load_share,
            cost_per_t=rec.opex_cny_per_t - rec.product_price_cny_per_t * rec.product_share,
            outputs=(("cd_residue", 1 - rec.product_share),) if rec.product_share < 1 else ())
        if streams_to(scenario, "dewatering"):
            dew = cd.dewatering
            techs["cd_dewatering"] = Technology(
                name="cd_dewatering", accepts=streams_to(scenario, "dewatering"), module_sizes_tpd=(dew.module_tpd,),
                module_annual_cost=(dew.module_cost_wan_cny * WAN * crf,), site_annual_cost=dew.site_cost_wan_cny * WAN * crf,
                max_modules=dew.max_modules, cost_per_t=dew.opex_cny_per_t, outputs=(("cd_residue", dew.cake_share),))
    if sorting.enabled:
        techs.update(_sorting_technologies(scenario, crf))
    tr = scenario.transfer
    if tr.enabled:
        tr_sizes = tuple(sorted(set(tr.module_sizes_tpd)))
        techs["transfer"] = Technology(
            name="transfer", accepts=("msw",), module_sizes_tpd=tr_sizes,
            module_annual_cost=tuple(tr.module_cost_wan_cny * WAN * crf for _ in tr_sizes),
            site_annual_cost=tr.site_cost_wan_cny * WAN * crf, max_modules=tr.max_modules,
            cost_per_t=tr.cost_cny_per_t, outputs=(("msw", 1.0),))
    return techs


def yard_technology(scenario: Scenario, crf: float) -> Technology:
    """The consumption yard (消纳场). Old form: one module of volume ÷ horizon t/d. With ``cd.yard.track_volume``:
    cells of ``volume_m3`` (the first and up to ``max_extensions`` more), each taking ``max_intake_tpd``; the fill
    in m³ (t ÷ each stream's density) is bounded by the cells built (a year's intake × horizon_years alone; phased,
    the fill so far)."""
    cd = scenario.cd
    yard = cd.yard
    accepts = ("cd_residue",) + streams_to(scenario, "yard")
    site_cost = yard.site_cost_wan_cny * WAN * crf
    if not yard.track_volume:
        return Technology(name="cd_yard", accepts=accepts, module_sizes_tpd=(yard_capacity_tpd(scenario),),
                          module_annual_cost=(0.0,), site_annual_cost=site_cost, max_modules=1,
                          cost_per_t=yard.gate_cost_cny_per_t)
    table = densities(scenario)
    return Technology(name="cd_yard", accepts=accepts, module_sizes_tpd=(yard.max_intake_tpd,),
                      module_annual_cost=(yard.cell_cost_wan_cny * WAN * crf,), site_annual_cost=site_cost,
                      max_modules=1 + yard.max_extensions, cost_per_t=yard.gate_cost_cny_per_t,
                      volume_m3_per_module=yard.volume_m3, fill_years=yard.horizon_years,
                      t_per_m3=tuple((stream, table[stream]) for stream in accepts))


def _sorting_technologies(scenario: Scenario, crf: float) -> dict[str, Technology]:
    """Food-waste plants (anaerobic digestion lines) and recyclables sorting centres; both pass a residue on."""
    sorting, carbon = scenario.sorting, scenario.economics.carbon_price_cny_per_t_co2e
    dig, centre = sorting.digester, sorting.sorting_centre
    sizes = tuple(sorted(set(dig.line_sizes_tpd)))
    return {
        "digester": Technology(
            name="digester", accepts=("food",), module_sizes_tpd=sizes,
            module_annual_cost=tuple((dig.line_fixed_cost_wan_cny + size * dig.line_cost_wan_cny_per_tpd) * WAN * crf
                                     for size in sizes),
            site_annual_cost=dig.site_cost_wan_cny * WAN * crf, max_modules=dig.max_lines_per_site,
            availability=dig.availability, min_load_share=dig.min_load_share,
            cost_per_t=dig.opex_cny_per_t - dig.revenue_cny_per_t + carbon * dig.co2e_t_per_t,
            outputs=(("residue", dig.residue_share),) if dig.residue_share > 0 else ()),
        "sorting_centre": Technology(
            name="sorting_centre", accepts=("recyclables",), module_sizes_tpd=(centre.module_tpd,),
            module_annual_cost=(centre.module_cost_wan_cny * WAN * crf,),
            site_annual_cost=centre.site_cost_wan_cny * WAN * crf, max_modules=centre.max_modules,
            min_load_share=centre.min_load_share,
            cost_per_t=centre.opex_cny_per_t - centre.product_price_cny_per_t * centre.product_share,
            outputs=(("residue", 1 - centre.product_share),) if centre.product_share < 1 else ()),
    }


