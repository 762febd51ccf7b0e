"""Infeasibility catalogue (docs/infeasibility.md): each kind of impossible scenario gets an
explanation that names the nodes or sites and the shortfall.

Tiny siting problems, readable by eye: demand nodes A, B, C; existing plant P (400 t/d, one
line, may add one more); candidate site N; landfill L; every arc within reach. They go
through the same path as ``solve_scenario``: pre-check, MILP, then the elastic copy.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from wasteopt.config.errors import InfeasibleError
from wasteopt.config.loader import load_scenario
from wasteopt.siting import solve_scenario
from wasteopt.siting.explain import Explanation, explain_from_slack, unreachable_nodes
from wasteopt.milp import MilpStatus
from wasteopt.siting import solve_problem
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.problem import FlowCap, SitingProblem, Technology

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_routing import line_problem  # noqa: E402  (the routing tests' tiny line instance)

from wasteopt.routing import solve as route  # noqa: E402

INCINERATOR = Technology("incinerator", ("msw",), module_sizes_tpd=(300.0, 500.0), module_annual_cost=(3e6, 4e6),
                         site_annual_cost=1e6, max_modules=2, availability=1.0, min_load_share=0.6,
                         cost_per_t=10.0, outputs=(("ash", 0.2),))
LANDFILL = Technology("landfill", ("msw", "ash"), cost_per_t=60.0)
ZERO_LANDFILL = (FlowCap("msw", "landfill", 0.0, "raw MSW landfilled"),)
DEMAND = {"A": 200.0, "B": 150.0, "C": 100.0}
SITES = {  # technology, existing_capacity_tpd, existing_modules, is_new, lock
    "P": ("incinerator", 400.0, 1, False, ""),
    "N": ("incinerator", 0.0, 0, True, ""),
    "L": ("landfill", 0.0, 0, False, ""),
}


def _arcs(demand, destinations=("P", "N", "L"), ash_from=("P", "N")):
    msw = [(node, d, "msw", 20.0 + 10 * i, 5.0) for i, node in enumerate(demand) for d in destinations]
    return msw + [(p, "L", "ash", 30.0, 10.0) for p in ash_from]


def tiny(demand=None, sites=None, arcs=None, **changes) -> SitingProblem:
    demand = demand or DEMAND
    sites = pd.DataFrame.from_dict(sites or SITES, orient="index",
                                   columns=["technology", "existing_capacity_tpd", "existing_modules", "is_new", "lock"])
    arcs = pd.DataFrame(_arcs(demand) if arcs is None else arcs,
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    return SitingProblem(pd.DataFrame({"msw": pd.Series(demand), "ash": 0.0}), sites,
                         {"incinerator": INCINERATOR, "landfill": LANDFILL}, arcs, **changes)


def explain_tiny(problem: SitingProblem, max_haul_km: float | None = None) -> Explanation:
    """What ``solve_scenario`` does, without a region: pre-check, MILP, elastic copy."""
    arcs = prepare_arcs(problem)
    unreachable = unreachable_nodes(problem, arcs, None, max_haul_km)
    if len(unreachable):
        return Explanation(unreachable, ())
    assert solve_problem(problem, time_limit=20).result.status == MilpStatus.INFEASIBLE
    elastic = solve_problem(problem, time_limit=20, elastic=True)
    return explain_from_slack(problem, elastic.unserved, elastic.policy_slack, arcs, None, max_haul_km)


def test_the_base_tiny_problem_is_feasible():
    assert solve_problem(tiny(), time_limit=20).result.status == "optimal"


# ----------------------------------------------------------------------------- the catalogue (siting)

def test_capacity_below_demand():
    sites = {**SITES, "P": ("incinerator", 400.0, 2, False, ""), "N": ("incinerator", 0.0, 0, True, "closed")}
    text = str(explain_tiny(tiny(sites=sites, flow_caps=ZERO_LANDFILL)))
    # 450 t/d of demand, P full at 400 t/d, N closed, no landfill: 50 t/d stays unserved
    assert "cannot be served, 50 t/d in total" in text
    assert "existing plant(s) within reach (P; at most 400 t/d" in text and "are full" in text
    assert "landfill is capped at 0 t/d (raw MSW landfilled)" in text


def test_haul_radius_too_small():
    arcs = [("A", "P", "msw", 20.0, 5.0), ("B", "P", "msw", 20.0, 5.0), ("P", "L", "ash", 30.0, 10.0)]
    explanation = explain_tiny(tiny(arcs=arcs), max_haul_km=50)
    assert list(explanation.unserved["node"]) == ["C"]
    assert "C: 100 t/d msw — no plant, candidate site or landfill within max_haul_km = 50 km" in str(explanation)


def test_all_candidates_locked_closed():
    sites = {"N": ("incinerator", 0.0, 0, True, "closed"), "L": ("landfill", 0.0, 0, False, "")}
    arcs = [(n, "N", "msw", 20.0, 5.0) for n in "ABC"] + [("N", "L", "ash", 30.0, 10.0)]
    text = str(explain_tiny(tiny(sites=sites, arcs=arcs)))
    assert "3 demand node(s) cannot be served, 450 t/d" in text
    assert "A: 200 t/d msw — every site within reach is locked closed (N; policy.locked_closed)" in text


def test_min_load_impossible():
    sites = {"N": ("incinerator", 0.0, 0, True, ""), "L": ("landfill", 0.0, 0, False, "")}
    arcs = [("A", "N", "msw", 20.0, 5.0), ("A", "L", "msw", 20.0, 5.0), ("N", "L", "ash", 30.0, 10.0)]
    text = str(explain_tiny(tiny(demand={"A": 50.0}, sites=sites, arcs=arcs, flow_caps=ZERO_LANDFILL)))
    # smallest line 300 t/d × min load 0.6 = 180 t/d > 50 t/d
    assert "A: 50 t/d msw" in text
    assert "(N) cannot be opened: opening one needs at least 180 t/d" in text
    assert "only 50 t/d can reach any of them: short by 130 t/d" in text


def test_locked_open_site_below_min_load():
    sites = {"N": ("incinerator", 0.0, 0, True, "open"), "L": ("landfill", 0.0, 0, False, "")}
    arcs = [("A", "N", "msw", 20.0, 5.0), ("A", "L", "msw", 20.0, 5.0), ("N", "L", "ash", 30.0, 10.0)]
    text = str(explain_tiny(tiny(demand={"A": 50.0}, sites=sites, arcs=arcs)))
    assert "site N is locked open but its minimum load is 180 t/d and only 50 t/d can reach it: short by 130 t/d" in text


def test_capacity_target_with_new_plants_capped():
    problem = tiny(capacity_targets=(("incinerator", 5000.0),), new_site_limits=(("incinerator", None, 0),))
    # N is banned; P may add one line, but 400 + 500 t/d would need 0.6 × 900 = 540 t/d > the 450 t/d
    # demand to meet its min load, so the best is 400 + 300 = 700 t/d
    text = str(explain_tiny(problem))
    assert "policy 'incinerator capacity ≥ 5000 t/d' cannot be met: short by 4,300 t/d" in text


def test_zero_landfill_without_candidate_sites():
    sites = {"P": ("incinerator", 400.0, 2, False, ""), "L": ("landfill", 0.0, 0, False, "")}
    arcs = _arcs(DEMAND, destinations=("P", "L"), ash_from=("P",))
    text = str(explain_tiny(tiny(sites=sites, arcs=arcs, flow_caps=ZERO_LANDFILL)))
    assert "cannot be served, 50 t/d in total" in text
    assert "(P; at most 400 t/d nameplate with expansion) are full" in text
    assert "landfill is capped at 0 t/d (raw MSW landfilled)" in text


def test_new_plants_capped_at_zero_under_zero_landfill():
    sites = {**SITES, "P": ("incinerator", 400.0, 2, False, "")}
    problem = tiny(sites=sites, new_site_limits=(("incinerator", None, 0),), flow_caps=ZERO_LANDFILL)
    text = str(explain_tiny(problem))
    assert "(N) cannot be opened: new plants are capped at 0 by policy.new_plants.max" in text


def test_more_new_plants_required_than_candidates():
    text = str(explain_tiny(tiny(new_site_limits=(("incinerator", 3, None),))))
    assert "policy 'new incinerator sites ≥ 3' cannot be met: short by 2 site(s)" in text


def test_single_sourced_node_larger_than_any_plant():
    problem = tiny(demand={"A": 2000.0}, single_sourcing=("msw",), flow_caps=ZERO_LANDFILL)
    text = str(explain_tiny(problem))
    assert "A: 2,000 t/d msw" in text
    assert ("single_sourcing sends all 2,000 t/d to one site but the largest plant a site can hold treats "
            "1,000 t/d: short by 1,000 t/d") in text


def test_no_ash_landfill_within_reach():
    arcs = _arcs(DEMAND, ash_from=())
    text = str(explain_tiny(tiny(arcs=arcs, flow_caps=ZERO_LANDFILL)))
    assert "site P has no ash destination within reach: each t it treats makes 0.2 t ash" in text
    assert "site N has no ash destination within reach" in text


def test_zero_landfill_cap_blocks_the_only_destination():
    sites = {"L": ("landfill", 0.0, 0, False, "")}
    arcs = [(n, "L", "msw", 20.0, 5.0) for n in "ABC"]
    text = str(explain_tiny(tiny(sites=sites, arcs=arcs, flow_caps=ZERO_LANDFILL)))
    assert "A: 200 t/d msw — landfill L within reach is capped at 0 t/d (raw MSW landfilled)" in text


# ----------------------------------------------------------------------------- the catalogue (routing)

def test_fleet_too_small():
    problem = line_problem([2.0, 4.0, 6.0], [3.0, 3.0, 3.0], vehicle={"max_trips": 1})
    with pytest.raises(InfeasibleError) as caught:
        route(problem, "ortools", time_limit=0.3)
    assert ("fleet too small: the required stops hold 9 t but the fleet (1 × compactor) can collect at most "
            "5 t a day: short by 4 t") in str(caught.value)


def test_time_window_impossible():
    problem = line_problem([2.0, 4.0, 6.0], [3.0, 3.0, 3.0], windows=[(0, 86_400), (0, 100), (0, 86_400)])
    with pytest.raises(InfeasibleError) as caught:
        route(problem, "ortools", time_limit=0.3)
    assert caught.value.explanation == {"v1": "compactor: earliest arrival 400 s is after the window closes at 100 s"}


def test_stop_heavier_than_any_truck():
    problem = line_problem([2.0, 4.0, 6.0], [3.0, 9.0, 3.0])
    with pytest.raises(InfeasibleError, match=r"v1: compactor: load \(9.0,\) exceeds capacity \(5.0,\)"):
        route(problem, "ortools", time_limit=0.3)


def test_no_trucks_at_all():
    problem = line_problem([2.0], [3.0], trucks=0)
    with pytest.raises(InfeasibleError, match="v0: no trucks: every vehicle type has count 0"):
        route(problem, "ortools", time_limit=0.3)


def test_shift_too_short_for_a_round_trip():
    problem = line_problem([50.0], [3.0], vehicle={"shift_end_s": 3_600})
    with pytest.raises(InfeasibleError, match="v0: compactor: a round trip with unloading does not fit in the shift"):
        route(problem, "ortools", time_limit=0.3)


# ----------------------------------------------------------------------------- Henan, end to end

def test_henan_haul_radius_too_small_names_counties():
    scenario = load_scenario(ROOT / "configs" / "henan-2025-zero-landfill.yaml").with_changes(
        {"network": {"max_haul_km": 5, "k_nearest": 0}, "policy": {"single_sourcing": True}})
    with pytest.raises(InfeasibleError) as caught:
        solve_scenario(scenario, time_limit=5)
    explanation = caught.value.explanation
    assert len(explanation.unserved) >= 10
    # Each county reaches only its own seat's candidate; small ones cannot fill even one line.
    text = str(caught.value)
    assert "demand node(s) cannot be served" in text and "within max_haul_km = 5 km" in text
    assert "温县 (Wen County)" in text  # (汤阴县 makes 333 t/d now nothing leaves unpriced: it fills its own lines)
    reasons = " | ".join(explanation.unserved["reason"])  # every node's reason, not only the 12 the message lists
    assert "no line combination fits its" in reasons and "opening one needs at least 180 t/d" in reasons
    assert explanation.unserved["name_zh"].str.len().gt(0).all()
