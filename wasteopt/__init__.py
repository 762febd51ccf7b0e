"""wasteopt: province-scale waste-logistics planning (facility siting MILPs, collection routing).

The public API::

    from wasteopt import load_scenario, solve_scenario, compute_kpis, export_plan, RunFolder, run_scenario

    scenario = load_scenario("configs/henan-2025-zero-landfill.yaml")
    plan = solve_scenario(scenario)            # a SitingPlan
    kpis = compute_kpis(plan)                # Kpis: typed, kpis.to_dict() is kpis.json
    export_plan(plan, kpis, "runs/mine")       # a run folder, written whole
    RunFolder("runs/mine").facilities()

Names are imported on first use, so ``import wasteopt.config.scenario`` does not load the solvers.
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "load_scenario": "wasteopt.config.loader",
    "Scenario": "wasteopt.config.scenario",
    "load_region": "wasteopt.data.region",
    "solve_scenario": "wasteopt.siting",
    "SitingPlan": "wasteopt.siting.plan",
    "compute_kpis": "wasteopt.reporting.kpi_compute",
    "Kpis": "wasteopt.reporting.kpi_result",
    "export_plan": "wasteopt.runs.folder.plan_files",
    "RunFolder": "wasteopt.runs.folder",
    "run_scenario": "wasteopt.runs.pipeline",
    "RunOutcome": "wasteopt.runs.pipeline",
    "RunRegistry": "wasteopt.runs.registry",
    "WasteoptError": "wasteopt.config.errors",
    "ScenarioError": "wasteopt.config.errors",
    "DataError": "wasteopt.config.errors",
    "InfeasibleError": "wasteopt.config.errors",
    "NoPlanError": "wasteopt.config.errors",
    "OutputError": "wasteopt.config.errors",
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
