"""Calibration out of sample: which setting of the uncertain choices best reproduces what Henan built?

A calibration file (YAML; paths relative to it)::

    name: henan
    base: ../henan-2025-zero-landfill.yaml
    out: ../../runs/calibration/henan
    in_sample: {baseline_year: 2020, year: 2022}       # the setting is chosen on this build-out
    out_of_sample: {baseline_year: 2022, year: 2024}   # and scored on this one, which it did not see
    time_limit_s: 25
    grid:                                               # cartesian product; must contain the base's values
      policy.catchment: [province, prefecture]
      transport.msw_cny_per_t_km: [0.8, 1.6]
    reference: {transport.msw_cny_per_t_km: 1.6}        # optional: the setting before calibration

Every grid point is backtested in sample on the sweep machinery (local processes or a Dask
cluster); the point with the least fit error (:class:`wasteopt.studies.backtest.BacktestScores`), the
base (the shipped defaults) and the reference (the shipped values but those ``reference`` names: the fit
without calibration) are then backtested out of sample. The windows, the time limit and the output
folder can be overridden (:func:`with_overrides`; ``wasteopt calibrate --in-sample 2021-2022 --out-of-sample
2023-2024``), and those points backtested again in both windows over several local-search
seeds and time limits (``spread``), so the scores come with their spread over the solver's randomness and budget.
"""
from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

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
    reference: dict[str, Any] = Field(default_factory=dict, description="the point before calibration: the grid "
                                      "values that differ from the base's; scored out of sample with the best point")


def parse_window(text: str) -> Window:
    """``2021-2022`` (the years whose build-out counts) as the window from baseline 2020 to 2022; ``2023`` alone
    is 2022→2023."""
    first, _, last = text.strip().partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise ScenarioError(f"window '{text}': give the years built as FIRST-LAST, e.g. 2021-2022") from None
    if end < start:
        raise ScenarioError(f"window '{text}': the last year comes before the first")
    try:
        return Window(baseline_year=start - 1, year=end)
    except ValidationError:
        raise ScenarioError(f"window '{text}': years must lie in 2001–2060") from None


@dataclass(frozen=True)
class Calibration:
    spec: CalibrationSpec
    out: Path
    base: Scenario
    points: list[tuple[dict[str, Any], Scenario]]  # (grid values, scenario)
    shipped: int                                   # index of the point that is the base scenario
    reference: int | None = None                   # index of the point before calibration (spec.reference)


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
    return Calibration(spec, (path.parent / spec.out).resolve(), base, points, shipped[0],
                       _reference_point(spec, points, shipped[0], path.name))


def _reference_point(spec: CalibrationSpec, points: list, shipped: int, source: str) -> int | None:
    """The grid point with the shipped values except those ``spec.reference`` names."""
    if not spec.reference:
        return None
    for key, value in spec.reference.items():
        if value not in spec.grid.get(key, []):
            raise ScenarioError(f"{source}: key 'reference.{key}': {value!r} is not among the grid's values of that key")
    wanted = {**points[shipped][0], **spec.reference}
    return next(i for i, (values, _) in enumerate(points) if values == wanted)


def with_overrides(calibration: Calibration, *, in_sample: Window | None = None, out_of_sample: Window | None = None,
                   time_limit_s: float | None = None, out: str | Path | None = None) -> Calibration:
    """The calibration with other windows, time limit per solve or output folder (None keeps the file's)."""
    update = {k: v for k, v in (("in_sample", in_sample), ("out_of_sample", out_of_sample),
                                ("time_limit_s", time_limit_s)) if v is not None}
    return replace(calibration, spec=calibration.spec.model_copy(update=update),
                   out=Path(out).resolve() if out is not None else calibration.out)


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


SPREAD_SCORES = ("prefectures_within", "correlation", "model_new_plants", "fit_error", "gap")


