"""Warm-started what-ifs: the base run's plan, repaired for the changed scenario, is HiGHS's first plan."""
import pytest

from wasteopt.runs.folder.plan_files import export_plan
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.milp import SolveWatch
from wasteopt.config.loader import load_scenario
from wasteopt.siting import solve_scenario
from wasteopt.siting.formulation.model import build_milp
from wasteopt.siting.scenario_problem import build_problem
from wasteopt.siting.warm_start import base_decisions
from wasteopt.data.region import load_region
from wasteopt.bench.synthetic import write_seed_subset


@pytest.fixture(scope="module")
def zhoukou(root, tmp_path_factory):
    """周口 (Zhoukou) alone with zero raw-MSW landfill, solved to optimality and written as a run folder."""
    folder = tmp_path_factory.mktemp("warm")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    config = folder / "base.yaml"
    config.write_text(f"name: 周口\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
                      "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 60, rel_gap: 0.0}\n",
                      encoding="utf-8")
    plan = solve_scenario(load_scenario(config))
    export_plan(plan, compute_kpis(plan), folder / "run")
    return folder, plan


def _variant(folder, name: str, text: str):
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: base.yaml\n{text}", encoding="utf-8")
    return load_scenario(path)


@pytest.mark.parametrize("change", [
    "policy: {raw_msw_landfill_cap_tpd: null}",   # a cap removed
    "network: {max_haul_km: 250}",                 # a haul limit widened
])
def test_a_relaxing_what_if_is_never_dearer_than_its_base(zhoukou, change):
    import pandas as pd

    folder, base = zhoukou
    assert base.status == "optimal"
    facilities = pd.read_csv(folder / "run" / "facilities.csv", index_col="site_id")
    # a loose gap: HiGHS may stop at the first plan it proves within 50 %; warm, that plan is the base's or better
    relaxed = _variant(folder, "relaxed", change + "\nsolver: {time_limit_s: 30, rel_gap: 0.5}\n")
    warm = solve_scenario(relaxed, base_plan=facilities)
    assert "warm start from the base run's plan" in warm.message
    assert warm.objective <= base.objective * (1 + 1e-9)


def test_the_base_plan_is_read_into_the_changed_model_and_clipped_to_its_locks(zhoukou):
    import pandas as pd

    folder, base = zhoukou
    facilities = pd.read_csv(folder / "run" / "facilities.csv", index_col="site_id")
    built = facilities[facilities["new_modules"] > 0]
    assert len(built) > 0
    closed = built.index[0]
    scenario = _variant(folder, "locked", f"policy: {{locked_closed: [{closed}]}}\n")
    problem = build_problem(scenario, load_region(scenario))
    m, idx, _ = build_milp(problem)
    cols, values = base_decisions(problem, m, idx, facilities)
    x = dict(zip(cols, values))
    for site, row in built.iterrows():
        if site == closed or site not in idx.site_n:
            continue
        k = list(idx.site_sizes[site]).index(row["module_size_tpd"])
        assert x[idx.site_n[site][k]] == row["new_modules"] and x[idx.site_y[site][k]] == 1.0
    if closed in idx.site_y:  # a locked-closed new site keeps no modules
        assert all(x[c] == 0 for c in idx.site_y[closed])
    warm = solve_scenario(scenario, base_plan=facilities)  # repaired: the locked site's demand goes elsewhere
    assert closed not in warm.facilities.index or warm.facilities.at[closed, "new_modules"] == 0
    assert warm.facilities["raw_msw_tpd"][warm.facilities["technology"] == "landfill"].sum() == pytest.approx(0, abs=1e-6)


def test_a_watch_sees_progress_and_stop_keeps_the_best_plan(zhoukou):
    folder, _ = zhoukou
    seen = []
    watch = SolveWatch(lambda progress: (seen.append(progress), progress.best is not None and watch.stop()), every_s=0.0)
    scenario = _variant(folder, "stopped", "solver: {time_limit_s: 60, rel_gap: 0.0, search: false}\n")
    plan = solve_scenario(scenario, watch=watch)
    first = next(p for p in seen if p.best is not None)
    assert watch.stopped and plan.objective <= first.best * (1 + 1e-9)
    assert plan.status == "optimal" or "interrupt" in plan.message.lower()
    assert all(b.seconds >= a.seconds for a, b in zip(seen, seen[1:]))


def test_cli_solve_shows_progress_and_warm_starts_a_what_if(zhoukou, tmp_path, capsys):
    import re

    from wasteopt import cli
    from wasteopt.runs.registry import RunRegistry

    folder, base = zhoukou
    registry = str(tmp_path / "r.sqlite")
    relaxed = folder / "cli-relaxed.yaml"
    relaxed.write_text("name: 周口\nextends: base.yaml\npolicy: {raw_msw_landfill_cap_tpd: null}\n"
                       "solver: {rel_gap: 0.5}\n", encoding="utf-8")
    assert cli.main(["solve", str(relaxed), "--out", str(tmp_path / "what-if"), "--registry", registry,
                     "--warm-start", str(folder / "run"), "--name", "可填埋"]) == 0
    err = capsys.readouterr().err
    assert "from run run …" in err
    lines = [line for line in err.splitlines() if "差距 gap" in line]
    assert lines, err
    shown = re.compile(r"^ *\d+\.\d s  最好方案 best ([\d,]+|–)  界 bound ([\d,]+|–) 万元/yr  差距 gap (\d+\.\d\d %|–)$")
    assert all(shown.match(line) for line in lines), lines
    record = RunRegistry(registry).records()[0]
    assert record.title() == "可填埋 · 零填埋 关" and record.base_run == "run"
    assert record.kpis["objective"] <= round(base.objective)  # KPIs keep whole CNY
