"""The KPIs of the streams a scenario may switch on: transfer stations, C&D waste, waste sorting."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.reporting.kpi_result import Cd, CdCategory, Sorting, Transfer, rounded
from wasteopt.siting.cd_categories import cd_streams, densities, is_cd_stream
from wasteopt.siting.economics import DAYS_PER_YEAR

if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.plan import SitingPlan


def transfer_kpis(plan: SitingPlan, first_leg: pd.DataFrame) -> Transfer:
    """How much MSW goes through transfer stations, and the haul at which transfer starts to pay; ``first_leg``:
    the MSW flows out of the counties."""
    s = plan.scenario
    via = first_leg[first_leg["destination_technology"] == "transfer"]
    direct = first_leg[first_leg["destination_technology"] != "transfer"]
    trunk = plan.flows[(plan.flows["stream"] == "msw") & plan.flows["origin"].isin(via["destination"])]
    saving_per_km = s.transfer.collection_cny_per_t_km - s.transport.msw_cny_per_t_km
    mean = lambda f: float((f["tonnes_per_day"] * f["km"]).sum() / f["tonnes_per_day"].sum()) if len(f) else None  # noqa: E731
    return Transfer(
        transfer_stations=int((plan.facilities["technology"] == "transfer").sum()),
        msw_via_transfer_tpd=rounded(via["tonnes_per_day"].sum(), 1),
        msw_via_transfer_share=rounded(via["tonnes_per_day"].sum() / first_leg["tonnes_per_day"].sum(), 4),
        direct_haul_mean_km=rounded(mean(direct), 2),
        transfer_trunk_mean_km=rounded(mean(trunk), 2),
        transfer_break_even_km=rounded(s.transfer.cost_cny_per_t / saving_per_km if saving_per_km > 0 else None, 1),
    )


def cd_kpis(plan: SitingPlan) -> Cd:
    """C&D: generated, reused on site, recycled, to yards, landfilled (t/d) and the recycling rate."""
    s = plan.scenario
    demand, flows = plan.demand, plan.flows
    cd = flows[flows["stream"].map(is_cd_stream).astype(bool)]
    county = cd_streams(s)
    into = lambda tech, streams=county + ("cd_residue",): float(  # noqa: E731
        cd.loc[(cd["destination_technology"] == tech) & cd["stream"].isin(streams), "tonnes_per_day"].sum())
    generated = float(demand["cd_generated_tpd"].sum())
    reused = into("cd_reuse", county)
    recycled = into("cd_recycler", county) * s.cd.recycler.product_share
    rate = (reused + recycled) / generated if generated else None
    return Cd(
        cd_generated_tpd=rounded(generated, 1), cd_reused_tpd=rounded(reused, 1),
        cd_recycled_tpd=rounded(recycled, 1), cd_to_yards_tpd=rounded(into("cd_yard"), 1),
        cd_landfilled_tpd=rounded(into("landfill"), 1),
        cd_t_km_per_day=rounded(float(cd["t_km_per_day"].sum()), 0),
        cd_recycling_rate=rounded(rate, 4), cd_recycling_target=s.cd.recycling_target_share,
        cd_recycling_target_met=bool(rate is not None and rate >= s.cd.recycling_target_share - 1e-9),
        cd_yards=int((plan.facilities["technology"] == "cd_yard").sum()),
        cd_recyclers=int((plan.facilities["technology"] == "cd_recycler").sum()),
        **_cd_haulage_kpis(plan, reused),
        by_category=_cd_categories(plan, cd) if s.cd.by_category else (),
    )


def _cd_categories(plan: SitingPlan, cd: pd.DataFrame) -> tuple[CdCategory, ...]:
    """Per category: generated and reused on site (t/d), and the m³ a year it fills in yards (t ÷ its density)."""
    out, density = [], densities(plan.scenario)
    for stream in cd_streams(plan.scenario):
        own = cd[cd["stream"] == stream]
        to_yard = float(own.loc[own["destination_technology"] == "cd_yard", "tonnes_per_day"].sum())
        out.append(CdCategory(
            stream, generated_tpd=rounded(plan.demand[f"{stream}_tpd"].sum(), 1),
            reused_tpd=rounded(own.loc[own["destination_technology"] == "cd_reuse", "tonnes_per_day"].sum(), 1),
            yard_m3_per_year=rounded(to_yard * DAYS_PER_YEAR / density[stream], 0)))
    return tuple(out)


def _cd_haulage_kpis(plan: SitingPlan, reused_tpd: float) -> dict:
    """C&D trucks: trips and truck-km a year (loaded out, empty back), trips on-site reuse avoids (a dust proxy),
    and the shortest life of a yard at its planned intake (years of volume), as :class:`Cd`'s fields."""
    cd = plan.scenario.cd
    hauled = plan.flows[plan.flows["stream"].map(is_cd_stream).astype(bool)
                        & (plan.flows["destination_technology"] != "cd_reuse")]
    trips = hauled["tonnes_per_day"] * DAYS_PER_YEAR / cd.truck_payload_t
    life = yard_life(plan)
    return {
        "cd_truck_trips_per_year": rounded(float(trips.sum()), 0),
        "cd_truck_km_per_year": rounded(float((2 * trips * hauled["km"]).sum()), 0),
        "cd_trips_avoided_by_reuse_per_year": rounded(reused_tpd * DAYS_PER_YEAR / cd.truck_payload_t, 0),
        "cd_yard_years_left_min": rounded(float(life["years_left"].min()), 2) if len(life) else None,
        "cd_yard_years_left": {site: rounded(float(years), 2) for site, years in life["years_left"].items()},
    }


