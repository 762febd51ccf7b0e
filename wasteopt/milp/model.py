"""A sparse linear model in matrix form, built from coordinate triplets.

Models are built as numpy blocks, never as one Python object per term, so township-scale
models (10^6 non-zeros) build in seconds.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

INF = math.inf


class LinearModel:
    """Minimise ``cost·x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``lb <= x <= ub``, some x integer."""

    def __init__(self) -> None:
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._integer: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._row_lb: list[np.ndarray] = []
        self._row_ub: list[np.ndarray] = []
        self._extra_cost: list[tuple[np.ndarray, np.ndarray]] = []
        self.num_vars = 0
        self.num_rows = 0
        self.offset = 0.0

    def add_vars(self, n: int, *, lb=0.0, ub=INF, cost=0.0, integer: bool = False) -> np.ndarray:
        """Add ``n`` variables; bounds and costs are scalars or arrays. Returns their indices."""
        idx = np.arange(self.num_vars, self.num_vars + n)
        self._lb.append(np.broadcast_to(np.asarray(lb, float), n).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, float), n).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, float), n).copy())
        self._integer.append(np.full(n, integer))
        self.num_vars += n
        return idx

    def add_cost(self, cols, values) -> None:
        """Add ``values`` to the objective coefficients of existing variables ``cols``."""
        self._extra_cost.append((np.asarray(cols, dtype=np.int64), np.broadcast_to(np.asarray(values, float), np.shape(cols))))

    def add_rows(self, entry_rows, cols, vals, lb, ub, n_rows: int | None = None) -> np.ndarray:
        """Add a block of rows; entry ``e`` puts ``vals[e]`` at (block row ``entry_rows[e]``, ``cols[e]``)."""
        entry_rows = np.asarray(entry_rows, dtype=np.int64)
        if n_rows is None:
            n_rows = int(entry_rows.max()) + 1 if entry_rows.size else 0
        rows = np.arange(self.num_rows, self.num_rows + n_rows)
        self._rows.append(entry_rows + self.num_rows)
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._vals.append(np.broadcast_to(np.asarray(vals, float), entry_rows.shape).copy())
        self._row_lb.append(np.broadcast_to(np.asarray(lb, float), n_rows).copy())
        self._row_ub.append(np.broadcast_to(np.asarray(ub, float), n_rows).copy())
        self.num_rows += n_rows
        return rows

    def add_row(self, cols, vals, lb=-INF, ub=INF) -> int:
        cols = np.asarray(cols, dtype=np.int64)
        return int(self.add_rows(np.zeros(cols.size, dtype=np.int64), cols, vals, lb, ub, n_rows=1)[0])

    def arrays(self):
        """(cost, lb, ub, integer, A as CSC, row_lb, row_ub)."""
        def cat(parts, dtype=float):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        a = sp.csc_matrix(
            (cat(self._vals), (cat(self._rows, np.int64), cat(self._cols, np.int64))),
            shape=(self.num_rows, self.num_vars),
        )
        a.sum_duplicates()
        return (self.cost_vector(), cat(self._lb), cat(self._ub), cat(self._integer, bool),
                a, cat(self._row_lb), cat(self._row_ub))

    def cost_vector(self) -> np.ndarray:
        """The objective coefficient of every column."""
        cost = np.concatenate(self._cost).astype(float) if self._cost else np.zeros(0)
        for cols, values in self._extra_cost:
            np.add.at(cost, cols, values)
        return cost

    def take_cost(self, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Remove the objective coefficients of columns ``first``..``end`` and return them (columns with a
        non-zero cost, and those costs), e.g. to bound that part of the cost by a row instead."""
        cost = self.cost_vector()
        cols = np.arange(first, end)[cost[first:end] != 0]
        taken = cost[cols].copy()
        cost[first:end] = 0.0
        self._cost, self._extra_cost = [cost], []
        return cols, taken

    def fixed(self, cols, values) -> LinearModel:
        """A copy with columns ``cols`` fixed at ``values``; this model is left as it is."""
        return self.with_bounds(cols, lb=values, ub=values)

    def with_bounds(self, cols, *, lb=None, ub=None) -> LinearModel:
        """A copy with new lower and/or upper bounds on columns ``cols``; this model is left as it is."""
        other = LinearModel()
        other.__dict__.update({key: list(value) if isinstance(value, list) else value
                               for key, value in self.__dict__.items()})
        lower, upper = np.concatenate(self._lb), np.concatenate(self._ub)
        if lb is not None:
            lower[cols] = lb
        if ub is not None:
            upper[cols] = ub
        other._lb, other._ub = [lower], [upper]
        return other

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lb, ub) of every column (without building the matrix)."""
        return np.concatenate(self._lb), np.concatenate(self._ub)

    @property
    def integer_columns(self) -> np.ndarray:
        """Indices of the integer variables (without building the matrix)."""
        return np.flatnonzero(np.concatenate(self._integer)) if self._integer else np.zeros(0, dtype=np.int64)
