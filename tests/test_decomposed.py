"""Decomposed siting: pieces by block, priced border rows, one plan and one bound (tiny exact instances)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from wasteopt.config.errors import ScenarioError
from wasteopt.siting import SitingProblem, Technology, solve_problem
from wasteopt.siting.decomposed import solve_decomposed
from wasteopt.siting.piece_runners import DaskRunner
from wasteopt.siting.pieces import DecompositionError, split_problem

BLOCKS = {"SA": "A", "SA2": "A", "SB": "B"}


def two_regions(m_to_sb: float = 30.0) -> SitingProblem:
    """Block A (sites SA, SA2; towns a1, a2), block B (site SB; towns b1, b2), town m reaching both.
    Optimum by hand: open SA and SB, m to SA: 2 × 300,000 fixed + 590·365 + 250·365 transport
    + 130 t/d × 50 CNY/t × 365 processing = 3,279,100 CNY/yr."""
    plant = Technology("incinerator", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1e5,),
                       site_annual_cost=2e5, cost_per_t=50.0)
    demand = pd.DataFrame({"msw": [30.0, 30.0, 20.0, 25.0, 25.0]}, index=["a1", "a2", "m", "b1", "b2"])
    sites = pd.DataFrame({"technology": "incinerator", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=["SA", "SA2", "SB"])
    arcs = pd.DataFrame([("a1", "SA", 5.0), ("a2", "SA", 8.0), ("m", "SA", 10.0), ("a1", "SA2", 1.0),
                         ("a2", "SA2", 40.0), ("m", "SA2", 12.0), ("m", "SB", m_to_sb), ("b1", "SB", 6.0),
                         ("b2", "SB", 4.0)], columns=["origin", "destination", "cost_per_t"]).assign(stream="msw")
    arcs["km"] = arcs["cost_per_t"]
    return SitingProblem(demand=demand, sites=sites, technologies={"incinerator": plant}, arcs=arcs)


def test_the_split_relaxes_only_the_border_town():
    pieces, relaxed = split_problem(two_regions(), BLOCKS)
    assert [p.block for p in pieces] == ["A", "B"]
    assert [list(p.problem.sites.index) for p in pieces] == [["SA", "SA2"], ["SB"]]
    assert [list(p.border.index) for p in pieces] == [[("m", "msw")], [("m", "msw")]]
    assert list(pieces[1].problem.demand.index) == ["m", "b1", "b2"]  # B sees only the towns reaching it
    assert relaxed == ("demand rows of 1 border node streams (priced)",)


def test_decomposed_plan_and_bound_match_the_single_solve():
    problem = two_regions()
    single = solve_problem(problem, rel_gap=1e-9, search=None)
    decomposed = solve_decomposed(problem, BLOCKS, rel_gap=1e-9, search=None)
    result = decomposed.solution.result
    assert single.objective == pytest.approx(3_279_100.0)
    assert result.objective == pytest.approx(3_279_100.0)
    assert decomposed.bound == pytest.approx(3_279_100.0, rel=1e-6)  # the priced pieces prove the optimum
    assert result.status == "optimal"
    opened = decomposed.solution.sites
    assert sorted(opened.index[opened["opened"]]) == ["SA", "SB"]
    assert len(decomposed.rounds) == 1  # λ = 60 CNY/t + 8.2 fixed: A serves m, B leaves it; the border row holds


def test_the_bound_stays_below_the_optimum_when_prices_start_wrong():
    """m almost as cheap from SB (61 CNY/t vs 60): the first price makes both pieces serve m, the bound is
    below the optimum and the rounds raise it, never above."""
    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    decomposed = solve_decomposed(problem, BLOCKS, rounds=4, rel_gap=1e-9, search=None, start_prices="plants")
    assert decomposed.solution.result.objective == pytest.approx(optimum)
    bounds = [r.bound for r in decomposed.rounds]
    assert bounds[0] == pytest.approx(3_226_400.0)  # the optimum + (61 − 68.22 CNY/t) × 20 t/d × 365
    assert all(b <= optimum * (1 + 1e-9) for b in bounds)
    assert max(bounds) > bounds[0]
    assert decomposed.bound == max(bounds)


def test_pricing_goes_on_while_the_bound_rises_and_reaches_the_optimum():
    """Same instance, no cap on the rounds that matters: the subgradient rounds (no longer stopped at 5) close the
    duality gap, the bound reaches the optimum and the rounds end when every border row holds."""
    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    decomposed = solve_decomposed(problem, BLOCKS, time_limit=600.0, rel_gap=1e-9, search=None,
                                  start_prices="plants")  # not cut by the clock
    bounds = [r.bound for r in decomposed.rounds]
    assert len(bounds) > 5
    assert all(b <= optimum * (1 + 1e-9) for b in bounds)
    assert decomposed.bound == pytest.approx(optimum, rel=1e-9)
    assert decomposed.solution.result.status == "optimal"


def test_prices_from_the_lp_relaxation_prove_the_optimum_in_the_first_round():
    """The same instance from the LP relaxation's demand dual of m (≈ 60.9 CNY/t, between SA's 60 and SB's 61):
    the first round's bound is at least the LP bound (here the optimum itself), where the plants' prices needed
    more than five rounds."""
    from wasteopt.siting.pieces import relaxation_prices

    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    pieces, _ = split_problem(problem, BLOCKS)
    price = relaxation_prices(problem, pieces[0].border.index, 10.0)
    assert 60.0 <= price[("m", "msw")] <= 61.0 + 1e-6
    decomposed = solve_decomposed(problem, BLOCKS, time_limit=600.0, rel_gap=1e-9, search=None, start_prices="whole")
    assert decomposed.rounds[0].bound == pytest.approx(optimum, rel=1e-6)
    assert decomposed.bound <= optimum * (1 + 1e-9)
    assert decomposed.solution.result.objective == pytest.approx(optimum)


def test_pricing_stops_when_the_bound_stalls():
    from wasteopt.siting.decomposed import STALL_ROUNDS, stalled
    from wasteopt.siting.pieces import Round

    rising = [Round((), 100.0 + k) for k in range(STALL_ROUNDS + 1)]
    flat = [Round((), 100.0)] + [Round((), 100.0 + 1e-3 * k) for k in range(STALL_ROUNDS)]
    assert not stalled(rising) and stalled(flat)
    assert not stalled(flat[:STALL_ROUNDS])  # too few rounds to judge


def test_each_piece_gets_time_in_proportion_to_its_arcs():
    from wasteopt.siting.decomposed import piece_limits

    pieces, _ = split_problem(two_regions(), BLOCKS)  # A: 6 arcs, B: 3 arcs
    assert piece_limits(pieces, 1, 9.0) == pytest.approx([6.0, 3.0])
    assert piece_limits(pieces, 2, 9.0) == pytest.approx([9.0, 6.0])  # none above the round's wall time


def test_pieces_run_on_a_local_dask_cluster():
    problem = two_regions()
    lines: list[str] = []
    with DaskRunner(workers=2, processes=False) as runner:
        decomposed = solve_decomposed(problem, BLOCKS, rel_gap=1e-9, search=None, runner=runner,
                                      on_progress=lines.append)
    assert decomposed.solution.result.objective == pytest.approx(3_279_100.0)
    assert decomposed.bound == pytest.approx(3_279_100.0, rel=1e-6)
    assert sorted(o.block for o in decomposed.rounds[0].outcomes) == ["A", "B"]
    assert any("2/2 done" in line for line in lines)
    assert lines[-1].startswith("plan 327.9 万元/yr, bound 327.9 万元/yr")


def test_bad_splits_are_one_line_errors():
    with pytest.raises(DecompositionError, match="1 sites have no block, e.g. SB"):
        split_problem(two_regions(), {"SA": "A", "SA2": "A"})
    with pytest.raises(DecompositionError, match="min_cost"):
        from wasteopt.siting import Objective
        split_problem(dataclasses.replace(two_regions(), objective=Objective("p_median", p=2)), BLOCKS)
    with pytest.raises(ScenarioError, match="cannot reach the Dask scheduler"):
        with DaskRunner(scheduler="tcp://127.0.0.1:1"):
            pass


def test_the_national_generator_is_seeded_and_fills_every_block():
    from wasteopt.bench.national import generate_national
    from wasteopt.config.loader import load_scenario

    scenario = load_scenario("configs/henan-2025-zero-landfill.yaml")
    first = generate_national(scenario, 400, 62, seed=3)
    again = generate_national(scenario, 400, 62, seed=3)
    problem = first.problem
    assert (len(problem.demand), len(problem.sites)) == (400, 62)
    assert sorted(set(first.site_block.values())) == [f"P{b:02d}" for b in range(1, 32)]
    pd.testing.assert_frame_equal(problem.arcs, again.problem.arcs)
    assert problem.demand.equals(again.problem.demand)
    assert not problem.demand.equals(generate_national(scenario, 400, 62, seed=4).problem.demand)
    pieces, relaxed = split_problem(problem, first.site_block)
    assert len(pieces) == 31 and relaxed[0].startswith("demand rows of")


def test_a_piece_without_a_bound_falls_back_to_its_floor():
    """Piece A at λ = 70 CNY/t: a1 at 51 (SA2), a2 at 58, m at 60 CNY/t → (30·51 + 30·58 + 20·60) × 365 =
    1,631,550 CNY/yr, below its optimum: SA alone, (30·55 + 30·58 + 20·60) × 365 + 300,000 = 1,975,350."""
    from wasteopt.siting.decomposed import solve_piece
    from wasteopt.siting.pieces import piece_floor

    pieces, _ = split_problem(two_regions(), BLOCKS)
    prices = pd.Series([70.0], index=pieces[0].border.index)
    assert piece_floor(pieces[0], prices) == pytest.approx(1_631_550.0)
    outcome = solve_piece(pieces[0], prices, dict(rel_gap=1e-9, search=None))
    assert outcome.bound == pytest.approx(1_975_350.0, rel=1e-6)
    assert not outcome.floored  # HiGHS proved its own bound; the floor stands in only when it has none


def test_the_repair_keeps_every_town_reachable():
    from wasteopt.siting.decomposed import repair_sites

    assert repair_sites(two_regions(), {"SA"}) == {"SA", "SB"}  # b1, b2 reach SB only: their cheapest arc
    assert repair_sites(two_regions(), set()) == {"SA2", "SA", "SB"}  # a1 → SA2 (1 CNY/t), a2 → SA, m → SA


def test_a_scenario_decomposes_by_prefecture_on_a_cluster_given_by_address(root, tmp_path):
    """Two real prefectures (商丘, 周口), zero landfill, no province-wide targets: the pieces run on a LocalCluster
    reached through solver.scheduler; the plan is feasible for the whole model and the bound is below it."""
    from distributed import LocalCluster

    from wasteopt.config.loader import load_scenario
    from wasteopt.siting import solve_scenario
    from wasteopt.siting.decomposed import solve_scenario_decomposed
    from wasteopt.bench.synthetic import write_seed_subset

    seeds = write_seed_subset(root / "seeds" / "henan", tmp_path / "seeds", {"411400", "411600"})
    scenario = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml").with_changes({
        "region": {"seeds": str(seeds)}, "solver": {"time_limit_s": 30, "search": False},
        "policy": {"province_capacity_target_tpd": None, "new_plants": {"min": None}}})
    single = solve_scenario(scenario)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        decomposed = scenario.with_changes({"solver": {"decompose": "prefecture", "scheduler": cluster.scheduler_address}})
        plan = solve_scenario_decomposed(decomposed)
    assert plan.best_bound <= single.objective * (1 + 1e-6)
    assert plan.objective >= single.best_bound * (1 - 1e-6)
    assert plan.gap == pytest.approx((plan.objective - plan.best_bound) / plan.objective)
    assert plan.facilities["prefecture_adcode"].nunique() == 2
    assert (plan.demand["served_by"].notna()).all()


def test_the_projection_schedules_each_round_longest_first():
    from wasteopt.commands.decomposed import projected_seconds

    assert projected_seconds([[3.0, 2.0, 2.0, 1.0], [5.0]], 2) == 9.0  # {3, 1} ∥ {2, 2}, then the repair alone
    assert projected_seconds([[3.0, 2.0, 2.0, 1.0], [5.0]], 32) == 8.0
    assert projected_seconds([[3.0, 2.0, 2.0, 1.0], [5.0]], 1) == 13.0


def test_each_border_town_goes_whole_to_the_piece_that_served_it():
    from wasteopt.siting.decomposed import solve_piece
    from wasteopt.siting.pieces import Round, assigned_pieces

    pieces, _ = split_problem(two_regions(), BLOCKS)
    prices = pd.Series([68.0], index=pieces[0].border.index)  # A serves m (60 CNY/t), B leaves it (80)
    guide = Round(tuple(solve_piece(p, prices, dict(rel_gap=1e-9, search=None)) for p in pieces), None)
    whole = assigned_pieces(pieces, guide)
    assert [p.problem.demand.at["m", "msw"] for p in whole] == [20.0, 0.0]
    assert [list(p.border.index) for p in whole] == [[("m", "msw")], []]  # A may still leave m, at a high price


def test_a_piece_that_ended_without_a_plan_owns_no_border_town():
    """A piece stopped before its first plan reports nothing left to export: it did not serve m all the same, so m
    goes to the piece that did."""
    from wasteopt.siting.pieces import PieceOutcome, Round, assigned_pieces

    pieces, _ = split_problem(two_regions(), BLOCKS)
    border = pieces[0].border.index
    guide = Round((PieceOutcome("A", "no_plan", None, 1.0, pd.Series([0.0], index=border), (), pd.DataFrame(), 0.0,
                                0.0, floored=True),
                   PieceOutcome("B", "time_limit", 5.0, 1.0, pd.Series([8.0], index=border), (), pd.DataFrame(), 0.0,
                                0.0)), None)
    assert [p.problem.demand.at["m", "msw"] for p in assigned_pieces(pieces, guide)] == [0.0, 20.0]


def test_a_whole_piece_keeps_only_the_sites_its_lp_relaxation_uses():
    """SA3 is reached only at 100 CNY/t; the LP relaxation builds only SA, so the restricted solve (the round of
    whole pieces) closes SA2 and SA3, and piece A's plan is the one it has on all its sites."""
    from wasteopt.siting.decomposed import solve_piece
    from wasteopt.siting.pieces import priced_problem, relaxation_sites

    base = two_regions()
    far = pd.DataFrame([("a1", "SA3", 100.0), ("a2", "SA3", 100.0)], columns=["origin", "destination", "cost_per_t"])
    sites = pd.concat([base.sites, base.sites.loc[["SA"]].rename(index={"SA": "SA3"})])
    problem = dataclasses.replace(base, sites=sites,
                                  arcs=pd.concat([base.arcs, far.assign(stream="msw", km=100.0)], ignore_index=True))
    pieces, _ = split_problem(problem, {**BLOCKS, "SA3": "A"})
    prices = pd.Series([68.0], index=pieces[0].border.index)
    assert relaxation_sites(priced_problem(pieces[0], prices), 10.0) == {"SA"}
    options = dict(rel_gap=1e-9, search=None, time_limit=10.0)
    full = solve_piece(pieces[0], prices, options)
    restricted = solve_piece(pieces[0], prices, {**options, "restricted": True})
    assert restricted.objective == pytest.approx(full.objective) and restricted.opened == full.opened == ("SA",)


