"""CBC adapter: the model written as MPS, solved by the CBC binary PuLP ships, its log and solution read back."""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from wasteopt.config.errors import WasteoptError
from wasteopt.milp.highs import highs_model
from wasteopt.milp.result import MilpResult, relative_gap
from wasteopt.config.status import MilpStatus, status_from_gap

if TYPE_CHECKING:  # for annotations only
    from wasteopt.milp.model import LinearModel

_CBC_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def cbc_path() -> str:
    """The CBC binary PuLP ships."""
    import warnings

    import pulp

    with warnings.catch_warnings():  # PuLP 3 deprecates the bundled CBC it still ships; we pin pulp < 4
        warnings.simplefilter("ignore", DeprecationWarning)
        path = pulp.PULP_CBC_CMD().path
    if not path or not Path(path).exists():
        raise WasteoptError("CBC binary not found (it ships with PuLP; reinstall with `make run`)")
    return path


def solve_cbc(model: LinearModel, *, time_limit: float, rel_gap: float, threads: int = 0, seed: int = 0) -> MilpResult:
    h, scale = highs_model(model)
    with tempfile.TemporaryDirectory(prefix="wasteopt-cbc-") as tmp:
        mps = os.path.join(tmp, "model.mps")
        sol = os.path.join(tmp, "model.sol")
        h.writeModel(mps)
        args = [cbc_path(), mps, "-sec", str(time_limit), "-ratio", str(rel_gap), "-allow", "0",
                "-randomC", str(seed + 1)]
        if threads:
            args += ["-threads", str(threads)]
        args += ["-solve", "-solution", sol]
        start = time.perf_counter()
        run = subprocess.run(args, capture_output=True, text=True, timeout=time_limit + 120)
        seconds = time.perf_counter() - start
        log = run.stdout + run.stderr
        if "Result - Problem proven infeasible" in log or "Linear relaxation infeasible" in log:
            return MilpResult(MilpStatus.INFEASIBLE, None, None, None, seconds, "cbc",
                              message="CBC proved the model infeasible")
        if "No feasible solution found" in log or "best objective 1e+50" in log:
            # CBC still writes its LP point to the solution file; that is not a plan
            return MilpResult(MilpStatus.NO_PLAN, None, None, None, seconds, "cbc",
                              message="CBC: no integer solution found")
        if not os.path.exists(sol):
            return MilpResult(MilpStatus.ERROR, None, None, None, seconds, "cbc", message=log[-500:])
        x, header = _read_solution(sol, model.num_vars)
    if x is None or header.lower().startswith("infeasible"):
        kind = MilpStatus.INFEASIBLE if "infeasible" in header.lower() else MilpStatus.NO_PLAN
        return MilpResult(kind, None, None, None, seconds, "cbc", message=header)
    cost = model.arrays()[0]
    objective = float(cost @ x + model.offset)
    bound = cbc_bound(log, scale, objective, rel_gap, has_integer=model.integer_columns.size > 0)
    gap = relative_gap(objective, bound)
    return MilpResult(status_from_gap(gap, rel_gap), objective, bound, gap, seconds, "cbc", x, message=header)


def cbc_bound(log: str, scale: float, objective: float, rel_gap: float, *, has_integer: bool) -> float | None:
    """The bound CBC proved, unscaled (offset included), from its log; None if it proved none.

    A MIP: the final summary's 'Lower bound:' (printed when CBC stops early, on time or on its gap
    tolerance); else, when the search ran to the end ('Optimal solution found' alone), the objective
    less the tolerance it searched to; else the node log's last 'best possible'. An LP: its value,
    only when CLP reports it optimal."""
    if not has_integer:
        return objective if re.search(r"^Optimal - objective value", log, re.MULTILINE) else None
    summary = re.findall(r"Lower bound:\s*" + _CBC_NUMBER, log)
    if summary:
        return float(summary[-1]) / scale
    if re.search(r"^Result - Optimal solution found\s*$", log, re.MULTILINE):
        return objective - rel_gap * max(abs(objective), 1.0)
    nodes = re.findall(r"best possible\s*" + _CBC_NUMBER, log)
    return float(nodes[-1]) / scale if nodes else None


def _read_solution(path: str, num_vars: int) -> tuple[np.ndarray | None, str]:
    with open(path) as handle:
        header = handle.readline().strip()
        if header.lower().startswith(("infeasible", "integer infeasible")):
            return None, header
        x = np.zeros(num_vars)
        for line in handle:
            parts = line.replace("**", " ").split()
            if len(parts) < 3:
                continue
            name = parts[1]
            if name[:1] == "c" and name[1:].isdigit():  # HiGHS names columns c0, c1, …; rows r0, …
                x[int(name[1:])] = float(parts[2])
    return x, header