def run_calibration(calibration: Calibration, *, scheduler: str | None = None, jobs: int = 2,
                    progress: bool = True, seeds: Sequence[int] = (), time_limits: Sequence[float] = ()) -> pd.DataFrame:
    """Backtest every point in sample, then the best, the shipped and the reference point out of sample; write
    calibration.csv and calibration.json into the output folder. With ``seeds`` or ``time_limits``, those points
    are backtested again in both windows for every (seed, time limit) pair, into
    calibration_spread.csv and the ``spread`` (min and max of each score) of calibration.json. Returns the table."""
    from tqdm import tqdm

    from wasteopt.studies.backtest import backtest_scenario

    spec = calibration.spec
    inside, outside = spec.in_sample, spec.out_of_sample
    for window in (inside, outside):  # a window past the seeds' data stops here, before the in-sample solves
        backtest_scenario(calibration.points[0][1], window.baseline_year, window.year)
    rows = [{"point": i, **{short_key(k): v for k, v in values.items()}, "shipped": i == calibration.shipped,
             "reference": i == calibration.reference} for i, (values, _) in enumerate(calibration.points)]
    spread: list[dict] = []
    with worker_pool(scheduler, jobs) as (submit, as_completed):
        def run(jobs_: list[tuple[dict, str, Scenario, Window, float]], desc: str) -> None:
            """Backtest each (row, column prefix, scenario, window, time limit); the scores go into the row."""
            futures = {submit(backtest_point, scenario, window.baseline_year, window.year, limit): (row, prefix)
                       for row, prefix, scenario, window, limit in jobs_}
            bar = tqdm(total=len(futures), desc=desc, unit="solve", file=sys.stderr, disable=not progress)
            for future in as_completed(list(futures)):
                try:
                    result = future.result()
                except Exception as error:  # one failed point must not lose the others
                    result = {"status": "failed", "message": f"{type(error).__name__}: {error}"[:300]}
                row, prefix = futures[future]
                row.update({f"{prefix}{k}": v for k, v in result.items()})
                bar.update()
            bar.close()

        run([(rows[i], "in_", s, inside, spec.time_limit_s) for i, (_, s) in enumerate(calibration.points)],
            f"{spec.name} in sample {inside.baseline_year}→{inside.year}")
        scored = [r for r in rows if r.get("in_fit_error") is not None and r.get("in_status") != "failed"]
        if not scored:
            raise ScenarioError("no grid point could be backtested in sample; see calibration.csv")
        best = min(scored, key=lambda r: (r["in_fit_error"], r["point"]))["point"]
        chosen = sorted({best, calibration.shipped} | ({calibration.reference} - {None}))
        run([(rows[i], "out_", calibration.points[i][1], outside, spec.time_limit_s) for i in chosen],
            f"{spec.name} out of sample {outside.baseline_year}→{outside.year}")
        if seeds or time_limits:
            spread = [{"point": i, "best": i == best, "shipped": i == calibration.shipped,
                       "reference": i == calibration.reference, "window": name,
                       "baseline_year": window.baseline_year, "year": window.year, "search_seed": seed,
                       "time_limit_s": limit}
                      for i in chosen for name, window in (("in_sample", inside), ("out_of_sample", outside))
                      for seed in (seeds or [calibration.base.solver.search_seed])
                      for limit in (time_limits or [spec.time_limit_s])]
            run([(r, "", calibration.points[r["point"]][1].with_changes({"solver": {"search_seed": r["search_seed"]}}),
                  inside if r["window"] == "in_sample" else outside, r["time_limit_s"]) for r in spread],
                f"{spec.name} spread over seeds and time limits")
    table = pd.DataFrame(rows)
    table["best"] = table["point"] == best
    calibration.out.mkdir(parents=True, exist_ok=True)
    write_csv(calibration.out / "calibration.csv", table)
    summary = {
        "name": spec.name, "in_sample": inside.model_dump(), "out_of_sample": outside.model_dump(),
        "time_limit_s": spec.time_limit_s, "grid": spec.grid,
        "best": {"values": calibration.points[best][0], **_clean(rows[best])},
        "shipped": {"values": calibration.points[calibration.shipped][0], **_clean(rows[calibration.shipped])},
        **({"reference": {"values": calibration.points[calibration.reference][0], **_clean(rows[calibration.reference])}}
           if calibration.reference is not None else {}),
    }
    if spread:
        write_csv(calibration.out / "calibration_spread.csv", pd.DataFrame(spread))
        summary["spread"] = spread_summary(pd.DataFrame(spread))
    write_json(calibration.out / "calibration.json", summary)
    return table


def spread_summary(spread: pd.DataFrame) -> list[dict]:
    """Per point and window: how many solves gave scores, and the min and max of each score over them."""
    out = []
    for (point, window), group in spread.groupby(["point", "window"], sort=True):
        scored = group.dropna(subset=["fit_error"]) if "fit_error" in group else group.iloc[:0]
        entry = {"point": int(point), "best": bool(group["best"].iloc[0]), "shipped": bool(group["shipped"].iloc[0]),
                 "reference": bool(group["reference"].iloc[0]),
                 "window": window, "solves": len(group), "scored": len(scored)}
        for name in SPREAD_SCORES:
            if name in scored and scored[name].notna().any():
                entry[name] = [float(scored[name].min()), float(scored[name].max())]
        out.append(entry)
    return out


def _clean(row: dict) -> dict:
    return json.loads(pd.Series(row).to_json())
