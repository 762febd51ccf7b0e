"""KPIs of a siting plan and the check against the province's goals (Henan 十四五 plan)."""
from __future__ import annotations

import json
import math

import pandas as pd

from wasteopt.reporting.budget import costing_scenario, marginal_cost_table, money_kpis, subsidy_not_earned_cny
from wasteopt.siting.plan import SitingPlan
from wasteopt.siting.cd_categories import cd_streams, densities, is_cd_stream

DAYS_PER_YEAR = 365.0
UNDER_LOADED_SHARE = 0.7  # DOMAIN §3: flag plants below 70 % utilisation


def _round(value, digits=3):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


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


def compute_kpis(plan: SitingPlan) -> dict:
    """Flat KPI dict (units in names) plus ``goals``: each with target, value, met (a plan for several futures:
    its central future's)."""
    s = costing_scenario(plan)
    fac, flows, demand = plan.facilities, plan.flows, plan.demand
    plants = fac[fac["technology"] == "incinerator"]
    landfills_all = plan.region.landfills
    msw = flows[flows["stream"] == "msw"]
    first_leg = msw[msw["origin"].isin(demand.index)]
    raw_landfill = float(msw.loc[msw["destination_technology"] == "landfill", "tonnes_per_day"].sum())
    incinerated = float(msw.loc[msw["destination_technology"] == "incinerator", "tonnes_per_day"].sum())
    landfills = fac[fac["technology"] == "landfill"]
    stopped = int(landfills["status"].isin(["landfill_stopped", "landfill_restored"]).sum())
    restored = int((landfills["status"] == "landfill_restored").sum())
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
    cost = annual_cost_cny(plan)
    # per tonne of all MSW collected, sorted or not: one denominator, so sorted and unsorted runs compare
    collected = float(demand["msw_generated_tpd"].sum())
    kpis = {
        "scenario": plan.scenario.name,
        "status": plan.status,
        "objective": _round(plan.objective, 0),
        "best_bound": _round(plan.best_bound, 0),
        "gap": _round(plan.gap, 6),
        "solve_seconds": _round(plan.solve_seconds, 2),
        "rel_gap_asked": plan.rel_gap,
        "backend": plan.backend,
        "search_seed": s.solver.search_seed if s.solver.search and plan.backend == "highs" else None,
        "solver_message": plan.message,
        "target_year": s.region.target_year,
        "msw_generated_tpd": _round(demand["msw_generated_tpd"].sum(), 1),
        "msw_sorted_out_tpd": _round(demand["msw_sorted_out_tpd"].sum(), 1),
        "msw_to_treat_tpd": _round(demand["msw_tpd"].sum(), 1),
        "msw_incinerated_tpd": _round(incinerated, 1),
        "raw_msw_landfill_tpd": _round(raw_landfill, 1),
        "incineration_capacity_tpd": _round(capacity, 1),
        "existing_plants": int((plants["status"] != "new").sum()),
        "expanded_plants": int(len(expanded)),
        "new_plants": int(len(new)),
        "new_capacity_tpd": _round(new_capacity, 1),
        "mean_utilisation": _round(load.sum() / capacity if capacity else None, 4),
        "plants_under_70pct_load": int((utilisation < UNDER_LOADED_SHARE).sum()),
        "landfills_total": int(len(landfills_all)),
        "landfills_stopped": stopped,
        "landfills_restored": restored,
        **_landfill_record_kpis(plan.region.landfills, landfills, s.region.target_year),
        "mean_haul_km": _round(mean_haul, 2),
        "max_haul_km": _round(first_leg["km"].max() if len(first_leg) else 0.0, 2),
        "t_km_per_day": _round(t_km, 0),
        "objective_kind": s.objective.kind,
        "cost_cny_per_year": _round(cost, 0),
        "cost_wan_cny_per_year": _round(cost / 1e4, 1),
        "cost_cny_per_t": _round(cost / (DAYS_PER_YEAR * collected) if collected else None, 2),
        "co2e_t_per_year": _round(co2e, 0),
    }
    kpis.update(official_rates(plan))
    kpis.update(money_kpis(plan))
    kpis["marginal_cost_by_vintage"] = _marginal_by_vintage(plan)
    if s.transfer.enabled:
        kpis.update(_transfer_kpis(plan, first_leg))
    if s.cd.enabled:
        kpis.update(_cd_kpis(plan))
    if s.sorting.enabled:
        kpis.update(_sorting_kpis(plan))
        kpis["co2e_t_per_year"] = _round(co2e + DAYS_PER_YEAR * kpis["food_waste_digested_tpd"]
                                         * s.sorting.digester.co2e_t_per_t, 0)
    if plan.capacity_path is not None:
        kpis["capacity_path"] = [{k: _round(v, 1) if isinstance(v, float) else int(v) for k, v in row.items()}
                                 for row in plan.capacity_path.to_dict("records")]
    if plan.futures is not None:
        kpis.update(futures_kpis(plan.futures))
    kpis["goals"] = goal_checks(kpis, s.goals)
    return kpis


