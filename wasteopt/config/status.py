"""How a solve ended, in the words kpis.json, the registry, the CLI, the app and the report use.

A foundation module (no solver imported), so readers of old run folders and registries can map their words.
"""
from __future__ import annotations

from enum import StrEnum

PROVEN_GAP = 1e-4  # "optimal" needs a proven gap this small, whatever tolerance the solve was asked for


class MilpStatus(StrEnum):
    OPTIMAL = "optimal"            # gap proven within PROVEN_GAP
    GAP_REACHED = "gap_reached"    # stopped at the (looser) gap asked for, proven
    TIME_LIMIT = "time_limit"      # stopped by the clock (or by a watcher) with a plan, its gap above the one asked
    ENDED_EARLY = "ended_early"    # a method that ends on its own (the decomposition's rounds) before the clock,
                                   # with a plan whose proven gap is above the one asked
    NO_PLAN = "no_plan"            # stopped before any feasible plan was found (none proven impossible)
    INFEASIBLE = "infeasible"      # proven: no plan exists
    ERROR = "error"


PLAN_STATUSES = (MilpStatus.OPTIMAL, MilpStatus.GAP_REACHED, MilpStatus.TIME_LIMIT, MilpStatus.ENDED_EARLY)  # the statuses with a plan
_RENAMED = {"no_solution": MilpStatus.NO_PLAN}  # status words of runs written before gap_reached / no_plan


def status_from_gap(gap: float | None, rel_gap: float) -> MilpStatus:
    """The status of a solve that has a plan: optimal when its proven gap is within PROVEN_GAP, gap_reached
    when within the ``rel_gap`` asked, time_limit otherwise (no gap proven, or a larger one)."""
    if gap is not None and gap <= PROVEN_GAP + 1e-9:
        return MilpStatus.OPTIMAL
    if gap is not None and gap <= rel_gap * (1 + 1e-6) + 1e-9:
        return MilpStatus.GAP_REACHED
    return MilpStatus.TIME_LIMIT


def recorded_status(status: str, gap: float | None, rel_gap: float | None) -> str:
    """A status as written by any version: ``no_solution`` is now ``no_plan``, and an old ``time_limit``
    whose proven ``gap`` is within the ``rel_gap`` its scenario asked for (when known) is ``gap_reached``."""
    status = str(_RENAMED.get(status, status))
    if status == MilpStatus.TIME_LIMIT and rel_gap is not None:
        return str(status_from_gap(gap, rel_gap))
    return status


def current_kpis(kpis: dict, scenario_yaml: str | None = None) -> dict:
    """A run's KPIs as written by any version, its status in today's words (see :func:`recorded_status`); the
    gap asked for is the run's own (``rel_gap_asked``) or, for older runs, its scenario's ``solver.rel_gap``."""
    if "status" not in kpis:
        return kpis
    asked = kpis.get("rel_gap_asked")
    if asked is None and scenario_yaml and kpis.get("status") == MilpStatus.TIME_LIMIT:
        import yaml

        try:
            solver = (yaml.safe_load(scenario_yaml) or {}).get("solver") or {}
            asked = float(solver["rel_gap"])
        except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError):
            asked = None
    status = recorded_status(str(kpis["status"]), kpis.get("gap"), asked)
    return kpis if status == kpis["status"] else {**kpis, "status": status}
