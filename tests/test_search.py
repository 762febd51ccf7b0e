"""Solver aids that must never change an optimum: the capacity cover row and the neighbourhood search."""
import time

import numpy as np
import pandas as pd
import pytest

from wasteopt.milp import INF, LinearModel, highs_model, solve_milp
from wasteopt.siting import FlowCap, SitingProblem, Technology, solve_problem
from wasteopt.siting.formulation.model import build_milp
from wasteopt.siting.search import restriction
from wasteopt.siting.search.greedy import greedy_modules
from wasteopt.siting.search.neighbourhoods import site_neighbourhoods, stop_neighbourhoods
from wasteopt.siting.search.restriction import first_plan, relaxation_closed_sites
from wasteopt.siting.search.first_plan import FirstPlan
from wasteopt.siting.search.worker import NeighbourhoodSearch, SearchBeside
from test_siting import line_of_three


def cover_rows(problem):
    """Rows of the model whose lower bound is a demand net of existing capacity, as (lb, {col: coef})."""
    m, idx, _ = build_milp(problem)
    a, row_lb = m.arrays()[4].tocsr(), m.arrays()[5]
    module_cols = {int(c) for n in idx.site_n.values() for c in n}
    rows = []
    for r in range(a.shape[0]):
        cols = a.indices[a.indptr[r]:a.indptr[r + 1]]
        if len(cols) and set(cols.tolist()) == module_cols and np.isfinite(row_lb[r]):
            rows.append((row_lb[r], dict(zip(cols.tolist(), a.data[a.indptr[r]:a.indptr[r + 1]].tolist()))))
    return rows, idx


def test_cover_row_asks_for_the_capacity_that_zero_landfill_needs():
    problem = line_of_three(flow_caps=(FlowCap("msw", "landfill", 0.0),))
    rows, idx = cover_rows(problem)
    assert len(rows) == 1
    lb, coefs = rows[0]
    assert lb == pytest.approx(300.0)  # all three towns, 100 t/d each, must fit into plant modules
    assert sorted(coefs.values()) == [150.0, 150.0]


def test_no_cover_row_while_landfill_may_take_the_waste():
    rows, _ = cover_rows(line_of_three())
    assert rows == []


def test_cover_row_leaves_the_optimum_alone():
    # zero landfill: one plant at A holds all 300 t/d: 5,000 + 2,000 + 100·10 + 100·50 = 13,000 CNY
    solution = solve_problem(line_of_three(flow_caps=(FlowCap("msw", "landfill", 0.0),)), rel_gap=0)
    assert solution.objective == pytest.approx(13000.0)


