"""Phasing: several years in one linked model (plants built stay built, stopped landfills stay stopped), and
each year's solution, the capacity path and each site's schedule read back.

Each year is the single-year model of that year's demand, its costs weighted by the present
value of the years it stands for (until the next listed year). Annualised capital sits in every
year's block, so an asset pays its annuity each year it exists. Links between consecutive years
t−1, t: y[s,k,t] ≥ y[s,k,t−1] and n[s,k,t] ≥ n[s,k,t−1] (with one size per site in each year, the
size chosen first is kept), running[s,t] ≤ running[s,t−1], restored[s,t] ≥ restored[s,t−1]. An
optional yearly build budget caps the one-off capital (not annualised) of what each year adds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TYPE_CHECKING

import numpy as np
import pandas as pd

from wasteopt.milp.model import INF, LinearModel
from wasteopt.siting.formulation.model import build_milp, volume_sites
from wasteopt.siting.formulation.solution import SitingSolution, read_solution
from wasteopt.siting.problem import WAN

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.result import MilpResult
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem


PATH_COLUMNS = ("year", "demand_tpd", "capacity_tpd", "new_plants", "expanded_plants", "raw_msw_landfill_tpd",
                "landfills_running", "landfills_stopped", "capital_spent_wan_cny", "cost_wan_cny")
FILL_COLUMNS = ("volume_m3", "fill_m3", "volume_left_m3", "fill_m3_per_year", "years_left", "year_full_first")


@dataclass(frozen=True)
class BuildCapital:
    """One-off capital (CNY) of building at sites of ``technology``: per new site, and per module of each
    size in the order of the technology's ``module_sizes_tpd``."""

    technology: str
    site: float
    per_module: tuple[float, ...]


@dataclass(frozen=True)
class PhasedSolution:
    """One linked solve over ``years``.

    solutions: each year's SitingSolution (all share ``result``: status, NPV objective, proven gap).
    path: per year (columns ``PATH_COLUMNS``): demand, capacity (t/d), new and expanded plants so far,
      raw MSW landfilled (t/d), landfills running / stopped, one-off capital spent that year and that
      year's undiscounted system cost (万元).
    schedule: per site: year_built (first year opened or expanded), year_complete (first year it has all
      the lines of the last year), year_stopped (first year a stoppable site, i.e. a landfill, takes no
      more gated waste); <NA> when never.
    """

    years: tuple[int, ...]
    result: MilpResult
    solutions: tuple[SitingSolution, ...]
    path: pd.DataFrame
    schedule: pd.DataFrame


def year_weights(years: Sequence[int], discount_rate: float) -> list[float]:
    """Present-value weight of each year's block: the discount factors 1/(1+r)^(τ−t0) of the years τ it stands
    for (up to the next listed year; the last year stands for itself)."""
    t0 = years[0]
    ends = list(years[1:]) + [years[-1] + 1]
    return [sum((1 + discount_rate) ** -(tau - t0) for tau in range(start, end)) for start, end in zip(years, ends)]


@dataclass(frozen=True)
class YearBlock:
    """One year's part of a linked model: where its decisions live and its columns ``first``..``end``."""

    index: ModelIndex
    arcs: pd.DataFrame
    first: int
    end: int


@dataclass(frozen=True)
class PhasedModel:
    """The linked model of ``years`` and what reading its solution needs."""

    model: LinearModel
    problems: tuple[SitingProblem, ...]
    years: tuple[int, ...]
    blocks: tuple[YearBlock, ...]
    weights: tuple[float, ...]
    capital: BuildCapital | None
    plant_technology: str | None