def _landfill_record_kpis(table: pd.DataFrame, landfills: pd.DataFrame, year: int) -> dict:
    """The landfill goals measured on the landfill table: rows from a public record vs assumed rows, those
    closed on record by ``year``, and the recorded ones the plan stops (or that closed on record)."""
    if "closed_year" not in table:  # runs written before the landfill table had records
        return {}
    recorded = table[~table["assumed"].astype(bool)]
    closed = set(recorded.loc[recorded["closed_year"] <= year, "site_id"])
    stopped = set(landfills.index[landfills["status"].isin(["landfill_stopped", "landfill_restored"])])
    return {"landfills_on_record": int(len(recorded)), "landfills_assumed": int(len(table) - len(recorded)),
            "landfills_closed_on_record": len(closed),
            "landfills_stopped_on_record": len((stopped | closed) & set(recorded["site_id"]))}


def official_rates(plan: SitingPlan) -> dict:
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
    share = lambda tonnes: _round(tonnes / generated if generated else None, 4)  # noqa: E731
    return {"recycling_rate": share(recycled), "recycling_pct": _round(100 * recycled / generated if generated else None, 1),
            "resource_utilisation_rate": share(recycled + burnt),
            "resource_utilisation_pct": _round(100 * (recycled + burnt) / generated if generated else None, 1)}


def _marginal_by_vintage(plan: SitingPlan) -> list[dict]:
    """CNY per one more tonne at the plan's incinerators, load-weighted per vintage (existing subsidised, existing
    past their subsidy hours, new): haul, treatment, ash, power revenue, net (see :mod:`wasteopt.reporting.budget`)."""
    table = marginal_cost_table(plan)
    table = table[table["load_tpd"] > 0].copy()
    if table.empty:
        return []
    table["group"] = [("new" if status == "new" else "existing, subsidised" if "subsidised 0 %" not in vintage
                       else "existing, subsidy hours used up") for status, vintage in zip(table["status"], table["vintage"])]
    parts = ["haul_cny_per_t", "treatment_cny_per_t", "ash_cny_per_t", "power_revenue_cny_per_t", "marginal_cost_cny_per_t"]
    rows = []
    for group, part in table.groupby("group", sort=True):
        weights = part["load_tpd"]
        rows.append({"vintage": group, "plants": int(len(part)), "load_tpd": _round(weights.sum(), 1),
                     **{key: _round((part[key].fillna(0.0) * weights).sum() / weights.sum(), 2) for key in parts}})
    return rows