def sites_on_a_road(positions_km):
    """One town and one candidate plant at each position; plants cost 1,000/yr, one 100 t/d module."""
    names = [f"T{i}" for i in range(len(positions_km))]
    demand = pd.DataFrame({"msw": 50.0}, index=names)
    sites = pd.DataFrame({"technology": "plant", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=[f"S{i}" for i in range(len(positions_km))])
    arcs = pd.DataFrame([(o, f"S{j}", "msw", abs(po - pd_), abs(po - pd_))
                         for o, po in zip(names, positions_km) for j, pd_ in enumerate(positions_km)],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {"plant": Technology("plant", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1000.0,),
                                 site_annual_cost=0.0, max_modules=1)}
    return SitingProblem(demand=demand, sites=sites, technologies=techs, arcs=arcs, days_per_year=1.0)


def test_neighbourhoods_pair_each_site_with_its_nearest():
    m, idx, arcs = build_milp(sites_on_a_road([0, 10, 100, 115]))
    groups = site_neighbourhoods(idx, arcs, size=2)
    col_site = {int(c): s for s, cols in idx.site_y.items() for c in cols}
    assert [sorted({col_site[int(c)] for c in g}) for g in groups] == [
        ["S0", "S1"], ["S0", "S1"], ["S2", "S3"], ["S2", "S3"]]


def test_search_turns_a_poor_plan_into_the_optimum():
    # the plan with both A and C open (14,000 CNY) is what a locked model gives; the same columns, unlocked,
    # let the search close C one neighbourhood at a time and reach the 13,000 CNY optimum
    problem = line_of_three()
    locked = line_of_three(sites=problem.sites.assign(lock=["open", "open", ""]))
    poor = solve_milp(build_milp(locked)[0], rel_gap=0)
    assert poor.objective == pytest.approx(14000.0)
    m, idx, arcs = build_milp(problem)
    scale = highs_model(m)[1]
    search = NeighbourhoodSearch(m, lambda: site_neighbourhoods(idx, arcs, size=1), seed=0)
    search.best, search.best_x = poor.objective * scale, poor.x
    search.run()
    assert search.improved >= 1
    assert search.best / scale == pytest.approx(13000.0)


def test_quick_solves_never_start_the_search():
    built = []
    m = build_milp(line_of_three())[0]
    result = solve_milp(m, rel_gap=0, companion=SearchBeside(NeighbourhoodSearch(m, lambda: built.append(1) or [])))
    assert result.status == "optimal" and result.objective == pytest.approx(13000.0)
    assert built == [] and "neighbourhood search" not in result.message


def test_a_failing_search_stops_quietly_and_says_why():
    problem = line_of_three()
    m = build_milp(problem)[0]
    plan = solve_milp(m, rel_gap=0)

    def broken():
        raise ValueError("no arcs")

    search = NeighbourhoodSearch(m, broken, seed=0)
    search.best, search.best_x = plan.objective, plan.x
    search.run()
    assert search.failure == "ValueError: no arcs" and search.tried == 0


def test_greedy_opens_the_sites_that_serve_their_neighbours_cheapest():
    # S0 takes T0 and T1 (1,000 + 10·50 for 100 t: 15 CNY/t), S2 then takes T2 and T3 (17.5 CNY/t);
    # S1 and S3 would only haul the far pair. The plan costs 3,250, the optimum.
    problem = sites_on_a_road([0, 10, 100, 115])
    m, idx, arcs = build_milp(problem)
    greedy = greedy_modules(problem, idx, arcs)
    cols, values = greedy.cols, greedy.values
    chosen = dict(zip(cols.tolist(), values.tolist()))
    assert {site: chosen[int(idx.site_y[site][0])] for site in idx.site_y} == {"S0": 1.0, "S1": 0.0, "S2": 1.0, "S3": 0.0}
    assert solve_problem(problem, rel_gap=0).objective == pytest.approx(3250.0)


def test_greedy_adds_a_module_where_that_beats_opening_a_site():
    # Plant site S0 (1,000/yr + 1,000 per 100 t/d module) at town T0, a dearer site S1 (3,000/yr) at T1,
    # 15 CNY/t apart; 100 t/d each. S0 first takes T0 alone (20 CNY/t; both towns 22.5), then a second
    # module for T1 costs 25 CNY/t against 40 at S1: 3,000 + 1,500 = 4,500, the optimum.
    demand = pd.DataFrame({"msw": 100.0}, index=["T0", "T1"])
    sites = pd.DataFrame({"technology": ["plant", "dear"], "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=["S0", "S1"])
    arcs = pd.DataFrame([("T0", "S0", "msw", 0.0, 0.0), ("T0", "S1", "msw", 15.0, 15.0),
                         ("T1", "S0", "msw", 15.0, 15.0), ("T1", "S1", "msw", 0.0, 0.0)],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {name: Technology(name, ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1000.0,),
                              site_annual_cost=site_cost, max_modules=2)
             for name, site_cost in (("plant", 1000.0), ("dear", 3000.0))}
    problem = SitingProblem(demand=demand, sites=sites, technologies=techs, arcs=arcs, days_per_year=1.0)
    m, idx, arcs = build_milp(problem)
    greedy = greedy_modules(problem, idx, arcs)
    chosen = dict(zip(greedy.cols.tolist(), greedy.values.tolist()))
    assert [chosen[int(idx.site_n["S0"][0])], chosen[int(idx.site_y["S1"][0])]] == [2.0, 0.0]
    assert solve_problem(problem, rel_gap=0).objective == pytest.approx(4500.0)


def test_waste_the_greedy_cannot_place_leaves_only_its_two_cheapest_closed_sites_to_the_solver():
    # S0 fills its one 100 t/d module with T0; T1's 10 t/d fits nowhere (a new site runs at ≥ 60 t/d),
    # so the solver decides S1 and S2, T1's cheapest closed sites; S0 and the far S3 stay fixed.
    demand = pd.DataFrame({"msw": [100.0, 10.0]}, index=["T0", "T1"])
    sites = pd.DataFrame({"technology": "plant", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=["S0", "S1", "S2", "S3"])
    arcs = pd.DataFrame([(town, site, "msw", km, km) for town in ("T0", "T1")
                         for site, km in (("S0", 0.0), ("S1", 5.0), ("S2", 10.0), ("S3", 50.0))],
                        columns=["origin", "destination", "stream", "km", "cost_per_t"])
    techs = {"plant": Technology("plant", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1000.0,),
                                 max_modules=1, min_load_share=0.6)}
    problem = SitingProblem(demand=demand, sites=sites, technologies=techs, arcs=arcs, days_per_year=1.0)
    m, idx, arcs = build_milp(problem)
    greedy = greedy_modules(problem, idx, arcs)
    cols, values = greedy.cols, greedy.values
    fixed = {site: values[cols == idx.site_y[site][0]].tolist() for site in idx.site_y}
    assert fixed == {"S0": [1.0, 1.0], "S1": [], "S2": [], "S3": [0.0, 0.0]}  # y and n are one column here


def test_no_greedy_plan_while_a_landfill_may_take_the_waste():
    problem = line_of_three()
    m, idx, arcs = build_milp(problem)
    assert greedy_modules(problem, idx, arcs) is None


def test_without_a_plan_from_highs_the_search_starts_from_the_greedy_one():
    problem = sites_on_a_road([0, 10, 100, 115])
    m, idx, arcs = build_milp(problem)
    scale = highs_model(m)[1]
    search = NeighbourhoodSearch(m, lambda: site_neighbourhoods(idx, arcs, size=2), seed=0,
                                  first_plan=lambda relaxation: first_plan(problem, idx, arcs, relaxation))
    search.run()
    assert search.from_first_plan == "greedy" and search.failure == ""  # the restricted plan is no better
    assert search.best / scale == pytest.approx(3250.0)


def test_the_first_relaxation_looks_only_near_the_greedy_sites(monkeypatch):
    monkeypatch.setattr(restriction, "RELAXATION_SCOPE_SITES", 1)  # the greedy's own sites (S0, S2), no neighbours
    problem = sites_on_a_road([0, 10, 100, 115])
    m, idx, arcs = build_milp(problem)
    plan = first_plan(problem, idx, arcs)
    far = [int(idx.site_y[site][0]) for site in ("S1", "S3")]
    assert plan.outside.tolist() == far
    search = NeighbourhoodSearch(m, lambda: [], seed=0)
    search._set_up()
    relaxation = search._relaxation(plan.outside)
    assert relaxation[far].tolist() == [0.0, 0.0]
    assert np.asarray(search.sub.getLp().col_upper_)[far].tolist() == [1.0, 1.0]  # bounds restored


def test_the_relaxation_leaves_out_the_sites_it_does_not_open_but_each_origins_main_one():
    problem = sites_on_a_road([0, 10, 100, 115])
    m, idx, arcs = build_milp(problem)
    relaxation = np.zeros(m.num_vars)
    for site in ("S0", "S2"):
        relaxation[idx.site_y[site]] = 1.0
    sends = {("T0", "S0"): 50.0, ("T1", "S0"): 50.0, ("T2", "S2"): 50.0, ("T3", "S2"): 20.0, ("T3", "S3"): 30.0}
    for a, (origin, destination) in enumerate(zip(arcs["origin"], arcs["destination"])):
        relaxation[idx.arc_var[a]] = sends.get((origin, destination), 0.0)
    assert relaxation_closed_sites(problem, idx, arcs, relaxation) == {"S1"}  # S3 is T3's main site


def test_a_better_plan_among_the_relaxations_sites_leads_and_its_exclusions_hold():
    problem = sites_on_a_road([0, 10, 100, 115])
    m, idx, arcs = build_milp(problem)
    y = {site: int(cols[0]) for site, cols in idx.site_y.items()}

    def plan(relaxation):
        if relaxation is None:  # all four plants: 4,000 + the haul of nothing = 4,000
            return FirstPlan(np.asarray(list(y.values()), np.int32), np.ones(4))
        return FirstPlan(np.asarray([y["S0"], y["S2"]], np.int32), np.ones(2),
                         excluded=np.asarray([y["S1"], y["S3"]], np.int32))

    scale = highs_model(m)[1]
    search = NeighbourhoodSearch(m, lambda: site_neighbourhoods(idx, arcs, size=2), seed=0,
                                  first_plan=plan)
    search.run()
    assert search.failure == "" and search.from_first_plan == "relaxation"
    assert search.best / scale == pytest.approx(3250.0)
    assert search.ub[[y["S1"], y["S3"]]].tolist() == [0.0, 0.0]
    assert all(not {y["S1"], y["S3"]} & set(group.tolist()) for group in search.neighbourhoods)
    search._exclude(np.zeros(0, dtype=np.int32))  # as when HiGHS finds a plan using S1 or S3
    assert search.ub[[y["S1"], y["S3"]]].tolist() == [1.0, 1.0]


def test_fixed_copy_and_start_plan():
    """min x0 + 2·x1, x0 + x1 ≥ 3, integers ≤ 5: optimum 3; with x0 fixed at 0 it is 6. The fixed copy
    leaves the model alone, a start plan is taken by HiGHS and refused by CBC."""
    from wasteopt.config.errors import WasteoptError

    m = LinearModel()
    x = m.add_vars(2, ub=5, integer=True, cost=[1.0, 2.0])
    m.add_row(x, [1.0, 1.0], 3.0, INF)
    assert solve_milp(m.fixed(np.array([0]), np.array([0.0])), rel_gap=0).objective == pytest.approx(6.0)
    assert solve_milp(m, rel_gap=0).objective == pytest.approx(3.0)
    assert solve_milp(m, rel_gap=0, start=np.array([0.0, 3.0])).objective == pytest.approx(3.0)
    with pytest.raises(WasteoptError, match="highs"):
        solve_milp(m, "cbc", start=np.array([0.0, 3.0]))


def test_one_group_frees_every_stop_decision_so_the_search_can_swap_landfills():
    # A keeps landfill LA cheap (100 t/d at 10 CNY/t), C's 50 t/d travel 50 km either way; one must stop.
    # Keeping LA: 1,000 + 100·10 + 50·50 = 4,500 CNY; the poor plan keeps LC: 1,000 + 50·10 + 100·50 = 6,500.
    # Freeing either landfill alone cannot swap them (both running breaks the target, none strands the waste).
    from test_siting import landfills_only
    from wasteopt.siting.problem import StopTarget

    problem = landfills_only(demand=pd.DataFrame({"msw": [100.0, 50.0]}, index=["A", "C"]),
                             stop_targets=(StopTarget("landfill", min_stopped=1),))
    m, idx, arcs = build_milp(problem)
    running = [idx.site_running["LA"], idx.site_running["LC"]]
    local, recurring = site_neighbourhoods(idx, arcs, size=1), stop_neighbourhoods(idx, arcs)
    assert not any(set(running) <= set(g.tolist()) for g in local) and set(running) <= set(recurring[0].tolist())
    poor = solve_milp(m.fixed(running, [0.0, 1.0]), rel_gap=0)
    assert poor.objective == pytest.approx(6500.0)
    scale = highs_model(m)[1]
    alone = NeighbourhoodSearch(m, lambda: local, seed=0)
    alone.best, alone.best_x = poor.objective * scale, poor.x
    alone.run()
    assert alone.best / scale == pytest.approx(6500.0)  # no group of nearby sites can swap them
    search = NeighbourhoodSearch(m, lambda: (local, recurring), seed=0)
    search.best, search.best_x = poor.objective * scale, poor.x
    search.run()
    assert search.best / scale == pytest.approx(4500.0)


def test_a_seeded_search_gives_the_same_plan_whatever_the_thread_timing(monkeypatch):
    # The search starts at HiGHS's second call for plans and hands each step back one call later, so it
    # runs on this small single-source CFLP; the worker is slowed by 0 or 30 ms a step: hand-overs are
    # fixed by HiGHS's calls, not the clock, so both runs give the same plan and the same search record.
    from test_time_limits import hard_cflp
    from wasteopt.siting import LocalSearch
    from wasteopt.siting.search import worker

    from wasteopt.siting import pipeline

    monkeypatch.setattr(worker, "SEARCH_AFTER_CALLS", 1)
    monkeypatch.setattr(worker, "HANDOVER_CALLS", 1)
    monkeypatch.setattr(pipeline, "greedy_start", lambda *args, **kwargs: None)  # the search from HiGHS's plans
    step = worker.NeighbourhoodSearch.step
    problem = hard_cflp(8, 24, seed=1)
    runs = []
    for delay in (0.0, 0.03):
        monkeypatch.setattr(worker.NeighbourhoodSearch, "step", lambda self, delay=delay: time.sleep(delay) or step(self))
        runs.append(solve_problem(problem, time_limit=60, rel_gap=1e-6, search=LocalSearch(seed=1, neighbourhood_sites=2),
                                  bounds="off").result)
    first, second = runs
    assert first.message == second.message == "HiGHS: Optimal + neighbourhood search (1 of 7 sub-MIPs improved the plan)"
    assert np.array_equal(first.x, second.x)
    assert first.objective == pytest.approx(6242084.69986807)


def test_without_the_search_highs_runs_alone(monkeypatch):
    from wasteopt.siting.search import worker

    def never(*args):
        raise AssertionError("the search was attached")

    monkeypatch.setattr(worker.SearchBeside, "attach", never)
    result = solve_problem(sites_on_a_road([0, 10, 100, 115]), rel_gap=0, search=None, bounds="off").result
    assert result.message == "HiGHS: Optimal" and result.objective == pytest.approx(3250.0)
