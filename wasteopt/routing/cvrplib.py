"""CVRPLIB (VRPLIB format) instances as ``RoutingProblem``s, for benchmarking the engines.

Following CVRPLIB, EUC_2D edge costs are rounded to the nearest integer per edge before
summing; the benchmark's integer distance unit is stored as "metres" with a cost of
1 CNY per unit, so a plan's cost in CNY is the CVRPLIB cost. The depot accepts the load
(classic CVRP: no disposal sites).

The fleet follows each set's own convention (``fixed_fleet``):
- a ``VEHICLES`` line in the file fixes the fleet;
- the classic sets A, B, E, F, M and P (Augerat; Christofides & Eilon; Fisher;
  Christofides, Mingozzi & Toth) fix it to the ``k`` in the name (``A-n32-k5``: 5 trucks),
  as their definitions and best-known solutions do;
- every other set (X of Uchoa et al. 2017, XXL, …) follows CVRPLIB's general rule: the
  fleet is unlimited and ``k`` is only the lower bound ⌈Σ demand / capacity⌉. "Unlimited"
  is one truck per customer, as PyVRP's own reader has it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import vrplib

from wasteopt.config.errors import DataError
from wasteopt.routing.problem import Depot, RoutingProblem, Stop, VehicleType


def read_cvrp(path: str | Path) -> RoutingProblem:
    """Read one VRPLIB CVRP file (EUC_2D or EXPLICIT weights)."""
    path = Path(path)
    try:
        instance = vrplib.read_instance(str(path))
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except Exception as error:  # vrplib raises assorted errors on malformed text
        raise DataError(f"{path}: not a readable VRPLIB file ({error})") from None
    if "capacity" not in instance or "demand" not in instance or "edge_weight" not in instance:
        raise DataError(f"{path}: needs CAPACITY, DEMAND_SECTION and edge weights")
    weights = np.asarray(instance["edge_weight"], float)
    if instance.get("edge_weight_type") == "EUC_2D":
        weights = nint(weights)
    distance = weights.astype(np.int32)
    depots = list(np.atleast_1d(instance["depot"]))
    if depots != [0]:
        raise DataError(f"{path}: only single-depot instances with the depot first are supported")
    demand = np.asarray(instance["demand"], float)
    capacity = float(instance["capacity"])
    coords = np.asarray(instance.get("node_coord", np.zeros((len(demand), 2))), float)
    fleet = fixed_fleet(path.stem, instance.get("vehicles")) or len(demand) - 1
    return RoutingProblem(
        name=path.stem,
        depots=(Depot("depot", "depot", coords[0, 0], coords[0, 1], accepts_waste=True),),
        sites=(),
        stops=tuple(Stop(str(i + 1), "", coords[i, 0], coords[i, 1], (demand[i],)) for i in range(1, len(demand))),
        vehicle_types=(VehicleType("cvrp", fleet, (capacity,), "depot", cost_per_km_cny=1000.0),),
        distance_m=distance,
        duration_s=np.zeros_like(distance),
        load_units=("demand",),
        crs=None,
    )


CLASSIC_SETS = ("A", "B", "E", "F", "M", "P")


def nint(values) -> np.ndarray:
    """CVRPLIB's (TSPLIB's) nint: halves round up. NumPy's ``round`` rounds halves to even,
    which differs on files with half-unit coordinates (F-n45-k4: 4.5 -> 4, not 5)."""
    return np.floor(np.asarray(values, float) + 0.5).astype(np.int64)


def fixed_fleet(name: str, vehicles) -> int | None:
    """The fleet a CVRPLIB instance fixes (its ``VEHICLES`` line, or ``k`` in a classic set's
    name), or None when its set leaves the fleet unlimited (see the module text)."""
    if vehicles is not None:
        return int(vehicles)
    named = re.fullmatch(r"([A-Z]+)-n\d+-k(\d+)", name)
    return int(named.group(2)) if named and named.group(1) in CLASSIC_SETS else None


@dataclass(frozen=True)
class BenchmarkCase:
    instance: str
    path: Path
    bks: float


def read_bks(csv_path: str | Path, only: list[str] | None = None) -> list[BenchmarkCase]:
    """Cases from a CSV with columns ``instance,file,bks`` (``file`` relative to the CSV)."""
    csv_path = Path(csv_path)
    try:
        table = pd.read_csv(csv_path, dtype={"instance": str, "file": str})
    except (OSError, ValueError) as error:
        raise DataError(f"{csv_path}: cannot read BKS table ({error})") from None
    missing = {"instance", "file", "bks"} - set(table.columns)
    if missing:
        raise DataError(f"{csv_path}: missing columns {sorted(missing)} (need instance,file,bks)")
    if only:
        unknown = sorted(set(only) - set(table.instance))
        if unknown:
            raise DataError(f"{csv_path}: no instance named {', '.join(unknown)}")
        table = table[table.instance.isin(only)]
    cases = [BenchmarkCase(r.instance, csv_path.parent / r.file, float(r.bks)) for r in table.itertuples()]
    absent = [c.path for c in cases if not c.path.exists()]
    if absent:
        raise DataError(f"{csv_path}: {len(absent)} listed file(s) missing, e.g. {absent[0]}")
    return cases
