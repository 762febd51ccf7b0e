"""Decomposed siting: split a SitingProblem by region (prefecture, province), solve the pieces, one plan and one bound.

Every site belongs to one block. A piece is a block's sites, the arcs into them and the demand of every
node those arcs leave from. A node whose arcs all reach one block is that block's alone: its demand row
stays whole in that piece. A node reaching several blocks (a border node) sits in each of them with its
demand row relaxed and priced (Lagrangean relaxation of the border demand rows, price λ in CNY/t per
node and stream): each piece may leave any part of it to an "export" site at λ per tonne, so

    piece value_b(λ) = min Σ cost + Σ_border λ·days·export_b,
    L(λ) = Σ_b bound_b(λ) − Σ_border λ·days·d·(pieces reaching the node − 1)  ≤  the optimum,

where bound_b is the piece solver's own proven bound (a time-limited piece still gives a valid L).
What the pieces relax, besides the border demand rows: the rows shared by the whole problem (flow caps
above zero, capacity targets, new-site counts, stop targets, local-capacity rows across blocks) are left
out of the pieces, a relaxation too; the repair enforces all of them. Prices move by subgradient steps.

The repair makes one plan: the full problem with the candidate sites that no piece opened in any round
closed (a node reaching none of them keeps its cheapest site), solved by the same engine starting from the
build decisions of the best round's pieces (``warm_start``: routed with them fixed, else repaired keeping them). Its objective is the plan's cost; the gap is measured against the
best L(λ). Pieces run through a ``PieceRunner``: in this process, or as Dask tasks (``DaskRunner``).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Protocol, Sequence

import numpy as np
import pandas as pd

from wasteopt.config.errors import InfeasibleError, ScenarioError, WasteoptError
from wasteopt.config.status import MilpStatus, status_from_gap
from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.formulation.solution import SitingSolution
from wasteopt.siting.pipeline import assemble_plan, solve_problem
from wasteopt.siting.problem import SitingProblem, Technology
from wasteopt.siting.search import LocalSearch

EXPORT_SITE = "__export__"  # where a piece leaves the part of a border node's demand it does not serve
STEP_SCALE = 0.5            # first subgradient step: the pair with the largest subgradient moves by this share of
                            # the mean first price; halved after each round that does not raise the bound


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
    border pair), the new sites it opened, its build decisions (a facilities table ``warm_start`` reads), and
    the worker's peak memory."""

    block: str
    status: str
    objective: float | None
    bound: float | None
    exported: pd.Series
    opened: tuple[str, ...]
    built: pd.DataFrame
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Round:
    """One pricing round: each piece's outcome and the Lagrangean bound L(λ) it proves (None if a piece had none)."""

    outcomes: tuple[PieceOutcome, ...]
    bound: float | None


@dataclass(frozen=True)
class DecomposedSolution:
    """The repaired plan (its result carries the global bound and gap), the rounds, what the pieces relaxed and
    how many (node, stream) demand rows they priced."""

    solution: SitingSolution
    bound: float | None
    rounds: tuple[Round, ...]
    relaxed: tuple[str, ...]
    border_pairs: int
    repair_seconds: float


class PieceRunner(Protocol):
    def run(self, pieces: Sequence[Piece], prices: Sequence[pd.Series], options: dict) -> Iterator[PieceOutcome]:
        """Solve each piece at its prices; yield outcomes as they finish (any order)."""


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
    demand = problem.demand_by_node_stream()
    demand = demand[demand > 0]
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


