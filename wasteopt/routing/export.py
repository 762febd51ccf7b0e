"""Write a RoutePlan: ``routes.gpkg`` (layers routes as lines, stops, unloads),
``routes.csv`` (every visit in order), ``kpis.csv`` and ``dropped.csv``, each written
atomically through ``wasteopt.config.writers``."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.config.writers import write_csv, write_geopackage

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.plan import RoutePlan


def write_plan(plan: RoutePlan, folder: Path) -> None:
    """Write the plan's files into ``folder`` (created if needed)."""
    folder = Path(folder)
    frames = plan.to_frames()
    write_csv(folder / "routes.csv", frames["visits"])
    write_csv(folder / "dropped.csv", frames["dropped"])
    kpis = plan.kpis() | {"engine": plan.engine, "status": plan.status, "seconds": round(plan.seconds, 2)}
    write_csv(folder / "kpis.csv", pd.DataFrame([kpis]))
    if plan.problem.crs is not None:
        layers = {name: frame for name, frame in plan.to_geodataframes().items() if len(frame)}
        if layers:
            write_geopackage(folder / "routes.gpkg", layers)
