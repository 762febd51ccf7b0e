"""The KPIs of a plan as a typed result: ``Kpis``, grouped (solve, waste, capacity, landfills, haul, cost, rates,
budget, and transfer, C&D, sorting, futures when the scenario has them), with the units in the field names.

Each field is named as its key in a run's kpis.json: :meth:`Kpis.to_dict` writes that flat JSON object (the same
keys and order as ever) and :meth:`Kpis.from_dict` reads one back, an old run's included (what it did not record
is None). Code written against the dict reads ``kpis["key"]`` the same way; tables, the app and the report read
the dict form.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any

Row = Mapping[str, Any]  # one row of a table inside the KPIs (capacity path, futures), as kpis.json holds it


def rounded(value, digits: int = 3) -> float | None:
    """A figure as kpis.json holds it: rounded, None when there is none (or it is not finite)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(float(value), digits)


def _plain(value):
    """A field value as JSON holds it: rows and groups as objects, tuples as lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _tupled(value):
    return tuple(value) if isinstance(value, list) else value


class _Flat:
    """A group whose field names are its kpis.json keys."""

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, record: Mapping):
        """The group from a kpis.json object: what it lacks (older runs) is None, its lists tuples."""
        return cls(**{f.name: _tupled(record.get(f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class Solve(_Flat):
    """How the solve ended. objective and best_bound are in the objective's units (CNY/yr for min_cost); gap and
    rel_gap_asked are shares (0–1)."""

    scenario: str
    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    solve_seconds: float | None
    rel_gap_asked: float | None
    backend: str | None
    search_seed: int | None
    solver_message: str | None
    target_year: int | None


@dataclass(frozen=True)
class Waste(_Flat):
    """MSW collected, what sorting (or the shorthand) took out, what is left to treat, incinerated, landfilled raw."""

    msw_generated_tpd: float | None
    msw_sorted_out_tpd: float | None
    msw_to_treat_tpd: float | None
    msw_incinerated_tpd: float | None
    raw_msw_landfill_tpd: float | None


@dataclass(frozen=True)
class Capacity(_Flat):
    """Incineration capacity and plants; mean_utilisation is a share (load ÷ capacity)."""

    incineration_capacity_tpd: float | None
    existing_plants: int | None
    expanded_plants: int | None
    new_plants: int | None
    new_capacity_tpd: float | None
    mean_utilisation: float | None
    plants_under_70pct_load: int | None


@dataclass(frozen=True)
class Landfills(_Flat):
    """Landfills (counts); the ``…_record`` ones only when the landfill table has records (absent in old runs)."""

    landfills_total: int | None
    landfills_stopped: int | None
    landfills_restored: int | None
    landfills_on_record: int | None = None
    landfills_assumed: int | None = None
    landfills_closed_on_record: int | None = None
    landfills_stopped_on_record: int | None = None

    RECORDS = ("landfills_on_record", "landfills_assumed", "landfills_closed_on_record", "landfills_stopped_on_record")

    def to_dict(self) -> dict:
        return {key: value for key, value in super().to_dict().items() if value is not None or key not in self.RECORDS}


@dataclass(frozen=True)
class Haul(_Flat):
    """First-leg haul of MSW (km) and all transport (t·km/d)."""

    mean_haul_km: float | None
    max_haul_km: float | None
    t_km_per_day: float | None


@dataclass(frozen=True)
class Cost(_Flat):
    """The plan's system cost (whatever the objective was: ``objective_kind``), and its net GHG."""

    objective_kind: str | None
    cost_cny_per_year: float | None
    cost_wan_cny_per_year: float | None
    cost_cny_per_t: float | None
    co2e_t_per_year: float | None


@dataclass(frozen=True)
class Rates(_Flat):
    """The two official rates, as shares (``…_rate``) and in % (``…_pct``) of MSW collected."""

    recycling_rate: float | None
    recycling_pct: float | None
    resource_utilisation_rate: float | None
    resource_utilisation_pct: float | None


@dataclass(frozen=True)
class Budget(_Flat):
    """Power revenue (in the system cost), its subsidy, and the public budget (tipping fees + subsidy), 万元/yr."""

    power_revenue_wan_cny_per_year: float | None
    power_subsidy_wan_cny_per_year: float | None
    tipping_fees_wan_cny_per_year: float | None
    public_budget_wan_cny_per_year: float | None


