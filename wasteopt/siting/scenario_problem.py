"""Turn a Scenario and its Region into a SitingProblem (streams msw → incinerator/landfill, ash → landfill).

Money: capital is annualised with the capital-recovery factor; every cost is CNY per year
in the objective. Carbon is priced into per-tonne costs so the optimiser sees it.
"""
from __future__ import annotations

import pandas as pd

from wasteopt.errors import ScenarioError
from wasteopt.network import read_od_matrix, sparse_arcs
from wasteopt.region import Region
from wasteopt.scenario import Scenario
from wasteopt.siting.exclusion import excluded_sites
from wasteopt.siting.problem import FlowCap, Objective, SitingProblem, StopTarget, Technology

WAN = 1e4  # CNY per 万元


def capital_recovery_factor(rate: float, years: int) -> float:
    """Annual payment per CNY of capital over ``years`` at interest ``rate``."""
    if rate == 0:
        return 1.0 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def technologies(scenario: Scenario) -> dict[str, Technology]:
    inc, econ = scenario.incinerator, scenario.economics
    crf = capital_recovery_factor(econ.discount_rate, econ.lifetime_years)
    carbon = econ.carbon_price_cny_per_t_co2e
    sizes = tuple(sorted(set(inc.line_sizes_tpd)))
    incinerator = Technology(
        name="incinerator", accepts=("msw",), module_sizes_tpd=sizes,
        module_annual_cost=tuple((inc.line_fixed_cost_wan_cny + size * inc.line_cost_wan_cny_per_tpd) * WAN * crf
                                 for size in sizes),
        site_annual_cost=inc.site_cost_wan_cny * WAN * crf, max_modules=inc.max_lines_per_site,
        availability=inc.availability, min_load_share=inc.min_load_share,
        cost_per_t=inc.opex_cny_per_t - inc.power_revenue_cny_per_t + carbon * inc.co2e_t_per_t,
        outputs=(("ash", inc.ash_share),) if inc.ash_share > 0 else (),
    )
    landfill = Technology(name="landfill", accepts=("msw", "ash"),
                          operating_annual_cost=scenario.landfill.fixed_om_wan_cny_per_year * WAN, gated_streams=("msw",))
    return {"incinerator": incinerator, "landfill": landfill}


def site_table(scenario: Scenario, region: Region) -> pd.DataFrame:
    """Existing plants, candidate new plants and landfills, one row per site id."""
    plants = region.plants.set_index("site_id")
    candidates = region.candidates.set_index("site_id")
    landfills = region.landfills.set_index("site_id")
    common = ["name_zh", "name_en", "adcode", "lon", "lat"]
    frames = [
        plants[common].assign(technology="incinerator", existing_capacity_tpd=plants["capacity_tpd"].astype(float),
                              existing_modules=plants["n_lines"].astype(int), is_new=False,
                              expandable=scenario.incinerator.allow_expansion, kind="existing_plant"),
        candidates[common].assign(technology="incinerator", existing_capacity_tpd=0.0, existing_modules=0,
                                  is_new=True, expandable=True, kind="candidate"),
        landfills[common].assign(technology="landfill", existing_capacity_tpd=0.0, existing_modules=0,
                                 is_new=False, expandable=False, kind="landfill"),
    ]
    sites = pd.concat(frames)
    sites.index.name = "site_id"
    duplicated = sites.index[sites.index.duplicated()].unique()
    if len(duplicated):
        raise ScenarioError(f"site ids used twice across plants, candidates and landfills: {', '.join(map(str, duplicated[:10]))}")
    sites["lock"] = ""
    policy = scenario.policy
    unknown = sorted(set(policy.locked_open + policy.locked_closed) - set(sites.index))
    if unknown:
        raise ScenarioError(f"key 'policy.locked_open/locked_closed': unknown site ids {', '.join(unknown[:10])}"
                            " (existing plants are P…, candidates C<adcode>, landfills L<adcode>)")
    both = sorted(set(policy.locked_open) & set(policy.locked_closed))
    if both:
        raise ScenarioError(f"key 'policy': sites both locked open and closed: {', '.join(both)}")
    sites.loc[policy.locked_open, "lock"] = "open"
    sites.loc[policy.locked_closed, "lock"] = "closed"
    if scenario.exclusion.zones_files:
        candidates = sites[sites["kind"] == "candidate"]
        inside = excluded_sites(candidates, [scenario.path(f) for f in scenario.exclusion.zones_files],
                                scenario.exclusion.buffer_m)
        forced = sorted(set(inside) & set(policy.locked_open))
        if forced:
            raise ScenarioError(f"key 'policy.locked_open': sites inside exclusion zones: {', '.join(forced)}")
        sites.loc[inside, "lock"] = "closed"
        sites.loc[inside, "kind"] = "excluded"
    return sites


