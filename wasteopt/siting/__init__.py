"""The facility-network siting engine: one MILP for every stream."""
from wasteopt.siting.problem import FlowCap, Objective, SitingProblem, Technology
from wasteopt.siting.solve import solve_scenario

__all__ = ["FlowCap", "Objective", "SitingProblem", "Technology", "solve_scenario"]
