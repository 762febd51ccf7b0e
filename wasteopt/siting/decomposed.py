"""Decomposed siting: split a SitingProblem by region (prefecture, province), solve the pieces, one plan and one bound.

Every site belongs to one block. A piece is a block's sites, the arcs into them and the demand of every
node those arcs leave from (``siting.pieces``). A node whose arcs all reach one block is that block's alone:
its demand row stays whole in that piece. A node reaching several blocks (a border node) sits in each of them
with its demand row relaxed and priced (Lagrangean relaxation, λ in CNY/t per node and stream); the best
L(λ) over the rounds is the global bound. What the pieces relax, besides the border demand rows: the rows
shared by the whole problem (flow caps above zero, capacity targets, new-site counts, stop targets,
local-capacity rows across blocks) are left out of the pieces, a relaxation too; the repair enforces all of
them. The first prices are the whole model's LP relaxation duals of those rows (so the first bound is at least
the LP bound), or, where that LP is too large to solve in time, from rounds on the pieces' LP relaxations
(also alone: ``start_prices="pieces"``; seconds each where the pieces' MILPs take minutes, each border pair's
price bisected in its own bracket, ``pieces.bracketed_prices``). From there the prices move by subgradient steps,
MILP round after round while the time for pricing lasts and the bound still rises.

The plan: each border node is given whole to the piece that served most of it in the best relaxed round (their
LPs, every piece solved; without relaxed rounds the best MILP round), and these whole pieces are solved again,
longer, each on the new sites its LP relaxation uses (their plans together serve every node, but for what a piece
could only leave, at ``EXPORT_PENALTY`` times its price). The repair then solves the full problem with only the
candidate sites that the best round's pieces or the whole pieces opened (a node reaching none of them keeps its
cheapest site), by the same engine, starting from the whole pieces' build decisions (``warm_start``), with what time is
left. Its objective is the plan's cost; the gap is measured against the best L(λ). Pieces run
through a ``PieceRunner`` (``siting.piece_runners``): in this process, or as Dask tasks.
"""
from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from wasteopt.config.errors import InfeasibleError, ScenarioError
from wasteopt.config.status import MilpStatus, status_from_gap
from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.formulation.solution import SitingSolution
from wasteopt.siting.piece_runners import DaskRunner, LocalRunner, PieceRunner
from wasteopt.siting.pieces import (EXPORT_SITE, GROWTH, Piece, PieceOutcome, Round, assigned_pieces,
                                    bracketed_prices, first_prices, forget_relaxations, lagrangean_bound, peak_mb,
                                    piece_floor, priced_problem, relaxation_prices, relaxation_sites, relaxed_piece,
                                    split_problem, subgradient)
from wasteopt.siting.pipeline import assemble_plan, solve_problem
from wasteopt.siting.problem import SitingProblem
from wasteopt.siting.search import LocalSearch

STEP_SCALE = 0.5            # first subgradient step: the pair with the largest subgradient moves by this share of
                            # the mean first price; halved after each round that does not raise the bound
LP_STEP_SCALE = 0.05        # … from the LP relaxation's prices, near the best already (at 0.5 the second round's
                            # bound fell 1 % at 10,000 x 1,000)
MAX_ROUNDS = 20             # pricing rounds at most; they end earlier on time or when the bound stalls:
PRICE_SHARE = 0.3           # … no round starts that would end after this share of the time limit (FLOORED_SHARE
FLOORED_SHARE = 0.5         # while the best bound holds a piece's floor: a piece that reached no bound of its own),
ROUND_SHARE = 0.1           # … a round takes about this share (its pieces' limits, in waves; doubled after a round
                            # with a floored piece),
STALL_ROUNDS, STALL_GAIN = 4, 1e-4  # … and pricing stops when 4 rounds raised the best bound by < 0.01 %
PLAN_SHARE = 0.45           # the round of whole pieces (the plan) takes about this share; the repair the rest
EXPORT_PENALTY = 10.0       # in that round a piece may still leave a border pair it owns, at this many times its
                            # price or the plants' price (``first_prices``), whichever is higher: when serving it
                            # there is infeasible (a plant below its minimum load)
RESTRICT_SHARE = 0.5        # a whole piece's LP relaxation (which sites its MILP keeps) stops after this share of its
                            # time
LP_SHARE = 0.15             # the first prices' LP relaxation (or relaxed rounds) stop after this share of the time
START_PRICES = ("whole", "pieces", "plants")  # the first prices: the whole model's LP relaxation, rounds on the
                                              # pieces' LP relaxations, or the cheapest new plant's cost per tonne
MAX_RELAXED_ROUNDS = 100    # relaxed pricing rounds at most; they stop earlier when no price moves with brackets
MIN_GROWTH = 1.01           # opened by this factor (halved from GROWTH at each reopening)


