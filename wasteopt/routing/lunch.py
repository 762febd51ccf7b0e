"""The driver's lunch break, for both engines: its time held back during the search, the
break fitted into each day after it.

OR-Tools can model a break as an interval on the time dimension, but with one per truck
its search found no plan at all for a 1,000-stop Kim-format instance in 120 s; PyVRP has
no breaks. So the engines route with every closing time after the earliest break start
moved earlier by the break's length (``lunch_reserve``, ``shift_duration``), and
``fit_lunch`` then gives each day its break at the first gap from the earliest break
start: calls after it move later by at most the break's length, which the reserve left
room for, so no window, shift or closing time is passed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wasteopt.routing.types import Call, RawRoute, call_location, call_service_s

if TYPE_CHECKING:  # for annotations only
    from wasteopt.routing.problem import RoutingProblem


def lunch_reserve(problem: RoutingProblem):
    """``late(close, open)``: a closing time moved earlier by the lunch break when it falls
    after the earliest break start (never before ``open``), so that ``fit_lunch`` can delay
    anything after the break by the break's length. Identity without a lunch break."""
    brk = problem.lunch_break

    def late(close: int, open_: int) -> int:
        if brk is None or close < brk.earliest_start_s:
            return close
        return max(open_, close - brk.duration_s)

    return late


def shift_duration(problem: RoutingProblem, vt) -> int:
    """The longest day the engine may plan for ``vt``: its ``max_shift_s`` less the break."""
    if vt.max_shift_s is None:
        return np.iinfo(np.int64).max
    held = problem.lunch_break.duration_s if problem.lunch_break is not None else 0
    return max(vt.max_shift_s - held, 0)


def fit_lunch(problem: RoutingProblem, raw: RawRoute) -> RawRoute:
    """The day with its lunch break: at the earliest break start, or when the call in progress
    then ends; calls after it start as early as they can, at most the break's length later
    (``lunch_reserve`` left that much room). A day over before the break window, or starting
    an hour after it opens, takes the break outside its working hours."""
    brk = problem.lunch_break
    calls = list(raw.calls)
    earliest, length = brk.earliest_start_s, brk.duration_s
    if calls[-1].start_s <= earliest or calls[0].start_s >= earliest + length:
        return RawRoute(raw.vehicle_type, raw.calls, earliest)
    if calls[0].start_s >= earliest:
        after, brk_start = 0, earliest
        calls[0] = Call("start", calls[0].index, earliest + length)
    else:
        after = next(j for j in range(1, len(calls)) if calls[j].start_s >= earliest)
        before = calls[after - 1]
        brk_start = max(earliest, before.start_s + call_service_s(problem, before))
    for j in range(max(after, 1), len(calls)):
        previous = calls[j - 1]
        ready = previous.start_s + call_service_s(problem, previous)
        ready += int(problem.duration_s[call_location(problem, previous), call_location(problem, calls[j])])
        if j == after:
            ready = max(ready + length, brk_start + length)
        calls[j] = Call(calls[j].kind, calls[j].index, max(calls[j].start_s, ready))
    return RawRoute(raw.vehicle_type, tuple(calls), brk_start)