def futures_kpis(assessment) -> dict:
    """A plan for several futures: each future (its changes in words, weight, own optimum with its proven gap and
    interval, the robust plan's cost and raw landfill there), every plan × future, the expected costs, and VSS,
    EVPI and policy premium (万元/yr) each with the interval its solves' gaps allow (``…_interval_wan_cny``).

    The VSS is measured against the mean-value problem's plan (``vss_reference_plan``). When that plan breaks
    the policy in a future that must keep it, the VSS is unbounded: ``value_of_stochastic_solution_unbounded``
    is true, ``mean_value_plan_breaches`` names those futures, no VSS figure is written, and
    ``policy_premium_wan_cny`` is what the robust plan costs more than that plan with its shortfall landfilled.
    ``futures_solves_above_gap`` lists the solves that stopped above the gap asked for (the figures are then
    marked unreliable)."""
    outcomes = assessment.outcomes
    robust = outcomes[outcomes["plan"] == "robust"].set_index("future")

    def wan(cny) -> float | None:  # None: the plan cannot operate there
        return _round(cny / 1e4, 1)

    def interval(cny: tuple[float, float] | None) -> list | None:
        return None if cny is None else [wan(cny[0]), wan(cny[1])]

    futures = []
    for row in assessment.futures.itertuples(index=False):
        gap = None if pd.isna(row.optimum_gap) else float(row.optimum_gap)
        spread = math.inf if gap is None else gap * max(abs(row.optimum_cny), 1.0)
        futures.append({"name": row.name, **{key: getattr(row, key) for key in ("changes_zh", "changes_en")
                                             if hasattr(row, key)},
                        "weight": row.weight, "optimum_wan_cny": wan(row.optimum_cny), "optimum_gap": _round(gap, 6),
                        "optimum_interval_wan_cny": [wan(row.optimum_cny - spread), wan(row.optimum_cny)],
                        "robust_cost_wan_cny": wan(robust.at[row.name, "cost_cny"]),
                        "robust_raw_msw_landfill_tpd": _round(robust.at[row.name, "raw_msw_landfill_tpd"], 1)})
    table = [{"plan": row.plan, "future": row.future, "cost_wan_cny": wan(row.cost_cny),
              "raw_msw_landfill_tpd": _round(row.raw_msw_landfill_tpd, 1),
              "shortfall_tpd": _round(row.shortfall_tpd, 1), "status": row.status,
              "gap": _round(getattr(row, "gap", None), 8)} for row in outcomes.itertuples(index=False)]
    plans = list(dict.fromkeys(outcomes["plan"]))
    premium = assessment.policy_premium
    reference = assessment.reference
    figures = {
        "futures_objective": assessment.objective,
        "futures_policy_scope": assessment.policy_scope,
        "central_future": assessment.central,
        "futures": futures,
        "futures_outcomes": table,
        "expected_cost_wan_cny_by_plan": {plan: wan(assessment.expected_cost(plan)) for plan in plans},
        "expected_cost_wan_cny": wan(assessment.expected_cost("robust")),
        "worst_case_raw_msw_landfill_tpd": _round(robust["raw_msw_landfill_tpd"].max(), 1),
        "vss_reference_plan": reference,
        "mean_value_gap": _round(assessment.reference_gap, 6),
        "robust_gap": _round(assessment.robust_gap, 6),
        "value_of_stochastic_solution_unbounded": assessment.vss_unbounded,
        "mean_value_plan_breaches": [] if reference is None else [
            {"future": row.future, "shortfall_tpd": _round(row.shortfall_tpd, 1)}
            for row in assessment.breaches(reference).itertuples(index=False)],
        "policy_premium_wan_cny": None if premium is None else wan(premium),
        "policy_premium_interval_wan_cny": interval(assessment.premium_interval()),
        "expected_value_of_perfect_information_wan_cny": wan(assessment.value_of_perfect_information),
        "expected_value_of_perfect_information_interval_wan_cny": interval(assessment.evpi_interval()),
        "futures_solves_above_gap": assessment.unreliable(),
    }
    if not assessment.vss_unbounded:  # unbounded: the flag and the breaches say so, no number stands for ∞
        figures["value_of_stochastic_solution_wan_cny"] = wan(assessment.value_of_stochastic_solution)
        figures["value_of_stochastic_solution_interval_wan_cny"] = interval(assessment.vss_interval())
    return figures


def _vss_unbounded(kpis: dict) -> bool:
    """The VSS is unbounded (runs written before the flag: the central plan's breaches said so)."""
    return bool(kpis.get("value_of_stochastic_solution_unbounded") or kpis.get("central_plan_breaches"))


def futures_figure(kpis: dict, key: str, number_format: str = ",.0f") -> str:
    """A figure of a plan for several futures as shown: ∞ for an unbounded VSS, — when there is none, else the
    figure and, when its solves' gaps leave room, the interval they allow: '2,146 [1,980 … 2,310]'."""
    if key == "value_of_stochastic_solution_wan_cny" and _vss_unbounded(kpis):
        return "∞"
    value = kpis.get(key)
    if value is None:
        return "—"
    shown = format(value, number_format)
    bounds = kpis.get(key.replace("_wan_cny", "_interval_wan_cny")) if key.endswith("_wan_cny") else None
    if not bounds:
        return shown
    low, high = ("−∞" if b is None and i == 0 else "∞" if b is None else format(b, number_format)
                 for i, b in enumerate(bounds))
    return shown if low == high == shown else f"{shown} [{low} … {high}]"


def breaches_text(kpis: dict) -> str:
    """The futures in which the mean-value plan breaks the policy, with its shortfall: "fast (442 t/d), …"."""
    breaches = kpis.get("mean_value_plan_breaches") or kpis.get("central_plan_breaches") or []
    return ", ".join(f"{b['future']} ({b['shortfall_tpd']:,.0f} t/d)" for b in breaches)


