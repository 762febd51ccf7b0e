"""Benders decomposition for the CFLP: exact optima on tiny instances, valid cuts and bounds, a plan at any
limit; the Cornuéjols-style generator: seeded and at its capacity ratio."""
from __future__ import annotations

import dataclasses
import io
import itertools
from pathlib import Path

import numpy as np
import pytest

from wasteopt.commands.bench_methods import compare_methods
from wasteopt.config.errors import OutputError
from wasteopt.bench.instances import cap_text, cflp_problem, cornuejols_cflp, read_orlib_cap, write_orlib_cap
from wasteopt.siting import solve_problem
from wasteopt.siting.bounds.benders import TransportSubproblem, benders_cflp

CAP = Path(__file__).resolve().parents[1] / "bench" / "data" / "orlib_cap"
CAP41_OPTIMUM = 1040444.375            # OR-Library capopt
GENERATED_6X20_OPTIMUM = 4262.3774340579685   # cornuejols_cflp(6, 20, 3, seed=2), plain HiGHS at gap 0
GENERATED_8X30_OPTIMUM = 5444.645604262672    # cornuejols_cflp(8, 30, 5, seed=3), plain HiGHS at gap 0


def _benders(instance, **kwargs):
    return benders_cflp(instance.fixed_cost, instance.capacity, instance.demand, instance.cost, **kwargs)


@pytest.mark.parametrize("shape, optimum", [((6, 20, 3.0, 2), GENERATED_6X20_OPTIMUM),
                                            ((8, 30, 5.0, 3), GENERATED_8X30_OPTIMUM)])
def test_benders_optimum_is_the_plain_milp_optimum(shape, optimum):
    instance = cornuejols_cflp(*shape)
    plain = solve_problem(cflp_problem(instance), time_limit=60, rel_gap=0.0, search=None, bounds="off")
    assert plain.objective == pytest.approx(optimum, rel=1e-9)
    result = _benders(instance, time_limit=60, rel_gap=1e-9)
    assert result.objective == pytest.approx(optimum, rel=1e-9)
    assert result.bound <= optimum * (1 + 1e-9)
    assert result.gap <= 1e-9
    # the plan is the one priced: its fixed costs plus its flows' costs, every customer served, capacities kept
    flows = result.flows
    assert np.allclose(flows.sum(axis=0), 1.0)
    assert np.all(flows[~result.open_sites] <= 1e-9)
    assert np.all(flows @ instance.demand <= instance.capacity * result.open_sites + 1e-6)
    assert instance.fixed_cost @ result.open_sites + (flows * instance.cost).sum() == pytest.approx(optimum, rel=1e-9)


def test_benders_reaches_the_published_optimum_of_cap41():
    result = _benders(read_orlib_cap(CAP / "cap41.txt"), time_limit=60, rel_gap=1e-7)
    assert result.objective == pytest.approx(CAP41_OPTIMUM, abs=1e-3)
    assert result.bound <= CAP41_OPTIMUM + 1e-3
    assert result.gap <= 1e-7


@pytest.mark.parametrize("limit", [1e-6, 0.05])
def test_a_plan_and_a_valid_bound_at_any_time_limit(limit):
    instance = cornuejols_cflp(8, 30, 5.0, 3)
    result = _benders(instance, time_limit=limit)
    assert result.objective >= GENERATED_8X30_OPTIMUM * (1 - 1e-9)
    assert result.bound <= GENERATED_8X30_OPTIMUM * (1 + 1e-9)
    assert instance.capacity @ result.open_sites >= instance.demand.sum()


def test_a_plan_at_once_on_a_large_instance():
    """The all-open plan is priced whatever the limit (a 60 × 600 transportation LP takes longer than 1 µs)."""
    instance = cornuejols_cflp(60, 600, 3.0, 1)
    result = _benders(instance, time_limit=1e-6)
    assert result.open_sites.all()
    assert result.bound <= result.objective
    assert np.allclose(result.flows.sum(axis=0), 1.0)


def test_every_cut_is_below_the_flow_cost_of_every_plan():
    """Cuts taken at fractional points (where the shortfall is penalised) never exceed any plan's flow cost."""
    instance = cornuejols_cflp(6, 20, 3.0, 2)
    subproblem = TransportSubproblem(instance.capacity, instance.demand, instance.cost)
    rng = np.random.default_rng(0)
    cuts = [subproblem.solve(rng.random(6), 10.0)[1] for _ in range(8)]
    checked = 0
    for plan in itertools.product((0.0, 1.0), repeat=6):
        y = np.asarray(plan)
        if instance.capacity @ y < instance.demand.sum():
            continue
        flow_cost = subproblem.solve(y, 10.0)[0]
        assert all(cut.at(y) <= flow_cost + 1e-6 * flow_cost for cut in cuts)
        checked += 1
    assert checked > 10


def test_generator_is_seeded_and_hits_the_capacity_ratio(tmp_path):
    for ratio in (3.0, 5.0, 10.0):
        instance = cornuejols_cflp(10, 50, ratio, seed=7)
        assert instance.capacity.sum() / instance.demand.sum() == pytest.approx(ratio, rel=1e-6)
        assert np.all((instance.demand >= 5) & (instance.demand <= 35))
    first = write_orlib_cap(cornuejols_cflp(10, 50, 5.0, seed=7), tmp_path / "a.txt")
    second = write_orlib_cap(cornuejols_cflp(10, 50, 5.0, seed=7), tmp_path / "b.txt")
    assert first.read_text() == second.read_text()
    assert cap_text(cornuejols_cflp(10, 50, 5.0, seed=8)) != first.read_text()
    back = read_orlib_cap(first)
    original = cornuejols_cflp(10, 50, 5.0, seed=7)
    assert np.array_equal(back.cost, original.cost) and np.array_equal(back.capacity, original.capacity)
    assert back.cost.shape == (10, 50)


