"""Turn a Scenario and its Region into one SitingProblem for every stream it switches on.

Streams: msw (counties → incinerators / transfer stations / landfills), ash (incinerators →
landfills), and with ``cd.enabled`` cd (counties → consumption yards / recycling plants /
landfills) and cd_residue (recycling plants → yards / landfills). With ``sorting.enabled`` msw is the
residual waste (其他垃圾 and what sorting missed), food (counties → food-waste plants, or incinerators
when co-treatment is allowed), recyclables (counties → sorting centres) and residue (both plants →
incinerators / landfills); hazardous waste is counted, not sited.
Money (:mod:`wasteopt.siting.economics`): every cost is CNY per year in the objective; carbon is priced into
per-tonne costs so the optimiser sees it. The problem carries its economics for the plan made from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.data.network import read_od_matrix, sparse_arcs
from wasteopt.data.townships import county_of, county_prefecture
from wasteopt.data.tables import checked_table, read_plan_facilities
from wasteopt.config.scenario.schema import Scenario
from wasteopt.cd.observed import read_observed
from wasteopt.siting.cd_categories import cd_arcs, cd_streams, generation, streams_to
from wasteopt.siting.cd_observed import observed_generation, observed_yard_sites
from wasteopt.siting.economics import DAYS_PER_YEAR, SORTED_FRACTIONS, scenario_economics, technologies
from wasteopt.siting.exclusion import excluded_sites
from wasteopt.siting.problem import FlowCap, LocalCapacity, Objective, SitingProblem, StopTarget

if TYPE_CHECKING:  # for annotations only
    from wasteopt.data.region import Region
    from wasteopt.siting.economics import Economics

SITE_PREFIX = {"incinerator": "C", "cd_yard": "Y", "cd_recycler": "R", "transfer": "T", "cd_reuse": "U",
               "cd_dewatering": "W", "digester": "D", "sorting_centre": "S"}


@dataclass(frozen=True, kw_only=True)
class ScenarioProblem(SitingProblem):
    """The problem a scenario describes, with the economics it was priced with (the plan carries them on)."""

    economics: Economics


def sorting_split(scenario: Scenario, demand: pd.DataFrame) -> pd.DataFrame:
    """Per node (t/d): ``<fraction>_tpd`` captured for food, recyclables and hazardous waste in the target year,
    ``food_generated_tpd``, all the food waste in its MSW, and ``msw_urban_tpd`` / ``msw_rural_tpd``, the
    residual waste of urban and of rural residents.

    Each side of a node's collected MSW (``msw_generated_urban_tpd``, ``msw_generated_rural_tpd`` of
    :func:`wasteopt.data.demand.msw_generation`) has its own composition and capture: captured = Σ side ×
    composition share × capture rate of that year.
    """
    sorting, year = scenario.sorting, scenario.region.target_year
    urban = demand["msw_generated_urban_tpd"].astype(float)
    rural = demand["msw_generated_rural_tpd"].astype(float)
    out = pd.DataFrame(index=demand.index)
    food = sorting.composition.food
    out["food_generated_tpd"] = urban * food.urban + rural * food.rural
    urban_left, rural_left = urban.copy(), rural.copy()
    for fraction in SORTED_FRACTIONS:
        share = getattr(sorting.composition, fraction)
        capture_urban, capture_rural = sorting.capture.rate(fraction, year)
        urban_left -= urban * share.urban * capture_urban
        rural_left -= rural * share.rural * capture_rural
        out[f"{fraction}_tpd"] = urban * share.urban * capture_urban + rural * share.rural * capture_rural
    out["msw_urban_tpd"], out["msw_rural_tpd"] = urban_left, rural_left
    return out


def demand_table(scenario: Scenario, region: Region) -> pd.DataFrame:
    """Region demand plus C&D columns (t/d): ``cd_generated_tpd`` = ``cd_tpd`` to place (reuse on site included);
    with sorting the captured fractions (:func:`sorting_split`), ``msw_tpd`` the residual waste left
    (= ``msw_urban_tpd`` + ``msw_rural_tpd``) and ``msw_sorted_out_tpd`` all that sorting captured. Every
    county figure of MSW the siting model, routing, app and report use comes from this table."""
    demand = region.demand.copy()
    if scenario.sorting.enabled:
        split = sorting_split(scenario, demand)
        demand = demand.drop(columns=["msw_urban_tpd", "msw_rural_tpd"]).join(split)
        demand["msw_sorted_out_tpd"] = split[[f"{f}_tpd" for f in SORTED_FRACTIONS]].sum(axis=1)
        demand["msw_tpd"] = demand["msw_generated_tpd"] - demand["msw_sorted_out_tpd"]
    cd = scenario.cd
    if not cd.enabled:
        return demand
    # on-site reuse is an arc to the county's own reuse "site", capped by the share
    modelled = generation(scenario, demand["urban_population"], DAYS_PER_YEAR)
    if cd.observed is not None:  # counties with manifests: what they manifested (cd_observed)
        modelled = observed_generation(scenario, modelled, read_observed(scenario, demand.index))
    return demand.join(modelled)


def _county_sites(region: Region, technology: str, kind: str) -> pd.DataFrame:
    seats = region.candidates.set_index("adcode")
    frame = seats[["name_zh", "name_en", "lon", "lat"]].copy()
    frame["adcode"] = frame.index
    frame.index = [f"{SITE_PREFIX[technology]}{adcode}" for adcode in frame.index]
    return frame.assign(technology=technology, existing_capacity_tpd=0.0, existing_modules=0, is_new=True,
                        expandable=True, kind=kind)


def _transfer_sites(scenario: Scenario, region: Region) -> pd.DataFrame:
    path = scenario.transfer.candidate_sites_file
    if path is None:
        return _county_sites(region, "transfer", "transfer_candidate")
    table = checked_table(scenario.path(path), required=("site_id", "name_zh", "adcode", "lon", "lat"),
                          id_column="site_id", lonlat=("lon", "lat"),
                          references={"adcode": set(county_of(region.demand))})
    table = table.set_index("site_id")
    table["lon"], table["lat"] = table["lon"].astype(float), table["lat"].astype(float)
    if "name_en" not in table:
        table["name_en"] = ""
    return table[["name_zh", "name_en", "adcode", "lon", "lat"]].assign(
        technology="transfer", existing_capacity_tpd=0.0, existing_modules=0, is_new=True, expandable=True,
        kind="transfer_candidate")


def _existing_digesters(scenario: Scenario) -> pd.DataFrame | None:
    """Food-waste plants in service from ``sorting.digester.existing_file`` (no public list exists; none without it)."""
    path = scenario.sorting.digester.existing_file
    if path is None:
        return None
    if not scenario.path(path).is_file():
        raise ScenarioError(f"key 'sorting.digester.existing_file': no such file {scenario.path(path)}")
    table = checked_table(scenario.path(path), required=("site_id", "name_zh", "adcode", "lon", "lat", "capacity_tpd", "n_lines"),
                          id_column="site_id", lonlat=("lon", "lat"), nonnegative=("capacity_tpd", "n_lines"),
                          integer=("n_lines",)).set_index("site_id")
    if "name_en" not in table:
        table["name_en"] = ""
    return table[["name_zh", "name_en", "adcode", "lon", "lat"]].assign(
        technology="digester", existing_capacity_tpd=table["capacity_tpd"].astype(float),
        existing_modules=table["n_lines"].astype(int), is_new=False, expandable=True, kind="existing_digester")


def site_table(scenario: Scenario, region: Region) -> pd.DataFrame:
    """Existing plants, candidate new plants, landfills (and yards, recyclers, transfer stations), one row per id."""
    plants = region.plants.set_index("site_id")
    candidates = region.candidates.set_index("site_id")
    landfills = region.landfills.set_index("site_id")
    common = ["name_zh", "name_en", "adcode", "lon", "lat"]
    frames = [
        plants[common + ["start_year"]].assign(technology="incinerator", existing_capacity_tpd=plants["capacity_tpd"].astype(float),
                              existing_modules=plants["n_lines"].astype(int), is_new=False,
                              expandable=scenario.incinerator.allow_expansion, kind="existing_plant"),
        candidates[common].assign(technology="incinerator", existing_capacity_tpd=0.0, existing_modules=0,
                                  is_new=True, expandable=True, kind="candidate"),
        landfills[common + ["closed_year"]].assign(technology="landfill", existing_capacity_tpd=0.0, existing_modules=0,
                                 is_new=False, expandable=False, kind="landfill"),
    ]
    if scenario.cd.enabled:
        reuse = _county_sites(region, "cd_reuse", "onsite_reuse").assign(is_new=False, expandable=False)
        frames += [_county_sites(region, "cd_yard", "yard_candidate"),
                   _county_sites(region, "cd_recycler", "recycler_candidate"), reuse]
        if streams_to(scenario, "dewatering"):
            frames.append(_county_sites(region, "cd_dewatering", "dewatering_candidate"))
        if scenario.cd.observed is not None:
            frames.append(observed_yard_sites(scenario, read_observed(scenario, region.demand.index)))
    if scenario.transfer.enabled:
        frames.append(_transfer_sites(scenario, region))
    if scenario.sorting.enabled:
        frames += [frame for frame in [_existing_digesters(scenario)] if frame is not None]
        frames += [_county_sites(region, "digester", "digester_candidate"),
                   _county_sites(region, "sorting_centre", "sorting_centre_candidate")]
    sites = pd.concat(frames)
    sites.index.name = "site_id"
    duplicated = sites.index[sites.index.duplicated()].unique()
    if len(duplicated):
        raise DataError(f"site ids used twice across plants, candidates, landfills and other sites: "
                        f"{', '.join(map(str, duplicated[:10]))}")
    sites["lock"] = ""
    policy = scenario.policy
    unknown = sorted(set(policy.locked_open + policy.locked_closed) - set(sites.index))
    if unknown:
        raise ScenarioError(f"key 'policy.locked_open/locked_closed': unknown site ids {', '.join(unknown[:10])}"
                            " (existing plants are P…, candidates C<adcode>, landfills L<adcode>, yards Y…, "
                            "recyclers R…, transfer stations T…, food-waste plants D<adcode>, sorting centres S<adcode>)")
    both = sorted(set(policy.locked_open) & set(policy.locked_closed))
    if both:
        raise ScenarioError(f"key 'policy': sites both locked open and closed: {', '.join(both)}")
    sites.loc[policy.locked_open, "lock"] = "open"
    sites.loc[policy.locked_closed, "lock"] = "closed"
    if scenario.cd.enabled and scenario.cd.yard.one_per_county:
        yards = sites.index[(sites["kind"] == "yard_candidate") & (sites["lock"] == "")]
        sites.loc[yards, "lock"] = "open"
    if scenario.exclusion.zones_files:
        new = sites[sites["is_new"].astype(bool)]
        inside = excluded_sites(new, [scenario.path(f) for f in scenario.exclusion.zones_files],
                                scenario.exclusion.buffer_m)
        forced = sorted(set(inside) & set(sites.index[sites["lock"] == "open"]))
        if forced:
            raise ScenarioError(f"sites locked open lie inside exclusion zones: {', '.join(forced)}")
        sites.loc[inside, "lock"] = "closed"
        sites.loc[inside, "kind"] = "excluded"
    if policy.fixed_plants_file:
        _fix_plants(scenario, sites)
    return sites


def _fix_plants(scenario: Scenario, sites: pd.DataFrame) -> None:
    """Build exactly the new and expanded facilities of ``policy.fixed_plants_file`` (incinerators and, when the
    scenario has them, C&D yards, recycling plants and transfer stations) by setting the site columns
    ``fixed_modules`` and ``fixed_module_size_tpd``; every other candidate of those technologies stays closed
    and every other existing plant as it is. All contradictions are reported at once."""
    path = scenario.path(scenario.policy.fixed_plants_file)
    if not path.is_file():
        raise ScenarioError(f"key 'policy.fixed_plants_file': no such file {path}")
    table = read_plan_facilities(path, required=("new_modules",))
    techs = technologies(scenario)
    built_techs = {name for name, tech in techs.items() if tech.capacitated}
    if "technology" in table:  # a plan's facilities.csv also lists landfills (their stops stay decisions)
        table = table[table["technology"].isin(built_techs)]
    built = table.assign(new_modules=table["new_modules"].astype(int)).query("new_modules > 0")
    sizes = built.get("module_size_tpd", pd.Series(index=built.index, dtype=float))
    plants = sites[sites["technology"].isin(built_techs)]
    problems = [f"{site}: not a site of this scenario that builds modules" for site in built.index
                if site not in plants.index]
    for site, modules in built["new_modules"].items():
        if site not in plants.index:
            continue
        row = plants.loc[site]
        tech = techs[row["technology"]]
        _, most = tech.new_module_range(bool(row["is_new"]), bool(row["expandable"]), int(row["existing_modules"]))
        if sizes[site] not in tech.module_sizes_tpd:
            problems.append(f"{site}: module_size_tpd {sizes[site]:g} is not one of {tech.name}'s sizes "
                            f"{', '.join(f'{size:g}' for size in tech.module_sizes_tpd)}")
        if not row["is_new"] and not row["expandable"]:
            problems.append(f"{site}: expanded in the plan, but expansion is not allowed in this scenario")
        elif modules > most:
            problems.append(f"{site}: {modules} new modules, more than the {most} a {tech.name} site may add")
        if row["lock"] == "closed":
            problems.append(f"{site}: built in the plan, but locked closed or inside an exclusion zone")
    unbuilt_open = sorted(set(plants.index[plants["lock"] == "open"]) - set(built.index))
    problems += [f"{site}: locked open, but not built in the plan" for site in unbuilt_open]
    if problems:
        raise ScenarioError(f"key 'policy.fixed_plants_file' ({path.name}): {len(problems)} problem(s): "
                            + "; ".join(problems[:10]) + ("; …" if len(problems) > 10 else ""))
    fixed = sites["technology"].isin(built_techs).to_numpy()
    sites["fixed_modules"] = np.where(fixed, 0.0, np.nan)
    sites["fixed_module_size_tpd"] = np.nan
    sites.loc[built.index, "fixed_modules"] = built["new_modules"].astype(float)
    sites.loc[built.index, "fixed_module_size_tpd"] = sizes
    new_sites = fixed & sites["is_new"].to_numpy(bool)
    sites.loc[new_sites & (sites["fixed_modules"] == 0).to_numpy(), "lock"] = "closed"
    sites.loc[new_sites & (sites["fixed_modules"] > 0).to_numpy(), "lock"] = "open"


def arc_table(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame, economics: Economics) -> pd.DataFrame:
    """Sparse arcs for every stream, with transport (and gate) cost in CNY/t, less the power an incinerator sells
    per t of the stream (``economics``); ``demand`` from :func:`demand_table`."""
    net, tr, lf = scenario.network, scenario.transport, scenario.landfill
    carbon_per_t_km = scenario.economics.carbon_price_cny_per_t_co2e * tr.co2_kg_per_t_km / 1000.0
    od = read_od_matrix(scenario.path(net.od_matrix_file), origins=demand.index) if net.od_matrix_file else None

    def arcs(origins, destinations, max_km, k_nearest=net.k_nearest):
        return sparse_arcs(origins[["lon", "lat"]], destinations[["lon", "lat"]], max_km=max_km,
                           circuity=net.circuity, k_nearest=k_nearest, od_matrix=od)

    def of(technology):
        return sites[sites["technology"] == technology]

    nodes = demand
    plants, landfills = of("incinerator"), of("landfill")
    # a landfill closed on record by the target year takes no more raw MSW
    msw_landfills = landfills[~(landfills["closed_year"] <= scenario.region.target_year)] if "closed_year" in landfills else landfills
    landfill_km = min(lf.max_haul_km, net.max_haul_km)
    landfill_msw_cost = lf.gate_cost_cny_per_t + scenario.economics.carbon_price_cny_per_t_co2e * lf.co2e_t_per_t
    direct_cny_per_t_km = tr.msw_cny_per_t_km
    parts = []
    if scenario.transfer.enabled:
        transfer = scenario.transfer
        direct_cny_per_t_km = transfer.collection_cny_per_t_km
        stations = of("transfer")
        feed = arcs(nodes, stations, transfer.max_feed_km)
        feed["cost_per_t"] = feed["km"] * (transfer.collection_cny_per_t_km + carbon_per_t_km)
        trunk = arcs(stations, plants, net.max_haul_km)
        trunk["cost_per_t"] = trunk["km"] * (tr.msw_cny_per_t_km + carbon_per_t_km)
        trunk_landfill = arcs(stations, msw_landfills, landfill_km, k_nearest=1)
        trunk_landfill["cost_per_t"] = trunk_landfill["km"] * (tr.msw_cny_per_t_km + carbon_per_t_km) + landfill_msw_cost
        parts += [frame.assign(stream="msw") for frame in (feed, trunk, trunk_landfill)]
    direct = arcs(nodes, plants, net.max_haul_km)
    direct["cost_per_t"] = direct["km"] * (direct_cny_per_t_km + carbon_per_t_km)
    to_landfill = arcs(nodes, msw_landfills, landfill_km, k_nearest=1)
    to_landfill["cost_per_t"] = to_landfill["km"] * (direct_cny_per_t_km + carbon_per_t_km) + landfill_msw_cost
    ash = arcs(plants, landfills, net.max_haul_km, k_nearest=max(net.k_nearest, 1))
    ash["cost_per_t"] = ash["km"] * (tr.ash_cny_per_t_km + carbon_per_t_km) + lf.ash_gate_cost_cny_per_t
    parts += [direct.assign(stream="msw"), to_landfill.assign(stream="msw"), ash.assign(stream="ash")]
    cd = scenario.cd
    if cd.enabled and cd.by_category:
        parts += cd_arcs(scenario, nodes, sites, arcs, cd.cny_per_t_km + carbon_per_t_km)
    elif cd.enabled:
        cd_sinks = sites[sites["technology"].isin(["cd_yard", "cd_recycler"])]
        cd_cost = cd.cny_per_t_km + carbon_per_t_km
        reuse = pd.DataFrame({"origin": nodes.index, "destination": [f"U{a}" for a in nodes.index], "km": 0.0,
                              "cost_per_t": 0.0,
                              "max_tpd": (nodes["cd_generated_tpd"] * cd.onsite_reuse_max_share).to_numpy()})
        parts.append(reuse.assign(stream="cd"))
        shipped = arcs(nodes, cd_sinks, cd.max_haul_km, k_nearest=1)
        shipped["cost_per_t"] = shipped["km"] * cd_cost
        dumped = arcs(nodes, landfills, cd.max_haul_km, k_nearest=1)
        dumped["cost_per_t"] = dumped["km"] * cd_cost + cd.landfill_gate_cost_cny_per_t
        residue = arcs(of("cd_recycler"), of("cd_yard"), cd.max_haul_km, k_nearest=1)
        residue["cost_per_t"] = residue["km"] * cd_cost
        residue_dumped = arcs(of("cd_recycler"), landfills, cd.max_haul_km, k_nearest=1)
        residue_dumped["cost_per_t"] = residue_dumped["km"] * cd_cost + cd.landfill_gate_cost_cny_per_t
        parts += [shipped.assign(stream="cd"), dumped.assign(stream="cd"),
                  residue.assign(stream="cd_residue"), residue_dumped.assign(stream="cd_residue")]
    if scenario.sorting.enabled:
        parts += _sorting_arcs(scenario, demand, sites, arcs, of, landfills)
    table = pd.concat(parts, ignore_index=True)
    revenue = economics.plants["power_revenue_cny_per_t"]
    factors = economics.heating_factors
    burnt = table["destination"].isin(revenue.index) & table["stream"].isin(list(factors))
    table.loc[burnt, "cost_per_t"] -= (table.loc[burnt, "destination"].map(revenue)
                                       * table.loc[burnt, "stream"].map(factors))
    return table


def _sorting_arcs(scenario: Scenario, nodes: pd.DataFrame, sites: pd.DataFrame, arcs, of, landfills) -> list[pd.DataFrame]:
    """Food waste to food-waste plants (and incinerators when co-treatment is allowed), recyclables to sorting
    centres, residues of both to incinerators or landfills (power revenue is added by :func:`arc_table`)."""
    sorting, tr, lf, net = scenario.sorting, scenario.transport, scenario.landfill, scenario.network
    carbon_per_t_km = scenario.economics.carbon_price_cny_per_t_co2e * tr.co2_kg_per_t_km / 1000.0
    haul = min(sorting.max_haul_km, net.max_haul_km)
    plants = of("incinerator")
    food = arcs(nodes, of("digester"), haul)
    food["cost_per_t"] = food["km"] * (sorting.food_cny_per_t_km + carbon_per_t_km)
    recyclables = arcs(nodes, of("sorting_centre"), haul)
    recyclables["cost_per_t"] = recyclables["km"] * (sorting.recyclables_cny_per_t_km + carbon_per_t_km)
    parts = [food.assign(stream="food"), recyclables.assign(stream="recyclables")]
    if sorting.cotreatment.allowed:
        burnt = arcs(nodes, plants, haul)
        burnt["cost_per_t"] = burnt["km"] * (sorting.food_cny_per_t_km + carbon_per_t_km) + sorting.cotreatment.surcharge_cny_per_t
        parts.append(burnt.assign(stream="food"))
    makers = sites[sites["technology"].isin(["digester", "sorting_centre"])]
    residue = arcs(makers, plants, net.max_haul_km)
    residue["cost_per_t"] = residue["km"] * (tr.msw_cny_per_t_km + carbon_per_t_km)
    dumped = arcs(makers, landfills, min(lf.max_haul_km, net.max_haul_km), k_nearest=1)
    dumped["cost_per_t"] = dumped["km"] * (tr.msw_cny_per_t_km + carbon_per_t_km) + lf.gate_cost_cny_per_t
    return parts + [residue.assign(stream="residue"), dumped.assign(stream="residue")]


def _area_of(adcodes: pd.Series, demand: pd.DataFrame, level: str, what: str) -> pd.Series:
    """County or prefecture adcode of each adcode; a site outside the county table is a data error."""
    unknown = sorted(set(adcodes.astype(str)) - set(county_of(demand)))
    if unknown:
        raise DataError(f"{what}: adcode(s) {', '.join(unknown[:5])} are not county-level units of the region, "
                        "so policy.catchment cannot place them")
    codes = adcodes.astype(str)
    return codes if level == "county" else codes.map(county_prefecture(demand).astype(str))


def catchment_arcs(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame, arcs: pd.DataFrame) -> pd.DataFrame:
    """Drop MSW arcs that leave the origin's prefecture or county under ``policy.catchment`` (市域统筹), unless the
    pair is one of ``policy.catchment_exceptions``. Origins are counties or transfer stations; ash is not bound."""
    policy = scenario.policy
    if policy.catchment == "province":
        return arcs
    prefectures = set(demand["prefecture_adcode"].astype(str))
    known = set(county_of(demand)) | prefectures
    for i, pair in enumerate(policy.catchment_exceptions):
        for end in ("origin", "destination"):
            if getattr(pair, end) not in known:
                raise ScenarioError(f"key 'policy.catchment_exceptions.{i}.{end}': {getattr(pair, end)} is neither a "
                                    "county-level unit nor a prefecture of the region")
    msw = arcs["stream"] == "msw"
    county = county_of(demand)
    origin_code = arcs["origin"].map(lambda o: county[o] if o in county.index else sites.at[o, "adcode"]).astype(str)
    destination_code = arcs["destination"].map(sites["adcode"]).astype(str)
    what = "sites (candidate, landfill or transfer files)"
    inside = (_area_of(origin_code[msw], demand, policy.catchment, what).to_numpy()
              == _area_of(destination_code[msw], demand, policy.catchment, what).to_numpy())
    allowed = pd.Series(inside, index=origin_code[msw].index)
    prefecture_of = county_prefecture(demand).astype(str)
    for pair in policy.catchment_exceptions:
        origin_ok = (origin_code[msw] == pair.origin) | (origin_code[msw].map(prefecture_of) == pair.origin)
        destination_ok = ((destination_code[msw] == pair.destination)
                          | (destination_code[msw].map(prefecture_of) == pair.destination))
        allowed |= origin_ok & destination_ok
    keep = ~msw
    keep[allowed.index] = allowed
    return arcs[keep.to_numpy()].reset_index(drop=True)


def catchment_rule_text(scenario: Scenario) -> str:
    """How explanations name the catchment rule ('' when waste may cross borders)."""
    policy = scenario.policy
    if policy.catchment == "province":
        return ""
    area = {"prefecture": "its prefecture (市域统筹)", "county": "its county"}[policy.catchment]
    allowed = f", {len(policy.catchment_exceptions)} exception(s)" if policy.catchment_exceptions else ""
    return f"within {area} under policy.catchment = {policy.catchment}{allowed}"


def local_capacity_rules(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame) -> tuple[LocalCapacity, ...]:
    """``policy.county_capacity_above_tpd``: every county whose MSW to treat exceeds it gets an incinerator
    within its borders (its existing plant, or one of its candidates opens)."""
    threshold = scenario.policy.county_capacity_above_tpd
    if threshold is None:
        return ()
    plants = sites[sites["technology"] == "incinerator"]
    rules = []
    for adcode, row in demand[demand["msw_tpd"] > threshold].iterrows():
        members = tuple(plants.index[plants["adcode"].astype(str) == str(adcode)])
        rules.append(LocalCapacity(members, f"policy.county_capacity_above_tpd: {adcode} {row['name_zh']} makes "
                                            f"{row['msw_tpd']:,.0f} t/d > {threshold:g} t/d, so it needs "
                                            "new incinerator sites ≥ 1 within its borders"))
    return tuple(rules)


def build_problem(scenario: Scenario, region: Region) -> ScenarioProblem:
    """The province siting problem the scenario describes."""
    sites = site_table(scenario, region)
    demand = demand_table(scenario, region)
    economics = scenario_economics(scenario, demand, sites)
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
        stop = (StopTarget("landfill", policy.landfills_stopped_min or 0, policy.landfills_restored_min or 0,
                           economics.restoration_annual_cny),)
    lost_subsidy = economics.plants["expansion_subsidy_cny_per_t"]
    sites["above_existing_cost_per_t"] = lost_subsidy.reindex(sites.index).fillna(0.0)
    streams = {"msw_tpd": "msw"} | {f"{stream}_tpd": stream for stream in cd_streams(scenario)}
    if scenario.sorting.enabled:
        streams |= {"food_tpd": "food", "recyclables_tpd": "recyclables"}
    obj = scenario.objective
    return ScenarioProblem(
        demand=demand[list(streams)].rename(columns=streams),
        sites=sites,
        technologies=economics.technologies,
        arcs=catchment_arcs(scenario, demand, sites, arc_table(scenario, demand, sites, economics)),
        single_sourcing=("msw",) if policy.single_sourcing else (),
        flow_caps=tuple(caps),
        capacity_targets=targets,
        new_site_limits=limits,
        stop_targets=stop,
        local_capacity=local_capacity_rules(scenario, demand, sites),
        reach_rule=catchment_rule_text(scenario),
        fixed_annual_cost=economics.fixed_annual_cny,
        objective=Objective(kind=obj.kind, p=obj.p, radius_km=obj.radius_km, technology="incinerator"),
        economics=economics,
    )