@dataclass(frozen=True)
class DecomposedSolution:
    """The repaired plan (its result carries the global bound and gap), the pricing rounds, what the pieces relaxed,
    how many (node, stream) demand rows they priced, the whole pieces' outcomes, the seconds of the two steps
    that run alone (the whole model's LP relaxation for the first prices, if asked for, and the repair) and the
    rounds on the pieces' LP relaxations."""

    solution: SitingSolution
    bound: float | None
    rounds: tuple[Round, ...]
    relaxed: tuple[str, ...]
    border_pairs: int
    whole: tuple[PieceOutcome, ...]
    repair_seconds: float
    relaxation_seconds: float = 0.0
    relaxed_rounds: tuple[Round, ...] = ()


# ----------------------------------------------------------------------------- coordination

def solve_decomposed(problem: SitingProblem, site_block: Mapping[str, str], *, rounds: int = MAX_ROUNDS,
                     time_limit: float = 60.0, rel_gap: float = 1e-4, threads: int = 0,
                     search: LocalSearch | None = LocalSearch(), runner: PieceRunner | None = None,
                     on_progress: Callable[[str], None] | None = None, backend: str = "highs",
                     start_prices: str = "whole") -> DecomposedSolution:
    """One plan and one proven bound for ``problem`` split by ``site_block``: first prices (``start_prices``:
    "whole", the whole model's LP relaxation, and where it does not finish in ``LP_SHARE`` of the time (a min-cost
    model), rounds on the pieces' LP relaxations in another such share; "pieces", only these rounds; "plants", the
    cheapest new plant's cost per tonne, where the others start and what they fall back on), pricing rounds
    (at most ``rounds``) while ``PRICE_SHARE`` of ``time_limit`` lasts and the bound still rises, one round of
    whole pieces for the plan (``PLAN_SHARE``), then the repair with what time is left (at least a fifth). Each
    round's pieces get time in proportion to their arcs, in the waves the runner's slots allow."""
    if rounds < 1:
        raise ScenarioError("decomposed siting needs at least one round")
    began = time.perf_counter()
    say = on_progress or (lambda text: None)
    runner = runner or LocalRunner()
    pieces, relaxed = split_problem(problem, site_block)
    if start_prices not in START_PRICES:
        raise ScenarioError(f"start_prices {start_prices!r}: one of {', '.join(START_PRICES)}")
    prices = plant_prices = first_prices(problem, pieces)
    relaxation_began = time.perf_counter()
    best: float | None = None
    relaxed_rounds: list[Round] = []
    duals = relaxation_prices(problem, prices.index, LP_SHARE * time_limit) if start_prices == "whole" else None
    relaxation_seconds = time.perf_counter() - relaxation_began if start_prices == "whole" else 0.0
    if duals is not None:
        prices = duals.fillna(prices)
        say(f"first prices: the LP relaxation's demand duals for {int(duals.notna().sum()):,} of {len(duals):,} "
            f"border pairs ({relaxation_seconds:.0f} s)")
    elif len(prices) and (start_prices == "pieces" or start_prices == "whole" and problem.objective.kind == "min_cost"):
        if start_prices == "whole":
            say(f"first prices: the LP relaxation did not finish in {relaxation_seconds:.0f} s; rounds on the pieces' "
                "LP relaxations instead")
        prices, best, relaxed_rounds = relaxed_pricing(pieces, prices, runner, LP_SHARE * time_limit,
                                                       days=problem.days_per_year, say=say)
    reference = max(float(prices.abs().mean()), 1.0) if len(prices) else 1.0  # CNY/t: the scale of a step
    days = problem.days_per_year
    slots = getattr(runner, "slots", 1)
    options = dict(backend=backend, rel_gap=rel_gap, threads=threads, search=search)

    def run_round(batch: Sequence[Piece], batch_prices: Sequence[pd.Series], wall: float, label: str,
                  restricted: bool = False):
        limits = piece_limits(batch, slots, wall)
        order = sorted(range(len(batch)), key=lambda i: -limits[i])  # longest first: the waves end together
        done: list[PieceOutcome] = []
        for outcome in runner.run(solve_piece, [batch[i] for i in order], [batch_prices[i] for i in order],
                                  [{**options, "time_limit": limits[i], "restricted": restricted} for i in order]):
            done.append(outcome)
            say(f"{label}: piece {outcome.block} {outcome.status} ({len(done)}/{len(batch)} done, "
                f"{outcome.seconds:.1f} s, peak {outcome.peak_mb:.0f} MB)")
        return sorted(done, key=lambda o: o.block)

    history: list[Round] = []
    opened: set[str] = set()
    scale = STEP_SCALE if duals is None and not relaxed_rounds else LP_STEP_SCALE
    round_wall = ROUND_SHARE * time_limit
    for k in range(rounds):
        done = run_round(pieces, [prices.reindex(p.border.index) for p in pieces], round_wall, f"round {k + 1}")
        infeasible = [o.block for o in done if o.status == MilpStatus.INFEASIBLE]
        if infeasible:
            raise InfeasibleError(f"block {infeasible[0]}: no plan even with the shared rows relaxed", None)
        bound = lagrangean_bound(pieces, done, prices, days)
        history.append(Round(tuple(done), bound))
        opened.update(s for o in done for s in o.opened)
        if bound is not None and (best is None or bound > best):
            best = bound
        elif k or not relaxed_rounds:  # the first round may fall below the relaxed rounds' best bound (its pieces
                                        # stop on the clock): not a reason to shorten the step
            scale /= 2
        say(f"round {k + 1}: bound {_wan(bound)} 万元/yr (best {_wan(best)}), {len(opened)} sites opened so far")
        step = subgradient(pieces, done)
        if step.empty or not (step.abs() > 1e-9).any() or bound is None:
            break  # no border, or every border row met: λ is optimal for these pieces
        floored = [o.block for o in done if o.floored]
        if floored:
            round_wall *= 2
            say(f"round {k + 1}: {len(floored)} pieces reached no bound of their own (floor used): next round longer")
        budget = FLOORED_SHARE if any(o.floored for o in _best_round(history).outcomes) else PRICE_SHARE
        if time.perf_counter() - began + round_wall > budget * time_limit or stalled(history):
            break
        prices = prices + scale * reference * step / float(step.abs().max())
    start, whole = None, []
    if backend == "highs":  # a plan by construction: each border pair to one piece, pieces solved again
        say("assigning each border node to one piece for a first whole plan")
        assigned = assigned_pieces(pieces, _best_round(relaxed_rounds or history))
        export = EXPORT_PENALTY * np.maximum(prices, plant_prices)
        whole = run_round(assigned, [export.reindex(p.border.index) for p in assigned],
                          PLAN_SHARE * time_limit, "whole pieces", restricted=True)
        planned = [o for o in whole if len(o.built)]  # a whole piece may end without a plan
        if planned:  # the repair's sites: the best round's and the whole pieces' (not every round's: a poor round
            start = pd.concat([o.built for o in planned])  # can add many, and the repair ran out of time on them)
            opened = {s for o in (*_best_round(history).outcomes, *planned) for s in o.opened}
        left_over = sum(float(o.exported.sum()) for o in planned)
        missing = [o.block for o in whole if not len(o.built)]
        value = sum(o.objective for o in planned if o.objective is not None)
        proven = sum(o.bound for o in planned if o.bound is not None)
        say(f"first whole plan from {len(planned)}/{len(whole)} pieces ({_wan(value)} 万元/yr with what they left at "
            f"{EXPORT_PENALTY:g} times its price or the plants'; their own gap on the sites their LPs use "
            f"{100 * (relative_gap(value, proven) or 0):.2f} %)"
            + (f" ({missing[0]} … without a plan)" if missing else "")
            + (f", {left_over:,.1f} t/d of border demand no piece could take" if left_over > 1e-6 else "")
            + ("; the repair completes it" if missing or left_over > 1e-6 else ""))
    repair_began = time.perf_counter()
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
                              len(prices), tuple(whole), repair_seconds, relaxation_seconds, tuple(relaxed_rounds))


