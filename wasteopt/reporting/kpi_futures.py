"""The KPIs of a plan for several futures: each future, every plan priced in every future, VSS, EVPI and the
policy premium, each with the interval its solves' gaps allow."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.reporting.kpi_result import Futures, rounded

if TYPE_CHECKING:  # for annotations only
    from wasteopt.siting.plan import FuturesAssessment


def futures_kpis(assessment: FuturesAssessment) -> Futures:
    """A plan for several futures: each future (its changes in words, weight, own optimum with its proven gap and
    interval, the robust plan's cost and raw landfill there), every plan × future, the expected costs, and VSS,
    EVPI and policy premium (万元/yr) each with the interval its solves' gaps allow (``…_interval_wan_cny``).

    The VSS is measured against the mean-value problem's plan (``vss_reference_plan``). When that plan breaks
    the policy in a future that must keep it, the VSS is unbounded: ``value_of_stochastic_solution_unbounded``
    is true, ``mean_value_plan_breaches`` names those futures, no VSS figure is written, and
    ``policy_premium_wan_cny`` is what the robust plan costs more than that plan with its shortfall landfilled.
    ``futures_solves_above_gap`` lists the solves that stopped above the gap asked for (the figures are then
    marked unreliable)."""
    outcomes = assessment.outcomes
    robust = outcomes[outcomes["plan"] == "robust"].set_index("future")

    def wan(cny) -> float | None:  # None: the plan cannot operate there
        return rounded(cny / 1e4, 1)

    def interval(cny: tuple[float, float] | None) -> tuple[float | None, float | None] | None:
        return None if cny is None else (wan(cny[0]), wan(cny[1]))

    futures = []
    for row in assessment.futures.itertuples(index=False):
        gap = None if pd.isna(row.optimum_gap) else float(row.optimum_gap)
        spread = math.inf if gap is None else gap * max(abs(row.optimum_cny), 1.0)
        futures.append({"name": row.name, **{key: getattr(row, key) for key in ("changes_zh", "changes_en")
                                             if hasattr(row, key)},
                        "weight": row.weight, "optimum_wan_cny": wan(row.optimum_cny), "optimum_gap": rounded(gap, 6),
                        "optimum_interval_wan_cny": [wan(row.optimum_cny - spread), wan(row.optimum_cny)],
                        "robust_cost_wan_cny": wan(robust.at[row.name, "cost_cny"]),
                        "robust_raw_msw_landfill_tpd": rounded(robust.at[row.name, "raw_msw_landfill_tpd"], 1)})
    table = [{"plan": row.plan, "future": row.future, "cost_wan_cny": wan(row.cost_cny),
              "raw_msw_landfill_tpd": rounded(row.raw_msw_landfill_tpd, 1),
              "shortfall_tpd": rounded(row.shortfall_tpd, 1), "status": row.status,
              "gap": rounded(getattr(row, "gap", None), 8)} for row in outcomes.itertuples(index=False)]
    plans = list(dict.fromkeys(outcomes["plan"]))
    premium = assessment.policy_premium
    reference = assessment.reference
    unbounded = assessment.vss_unbounded  # the flag and the breaches say so: no number stands for ∞
    return Futures(
        futures_objective=assessment.objective,
        futures_policy_scope=assessment.policy_scope,
        central_future=assessment.central,
        futures=tuple(futures),
        futures_outcomes=tuple(table),
        expected_cost_wan_cny_by_plan={plan: wan(assessment.expected_cost(plan)) for plan in plans},
        expected_cost_wan_cny=wan(assessment.expected_cost("robust")),
        worst_case_raw_msw_landfill_tpd=rounded(robust["raw_msw_landfill_tpd"].max(), 1),
        vss_reference_plan=reference,
        mean_value_gap=rounded(assessment.reference_gap, 6),
        robust_gap=rounded(assessment.robust_gap, 6),
        value_of_stochastic_solution_unbounded=unbounded,
        mean_value_plan_breaches=() if reference is None else tuple(
            {"future": row.future, "shortfall_tpd": rounded(row.shortfall_tpd, 1)}
            for row in assessment.breaches(reference).itertuples(index=False)),
        policy_premium_wan_cny=None if premium is None else wan(premium),
        policy_premium_interval_wan_cny=interval(assessment.premium_interval()),
        expected_value_of_perfect_information_wan_cny=wan(assessment.value_of_perfect_information),
        expected_value_of_perfect_information_interval_wan_cny=interval(assessment.evpi_interval()),
        futures_solves_above_gap=tuple(assessment.unreliable()),
        value_of_stochastic_solution_wan_cny=None if unbounded else wan(assessment.value_of_stochastic_solution),
        value_of_stochastic_solution_interval_wan_cny=None if unbounded else interval(assessment.vss_interval()),
    )


