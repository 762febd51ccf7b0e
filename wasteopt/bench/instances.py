"""Readers for public facility-location benchmark files, as SitingProblems for our engine.

- OR-Library capacitated warehouse location (Beasley ``cap*``): multi-source CFLP.
- OR-Library p-median (``pmed*``): graph edges, all-pairs shortest paths.
- Generated CFLPs in the way of Cornuéjols, Sridharan & Thizy (1991), written as cap files.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from wasteopt.config.errors import DataError, OutputError
from wasteopt.siting.problem import Objective, SitingProblem, Technology


@dataclass(frozen=True)
class CflpInstance:
    """OR-Library CFLP data: ``cost[i, j]`` is the cost of serving ALL of customer j from site i."""

    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


def _tokens(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from None


def read_orlib_cap(path: str | Path, capacity: float | None = None) -> CflpInstance:
    """Parse a ``cap*`` file; ``capacity`` replaces the literal word 'capacity' (capa/capb/capc)."""
    path = Path(path)
    tokens = _tokens(path)
    try:
        m, n = int(tokens[0]), int(tokens[1])
        pos = 2
        cap, fixed = np.empty(m), np.empty(m)
        for i in range(m):
            word = tokens[pos]
            if word == "capacity":
                if capacity is None:
                    raise DataError(f"{path.name}: site capacities are the word 'capacity'; give --capacity/optima 'capacity'")
                cap[i] = capacity
            else:
                cap[i] = float(word)
            fixed[i] = float(tokens[pos + 1])
            pos += 2
        demand, cost = np.empty(n), np.empty((m, n))
        for j in range(n):
            demand[j] = float(tokens[pos])
            cost[:, j] = [float(t) for t in tokens[pos + 1: pos + 1 + m]]
            pos += 1 + m
    except (IndexError, ValueError) as error:
        raise DataError(f"{path.name}: not an OR-Library cap file ({error})") from None
    return CflpInstance(cap, fixed, demand, cost)


def cflp_problem(instance: CflpInstance) -> SitingProblem:
    """The CFLP as a SitingProblem: one single-module technology per site, split demand allowed."""
    m, n = instance.cost.shape
    sites = [f"w{i + 1}" for i in range(m)]
    customers = [f"c{j + 1}" for j in range(n)]
    technologies = {
        s: Technology(name=s, accepts=("goods",), module_sizes_tpd=(float(instance.capacity[i]),),
                      module_annual_cost=(0.0,), site_annual_cost=float(instance.fixed_cost[i]), max_modules=1)
        for i, s in enumerate(sites)
    }
    ii, jj = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(instance.demand[jj] > 0, instance.cost / instance.demand[jj], 0.0)
    arcs = pd.DataFrame({
        "origin": np.asarray(customers)[jj.ravel()], "destination": np.asarray(sites)[ii.ravel()],
        "stream": "goods", "km": per_unit.ravel(), "cost_per_t": per_unit.ravel(),
    })
    site_table = pd.DataFrame({"technology": sites, "existing_capacity_tpd": 0.0, "existing_modules": 0,
                               "is_new": True, "lock": ""}, index=pd.Index(sites, name="site_id"))
    demand = pd.DataFrame({"goods": instance.demand}, index=pd.Index(customers, name="node_id"))
    return SitingProblem(demand, site_table, technologies, arcs, days_per_year=1.0)


def read_orlib_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Parse a ``pmed*`` file into (all-pairs shortest-path matrix, p). The last duplicate edge wins."""
    path = Path(path)
    tokens = _tokens(path)
    try:
        n, n_edges, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
        edges = np.asarray(tokens[3: 3 + 3 * n_edges], dtype=float).reshape(n_edges, 3)
    except (IndexError, ValueError) as error:
        raise DataError(f"{path.name}: not an OR-Library pmed file ({error})") from None
    i = edges[:, 0].astype(int) - 1
    j = edges[:, 1].astype(int) - 1
    weight = {}
    for a, b, c in zip(i, j, edges[:, 2]):
        weight[(min(a, b), max(a, b))] = c  # later lines overwrite earlier ones
    keys = np.asarray(list(weight))
    values = np.asarray(list(weight.values()))
    graph = coo_matrix((np.concatenate([values, values]),
                        (np.concatenate([keys[:, 0], keys[:, 1]]), np.concatenate([keys[:, 1], keys[:, 0]]))),
                       shape=(n, n)).tocsr()
    return shortest_path(graph, method="D", directed=False), p


