"""Scenario: everything a planner can change, validated strictly, loaded from YAML.

Units live in field names (``_tpd`` = tonnes per day, ``_km``, ``_wan_cny`` = 10^4 CNY,
``_cny_per_t``). ``extends: other.yaml`` merges a base scenario under this one, so a
variant file holds only its differences. Validation errors name the key path and the
YAML file and line it came from.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wasteopt.errors import ScenarioError

MAX_YAML_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 8


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class UrbanRural(_Section):
    urban: float = Field(ge=0, le=10)
    rural: float = Field(ge=0, le=10)


class RegionSettings(_Section):
    seeds: str = Field("seeds/henan", description="folder with counties.csv, plants, boundaries")
    baseline_year: int = Field(2020, ge=2000, le=2050, description="plants whose first furnace started in or before this year exist")
    target_year: int = Field(2025, ge=2000, le=2060, description="year the demand is projected to")
    landfills_file: str | None = Field(None, description="CSV of landfills (site_id,name_zh,adcode,lon,lat); default: one assumed per county seat")
    candidate_sites_file: str | None = Field(None, description="CSV of candidate plant sites (site_id,name_zh,adcode,lon,lat); default: county seats")

    @model_validator(mode="after")
    def _years_ordered(self):
        if self.target_year < self.baseline_year:
            raise ValueError(f"target_year {self.target_year} is before baseline_year {self.baseline_year}")
        return self


class Calibration(_Section):
    total_tpd: float = Field(gt=0, description="sourced provincial collected MSW, t/d")
    year: int = Field(ge=2000, le=2060)
    source: str = ""


class DemandSettings(_Section):
    msw_kg_per_capita_day: UrbanRural = UrbanRural(urban=1.1, rural=0.52)
    collection_rate: UrbanRural = UrbanRural(urban=1.0, rural=0.95)
    growth_per_year: float = Field(0.02, ge=-0.2, le=0.3, description="growth of collected MSW per year from 2020")
    sorted_out_share: float = Field(0.10, ge=0, le=0.9, description="share of MSW diverted by source sorting (kitchen waste)")
    calibration: Calibration | None = Calibration(
        total_tpd=72000, year=2023,
        source="DOMAIN.md §2.1: Henan harmless-treated MSW ≈ 4.9 万 t/d incinerated / 0.68 share (2023)",
    )


class NetworkSettings(_Section):
    circuity: float = Field(1.3, ge=1.0, le=3.0, description="road km per straight-line km")
    max_haul_km: float = Field(150, gt=0, le=2000, description="longest allowed haul, road km")
    k_nearest: int = Field(0, ge=0, le=50, description="also keep this many nearest sites per node beyond max_haul_km")
    od_matrix_file: str | None = Field(None, description="CSV/Parquet with origin,destination,km instead of haversine")


class TransportSettings(_Section):
    msw_cny_per_t_km: float = Field(0.8, ge=0, description="trunk haul county → plant [assumption, DOMAIN §2.7]")
    ash_cny_per_t_km: float = Field(0.8, ge=0)
    co2_kg_per_t_km: float = Field(0.1, ge=0, description="diesel, loaded t·km incl. empty return [derived, DOMAIN §2.7]")


class IncineratorSettings(_Section):
    line_sizes_tpd: list[float] = Field([300.0, 500.0, 750.0], min_length=1)
    max_lines_per_site: int = Field(6, ge=1, le=20)
    site_cost_wan_cny: float = Field(10000, ge=0, description="fixed cost of a new site (land, grid, leachate, ash plant)")
    line_fixed_cost_wan_cny: float = Field(3000, ge=0, description="fixed cost per line (economy of scale of larger lines) [assumption]")
    line_cost_wan_cny_per_tpd: float = Field(34, ge=0, description="cost per t/d of line capacity; with the fixed parts ≈ 50 万/t·d at 2×500 t/d [derived, DOMAIN §2.4]")
    opex_cny_per_t: float = Field(125, ge=0, description="207 full cost − 82 depreciation [weak, DOMAIN §2.4]")
    power_revenue_cny_per_t: float = Field(174, ge=0, description="[weak, DOMAIN §2.4]")
    min_load_share: float = Field(0.6, ge=0, le=1)
    availability: float = Field(0.9, gt=0, le=1, description="average throughput / nameplate (≈ 8,000 h/yr)")
    ash_share: float = Field(0.2, ge=0, le=1, description="t ash per t incinerated")
    allow_expansion: bool = True
    co2e_t_per_t: float = Field(-0.13, description="net GHG per t incinerated with power [src, DOMAIN §2.8]")


class LandfillSettings(_Section):
    gate_cost_cny_per_t: float = Field(60, ge=0, description="[assumption]")
    ash_gate_cost_cny_per_t: float = Field(100, ge=0, description="stabilised fly/bottom ash [assumption]")
    co2e_t_per_t: float = Field(0.686, description="mixed MSW landfill [src, DOMAIN §2.8]")


class EconomicsSettings(_Section):
    discount_rate: float = Field(0.06, ge=0, le=0.5)
    lifetime_years: int = Field(25, ge=1, le=100)
    carbon_price_cny_per_t_co2e: float = Field(60, ge=0, description="[assumption] near China ETS prices")


class PlantCount(_Section):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} > max {self.max}")
        return self


class PolicySettings(_Section):
    raw_msw_landfill_cap_tpd: float | None = Field(None, ge=0, description="0 = zero landfill; null = no cap")
    province_capacity_target_tpd: float | None = Field(None, ge=0, description="min total incineration nameplate, t/d")
    new_plants: PlantCount = PlantCount()
    single_sourcing: bool = Field(True, description="each county sends all its MSW to one plant or landfill")
    locked_open: list[str] = Field([], description="site ids forced open (what-if)")
    locked_closed: list[str] = Field([], description="site ids forbidden")


class SolverSettings(_Section):
    backend: Literal["highs", "cbc"] = "highs"
    time_limit_s: float = Field(60, gt=0, le=86400)
    rel_gap: float = Field(0.001, ge=0, le=1)
    threads: int = Field(0, ge=0, le=64, description="0 = solver default")


class Goals(_Section):
    """Henan 十四五 plan targets the plan is checked against."""

    raw_msw_landfill_tpd: float = 0
    incineration_capacity_tpd: float = 70000
    new_plants: int = 30
    landfills_stopped: int = 40


class Scenario(_Section):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    region: RegionSettings = RegionSettings()
    demand: DemandSettings = DemandSettings()
    network: NetworkSettings = NetworkSettings()
    transport: TransportSettings = TransportSettings()
    incinerator: IncineratorSettings = IncineratorSettings()
    landfill: LandfillSettings = LandfillSettings()
    economics: EconomicsSettings = EconomicsSettings()
    policy: PolicySettings = PolicySettings()
    solver: SolverSettings = SolverSettings()
    goals: Goals = Goals()
    base_dir: str = Field(".", description="relative paths resolve against this folder (set by the loader)")

    def path(self, relative: str) -> Path:
        """A scenario file path resolved against the project or config folder."""
        p = Path(relative)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude={"base_dir"})
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def content_hash(self) -> str:
        """Stable hash of every setting (not of where the file lives)."""
        data = self.model_dump(mode="json", exclude={"base_dir"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def with_changes(self, changes: dict[str, Any]) -> "Scenario":
        """A copy with nested changes, e.g. ``{"policy": {"raw_msw_landfill_cap_tpd": 0}}``; validated."""
        data = _deep_merge(self.model_dump(mode="python"), changes)
        return validate_scenario(data, {}, source="changes")


# ----------------------------------------------------------------------------- loading

class _LineLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (a silent-overwrite trap in YAML)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ScenarioError(f"duplicate key '{key}' at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _key_lines(node, prefix=(), out=None, source="") -> dict[tuple, str]:
    """Map each key path to 'file:line' by walking the composed YAML node tree."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = prefix + (str(key_node.value),)
            out[path] = f"{source}line {key_node.start_mark.line + 1}"
            _key_lines(value_node, path, out, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            path = prefix + (i,)
            out[path] = f"{source}line {item.start_mark.line + 1}"
            _key_lines(item, path, out, source)
    return out


def parse_yaml(text: str, source: str = "") -> tuple[dict, dict[tuple, str]]:
    """Parse scenario YAML safely; return the mapping and where each key path stands."""
    if len(text.encode("utf-8", "replace")) > MAX_YAML_BYTES:
        raise ScenarioError(f"{source or 'YAML'} is larger than {MAX_YAML_BYTES // 1000} kB")
    where = f"{source}: " if source else ""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        if node is not None and _has_aliases(text):
            raise ScenarioError(f"{where}YAML anchors and aliases are not allowed in scenarios")
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(f"{where}invalid YAML at {line}{error.problem}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{where}invalid YAML: {error}") from None
    if data is None:
        raise ScenarioError(f"{where}the scenario is empty")
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}a scenario must be a mapping of keys, not {type(data).__name__}")
    return data, _key_lines(node, source=f"{source}, " if source else "")