def future_words(row: dict, lang: str = "zh") -> str:
    """A future by name with what it changes in words: 'low（年增长率 2.5 % → 1.5 %）' / 'low (growth 2.5 % → 1.5 %)'."""
    changes = row.get(f"changes_{lang}")
    if not changes:
        return row["name"]
    return f"{row['name']}（{changes}）" if lang == "zh" else f"{row['name']} ({changes})"


def _transfer_kpis(plan: SitingPlan, first_leg: pd.DataFrame) -> dict:
    """How much MSW goes through transfer stations, and the haul at which transfer starts to pay."""
    s = plan.scenario
    via = first_leg[first_leg["destination_technology"] == "transfer"]
    direct = first_leg[first_leg["destination_technology"] != "transfer"]
    trunk = plan.flows[(plan.flows["stream"] == "msw") & plan.flows["origin"].isin(via["destination"])]
    saving_per_km = s.transfer.collection_cny_per_t_km - s.transport.msw_cny_per_t_km
    mean = lambda f: float((f["tonnes_per_day"] * f["km"]).sum() / f["tonnes_per_day"].sum()) if len(f) else None  # noqa: E731
    return {
        "transfer_stations": int((plan.facilities["technology"] == "transfer").sum()),
        "msw_via_transfer_tpd": _round(via["tonnes_per_day"].sum(), 1),
        "msw_via_transfer_share": _round(via["tonnes_per_day"].sum() / first_leg["tonnes_per_day"].sum(), 4),
        "direct_haul_mean_km": _round(mean(direct), 2),
        "transfer_trunk_mean_km": _round(mean(trunk), 2),
        "transfer_break_even_km": _round(s.transfer.cost_cny_per_t / saving_per_km if saving_per_km > 0 else None, 1),
    }


def _cd_kpis(plan: SitingPlan) -> dict:
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
    return {
        "cd_generated_tpd": _round(generated, 1), "cd_reused_tpd": _round(reused, 1),
        "cd_recycled_tpd": _round(recycled, 1), "cd_to_yards_tpd": _round(into("cd_yard"), 1),
        "cd_landfilled_tpd": _round(into("landfill"), 1),
        "cd_t_km_per_day": _round(float(cd["t_km_per_day"].sum()), 0),
        "cd_recycling_rate": _round(rate, 4), "cd_recycling_target": s.cd.recycling_target_share,
        "cd_recycling_target_met": bool(rate is not None and rate >= s.cd.recycling_target_share - 1e-9),
        "cd_yards": int((plan.facilities["technology"] == "cd_yard").sum()),
        "cd_recyclers": int((plan.facilities["technology"] == "cd_recycler").sum()),
        **_cd_haulage_kpis(plan, reused),
        **(_cd_category_kpis(plan, cd) if s.cd.by_category else {}),
    }


def _cd_category_kpis(plan: SitingPlan, cd: pd.DataFrame) -> dict:
    """Per category: generated and reused on site (t/d), and the m³ a year it fills in yards (t ÷ its density)."""
    out, density = {}, densities(plan.scenario)
    for stream in cd_streams(plan.scenario):
        own = cd[cd["stream"] == stream]
        to_yard = float(own.loc[own["destination_technology"] == "cd_yard", "tonnes_per_day"].sum())
        out[f"{stream}_generated_tpd"] = _round(plan.demand[f"{stream}_tpd"].sum(), 1)
        out[f"{stream}_reused_tpd"] = _round(own.loc[own["destination_technology"] == "cd_reuse", "tonnes_per_day"].sum(), 1)
        out[f"{stream}_yard_m3_per_year"] = _round(to_yard * DAYS_PER_YEAR / density[stream], 0)
    return out


def _cd_haulage_kpis(plan: SitingPlan, reused_tpd: float) -> dict:
    """C&D trucks: trips and truck-km a year (loaded out, empty back), trips on-site reuse avoids (a dust proxy),
    and the shortest life of a yard at its planned intake (years of volume)."""
    cd = plan.scenario.cd
    hauled = plan.flows[plan.flows["stream"].map(is_cd_stream).astype(bool)
                        & (plan.flows["destination_technology"] != "cd_reuse")]
    trips = hauled["tonnes_per_day"] * DAYS_PER_YEAR / cd.truck_payload_t
    life = yard_life(plan)
    return {
        "cd_truck_trips_per_year": _round(float(trips.sum()), 0),
        "cd_truck_km_per_year": _round(float((2 * trips * hauled["km"]).sum()), 0),
        "cd_trips_avoided_by_reuse_per_year": _round(reused_tpd * DAYS_PER_YEAR / cd.truck_payload_t, 0),
        "cd_yard_years_left_min": _round(float(life["years_left"].min()), 2) if len(life) else None,
        "cd_yard_years_left": {site: _round(float(years), 2) for site, years in life["years_left"].items()},
    }


