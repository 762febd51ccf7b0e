"""What the plan's "30+ new plants" goal costs: the run's scenario solved again with
``policy.new_plants.min`` at the goal (one ε-constraint point), beside the run's own cost.

The runner: :func:`price_new_plant_goal` solves, :func:`add_goal_cost` prices a run and adds the result to its
folder. Reading it back is :meth:`RunFolder.goal_cost`; :func:`wasteopt.studies.results.goal_cost_text` puts it
in words.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from wasteopt.config.errors import InfeasibleError, NoPlanError

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

if TYPE_CHECKING:
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.registry import RunRegistry


def price_new_plant_goal(scenario: Scenario, kpis: dict, *, time_limit: float | None = None) -> dict:
    """Solve a run's scenario with at least ``goals.new_plants`` new plants: the goal, the run's cost and plants
    (``kpis``), the constrained cost and plants (or why there is no such plan)."""
    from wasteopt.reporting.kpi_compute import compute_kpis
    from wasteopt.siting.pipeline import solve_scenario

    target = scenario.goals.new_plants
    record = {"goal": "new_plants", "target": target, "run_cost_wan_cny_per_year": kpis.get("cost_wan_cny_per_year"),
              "run_new_plants": kpis.get("new_plants"), "run_gap": kpis.get("gap")}
    if (kpis.get("new_plants") or 0) >= target:
        record.update(status="met", cost_wan_cny_per_year=kpis.get("cost_wan_cny_per_year"),
                      new_plants=kpis.get("new_plants"), gap=kpis.get("gap"))
    else:
        constrained = scenario.with_changes({"policy": {"new_plants": {"min": target}}})
        try:
            plan = solve_scenario(constrained, time_limit=time_limit)
        except InfeasibleError as error:
            record.update(status="infeasible", message=str(error).splitlines()[0])
        except NoPlanError as error:
            record.update(status="no_plan", message=str(error).splitlines()[0])
        else:
            priced = compute_kpis(plan)
            record.update(status=plan.status, cost_wan_cny_per_year=priced.cost.cost_wan_cny_per_year,
                          new_plants=priced.capacity.new_plants, gap=priced.solve.gap)
    return record


def add_goal_cost(folder: RunFolder, registry: RunRegistry, *, time_limit: float | None = None) -> dict:
    """Price the new-plants goal of the run in ``folder`` and add the result to the folder (recorded in
    ``registry``); returns it."""
    record = price_new_plant_goal(folder.scenario(), folder.kpis(), time_limit=time_limit)
    folder.add_goal_cost(record, registry)
    return record
