"""Many scenarios at once: a base scenario expanded over parameter grids or lists, solved in
local worker processes (default) or on an existing Dask cluster, each run recorded.

A sweep file (YAML; paths relative to it)::

    name: henan-12
    base: ../henan-2025-zero-landfill.yaml
    out: ../../runs/sweeps/henan-12       # one folder per variant + summary.csv/.parquet
    common: {solver.time_limit_s: 30}     # set in every variant (dotted keys)
    grid:                                 # cartesian product
      demand.growth_per_year: [0.01, 0.03]
      demand.sorted_out_share: [0.10, 0.25]
    variants:                             # and/or an explicit list
      - {label: few plants, set: {policy.new_plants.max: 10}}
    pareto: {x: new_plants, y: cost_wan_cny_per_year}   # optional frontier plot

Each worker runs the one pipeline (:func:`wasteopt.runs.pipeline.run_scenario`): it solves, writes the
variant's run folder (with the review report) and records the run in the registry itself, so a
worker or sweep that dies loses only unfinished variants. Re-running skips every variant that
the pipeline's reuse rule accepts (:func:`wasteopt.runs.pipeline.reusable_run`: a run of the same
scenario, with the same engine settings, to a proven gap no larger than the one asked, whose folder
still holds it); a run that falls short is the warm start of the new solve; infeasible variants are
solved again.
"""
from __future__ import annotations

import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wasteopt.config.errors import InfeasibleError, NoPlanError, ScenarioError
from wasteopt.config.writers import atomic_path, write_csv
from wasteopt.runs.pipeline import reusable_run, run_scenario
from wasteopt.runs.folder.staging import claim_output_folder
from wasteopt.runs.registry import DEFAULT_REGISTRY, RunRegistry
from wasteopt.runs.workers import worker_pool
from wasteopt.config.changes import nested_changes, short_key
from wasteopt.config.loader import load_scenario, not_utf8_message, parse_yaml
from wasteopt.config.scenario.schema import Scenario
from wasteopt.config.status import PLAN_STATUSES
from wasteopt.config.userfiles import MAX_YAML_BYTES, read_capped, shown

FAILED = "failed"


class VariantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1, max_length=120)
    set: dict[str, Any] = Field(description="dotted scenario keys → values")


class ParetoSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    x: str = Field("new_plants", description="KPI on the x axis (minimised)")
    y: str = Field("cost_wan_cny_per_year", description="KPI on the y axis (minimised)")


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=120)
    base: str = Field(description="base scenario YAML, relative to the sweep file")
    out: str = Field(description="output folder, relative to the sweep file")
    common: dict[str, Any] = {}
    grid: dict[str, list[Any]] = {}
    variants: list[VariantSpec] = []
    pareto: ParetoSpec | None = None
    report: bool = Field(True, description="write report.html per variant")


@dataclass(frozen=True)
class Variant:
    label: str
    values: dict[str, Any]
    scenario: Scenario

    @property
    def hash(self) -> str:
        return self.scenario.content_hash()


@dataclass(frozen=True)
class Sweep:
    spec: SweepSpec
    out: Path
    variants: list[Variant]


