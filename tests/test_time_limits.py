"""Time limits: the best plan comes back marked ``time_limit`` with its proven gap; with no
feasible plan yet, ``solve_scenario`` says so clearly instead of returning an empty plan."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from wasteopt.config.errors import NoPlanError
from wasteopt.siting import pipeline
from wasteopt.milp import LinearModel, MilpResult, MilpStatus, SolveWatch, solve_milp
from wasteopt.siting import LocalSearch, solve_problem
from wasteopt.siting.explain import Explanation
from wasteopt.siting.problem import SitingProblem, Technology


def hard_cflp(n_sites: int = 100, n_customers: int = 300, seed: int = 7) -> SitingProblem:
    """A random single-source capacitated facility location problem (Cornuéjols-style), seeded."""
    rng = np.random.default_rng(seed)
    cust = rng.uniform(0, 100, (n_customers, 2))
    site_xy = rng.uniform(0, 100, (n_sites, 2))
    demand = rng.uniform(5, 35, n_customers)
    km = np.hypot(*(cust[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1))
    tech = Technology("plant", ("w",), module_sizes_tpd=(120.0,), module_annual_cost=(0.0,),
                      site_annual_cost=4e5, max_modules=1)
    sites = pd.DataFrame({"technology": "plant", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=[f"S{j}" for j in range(n_sites)])
    origin, dest = np.meshgrid(np.arange(n_customers), np.arange(n_sites), indexing="ij")
    arcs = pd.DataFrame({"origin": [f"c{i}" for i in origin.ravel()], "destination": [f"S{j}" for j in dest.ravel()],
                         "stream": "w", "km": km.ravel(), "cost_per_t": km.ravel()})
    return SitingProblem(pd.DataFrame({"w": demand}, index=[f"c{i}" for i in range(n_customers)]), sites,
                         {"plant": tech}, arcs, single_sourcing=("w",))


def test_stopped_before_any_plan_says_there_is_none():
    # 1 ms is over before HiGHS reaches the root of a 100 × 300 single-source CFLP: no plan, and none pretended.
    stopped = solve_problem(hard_cflp(), time_limit=0.001, rel_gap=1e-6, search=None)
    result = stopped.result
    assert result.status == MilpStatus.NO_PLAN and result.seconds < 30
    assert result.objective is None and result.best_bound is None and stopped.flows.empty


def market_split(rows: int = 3, n: int = 24, seed: int = 1, integer: bool = True) -> tuple[LinearModel, np.ndarray]:
    """Equality knapsacks over 0/1 columns (Cornuéjols & Dawande's market split), with a planted plan so
    one exists: HiGHS proves a root bound long before its first plan (``integer`` False: its LP relaxation).
    Returns the model and that plan."""
    rng = np.random.default_rng(seed)
    a, plan, cost = rng.integers(0, 100, (rows, n)), rng.integers(0, 2, n), rng.integers(1, 20, n)
    model = LinearModel()
    model.add_vars(n, ub=1, cost=cost, integer=integer)
    r, k = np.nonzero(a)
    model.add_rows(r, k, a[r, k], a @ plan, a @ plan, n_rows=rows)
    return model, plan.astype(float)


def test_stopped_after_the_root_before_a_plan_keeps_the_proven_bound():
    # Stopped as soon as HiGHS has a bound and no plan: ec01e95 returned best_bound None (bound dropped).
    model, planted = market_split()
    watch = SolveWatch(every_s=0.0)
    watch.on_progress = lambda p: watch.stop() if p.bound is not None and p.best is None else None
    stopped = solve_milp(model, time_limit=30, rel_gap=1e-9, watch=watch)
    assert stopped.status == MilpStatus.NO_PLAN and not stopped.has_solution and stopped.gap is None
    optimum = solve_milp(model, time_limit=30, rel_gap=1e-9)
    assert optimum.status == MilpStatus.OPTIMAL and optimum.objective == pytest.approx(118.0) and model.cost_vector() @ planted == 169.0
    relaxed = solve_milp(market_split(integer=False)[0], time_limit=30, rel_gap=1e-9)
    assert relaxed.objective - 1e-6 <= stopped.best_bound <= optimum.objective
    assert stopped.message.endswith(f"bound proven {stopped.best_bound:,.6g}")


def test_limit_hit_after_a_first_plan_returns_it_with_its_gap():
    solution = solve_problem(hard_cflp(30, 90), time_limit=1.0, rel_gap=1e-9)
    result = solution.result
    # A 30 × 90 single-source CFLP is not closed in 1 s, but HiGHS finds incumbents quickly.
    assert result.status == MilpStatus.TIME_LIMIT, result
    assert 0 < result.gap <= 1 and result.best_bound <= result.objective
    served = solution.flows.groupby("origin")["tonnes_per_day"].sum()
    assert served.size == 90  # a complete (feasible) plan, not a partial one


@pytest.mark.parametrize("search", [None, LocalSearch()])
def test_a_solve_stopped_at_once_still_returns_a_plan(search, monkeypatch):
    # Stopped before HiGHS's first node, a CFLP with split flows (as the township bench) still has a plan:
    # the greedy's, routed and handed to HiGHS as its start (6db4cae returned no plan here). This one is
    # small, so the greedy start is forced here as on a model of 20,000 columns.
    monkeypatch.setattr(pipeline, "GREEDY_START_COLUMNS", 0)
    problem = dataclasses.replace(hard_cflp(30, 90), single_sourcing=())
    watch = SolveWatch()
    watch.stop()
    solution = solve_problem(problem, time_limit=30, rel_gap=1e-9, search=search, watch=watch, bounds="off")
    result = solution.result
    assert result.status == MilpStatus.TIME_LIMIT and result.objective == pytest.approx(14181131.699364642)
    assert result.message.endswith(" + a greedy first plan, returned as it is (no better plan found in time)")
    assert solution.flows["tonnes_per_day"].sum() == pytest.approx(problem.demand["w"].sum())


@pytest.mark.parametrize("search", [None, LocalSearch()])
def test_a_limit_too_short_to_route_the_greedy_plan_returns_its_flows_as_sent(search, monkeypatch):
    # 1 ms leaves no time to route the greedy plan (ec01e95: no plan at all, as cj200x2000r5s1 at 30 s): the
    # flows the greedy sent are a plan, dearer than routed (14,181,131.70 above), marked as the greedy's own.
    monkeypatch.setattr(pipeline, "GREEDY_START_COLUMNS", 0)
    problem = dataclasses.replace(hard_cflp(30, 90), single_sourcing=())
    solution = solve_problem(problem, time_limit=0.001, rel_gap=1e-9, search=search, bounds="off")
    result = solution.result
    assert result.status == MilpStatus.TIME_LIMIT and result.objective == pytest.approx(15339807.700262873)
    assert result.message.endswith(" + a greedy first plan, returned as it is (no better plan found in time)")
    assert solution.flows["tonnes_per_day"].sum() == pytest.approx(problem.demand["w"].sum())


def test_small_instance_within_limit_is_optimal():
    result = solve_problem(hard_cflp(8, 20), time_limit=30, rel_gap=1e-4).result
    assert result.status == MilpStatus.OPTIMAL and result.gap <= 1e-4


def test_no_feasible_plan_yet_gives_a_clear_message(monkeypatch, zero_landfill_scenario_stub):
    scenario, region, problem = zero_landfill_scenario_stub
    empty = MilpResult(MilpStatus.NO_PLAN, None, None, None, 1.0, "highs", message="HiGHS: Time limit reached")
    monkeypatch.setattr(pipeline, "solve_problem",
                        lambda *a, **k: type("S", (), {"result": empty})())
    with pytest.raises(NoPlanError, match=r"no feasible plan found within the 1 s time limit.*raise solver.time_limit_s"):
        pipeline.solve_scenario(scenario, time_limit=1, region=region)


def test_no_plan_in_time_and_proven_infeasible_exit_with_their_own_codes(monkeypatch, root, tmp_path, capsys):
    # main at 6db4cae: both exit 2, and `--help` names neither
    from wasteopt.cli import main

    config = str(root / "configs" / "henan-2025-zero-landfill.yaml")
    empty = MilpResult(MilpStatus.NO_PLAN, None, None, None, 1.0, "highs", message="HiGHS: Time limit reached")
    monkeypatch.setattr(pipeline, "solve_problem", lambda *a, **k: type("S", (), {"result": empty})())
    args = ["solve", config, "--out", str(tmp_path / "run"), "--registry", str(tmp_path / "r.sqlite"), "--no-progress"]
    assert main(args) == 3
    assert "no feasible plan found within" in capsys.readouterr().err

    proven = MilpResult(MilpStatus.INFEASIBLE, None, None, None, 1.0, "highs", message="HiGHS proved the model infeasible")
    monkeypatch.setattr(pipeline, "solve_problem", lambda *a, **k: type("S", (), {"result": proven})())
    monkeypatch.setattr(pipeline, "explain", lambda *a, **k: Explanation(pd.DataFrame(columns=["tonnes_per_day"]), (("zero raw landfill", 10.0),)))
    assert main(args) == 2
    assert not (tmp_path / "run").exists()

    with pytest.raises(SystemExit):
        main(["--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert "2 infeasible: proven" in helped and "3 no plan found within the time limit" in helped


@pytest.fixture(scope="module")
def zero_landfill_scenario_stub(root):
    from wasteopt.data.region import load_region
    from wasteopt.config.loader import load_scenario
    from wasteopt.siting.scenario_problem import build_problem

    scenario = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    region = load_region(scenario)
    return scenario, region, build_problem(scenario, region)