def test_a_priced_piece_starts_from_the_greedy_plan_with_its_export_left_to_the_routing():
    """The greedy applies to capacitated sites only; a priced piece's export site is not one, so without
    ``greedy_first`` HiGHS starts with no plan. With it, the greedy plan serves m at SA and HiGHS proves it optimal."""
    from wasteopt.siting.pieces import priced_problem

    pieces, _ = split_problem(two_regions(), BLOCKS)
    priced = priced_problem(pieces[0], pd.Series([68.0], index=pieces[0].border.index))
    plain = solve_problem(priced, rel_gap=1e-9, search=None)
    started = solve_problem(priced, rel_gap=1e-9, search=None, greedy_first=True)
    assert "greedy first plan" not in plain.result.message and "greedy first plan" in started.result.message
    assert started.objective == pytest.approx(plain.objective)


def test_a_finished_repair_above_the_gap_asked_ended_early_not_by_the_clock():
    """The pieces' bound leaves a 10 % gap: a repair that finished says the method ended early; a repair stopped by
    its time limit says time_limit; within the gap asked it is gap_reached either way."""
    import numpy as np

    from wasteopt.config.status import MilpStatus
    from wasteopt.milp import MilpResult
    from wasteopt.siting.decomposed import _global_result

    def repaired(status):
        return MilpResult(status, 110.0, 110.0, 0.0, 5.0, "highs", x=np.zeros(1))

    assert _global_result(repaired(MilpStatus.OPTIMAL), 99.0, 0.01, 6.0).status == MilpStatus.ENDED_EARLY
    assert _global_result(repaired(MilpStatus.TIME_LIMIT), 99.0, 0.01, 6.0).status == MilpStatus.TIME_LIMIT
    assert _global_result(repaired(MilpStatus.OPTIMAL), 99.0, 0.2, 6.0).status == MilpStatus.GAP_REACHED