def solve_piece(piece: Piece, prices: pd.Series, options: dict) -> PieceOutcome:
    """Solve one piece at ``prices`` with the single-solve engine (``solve_problem``); run on a worker."""
    began = time.perf_counter()
    solution = solve_problem(priced_problem(piece, prices), **options)
    result = solution.result
    flows = solution.flows
    out = flows[flows["destination"] == EXPORT_SITE]
    exported = pd.Series(out["tonnes_per_day"].to_numpy(float), index=pd.MultiIndex.from_arrays(
        [out["origin"].astype(str), out["stream"].astype(str)])).groupby(level=[0, 1]).sum()
    exported = exported.reindex(piece.border.index, fill_value=0.0) if len(piece.border) else exported
    sites = solution.sites.drop(index=EXPORT_SITE, errors="ignore")
    opened = tuple(sites.index[sites["is_new"] & sites["opened"]]) if result.has_solution else ()
    status = np.select([sites["restored"], ~sites["running"]], ["landfill_restored", "landfill_stopped"], "existing")
    built = sites[["technology", "new_modules", "module_size_tpd"]].assign(status=status) if result.has_solution \
        else sites.iloc[0:0][["technology", "new_modules", "module_size_tpd"]].assign(status="")
    if result.status == MilpStatus.INFEASIBLE:
        raise InfeasibleError(f"block {piece.block}: no plan even with the shared rows relaxed", None)
    bound = result.best_bound if result.best_bound is not None and np.isfinite(result.best_bound) else None
    if bound is None:
        bound = piece_floor(piece, prices)
    return PieceOutcome(piece.block, str(result.status), result.objective, bound, exported, opened, built,
                        time.perf_counter() - began, peak_mb())


