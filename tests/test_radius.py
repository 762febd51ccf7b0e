"""The radius (covering) formulation of the p-median: exact optima on hand-checkable instances, bounds
never above the optimum, the same optimum as the classic formulation, and the plan in the classic columns."""
import dataclasses
import io
import itertools

import numpy as np
import pytest

from wasteopt.bench.instances import CflpInstance, beasley_pmedian_graph, cflp_problem, pmedian_problem
from wasteopt.milp import MilpStatus, solve_milp
from wasteopt.siting import solve_problem
from wasteopt.siting.problem import Objective
from wasteopt.siting.radius import interchange, plan_cost, pmedian_of, radius_model, solve_radius

LINE = np.asarray([0.0, 1.0, 2.0, 10.0, 11.0, 13.0])  # six towns on a road, km


def line_problem(p: int):
    return pmedian_problem(np.abs(LINE[:, None] - LINE[None, :]), p)


def brute_force(cost: np.ndarray, p: int) -> float:
    return min(plan_cost(cost, np.isin(np.arange(cost.shape[1]), chosen))
               for chosen in itertools.combinations(range(cost.shape[1]), p))


def random_points(n: int, seed: int) -> np.ndarray:
    xy = np.random.default_rng(seed).uniform(0, 100, size=(n, 2))
    return np.round(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)), 1)


@pytest.mark.parametrize(("p", "optimum"), [(1, 31.0), (2, 5.0), (3, 3.0)])
def test_radius_finds_the_hand_checked_optimum(p, optimum):
    # p=1: a median at 2 or 10 km (31 km in all); p=2: at 1 and 11 (1+0+1 + 1+0+2); p=3: {1, 10|11, 13}
    solution = solve_problem(line_problem(p), time_limit=20)
    assert "radius formulation" in solution.result.message
    assert solution.result.status == MilpStatus.OPTIMAL
    assert solution.objective == pytest.approx(optimum)
    assert solution.result.best_bound <= optimum + 1e-9
    assert int(solution.sites["opened"].sum()) == p
    assert solution.flows["tonnes_per_day"].sum() == pytest.approx(6.0)  # every town served whole


def test_radius_and_classic_formulations_agree():
    distances = random_points(14, seed=3)
    for p in (2, 4):
        radius = solve_problem(pmedian_problem(distances, p), time_limit=20)
        classic = solve_problem(pmedian_problem(distances, p), time_limit=20, search=None)
        assert "radius" in radius.result.message and "radius" not in classic.result.message
        assert radius.result.status == classic.result.status == MilpStatus.OPTIMAL
        assert radius.objective == pytest.approx(classic.objective)
        assert radius.objective == pytest.approx(brute_force(distances, p))


def test_every_level_subset_gives_a_bound_below_the_optimum():
    distances = random_points(12, seed=5)
    problem = pmedian_problem(distances, 3)
    pm = pmedian_of(problem)
    optimum = brute_force(distances, 3)
    rng = np.random.default_rng(0)
    for _ in range(5):  # the least cost of each client and a random few of its other costs
        levels = [np.unique(np.r_[row.min(), rng.choice(row, size=3)]) for row in pm.cost]
        for integer in (False, True):
            model, _ = radius_model(pm.cost, pm, levels, integer=integer)
            result = solve_milp(model, time_limit=20, rel_gap=1e-9)
            assert result.best_bound <= optimum + 1e-6
    all_levels = [np.unique(row) for row in pm.cost]  # every level: the exact p-median
    model, _ = radius_model(pm.cost, pm, all_levels, integer=True)
    assert solve_milp(model, time_limit=20, rel_gap=1e-9).objective == pytest.approx(optimum)


def test_weighted_clients_and_an_existing_site():
    # weights 1..6 on the line; the 13 km town is an existing plant (always open), p = 2 in all
    problem = line_problem(2)
    problem = dataclasses.replace(problem, demand=problem.demand * np.arange(1, 7)[:, None],
                                  sites=problem.sites.assign(is_new=[True] * 5 + [False]))
    solution = solve_problem(problem, time_limit=20)
    classic = solve_problem(problem, time_limit=20, search=None)
    # the second median serves 0,1,2 km (weights 1,2,3): at 1 km (1+0+3 = 4) or 2 km (2+2+0 = 4);
    # 10 and 11 km go to 13 km (4·3 + 5·2 = 22) → 26
    assert solution.objective == pytest.approx(26.0) == classic.objective
    assert bool(solution.sites.loc["v6", "opened"]) or solution.flows["destination"].eq("v6").any()


def test_the_plan_serves_every_client_whole_from_its_nearest_open_site():
    distances = random_points(10, seed=9)
    solution = solve_problem(pmedian_problem(distances, 3), time_limit=20)
    flows, opened = solution.flows, solution.sites.index[solution.sites["opened"]]
    assert len(opened) == 3 and sorted(flows["origin"]) == sorted(f"v{k + 1}" for k in range(10))
    assert set(flows["destination"]) <= set(opened) and np.allclose(flows["tonnes_per_day"], 1.0)
    columns = [int(site[1:]) - 1 for site in opened]
    nearest = distances[:, columns].min(axis=1)
    assert np.allclose(flows.set_index("origin")["km"].sort_index(key=lambda o: o.str[1:].astype(int)), nearest)
    assert solution.objective == pytest.approx(nearest.sum()) == pytest.approx(brute_force(distances, 3))
    assert solution.sites.loc[opened, "throughput_tpd"].sum() == pytest.approx(10.0)