def yard_life(plan: SitingPlan, days_per_year: float = 365.0) -> pd.DataFrame:
    """Per yard taking waste: ``fill_m3_per_year`` (each stream's t ÷ its density), ``volume_left_m3`` (phased with
    ``track_volume``: what the fill so far left; else the volume of its cells) and ``years_left`` at that fill."""
    scenario, facilities = plan.scenario, plan.facilities
    yard = scenario.cd.yard
    yards = facilities[(facilities["technology"] == "cd_yard") & (facilities["throughput_tpd"] > 0)]
    flows = plan.flows[plan.flows["destination"].isin(yards.index)]
    m3 = flows["tonnes_per_day"] * days_per_year / flows["stream"].map(densities(scenario))
    fill = m3.groupby(flows["destination"]).sum().reindex(yards.index, fill_value=0.0)
    if "volume_left_m3" in yards:
        left = yards["volume_left_m3"].astype(float)
    elif yard.track_volume:
        left = yard.volume_m3 * (yards["capacity_tpd"] / yard.max_intake_tpd).round()
    else:
        left = pd.Series(yard.volume_m3, index=yards.index)
    table = pd.DataFrame({"fill_m3_per_year": fill, "volume_left_m3": left})
    table["years_left"] = table["volume_left_m3"] / table["fill_m3_per_year"]
    return table


def _sorting_kpis(plan: SitingPlan) -> dict:
    """Waste sorting: what each fraction amounts to and where it went (t/d), plant capacity, the residual
    waste's heating value (the official rates are in :func:`official_rates`)."""
    s = plan.scenario
    demand, flows, fac = plan.demand, plan.flows, plan.facilities

    def into(stream: str, technology: str) -> float:
        chosen = (flows["stream"] == stream) & (flows["destination_technology"] == technology)
        return float(flows.loc[chosen, "tonnes_per_day"].sum())

    generated = float(demand["msw_generated_tpd"].sum())
    digested, cotreated = into("food", "digester"), into("food", "incinerator")
    recovered = into("recyclables", "sorting_centre") * s.sorting.sorting_centre.product_share
    digesters = fac[fac["technology"] == "digester"]
    centres = fac[fac["technology"] == "sorting_centre"]
    incinerator = plan.economics.technologies["incinerator"]
    return {
        "food_waste_tpd": _round(demand["food_tpd"].sum(), 1),
        "food_capture_rate": _round(demand["food_tpd"].sum() / demand["food_generated_tpd"].sum()
                                    if demand["food_generated_tpd"].sum() else None, 4),
        "food_waste_treated_tpd": _round(digested + cotreated, 1),
        "food_waste_digested_tpd": _round(digested, 1),
        "food_waste_cotreated_tpd": _round(cotreated, 1),
        "biological_capacity_tpd": _round(digesters["capacity_tpd"].sum(), 1),
        "food_waste_plants": int(len(digesters)),
        "new_food_waste_plants": int((digesters["status"] == "new").sum()),
        "recyclables_tpd": _round(demand["recyclables_tpd"].sum(), 1),
        "recyclables_recovered_tpd": _round(recovered, 1),
        "sorting_centres": int(len(centres)),
        "sorting_capacity_tpd": _round(centres["capacity_tpd"].sum(), 1),
        "hazardous_tpd": _round(demand["hazardous_tpd"].sum(), 1),
        "residual_tpd": _round(demand["msw_tpd"].sum(), 1),
        "residual_incinerated_tpd": _round(into("msw", "incinerator"), 1),
        "residue_incinerated_tpd": _round(into("residue", "incinerator"), 1),
        "residue_landfilled_tpd": _round(into("residue", "landfill"), 1),
        "residual_lhv_kj_per_kg": _round(plan.economics.residual_lhv_kj_per_kg, 0),
        "residual_capacity_factor": _round(incinerator.capacity_factor("msw"), 4),
    }


def goal_checks(kpis: dict, goals) -> list[dict]:
    """The plan's four headline goals, each with target, value and met."""
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
        checks.append({"goal": name, "goal_zh": name_zh, "kpi": key, "sense": sense, "target": target,
                       "value": value, "unit": unit, "met": bool(met)})
    return checks


