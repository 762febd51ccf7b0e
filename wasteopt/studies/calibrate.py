"""Calibration out of sample: which setting of the uncertain choices best reproduces what Henan built?

A calibration file (YAML; paths relative to it)::

    name: henan
    base: ../henan-2025-zero-landfill.yaml
    out: ../../runs/calibration/henan
    in_sample: {baseline_year: 2020, year: 2022}       # the setting is chosen on this build-out
    out_of_sample: {baseline_year: 2022, year: 2023}   # and scored on this one, which it did not see
    time_limit_s: 25
    grid:                                               # cartesian product; must contain the base's values
      policy.catchment: [province, prefecture]
      transport.msw_cny_per_t_km: [0.8, 1.6]

Every grid point is backtested in sample on the sweep machinery (local processes or a Dask
cluster); the point with the least fit error (:class:`wasteopt.studies.backtest.BacktestScores`) and the
base (the shipped defaults) are then backtested out of sample.
"""
from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wasteopt.config.changes import nested_changes, short_key
from wasteopt.config.errors import InfeasibleError, NoPlanError, ScenarioError
from wasteopt.config.writers import write_csv, write_json
from wasteopt.config.loader import load_scenario, parse_yaml
from wasteopt.config.scenario.schema import Scenario
from wasteopt.runs.workers import worker_pool


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    baseline_year: int = Field(ge=2000, le=2060)
    year: int = Field(ge=2000, le=2060)


class CalibrationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=120)
    base: str = Field(description="base scenario YAML (the shipped defaults), relative to the file")
    out: str = Field(description="output folder, relative to the file")
    in_sample: Window
    out_of_sample: Window
    time_limit_s: float = Field(25, gt=0, le=3600, description="per backtest solve")
    grid: dict[str, list[Any]] = Field(min_length=1)


@dataclass(frozen=True)
class Calibration:
    spec: CalibrationSpec
    out: Path
    base: Scenario
    points: list[tuple[dict[str, Any], Scenario]]  # (grid values, scenario)
    shipped: int                                   # index of the point that is the base scenario


def load_calibration(path: str | Path) -> Calibration:
    """Read and expand a calibration file; the grid must hold the base scenario's own values."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"cannot read calibration file {path}: {error.strerror}") from None
    data, _ = parse_yaml(text, source=path.name)
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ScenarioError(f"{path.name}: key '{where}': {first['msg']}") from None
    for window in ("in_sample", "out_of_sample"):
        w = getattr(spec, window)
        if w.year <= w.baseline_year:
            raise ScenarioError(f"{path.name}: key '{window}': year {w.year} must come after baseline_year {w.baseline_year}")
    base = load_scenario(path.parent / spec.base)
    keys = list(spec.grid)
    points = []
    for combo in itertools.product(*(spec.grid[k] for k in keys)):
        values = dict(zip(keys, combo))
        label = ", ".join(f"{short_key(k)}={v}" for k, v in values.items())
        try:
            points.append((values, base.with_changes({**nested_changes(values), "name": f"{base.name} [calibration {len(points)}]"})))
        except ScenarioError as error:
            raise ScenarioError(f"{path.name}, grid point '{label}': {error}") from None
    base_hash = base.with_changes({"name": "_"}).content_hash()
    shipped = [i for i, (_, s) in enumerate(points) if s.with_changes({"name": "_"}).content_hash() == base_hash]
    if not shipped:
        raise ScenarioError(f"{path.name}: the grid does not contain the base scenario's own values, so the shipped "
                            "defaults would not be scored; add them to each grid key")
    return Calibration(spec, (path.parent / spec.out).resolve(), base, points, shipped[0])


def backtest_point(scenario: Scenario, baseline_year: int, year: int, time_limit: float) -> dict:
    """One backtest in a worker: its scores, or why there are none."""
    from dataclasses import asdict

    from wasteopt.studies.backtest import run_backtest

    try:
        backtest = run_backtest(scenario, baseline_year, year, time_limit=time_limit)
    except InfeasibleError as error:
        return {"status": "infeasible", "message": str(error).splitlines()[0]}
    except NoPlanError as error:
        return {"status": "no_plan", "message": str(error).splitlines()[0]}
    return {"status": backtest.plan.status, "gap": backtest.plan.gap, **asdict(backtest.scores)}


def run_calibration(calibration: Calibration, *, scheduler: str | None = None, jobs: int = 2,
                    progress: bool = True) -> pd.DataFrame:
    """Backtest every point in sample, then the best and the shipped point out of sample; write
    calibration.csv and calibration.json into the output folder. Returns the table."""
    from tqdm import tqdm

    spec = calibration.spec
    inside, outside = spec.in_sample, spec.out_of_sample
    rows = [{"point": i, **{short_key(k): v for k, v in values.items()}, "shipped": i == calibration.shipped}
            for i, (values, _) in enumerate(calibration.points)]
    with worker_pool(scheduler, jobs) as (submit, as_completed):
        def run(indices: list[int], window: Window, prefix: str, desc: str) -> None:
            futures = {submit(backtest_point, calibration.points[i][1], window.baseline_year, window.year,
                              spec.time_limit_s): i for i in indices}
            bar = tqdm(total=len(futures), desc=desc, unit="solve", file=sys.stderr, disable=not progress)
            for future in as_completed(list(futures)):
                try:
                    result = future.result()
                except Exception as error:  # one failed point must not lose the others
                    result = {"status": "failed", "message": f"{type(error).__name__}: {error}"[:300]}
                rows[futures[future]].update({f"{prefix}{k}": v for k, v in result.items()})
                bar.update()
            bar.close()

        run(list(range(len(rows))), inside, "in_", f"{spec.name} in sample {inside.baseline_year}→{inside.year}")
        scored = [r for r in rows if r.get("in_fit_error") is not None and r.get("in_status") != "failed"]
        if not scored:
            raise ScenarioError("no grid point could be backtested in sample; see calibration.csv")
        best = min(scored, key=lambda r: (r["in_fit_error"], r["point"]))["point"]
        run(sorted({best, calibration.shipped}), outside, "out_",
            f"{spec.name} out of sample {outside.baseline_year}→{outside.year}")
    table = pd.DataFrame(rows)
    table["best"] = table["point"] == best
    calibration.out.mkdir(parents=True, exist_ok=True)
    write_csv(calibration.out / "calibration.csv", table)
    write_json(calibration.out / "calibration.json", {
        "name": spec.name, "in_sample": inside.model_dump(), "out_of_sample": outside.model_dump(),
        "time_limit_s": spec.time_limit_s, "grid": spec.grid,
        "best": {"values": calibration.points[best][0], **_clean(rows[best])},
        "shipped": {"values": calibration.points[calibration.shipped][0], **_clean(rows[calibration.shipped])},
    })
    return table


def _clean(row: dict) -> dict:
    return json.loads(pd.Series(row).to_json())