def peak_mb() -> float:
    """Peak resident memory of this process (a Dask worker's, when run there), MB (``VmHWM``)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024.0  # kB


# ----------------------------------------------------------------------------- runners

class LocalRunner:
    """Pieces one after another in this process."""

    slots = 1

    def run(self, pieces, prices, options):
        for piece, price in zip(pieces, prices):
            yield solve_piece(piece, price, options)


class DaskRunner:
    """Pieces as Dask tasks: on the cluster at ``scheduler`` (tcp://HOST:PORT), else on a ``distributed.LocalCluster``
    of ``workers`` single-threaded workers (``processes=False``: threads of this process). Each piece is scattered
    once to one worker, so a worker receives only the pieces it solves; a task lost with its worker is retried
    twice. Use as a context manager."""

    def __init__(self, scheduler: str | None = None, workers: int = 2, processes: bool = True):
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self._client = self._cluster = None
        self._scattered: dict[int, tuple[Piece, object]] = {}

    def __enter__(self) -> DaskRunner:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError("decomposed siting on Dask needs the dask[distributed] package") from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="10s")
            except (OSError, ValueError, TypeError) as error:  # ValueError: a malformed address
                raise ScenarioError(f"cannot reach the Dask scheduler at {self.scheduler!r}: {error} "
                                    "(expected tcp://HOST:PORT)") from None
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    @property
    def slots(self) -> int:
        """Tasks the cluster runs at once (its worker threads)."""
        return max(1, sum(self._client.nthreads().values()))

    def run(self, pieces, prices, options):
        from distributed import as_completed

        client = self._client
        for piece in pieces:  # keyed by the piece itself (kept alive here): the rounds resend only prices
            if id(piece) not in self._scattered:
                self._scattered[id(piece)] = (piece, client.scatter(piece, hash=False))
        futures = [client.submit(solve_piece, self._scattered[id(piece)][1], price, options, pure=False, retries=2)
                   for piece, price in zip(pieces, prices)]
        for future in as_completed(futures):
            yield future.result()


# ----------------------------------------------------------------------------- coordination

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


def solve_decomposed(problem: SitingProblem, site_block: Mapping[str, str], *, rounds: int = 5,
                     time_limit: float = 60.0, rel_gap: float = 1e-4, threads: int = 0,
                     search: LocalSearch | None = LocalSearch(), runner: PieceRunner | None = None,
                     on_progress: Callable[[str], None] | None = None, backend: str = "highs") -> DecomposedSolution:
    """One plan and one proven bound for ``problem`` split by ``site_block``: ``rounds`` of priced pieces and one
    round of whole pieces for a first plan (together 60 % of ``time_limit``, shared by the rounds and the waves of
    pieces the runner's slots allow), then the repair with what time is left (at least a fifth)."""
    if rounds < 1:
        raise ScenarioError("decomposed siting needs at least one round")
    began = time.perf_counter()
    say = on_progress or (lambda text: None)
    runner = runner or LocalRunner()
    pieces, relaxed = split_problem(problem, site_block)
    prices = first_prices(problem, pieces)
    reference = max(float(prices.abs().mean()), 1.0) if len(prices) else 1.0  # CNY/t: the scale of a step
    days = problem.days_per_year
    share = min(getattr(runner, "slots", 1), len(pieces)) / len(pieces)  # pieces run in waves of ``slots``
    piece_options = dict(backend=backend, time_limit=0.6 * time_limit * share / (rounds + 1), rel_gap=rel_gap,
                         threads=threads, search=search)
    history: list[Round] = []
    best: float | None = None
    opened: set[str] = set()
    scale = STEP_SCALE
    for k in range(rounds):
        done: list[PieceOutcome] = []
        for outcome in runner.run(pieces, [prices.reindex(p.border.index) for p in pieces], piece_options):
            done.append(outcome)
            say(f"round {k + 1}/{rounds}: piece {outcome.block} {outcome.status} ({len(done)}/{len(pieces)} done, "
                f"{outcome.seconds:.1f} s, peak {outcome.peak_mb:.0f} MB)")
        done.sort(key=lambda o: o.block)
        bound = lagrangean_bound(pieces, done, prices, days)
        history.append(Round(tuple(done), bound))
        opened.update(s for o in done for s in o.opened)
        if bound is not None and (best is None or bound > best):
            best = bound
        else:
            scale /= 2
        say(f"round {k + 1}/{rounds}: bound {_wan(bound)} 万元/yr (best {_wan(best)}), {len(opened)} sites opened so far")
        step = subgradient(pieces, done)
        if step.empty or not (step.abs() > 1e-9).any() or bound is None:
            break  # no border, or every border row met: λ is optimal for these pieces
        prices = prices + scale * reference * step / float(step.abs().max())
    repair_began = time.perf_counter()
    start = None
    if backend == "highs":  # a plan by construction: each border pair to one piece, no export, pieces solved again
        say("assigning each border node to one piece for a first whole plan")
        whole = list(runner.run(assigned_pieces(pieces, _best_round(history)), [pd.Series(dtype=float)] * len(pieces),
                                piece_options))
        if all(len(o.built) for o in whole):
            start = pd.concat([o.built for o in whole])
            opened.update(s for o in whole for s in o.opened)
        say(f"first whole plan: {'from ' + str(len(whole)) + ' pieces' if start is not None else 'a piece found none'}")
    sites = problem.sites.copy()
    sites.loc[~sites.index.isin(list(repair_sites(problem, opened))), "lock"] = "closed"
    left = max(0.2 * time_limit, time_limit - (time.perf_counter() - began))
    solution = solve_problem(dataclasses.replace(problem, sites=sites), backend=backend, time_limit=left,
                             rel_gap=rel_gap, threads=threads, search=search, base_plan=start)
    if not solution.result.has_solution:  # the opened sites cannot serve everyone: the whole problem, same limit
        say("repair: the sites the pieces opened do not suffice; solving the whole problem")
        solution = solve_problem(problem, backend=backend, time_limit=left, rel_gap=rel_gap, threads=threads,
                                 search=search)
    repair_seconds = time.perf_counter() - repair_began
    result = _global_result(solution.result, best, rel_gap, time.perf_counter() - began)
    say(f"plan {_wan(result.objective)} 万元/yr, bound {_wan(best)} 万元/yr, gap "
        f"{'—' if result.gap is None else f'{100 * result.gap:.2f} %'}")
    return DecomposedSolution(dataclasses.replace(solution, result=result), best, tuple(history), relaxed,
                              len(prices), repair_seconds)


def _best_round(history: Sequence[Round]) -> Round:
    """The round with the best bound (the last one if none has a bound)."""
    rounds = [r for r in history if r.bound is not None]
    return max(rounds, key=lambda r: r.bound) if rounds else history[-1]


def assigned_pieces(pieces: Sequence[Piece], guide: Round) -> list[Piece]:
    """The pieces with every border pair given whole to one of them (the one that served most of it in ``guide``,
    ties to the first block) and zero in the others, and no export: solved alone, their plans together serve
    every node, so they make a plan of the whole problem (its shared rows aside)."""
    served = pd.concat({o.block: p.border - o.exported.reindex(p.border.index, fill_value=0.0)
                        for p, o in zip(pieces, sorted(guide.outcomes, key=lambda o: o.block)) if len(p.border)},
                       names=["block", "node", "stream"]) if any(len(p.border) for p in pieces) else None
    if served is None:
        return list(pieces)
    owner = served.reset_index().sort_values(["node", "stream", 0, "block"], ascending=[True, True, False, True]) \
        .drop_duplicates(["node", "stream"]).set_index(["node", "stream"])["block"]
    whole = []
    for piece in pieces:
        demand = piece.problem.demand.copy()
        for (node, stream) in piece.border.index[owner.reindex(piece.border.index).to_numpy() != piece.block]:
            demand.loc[node, stream] = 0.0
        whole.append(Piece(piece.block, dataclasses.replace(piece.problem, demand=demand), piece.border.iloc[0:0]))
    return whole


def repair_sites(problem: SitingProblem, opened: set[str]) -> set[str]:
    """The sites the repair may use: existing ones, those a piece opened, and for each node stream that reaches none
    of these, the site of its cheapest arc (so the restricted problem can serve everyone)."""
    sites = problem.sites
    kept = set(sites.index[~sites["is_new"].astype(bool)]) | opened
    arcs = prepare_arcs(problem)
    arcs = arcs[arcs["origin"].isin(problem.demand.index)]
    reached = arcs[arcs["destination"].isin(kept)][["origin", "stream"]].drop_duplicates()
    pairs = pd.MultiIndex.from_frame(arcs[["origin", "stream"]])
    cheapest = arcs[~pairs.isin(pd.MultiIndex.from_frame(reached))].sort_values(["cost_per_t", "destination"])
    return kept | set(cheapest.drop_duplicates(["origin", "stream"])["destination"])


def solve_scenario_decomposed(scenario, *, backend: str | None = None, time_limit: float | None = None,
                              rel_gap: float | None = None, on_progress: Callable[[str], None] | None = None):
    """The scenario's SitingPlan by decomposition (``solver.decompose``: prefecture) on the Dask cluster at
    ``solver.scheduler``, else a 2-worker LocalCluster. One-year min-cost scenarios only."""
    from wasteopt.data.region import load_region
    from wasteopt.data.townships import county_prefecture
    from wasteopt.siting.explain import raise_if_unreachable, raise_unless_plan
    from wasteopt.siting.pipeline import scenario_search
    from wasteopt.siting.scenario_problem import build_problem

    solver = scenario.solver
    if scenario.phasing.years or scenario.uncertainty is not None:
        raise ScenarioError("key 'solver.decompose': decomposition solves one year and one future "
                            "(remove phasing.years / uncertainty, or set solver.decompose: off)")
    time_limit = solver.time_limit_s if time_limit is None else time_limit
    rel_gap = solver.rel_gap if rel_gap is None else rel_gap
    region = load_region(scenario)
    problem = build_problem(scenario, region)
    raise_if_unreachable(problem, prepare_arcs(problem), region.demand[["name_zh", "name_en"]],
                         scenario.network.max_haul_km)
    blocks = problem.sites["adcode"].map(county_prefecture(region.demand)).astype(str).to_dict()
    search = scenario_search(scenario)
    with DaskRunner(scheduler=solver.scheduler) as runner:
        solved = solve_decomposed(problem, blocks, time_limit=time_limit, rel_gap=rel_gap, threads=solver.threads,
                                  search=search, runner=runner, on_progress=on_progress, backend=backend or solver.backend)
    raise_unless_plan(solved.solution.result, time_limit, "raise solver.time_limit_s or set solver.decompose: off")
    return assemble_plan(scenario, region, problem, solved.solution, rel_gap=rel_gap)


def _global_result(repaired: MilpResult, bound: float | None, rel_gap: float, seconds: float) -> MilpResult:
    """The repaired plan's result with the global bound: the better of L(λ) and nothing else (the repair's own
    bound holds for the restricted problem only)."""
    gap = relative_gap(repaired.objective, bound)
    status = repaired.status if not repaired.has_solution else status_from_gap(gap, rel_gap)
    return dataclasses.replace(repaired, status=status, best_bound=bound, gap=gap, seconds=seconds,
                               message=(repaired.message + " (decomposed: bound from the priced pieces)").strip())


def _wan(cny: float | None) -> str:
    return "—" if cny is None else f"{cny / 1e4:,.1f}"