def arc_table(scenario: Scenario, region: Region, sites: pd.DataFrame) -> pd.DataFrame:
    """Sparse msw arcs (county → plant/landfill) and ash arcs (plant → landfill) with CNY/t costs."""
    net, tr, lf = scenario.network, scenario.transport, scenario.landfill
    carbon = scenario.economics.carbon_price_cny_per_t_co2e
    od = read_od_matrix(scenario.path(net.od_matrix_file)) if net.od_matrix_file else None
    nodes = region.demand[["lon", "lat"]]
    plants = sites[sites["technology"] == "incinerator"][["lon", "lat"]]
    landfills = sites[sites["technology"] == "landfill"][["lon", "lat"]]
    arcs = dict(max_km=net.max_haul_km, circuity=net.circuity, od_matrix=od)
    msw = sparse_arcs(nodes, plants, k_nearest=net.k_nearest, **arcs)
    to_landfill = sparse_arcs(nodes, landfills, k_nearest=1, **{**arcs, "max_km": min(lf.max_haul_km, net.max_haul_km)})
    msw = pd.concat([msw, to_landfill], ignore_index=True).assign(stream="msw")
    ash = sparse_arcs(plants, landfills, k_nearest=max(net.k_nearest, 1), **arcs).assign(stream="ash")
    per_km_carbon = carbon * tr.co2_kg_per_t_km / 1000.0
    msw["cost_per_t"] = msw["km"] * (tr.msw_cny_per_t_km + per_km_carbon)
    into_landfill = msw["destination"].map(sites["technology"]).eq("landfill").to_numpy()
    msw.loc[into_landfill, "cost_per_t"] += lf.gate_cost_cny_per_t + carbon * lf.co2e_t_per_t
    ash["cost_per_t"] = ash["km"] * (tr.ash_cny_per_t_km + per_km_carbon) + lf.ash_gate_cost_cny_per_t
    return pd.concat([msw, ash], ignore_index=True)


def build_problem(scenario: Scenario, region: Region) -> SitingProblem:
    """The province siting problem the scenario describes."""
    sites = site_table(scenario, region)
    policy = scenario.policy
    caps = []
    if policy.raw_msw_landfill_cap_tpd is not None:
        caps.append(FlowCap("msw", "landfill", policy.raw_msw_landfill_cap_tpd, label="raw MSW landfilled"))
    targets = ()
    if policy.province_capacity_target_tpd is not None:
        targets = (("incinerator", policy.province_capacity_target_tpd),)
    limits = ()
    if policy.new_plants.min is not None or policy.new_plants.max is not None:
        limits = (("incinerator", policy.new_plants.min, policy.new_plants.max),)
    stop = ()
    if policy.landfills_stopped_min or policy.landfills_restored_min:
        econ = scenario.economics
        crf = capital_recovery_factor(econ.discount_rate, econ.lifetime_years)
        stop = (StopTarget("landfill", policy.landfills_stopped_min or 0, policy.landfills_restored_min or 0,
                           scenario.landfill.restoration_cost_wan_cny * WAN * crf),)
    obj = scenario.objective
    return SitingProblem(
        demand=region.demand[["msw_tpd"]].rename(columns={"msw_tpd": "msw"}),
        sites=sites,
        technologies=technologies(scenario),
        arcs=arc_table(scenario, region, sites),
        single_sourcing=("msw",) if policy.single_sourcing else (),
        flow_caps=tuple(caps),
        capacity_targets=targets,
        new_site_limits=limits,
        stop_targets=stop,
        objective=Objective(kind=obj.kind, p=obj.p, radius_km=obj.radius_km, technology="incinerator"),
    )
