"""How a plan is solved: the MILP backend, limits, the local search and its seed, bounds, decomposition."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from wasteopt.config.scenario.section import Section


class SolverSettings(Section):
    backend: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(60, gt=0, le=86400)
    rel_gap: float = Field(0.001, ge=0, le=1)
    threads: int = Field(0, ge=0, le=64, description="0 = solver default")
    search: bool = Field(True, description="run the local search beside HiGHS (off: plain HiGHS)")
    search_seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the local search: one seed, one plan")
    bounds: Literal["auto", "off"] = Field("auto", description=(
        "auto: a Lagrangean bound (demand rows relaxed) beside HiGHS's where the model allows, its plan as a start "
        "and the sites it proves useless kept closed; large plain CFLPs (≥ 20,000 arcs) by Benders decomposition; "
        "pure p-median / set-cover / max-coverage problems on the radius (covering) formulation; "
        "off: plain HiGHS on the classic model, its bound only"))
    decompose: Literal["off", "prefecture"] = Field("off", description=(
        "prefecture: split the one-year min-cost siting model by prefecture and solve the pieces as Dask tasks, "
        "one plan and one bound"))
    scheduler: str | None = Field(None, max_length=200, description=(
        "tcp://HOST:PORT of the Dask cluster for the decomposed pieces; null = a 2-worker LocalCluster here"))
