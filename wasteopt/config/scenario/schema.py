"""Scenario: everything a planner can change, validated strictly.

Units live in field names (``_tpd`` = tonnes per day, ``_km``, ``_wan_cny`` = 10^4 CNY, ``_cny_per_t``). The
sections are defined by topic beside this module; YAML files are read by :mod:`wasteopt.config.loader`.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario.cd import CdSettings
from wasteopt.config.scenario.futures import UncertaintySettings
from wasteopt.config.scenario.messages import key_path_text, problems_text
from wasteopt.config.scenario.policy import (ExclusionSettings, Goals, ObjectiveSettings, PhasingSettings,
                                             PolicySettings)
from wasteopt.config.scenario.region import DemandSettings, NetworkSettings, RegionSettings, TransportSettings
from wasteopt.config.scenario.renamed import with_new_names
from wasteopt.config.scenario.section import Section, deep_merge
from wasteopt.config.scenario.solver import SolverSettings
from wasteopt.config.scenario.sorting import SortingSettings
from wasteopt.config.scenario.technologies import (EconomicsSettings, IncineratorSettings, LandfillSettings,
                                                   TransferSettings)


class Scenario(Section):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    region: RegionSettings = RegionSettings()
    demand: DemandSettings = DemandSettings()
    network: NetworkSettings = NetworkSettings()
    transport: TransportSettings = TransportSettings()
    incinerator: IncineratorSettings = IncineratorSettings()
    landfill: LandfillSettings = LandfillSettings()
    economics: EconomicsSettings = EconomicsSettings()
    policy: PolicySettings = PolicySettings()
    cd: CdSettings = CdSettings()
    transfer: TransferSettings = TransferSettings()
    objective: ObjectiveSettings = ObjectiveSettings()
    exclusion: ExclusionSettings = ExclusionSettings()
    phasing: PhasingSettings = PhasingSettings()
    solver: SolverSettings = SolverSettings()
    goals: Goals = Goals()
    sorting: SortingSettings = SortingSettings()
    uncertainty: UncertaintySettings | None = None
    base_dir: str = Field(".", description="relative paths resolve against this folder (set by the loader)")

    @model_validator(mode="after")
    def _sorting_replaces_shorthand(self):
        if self.sorting.enabled and self.demand.sorted_out_share > 0:
            raise ValueError("demand.sorted_out_share: must be 0 with sorting.enabled: the capture rates "
                             "(sorting.capture) now say how much food waste and recyclables leave residual waste; "
                             "set demand.sorted_out_share: 0 (0.10 ≈ food share 0.55 × capture 0.18)")
        return self

    @model_validator(mode="after")
    def _futures_apply(self):
        if self.uncertainty is None:
            return self
        if self.phasing.years:
            raise ValueError("uncertainty: a plan for several futures is one year (remove phasing.years or uncertainty)")
        if self.objective.kind != "min_cost":
            raise ValueError(f"uncertainty: futures need objective.kind min_cost, not {self.objective.kind}")
        if self.policy.fixed_plants_file:
            raise ValueError("uncertainty: a fixed plan has nothing to decide across futures "
                             "(remove policy.fixed_plants_file or uncertainty)")
        for i, future in enumerate(self.uncertainty.futures):
            try:
                self.future_scenario(i)
            except ValidationError as error:
                item = error.errors()[0]
                inner = key_path_text(tuple(item["loc"]))
                message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
                if item["type"] == "value_error" and not item["loc"]:
                    inner, _, message = str(item["ctx"]["error"]).partition(": ")
                raise ValueError(f"uncertainty.futures.{i}.changes: future '{future.name}', "
                                 f"key '{inner}': {message}") from None
        return self

    def future_scenario(self, i: int) -> "Scenario":
        """The single-future scenario of future ``i``: this scenario with its changes, no uncertainty.
        Raises pydantic's ValidationError on a bad change (the loader words it)."""
        data = self.model_dump(mode="python")
        data["uncertainty"] = None
        data = deep_merge(data, self.uncertainty.futures[i].changes.as_dict())
        return Scenario.model_validate(data)

    def mean_value_changes(self) -> dict[str, Any]:
        """The changes of the futures' mean-value problem (Birge & Louveaux): every number a future changes at its
        weighted mean over the futures (the scenario's own value where a future leaves it alone; a count rounded);
        a setting that is not a number takes the heaviest future's value."""
        futures = self.uncertainty.futures
        base = self.model_dump(mode="python")
        merged = [deep_merge(base, f.changes.as_dict()) for f in futures]
        heaviest = max(range(len(futures)), key=lambda i: (futures[i].weight, -i))

        def mean(changes: dict, path: tuple[str, ...]) -> dict:
            out = {}
            for key, value in changes.items():
                if isinstance(value, dict):
                    out[key] = mean(value, (*path, key))
                    continue
                values = [_at(m, (*path, key)) for m in merged]
                numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
                expected = sum(f.weight * v for f, v in zip(futures, values)) if numbers else values[heaviest]
                out[key] = round(expected) if numbers and all(isinstance(v, int) for v in values) else expected
            return out

        keys: dict = {}
        for future in futures:
            keys = deep_merge(keys, future.changes.as_dict())
        return mean(keys, ())

    def mean_value_scenario(self) -> "Scenario":
        """The single scenario of the futures' expected parameters (:meth:`mean_value_changes`), no uncertainty:
        the plan the value of the stochastic solution is measured against."""
        data = self.model_dump(mode="python")
        data["uncertainty"] = None
        return Scenario.model_validate(deep_merge(data, self.mean_value_changes()))

    def path(self, relative: str) -> Path:
        """A scenario file path resolved against the project or config folder."""
        p = Path(relative)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude={"base_dir"})
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def content_hash(self) -> str:
        """Stable hash of every setting and of the content of every file a key names (not of where the
        scenario lives), so an edited OD matrix or fixed plan is a new scenario, never a reused run."""
        data = self.model_dump(mode="json", exclude={"base_dir"})
        data["_file_digests"] = {key: _file_digest(self.path(name)) for key, name in self.named_files()}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def named_files(self) -> list[tuple[str, str]]:
        """(key, file name) of every input file the scenario names (the seeds folder aside)."""
        named = [("region.landfills_file", self.region.landfills_file),
                 ("region.candidate_sites_file", self.region.candidate_sites_file),
                 ("network.od_matrix_file", self.network.od_matrix_file),
                 ("transfer.candidate_sites_file", self.transfer.candidate_sites_file),
                 ("policy.fixed_plants_file", self.policy.fixed_plants_file),
                 ("sorting.digester.existing_file", self.sorting.digester.existing_file)]
        named += [(f"exclusion.zones_files.{i}", name) for i, name in enumerate(self.exclusion.zones_files)]
        observed = self.cd.observed
        if observed is not None and not observed.is_url:  # a server's tables are not a file to hash
            named.append(("cd.observed.store", observed.store))
        return [(key, name) for key, name in named if name]

    def with_changes(self, changes: dict[str, Any]) -> "Scenario":
        """A copy with nested changes, e.g. ``{"policy": {"raw_msw_landfill_cap_tpd": 0}}``; validated."""
        data = deep_merge(self.model_dump(mode="python"), with_new_names(changes, {}))
        return validate_scenario(data, {}, source="changes")


@functools.lru_cache(maxsize=256)
def _digest_of(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes ('missing' if there is none), re-read only when its size or mtime changes."""
    try:
        stat = path.stat()
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return "missing"
    return _digest_of(str(path.resolve()), stat.st_mtime_ns, stat.st_size) if path.is_file() else "not a file"


def validate_scenario(data: dict, lines: dict[tuple, str], source: str = "") -> Scenario:
    """Validate a mapping into a Scenario; errors name every bad key path and its line (``lines``: key path →
    'file, line N', from the loader)."""
    try:
        return Scenario.model_validate(with_new_names(data, lines))
    except ScenarioError as error:
        raise ScenarioError(f"{source}: {error}" if source else str(error)) from None
    except ValidationError as error:
        head = f"{source}: " if source else ""
        raise ScenarioError(head + problems_text(error, Scenario, lines)) from None


def _at(data: dict, path: tuple[str, ...]):
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data
