"""The KPIs of a siting plan (:class:`~wasteopt.reporting.kpi_result.Kpis`) and the check against the province's
goals (Henan 十四五 plan). The stream KPIs (transfer, C&D, sorting) are in :mod:`wasteopt.reporting.kpi_streams`,
a plan for several futures in :mod:`wasteopt.reporting.kpi_futures`; how KPIs are shown in
:mod:`wasteopt.reporting.kpi`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from wasteopt.reporting.budget import costing_scenario, marginal_cost_table, money_kpis, subsidy_not_earned_cny
from wasteopt.reporting.kpi_futures import futures_kpis
from wasteopt.reporting.kpi_result import (Budget, Capacity, Cost, Goal, Haul, Kpis, Landfills, Rates, Solve,
                                           VintageCost, Waste, rounded)
from wasteopt.reporting.kpi_streams import cd_kpis, sorting_kpis, transfer_kpis
from wasteopt.siting.economics import DAYS_PER_YEAR

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.policy import Goals
    from wasteopt.siting.plan import SitingPlan

UNDER_LOADED_SHARE = 0.7  # flag plants below 70 % utilisation [assumption]; Hebi ran at ≈ 50 % load (2021 central inspection)


def annual_cost_cny(plan: SitingPlan) -> float:
    """System cost of the plan in CNY/yr, recomputed from its flows and facilities.

    Equals the MILP objective for min_cost scenarios (a test checks it) and prices the plans of
    the classic objectives (p-median, coverage) on the same terms.
    """
    economics = plan.economics
    techs = economics.technologies
    fac, flows = plan.facilities, plan.flows
    processing = flows["destination_technology"].map(lambda t: techs[t].cost_per_t).astype(float)  # float even when empty
    variable = float(((flows["cost_per_t"] + processing) * flows["tonnes_per_day"]).sum()) * DAYS_PER_YEAR

    def capital(row) -> float:
        tech = techs[row["technology"]]
        cost = tech.site_annual_cost if row["status"] == "new" else 0.0
        if row["new_modules"]:
            cost += row["new_modules"] * tech.module_annual_cost[list(tech.module_sizes_tpd).index(row["module_size_tpd"])]
        return cost

    built = fac[fac["technology"] != "landfill"]
    capital_cost = float(built.apply(capital, axis=1).sum()) if len(built) else 0.0
    landfills = fac[fac["technology"] == "landfill"]
    running = (landfills["status"] == "landfill_running").sum() * techs["landfill"].operating_annual_cost
    restoration = (landfills["status"] == "landfill_restored").sum() * economics.restoration_annual_cny
    return float(variable + capital_cost + running + restoration + economics.fixed_annual_cny
                 + subsidy_not_earned_cny(plan))


def compute_kpis(plan: SitingPlan) -> Kpis:
    """The plan's KPIs (a plan for several futures: its central future's), goals checked; ``to_dict()`` gives
    kpis.json's flat object."""
    s = costing_scenario(plan)
    fac, flows, demand = plan.facilities, plan.flows, plan.demand
    plants = fac[fac["technology"] == "incinerator"]
    msw = flows[flows["stream"] == "msw"]
    first_leg = msw[msw["origin"].isin(demand.index)]
    raw_landfill = float(msw.loc[msw["destination_technology"] == "landfill", "tonnes_per_day"].sum())
    incinerated = float(msw.loc[msw["destination_technology"] == "incinerator", "tonnes_per_day"].sum())
    new = plants[plants["status"] == "new"]
    expanded = plants[plants["status"] == "expanded"]
    new_capacity = float(new["capacity_tpd"].sum() + (expanded["capacity_tpd"] - expanded["existing_capacity_tpd"]).sum())
    capacity = float(plants["capacity_tpd"].sum())
    t_km = float(flows["t_km_per_day"].sum())
    msw_tonnes = float(first_leg["tonnes_per_day"].sum())
    mean_haul = float((first_leg["tonnes_per_day"] * first_leg["km"]).sum() / msw_tonnes) if msw_tonnes else 0.0
    burnt = float(flows.loc[flows["destination_technology"] == "incinerator", "tonnes_per_day"].sum())  # + residues, food
    co2e = DAYS_PER_YEAR * (burnt * s.incinerator.co2e_t_per_t + raw_landfill * s.landfill.co2e_t_per_t
                            + t_km * s.transport.co2_kg_per_t_km / 1000.0)
    load = plants["load_tpd"] if "load_tpd" in plants else plants["throughput_tpd"]  # runs written before load_tpd
    utilisation = load / plants["capacity_tpd"]
    sorting = sorting_kpis(plan) if s.sorting.enabled else None
    if sorting is not None:
        co2e += DAYS_PER_YEAR * sorting.food_waste_digested_tpd * s.sorting.digester.co2e_t_per_t
    cost = annual_cost_cny(plan)
    # per tonne of all MSW collected, sorted or not: one denominator, so sorted and unsorted runs compare
    collected = float(demand["msw_generated_tpd"].sum())
    kpis = Kpis(
        solve=Solve(scenario=plan.scenario.name, status=plan.status, objective=rounded(plan.objective, 0),
                    best_bound=rounded(plan.best_bound, 0), gap=rounded(plan.gap, 6),
                    solve_seconds=rounded(plan.solve_seconds, 2), rel_gap_asked=plan.rel_gap, backend=plan.backend,
                    search_seed=s.solver.search_seed if s.solver.search and plan.backend == "highs" else None,
                    solver_message=plan.message, target_year=s.region.target_year),
        waste=Waste(msw_generated_tpd=rounded(demand["msw_generated_tpd"].sum(), 1),
                    msw_sorted_out_tpd=rounded(demand["msw_sorted_out_tpd"].sum(), 1),
                    msw_to_treat_tpd=rounded(demand["msw_tpd"].sum(), 1),
                    msw_incinerated_tpd=rounded(incinerated, 1), raw_msw_landfill_tpd=rounded(raw_landfill, 1)),
        capacity=Capacity(incineration_capacity_tpd=rounded(capacity, 1),
                          existing_plants=int((plants["status"] != "new").sum()), expanded_plants=int(len(expanded)),
                          new_plants=int(len(new)), new_capacity_tpd=rounded(new_capacity, 1),
                          mean_utilisation=rounded(load.sum() / capacity if capacity else None, 4),
                          plants_under_70pct_load=int((utilisation < UNDER_LOADED_SHARE).sum())),
        landfills=landfill_kpis(plan),
        haul=Haul(mean_haul_km=rounded(mean_haul, 2),
                  max_haul_km=rounded(first_leg["km"].max() if len(first_leg) else 0.0, 2),
                  t_km_per_day=rounded(t_km, 0)),
        cost=Cost(objective_kind=s.objective.kind, cost_cny_per_year=rounded(cost, 0),
                  cost_wan_cny_per_year=rounded(cost / 1e4, 1),
                  cost_cny_per_t=rounded(cost / (DAYS_PER_YEAR * collected) if collected else None, 2),
                  co2e_t_per_year=rounded(co2e, 0)),
        rates=official_rates(plan),
        budget=Budget(**money_kpis(plan)),
        marginal_cost_by_vintage=_marginal_by_vintage(plan),
        transfer=transfer_kpis(plan, first_leg) if s.transfer.enabled else None,
        cd=cd_kpis(plan) if s.cd.enabled else None,
        sorting=sorting,
        capacity_path=None if plan.capacity_path is None else tuple(
            {k: rounded(v, 1) if isinstance(v, float) else int(v) for k, v in row.items()}
            for row in plan.capacity_path.to_dict("records")),
        futures=None if plan.futures is None else futures_kpis(plan.futures),
    )
    return replace(kpis, goals=goal_checks(kpis, s.goals))