@dataclass(frozen=True)
class VintageCost(_Flat):
    """One more tonne at the plan's incinerators of one vintage, load-weighted, CNY/t."""

    vintage: str
    plants: int
    load_tpd: float | None
    haul_cny_per_t: float | None
    treatment_cny_per_t: float | None
    ash_cny_per_t: float | None
    power_revenue_cny_per_t: float | None
    marginal_cost_cny_per_t: float | None


@dataclass(frozen=True)
class Transfer(_Flat):
    """MSW through transfer stations and the haul (km) at which transfer starts to pay."""

    transfer_stations: int | None
    msw_via_transfer_tpd: float | None
    msw_via_transfer_share: float | None
    direct_haul_mean_km: float | None
    transfer_trunk_mean_km: float | None
    transfer_break_even_km: float | None


@dataclass(frozen=True)
class CdCategory:
    """One C&D category (``stream``: cd_spoil …): generated and reused on site (t/d), into yards (m³/yr)."""

    stream: str
    generated_tpd: float | None
    reused_tpd: float | None
    yard_m3_per_year: float | None

    PARTS = ("generated_tpd", "reused_tpd", "yard_m3_per_year")

    def to_dict(self) -> dict:
        return {f"{self.stream}_{part}": getattr(self, part) for part in self.PARTS}


@dataclass(frozen=True)
class Cd(_Flat):
    """C&D waste: where it went (t/d), the recycling rate (share) against its target, trucks, yard life (years)."""

    cd_generated_tpd: float | None
    cd_reused_tpd: float | None
    cd_recycled_tpd: float | None
    cd_to_yards_tpd: float | None
    cd_landfilled_tpd: float | None
    cd_t_km_per_day: float | None
    cd_recycling_rate: float | None
    cd_recycling_target: float | None
    cd_recycling_target_met: bool | None
    cd_yards: int | None
    cd_recyclers: int | None
    cd_truck_trips_per_year: float | None
    cd_truck_km_per_year: float | None
    cd_trips_avoided_by_reuse_per_year: float | None
    cd_yard_years_left_min: float | None
    cd_yard_years_left: Mapping[str, float | None] | None
    by_category: tuple[CdCategory, ...] = ()

    def to_dict(self) -> dict:
        record = super().to_dict()
        del record["by_category"]
        for category in self.by_category:
            record |= category.to_dict()
        return record

    @classmethod
    def from_dict(cls, record: Mapping) -> Cd:
        streams = [key.removesuffix("_generated_tpd") for key in record
                   if key.startswith("cd_") and key.endswith("_generated_tpd") and key != "cd_generated_tpd"]
        categories = tuple(CdCategory(stream, *(record.get(f"{stream}_{part}") for part in CdCategory.PARTS))
                           for stream in streams)
        return cls(**{f.name: record.get(f.name) for f in fields(cls) if f.name != "by_category"},
                   by_category=categories)


@dataclass(frozen=True)
class Sorting(_Flat):
    """Waste sorting: each fraction and where it went (t/d), plants, the residual waste's heating value (kJ/kg) and
    the nameplate one t/d of it takes (residual_capacity_factor); food_capture_rate is a share."""

    food_waste_tpd: float | None
    food_capture_rate: float | None
    food_waste_treated_tpd: float | None
    food_waste_digested_tpd: float | None
    food_waste_cotreated_tpd: float | None
    biological_capacity_tpd: float | None
    food_waste_plants: int | None
    new_food_waste_plants: int | None
    recyclables_tpd: float | None
    recyclables_recovered_tpd: float | None
    sorting_centres: int | None
    sorting_capacity_tpd: float | None
    hazardous_tpd: float | None
    residual_tpd: float | None
    residual_incinerated_tpd: float | None
    residue_incinerated_tpd: float | None
    residue_landfilled_tpd: float | None
    residual_lhv_kj_per_kg: float | None
    residual_capacity_factor: float | None


