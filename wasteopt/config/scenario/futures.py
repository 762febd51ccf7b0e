"""Uncertainty: one plan for several weighted futures, each a set of changes to the scenario."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from wasteopt.config.scenario.section import Section


MEAN_VALUE = "mean_value"  # the plan of the futures' mean-value problem, beside the robust plan and each future's
FUTURE_SECTIONS = ("demand", "sorting", "incinerator", "landfill", "transport", "economics", "cd", "transfer")


class FutureChanges(Section):
    """What differs in one future, with the keys of the scenario (as in an ``extends:`` variant): growth,
    sorting (``demand.sorted_out_share`` or ``sorting.capture``), calibration and costs. Build options
    (line sizes, candidate sites) are the same in every future: the plan is one."""

    demand: dict[str, Any] | None = None
    sorting: dict[str, Any] | None = None
    incinerator: dict[str, Any] | None = None
    landfill: dict[str, Any] | None = None
    transport: dict[str, Any] | None = None
    economics: dict[str, Any] | None = None
    cd: dict[str, Any] | None = None
    transfer: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump(mode="python").items() if value is not None}


class Future(Section):
    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(ge=0, le=1, description="probability of this future; the weights sum to 1")
    changes: FutureChanges = FutureChanges()


class UncertaintySettings(Section):
    """One plan for several futures (a two-stage model): build decisions shared, flows and landfill use per
    future. expected: min Σ weight × annual cost; worst_case: min the largest annual cost; min_max_regret:
    min the largest excess over each future's own optimum. policy_scope: the policy caps hold in every
    future, or only on the weighted mean of the futures (expected_only)."""

    futures: list[Future] = Field(min_length=2, max_length=20)
    objective: Literal["expected", "worst_case", "min_max_regret"] = "expected"
    policy_scope: Literal["every_future", "expected_only"] = "every_future"

    @model_validator(mode="after")
    def _weights_and_names(self):
        total = sum(f.weight for f in self.futures)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"futures: the weights must sum to 1 (they sum to {total:g})")
        names = [f.name for f in self.futures]
        if len(set(names)) != len(names):
            raise ValueError(f"futures: names must differ ({', '.join(names)})")
        for reserved, meaning in (("robust", "the plan for all futures"), (MEAN_VALUE, "the mean-value problem's plan")):
            if reserved in names:
                raise ValueError(f"futures: '{reserved}' names {meaning}; call the future otherwise")
        return self

