"""The facility-network siting engine: one MILP for every stream.

Layers, each importing only those under it: ``wasteopt.milp`` → ``formulation`` → ``search`` → ``pipeline``.
"""
from wasteopt.siting.pipeline import solve_phases, solve_problem, solve_scenario
from wasteopt.siting.problem import FlowCap, Objective, SitingProblem, Technology
from wasteopt.siting.search import LocalSearch

__all__ = ["FlowCap", "LocalSearch", "Objective", "SitingProblem", "Technology", "solve_phases", "solve_problem",
           "solve_scenario"]
