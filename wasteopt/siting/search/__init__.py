"""The local search beside HiGHS: a greedy first plan, neighbourhoods of nearby sites, a restriction by
the LP relaxation, all run in a worker thread kept in step with HiGHS (see ``worker``).

A solve takes it as one object, ``search=LocalSearch(seed=...)``; ``search=None`` runs plain HiGHS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from wasteopt.siting.search.neighbourhoods import NEIGHBOURHOOD_SITES, site_neighbourhoods, stop_neighbourhoods
from wasteopt.siting.search.restriction import first_plan, greedy_start
from wasteopt.siting.search.first_plan import FirstPlan
from wasteopt.siting.search.worker import NeighbourhoodSearch, SearchBeside

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel
    from wasteopt.siting.formulation.model import ModelIndex
    from wasteopt.siting.problem import SitingProblem

__all__ = ["FirstPlan", "LocalSearch", "NeighbourhoodSearch", "SearchBeside", "greedy_start"]


@dataclass(frozen=True)
class LocalSearch:
    """The search to run beside HiGHS. ``seed`` orders the neighbourhoods and seeds the search's own HiGHS:
    with one seed, a solve that ends before its time limit gives the same plan every time. A neighbourhood
    frees the decisions of ``neighbourhood_sites`` nearby sites."""

    seed: int = 0
    neighbourhood_sites: int = NEIGHBOURHOOD_SITES

    def beside(self, problem: SitingProblem, model: LinearModel, index: ModelIndex, arcs: pd.DataFrame,
               rel_gap: float, started: FirstPlan | None = None) -> SearchBeside:
        """The search over ``model`` (built from ``problem``), ready to attach to a HiGHS solve that starts
        from ``started`` (the routed greedy plan) if given."""
        def groups():
            recurring = stop_neighbourhoods(index, arcs) if problem.stop_targets else []
            return site_neighbourhoods(index, arcs, self.neighbourhood_sites), recurring

        search = NeighbourhoodSearch(model, groups, seed=self.seed, rel_gap=rel_gap,
                                     first_plan=lambda relaxation: first_plan(problem, index, arcs, relaxation),
                                     started=started)
        return SearchBeside(search)