@dataclass(frozen=True)
class SweepResult:
    summary: pd.DataFrame
    files: dict[str, Path]
    seconds: float
    solved: int
    skipped: int
    failed: int


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and expand a sweep file; every variant is a validated Scenario."""
    path = Path(path)
    raw = read_capped(path, MAX_YAML_BYTES, "sweep file", ScenarioError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(not_utf8_message(shown(path.name), raw, error)) from None
    data, _ = parse_yaml(text, source=path.name)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ScenarioError(f"{path.name}: key '{where}': {first['msg']}") from None
    empty = [key for key, values in spec.grid.items() if not values]
    if empty:
        raise ScenarioError(f"{path.name}: grid key '{empty[0]}' has no values")
    if not spec.grid and not spec.variants:
        raise ScenarioError(f"{path.name}: give a 'grid' or a list of 'variants'")
    base = load_scenario(path.parent / spec.base)
    expanded = []
    keys = list(spec.grid)
    if keys:
        for combo in itertools.product(*(spec.grid[k] for k in keys)):
            values = dict(zip(keys, combo))
            expanded.append((", ".join(f"{short_key(k)}={v}" for k, v in values.items()), values))
    expanded += [(v.label, v.set) for v in spec.variants]
    variants = []
    for label, values in expanded:
        changes = nested_changes({**spec.common, **values})
        changes["name"] = f"{base.name} [{label}]"
        try:
            scenario = base.with_changes(changes)
        except ScenarioError as error:
            raise ScenarioError(f"{path.name}, variant '{label}': {error}") from None
        variants.append(Variant(label, values, scenario))
    hashes = [v.hash for v in variants]
    if len(set(hashes)) != len(hashes):
        raise ScenarioError(f"{path.name}: two variants describe the same scenario")
    return Sweep(spec, (path.parent / spec.out).resolve(), variants)


def run_variant(scenario: Scenario, out_dir: str, registry_path: str, report: bool) -> dict:
    """Solve one variant in a worker; write its files and record it (an infeasible one too, without files).
    Returns its KPIs (or why none)."""
    from wasteopt.reporting.report.write import write_report

    registry = RunRegistry(registry_path)
    try:
        record = run_scenario(scenario, out_dir, registry=registry, source="sweep", force=True,
                              report=write_report if report else None,
                              reuse=True).record  # a run not good enough to reuse is the warm start
    except (InfeasibleError, NoPlanError) as error:
        kpis = {"scenario": scenario.name, "status": "infeasible" if isinstance(error, InfeasibleError) else "no_plan",
                "message": str(error).splitlines()[0], "goals": []}
        record = registry.record(scenario, kpis, None, source="sweep")
    return {**record.kpis, "run_id": record.run_id, "out_dir": record.out_dir}


def _row(variant: Variant, index: int, kpis: dict, skipped: bool) -> dict:
    goals = kpis.get("goals") or []
    row = {"variant": index, "label": variant.label, **{short_key(k): v for k, v in variant.values.items()},
           "scenario_hash": variant.hash, "skipped": skipped}
    row.update({k: v for k, v in kpis.items() if k != "goals"})
    row["goals_met"] = f"{sum(g['met'] for g in goals)}/{len(goals)}" if goals else ""
    for goal in goals:
        row[f"goal_{goal['kpi']}_met"] = goal["met"]
    return row


def run_sweep(sweep: Sweep, *, scheduler: str | None = None, jobs: int = 2,
              registry_path: str | Path = DEFAULT_REGISTRY, progress: bool = True) -> SweepResult:
    """Solve every variant not yet finished; write summary.csv/.parquet (and pareto.png) into ``sweep.out``."""
    from tqdm import tqdm

    start = time.perf_counter()
    registry = RunRegistry(registry_path)
    claim_output_folder(sweep.out, "sweep")  # never into a user's folder of other files (its summary.csv)
    rows: dict[int, dict] = {}
    pending = []
    for i, variant in enumerate(sweep.variants):
        record = reusable_run(registry, variant.scenario)
        if record is not None:
            rows[i] = _row(variant, i, {**record.kpis, "run_id": record.run_id, "out_dir": record.out_dir}, True)
        else:
            pending.append(i)
    failed = 0
    if pending:
        with worker_pool(scheduler, jobs) as (submit, as_completed):
            futures = {submit(run_variant, sweep.variants[i].scenario, str(sweep.out / f"{i:02d}-{sweep.variants[i].hash}"),
                              str(Path(registry_path).resolve()), sweep.spec.report): i for i in pending}
            bar = tqdm(total=len(pending), desc=sweep.spec.name, unit="run", file=sys.stderr, disable=not progress)
            for future in as_completed(list(futures)):
                i = futures[future]
                try:
                    kpis = future.result()
                except Exception as error:  # a dead worker or a bug in one variant must not lose the others
                    failed += 1
                    kpis = {"scenario": sweep.variants[i].scenario.name, "status": FAILED,
                            "message": f"{type(error).__name__}: {error}"[:300]}
                rows[i] = _row(sweep.variants[i], i, kpis, False)
                bar.update()
            bar.close()
    summary = pd.DataFrame([rows[i] for i in sorted(rows)])
    files = write_summary(summary, sweep)
    skipped = int(summary["skipped"].sum())
    return SweepResult(summary, files, time.perf_counter() - start, len(summary) - skipped - failed, skipped, failed)


def write_summary(summary: pd.DataFrame, sweep: Sweep) -> dict[str, Path]:
    """summary.csv, summary.parquet and, for Pareto sweeps, pareto.png and pareto.csv."""
    files = {"csv": sweep.out / "summary.csv", "parquet": sweep.out / "summary.parquet"}
    write_csv(files["csv"], summary)
    with atomic_path(files["parquet"]) as tmp:
        # mixed-type columns (e.g. a message or None) are stored as text so Arrow accepts them
        summary.astype({c: str for c in summary.columns if summary[c].dtype == object}).to_parquet(tmp, index=False)
    if sweep.spec.pareto is not None:
        files.update(plot_pareto(summary, sweep.spec.pareto, sweep.out))
    from wasteopt.reporting.report.capture import write_capture_report

    files.update(write_capture_report(summary, sweep.out, f"{sweep.spec.name}: 垃圾分类 waste sorting"))
    return files


def pareto_front(frame: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Rows not dominated in (min x, min y), sorted by x."""
    points = frame.dropna(subset=[x, y]).sort_values([x, y])
    best, keep = float("inf"), []
    for index, value in points[y].items():
        if value < best - 1e-9:
            keep.append(index)
            best = value
    return points.loc[keep]


def plot_pareto(summary: pd.DataFrame, pareto: ParetoSpec, out: Path) -> dict[str, Path]:
    from wasteopt.reporting.report.figures import figure_png, new_figure, setup_fonts

    missing = [k for k in (pareto.x, pareto.y) if k not in summary.columns]
    if missing:
        raise ScenarioError(f"pareto: KPI {missing[0]} is not in the summary (no finished run has it)")
    solved = summary[summary["status"].isin(PLAN_STATUSES)]
    front = pareto_front(solved, pareto.x, pareto.y)
    setup_fonts()
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    ax.scatter(solved[pareto.x], solved[pareto.y], color="#bbbbbb", label="方案 variants")
    ax.plot(front[pareto.x], front[pareto.y], "o-", color="#c0392b", drawstyle="steps-post",
            label="帕累托前沿 Pareto frontier")
    ax.set_xlabel(_AXIS_LABELS.get(pareto.x, pareto.x))
    ax.set_ylabel(_AXIS_LABELS.get(pareto.y, pareto.y))
    ax.grid(alpha=0.3)
    ax.legend()
    files = {"pareto_png": out / "pareto.png", "pareto_csv": out / "pareto.csv"}
    with atomic_path(files["pareto_png"]) as tmp:
        tmp.write_bytes(figure_png(fig))
    write_csv(files["pareto_csv"], front)
    return files


_AXIS_LABELS = {
    "new_plants": "新建焚烧厂数 new plants",
    "cost_wan_cny_per_year": "系统年成本 system cost (万元/yr)",
    "co2e_t_per_year": "净排放 net GHG (t CO2e/yr)",
    "t_km_per_day": "运输量 transport (t·km/d)",
}
