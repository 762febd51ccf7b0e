"""What the planner decides or demands: the objective, policy caps and locks, exclusion zones, phasing, and the
plan targets the result is checked against."""
from __future__ import annotations

import warnings
from typing import Literal

from pydantic import Field, model_validator

from wasteopt.config.scenario.section import MAX_COUNT, MAX_KM, MAX_TPD, Section


class PlantCount(Section):
    min: int | None = Field(None, ge=0, le=MAX_COUNT)
    max: int | None = Field(None, ge=0, le=MAX_COUNT)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} > max {self.max}")
        return self


class ObjectiveSettings(Section):
    """min_cost (default); p_median: least t·km with exactly ``p`` plants; set_cover: fewest new
    plants so every county has one within ``radius_km``; max_coverage: most t/d within ``radius_km`` with ``p`` plants."""

    kind: Literal["min_cost", "p_median", "set_cover", "max_coverage"] = "min_cost"
    p: int | None = Field(None, ge=1, le=MAX_COUNT, description="plants in total (existing count), for p_median / max_coverage")
    radius_km: float | None = Field(None, gt=0, le=MAX_KM, description="road km, for set_cover / max_coverage")

    @model_validator(mode="after")
    def _parameters_given(self):
        if self.kind in ("p_median", "max_coverage") and self.p is None:
            raise ValueError(f"objective '{self.kind}' needs p")
        if self.kind in ("set_cover", "max_coverage") and self.radius_km is None:
            raise ValueError(f"objective '{self.kind}' needs radius_km")
        return self


class ExclusionSettings(Section):
    zones_files: list[str] = Field([], max_length=100, description="GeoJSON/GeoPackage polygons where no new plant may be built")
    buffer_m: float = Field(0, ge=0, le=50000, description="protection distance added around the zones, m")


class PhasingSettings(Section):
    """Multi-period mode: one linked model over ``years``; built plants stay, stopped landfills stay
    stopped; the policy caps and targets apply in the last year."""

    years: list[int] = Field([], max_length=61, description="e.g. [2021, 2022, 2023, 2024, 2025]; empty = single year (region.target_year)")
    build_budget_wan_cny_per_year: float | None = Field(None, ge=0, le=1e9, description="capital spent on new sites and lines per year")

    @model_validator(mode="after")
    def _years_increase(self):
        if any(b <= a for a, b in zip(self.years, self.years[1:])):
            raise ValueError("years must be strictly increasing")
        if self.years and not 2000 <= self.years[0] <= self.years[-1] <= 2060:
            raise ValueError("years must lie in 2000..2060")
        return self


class CatchmentException(Section):
    """A cross-border MSW shipment a planner allows: from ``origin`` to sites in ``destination`` (county
    adcodes, or prefecture adcodes ending in 00 for all their counties)."""

    origin: str = Field(pattern=r"^\d{6}$", description="adcode the waste comes from")
    destination: str = Field(pattern=r"^\d{6}$", description="adcode of the sites it may go to")

    @model_validator(mode="before")
    @classmethod
    def _codes_as_text(cls, data):
        # YAML reads an unquoted 410100 as a number; an adcode is a name, so take it as text
        if isinstance(data, dict):
            return {k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in data.items()}
        return data


class PolicySettings(Section):
    raw_msw_landfill_cap_tpd: float | None = Field(None, ge=0, le=MAX_TPD, description="0 = zero landfill; null = no cap")
    province_capacity_target_tpd: float | None = Field(None, ge=0, le=MAX_TPD, description="min total incineration nameplate, t/d")
    new_plants: PlantCount = PlantCount()
    single_sourcing: bool = Field(False, description="each county sends all its MSW to one plant or landfill "
                                  "(binary assignments: a harder MILP, so expect a larger gap at the same time limit)")
    locked_open: list[str] = Field([], max_length=MAX_COUNT, description="site ids forced open (what-if)")
    locked_closed: list[str] = Field([], max_length=MAX_COUNT, description="site ids forbidden")
    fixed_plants_file: str | None = Field(
        None, description="what-if with the plants fixed: a plan's facilities.csv (site_id, new_modules, "
        "module_size_tpd); its new and expanded incinerators are built exactly so and no others, and only "
        "flows, landfills and the other streams are decided")
    landfills_stopped_min: int | None = Field(None, ge=0, le=MAX_COUNT, description="landfills that must stop taking raw MSW")
    landfills_restored_min: int | None = Field(None, ge=0, le=MAX_COUNT, description="stopped landfills to restore (封场)")
    catchment: Literal["province", "prefecture", "county"] = Field(
        "province", description="where MSW may go: anywhere in the province, only to plants, transfer stations and "
        "landfills in its own prefecture (市域统筹) or its own county [assumption: a planning rule, not a cost]")
    catchment_exceptions: list[CatchmentException] = Field(
        [], max_length=1000, description="cross-border pairs a planner allows despite the catchment rule")
    county_capacity_above_tpd: float | None = Field(
        None, gt=0, le=1_000_000, description="every county whose MSW to treat exceeds this (t/d) gets incineration capacity within "
        "its borders: 300 is the threshold of 城镇生活垃圾分类和处理设施补短板强弱项实施方案 (发改环资〔2020〕1257号), quoted "
        "in news re-posts [weak]")


class Goals(Section):
    """Henan 十四五 plan targets the plan is checked against."""

    raw_msw_landfill_tpd: float = Field(0, ge=0, le=MAX_TPD)
    incineration_capacity_tpd: float = Field(70000, ge=0, le=MAX_TPD)
    new_plants: int = Field(30, ge=0, le=MAX_COUNT)
    landfills_stopped: int = Field(40, ge=0, le=MAX_COUNT)
    resource_utilisation_rate: float | None = Field(None, ge=0, le=1, description=(
        "生活垃圾资源化利用率: (recyclables sold + food waste biologically treated + waste incinerated with energy "
        "recovery) / MSW collected; national target ≈ 0.60 of city MSW by end-2025 [src: 发改环资〔2021〕642号, "
        "quoted in m.zgkjsz.com/page/2022/0901/13967447.shtml; that incineration with power counts is the "
        "statistics' usage, formula not retrieved]; null = not checked"))
    recycling_rate: float | None = Field(None, ge=0, le=1, description=(
        "生活垃圾回收利用率: (recyclables sold + food waste biologically treated) / MSW collected; national target "
        "≥ 0.35 of city MSW by 2025 [src: the 2020 national requirement quoted in "
        "m.zgkjsz.com/page/2022/0901/13967447.shtml]; null = not checked"))
    resource_recovery_rate: float | None = Field(None, ge=0, le=1, description=(
        "deprecated: the old name of resource_utilisation_rate"))

    @model_validator(mode="after")
    def _old_rate_name(self):
        if self.resource_recovery_rate is None:
            return self
        warnings.warn("goals.resource_recovery_rate is deprecated: it is goals.resource_utilisation_rate "
                      "(资源化利用率, incineration with energy recovery counted); goals.recycling_rate is 回收利用率",
                      FutureWarning, stacklevel=2)
        if self.resource_utilisation_rate is None:
            object.__setattr__(self, "resource_utilisation_rate", self.resource_recovery_rate)
        return self