def _has_aliases(text: str) -> bool:
    return any(isinstance(token, (yaml.AliasToken, yaml.AnchorToken)) for token in yaml.scan(text, Loader=yaml.SafeLoader))


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_with_extends(path: Path, depth: int = 0) -> tuple[dict, dict[tuple, str]]:
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path.name}: 'extends' chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {path}") from None
    except (UnicodeDecodeError, IsADirectoryError) as error:
        raise ScenarioError(f"cannot read scenario {path}: {error}") from None
    data, lines = parse_yaml(text, source=path.name)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, lines
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path.name}, {lines.get(('extends',), '')}: key 'extends' must be a file name")
    base_data, base_lines = _load_with_extends(path.parent / base_name, depth + 1)
    return _deep_merge(base_data, data), {**base_lines, **lines}


def validate_scenario(data: dict, lines: dict[tuple, str], source: str = "") -> Scenario:
    """Validate a mapping into a Scenario; errors name every bad key path and its line."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = tuple(item["loc"])
            key = ".".join(str(part) for part in loc) or "(top level)"
            where = _nearest_line(lines, loc)
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                message = "unknown key" + _suggestion(loc, data)
            elif item["type"] == "missing":
                message = "required key is missing"
            problems.append(f"key '{key}'{f' ({where})' if where else ''}: {message}")
        head = f"{source}: " if source else ""
        raise ScenarioError(head + "; ".join(problems)) from None


def _nearest_line(lines: dict[tuple, str], loc: tuple) -> str:
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return ""


def _suggestion(loc: tuple, data: dict) -> str:
    import difflib

    model: Any = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            return ""
        model = field.annotation
    if not hasattr(model, "model_fields"):
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(model.model_fields)})"


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge ``extends:`` bases and validate a scenario YAML file."""
    path = Path(path)
    data, lines = _load_with_extends(path)
    data.setdefault("base_dir", str(_project_root_for(path)))
    return validate_scenario(data, lines, source=path.name)


def scenario_from_yaml_text(text: str, base_dir: str | Path = ".", source: str = "upload") -> Scenario:
    """Validate scenario YAML given as text (UI uploads); ``extends`` is resolved in ``configs/``."""
    data, lines = parse_yaml(text, source=source)
    base_name = data.pop("extends", None)
    if base_name is not None:
        if not isinstance(base_name, str) or "/" in base_name or "\\" in base_name or base_name.startswith("."):
            raise ScenarioError(f"{source}: 'extends' must name a file in configs/")
        base_data, base_lines = _load_with_extends(Path(base_dir) / "configs" / base_name)
        data, lines = _deep_merge(base_data, data), {**base_lines, **lines}
    data["base_dir"] = str(base_dir)
    return validate_scenario(data, lines, source=source)


def _project_root_for(path: Path) -> Path:
    """Configs live in ``<project>/configs``; seeds paths are relative to the project."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "configs" else folder