def relaxed_pricing(pieces: Sequence[Piece], prices: pd.Series, runner: PieceRunner, seconds: float, *, days: float,
                    say: Callable[[str], None]) -> tuple[pd.Series, float | None, list[Round]]:
    """Prices from rounds on the pieces' LP relaxations (``relaxed_piece``) for about ``seconds``, each pair's λ
    bisected in its bracket (``bracketed_prices``): the prices of the best such round, its bound L(λ) (valid, as
    the relaxed pieces' values bound their MILPs') and the rounds. When no price moves any more the brackets open
    again around the best prices with half the growth: the pairs are coupled after all (two pieces share a
    plant's capacity), so a bracket may have closed where its neighbours' prices then were."""
    began = time.perf_counter()
    demand = pd.concat([p.border for p in pieces]).groupby(level=[0, 1]).first()
    opened = pd.Series(-np.inf, index=prices.index), pd.Series(np.inf, index=prices.index)
    low, high = opened
    best, best_prices, rounds, growth = None, prices, [], GROWTH
    options = {"relaxed": True, "time_limit": seconds, "run": uuid.uuid4().hex}  # the workers keep the relaxations
    for k in range(MAX_RELAXED_ROUNDS):
        done = list(runner.run(solve_piece, pieces, [prices.reindex(p.border.index) for p in pieces],
                               [options] * len(pieces)))
        bound = lagrangean_bound(pieces, done, prices, days)
        rounds.append(Round(tuple(done), bound))
        if bound is not None and (best is None or bound > best):
            best, best_prices = bound, prices
        step = subgradient(pieces, done).reindex(prices.index)
        before = prices
        prices, low, high = bracketed_prices(prices, step, demand, low, high, growth)
        moved = int((~np.isclose(prices.to_numpy(), before.to_numpy(), rtol=1e-6)).sum())
        say(f"relaxed round {k + 1}: bound {_wan(bound)} 万元/yr (best {_wan(best)}), {moved:,} prices moved "
            f"({time.perf_counter() - began:.0f} s)")
        if not moved:
            growth = 1 + (growth - 1) / 2
            if growth < MIN_GROWTH:
                break
            prices, (low, high) = best_prices, opened
        elapsed = time.perf_counter() - began
        if elapsed * (k + 2) / (k + 1) > seconds:  # no time for another round
            break
    return best_prices, best, rounds