def test_a_whole_piece_without_a_plan_leaves_the_repair_to_complete_it():
    """Plants must run at 65 t/d or more: A alone has 60 t/d, B 50, so m must be split (≥ 5 t/d to SA, ≥ 15 to SB).
    Giving m whole to one piece leaves the other below its plant's minimum load: that whole piece is infeasible.
    The repair starts from the other piece's plan and finds the optimum."""
    base = two_regions()
    plant = dataclasses.replace(base.technologies["incinerator"], min_load_share=0.65)
    problem = dataclasses.replace(base, technologies={"incinerator": plant})
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    lines: list[str] = []
    decomposed = solve_decomposed(problem, BLOCKS, rel_gap=1e-9, search=None, on_progress=lines.append)
    assert sorted(o.status for o in decomposed.whole) == ["infeasible", "optimal"]
    assert any("1/2 pieces" in line for line in lines)
    assert decomposed.solution.result.objective == pytest.approx(optimum)
    assert decomposed.bound <= optimum * (1 + 1e-9)


def test_a_whole_piece_leaves_a_border_town_it_cannot_serve_to_the_repair():
    """m (20 t/d) reaches SA (block A) and SB (block B); b1 (70 t/d) only SB; plants must run at 65 t/d or more.
    If the best round says A served m, A owns m in the round of whole pieces, but SA cannot run on 20 t/d: A leaves
    m at the penalty price instead of ending without a plan, and the repair serves m from SB."""
    from wasteopt.siting.decomposed import EXPORT_PENALTY, solve_piece
    from wasteopt.siting.pieces import PieceOutcome, Round, assigned_pieces

    plant = Technology("incinerator", ("msw",), module_sizes_tpd=(100.0,), module_annual_cost=(1e5,),
                       site_annual_cost=2e5, cost_per_t=50.0, min_load_share=0.65)
    problem = SitingProblem(
        demand=pd.DataFrame({"msw": [20.0, 70.0]}, index=["m", "b1"]),
        sites=pd.DataFrame({"technology": "incinerator", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                            "is_new": True, "lock": ""}, index=["SA", "SB"]),
        technologies={"incinerator": plant},
        arcs=pd.DataFrame([("m", "SA", 10.0), ("m", "SB", 30.0), ("b1", "SB", 5.0)],
                          columns=["origin", "destination", "cost_per_t"]).assign(stream="msw", km=1.0))
    blocks = {"SA": "A", "SB": "B"}
    pieces, _ = split_problem(problem, blocks)
    border = pieces[0].border.index
    guide = Round(tuple(PieceOutcome(block, "optimal", 0.0, 0.0, pd.Series([left], index=border), (), pd.DataFrame(),
                                     0.0, 0.0) for block, left in (("A", 0.0), ("B", 20.0))), None)
    whole = assigned_pieces(pieces, guide)
    outcome = solve_piece(whole[0], EXPORT_PENALTY * pd.Series([60.0], index=border), dict(rel_gap=1e-9, search=None))
    assert outcome.status == "optimal" and outcome.opened == ()
    assert outcome.exported.to_dict() == {("m", "msw"): 20.0}
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    assert optimum == pytest.approx(3e5 + (20 * 30.0 + 70 * 5.0 + 90 * 50.0) * 365)
    assert solve_decomposed(problem, blocks, rel_gap=1e-9, search=None).solution.result.objective == \
        pytest.approx(optimum)


