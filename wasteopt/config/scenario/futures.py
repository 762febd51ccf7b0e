"""Uncertainty: one plan for several weighted futures, each a set of changes to the scenario."""
from __future__ import annotations

import functools
import operator
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import Field, create_model, model_serializer, model_validator

from wasteopt.config.scenario.cd import CdSettings
from wasteopt.config.scenario.region import DemandSettings, TransportSettings
from wasteopt.config.scenario.section import Section
from wasteopt.config.scenario.sorting import SortingSettings
from wasteopt.config.scenario.technologies import (EconomicsSettings, IncineratorSettings, LandfillSettings,
                                                   TransferSettings)


MEAN_VALUE = "mean_value"  # the plan of the futures' mean-value problem, beside the robust plan and each future's


class Changes(Section):
    """What a future changes in one section: the keys it names, typed and bounded as in the section, nothing else
    (:func:`changes_of`). Dumped with only the keys given, so merging it leaves the rest of the scenario alone."""

    @model_serializer(mode="wrap")
    def _given_only(self, handler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if key in self.model_fields_set}


@functools.cache
def changes_of(section: type[Section]) -> type[Changes]:
    """The :class:`Changes` of ``section``: its keys, each optional, a nested section as its own changes; a list
    or any other value is given whole (a change replaces it). The section's rules across keys are checked on the
    future's whole scenario (:meth:`Scenario.future_scenario`)."""
    fields = {}
    for name, field in section.model_fields.items():
        kind = _changes_type(field.annotation) | None  # null where the section refuses it: the whole scenario says so
        fields[name] = (Annotated[kind, *field.metadata] if field.metadata else kind,
                        Field(None, description=field.description))
    name = f"{section.__name__}Changes"
    globals()[name] = create_model(name, __base__=Changes, __module__=__name__, **fields)  # found by pickle (workers)
    return globals()[name]


def _changes_type(annotation):
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return changes_of(annotation)
    if isinstance(annotation, types.UnionType):  # Calibration | None
        return functools.reduce(operator.or_, (_changes_type(member) for member in typing.get_args(annotation)))
    return annotation


class FutureChanges(Section):
    """What differs in one future, with the keys of the scenario (as in an ``extends:`` variant): growth,
    sorting (``demand.sorted_out_share`` or ``sorting.capture``), calibration and costs. Build options
    (line sizes, candidate sites) are the same in every future: the plan is one."""

    demand: changes_of(DemandSettings) | None = None
    sorting: changes_of(SortingSettings) | None = None
    incinerator: changes_of(IncineratorSettings) | None = None
    landfill: changes_of(LandfillSettings) | None = None
    transport: changes_of(TransportSettings) | None = None
    economics: changes_of(EconomicsSettings) | None = None
    cd: changes_of(CdSettings) | None = None
    transfer: changes_of(TransferSettings) | None = None

    def as_dict(self) -> dict[str, Any]:
        """The changes as the nested dict an ``extends:`` variant would hold: only the keys given."""
        return {key: value for key, value in self.model_dump(mode="python").items() if value is not None}


class Future(Section):
    name: str = Field(min_length=1, max_length=100)
    name_zh: str | None = Field(None, min_length=1, max_length=100, description="the future in words, 中文 (shown; "
                                "default: the name)")
    name_en: str | None = Field(None, min_length=1, max_length=100, description="the future in words, English")
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