def landfill_kpis(plan: SitingPlan) -> Landfills:
    """Landfills of the region, stopped and restored by the plan, and the landfill goals measured on the landfill
    table: rows from a public record vs assumed rows, those closed on record by the target year, and the recorded
    ones the plan stops (or that closed on record)."""
    table, fac = plan.region.landfills, plan.facilities
    landfills = fac[fac["technology"] == "landfill"]
    stopped = set(landfills.index[landfills["status"].isin(["landfill_stopped", "landfill_restored"])])
    counts = Landfills(landfills_total=int(len(table)), landfills_stopped=len(stopped),
                       landfills_restored=int((landfills["status"] == "landfill_restored").sum()))
    if "closed_year" not in table:  # regions whose landfill table has no records
        return counts
    recorded = table[~table["assumed"].astype(bool)]
    closed = set(recorded.loc[recorded["closed_year"] <= costing_scenario(plan).region.target_year, "site_id"])
    return replace(counts, landfills_on_record=int(len(recorded)), landfills_assumed=int(len(table) - len(recorded)),
                   landfills_closed_on_record=len(closed),
                   landfills_stopped_on_record=len((stopped | closed) & set(recorded["site_id"])))


def official_rates(plan: SitingPlan) -> Rates:
    """The two official rates, shares of MSW collected (generated):
    回收利用率 recycling rate = (recyclables sold + food waste biologically treated) / collected, national target
    ≥ 35 % by 2025; 资源化利用率 resource-utilisation rate = the same + waste incinerated with energy recovery
    (residual waste, co-treated food, sorting-centre residues; digester residues are inside the food treated),
    target ≈ 60 % (发改环资〔2021〕642号). Without sorting, kitchen waste the shorthand diverts counts as
    biologically treated (it is priced so)."""
    s, flows, demand = costing_scenario(plan), plan.flows, plan.demand
    generated = float(demand["msw_generated_tpd"].sum())
    into = lambda stream, tech: float(flows.loc[(flows["stream"] == stream)  # noqa: E731
                                                & (flows["destination_technology"] == tech), "tonnes_per_day"].sum())
    if s.sorting.enabled:
        recycled = into("recyclables", "sorting_centre") * s.sorting.sorting_centre.product_share + into("food", "digester")
        residue = flows[(flows["stream"] == "residue") & (flows["destination_technology"] == "incinerator")]
        from_centres = residue["origin"].map(plan.facilities["technology"]).eq("sorting_centre")
        burnt = into("msw", "incinerator") + into("food", "incinerator") + float(residue.loc[from_centres, "tonnes_per_day"].sum())
    else:
        recycled = float(demand["msw_sorted_out_tpd"].sum())
        burnt = into("msw", "incinerator")
    share = lambda tonnes: rounded(tonnes / generated if generated else None, 4)  # noqa: E731
    pct = lambda tonnes: rounded(100 * tonnes / generated if generated else None, 1)  # noqa: E731
    return Rates(recycling_rate=share(recycled), recycling_pct=pct(recycled),
                 resource_utilisation_rate=share(recycled + burnt), resource_utilisation_pct=pct(recycled + burnt))


