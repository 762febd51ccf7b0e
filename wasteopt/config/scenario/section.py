"""The base of every scenario section (strict, frozen, finite numbers), the bounds on numbers, the urban/rural
pair several sections use, and the merge of nested settings that ``extends:``, futures and ``with_changes`` share."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Physical bounds on every number a planner can set, far beyond any real value, so a typo such as 1e300
# or -1e300 is refused with its key and line instead of overflowing the MILP or yielding cost None.
MAX_TPD = 10_000_000  # t/d: ten times China's whole collected MSW
MAX_KM = 2_000  # road km: longer than any haul inside a province
MAX_WAN_CNY = 10_000_000  # 万元 (100 bn CNY) per site, line or year
MAX_CNY_PER_T = 10_000  # CNY per tonne
MAX_CNY_PER_T_KM = 100  # CNY per tonne-km
MAX_COUNT = 100_000  # plants, landfills, households-free counts


class Section(BaseModel):
    """A scenario section: unknown keys, NaN and ±inf are refused; values never change after validation."""

    # NaN and ±inf pass ``ge``/``le``-free fields and poison the MILP's costs: refuse them everywhere.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class UrbanRural(Section):
    """A figure for urban and for rural residents (kg per person and day, or a share of one)."""

    urban: float = Field(ge=0, le=10)
    rural: float = Field(ge=0, le=10)


class UrbanRuralShare(Section):
    """A share (0–1) for urban and for rural residents."""

    urban: float = Field(ge=0, le=1)
    rural: float = Field(ge=0, le=1)


def deep_merge(base: dict, override: dict) -> dict:
    """``base`` with ``override`` laid over it, mappings merged key by key, anything else replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
