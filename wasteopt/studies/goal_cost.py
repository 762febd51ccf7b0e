"""What the plan's "30+ new plants" goal costs: the run's scenario solved again with
``policy.new_plants.min`` at the goal (one ε-constraint point), beside the run's own cost."""
from __future__ import annotations

from pathlib import Path

from wasteopt.config.errors import InfeasibleError, NoPlanError
from wasteopt.runs.export import write_json
from wasteopt.config.scenario import Scenario

GOAL_COST_FILE = "goal_cost.json"


def price_new_plant_goal(scenario: Scenario, kpis: dict, run_dir: str | Path, *, time_limit: float | None = None) -> dict:
    """Solve a run's scenario with at least ``goals.new_plants`` new plants; write goal_cost.json into ``run_dir``
    and return it: the goal, the run's cost and plants (``kpis``), the constrained cost and plants (or why there
    is no such plan)."""
    from wasteopt.reporting.kpi_compute import compute_kpis
    from wasteopt.siting import solve_scenario

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
    write_json(Path(run_dir) / GOAL_COST_FILE, record)
    return record


def read_goal_cost(run_dir: str | Path) -> dict | None:
    from wasteopt.runs.folder import read_run_json

    return read_run_json(Path(run_dir) / GOAL_COST_FILE)


def goal_cost_text(record: dict | None) -> str:
    """One cell for the report's goal table: what meeting the new-plants goal costs, 中文 with English."""
    if record is None:
        return "未计算 not computed (wasteopt report RUN --goal-cost)"
    if record["status"] == "met":
        return "已达成 met at the cost optimum"
    if record["status"] == "infeasible":
        return f"不可行 infeasible: {record.get('message', '')}"
    if record["status"] == "no_plan":
        return f"限时内未找到方案 no plan within the time limit: {record.get('message', '')}"
    extra = record["cost_wan_cny_per_year"] - record["run_cost_wan_cny_per_year"]
    share = extra / record["run_cost_wan_cny_per_year"] if record["run_cost_wan_cny_per_year"] else float("nan")
    gaps = f"差距 gaps {100 * (record['run_gap'] or 0):.2f} % / {100 * (record['gap'] or 0):.2f} %"
    return (f"{record['new_plants']} 座新厂 new plants: {record['cost_wan_cny_per_year']:,.0f} 万元/yr, "
            f"比本方案多 {extra:+,.0f} 万元/yr ({100 * share:+.1f} %) vs this plan's {record['run_new_plants']} plants "
            f"({gaps}: time-limited solves, so a difference within the gaps is not proven)")
