"""Money around a plan's system cost: power revenue by plant vintage, the public budget (垃圾处理费 tipping fees
and the power subsidy) and the marginal system cost of one more tonne at each incinerator.

System cost counts what the province's waste system pays and earns, power sales at the tariff included; the
tipping fee is a payment from the government to the plant operator inside that system, so it is reported as a
public-budget line, never added to the system cost. The tariffs and heating values are those the plan's problem
was priced with (``plan.economics``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.siting.economics import DAYS_PER_YEAR
from wasteopt.siting.problem import WAN

if TYPE_CHECKING:
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.siting.plan import SitingPlan


def costing_scenario(plan: SitingPlan) -> Scenario:
    """The scenario the plan's flows were costed in: a plan for several futures shows its central future's."""
    s = plan.scenario
    if plan.futures is None or s.uncertainty is None:
        return s
    return s.future_scenario([f.name for f in s.uncertainty.futures].index(plan.futures.central))


def load_above_existing_tpd(plan: SitingPlan) -> pd.Series:
    """t/d of nameplate each incinerator uses beyond its existing lines' throughput (its expansion's share)."""
    fac = plan.facilities
    plants = fac[fac["technology"] == "incinerator"]
    load = plants["load_tpd"] if "load_tpd" in plants else plants["throughput_tpd"]
    return (load - costing_scenario(plan).incinerator.availability * plants["existing_capacity_tpd"]).clip(lower=0.0)


def subsidy_not_earned_cny(plan: SitingPlan) -> float:
    """CNY/yr of subsidy the arcs into existing plants credit but their expansion lines do not earn (the MILP
    charges it through ``above_existing_cost_per_t``)."""
    above = load_above_existing_tpd(plan)
    lost = plan.economics.plants["expansion_subsidy_cny_per_t"].reindex(above.index)
    return float((above * lost).sum()) * DAYS_PER_YEAR


def burnt_flows(plan: SitingPlan) -> pd.DataFrame:
    """Flows into incinerators with ``revenue_cny_per_t`` (power per t of that stream) and ``subsidy_cny_per_t``
    (its part above the coal benchmark)."""
    plants, factors = plan.economics.plants, plan.economics.heating_factors
    flows = plan.flows[plan.flows["destination_technology"] == "incinerator"].copy()
    factor = flows["stream"].map(factors).astype(float).fillna(1.0)  # float even when no flow is burnt
    flows["revenue_cny_per_t"] = flows["destination"].map(plants["power_revenue_cny_per_t"]).astype(float) * factor
    flows["subsidy_cny_per_t"] = flows["destination"].map(plants["power_subsidy_cny_per_t"]).astype(float) * factor
    return flows


def money_kpis(plan: SitingPlan) -> dict:
    """万元/yr: power revenue (in the system cost), of which subsidy, and the public budget: tipping fees paid for
    every tonne burnt plus the power subsidy."""
    flows = burnt_flows(plan)
    tonnes = flows["tonnes_per_day"]
    lost = subsidy_not_earned_cny(plan) / WAN
    revenue = float((tonnes * flows["revenue_cny_per_t"]).sum()) * DAYS_PER_YEAR / WAN - lost
    subsidy = float((tonnes * flows["subsidy_cny_per_t"]).sum()) * DAYS_PER_YEAR / WAN - lost
    fees = float(tonnes.sum()) * costing_scenario(plan).incinerator.tipping_fee_cny_per_t * DAYS_PER_YEAR / WAN
    return {"power_revenue_wan_cny_per_year": round(revenue, 1), "power_subsidy_wan_cny_per_year": round(subsidy, 1),
            "tipping_fees_wan_cny_per_year": round(fees, 1), "public_budget_wan_cny_per_year": round(fees + subsidy, 1)}


def marginal_cost_table(plan: SitingPlan) -> pd.DataFrame:
    """One row per incinerator of the plan: CNY per one more tonne of MSW there — haul (mean of the tonnes it
    receives now, collection leg to a transfer station not included), treatment (opex + priced CO2e), ash
    (its share × the ash haul and gate fee it pays now), power revenue by vintage (an existing plant loaded beyond
    its existing lines sells the next tonne from an expansion line, without the old subsidy), and the net marginal system
    cost; the tipping fee the government pays (public budget, outside the net) beside it."""
    inc, economics = costing_scenario(plan).incinerator, plan.economics
    fac = plan.facilities
    plants = fac[fac["technology"] == "incinerator"]
    tariffs = economics.plants.reindex(plants.index)
    # a tonne beyond the existing lines' throughput goes to an expansion line: no old subsidy for it
    above = load_above_existing_tpd(plan) > 1e-6
    revenue = ((tariffs["power_revenue_cny_per_t"] - tariffs["expansion_subsidy_cny_per_t"] * above)
               * economics.heating_factors["msw"])  # per t of the residual waste it burns
    msw = burnt_flows(plan)
    msw = msw[msw["stream"] == "msw"]
    haul = (msw["cost_per_t"] + msw["revenue_cny_per_t"]) * msw["tonnes_per_day"]
    tonnes = msw.groupby("destination")["tonnes_per_day"].sum()
    mean_haul = haul.groupby(msw["destination"]).sum() / tonnes.where(tonnes > 0)
    ash = plan.flows[plan.flows["stream"] == "ash"]
    ash_cost = ((ash["cost_per_t"] * ash["tonnes_per_day"]).groupby(ash["origin"]).sum()
                / ash.groupby("origin")["tonnes_per_day"].sum())
    table = pd.DataFrame({
        "name_zh": plants["name_zh"], "status": plants["status"],
        "vintage": ["new" if status == "new" else f"existing, subsidised {100 * share:.0f} %"
                    for status, share in zip(plants["status"], tariffs["subsidised_share"])],
        "load_tpd": plants["load_tpd"] if "load_tpd" in plants else plants["throughput_tpd"],
        "capacity_tpd": plants["capacity_tpd"],
        "haul_cny_per_t": mean_haul.reindex(plants.index),
        "treatment_cny_per_t": economics.technologies["incinerator"].cost_per_t,  # opex + priced CO2e
        "ash_cny_per_t": inc.ash_share * ash_cost.reindex(plants.index).fillna(0.0),
        "power_revenue_cny_per_t": -revenue.reindex(plants.index),
    }, index=plants.index)
    table["marginal_cost_cny_per_t"] = table[["haul_cny_per_t", "treatment_cny_per_t", "ash_cny_per_t",
                                              "power_revenue_cny_per_t"]].sum(axis=1, min_count=1)
    table["tipping_fee_cny_per_t"] = inc.tipping_fee_cny_per_t
    return table.sort_values("marginal_cost_cny_per_t")