def pmedian_problem(distances: np.ndarray, p: int) -> SitingProblem:
    """Uncapacitated p-median: every vertex is a client (weight 1) and a candidate median."""
    n = distances.shape[0]
    ids = [f"v{k + 1}" for k in range(n)]
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    arcs = pd.DataFrame({"origin": np.asarray(ids)[ii.ravel()], "destination": np.asarray(ids)[jj.ravel()],
                         "stream": "clients", "km": distances.ravel(), "cost_per_t": distances.ravel()})
    arcs = arcs[np.isfinite(arcs["km"])]
    sites = pd.DataFrame({"technology": "median", "existing_capacity_tpd": 0.0, "existing_modules": 0,
                          "is_new": True, "lock": ""}, index=pd.Index(ids, name="site_id"))
    demand = pd.DataFrame({"clients": np.ones(n)}, index=pd.Index(ids, name="node_id"))
    technologies = {"median": Technology(name="median", accepts=("clients",))}
    return SitingProblem(demand, sites, technologies, arcs, objective=Objective(kind="p_median", p=p), days_per_year=1.0)


def beasley_pmedian_graph(n: int, seed: int) -> np.ndarray:
    """A random p-median graph in Beasley's way (OR-Library pmed, 1985): n vertices, n²/50 edges with integer
    weights uniform on 1..100, connected (a random spanning tree first); the all-pairs shortest-path matrix."""
    if n < 2:
        raise DataError(f"a p-median graph needs at least 2 vertices, not {n}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    edges = {tuple(sorted((int(order[k]), int(order[rng.integers(k)])))) for k in range(1, n)}
    wanted = min(max(n * n // 50, n - 1), n * (n - 1) // 2)
    while len(edges) < wanted:
        a, b = rng.integers(n, size=2)
        if a != b:
            edges.add((int(min(a, b)), int(max(a, b))))
    pairs = np.asarray(sorted(edges))
    weight = rng.integers(1, 101, size=len(pairs)).astype(float)
    graph = coo_matrix((np.r_[weight, weight], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                       shape=(n, n)).tocsr()
    return shortest_path(graph, method="D", directed=False)


CORNUEJOLS_RATIOS = (3.0, 5.0, 10.0)  # total capacity / total demand in Cornuéjols, Sridharan & Thizy (1991)


def cornuejols_cflp(n_sites: int, n_customers: int, ratio: float, seed: int) -> CflpInstance:
    """A CFLP in the way of Cornuéjols, Sridharan & Thizy (1991): sites and customers uniform in the unit
    square, demands U[5, 35], capacities U[10, 160] scaled so total capacity = ``ratio`` × total demand,
    fixed cost U[0, 90] + U[100, 110] × √capacity, cost of serving all of j from i = 10 × distance × d_j.
    Figures are rounded to the 3 decimals the cap file holds, so the file is the instance."""
    if n_sites < 1 or n_customers < 1 or ratio < 1.0:
        raise DataError(f"a generated CFLP needs ≥ 1 site and customer and a capacity ratio ≥ 1 "
                        f"(got {n_sites} × {n_customers}, ratio {ratio:g})")
    rng = np.random.default_rng(seed)
    sites = rng.random((n_sites, 2))
    customers = rng.random((n_customers, 2))
    demand = np.round(rng.uniform(5.0, 35.0, n_customers), 3)
    raw = rng.uniform(10.0, 160.0, n_sites)
    capacity = np.round(raw * ratio * demand.sum() / raw.sum(), 3)
    fixed = np.round(rng.uniform(0.0, 90.0, n_sites) + rng.uniform(100.0, 110.0, n_sites) * np.sqrt(capacity), 3)
    distance = np.hypot(*(sites[:, None, :] - customers[None, :, :]).transpose(2, 0, 1))
    cost = np.round(10.0 * distance * demand[None, :], 3)
    return CflpInstance(capacity, fixed, demand, cost)


def cap_text(instance: CflpInstance) -> str:
    """The OR-Library cap format: 'm n', m lines 'capacity fixed', then per customer its demand and m costs."""
    m, n = instance.cost.shape
    lines = [f"{m} {n}"]
    lines += [f"{instance.capacity[i]:.3f} {instance.fixed_cost[i]:.3f}" for i in range(m)]
    for j in range(n):
        lines.append(f"{instance.demand[j]:.3f}")
        lines.append(" ".join(f"{c:.3f}" for c in instance.cost[:, j]))
    return "\n".join(lines) + "\n"


def write_orlib_cap(instance: CflpInstance, path: str | Path) -> Path:
    """Write ``instance`` as a cap file, atomically; an existing file is kept if it holds the same text and
    refused otherwise (never overwrite someone's file)."""
    path = Path(path)
    text = cap_text(instance)
    if path.exists():
        if path.read_text() == text:
            return path
        raise OutputError(f"{path} exists and holds another instance; choose another folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error}") from None
    return path
