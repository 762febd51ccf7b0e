"""The pieces of decomposed siting (see ``siting.decomposed``): split a SitingProblem by block, price a piece's
border demand rows, what solving one gave, and the price-side arithmetic of the Lagrangean bound.

A node reaching several blocks (a border node) sits in each of them with its demand row relaxed and priced
(λ in CNY/t per node and stream): each piece may leave any part of it to an "export" site at λ per tonne, so

    piece value_b(λ) = min Σ cost + Σ_border λ·days·export_b,
    L(λ) = Σ_b bound_b(λ) − Σ_border λ·days·d·(pieces reaching the node − 1)  ≤  the optimum,

where bound_b is the piece solver's own proven bound (a time-limited piece still gives a valid L).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

import highspy
import numpy as np
import pandas as pd

from wasteopt.config.errors import InfeasibleError, WasteoptError
from wasteopt.config.status import MilpStatus
from wasteopt.milp.highs import highs_model
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.formulation.model import ModelIndex, build_milp
from wasteopt.siting.problem import SitingProblem, Technology
from wasteopt.siting.search.restriction import relaxation_closed_sites

EXPORT_SITE = "__export__"  # where a piece leaves the part of a border node's demand it does not serve
GROWTH = 1.25  # a relaxed pricing round moves a price with one open end of its bracket by this factor (at first)
LP_OPEN_MIN = 1e-6  # a whole piece keeps the new sites its LP relaxation opens at least this much
LP_TOLERANCE = 1e-4  # the interior-point solver's optimality tolerance for the relaxation's prices: loose, as any
                     # price gives a valid bound


class DecompositionError(WasteoptError):
    """The problem cannot be split as asked (a block map that misses sites, arcs between blocks' sites …)."""


@dataclass(frozen=True)
class Piece:
    """One block's part of the problem; ``border`` lists the (node, stream) pairs whose demand rows are relaxed
    here, with their demand (t/d)."""

    block: str
    problem: SitingProblem
    border: pd.Series


@dataclass(frozen=True)
class PieceOutcome:
    """What solving one piece at prices λ gave: value, proven bound, what it left to the export site (t/d per
    border pair), the new sites it opened, its build decisions (a facilities table ``warm_start`` reads), the
    worker's peak memory, and whether the bound is the piece's floor (the solver ended with no bound of its own)."""

    block: str
    status: str
    objective: float | None
    bound: float | None
    exported: pd.Series
    opened: tuple[str, ...]
    built: pd.DataFrame
    seconds: float
    peak_mb: float
    floored: bool = False


@dataclass(frozen=True)
class Round:
    """One pricing round: each piece's outcome and the Lagrangean bound L(λ) it proves (None if a piece had none)."""

    outcomes: tuple[PieceOutcome, ...]
    bound: float | None


# ----------------------------------------------------------------------------- splitting

def split_problem(problem: SitingProblem, site_block: Mapping[str, str]) -> tuple[list[Piece], tuple[str, ...]]:
    """The pieces of ``problem`` by ``site_block`` (site id → block name), and what they relax in words."""
    if problem.objective.kind != "min_cost":
        raise DecompositionError(f"decomposed siting needs the min_cost objective, not {problem.objective.kind}")
    block_of = pd.Series(site_block, dtype=object).reindex(problem.sites.index)
    if block_of.isna().any():
        raise DecompositionError(f"{int(block_of.isna().sum())} sites have no block, e.g. {block_of[block_of.isna()].index[0]}")
    arcs = prepare_arcs(problem)
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    dest_block = arcs["destination"].map(block_of).to_numpy()
    site_arcs = arcs[~from_node]
    crossing = site_arcs["origin"].map(block_of).to_numpy() != dest_block[~from_node]
    if crossing.any():
        first = site_arcs[crossing].iloc[0]
        raise DecompositionError(f"{int(crossing.sum())} arcs run between sites of different blocks "
                                 f"(e.g. {first['origin']} → {first['destination']}, {first['stream']}); "
                                 "decomposed siting splits node → site arcs only")
    node_arcs = arcs[from_node].assign(block=dest_block[from_node])
    reach = node_arcs.groupby(["origin", "stream"])["block"].nunique()
    demand = problem.demand_by_node_stream().loc[lambda d: d > 0]
    unreached = demand.index.difference(reach.index)
    if len(unreached):
        node, stream = unreached[0]
        raise InfeasibleError(f"{len(unreached)} node streams reach no site (e.g. {node}, {stream})", None)
    shared = reach[reach > 1].index
    relaxed = [f"demand rows of {len(shared)} border node streams (priced)"] if len(shared) else []
    if any(cap.max_tpd > 0 for cap in problem.flow_caps):
        relaxed.append("flow caps above zero")
    relaxed += [name for name, present in (("capacity targets", problem.capacity_targets),
                                          ("new-site counts", problem.new_site_limits),
                                          ("stop targets", problem.stop_targets)) if present]
    across = [rule for rule in problem.local_capacity if block_of.reindex(list(rule.sites)).nunique() > 1]
    if across:
        relaxed.append(f"{len(across)} local-capacity rows across blocks")
    pieces = []
    for block, sites in problem.sites.groupby(block_of, sort=True):
        into = node_arcs[node_arcs["block"] == block].drop(columns="block")
        within = site_arcs[site_arcs["destination"].isin(sites.index)]
        nodes = into["origin"].unique()
        pairs = pd.MultiIndex.from_frame(into[["origin", "stream"]].drop_duplicates().astype(str))
        border = demand.reindex(pairs.intersection(shared)).dropna()
        rules = tuple(r for r in problem.local_capacity if set(r.sites) <= set(sites.index))
        piece_problem = dataclasses.replace(
            problem, demand=_piece_demand(problem.demand.loc[nodes], into), sites=sites,
            arcs=pd.concat([into, within], ignore_index=True),
            flow_caps=tuple(cap for cap in problem.flow_caps if cap.max_tpd <= 0),
            capacity_targets=(), new_site_limits=(), stop_targets=(), local_capacity=rules)
        pieces.append(Piece(str(block), piece_problem, border))
    return pieces, tuple(relaxed)


def _piece_demand(demand: pd.DataFrame, into: pd.DataFrame) -> pd.DataFrame:
    """A piece's demand: each node's streams that have an arc into the piece (others zero)."""
    reached = (into[["origin", "stream"]].drop_duplicates().assign(arc=True)
               .pivot(index="origin", columns="stream", values="arc")
               .reindex(index=demand.index, columns=demand.columns).notna())
    return demand.where(reached, 0.0)


def priced_problem(piece: Piece, prices: pd.Series) -> SitingProblem:
    """The piece with an export site taking each border pair's demand at λ CNY/t (``prices`` by (node, stream))."""
    problem = piece.problem
    if piece.border.empty:
        return problem
    streams = tuple(problem.streams)
    export = Technology(name=EXPORT_SITE, accepts=streams)
    site = pd.DataFrame({"technology": [EXPORT_SITE], "existing_capacity_tpd": [0.0], "existing_modules": [0],
                         "is_new": [False], "lock": [""]}, index=pd.Index([EXPORT_SITE], name=problem.sites.index.name))
    pairs = piece.border.index
    arcs = pd.DataFrame({"origin": pairs.get_level_values(0), "destination": EXPORT_SITE,
                         "stream": pairs.get_level_values(1), "km": 0.0,
                         "cost_per_t": prices.reindex(pairs).to_numpy(float)})
    return dataclasses.replace(problem, sites=pd.concat([problem.sites, site]),
                               technologies={**problem.technologies, EXPORT_SITE: export},
                               arcs=pd.concat([problem.arcs, arcs], ignore_index=True))


def peak_mb() -> float:
    """Peak resident memory of this process (a Dask worker's, when run there), MB (``VmHWM``)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024.0  # kB


def first_prices(problem: SitingProblem, pieces: Sequence[Piece]) -> pd.Series:
    """λ to start from, CNY/t per border pair: the cheapest new plant's full cost per tonne that the pair reaches
    (transport + processing + the plant's annual site and module cost over a year at full load), or the cheapest
    arc when it reaches no new site. Any λ gives a valid bound; this one guesses the marginal tonne's cost when
    capacity must be built."""
    border = pd.concat([p.border for p in pieces]) if pieces else pd.Series(dtype=float)
    border = border[~border.index.duplicated()]
    if border.empty:
        return border
    techs, sites = problem.technologies, problem.sites
    arcs = prepare_arcs(problem)
    tech = arcs["destination"].map(sites["technology"])
    unit = arcs["cost_per_t"].to_numpy(float) + tech.map(lambda t: techs[t].cost_per_t).to_numpy(float)
    new = arcs["destination"].map(sites["is_new"]).to_numpy(bool)
    fixed = tech.map(lambda t: _fixed_per_t(techs[t], problem.days_per_year)).to_numpy(float)
    pairs = pd.MultiIndex.from_arrays([arcs["origin"].astype(str), arcs["stream"].astype(str)])
    cheapest = pd.Series(unit, index=pairs).groupby(level=[0, 1]).min()
    built = pd.Series(unit + fixed, index=pairs)[new].groupby(level=[0, 1]).min()
    return built.reindex(border.index).fillna(cheapest.reindex(border.index))


def relaxation_prices(problem: SitingProblem, pairs: pd.Index, time_limit: float) -> pd.Series | None:
    """λ for the border ``pairs`` from the LP relaxation of the whole model: each pair's demand-row dual, CNY/t.
    At the relaxation's optimal duals the priced pieces' bound is at least the LP bound (the pieces' integrality
    adds to it), where ``first_prices`` can start well below it. HiGHS's interior-point solver, no crossover, at
    most ``time_limit`` s. None when it did not finish, or the objective is not a cost."""
    if problem.objective.kind != "min_cost" or pairs.empty or time_limit <= 0:
        return None
    highs, scale, index, _ = lp_relaxation(problem)
    for option, value in (("solver", "ipm"), ("run_crossover", "off"), ("ipm_optimality_tolerance", LP_TOLERANCE),
                          ("time_limit", float(time_limit))):
        highs.setOptionValue(option, value)
    highs.run()
    solution = highs.getSolution()
    if not solution.dual_valid:  # stopped by the clock: its last iterate priced worse than the plants (national
        return None              # 40,000 x 4,000 at 276 s: first bound 4,772,514 against 4,870,843 万元/yr)
    duals = np.asarray(solution.row_dual, float) / (scale * problem.days_per_year)
    rows = np.array([index.demand_row.get(pair, -1) for pair in pairs])  # -1: a pair without a row of its own
    prices = np.where(rows >= 0, duals[rows], np.nan)
    return pd.Series(np.where(np.isfinite(prices), prices, np.nan), index=pairs)


def bracketed_prices(prices: pd.Series, step: pd.Series, demand: pd.Series, low: pd.Series, high: pd.Series,
                     growth: float = GROWTH) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The next λ by bisection per border pair, and its bracket (``low``, ``high``, CNY/t). Where the pieces left
    more of a pair than they should (``step`` > 0: λ too low for anyone to serve it) λ is a lower end, where they
    served it more than once (``step`` < 0) an upper end; λ moves to the middle of its bracket, or by the factor
    ``growth`` while one end is open. A pair met exactly keeps its price. The border rows are nearly independent
    (a pair couples two pieces, through their capacity only), so each bracket closes in on its best price by
    itself, where one global subgradient step moves thousands of prices by one length."""
    slack = 1e-6 * demand.reindex(step.index).to_numpy() + 1e-9
    up, down = step.to_numpy() > slack, step.to_numpy() < -slack
    now = prices.reindex(step.index).to_numpy(float)
    low, high = low.reindex(step.index).to_numpy(float), high.reindex(step.index).to_numpy(float)
    low, high = np.where(up, np.maximum(low, now), low), np.where(down, np.minimum(high, now), high)
    with np.errstate(invalid="ignore"):  # an open bracket's middle (−inf + inf) is never taken
        middle = np.where(np.isfinite(low) & np.isfinite(high), (low + high) / 2,
                          np.where(np.isfinite(low), low * growth, high / growth))
    moved = np.where(up | down, middle, now)
    index = step.index
    return pd.Series(moved, index=index), pd.Series(low, index=index), pd.Series(high, index=index)


def lp_relaxation(problem: SitingProblem) -> tuple[highspy.Highs, float, ModelIndex, pd.DataFrame]:
    """The model of ``problem`` in HiGHS with its integrality dropped, its objective scale, index and arcs."""
    model, index, arcs = build_milp(problem)
    highs, scale = highs_model(model)
    relaxation = highs.getLp()
    relaxation.integrality_ = []
    highs.passModel(relaxation)
    return highs, scale, index, arcs


def relaxation_sites(problem: SitingProblem, time_limit: float) -> set[str] | None:
    """The sites with build decisions but for the new ones the LP relaxation of ``problem`` leaves at zero
    (``relaxation_closed_sites``; None if it did not finish within ``time_limit`` s): a MILP on only these new sites
    finds plans near the relaxation's optimum where the whole piece's MILP may not improve its first plan in the
    time it has."""
    highs, _, index, arcs = lp_relaxation(problem)
    highs.setOptionValue("time_limit", float(max(time_limit, 1.0)))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(highs.getSolution().col_value, float)
    return set(index.site_y) - relaxation_closed_sites(problem, index, arcs, x, open_min=LP_OPEN_MIN)


@dataclass
class _Relaxation:
    """A piece's LP relaxation kept in HiGHS between relaxed rounds: only its export columns' costs change."""

    highs: highspy.Highs
    scale: float
    columns: np.ndarray        # the export arcs' columns
    unpriced_cost: np.ndarray  # … their scaled costs but for the price
    per_price: np.ndarray      # … their scaled cost per CNY/t of price
    multiplier: np.ndarray     # t/d per unit of each export column
    pairs: pd.MultiIndex       # (node, stream) per export arc


_RELAXATIONS: dict[tuple[str, str], _Relaxation] = {}  # (run, block) → the piece's relaxation, on this worker


def relaxed_piece(piece: Piece, prices: pd.Series, time_limit: float, run: str) -> PieceOutcome:
    """The piece's LP relaxation at ``prices`` by simplex: its value (a bound of the piece, so L(λ) stays a bound)
    and what it leaves to export; no plan. The relaxation stays on this worker for the rest of ``run`` and the
    next round only changes its export prices (simplex from the last basis): a relaxed round then costs seconds
    where the pieces' MILPs cost minutes."""
    began = time.perf_counter()
    relaxation = _RELAXATIONS.get((run, piece.block))
    if relaxation is None:
        for key in [key for key in _RELAXATIONS if key[0] != run]:  # a new run: the last one's relaxations go
            del _RELAXATIONS[key]
        relaxation = _RELAXATIONS[(run, piece.block)] = _relaxation(piece, prices)
    else:
        now = prices.reindex(relaxation.pairs).to_numpy(float)
        relaxation.highs.changeColsCost(len(relaxation.columns), relaxation.columns,
                                        relaxation.unpriced_cost + now * relaxation.per_price)
    highs = relaxation.highs
    highs.setOptionValue("time_limit", float(max(time_limit, 1.0)))
    highs.run()
    status = highs.getModelStatus()
    empty = pd.DataFrame(columns=["technology", "new_modules", "module_size_tpd", "status"])
    if status == highspy.HighsModelStatus.kInfeasible:
        return PieceOutcome(piece.block, str(MilpStatus.INFEASIBLE), None, None, pd.Series(dtype=float), (), empty,
                            time.perf_counter() - began, peak_mb())
    if status != highspy.HighsModelStatus.kOptimal:  # the coordinator's floor stands in for its bound
        return PieceOutcome(piece.block, str(MilpStatus.TIME_LIMIT), None, piece_floor(piece, prices),
                            pd.Series(0.0, index=piece.border.index), (), empty, time.perf_counter() - began,
                            peak_mb(), floored=True)
    value = highs.getInfo().objective_function_value / relaxation.scale
    flows = np.asarray(highs.getSolution().col_value, float)[relaxation.columns] * relaxation.multiplier
    exported = pd.Series(flows, index=relaxation.pairs).groupby(level=[0, 1]).sum()
    exported = exported.reindex(piece.border.index, fill_value=0.0) if len(piece.border) else exported
    return PieceOutcome(piece.block, str(MilpStatus.OPTIMAL), value, value, exported, (), empty,
                        time.perf_counter() - began, peak_mb())


def forget_relaxations() -> None:
    """Drop the relaxations this worker keeps (``relaxed_piece``)."""
    _RELAXATIONS.clear()


def _relaxation(piece: Piece, prices: pd.Series) -> _Relaxation:
    """The piece's LP relaxation at ``prices`` in HiGHS, and where its export prices sit."""
    problem = priced_problem(piece, prices)
    highs, scale, index, arcs = lp_relaxation(problem)
    out = (arcs["destination"] == EXPORT_SITE).to_numpy()
    columns = index.arc_var[out].astype(np.int32)
    multiplier = index.arc_mult[out].astype(float)
    pairs = pd.MultiIndex.from_arrays([arcs["origin"][out].astype(str), arcs["stream"][out].astype(str)])
    per_price = problem.days_per_year * scale * multiplier  # the column's cost per CNY/t (min_cost, no processing)
    cost = np.asarray(highs.getLp().col_cost_, float)[columns]
    return _Relaxation(highs, scale, columns, cost - arcs["cost_per_t"].to_numpy(float)[out] * per_price, per_price,
                       multiplier, pairs)


def _fixed_per_t(tech: Technology, days: float) -> float:
    """Least annual fixed cost per tonne of a fully loaded new plant of ``tech`` (CNY/t; 0 if uncapacitated)."""
    if not tech.capacitated:
        return 0.0
    return min((tech.site_annual_cost / max(tech.min_modules, 1) + cost) / (size * tech.availability * days)
               for size, cost in zip(tech.module_sizes_tpd, tech.module_annual_cost))


def piece_floor(piece: Piece, prices: pd.Series) -> float | None:
    """A bound on a piece's value that needs no solve, CNY/yr: every tonne at the cheapest per-tonne cost open to
    it (transport + processing, or the export price), fixed costs ≥ 0 left out. None if a fixed cost is negative.
    Stands in for the bound of a piece that ended without one (HiGHS reports none without a plan)."""
    problem = priced_problem(piece, prices)
    techs = problem.technologies.values()
    if any(min((t.site_annual_cost, t.operating_annual_cost, *t.module_annual_cost)) < 0 for t in techs):
        return None
    arcs = prepare_arcs(problem)
    processing = arcs["destination"].map(problem.sites["technology"]).map(
        lambda t: problem.technologies[t].cost_per_t).to_numpy(float)
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    if (arcs["cost_per_t"].to_numpy(float)[~from_node] + processing[~from_node] < 0).any():
        return None  # a site's output could earn money: the floor would not hold
    arcs, processing = arcs[from_node], processing[from_node]
    unit = pd.Series(arcs["cost_per_t"].to_numpy(float) + processing, index=pd.MultiIndex.from_arrays(
        [arcs["origin"].astype(str), arcs["stream"].astype(str)])).groupby(level=[0, 1]).min()
    demand = problem.demand_by_node_stream()
    demand = demand[demand > 0]
    return float((unit.reindex(demand.index).to_numpy() * demand.to_numpy()).sum()) * problem.days_per_year


def lagrangean_bound(pieces: Sequence[Piece], outcomes: Sequence[PieceOutcome], prices: pd.Series,
                     days: float) -> float | None:
    """L(λ): the pieces' proven bounds, less each border pair's priced demand counted once too often."""
    if any(o.bound is None for o in outcomes):
        return None
    reach = pd.concat([p.border for p in pieces]).groupby(level=[0, 1]).size() if pieces else pd.Series(dtype=float)
    demand = pd.concat([p.border for p in pieces]).groupby(level=[0, 1]).first() if pieces else reach
    extra = float((prices.reindex(reach.index).to_numpy() * demand.to_numpy() * (reach.to_numpy() - 1)).sum()) * days
    return sum(o.bound for o in outcomes) - extra


def subgradient(pieces: Sequence[Piece], outcomes: Sequence[PieceOutcome]) -> pd.Series:
    """∂L/∂λ per border pair (t/d): what the pieces left to export, less the demand counted too often."""
    if not any(len(p.border) for p in pieces):
        return pd.Series(dtype=float)
    exported = pd.concat([o.exported for o in outcomes if len(o.exported)]).groupby(level=[0, 1]).sum()
    borders = pd.concat([p.border for p in pieces])
    reach = borders.groupby(level=[0, 1]).size()
    demand = borders.groupby(level=[0, 1]).first()
    return exported.reindex(reach.index, fill_value=0.0) - demand * (reach - 1)


def assigned_pieces(pieces: Sequence[Piece], guide: Round) -> list[Piece]:
    """The pieces with every border pair given whole to one of them (the one that served most of it in ``guide``,
    ties to the first block; a piece that ended without a plan served nothing) and zero in the others; a piece's
    border is then the pairs it owns (priced high, so it leaves only those it cannot serve): solved alone, their
    plans together serve every node but for what they leave, so they make a plan of the whole problem (its shared
    rows aside) for the repair to complete."""
    served = pd.concat({o.block: p.border - o.exported.reindex(p.border.index, fill_value=0.0)
                        if o.objective is not None else 0.0 * p.border
                        for p, o in zip(pieces, sorted(guide.outcomes, key=lambda o: o.block)) if len(p.border)},
                       names=["block", "node", "stream"]) if any(len(p.border) for p in pieces) else None
    if served is None:
        return list(pieces)
    owner = served.reset_index().sort_values(["node", "stream", 0, "block"], ascending=[True, True, False, True]) \
        .drop_duplicates(["node", "stream"]).set_index(["node", "stream"])["block"]
    whole = []
    for piece in pieces:
        demand = piece.problem.demand.copy()
        owned = owner.reindex(piece.border.index).to_numpy() == piece.block
        for (node, stream) in piece.border.index[~owned]:
            demand.loc[node, stream] = 0.0
        whole.append(Piece(piece.block, dataclasses.replace(piece.problem, demand=demand), piece.border[owned]))
    return whole