def test_bracketed_prices_bisect_each_border_pair_alone():
    """Left by every piece (step > 0): λ rises, to the middle once it has an upper end; served twice (step < 0):
    λ falls; met exactly: λ stays."""
    import numpy as np

    from wasteopt.siting.pieces import GROWTH, bracketed_prices

    pairs = pd.MultiIndex.from_tuples([("p", "msw"), ("q", "msw"), ("r", "msw"), ("s", "msw")])
    prices = pd.Series([100.0, 100.0, 100.0, 100.0], index=pairs)
    step = pd.Series([5.0, -5.0, 0.0, 5.0], index=pairs)
    demand = pd.Series(10.0, index=pairs)
    low = pd.Series(-np.inf, index=pairs)
    high = pd.Series([np.inf, np.inf, np.inf, 120.0], index=pairs)
    moved, low, high = bracketed_prices(prices, step, demand, low, high)
    assert list(moved) == pytest.approx([100.0 * GROWTH, 100.0 / GROWTH, 100.0, 110.0])
    assert list(low) == [100.0, -np.inf, -np.inf, 100.0]
    assert list(high) == [np.inf, 100.0, np.inf, 120.0]


def test_relaxed_rounds_find_prices_that_prove_the_optimum():
    """From the plants' price (68.2 CNY/t, both pieces serve m) the rounds on the pieces' LP relaxations bisect
    m's price into [60, 61] CNY/t (SA's and SB's cost for m): their bound is the optimum, never above it."""
    from wasteopt.siting.decomposed import relaxed_pricing
    from wasteopt.siting.piece_runners import LocalRunner
    from wasteopt.siting.pieces import first_prices

    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    pieces, _ = split_problem(problem, BLOCKS)
    said: list[str] = []
    prices, bound, rounds = relaxed_pricing(pieces, first_prices(problem, pieces), LocalRunner(), 60.0,
                                            days=problem.days_per_year, say=said.append)
    assert 60.0 <= prices[("m", "msw")] <= 61.0
    assert bound == pytest.approx(optimum, rel=1e-9)
    assert max(r.bound for r in rounds) == bound and len(said) == len(rounds) > 1
    assert said[0].startswith("relaxed round 1: bound 322.6")  # below the optimum at first


