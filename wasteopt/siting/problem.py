"""The siting problem in plain data: streams, technologies, sites and sparse arcs.

One problem type serves every stream (MSW, ash, C&D …) and every model variant: the
Henan scenario builds one, so do the OR-Library benchmark readers. Geometry never
enters here; arcs carry road km and a per-tonne transport cost.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd

ObjectiveKind = Literal["min_cost", "p_median", "set_cover", "max_coverage"]

WAN = 1e4  # CNY per 万元


@dataclass(frozen=True)
class Technology:
    """What a site can do. Capacity comes in integer modules (e.g. incinerator lines) of one size per site.

    Costs are annual CNY (capital already annualised); ``cost_per_t`` is the net processing
    cost of one tonne received (opex − revenue + priced carbon). No module sizes means
    uncapacitated (p-median medians, landfills). ``operating_annual_cost`` > 0 or
    ``gated_streams`` make "keep running or stop" a decision at existing sites: a running site
    pays the cost, and gated streams reach only running sites (a stopped landfill takes no raw
    MSW but may still take ash). ``capacity_factors``: a tonne of that stream uses this many t/d
    of nameplate (e.g. residual waste hotter than the rated heating value); 1 for streams not listed.
    """

    name: str
    accepts: tuple[str, ...]
    module_sizes_tpd: tuple[float, ...] = ()
    module_annual_cost: tuple[float, ...] = ()
    site_annual_cost: float = 0.0
    max_modules: int = 1
    min_modules: int = 1
    availability: float = 1.0
    min_load_share: float = 0.0
    cost_per_t: float = 0.0
    outputs: tuple[tuple[str, float], ...] = ()
    operating_annual_cost: float = 0.0
    gated_streams: tuple[str, ...] = ()
    capacity_factors: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        if len(self.module_sizes_tpd) != len(self.module_annual_cost):
            raise ValueError(f"technology {self.name}: one annual cost per module size is needed")
        if any(size <= 0 for size in self.module_sizes_tpd):
            raise ValueError(f"technology {self.name}: module sizes must be positive")
        if not 0 < self.availability <= 1 or not 0 <= self.min_load_share <= 1:
            raise ValueError(f"technology {self.name}: availability in (0, 1] and min load in [0, 1]")
        if any(factor <= 0 for _, factor in self.capacity_factors):
            raise ValueError(f"technology {self.name}: capacity factors must be positive")

    def capacity_factor(self, stream: str) -> float:
        """t/d of nameplate one t/d of ``stream`` uses here."""
        return dict(self.capacity_factors).get(stream, 1.0)

    @property
    def capacitated(self) -> bool:
        return bool(self.module_sizes_tpd)

    @property
    def stoppable(self) -> bool:
        return self.operating_annual_cost > 0 or bool(self.gated_streams)

    def new_module_range(self, is_new: bool, expandable: bool, existing_modules: int) -> tuple[int, int]:
        """(fewest, most) modules a site may add once it builds: a new site ``min_modules``, an expansion 1."""
        if is_new:
            return self.min_modules, self.max_modules
        return 1, max(0, self.max_modules - existing_modules) if expandable else 0

    def max_available_tpd(self, is_new: bool, expandable: bool, existing_tpd: float, existing_modules: int) -> float:
        """Most t/d a site can take once built as large as allowed (availability applied); inf if uncapacitated."""
        if not self.capacitated:
            return math.inf
        _, max_new = self.new_module_range(is_new, expandable, existing_modules)
        return self.availability * (existing_tpd + max_new * max(self.module_sizes_tpd))


@dataclass(frozen=True)
class FlowCap:
    """At most ``max_tpd`` of ``stream`` may go to sites of ``technology`` in total (0 = zero landfill)."""

    stream: str
    technology: str
    max_tpd: float
    label: str = ""


@dataclass(frozen=True)
class StopTarget:
    """At least ``min_stopped`` existing sites of ``technology`` stop; at least ``min_restored`` of
    the stopped ones are restored (ecological closure) at ``restore_annual_cost`` each."""

    technology: str
    min_stopped: int = 0
    min_restored: int = 0
    restore_annual_cost: float = 0.0


@dataclass(frozen=True)
class LocalCapacity:
    """At least one of ``sites`` (an area's plants and candidates) has capacity: it is an existing plant or
    opens. ``label`` names the rule and the area for infeasibility explanations."""

    sites: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Objective:
    """min_cost (default); p_median: min t·km with exactly ``p`` open sites; set_cover: fewest
    sites serving everything within ``radius_km``; max_coverage: most tonnes within ``radius_km`` with ``p`` sites."""

    kind: ObjectiveKind = "min_cost"
    p: int | None = None
    radius_km: float | None = None
    technology: str | None = None  # which sites count towards p / the cover; default: every capacitated-or-new site

    def __post_init__(self):
        if self.kind in ("p_median", "max_coverage") and (self.p is None or self.p < 1):
            raise ValueError(f"objective {self.kind} needs p ≥ 1")
        if self.kind in ("set_cover", "max_coverage") and (self.radius_km is None or self.radius_km <= 0):
            raise ValueError(f"objective {self.kind} needs radius_km > 0")


SITE_COLUMNS = ("technology", "existing_capacity_tpd", "existing_modules", "is_new", "lock")
ARC_COLUMNS = ("origin", "destination", "stream", "km", "cost_per_t")


@dataclass(frozen=True)
class SitingProblem:
    """demand: index node id, one column per stream (t/d).
    sites: index site id; columns technology, existing_capacity_tpd, existing_modules,
    is_new (bool: a candidate whose opening pays the site cost and counts as a new plant),
    lock ('' | 'open' | 'closed'); optional fixed_modules and fixed_module_size_tpd (a fixed plan: exactly
    that many new modules of that size, 0 = none; NaN = the model decides); optional above_existing_cost_per_t
    (CNY per t/d of nameplate used beyond the existing capacity's throughput, e.g. a subsidy new lines lose).
    arcs: origin (node or site), destination (site), stream, km (road), cost_per_t (transport CNY/t),
    optional max_tpd (an upper bound on the arc's flow, e.g. the on-site reuse share)."""

    demand: pd.DataFrame
    sites: pd.DataFrame
    technologies: Mapping[str, Technology]
    arcs: pd.DataFrame
    single_sourcing: tuple[str, ...] = ()
    flow_caps: tuple[FlowCap, ...] = ()
    capacity_targets: tuple[tuple[str, float], ...] = ()
    new_site_limits: tuple[tuple[str, int | None, int | None], ...] = ()
    stop_targets: tuple[StopTarget, ...] = ()
    local_capacity: tuple[LocalCapacity, ...] = ()
    reach_rule: str = ""  # a rule that removed arcs (e.g. the catchment), named in infeasibility explanations
    objective: Objective = field(default_factory=Objective)
    days_per_year: float = 365.0
    fixed_annual_cost: float = 0.0  # CNY/yr every plan pays alike (e.g. waste diverted before the model), in the objective

    def __post_init__(self):
        missing = [c for c in SITE_COLUMNS if c not in self.sites.columns]
        missing += [c for c in ARC_COLUMNS if c not in self.arcs.columns]
        if missing:
            raise ValueError(f"siting problem lacks columns: {', '.join(missing)}")
        unknown = set(self.sites["technology"]) - set(self.technologies)
        if unknown:
            raise ValueError(f"sites use unknown technologies: {sorted(unknown)}")

    @property
    def streams(self) -> tuple[str, ...]:
        return tuple(self.demand.columns)

    def arc_capacity_use(self, arcs: pd.DataFrame) -> np.ndarray:
        """Per arc: t/d of its destination's nameplate one t/d on it uses (the destination technology's
        capacity factor for the arc's stream). Capacity, min-load and bound rows weigh flows by this."""
        tech_of = arcs["destination"].map(self.sites["technology"])
        factors = {(name, stream): factor for name, t in self.technologies.items() for stream, factor in t.capacity_factors}
        if not factors:
            return np.ones(len(arcs))
        return np.fromiter((factors.get((t, s), 1.0) for t, s in zip(tech_of, arcs["stream"])), float, len(arcs))

    def demand_by_node_stream(self) -> pd.Series:
        """t/d indexed by (node id, stream), both as str."""
        stacked = self.demand.stack()
        return pd.Series(stacked.to_numpy(dtype=float), index=pd.MultiIndex.from_arrays(
            [stacked.index.get_level_values(0).astype(str), stacked.index.get_level_values(1).astype(str)]))