def _marginal_by_vintage(plan: SitingPlan) -> tuple[VintageCost, ...]:
    """CNY per one more tonne at the plan's incinerators, load-weighted per vintage (existing subsidised, existing
    past their subsidy hours, new): haul, treatment, ash, power revenue, net (see :mod:`wasteopt.reporting.budget`)."""
    table = marginal_cost_table(plan)
    table = table[table["load_tpd"] > 0].copy()
    if table.empty:
        return ()
    table["group"] = [("new" if status == "new" else "existing, subsidised" if "subsidised 0 %" not in vintage
                       else "existing, subsidy hours used up") for status, vintage in zip(table["status"], table["vintage"])]
    parts = ["haul_cny_per_t", "treatment_cny_per_t", "ash_cny_per_t", "power_revenue_cny_per_t", "marginal_cost_cny_per_t"]
    rows = []
    for group, part in table.groupby("group", sort=True):
        weights = part["load_tpd"]
        rows.append(VintageCost(vintage=group, plants=int(len(part)), load_tpd=rounded(weights.sum(), 1),
                                **{key: rounded((part[key].fillna(0.0) * weights).sum() / weights.sum(), 2)
                                   for key in parts}))
    return tuple(rows)


def goal_checks(kpis: Mapping, goals: Goals) -> tuple[Goal, ...]:
    """The plan's four headline goals (and the rate goals the scenario sets), each with target, value and met;
    ``kpis`` by their kpis.json keys."""
    rows = [
        ("zero raw MSW landfill", "原生垃圾零填埋", "raw_msw_landfill_tpd", "≤", goals.raw_msw_landfill_tpd, "t/d"),
        ("incineration capacity", "焚烧处理能力", "incineration_capacity_tpd", "≥", goals.incineration_capacity_tpd, "t/d"),
        ("new incineration plants", "新建焚烧设施", "new_plants", "≥", goals.new_plants, "plants"),
        ("landfills stopped", "停用填埋场", "landfills_stopped", "≥", goals.landfills_stopped, "landfills"),
    ]
    if goals.resource_utilisation_rate is not None:
        rows.append(("resource-utilisation rate", "资源化利用率", "resource_utilisation_pct", "≥",
                     100 * goals.resource_utilisation_rate, "%"))
    if goals.recycling_rate is not None:
        rows.append(("recycling rate", "回收利用率", "recycling_pct", "≥", 100 * goals.recycling_rate, "%"))
    checks = []
    for name, name_zh, key, sense, target, unit in rows:
        value = kpis.get(key)
        met = value is not None and (value <= target + 1e-6 if sense == "≤" else value >= target - 1e-6)
        checks.append(Goal(goal=name, goal_zh=name_zh, kpi=key, sense=sense, target=target, value=value, unit=unit,
                           met=bool(met)))
    return tuple(checks)


