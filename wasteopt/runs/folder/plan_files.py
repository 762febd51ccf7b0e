"""A plan's files in its run folder: GeoPackage, one GeoJSON per layer, CSV, XLSX, scenario YAML, KPI JSON.

Each file is written atomically (:mod:`wasteopt.config.writers`), into a run folder that is itself built beside
its target and swapped in whole (:func:`~wasteopt.runs.folder.staging.staged_folder`)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from wasteopt.reporting.budget import marginal_cost_table
from wasteopt.reporting.workbook import lay_out_sheet, plan_sheets
from wasteopt.config.writers import write_csv, write_geojson, write_geopackage, write_json, write_text, write_xlsx
from wasteopt.runs.folder.layout import PLAN_FILES, layer_file
from wasteopt.runs.folder.staging import staged_folder
from wasteopt.siting.plan import LAYER_DESCRIPTIONS

if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.plan import SitingPlan


def export_plan(plan: SitingPlan, kpis: Mapping, out_dir: str | Path, force: bool = False,
                run_id: str | None = None) -> dict[str, Path]:
    """Write the plan's run folder ``out_dir`` whole (see :func:`write_plan_files`); ``force`` replaces a run
    already there. Returns the files by kind."""
    out = Path(out_dir)
    with staged_folder(out, "run", force, run_id) as staging:
        files = write_plan_files(plan, kpis, staging)
    return {kind: out / path.relative_to(staging) for kind, path in files.items()}


def write_plan_files(plan: SitingPlan, kpis: Mapping, out: Path) -> dict[str, Path]:
    """Write plan.gpkg, one GeoJSON per layer (plants, landfills, demand, flows), facilities.csv, flows.csv, demand.csv,
    plan.xlsx (bilingual sheets, numbers as numbers), scenario.yaml, kpis.json, marginal_cost.csv (one more tonne at each
    incinerator) and capacity_path.csv for a phased plan into the folder ``out``; ``kpis``: ``compute_kpis(plan)`` or
    its dict."""
    kpis = dict(kpis)  # a Kpis reads as its kpis.json object
    frames = plan.to_frames()
    files = {kind: out / PLAN_FILES[kind] for kind in ("gpkg", "facilities", "flows", "demand", "xlsx", "scenario",
                                                       "kpis")}
    layers = plan.to_geodataframes()
    write_geopackage(files["gpkg"], layers, LAYER_DESCRIPTIONS)
    for name, gdf in layers.items():
        files[f"geojson_{name}"] = out / layer_file(name)
        write_geojson(files[f"geojson_{name}"], gdf, LAYER_DESCRIPTIONS.get(name))
    write_csv(files["facilities"], frames["facilities"], index=True)
    write_csv(files["flows"], frames["flows"])
    write_csv(files["demand"], frames["demand"], index=True)
    files["marginal_cost"] = out / PLAN_FILES["marginal_cost"]  # CNY per one more tonne at each incinerator, by vintage
    write_csv(files["marginal_cost"], marginal_cost_table(plan), index=True)
    if plan.capacity_path is not None:
        files["capacity_path"] = out / PLAN_FILES["capacity_path"]
        write_csv(files["capacity_path"], plan.capacity_path)
    write_xlsx(files["xlsx"], plan_sheets(frames, kpis, plan.capacity_path), lay_out_sheet)
    write_text(files["scenario"], plan.scenario.to_yaml())
    write_json(files["kpis"], kpis)
    return files
