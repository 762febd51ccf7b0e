"""The siting MILP: build it from a SitingProblem (one year, or several years linked), read its solution back.

``arcs`` (the arcs a model uses and their flow bounds), ``model`` (one year's MILP and its ModelIndex),
``solution`` (a result read back per arc and per site), ``phasing`` (years linked in one model, read back
per year with the capacity path and each site's schedule). The names below are the formulation's API.
"""
from wasteopt.siting.formulation.arcs import prepare_arcs
from wasteopt.siting.formulation.model import ModelIndex, build_milp
from wasteopt.siting.formulation.phasing import (
    BuildCapital, PhasedModel, PhasedSolution, YearBlock, build_phased_milp, difference_rows, read_phased_solution,
    year_weights)
from wasteopt.siting.formulation.solution import SitingSolution, read_solution, site_table

__all__ = ["BuildCapital", "ModelIndex", "PhasedModel", "PhasedSolution", "SitingSolution",
           "YearBlock", "build_milp", "build_phased_milp", "difference_rows", "prepare_arcs", "read_phased_solution",
           "read_solution", "site_table", "year_weights"]