KPI_LABELS = [
    ("status", "solver status", ""), ("gap", "MIP gap (proven)", ""), ("solve_seconds", "solve time", "s"),
    ("msw_generated_tpd", "MSW collected", "t/d"), ("msw_to_treat_tpd", "MSW to treat (after sorting)", "t/d"),
    ("msw_incinerated_tpd", "MSW incinerated", "t/d"), ("raw_msw_landfill_tpd", "raw MSW landfilled", "t/d"),
    ("incineration_capacity_tpd", "incineration capacity", "t/d"), ("new_plants", "new plants", "plants"),
    ("expanded_plants", "expanded plants", "plants"), ("new_capacity_tpd", "new capacity", "t/d"),
    ("mean_utilisation", "mean utilisation", ""), ("plants_under_70pct_load", "plants < 70 % load", "plants"),
    ("landfills_stopped", "landfills stopped (of total)", "landfills"), ("landfills_restored", "landfills restored", "landfills"),
    ("landfills_on_record", "landfills on record (rest assumed)", "landfills"),
    ("landfills_stopped_on_record", "of which stopped or closed on record", "landfills"),
    ("mean_haul_km", "mean haul", "km"),
    ("t_km_per_day", "transport", "t·km/d"), ("cost_wan_cny_per_year", "system cost", "万元/yr"),
    ("cost_cny_per_t", "cost per t of MSW collected", "CNY/t"), ("co2e_t_per_year", "net GHG", "t CO2e/yr"),
    ("resource_utilisation_rate", "resource utilisation (incl. WtE)", ""),
    ("recycling_rate", "recycling rate (≥ 35 %)", ""),
    ("power_revenue_wan_cny_per_year", "power revenue (in system cost)", "万元/yr"),
    ("power_subsidy_wan_cny_per_year", "of which subsidy above coal price", "万元/yr"),
    ("tipping_fees_wan_cny_per_year", "tipping fees paid by government", "万元/yr"),
    ("public_budget_wan_cny_per_year", "public budget (fees + power subsidy)", "万元/yr"),
]
SORTING_KPI_LABELS = [  # runs with sorting.enabled
    ("food_capture_rate", "food-waste capture rate", ""), ("food_waste_tpd", "food waste sorted out", "t/d"),
    ("food_waste_treated_tpd", "food waste treated", "t/d"),
    ("food_waste_cotreated_tpd", "of which co-treated at incinerators", "t/d"),
    ("biological_capacity_tpd", "food-waste plant capacity", "t/d"), ("new_food_waste_plants", "new food-waste plants", "plants"),
    ("recyclables_recovered_tpd", "recyclables recovered", "t/d"), ("residual_incinerated_tpd", "residual waste incinerated", "t/d"),
    ("residual_lhv_kj_per_kg", "residual waste LHV", "kJ/kg"),
]

CD_KPI_LABELS = [  # runs with cd.enabled
    ("cd_generated_tpd", "C&D generated", "t/d"), ("cd_reused_tpd", "C&D reused on site", "t/d"),
    ("cd_recycled_tpd", "C&D recycled", "t/d"), ("cd_to_yards_tpd", "C&D to yards", "t/d"),
    ("cd_recycling_rate", "C&D recycling rate", ""), ("cd_truck_trips_per_year", "C&D truck trips", "trips/yr"),
    ("cd_truck_km_per_year", "C&D truck-km (loaded and empty)", "km/yr"),
    ("cd_trips_avoided_by_reuse_per_year", "C&D trips avoided by on-site reuse", "trips/yr"),
    ("cd_yard_years_left_min", "shortest yard life at planned intake", "yr"),
]
CD_CATEGORY_KPI_LABELS = [  # runs with cd.by_category
    (f"cd_{c}_{what}", f"{c} {text}", unit) for c in ("spoil", "slurry", "construction", "demolition", "decoration")
    for what, text, unit in (("generated_tpd", "generated", "t/d"), ("reused_tpd", "reused on site", "t/d"),
                             ("yard_m3_per_year", "into yards", "m³/yr"))]

SHARE_KPIS = ("gap", "mean_utilisation", "resource_utilisation_rate", "recycling_rate", "food_capture_rate",
              "cd_recycling_rate")  # shown in %


_GOAL_FIELDS = {"goal": str, "goal_zh": str, "kpi": str, "sense": str, "unit": str, "target": "number",
                "value": "number or null", "met": bool}
