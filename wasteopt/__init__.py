"""wasteopt: province-scale waste-logistics planning (facility siting MILPs, collection routing).

The public API::

    from wasteopt import load_scenario, solve_scenario, compute_kpis, export_plan, RunFolder, run_scenario

    scenario = load_scenario("configs/henan-2025-zero-landfill.yaml")
    plan = solve_scenario(scenario)            # a SitingPlan
    kpis = compute_kpis(plan)
    export_plan(plan, kpis, "runs/mine")       # a run folder, written whole
    RunFolder("runs/mine").facilities()

Names are imported on first use, so ``import wasteopt.scenario`` does not load the solvers.
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "load_scenario": "wasteopt.scenario",
    "Scenario": "wasteopt.scenario",
    "load_region": "wasteopt.region",
    "solve_scenario": "wasteopt.siting",
    "SitingPlan": "wasteopt.plan",
    "compute_kpis": "wasteopt.kpi",
    "export_plan": "wasteopt.export",
    "RunFolder": "wasteopt.run_folder",
    "run_scenario": "wasteopt.pipeline",
    "RunOutcome": "wasteopt.pipeline",
    "RunRegistry": "wasteopt.runs",
    "WasteoptError": "wasteopt.errors",
    "ScenarioError": "wasteopt.errors",
    "DataError": "wasteopt.errors",
    "InfeasibleError": "wasteopt.errors",
    "NoPlanError": "wasteopt.errors",
    "OutputError": "wasteopt.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'wasteopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