def test_writing_keeps_an_identical_file_and_refuses_another(tmp_path):
    path = write_orlib_cap(cornuejols_cflp(5, 10, 3.0, seed=1), tmp_path / "g.txt")
    write_orlib_cap(cornuejols_cflp(5, 10, 3.0, seed=1), path)  # same text: kept
    with pytest.raises(OutputError, match="exists"):
        write_orlib_cap(cornuejols_cflp(5, 10, 3.0, seed=2), path)


def test_methods_side_by_side_on_cap41():
    out = io.StringIO()
    summary = compare_methods([("cap41", lambda: read_orlib_cap(CAP / "cap41.txt"), CAP41_OPTIMUM)],
                              ("benders", "plain"), time_limit=60, out=out)
    header, row = out.getvalue().splitlines()
    fields = dict(zip(header.split(","), row.split(",")))
    assert fields["best_known"] == fields["benders_objective"] == fields["plain_objective"] == "1040444.375"
    assert fields["benders_above_pct"] == fields["plain_above_pct"] == "0.0000"
    assert "benders" in summary and "proven 1/1" in summary and "plain/benders" in summary


def test_bench_cflp_gen_writes_its_instances_and_a_row_each(tmp_path, capsys):
    from wasteopt.cli import main

    folder = tmp_path / "generated"
    assert main(["bench", "cflp-gen", "--sizes", "6x20", "--ratios", "3,10", "--method", "benders,plain",
                 "--time-limit", "30", "--dir", str(folder)]) == 0
    captured = capsys.readouterr()
    rows = captured.out.splitlines()
    assert rows[0].startswith("instance,best_known,best_bound,benders_objective")
    assert [row.split(",")[0] for row in rows[1:]] == ["cj6x20r3s1", "cj6x20r10s1"]
    assert sorted(p.name for p in folder.iterdir()) == ["cj6x20r10s1.txt", "cj6x20r3s1.txt"]
    assert "proven 2/2" in captured.err and "plain/benders" in captured.err
    assert main(["bench", "cflp-gen", "--method", "simplex", "--dir", str(folder)]) != 0
    assert "--method takes" in capsys.readouterr().err


# --- the engine's Benders path (siting/bounds/cflp.py): large plain CFLPs go to Benders under bounds: auto

def test_the_engine_solves_a_large_plain_cflp_by_benders(monkeypatch):
    """Above BENDERS_MIN_ARCS (set to 0 here) a plain CFLP is solved by Benders: the model's optimum, a valid
    bound, and a plan read back as flows that serve every customer from open sites within capacity."""
    from test_bounds import SPLIT_8X24_OPTIMUM, split_cflp
    from wasteopt.siting import pipeline

    monkeypatch.setattr(pipeline, "BENDERS_MIN_ARCS", 0)
    problem = split_cflp()
    solution = solve_problem(problem, time_limit=60, rel_gap=1e-9, search=None)
    result = solution.result
    assert result.message.startswith("Benders decomposition")  # old code: "HiGHS: Optimal …"
    assert result.objective == pytest.approx(SPLIT_8X24_OPTIMUM, rel=1e-9)
    assert result.best_bound <= SPLIT_8X24_OPTIMUM * (1 + 1e-9) and result.status == "optimal"
    served = solution.flows.groupby("origin")["tonnes_per_day"].sum()
    assert np.allclose(served.reindex(problem.demand.index).to_numpy(), problem.demand["w"].to_numpy())
    opened = solution.sites.index[solution.sites["opened"].astype(bool)]
    assert set(solution.flows["destination"]) <= set(opened)
    assert (solution.flows.groupby("destination")["tonnes_per_day"].sum() <= 120.0 + 1e-6).all()
    # bounds: off stays plain HiGHS, whatever the size
    plain = solve_problem(problem, time_limit=60, rel_gap=1e-9, search=None, bounds="off").result
    assert plain.message == "HiGHS: Optimal" and plain.objective == pytest.approx(SPLIT_8X24_OPTIMUM, rel=1e-9)


def test_only_plain_cflps_take_the_benders_path():
    from test_bounds import split_cflp
    from test_search import line_of_three
    from test_time_limits import hard_cflp
    from wasteopt.siting.bounds.cflp import cflp_arrays
    from wasteopt.siting.formulation.model import build_milp

    def arrays(problem):
        return cflp_arrays(problem, *build_milp(problem))

    problem = split_cflp()
    cflp = arrays(problem)
    assert cflp is not None and cflp.cost.shape == (8, 24)
    assert np.allclose(cflp.capacity, 120.0) and np.allclose(cflp.fixed, 4e5)
    # cost of all of customer j from site i: its km × 365 days × its demand
    arcs = problem.arcs
    first = arcs[(arcs["origin"] == "c0") & (arcs["destination"] == "S0")]["km"].iloc[0]
    assert cflp.cost[0, 0] == pytest.approx(first * 365 * problem.demand.at["c0", "w"])
    assert arrays(hard_cflp(8, 24, seed=1)) is None                                    # single-sourced
    assert arrays(dataclasses.replace(problem, capacity_targets=(("plant", 500.0),))) is None  # a policy row
    assert arrays(dataclasses.replace(problem, arcs=problem.arcs.iloc[1:])) is None        # an arc missing
    assert arrays(line_of_three()) is None                                              # a landfill, modules
