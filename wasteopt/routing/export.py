"""Write a RoutePlan: ``routes.gpkg`` (layers routes as lines, stops, unloads),
``routes.csv`` (every visit in order), ``kpis.csv`` and ``dropped.csv``. Every file is
written to a temporary file in the same folder and then moved into place (atomic)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from wasteopt.routing.plan import RoutePlan


def _temporary_beside(path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    os.unlink(name)  # GDAL wants to create the GeoPackage itself
    return Path(name)


def atomic_csv(frame: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    temporary = _temporary_beside(path)
    try:
        frame.to_csv(temporary, index=False)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_plan(plan: RoutePlan, folder: Path) -> None:
    """Write the plan's files into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    frames = plan.to_frames()
    atomic_csv(frames["visits"], folder / "routes.csv")
    atomic_csv(frames["dropped"], folder / "dropped.csv")
    atomic_csv(pd.DataFrame([plan.kpis() | {"engine": plan.engine, "status": plan.status,
                                             "seconds": round(plan.seconds, 2)}]), folder / "kpis.csv")
    if plan.problem.crs is None:
        return
    target = folder / "routes.gpkg"
    temporary = _temporary_beside(target)
    try:
        for layer, frame in plan.to_geodataframes().items():
            if len(frame):
                frame.to_file(temporary, layer=layer, driver="GPKG", mode="a" if temporary.exists() else "w")
        if temporary.exists():
            os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
