"""``wasteopt bench whatif CONFIG --base RUN``: single-knob what-ifs of a base run, each solved cold and warm.

Every change is solved twice in the same run, cold and warm-started from the base run's plan,
until the proven gap is at most 1 % or the time limit. One CSV row per solve:
change, mode, seconds to a proven 1 % gap (empty if not reached), final proven gap, system cost,
its difference from the base run, and whether that difference is beyond the two proven gaps; then a
'#' summary line (median seconds to a proven 1 % gap, warm vs cold).
"""
from __future__ import annotations

import csv
import math
import statistics
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wasteopt.commands.arguments import SECONDS
from wasteopt.reporting.compare import cost_delta
from wasteopt.config.errors import InfeasibleError, NoPlanError
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.runs.folder import load_base_run
from wasteopt.runs.registry import DEFAULT_REGISTRY, RunRegistry
from wasteopt.config.loader import load_scenario
from wasteopt.siting.pipeline import solve_scenario

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario
    from wasteopt.runs.folder import BaseRun

WHATIF_COLUMNS = ("change", "mode", "seconds_to_1pct", "gap_pct", "cost_wan_cny", "delta_pct", "significant")
TARGET_GAP = 0.01
MODES = ("cold", "warm")


@dataclass(frozen=True)
class WhatIf:
    """One single-knob change: a short name for the CSV and the ``Scenario.with_changes`` dict."""

    name: str
    changes: dict


def single_knob_changes(base: BaseRun) -> list[WhatIf]:
    """The eleven changes of issue #19: growth 1/3/4 %, sorted-out share 5/20/30 %, max haul 100/200 km,
    ≥ 30 new plants, zero landfill off, the base plan's largest incinerator locked closed."""
    plants = base.facilities[base.facilities["technology"] == "incinerator"]
    largest = str(plants["capacity_tpd"].idxmax())
    return [
        *(WhatIf(f"growth_{g}pct", {"demand": {"growth_per_year": g / 100}}) for g in (1, 3, 4)),
        *(WhatIf(f"sorted_out_{s}pct", {"demand": {"sorted_out_share": s / 100}}) for s in (5, 20, 30)),
        *(WhatIf(f"max_haul_{km}km", {"network": {"max_haul_km": km}}) for km in (100, 200)),
        WhatIf("new_plants_min_30", {"policy": {"new_plants": {"min": 30}}}),
        WhatIf("zero_landfill_off", {"policy": {"raw_msw_landfill_cap_tpd": None}}),
        WhatIf(f"locked_closed_{largest}", {"policy": {"locked_closed": [largest]}}),
    ]


@dataclass(frozen=True)
class WhatIfRow:
    change: str
    mode: str
    seconds_to_1pct: float | None
    gap_pct: float | None
    cost_wan_cny: float | None
    delta_pct: float | None
    significant: bool | None

    def fields(self) -> list[str]:
        def number(value, digits):
            return "" if value is None else f"{value:.{digits}f}"
        return [self.change, self.mode, number(self.seconds_to_1pct, 2), number(self.gap_pct, 3),
                number(self.cost_wan_cny, 1), number(self.delta_pct, 3),
                "" if self.significant is None else str(self.significant).lower()]


def solve_what_if(scenario: Scenario, base: BaseRun, name: str, mode: str, time_limit: float) -> WhatIfRow:
    """One solve of a what-if, cold or warm, until a proven 1 % gap or ``time_limit``."""
    try:
        plan = solve_scenario(scenario, time_limit=time_limit, rel_gap=TARGET_GAP,
                              base_plan=base.facilities if mode == "warm" else None)
    except (InfeasibleError, NoPlanError):
        return WhatIfRow(name, mode, None, None, None, None, None)
    kpis = compute_kpis(plan)
    reached = plan.gap is not None and plan.gap <= TARGET_GAP + 1e-9
    delta = cost_delta(base.kpis, kpis)
    return WhatIfRow(name, mode, plan.solve_seconds if reached else None,
                     None if plan.gap is None else 100 * plan.gap, kpis.cost.cost_wan_cny_per_year,
                     None if delta is None else delta.percent, None if delta is None else not delta.within_tolerance)


def summary(rows: list[WhatIfRow], time_limit: float) -> str:
    """Median seconds to a proven 1 % gap, warm vs cold (a change that never got there counts as never), their
    ratio, and the widest final gap of each mode."""
    def median(mode):
        times = [math.inf if r.seconds_to_1pct is None else r.seconds_to_1pct for r in rows if r.mode == mode]
        return statistics.median(times) if times else math.inf

    def shown(seconds):
        return f"> {time_limit:g} s" if math.isinf(seconds) else f"{seconds:.1f} s"

    def widest(mode):
        gaps = [r.gap_pct for r in rows if r.mode == mode]
        return "–" if not gaps or None in gaps else f"{max(gaps):.2f} %"

    cold, warm = median("cold"), median("warm")
    ratio = f"{cold / warm:.1f}×" if math.isfinite(cold) and math.isfinite(warm) and warm > 0 else "–"
    reached = {mode: sum(r.mode == mode and r.seconds_to_1pct is not None for r in rows) for mode in MODES}
    changes = len({r.change for r in rows})
    return (f"# whatif: median seconds to a proven 1 % gap: warm {shown(warm)} ({reached['warm']}/{changes} reached), "
            f"cold {shown(cold)} ({reached['cold']}/{changes}); cold/warm {ratio}; widest gap at {time_limit:g} s: "
            f"warm {widest('warm')}, cold {widest('cold')}")


def run_whatif_bench(args) -> int:
    base_scenario = load_scenario(args.config)
    base = load_base_run(args.base, RunRegistry(args.registry))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(WHATIF_COLUMNS)
    sys.stdout.flush()
    rows = []
    for what_if in single_knob_changes(base):
        scenario = base_scenario.with_changes(what_if.changes)
        for mode in MODES:
            row = solve_what_if(scenario, base, what_if.name, mode, args.time_limit)
            writer.writerow(row.fields())
            sys.stdout.flush()
            rows.append(row)
    print(summary(rows, args.time_limit))  # a '#' line after the CSV, as `bench report` reads it
    return 0


def register(commands, bench_commands) -> None:
    whatif = bench_commands.add_parser("whatif", help="single-knob what-ifs of a base run, cold and warm: "
                                       + ",".join(WHATIF_COLUMNS))
    whatif.add_argument("config", help="the base run's scenario YAML, e.g. configs/henan-2025-zero-landfill.yaml")
    whatif.add_argument("--base", required=True, metavar="RUN", help="the base run (run id or folder) of CONFIG")
    whatif.add_argument("--time-limit", type=SECONDS, default=20.0, metavar="S", help="seconds per solve (default 20)")
    whatif.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="run registry SQLite file")
    whatif.set_defaults(func=run_whatif_bench)
