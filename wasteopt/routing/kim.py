"""Reader for the Kim, Kim & Sahoo (2006) waste-collection VRPTW benchmark format.

Five header lines (vehicle capacity yd³, route capacity yd³/day, max stops per route,
lunch duration s, speed mph), a column-header line, then one line per place:
``Stop_ID X(ft) Y(ft) Early(HHMM) Late(HHMM) Service(s) Load(yd³) Type`` with Type 0 depot,
1 stop, 2 disposal site. As the authors do, travel uses Manhattan distance in feet at the
given speed; the lunch break starts between 11:00 and 12:00.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from wasteopt.errors import DataError
from wasteopt.routing.problem import Depot, DisposalSite, LunchBreak, RoutingProblem, Stop, VehicleType

FEET_TO_M = 0.3048
LUNCH_WINDOW_S = (11 * 3600, 12 * 3600)
# Kim et al. rank solutions by number of vehicles first, then travel: a vehicle costs far
# more than any distance it saves.
VEHICLE_FIXED_COST = 1_000_000.0


def hhmm_to_s(text: str) -> int:
    """``"400"`` -> 14400 s. Minutes >= 60 (three records in the set) roll into hours."""
    value = int(float(text))
    return (value // 100) * 3600 + (value % 100) * 60


def read_kim(path: str | Path) -> RoutingProblem:
    """Parse one Kim-format file into a ``RoutingProblem`` (load unit yd³, planar feet)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="latin-1").splitlines()
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    try:
        header = [float(line.split("//")[0].split()[0]) for line in lines[:5]]
    except (IndexError, ValueError):
        raise DataError(f"{path}: the first 5 lines must each start with a number (Kim format)") from None
    vehicle_yd3, route_yd3, max_stops, lunch_s, speed_mph = header
    if min(header) <= 0:
        raise DataError(f"{path}: header values must be positive, got {header}")
    rows, bad = [], []
    for number, line in enumerate(lines[6:], start=7):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) != 8 or fields[7] not in {"0", "1", "2"}:
                raise ValueError
            rows.append((fields[0], float(fields[1]), float(fields[2]), hhmm_to_s(fields[3]), hhmm_to_s(fields[4]),
                         int(float(fields[5])), float(fields[6]), int(fields[7])))
        except ValueError:
            bad.append(number)
    if bad:
        raise DataError(f"{path}: {len(bad)} malformed place line(s), e.g. line {bad[0]} "
                        "(want: id x y early late service load type)")
    depots = [r for r in rows if r[7] == 0]
    sites = [r for r in rows if r[7] == 2]
    stops = [r for r in rows if r[7] == 1]
    if len(depots) != 1 or not sites or not stops:
        raise DataError(f"{path}: need exactly one depot (type 0), a disposal site (2) and stops (1); "
                        f"found {len(depots)}, {len(sites)}, {len(stops)}")
    ordered = depots + sites + stops
    x = np.array([r[1] for r in ordered])
    y = np.array([r[2] for r in ordered])
    feet = np.abs(x[:, None] - x[None, :]) + np.abs(y[:, None] - y[None, :])
    distance = np.rint(feet * FEET_TO_M).astype(np.int32)
    duration = np.rint(feet / 5280 / speed_mph * 3600).astype(np.int32)
    depot_id, _, _, day_start, day_end, _, _, _ = depots[0]
    total = sum(r[6] for r in stops)
    fleet = 2 * math.ceil(total / min(vehicle_yd3, route_yd3)) + 2
    return RoutingProblem(
        name=path.stem,
        depots=(Depot(f"depot{depot_id}", "depot", depots[0][1], depots[0][2], day_start, day_end),),
        sites=tuple(DisposalSite(f"site{r[0]}", "disposal site", r[1], r[2], r[5], r[3], r[4]) for r in sites),
        stops=tuple(Stop(f"stop{r[0]}", "", r[1], r[2], (r[6],), r[5], r[3], r[4]) for r in stops),
        vehicle_types=(
            VehicleType(
                "kim", fleet, (vehicle_yd3,), f"depot{depot_id}", fixed_cost_cny=VEHICLE_FIXED_COST,
                cost_per_km_cny=1.0, shift_start_s=day_start, shift_end_s=day_end,
                max_stops_per_route=int(max_stops), max_load_per_route=(route_yd3,),
            ),
        ),
        distance_m=distance,
        duration_s=duration,
        load_units=("yd3",),
        lunch_break=LunchBreak(*LUNCH_WINDOW_S, int(lunch_s)),
        crs=None,
    )