_PATH_FIELDS = ("year", "demand_tpd", "capacity_tpd", "new_plants", "expanded_plants", "raw_msw_landfill_tpd",
                "landfills_stopped", "capital_spent_wan_cny")


def _is(value, kind) -> bool:
    if kind in ("number", "number or null"):
        return (value is None and kind != "number") or (isinstance(value, (int, float)) and not isinstance(value, bool))
    return isinstance(value, kind)


def kpis_problems(kpis) -> list[str]:
    """What makes ``kpis`` (a run's kpis.json, parsed) unusable for the report, compare and the app: not an object,
    a KPI that is not a number, goals or capacity-path rows of the wrong shape. Empty when it is fine."""
    if not isinstance(kpis, dict):
        return [f"not a JSON object of KPIs but a {type(kpis).__name__}"]
    problems = [f"key '{key}' is {json.dumps(kpis[key])[:40]}, not a number"
                for key, _, _ in KPI_LABELS + SORTING_KPI_LABELS + [("landfills_total", "", "")]
                if key != "status" and key in kpis and not _is(kpis[key], "number or null")]
    problems += [f"key '{key}' is not text" for key in ("status", "scenario", "backend", "solver_message")
                 if kpis.get(key) is not None and not isinstance(kpis[key], str)]
    goals = kpis.get("goals", [])
    if not isinstance(goals, list):
        problems.append("key 'goals' is not a list")
    else:
        for i, goal in enumerate(goals):
            wrong = [field for field, kind in _GOAL_FIELDS.items()
                     if not isinstance(goal, dict) or not _is(goal.get(field), kind)]
            if wrong:
                problems.append(f"goal {i + 1}: {', '.join(wrong)} missing or of the wrong type")
    path = kpis.get("capacity_path")
    if path is not None and not (isinstance(path, list) and all(
            isinstance(row, dict) and all(_is(row.get(field), "number") for field in _PATH_FIELDS) for row in path)):
        problems.append("key 'capacity_path' is not a list of years with numbers")
    return problems


def kpi_labels(*runs: dict) -> list[tuple[str, str, str]]:
    """(key, label, unit) of the KPIs to show for these runs: the sorting ones when any run sorts waste, the C&D
    ones when any run plans C&D."""
    return (KPI_LABELS + (SORTING_KPI_LABELS if any("food_waste_tpd" in kpis for kpis in runs) else [])
            + (CD_KPI_LABELS if any("cd_generated_tpd" in kpis for kpis in runs) else [])
            + (CD_CATEGORY_KPI_LABELS if any("cd_spoil_generated_tpd" in kpis for kpis in runs) else []))


