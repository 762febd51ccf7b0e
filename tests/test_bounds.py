"""The bound layer: a Lagrangean bound never above the optimum, its plan, the sites it proves useless."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from test_search import line_of_three, sites_on_a_road
from test_time_limits import hard_cflp
from wasteopt.milp import MilpStatus, SolveWatch
from wasteopt.siting import bounds, solve_problem
from wasteopt.siting.bounds import lagrangean_bound
from wasteopt.siting.formulation.model import build_milp
from wasteopt.siting.problem import SitingProblem, Technology
from wasteopt.siting.search import greedy_start

SPLIT_8X24_OPTIMUM = 6132098.3853018675  # hard_cflp(8, 24, seed=1) with split flows, HiGHS at gap 0


def split_cflp() -> SitingProblem:
    return dataclasses.replace(hard_cflp(8, 24, seed=1), single_sourcing=())


def two_towns_and_a_far_site() -> SitingProblem:
    """Towns at km 0 and 10 with a plant site each (1,000/yr, 100 t/d) and one more at km 1,000: the optimum
    opens one plant (1,000) and hauls 50 t over 10 km (500) = 1,500; the far site is of no use to any plan."""
    position = {"T0": 0, "T1": 10, "S0": 0, "S1": 10, "FAR": 1000}
    arcs = pd.DataFrame([(o, s, "msw", abs(position[o] - position[s]), abs(position[o] - position[s]))
                         for o in ("T0", "T1") for s in ("S0", "S1", "FAR")],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    sites = pd.DataFrame({"technology": "plant", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=["S0", "S1", "FAR"])
    techs = {"plant": Technology("plant", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1000.0,),
                                 site_annual_cost=0.0, max_modules=1)}
    return SitingProblem(demand=pd.DataFrame({"msw": [50.0, 50.0]}, index=["T0", "T1"]), sites=sites,
                         technologies=techs, arcs=arcs, days_per_year=1.0)


def bound_of(problem: SitingProblem):
    m, idx, arcs = build_milp(problem)
    start = greedy_start(problem, m, idx, arcs, seconds=30)
    best = float(m.cost_vector() @ start.routed) + m.offset
    return lagrangean_bound(problem, m, idx, arcs, best), best, idx


@pytest.mark.parametrize("problem, optimum", [(sites_on_a_road([0, 10, 100, 115]), 3250.0),
                                              (two_towns_and_a_far_site(), 1500.0),
                                              (split_cflp(), SPLIT_8X24_OPTIMUM)])
def test_the_lagrangean_bound_never_exceeds_the_optimum(problem, optimum):
    bound, _, _ = bound_of(problem)
    assert bound.bound <= optimum + 1e-6
    solved = solve_problem(problem, rel_gap=0, search=None).result
    assert solved.status == MilpStatus.OPTIMAL and solved.objective == pytest.approx(optimum)
    assert solved.best_bound <= optimum + 1e-6 and "Lagrangean bound" in solved.message


def test_the_bound_is_tight_where_the_relaxation_is():
    # one town per site on a road: the relaxed model's best plan meets every demand row
    assert bound_of(two_towns_and_a_far_site())[0].bound == pytest.approx(1500.0)
    assert bound_of(sites_on_a_road([0, 10, 100, 115]))[0].bound == pytest.approx(3250.0, abs=0.01)
    # the split 8 × 24 CFLP: within 2.6 % of its optimum (5,978,525 vs 6,132,098) after 300 steps
    assert bound_of(split_cflp())[0].bound == pytest.approx(5978524.79998049, rel=1e-6)


def test_a_site_no_cheaper_plan_opens_is_kept_closed_and_the_optimum_stays():
    bound, best, idx = bound_of(two_towns_and_a_far_site())
    assert best == pytest.approx(1500.0) and bound.closed_for_good == {"FAR"}
    assert bound.fixed_cols.tolist() == [int(c) for c in idx.site_y["FAR"]]
    solved = solve_problem(two_towns_and_a_far_site(), rel_gap=0, search=None).result
    assert solved.objective == pytest.approx(1500.0)
    assert "sites proven useless, kept closed: 1" in solved.message


def test_stopped_at_once_the_lagrangean_bound_gives_the_gap():
    watch = SolveWatch()
    watch.stop()
    result = solve_problem(split_cflp(), rel_gap=0, search=None, watch=watch).result
    assert result.status == MilpStatus.TIME_LIMIT and result.objective == pytest.approx(SPLIT_8X24_OPTIMUM)
    assert result.best_bound == pytest.approx(5978524.79998049, rel=1e-6)
    assert result.gap == pytest.approx((SPLIT_8X24_OPTIMUM - result.best_bound) / SPLIT_8X24_OPTIMUM)
    assert result.message.endswith("the Lagrangean bound proved the gap")


def test_models_beyond_its_kind_get_no_lagrangean_bound():
    problem = line_of_three()  # a landfill takes waste: not every arc ends at a capacitated site
    m, idx, arcs = build_milp(problem)
    assert lagrangean_bound(problem, m, idx, arcs, None) is None
    assert "Lagrangean" not in solve_problem(problem, rel_gap=0, search=None).result.message


def test_bounds_off_is_plain_highs():
    result = solve_problem(split_cflp(), rel_gap=0, search=None, bounds="off").result
    assert result.message == "HiGHS: Optimal"
    assert result.objective == pytest.approx(SPLIT_8X24_OPTIMUM)


def test_beyond_its_plan_size_the_lagrangean_gives_the_bound_alone(monkeypatch):
    # As on a 100 × 1000 CFLP (ec01e95 ran no bound beyond 20,000 arcs; HiGHS had none after 23 s): the bound,
    # the same as on a small model, and no second greedy among the sites its subproblems open.
    monkeypatch.setattr(bounds, "LAGRANGE_PLAN_MAX_ARCS", 0)
    watch = SolveWatch()
    watch.stop()
    result = solve_problem(split_cflp(), rel_gap=0, search=None, watch=watch).result
    assert result.status == MilpStatus.TIME_LIMIT and result.objective >= SPLIT_8X24_OPTIMUM - 1e-6
    assert result.best_bound == pytest.approx(5978524.79998049, rel=1e-6)
    assert "Lagrangean bound" in result.message and "among the sites" not in result.message