def solve_piece(piece: Piece, prices: pd.Series, options: dict) -> PieceOutcome:
    """Solve one piece at ``prices`` with the single-solve engine (``solve_problem``, from the greedy plan), or its
    LP relaxation with ``options["relaxed"]``; with ``options["restricted"]`` only on the new sites the piece's LP
    relaxation uses (for a plan: the bound is then not the piece's). Run on a worker."""
    if options.get("relaxed"):
        return relaxed_piece(piece, prices, options["time_limit"], options["run"])
    forget_relaxations()  # the relaxed rounds are over: their LPs leave the worker
    began = time.perf_counter()
    problem = priced_problem(piece, prices)
    options = dict(options)
    if options.pop("restricted", False):
        kept = relaxation_sites(problem, RESTRICT_SHARE * options["time_limit"])
        if kept is not None:
            sites = problem.sites.copy()
            sites.loc[sites["is_new"].astype(bool) & sites["lock"].eq("") & ~sites.index.isin(list(kept)),
                      "lock"] = "closed"
            problem = dataclasses.replace(problem, sites=sites)
        options["time_limit"] = max(1.0, options["time_limit"] - (time.perf_counter() - began))
    solution = solve_problem(problem, greedy_first=True, **options)
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
    bound = result.best_bound if result.best_bound is not None and np.isfinite(result.best_bound) else None
    floored = bound is None and result.status != MilpStatus.INFEASIBLE  # the coordinator decides what that means
    if floored:
        bound = piece_floor(piece, prices)
    return PieceOutcome(piece.block, str(result.status), result.objective, bound, exported, opened, built,
                        time.perf_counter() - began, peak_mb(), floored)


def piece_limits(pieces: Sequence[Piece], slots: int, wall: float) -> list[float]:
    """Seconds per piece so that a round on ``slots`` workers takes about ``wall``: in proportion to the piece's
    arcs (its share of the round's work), none above ``wall``."""
    size = np.array([max(len(p.problem.arcs), 1) for p in pieces], float)
    return list(np.minimum(wall, wall * min(slots, len(pieces)) * size / size.sum()))


def stalled(history: Sequence[Round]) -> bool:
    """Whether the last ``STALL_ROUNDS`` rounds raised the best bound by less than ``STALL_GAIN`` of it."""
    bounds = [r.bound for r in history]
    if len(bounds) <= STALL_ROUNDS or any(b is None for b in bounds):
        return False
    before, now = max(bounds[:-STALL_ROUNDS]), max(bounds)
    return now - before < STALL_GAIN * abs(before)


def _best_round(history: Sequence[Round]) -> Round:
    """The round with the best bound (the last one if none has a bound)."""
    rounds = [r for r in history if r.bound is not None]
    return max(rounds, key=lambda r: r.bound) if rounds else history[-1]


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
    """The repaired plan's result with the global bound L(λ) (the repair's own holds for the restricted problem
    only); a finished repair whose global gap is above the one asked ended early, not by the clock."""
    gap = relative_gap(repaired.objective, bound)
    status = repaired.status if not repaired.has_solution else status_from_gap(gap, rel_gap)
    if status == MilpStatus.TIME_LIMIT and repaired.status in (MilpStatus.OPTIMAL, MilpStatus.GAP_REACHED):
        status = MilpStatus.ENDED_EARLY
    return dataclasses.replace(repaired, status=status, best_bound=bound, gap=gap, seconds=seconds,
                               message=(repaired.message + " (decomposed: bound from the priced pieces)").strip())


def _wan(cny: float | None) -> str:
    return "—" if cny is None else f"{cny / 1e4:,.1f}"