def kpi_text(kpis: dict) -> str:
    """Plain-text KPI and goal table for the terminal."""
    lines = [f"{kpis['scenario']}", ""]
    for key, label, unit in kpi_labels(kpis):
        value = kpis.get(key)
        if key == "landfills_stopped":
            text = f"{value} / {kpis['landfills_total']}"
        elif key == "gap" and value is not None:
            text = f"{100 * value:.3f} %"
        elif key in SHARE_KPIS and value is not None:
            text = f"{100 * value:.1f} %"
        elif isinstance(value, float):
            text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        else:
            text = str(value)
        lines.append(f"  {label:<36} {text:>18} {unit}")
    if kpis.get("capacity_path"):
        lines += ["", "  capacity path (plants and landfills counted as of each year):",
                  f"  {'year':>6} {'MSW t/d':>9} {'capacity t/d':>13} {'new plants':>11} {'raw MSW landfilled t/d':>23}"
                  f" {'landfills stopped':>18} {'capital 万元':>12}"]
        for row in kpis["capacity_path"]:
            lines.append(f"  {row['year']:>6} {row['demand_tpd']:>9,.0f} {row['capacity_tpd']:>13,.0f} {row['new_plants']:>11}"
                         f" {row['raw_msw_landfill_tpd']:>23,.0f} {row['landfills_stopped']:>18}"
                         f" {row['capital_spent_wan_cny']:>12,.0f}")
    if kpis.get("futures"):
        lines += ["", f"  futures ({kpis['futures_objective']}, policy {kpis['futures_policy_scope']}; the plan's KPIs "
                  f"above are those of the central future, {kpis['central_future']}):",
                  f"  {'future':<28} {'weight':>6} {'own optimum 万元/yr':>19} {'its gap':>8} {'robust plan 万元/yr':>19}"
                  f" {'raw MSW landfilled t/d':>23}"]
        for row in kpis["futures"]:
            cost = "—" if row["robust_cost_wan_cny"] is None else format(row["robust_cost_wan_cny"], ",.0f")
            gap = "—" if row.get("optimum_gap") is None else f"{100 * row['optimum_gap']:.2f} %"
            lines.append(f"  {row['name']:<28} {row['weight']:>6.2f} {row['optimum_wan_cny']:>19,.0f} {gap:>8}"
                         f" {cost:>19} {row['robust_raw_msw_landfill_tpd']:>23,.0f}")
            if row.get("changes_en"):
                lines.append(f"    {row['changes_en']}")
        unbounded = _vss_unbounded(kpis)
        for key, label in (("expected_cost_wan_cny", "expected cost of the robust plan"),
                           ("value_of_stochastic_solution_wan_cny", "value of the stochastic solution (VSS)"),
                           *([("policy_premium_wan_cny", "policy premium")] if unbounded else []),
                           ("expected_value_of_perfect_information_wan_cny", "expected value of perfect information")):
            lines.append(f"  {label:<40} {futures_figure(kpis, key):>14} 万元/yr")
        lines.append("  [low … high]: what the solves' proven gaps allow; the VSS is measured against the plan of the "
                     "mean-value problem (expected growth and capture)")
        if unbounded:
            lines.append(f"  the mean-value plan breaks the policy in {breaches_text(kpis)}: VSS unbounded; the premium "
                         "is what the robust plan costs more than it with the shortfall landfilled")
        if kpis.get("futures_solves_above_gap"):
            lines.append("  UNRELIABLE: solves stopped above the gap asked for: " + "; ".join(kpis["futures_solves_above_gap"]))
    if kpis.get("marginal_cost_by_vintage"):
        lines += ["", "  one more tonne at a plant, CNY/t (load-weighted; tipping fee is public budget, not system cost):",
                  f"  {'vintage':<34} {'plants':>6} {'haul':>7} {'treat':>7} {'ash':>6} {'power':>7} {'net':>7}"]
        for row in kpis["marginal_cost_by_vintage"]:
            lines.append(f"  {row['vintage']:<34} {row['plants']:>6} {row['haul_cny_per_t']:>7.1f}"
                         f" {row['treatment_cny_per_t']:>7.1f} {row['ash_cny_per_t']:>6.1f}"
                         f" {row['power_revenue_cny_per_t']:>7.1f} {row['marginal_cost_cny_per_t']:>7.1f}")
    lines += ["", "  goals (河南十四五规划):"]
    for goal in kpis["goals"]:
        mark = "MET" if goal["met"] else "NOT MET"
        value = goal["value"]
        shown = f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)
        lines.append(f"  {goal['goal_zh']} {goal['goal']:<26} {goal['sense']} {goal['target']:>8,.0f} {goal['unit']:<10}"
                     f" value {shown:>10}   {mark}")
    return "\n".join(lines)


def capacity_goal_tpd(kpis: dict) -> float | None:
    """The incineration-capacity goal (t/d) a run was checked against, if it has one."""
    return next((g["target"] for g in kpis.get("goals", []) if g["kpi"] == "incineration_capacity_tpd"), None)


def format_kpi(key: str, value, kpis: dict) -> str:
    """One KPI value as shown in tables: '–' when missing, shares in %, landfills stopped out of the total."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key == "landfills_stopped":
        return f"{value} / {kpis.get('landfills_total', '?')}"
    if key in SHARE_KPIS:
        return f"{100 * value:.2f} %"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def comparison_frame(kpis_by_run: dict[str, dict]) -> pd.DataFrame:
    """Runs side by side: one row per KPI (key, label, unit) and per plan goal (MET / NOT MET), one column per run."""
    rows = [{"kpi": key, "label": label, "unit": unit, **{run: kpis.get(key) for run, kpis in kpis_by_run.items()}}
            for key, label, unit in kpi_labels(*kpis_by_run.values())]
    goals = {}
    for run, kpis in kpis_by_run.items():
        for goal in kpis.get("goals") or []:
            row = goals.setdefault(goal["kpi"], {
                "kpi": f"goal {goal['kpi']}", "label": f"{goal['goal_zh']} {goal['goal']} {goal['sense']} {goal['target']:,.0f}",
                "unit": goal["unit"]})
            row[run] = "MET" if goal["met"] else "NOT MET"
    return pd.DataFrame(rows + list(goals.values()))