def test_interchange_leaves_no_improving_swap():
    cost = random_points(15, seed=11)
    is_open = interchange(cost, np.zeros(15, bool), np.ones(15, bool), 4, deadline=float("inf"))
    value = plan_cost(cost, is_open)
    for out in np.flatnonzero(is_open):
        for into in np.flatnonzero(~is_open):
            swapped = is_open.copy()
            swapped[[out, into]] = [False, True]
            assert plan_cost(cost, swapped) >= value - 1e-9


def test_only_pure_p_medians_take_the_radius_path():
    instance = CflpInstance(np.asarray([5.0, 5.0]), np.asarray([1.0, 1.0]), np.asarray([2.0, 3.0]),
                            np.asarray([[1.0, 2.0], [2.0, 1.0]]))
    cflp = cflp_problem(instance)
    assert pmedian_of(cflp) is None  # min_cost, capacitated
    problem = line_problem(2)
    assert pmedian_of(problem) is not None
    too_many_fixed = dataclasses.replace(problem, sites=problem.sites.assign(is_new=False))
    assert pmedian_of(too_many_fixed) is None  # 6 existing > p: the classic model says so


def test_beasley_graphs_are_connected_seeded_and_sized_like_orlib():
    first = beasley_pmedian_graph(100, seed=1)
    assert first.shape == (100, 100) and np.isfinite(first).all() and np.allclose(first, first.T)
    assert np.array_equal(first, beasley_pmedian_graph(100, seed=1))
    assert not np.array_equal(first, beasley_pmedian_graph(100, seed=2))
    off = first[~np.eye(100, dtype=bool)]
    assert off.min() >= 1 and np.all(off == np.round(off))


def covering_problem(kind: str, p: int | None, radius_km: float):
    problem = line_problem(p or 1)
    return dataclasses.replace(problem, objective=Objective(kind=kind, p=p, radius_km=radius_km))


@pytest.mark.parametrize(("kind", "p", "radius_km", "optimum"), [
    ("set_cover", None, 1.0, 3.0),       # {1, 10|11, 13}: 0–2 km from 1, 10–11 km, 13 km alone
    ("set_cover", None, 2.0, 2.0),       # {1, 11}
    ("max_coverage", 1, 1.0, 3.0),       # 1 km covers 0, 1, 2: 3 towns uncovered
    ("max_coverage", 2, 1.5, 1.0),       # {1, 10|11}: 13 km stays uncovered
])
def test_covering_path_finds_the_hand_checked_optimum_as_the_classic_model_does(kind, p, radius_km, optimum):
    problem = covering_problem(kind, p, radius_km)
    solution = solve_problem(problem, time_limit=20)
    classic = solve_problem(problem, time_limit=20, search=None)
    assert "covering formulation" in solution.result.message and "covering" not in classic.result.message
    assert solution.result.status == classic.result.status == MilpStatus.OPTIMAL
    assert solution.objective == pytest.approx(optimum) == classic.objective
    assert solution.result.best_bound <= optimum + 1e-9
    assert (solution.flows["km"] <= radius_km).all()
    assert solution.unserved["tonnes_per_day"].sum() == pytest.approx(optimum if kind == "max_coverage" else 0.0)


def test_a_set_cover_no_site_can_meet_goes_to_the_classic_model():
    problem = covering_problem("set_cover", None, 1.0)
    problem = dataclasses.replace(problem, sites=problem.sites.assign(lock=[""] * 5 + ["closed"]))  # 13 km: nobody
    assert pmedian_of(problem) is None


def test_bounds_off_keeps_a_pure_p_median_on_plain_highs():
    # `solver.bounds: off` is plain HiGHS on the classic model, search or not (it used to take the radius path)
    default = solve_problem(line_problem(2), time_limit=20)
    plain = solve_problem(line_problem(2), time_limit=20, bounds="off")
    assert "radius formulation" in default.result.message
    assert plain.result.message.startswith("HiGHS") and "radius" not in plain.result.message
    assert plain.result.status == default.result.status == MilpStatus.OPTIMAL
    assert plain.objective == pytest.approx(5.0) == default.objective


def test_pmedian_methods_side_by_side_on_the_line():
    from wasteopt.commands.bench_methods import PMEDIAN_METHODS, compare_methods
    out = io.StringIO()
    distances = np.abs(LINE[:, None] - LINE[None, :])
    summary = compare_methods([("line", lambda: (distances, 2), 5.0)], ("radius", "plain"), time_limit=20, out=out,
                              table=PMEDIAN_METHODS, family="pmedian")
    header, row = out.getvalue().splitlines()
    fields = dict(zip(header.split(","), row.split(",")))
    assert fields["radius_objective"] == fields["plain_objective"] == "5.000"
    assert float(fields["radius_bound"]) <= 5.0 + 1e-9 and float(fields["plain_bound"]) <= 5.0 + 1e-9
    assert summary.startswith("# pmedian methods: radius") and "proven 1/1" in summary


def test_bench_pmedian_method_runs_both_on_pmed1_and_names_the_methods_it_knows(capsys):
    from pathlib import Path
    from wasteopt.cli import main
    optima = Path(__file__).resolve().parents[1] / "bench" / "data" / "orlib_pmed" / "optima.csv"
    assert main(["bench", "pmedian", "--optima", str(optima), "--only", "pmed1", "--method", "radius,plain",
                 "--time-limit", "30"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    fields = dict(zip(header.split(","), row.split(",")))
    assert fields["best_known"] == fields["radius_objective"] == fields["plain_objective"] == "5819.000"
    assert main(["bench", "pmedian", "--optima", str(optima), "--only", "pmed1", "--method", "radius,benders"]) == 1
    assert "--method takes a comma-separated list of radius, plain" in capsys.readouterr().err