def build_phased_milp(problems: Sequence[SitingProblem], years: Sequence[int], *, discount_rate: float = 0.0,
                      capital: BuildCapital | None = None, budget_per_year: float | None = None,
                      elastic: bool = False, plant_technology: str | None = None) -> PhasedModel:
    """One problem per year (same sites, growing demand) as one linked MILP; ``budget_per_year`` is CNY of
    one-off capital (priced by ``capital``) newly built in each year. The path read back counts capacity
    and plants of ``plant_technology`` (default: every capacitated technology)."""
    years = tuple(int(t) for t in years)
    if len(problems) != len(years) or not years:
        raise ValueError("one siting problem per year is needed")
    if any(not p.sites.index.equals(problems[0].sites.index) for p in problems):
        raise ValueError("every year's problem must have the same sites")
    if budget_per_year is not None and capital is None:
        raise ValueError("a build budget needs the capital of a site and a module (capital=BuildCapital(...))")
    if capital is not None:
        sizes = problems[0].technologies[capital.technology].module_sizes_tpd
        if len(capital.per_module) != len(sizes):
            raise ValueError(f"capital of {capital.technology}: one figure per module size {sizes} is needed")

    m = LinearModel()
    blocks, weights = [], year_weights(years, discount_rate)
    for problem, weight in zip(problems, weights):
        first = m.num_vars
        _, idx, arcs = build_milp(problem, elastic=elastic, model=m, cost_weight=weight, fill_rows=False)
        blocks.append(YearBlock(idx, arcs, first, m.num_vars))
    indices = [b.index for b in blocks]
    for earlier, later in zip(indices, indices[1:]):
        _link_years(m, earlier, later)
    _fill_so_far_rows(m, problems, blocks, years)
    if budget_per_year is not None:
        for t in range(len(years)):
            cols, vals = _new_capital_terms(problems[t], indices[t], indices[t - 1] if t else None, capital)
            m.add_row(cols, vals, -INF, budget_per_year)
    return PhasedModel(m, tuple(problems), years, tuple(blocks), tuple(weights), capital, plant_technology)


def year_spans(years: Sequence[int]) -> list[int]:
    """Years each listed year stands for (up to the next listed year; the last stands for itself)."""
    return [b - a for a, b in zip(years, years[1:])] + [1]


def _fill_so_far_rows(m: LinearModel, problems, blocks, years) -> None:
    """A site with a volume (a yard's cells): the m³ filled up to the end of each year ≤ what it held at the start
    and the cells built by then; in the last year plus ``fill_years`` more of that year's intake, so the plan does
    not end on full yards."""
    per_year = [{site: rest for site, *rest in volume_sites(p, b.index, b.arcs)} for p, b in zip(problems, blocks)]
    spans = year_spans(years)
    for site in per_year[-1]:
        cols, vals = [], []
        reserve = problems[-1].technologies[problems[-1].sites.at[site, "technology"]].fill_years
        for t, block in enumerate(blocks):
            n, inflow, fill, volume, existing = per_year[t][site]
            cols.append(block.index.arc_var[inflow])
            vals.append(fill * (spans[t] + (reserve if t == len(blocks) - 1 else 0.0)))
            m.add_row(np.concatenate(cols + [n]), np.concatenate(vals + [-volume]), -INF, existing)


def fill_table(phased: PhasedModel, x: np.ndarray) -> pd.DataFrame:
    """Per site with a volume: ``volume_m3`` it held at the start and built by the last year, ``fill_m3`` up to its
    end, ``volume_left_m3``, ``fill_m3_per_year`` of the last year, ``years_left`` at that rate, and
    ``year_full_first``: the first year whose fill reached the volume of the year before (the yard was full:
    extended by a cell that year, or replaced)."""
    problems, blocks, years = phased.problems, phased.blocks, phased.years
    rows, spans = {}, year_spans(years)
    per_year = [{site: rest for site, *rest in volume_sites(p, b.index, b.arcs)} for p, b in zip(problems, blocks)]
    for site in per_year[-1]:
        filled, built_before, full = 0.0, None, pd.NA
        for t, block in enumerate(blocks):
            n, inflow, fill, volume, existing = per_year[t][site]
            rate = float(fill @ x[block.index.arc_var[inflow]])
            filled += rate * spans[t]
            built = existing + float(volume @ np.round(x[n]))
            if built_before is not None and full is pd.NA and built_before > 0 and filled > built_before * (1 - 1e-6):
                full = years[t]
            built_before = built
        left = max(0.0, built - filled)
        rows[site] = {"volume_m3": built, "fill_m3": filled, "volume_left_m3": left, "fill_m3_per_year": rate,
                      "years_left": left / rate if rate > 1e-9 else np.nan, "year_full_first": full}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(FILL_COLUMNS))
    table["year_full_first"] = table["year_full_first"].astype("Int64")
    return table


