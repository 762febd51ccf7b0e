"""Collection routing with trips to disposal sites (reloads), time windows, mixed fleet,
shift limits and lunch breaks; PyVRP by default, OR-Tools beside it."""
from wasteopt.routing.check import check_plan
from wasteopt.routing.plan import DroppedStop, Route, RoutePlan, Visit
from wasteopt.routing.problem import (
    Depot,
    DisposalSite,
    LunchBreak,
    RoutingProblem,
    Stop,
    VehicleType,
    read_od_matrix,
    travel_matrices,
)
from wasteopt.routing.solve import solve

__all__ = [
    "Depot", "DisposalSite", "DroppedStop", "LunchBreak", "Route", "RoutePlan", "RoutingProblem",
    "Stop", "VehicleType", "Visit", "check_plan", "read_od_matrix", "solve", "travel_matrices",
]