def yard_life(plan: SitingPlan, days_per_year: float = 365.0) -> pd.DataFrame:
    """Per yard taking waste: ``fill_m3_per_year`` (each stream's t ÷ its density), ``volume_left_m3`` (phased with
    ``track_volume``: what the fill so far left; else the volume of its cells, or of a new yard, and what an existing
    yard still held) and ``years_left`` at that fill."""
    scenario, facilities = plan.scenario, plan.facilities
    yard = scenario.cd.yard
    yards = facilities[(facilities["technology"] == "cd_yard") & (facilities["throughput_tpd"] > 0)]
    flows = plan.flows[plan.flows["destination"].isin(yards.index)]
    m3 = flows["tonnes_per_day"] * days_per_year / flows["stream"].map(densities(scenario)).astype(float)  # float if none
    fill = m3.groupby(flows["destination"]).sum().reindex(yards.index, fill_value=0.0)
    held = yards["existing_volume_m3"].astype(float) if "existing_volume_m3" in yards else pd.Series(float("nan"), yards.index)
    if "volume_left_m3" in yards:
        left = yards["volume_left_m3"].astype(float)
    elif yard.track_volume:
        cells = (yards["capacity_tpd"] / yard.max_intake_tpd).round()
        left = (yard.volume_m3 * yards["new_modules"] + held).where(held.notna(), yard.volume_m3 * cells)
    else:
        left = held.where(held.notna(), yard.volume_m3)
    table = pd.DataFrame({"fill_m3_per_year": fill, "volume_left_m3": left})
    table["years_left"] = table["volume_left_m3"] / table["fill_m3_per_year"]
    return table


def sorting_kpis(plan: SitingPlan) -> Sorting:
    """Waste sorting: what each fraction amounts to and where it went (t/d), plant capacity, the residual
    waste's heating value (the official rates are in :func:`~wasteopt.reporting.kpi_compute.official_rates`)."""
    s = plan.scenario
    demand, flows, fac = plan.demand, plan.flows, plan.facilities

    def into(stream: str, technology: str) -> float:
        chosen = (flows["stream"] == stream) & (flows["destination_technology"] == technology)
        return float(flows.loc[chosen, "tonnes_per_day"].sum())

    digested, cotreated = into("food", "digester"), into("food", "incinerator")
    recovered = into("recyclables", "sorting_centre") * s.sorting.sorting_centre.product_share
    digesters = fac[fac["technology"] == "digester"]
    centres = fac[fac["technology"] == "sorting_centre"]
    incinerator = plan.economics.technologies["incinerator"]
    return Sorting(
        food_waste_tpd=rounded(demand["food_tpd"].sum(), 1),
        food_capture_rate=rounded(demand["food_tpd"].sum() / demand["food_generated_tpd"].sum()
                                  if demand["food_generated_tpd"].sum() else None, 4),
        food_waste_treated_tpd=rounded(digested + cotreated, 1),
        food_waste_digested_tpd=rounded(digested, 1),
        food_waste_cotreated_tpd=rounded(cotreated, 1),
        biological_capacity_tpd=rounded(digesters["capacity_tpd"].sum(), 1),
        food_waste_plants=int(len(digesters)),
        new_food_waste_plants=int((digesters["status"] == "new").sum()),
        recyclables_tpd=rounded(demand["recyclables_tpd"].sum(), 1),
        recyclables_recovered_tpd=rounded(recovered, 1),
        sorting_centres=int(len(centres)),
        sorting_capacity_tpd=rounded(centres["capacity_tpd"].sum(), 1),
        hazardous_tpd=rounded(demand["hazardous_tpd"].sum(), 1),
        residual_tpd=rounded(demand["msw_tpd"].sum(), 1),
        residual_incinerated_tpd=rounded(into("msw", "incinerator"), 1),
        residue_incinerated_tpd=rounded(into("residue", "incinerator"), 1),
        residue_landfilled_tpd=rounded(into("residue", "landfill"), 1),
        residual_lhv_kj_per_kg=rounded(plan.economics.residual_lhv_kj_per_kg, 0),
        residual_capacity_factor=rounded(incinerator.capacity_factor("msw"), 4),
    )
