"""The names of a run folder's files: the one place that knows them (``tests/test_run_files.py`` fails when
another module names one). Everything else reaches a run's files through :class:`~wasteopt.runs.folder.RunFolder`."""
from __future__ import annotations

RUN_MARKER = "kpis.json"  # the plan's KPIs; a run folder without it is not a finished run
OWNER_MARKER = ".wasteopt"  # {"kind": "run" | "routes" | …, "run_id": ...}: this tool wrote the folder

# What run_scenario writes, by kind (capacity_path.csv for phased plans only).
PLAN_FILES = {"gpkg": "plan.gpkg", "facilities": "facilities.csv", "flows": "flows.csv", "demand": "demand.csv",
              "xlsx": "plan.xlsx", "scenario": "scenario.yaml", "kpis": RUN_MARKER,
              "marginal_cost": "marginal_cost.csv", "capacity_path": "capacity_path.csv"}
LAYER_SUFFIX = ".geojson"  # one file per layer of plan.gpkg: plants.geojson, landfills.geojson, …
REPORT_FILES = {"html": "report.html", "xlsx": "report.xlsx", "pdf": "report.pdf"}
BACKTEST_FILES = {"summary": "backtest.json", "prefectures": "backtest_prefectures.csv",
                  "built": "backtest_built_plants.csv"}
GOAL_COST_FILE = "goal_cost.json"

ALL_NAMES = frozenset({*PLAN_FILES.values(), *REPORT_FILES.values(), *BACKTEST_FILES.values(), GOAL_COST_FILE})


def layer_file(layer: str) -> str:
    return f"{layer}{LAYER_SUFFIX}"


def is_plan_file(name: str) -> bool:
    """Whether ``name`` (relative to the run folder) is one of the files the solve wrote: the plan itself."""
    return name in PLAN_FILES.values() or ("/" not in name and name.endswith(LAYER_SUFFIX))


def file_name(kind: str) -> str:
    """The name of a run file of ``kind``: a key of :data:`PLAN_FILES`, ``geojson_<layer>``, ``report_<kind>``,
    ``backtest_<kind>`` or ``goal_cost``."""
    group, _, sub = kind.partition("_")
    if kind in PLAN_FILES:
        return PLAN_FILES[kind]
    if group == "geojson":
        return layer_file(sub)
    if group == "report" and sub in REPORT_FILES:
        return REPORT_FILES[sub]
    if group == "backtest" and sub in BACKTEST_FILES:
        return BACKTEST_FILES[sub]
    if kind == "goal_cost":
        return GOAL_COST_FILE
    raise KeyError(f"no run file of kind {kind!r}")