def read_phased_solution(phased: PhasedModel, result: MilpResult) -> PhasedSolution:
    """Each year's solution, the path per year and each site's schedule (with its fill, :func:`fill_table`)."""
    problems, years, blocks, capital = phased.problems, phased.years, phased.blocks, phased.capital
    solutions = tuple(read_solution(p, b.index, b.arcs, result) for p, b in zip(problems, blocks))
    if not result.has_solution:
        return PhasedSolution(years, result, solutions, pd.DataFrame(columns=list(PATH_COLUMNS)),
                              pd.DataFrame(columns=["year_built", "year_stopped"]))
    cost = phased.model.arrays()[0]
    year_cost = [float(cost[b.first:b.end] @ result.x[b.first:b.end]) / w for b, w in zip(blocks, phased.weights)]
    indices = [b.index for b in blocks]
    spent = [_capital_spent(problems[t], indices[t], indices[t - 1] if t else None, capital, result.x)
             for t in range(len(years))]
    path = _path(problems, solutions, years, spent, year_cost, phased.plant_technology)
    schedule = _schedule(problems, solutions, years)
    fills = fill_table(phased, result.x)
    if len(fills):
        schedule = schedule.join(fills)
    return PhasedSolution(years, result, solutions, path, schedule)


def _link_years(m: LinearModel, earlier: ModelIndex, later: ModelIndex) -> None:
    """later − earlier ≥ 0 for built modules and sizes and for restorations; ≤ 0 for running."""
    grow_before, grow_after = [], []
    for site, y in later.site_y.items():
        if site in earlier.site_y:
            grow_before.append(earlier.site_y[site])
            grow_after.append(y)
    for site, n in later.site_n.items():
        if site in earlier.site_n and not np.array_equal(n, later.site_y.get(site)):  # n is y when one module at most
            grow_before.append(earlier.site_n[site])
            grow_after.append(n)
    common = [s for s in later.site_restored if s in earlier.site_restored]
    grow_before.append(np.asarray([earlier.site_restored[s] for s in common], dtype=np.int64))
    grow_after.append(np.asarray([later.site_restored[s] for s in common], dtype=np.int64))
    difference_rows(m, np.concatenate(grow_before), np.concatenate(grow_after), 0.0, INF)
    running = [s for s in later.site_running if s in earlier.site_running]
    difference_rows(m, np.asarray([earlier.site_running[s] for s in running], dtype=np.int64),
                     np.asarray([later.site_running[s] for s in running], dtype=np.int64), -INF, 0.0)


def difference_rows(m: LinearModel, before: np.ndarray, after: np.ndarray, lb: float, ub: float) -> None:
    """One row ``lb ≤ after[i] − before[i] ≤ ub`` per pair."""
    if before.size:
        rows = np.repeat(np.arange(before.size), 2)
        m.add_rows(rows, np.ravel(np.column_stack([after, before])), np.tile([1.0, -1.0], before.size), lb, ub,
                   n_rows=before.size)