def test_a_decomposed_solve_from_the_relaxed_rounds_prices_proves_the_optimum():
    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    decomposed = solve_decomposed(problem, BLOCKS, time_limit=600.0, rel_gap=1e-9, search=None,
                                  start_prices="pieces")
    assert len(decomposed.relaxed_rounds) > 1 and decomposed.relaxation_seconds == 0.0
    assert decomposed.rounds[0].bound == pytest.approx(optimum, rel=1e-9)
    assert decomposed.solution.result.objective == pytest.approx(optimum)
    with pytest.raises(ScenarioError, match="start_prices"):
        solve_decomposed(problem, BLOCKS, start_prices="guess")


def test_a_whole_lp_relaxation_that_does_not_finish_falls_back_on_the_relaxed_rounds(monkeypatch):
    problem = two_regions(m_to_sb=11.0)
    optimum = solve_problem(problem, rel_gap=1e-9, search=None).objective
    monkeypatch.setattr("wasteopt.siting.decomposed.relaxation_prices", lambda *args: None)  # stopped by its limit
    said: list[str] = []
    decomposed = solve_decomposed(problem, BLOCKS, time_limit=600.0, rel_gap=1e-9, search=None, on_progress=said.append)
    assert said[0].startswith("first prices: the LP relaxation did not finish")
    assert len(decomposed.relaxed_rounds) > 1
    assert decomposed.solution.result.objective == pytest.approx(optimum)
    assert decomposed.bound == pytest.approx(optimum, rel=1e-9)
