"""Solver aids that must never change an optimum: the capacity cover row."""
import numpy as np
import pytest

from wasteopt.siting import FlowCap
from wasteopt.siting.model import build_milp, solve_problem
from tests.test_siting import line_of_three


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