@dataclass(frozen=True)
class Futures(_Flat):
    """A plan for several futures (万元/yr, intervals [low, high] as the solves' gaps allow): each future, every
    plan × future, expected costs, VSS (absent when unbounded), EVPI and the policy premium."""

    futures_objective: str | None
    futures_policy_scope: str | None
    central_future: str | None
    futures: tuple[Row, ...]
    futures_outcomes: tuple[Row, ...]
    expected_cost_wan_cny_by_plan: Mapping[str, float | None]
    expected_cost_wan_cny: float | None
    worst_case_raw_msw_landfill_tpd: float | None
    vss_reference_plan: str | None
    mean_value_gap: float | None
    robust_gap: float | None
    value_of_stochastic_solution_unbounded: bool | None
    mean_value_plan_breaches: tuple[Row, ...]
    policy_premium_wan_cny: float | None
    policy_premium_interval_wan_cny: tuple[float | None, float | None] | None
    expected_value_of_perfect_information_wan_cny: float | None
    expected_value_of_perfect_information_interval_wan_cny: tuple[float | None, float | None] | None
    futures_solves_above_gap: tuple[str, ...]
    value_of_stochastic_solution_wan_cny: float | None = None
    value_of_stochastic_solution_interval_wan_cny: tuple[float | None, float | None] | None = None

    def to_dict(self) -> dict:
        record = super().to_dict()
        if self.value_of_stochastic_solution_unbounded:  # no number stands for ∞: the flag and breaches say it
            del record["value_of_stochastic_solution_wan_cny"], record["value_of_stochastic_solution_interval_wan_cny"]
        return record


@dataclass(frozen=True)
class Goal(_Flat):
    """One goal of the plan: ``kpi`` (a kpis.json key) ``sense`` (≤ or ≥) ``target`` in ``unit``, and the value."""

    goal: str
    goal_zh: str
    kpi: str
    sense: str
    target: float
    value: float | None
    unit: str
    met: bool


GROUPS = {"solve": Solve, "waste": Waste, "capacity": Capacity, "landfills": Landfills, "haul": Haul, "cost": Cost,
          "rates": Rates, "budget": Budget}
OPTIONAL_GROUPS = {"transfer": (Transfer, "transfer_stations"), "cd": (Cd, "cd_generated_tpd"),
                   "sorting": (Sorting, "food_waste_tpd")}


@dataclass(frozen=True)
class Kpis(Mapping):
    """The KPIs of a plan (a plan for several futures: its central future's), with the goals checked.

    transfer, cd, sorting, capacity_path (phased plans: one row per year) and futures are None when the
    scenario has none. ``extra``: keys of a kpis.json read back that are none of these (kept as they were).
    """

    solve: Solve
    waste: Waste
    capacity: Capacity
    landfills: Landfills
    haul: Haul
    cost: Cost
    rates: Rates
    budget: Budget
    marginal_cost_by_vintage: tuple[VintageCost, ...] = ()
    transfer: Transfer | None = None
    cd: Cd | None = None
    sorting: Sorting | None = None
    capacity_path: tuple[Row, ...] | None = None
    futures: Futures | None = None
    goals: tuple[Goal, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The flat JSON object of kpis.json: the groups' keys in order, then the tables and the goals."""
        record: dict = {}
        for name in GROUPS:
            record |= getattr(self, name).to_dict()
        record["marginal_cost_by_vintage"] = _plain(self.marginal_cost_by_vintage)
        for name in OPTIONAL_GROUPS:
            if (group := getattr(self, name)) is not None:
                record |= group.to_dict()
        if self.capacity_path is not None:
            record["capacity_path"] = _plain(self.capacity_path)
        if self.futures is not None:
            record |= self.futures.to_dict()
        record["goals"] = _plain(self.goals)
        return record | {key: value for key, value in self.extra.items() if key not in record}

    @classmethod
    def from_dict(cls, record: Mapping) -> Kpis:
        """The KPIs of a kpis.json object, an old run's too: what it did not record is None (an optional group
        is there when its first key is)."""
        groups = {name: group.from_dict(record) for name, group in GROUPS.items()}
        optional = {name: group.from_dict(record) if key in record else None
                    for name, (group, key) in OPTIONAL_GROUPS.items()}
        futures = Futures.from_dict(record) if "futures_objective" in record else None
        path = record.get("capacity_path")
        kpis = cls(**groups, **optional, futures=futures,
                   marginal_cost_by_vintage=tuple(VintageCost.from_dict(row)
                                                  for row in record.get("marginal_cost_by_vintage") or ()),
                   capacity_path=None if path is None else tuple(path),
                   goals=tuple(Goal.from_dict(goal) for goal in record.get("goals") or ()))
        known = set(kpis.to_dict())
        return replace(kpis, extra={key: value for key, value in record.items() if key not in known})

    @cached_property
    def _record(self) -> dict:
        return self.to_dict()

    def __getitem__(self, key: str):
        return self._record[key]

    def __iter__(self):
        return iter(self._record)

    def __len__(self) -> int:
        return len(self._record)