def _new_capital_terms(problem: SitingProblem, now: ModelIndex, before: ModelIndex | None,
                       capital: BuildCapital) -> tuple[np.ndarray, np.ndarray]:
    """Columns and CNY coefficients of the one-off capital built in a year: (site + modules now) − (before)."""
    cols, vals = [], []
    for index, sign in ((now, 1.0), (before, -1.0)):
        if index is None:
            continue
        for site, y in index.site_y.items():
            if problem.sites.at[site, "technology"] != capital.technology:
                continue
            if problem.sites.at[site, "is_new"]:
                cols.append(y)
                vals.append(np.full(len(y), sign * capital.site))
            if site in index.site_n:
                cols.append(index.site_n[site])
                vals.append(sign * np.asarray(capital.per_module, float))
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cols), np.concatenate(vals)


def _capital_spent(problem, now, before, capital, x) -> float:
    """One-off capital built in a year, 万元 (NaN without capital figures)."""
    if capital is None:
        return float("nan")
    cols, vals = _new_capital_terms(problem, now, before, capital)
    return float(vals @ np.round(x[cols])) / WAN


def _path(problems, solutions, years, spent, year_cost, plant_technology) -> pd.DataFrame:
    rows = []
    for problem, solution, year, capital, cost in zip(problems, solutions, years, spent, year_cost):
        sites, techs, flows = solution.sites, problem.technologies, solution.flows
        stoppable = _existing_stoppable(problem)
        # demand of the streams those plants take (residual waste, not food waste or C&D sent elsewhere)
        served = [s for s in problem.demand.columns if not plant_technology or s in techs[plant_technology].accepts]
        plants = sites[sites["technology"] == plant_technology] if plant_technology else \
            sites[sites["technology"].map(lambda t: techs[t].capacitated).astype(bool)]
        # raw MSW landfilled = gated streams (those needing a running site) into stoppable sites
        gated = pd.Series([s in techs[problem.sites.at[d, "technology"]].gated_streams
                           for d, s in zip(flows["destination"], flows["stream"])], index=flows.index, dtype=bool)
        rows.append({
            "year": year,
            "demand_tpd": float(problem.demand[served].to_numpy().sum()),
            "capacity_tpd": float(plants["capacity_tpd"].sum()),
            "new_plants": int((plants["is_new"] & plants["opened"]).sum()),
            "expanded_plants": int((~plants["is_new"] & (plants["new_modules"] > 0)).sum()),
            "raw_msw_landfill_tpd": float(flows.loc[gated, "tonnes_per_day"].sum()),
            "landfills_running": int((stoppable & sites["running"]).sum()),
            "landfills_stopped": int((stoppable & ~sites["running"]).sum()),
            "capital_spent_wan_cny": capital,
            "cost_wan_cny": cost / WAN,
        })
    return pd.DataFrame(rows, columns=list(PATH_COLUMNS))


def _schedule(problems, solutions, years) -> pd.DataFrame:
    """year_built / year_complete / year_stopped per site (nullable integers)."""
    index = problems[0].sites.index
    built, complete, stopped = (pd.Series(pd.NA, index=index, dtype="Int64") for _ in range(3))
    final_modules = solutions[-1].sites["new_modules"]
    for problem, solution, year in zip(problems, solutions, years):
        sites = solution.sites
        now_built = (sites["is_new"] & sites["opened"]) | (sites["new_modules"] > 0)
        built[now_built & built.isna()] = year
        complete[now_built & (sites["new_modules"] >= final_modules) & complete.isna()] = year
        now_stopped = _existing_stoppable(problem) & ~sites["running"]
        stopped[now_stopped & stopped.isna()] = year
    return pd.DataFrame({"year_built": built, "year_complete": complete, "year_stopped": stopped})


def _existing_stoppable(problem: SitingProblem) -> pd.Series:
    """Sites that decide to keep running or stop (existing landfills), as a boolean Series."""
    sites, techs = problem.sites, problem.technologies
    return (sites["technology"].map(lambda t: techs[t].stoppable).astype(bool)
            & ~sites["is_new"].astype(bool) & (sites["lock"] != "closed"))
