"""Turn a Scenario and its Region into one SitingProblem for every stream it switches on.

Streams: msw (counties → incinerators / transfer stations / landfills), ash (incinerators →
landfills), and with ``cd.enabled`` cd (counties → consumption yards / recycling plants /
landfills) and cd_residue (recycling plants → yards / landfills). With ``sorting.enabled`` msw is the
residual waste (其他垃圾 and what sorting missed), food (counties → food-waste plants, or incinerators
when co-treatment is allowed), recyclables (counties → sorting centres) and residue (both plants →
incinerators / landfills); hazardous waste is counted, not sited.
Money: capital is annualised with the capital-recovery factor; every cost is CNY per year
in the objective. Carbon is priced into per-tonne costs so the optimiser sees it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.data.network import read_od_matrix, sparse_arcs
from wasteopt.data.region import Region
from wasteopt.data.tables import checked_table, read_plan_facilities
from wasteopt.config.scenario import Scenario
from wasteopt.siting.cd_categories import cd_arcs, cd_streams, densities, generation, streams_to
from wasteopt.siting.exclusion import excluded_sites
from wasteopt.siting.problem import WAN, FlowCap, LocalCapacity, Objective, SitingProblem, StopTarget, Technology

DAYS_PER_YEAR = 365.0
SITE_PREFIX = {"incinerator": "C", "cd_yard": "Y", "cd_recycler": "R", "transfer": "T", "cd_reuse": "U",
               "cd_dewatering": "W", "digester": "D", "sorting_centre": "S"}
SORTED_FRACTIONS = ("food", "recyclables", "hazardous")


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
    :func:`demand_table`); the formula is in :class:`wasteopt.config.scenario.HeatingValues`. Without sorting, the
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
    """Every technology of the scenario; ``demand`` (of :func:`demand_table`) sets the incinerators'
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
    return demand.join(generation(scenario, demand["urban_population"], DAYS_PER_YEAR))


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
                          references={"adcode": set(region.demand.index)})
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


def arc_table(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Sparse arcs for every stream, with transport (and gate) cost in CNY/t; ``demand`` from :func:`demand_table`."""
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
    revenue = power_revenue_cny_per_t(scenario, sites)
    factors = stream_heating_factors(scenario, demand)
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
    unknown = sorted(set(adcodes.astype(str)) - set(demand.index.astype(str)))
    if unknown:
        raise DataError(f"{what}: adcode(s) {', '.join(unknown[:5])} are not county-level units of the region, "
                        "so policy.catchment cannot place them")
    codes = adcodes.astype(str)
    return codes if level == "county" else codes.map(demand["prefecture_adcode"].astype(str))


def catchment_arcs(scenario: Scenario, demand: pd.DataFrame, sites: pd.DataFrame, arcs: pd.DataFrame) -> pd.DataFrame:
    """Drop MSW arcs that leave the origin's prefecture or county under ``policy.catchment`` (市域统筹), unless the
    pair is one of ``policy.catchment_exceptions``. Origins are counties or transfer stations; ash is not bound."""
    policy = scenario.policy
    if policy.catchment == "province":
        return arcs
    prefectures = set(demand["prefecture_adcode"].astype(str))
    known = set(demand.index.astype(str)) | prefectures
    for i, pair in enumerate(policy.catchment_exceptions):
        for end in ("origin", "destination"):
            if getattr(pair, end) not in known:
                raise ScenarioError(f"key 'policy.catchment_exceptions.{i}.{end}': {getattr(pair, end)} is neither a "
                                    "county-level unit nor a prefecture of the region")
    msw = arcs["stream"] == "msw"
    origin_code = arcs["origin"].map(lambda o: o if o in demand.index else sites.at[o, "adcode"]).astype(str)
    destination_code = arcs["destination"].map(sites["adcode"]).astype(str)
    what = "sites (candidate, landfill or transfer files)"
    inside = (_area_of(origin_code[msw], demand, policy.catchment, what).to_numpy()
              == _area_of(destination_code[msw], demand, policy.catchment, what).to_numpy())
    allowed = pd.Series(inside, index=origin_code[msw].index)
    prefecture_of = demand["prefecture_adcode"].astype(str)
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
    sites["above_existing_cost_per_t"] = expansion_subsidy_cny_per_t(scenario, sites).reindex(sites.index).fillna(0.0)
    demand = demand_table(scenario, region)
    streams = {"msw_tpd": "msw"} | {f"{stream}_tpd": stream for stream in cd_streams(scenario)}
    if scenario.sorting.enabled:
        streams |= {"food_tpd": "food", "recyclables_tpd": "recyclables"}
    obj = scenario.objective
    return SitingProblem(
        demand=demand[list(streams)].rename(columns=streams),
        sites=sites,
        technologies=technologies(scenario, demand),
        arcs=catchment_arcs(scenario, demand, sites, arc_table(scenario, demand, sites)),
        single_sourcing=("msw",) if policy.single_sourcing else (),
        flow_caps=tuple(caps),
        capacity_targets=targets,
        new_site_limits=limits,
        stop_targets=stop,
        local_capacity=local_capacity_rules(scenario, demand, sites),
        reach_rule=catchment_rule_text(scenario),
        fixed_annual_cost=fixed_annual_cost_cny(scenario, demand),
        objective=Objective(kind=obj.kind, p=obj.p, radius_km=obj.radius_km, technology="incinerator"),
    )
