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

from wasteopt.config.errors import DataError
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


# What a generated instance copies from 102_stop: its header, depot day (04:00-15:00), stop
# windows (about half all day, a quarter before 07:00/08:00, a quarter from 07:00), services
# of 30-360 s, loads of 2-36 yd³ (mean about 9), disposal sites open all day with 1,600 s to tip.
GENERATED_HEADER = (280.0, 400.0, 500, 3600, 40)
GENERATED_WINDOWS = ((0, 2400, 0.5), (0, 700, 0.2), (0, 800, 0.05), (700, 2400, 0.2), (700, 1700, 0.05))
GENERATED_SERVICES_S = (30, 60, 120, 180, 360)
SITE_UNLOAD_S = 1600


def generate_kim(stops: int, sites: int = 3, seed: int = 0, miles: float | None = None) -> str:
    """Text of a Kim-format instance: one depot in the middle of a square of ``miles`` a side
    (default: grows with √stops, 30 miles at 1,000 stops), ``sites`` disposal sites spread on a
    ring around it, ``stops`` stops in a few dense neighbourhoods and scattered between them."""
    if stops < 1 or sites < 1:
        raise ValueError("a generated instance needs at least one stop and one disposal site")
    rng = np.random.default_rng(seed)
    side_ft = (miles or 30.0 * math.sqrt(stops / 1000)) * 5280
    centre = np.array([1_200_000.0, 3_400_000.0])
    angles = 2 * math.pi * (np.arange(sites) + rng.uniform(0, 1)) / sites
    site_xy = centre + 0.4 * side_ft * np.c_[np.cos(angles), np.sin(angles)]
    hubs = centre + rng.uniform(-0.45, 0.45, (max(3, stops // 150), 2)) * side_ft
    clustered = rng.uniform(0, 1, stops) < 0.7
    near_hub = hubs[rng.integers(len(hubs), size=stops)] + rng.normal(0, 0.05 * side_ft, (stops, 2))
    scattered = centre + rng.uniform(-0.5, 0.5, (stops, 2)) * side_ft
    stop_xy = np.clip(np.where(clustered[:, None], near_hub, scattered), centre - side_ft / 2, centre + side_ft / 2)
    shares = np.array([w[2] for w in GENERATED_WINDOWS])
    windows = rng.choice(len(GENERATED_WINDOWS), size=stops, p=shares / shares.sum())
    loads = np.clip(np.round(rng.gamma(3.0, 3.0, stops)), 2, 36)
    services = rng.choice(GENERATED_SERVICES_S, size=stops)
    capacity, daily, max_stops, lunch, mph = GENERATED_HEADER
    lines = [f"{capacity}\t\t// vehicle capacity (yards), real number",
             f"{daily}\t\t// total yardage allowed for a vehicle per day, real number",
             f"{max_stops}\t\t// total number of regular stops for a vehicle allowed per day",
             f"{lunch}\t\t// lunch time duration in second, lunch time should start between 11:00am and 12:00 pm",
             f"{mph}\t\t// speed: MPH",
             "Stop_ID\tX(feet)\tY(feet)\tEarly_St_Time (HHMM)\tLate_St_Time (HHMM)\tSvice_Time(Sec)\tLoad (Yards)\t"
             '"Stop_Type(0: Depot, 1: regular stop, 2: Landfill)"',
             f"0 {centre[0]:.2f} {centre[1]:.2f} 0400 1500 0 9999.00 0"]
    lines += [f"{k + 1} {x:.2f} {y:.2f} 0000 2400 {SITE_UNLOAD_S} 9999.00 2" for k, (x, y) in enumerate(site_xy)]
    for i in range(stops):
        early, late, _ = GENERATED_WINDOWS[windows[i]]
        lines.append(f"{sites + 1 + i} {stop_xy[i, 0]:.2f} {stop_xy[i, 1]:.2f} {early:04d} {late:04d} "
                     f"{services[i]} {loads[i]:.2f} 1")
    return "\r\n".join(lines) + "\r\n"
