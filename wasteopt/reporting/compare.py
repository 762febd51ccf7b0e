"""Runs against a base run: Δ absolute and % per KPI, and whether a cost difference is a result at all.

A run that stopped at a proven gap g may cost up to g·cost more than the true optimum of its
scenario. The difference of two scenarios' optimal costs therefore lies in
[Δ − gap_b·cost_b, Δ + gap_a·cost_a] (a the base, b the other run); when that interval holds 0 the
two costs cannot be told apart by their solves: the difference is "within solver tolerance", not a finding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from wasteopt.reporting.kpi import comparison_frame, kpi_labels

COST_KEY = "cost_wan_cny_per_year"
WITHIN_TOLERANCE = "差异小于求解误差 / within solver tolerance"
BEYOND_TOLERANCE = "差异大于求解误差 / beyond solver tolerance"
# Solver facts, not plan KPIs: shown per run, never as a difference.
NO_DELTA = ("status", "gap", "solve_seconds")


def proven_gap(kpis: dict) -> float:
    """The run's proven relative gap: 0 for a proven optimum, infinite when the solve proved none."""
    gap = kpis.get("gap")
    if gap is not None and math.isfinite(gap):
        return max(float(gap), 0.0)
    return 0.0 if kpis.get("status") == "optimal" else math.inf


@dataclass(frozen=True)
class CostDelta:
    """The system cost of ``other`` against ``base`` (万元/yr) and what the two proven gaps allow: each run's
    optimum lies up to ``…_slack_wan`` below its cost."""

    base_wan: float
    other_wan: float
    base_slack_wan: float
    other_slack_wan: float

    @property
    def absolute(self) -> float:
        return self.other_wan - self.base_wan

    @property
    def percent(self) -> float | None:
        return 100.0 * self.absolute / abs(self.base_wan) if self.base_wan else None

    @property
    def interval(self) -> tuple[float, float]:
        """Where the difference of the two scenarios' optimal costs lies (万元/yr), given the proven gaps."""
        return self.absolute - self.other_slack_wan, self.absolute + self.base_slack_wan

    @property
    def tolerance_wan(self) -> float:
        """The width of :attr:`interval`: gap_a·cost_a + gap_b·cost_b."""
        return self.base_slack_wan + self.other_slack_wan

    @property
    def within_tolerance(self) -> bool:
        """The interval holds 0: the solves cannot separate the two costs."""
        low, high = self.interval
        return low <= 0.0 <= high

    def interval_text(self) -> str:
        """'[−4,912 … +3,565]' (万元/yr), ∞ where a run proved no gap."""
        low, high = (f"{v:+,.0f}".replace("-", "−") if math.isfinite(v) else ("−∞" if v < 0 else "+∞")
                     for v in self.interval)
        return f"[{low} … {high}]"


def cost_delta(base: dict, other: dict) -> CostDelta | None:
    """Cost difference of two runs' KPIs; None when either run has no cost."""
    if base.get(COST_KEY) is None or other.get(COST_KEY) is None:
        return None
    return CostDelta(float(base[COST_KEY]), float(other[COST_KEY]), proven_gap(base) * abs(base[COST_KEY]),
                     proven_gap(other) * abs(other[COST_KEY]))


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def kpi_delta(key: str, base: dict, other: dict) -> tuple[float | None, float | None]:
    """(Δ, Δ %) of one KPI; None where a value is missing, not a number, or a solver fact."""
    a, b = _number(base.get(key)), _number(other.get(key))
    if key in NO_DELTA or a is None or b is None:
        return None, None
    return b - a, (100.0 * (b - a) / abs(a) if a else None)


def delta_frame(kpis_by_run: dict[str, dict], base: str) -> pd.DataFrame:
    """One row per KPI (kpi, label, unit); the base run's values, then per other run its values, ``<run> Δ``
    and ``<run> Δ %``; a last row ``cost_within_solver_tolerance`` says per run whether its cost difference
    is inside the two proven gaps."""
    if base not in kpis_by_run:
        raise KeyError(base)
    others = [run for run in kpis_by_run if run != base]
    rows = []
    for key, label, unit in kpi_labels(*kpis_by_run.values()):
        row = {"kpi": key, "label": label, "unit": unit, base: kpis_by_run[base].get(key)}
        for run in others:
            row[run] = kpis_by_run[run].get(key)
            row[f"{run} Δ"], row[f"{run} Δ %"] = kpi_delta(key, kpis_by_run[base], kpis_by_run[run])
        rows.append(row)
    verdict = {"kpi": "cost_within_solver_tolerance", "label": WITHIN_TOLERANCE, "unit": "", base: None}
    for run in others:
        delta = cost_delta(kpis_by_run[base], kpis_by_run[run])
        verdict[run] = None if delta is None else delta.within_tolerance
    rows.append(verdict)
    return pd.DataFrame(rows)


def delta_and_goals_frame(kpis_by_run: dict[str, dict], base: str) -> pd.DataFrame:
    """:func:`delta_frame`, then one row per plan goal (MET / NOT MET per run): the table compare writes as CSV."""
    goals = comparison_frame(kpis_by_run)
    return pd.concat([delta_frame(kpis_by_run, base), goals[goals["kpi"].str.startswith("goal ")]], ignore_index=True)
