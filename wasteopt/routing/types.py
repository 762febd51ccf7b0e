"""What a routing engine hands back: raw routes, before ``solve`` turns them into a ``RoutePlan``."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """A raw engine call: ``kind`` "start"/"stop"/"unload"/"end", ``index`` into the
    problem's depots/stops/sites, ``start_s`` when service starts (departure for "start")."""

    kind: str
    index: int
    start_s: int


@dataclass(frozen=True)
class RawRoute:
    vehicle_type: int
    calls: tuple[Call, ...]
    break_start_s: int | None = None
