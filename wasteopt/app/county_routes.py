"""One county's routes from a saved plan, for the routes page: rural collection routed as ``wasteopt route --plan``
does, and the county's C&D shuttles. No Streamlit here; OR-Tools and PyVRP load on first use."""
from __future__ import annotations

from wasteopt.app.service import routes_folder, saved_scenario
from wasteopt.runs.folder import RunFolder
from wasteopt.runs.registry import RunRecord


def route_county_of_run(record: RunRecord, region, adcode: str, engine: str, time_limit: float, seed: int = 0):
    """Route one county's rural collection from a saved plan, as ``wasteopt route --plan`` does, and write the
    route files beside the run folder (:func:`routes_folder`). Returns the RoutePlan."""
    from wasteopt.routing.county import county_job, plan_county, siting_flows

    scenario = saved_scenario(record.scenario_yaml)
    plan = siting_flows(scenario, region, RunFolder(record.out_dir))
    return plan_county(county_job(scenario, region, adcode, plan, None, routes_folder(record, adcode), engine,
                                  time_limit, seed))


def cd_haul_of_plan(record: RunRecord, layers: dict, adcode: str):
    """One county's C&D shuttles in a saved plan (full 20 t loads to yards, recycling plants, landfills), as
    ``wasteopt route`` writes them to cd_haul.csv, with each destination's name_zh, name_en and technology
    (from the plan's layers). Empty when the county ships no C&D waste. The flows come from flows.csv: the
    flows layer has no line for waste that stays at its own county seat."""
    from wasteopt.routing.county import cd_haul, cd_shipments

    shipped = cd_shipments(RunFolder(record.out_dir).flows())
    shipped = shipped[shipped.origin == adcode]
    if shipped.empty:
        return shipped
    sites = layers["plants"].set_index("site_id")
    return cd_haul(shipped).assign(name_zh=shipped.destination.map(sites["name_zh"]).to_numpy(),
                                   name_en=shipped.destination.map(sites["name_en"]).to_numpy(),
                                   technology=shipped.destination_technology.to_numpy())
