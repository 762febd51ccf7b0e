"""What-if with the plants fixed: a plan's facilities.csv builds exactly its plants, and only flows are decided."""
import re

import numpy as np
import pandas as pd
import pytest

from wasteopt.config.errors import DataError
from wasteopt import InfeasibleError, ScenarioError, compute_kpis, export_plan, load_scenario, solve_scenario
from wasteopt.siting import solve_problem
from wasteopt.bench.synthetic import write_seed_subset
from test_siting import line_of_three


@pytest.mark.parametrize("modules, cost", [(2, 16000.0), (1, 18000.0)])
def test_a_fixed_plan_builds_exactly_its_modules(modules, cost):
    # The free optimum opens SA with 2 modules (13,000). Fixed to SC instead, by hand: with 2 modules
    # every town goes to SC: 5,000 + 2,000 + 100·50 + 100·40 = 16,000; with 1 module (150 t/d) SC
    # takes C only and A, B are landfilled: 5,000 + 1,000 + 2·6,000 = 18,000.
    free = line_of_three()
    sites = free.sites.assign(fixed_modules=[0.0, float(modules), np.nan],
                              fixed_module_size_tpd=[np.nan, 150.0, np.nan])
    solution = solve_problem(line_of_three(sites=sites), rel_gap=0)
    assert solution.result.status == "optimal" and solution.objective == pytest.approx(cost)
    assert not solution.sites.loc["SA", "opened"] and solution.sites.loc["SC", "new_modules"] == modules


@pytest.fixture(scope="module")
def zhoukou(root, tmp_path_factory):
    """A solved plan of 周口 (Zhoukou) alone, written as a run folder."""
    folder = tmp_path_factory.mktemp("fixed")
    seeds = write_seed_subset(root / "seeds" / "henan", folder / "seeds", {"411600"})
    config = folder / "zhoukou.yaml"
    # zero landfill: without it, landfill (gate fee + CO2e) is cheaper than a new plant at the coal benchmark price
    config.write_text(f"name: 周口\nregion: {{seeds: {seeds}}}\ndemand: {{calibration: null}}\n"
                      "policy: {raw_msw_landfill_cap_tpd: 0}\nsolver: {time_limit_s: 60, rel_gap: 0.0}\n", encoding="utf-8")
    plan = solve_scenario(load_scenario(config))
    export_plan(plan, compute_kpis(plan), folder / "run")
    return folder, plan


def _variant(folder, name: str, text: str):
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\nextends: zhoukou.yaml\n{text}", encoding="utf-8")
    return load_scenario(path)


def test_the_same_scenario_with_its_own_plan_fixed_costs_the_same(zhoukou):
    folder, plan = zhoukou
    assert plan.status == "optimal"
    fixed = solve_scenario(_variant(folder, "same", f"policy: {{fixed_plants_file: {folder / 'run' / 'facilities.csv'}}}\n"))
    assert fixed.status == "optimal" and fixed.objective == pytest.approx(plan.objective, rel=1e-6)
    built = ["new_modules", "module_size_tpd"]
    original = plan.facilities.query("status in ['new', 'expanded']")[built]
    assert fixed.facilities.query("status in ['new', 'expanded']")[built].equals(original)


def test_faster_growth_with_the_plan_fixed_lands_the_excess(zhoukou):
    folder, plan = zhoukou
    grown = solve_scenario(_variant(folder, "grown", "demand: {growth_per_year: 0.08}\n"
                                    f"policy: {{fixed_plants_file: {folder / 'run' / 'facilities.csv'}, "
                                    "raw_msw_landfill_cap_tpd: null}\n"))
    kpis = compute_kpis(grown)
    built = ["new_modules", "module_size_tpd"]
    assert grown.facilities.query("status in ['new', 'expanded']")[built].equals(
        plan.facilities.query("status in ['new', 'expanded']")[built])
    assert kpis["incineration_capacity_tpd"] == compute_kpis(plan)["incineration_capacity_tpd"]
    assert kpis["msw_to_treat_tpd"] > compute_kpis(plan)["msw_to_treat_tpd"]
    # the fixed plants run full (availability 0.9) and the rest is landfilled, where the free plan landfilled none
    assert compute_kpis(plan)["raw_msw_landfill_tpd"] == 0 and kpis["raw_msw_landfill_tpd"] > 0
    assert kpis["msw_incinerated_tpd"] == pytest.approx(0.9 * kpis["incineration_capacity_tpd"], abs=0.1)
    assert kpis["raw_msw_landfill_tpd"] == pytest.approx(kpis["msw_to_treat_tpd"] - kpis["msw_incinerated_tpd"], abs=0.2)


CONTRADICTION = re.escape("key 'policy.fixed_plants_file' (edited.csv): 1 problem(s): ")


@pytest.mark.parametrize("edit, error, message", [
    (lambda f: f.assign(site_id="C999999"), ScenarioError,
     CONTRADICTION + "C999999: not a site of this scenario that builds modules"),
    (lambda f: f.assign(new_modules=9), ScenarioError, CONTRADICTION + ".*: 9 new modules, more than the"),
    (lambda f: f.assign(module_size_tpd=400.0), ScenarioError,
     CONTRADICTION + ".*: module_size_tpd 400 is not one of incinerator's sizes 300, 500, 750"),
    (lambda f: f.assign(new_modules=1.5), DataError, r"edited\.csv: 1 problem\(s\): .*new_modules must be a whole number"),
])
def test_a_contradicting_fixed_plan_is_refused_with_the_key_and_site(zhoukou, edit, error, message):
    folder, _ = zhoukou
    facilities = pd.read_csv(folder / "run" / "facilities.csv", dtype={"site_id": str})
    first = facilities[facilities["status"].isin(["new", "expanded"])].head(1)
    path = folder / "edited.csv"
    edit(first).to_csv(path, index=False)
    with pytest.raises(error, match=message):
        solve_scenario(_variant(folder, "edited", f"policy: {{fixed_plants_file: {path}}}\n"))


def test_a_fixed_plan_cannot_be_phased(zhoukou):
    folder, _ = zhoukou
    with pytest.raises(ScenarioError, match="policy.fixed_plants_file"):
        solve_scenario(_variant(folder, "phased", "region: {target_year: 2023}\nphasing: {years: [2022, 2023]}\n"
                                f"policy: {{fixed_plants_file: {folder / 'run' / 'facilities.csv'}}}\n"))


def test_zero_landfill_with_the_plan_fixed_names_the_full_plants(zhoukou):
    folder, _ = zhoukou
    with pytest.raises(InfeasibleError) as caught:
        solve_scenario(_variant(folder, "capped", "demand: {growth_per_year: 0.08}\n"
                                f"policy: {{fixed_plants_file: {folder / 'run' / 'facilities.csv'}, "
                                "raw_msw_landfill_cap_tpd: 0}\n"))
    message = str(caught.value)
    assert "cannot be served" in message and "as policy.fixed_plants_file builds them) are full" in message
    assert "cannot be opened" not in message  # the plan's own new plants are open, not openable


def test_compare_shows_a_plan_and_its_what_if_side_by_side(zhoukou, tmp_path, capsys):
    from wasteopt import cli

    folder, _ = zhoukou
    grown = solve_scenario(_variant(folder, "grown2", "demand: {growth_per_year: 0.08}\n"
                                    f"policy: {{fixed_plants_file: {folder / 'run' / 'facilities.csv'}, "
                                    "raw_msw_landfill_cap_tpd: null}\n"))
    export_plan(grown, compute_kpis(grown), tmp_path / "what-if")
    table, registry = tmp_path / "compare.csv", str(tmp_path / "r.sqlite")
    runs = [str(folder / "run"), str(tmp_path / "what-if")]
    assert cli.main(["compare", *runs, "--out", str(table), "--registry", registry]) == 0
    shown = capsys.readouterr().out
    landfilled = next(line for line in shown.splitlines() if line.startswith("raw MSW landfilled")).split()
    assert landfilled[4] == "0.00" and landfilled[5] != "0.00" and landfilled[6].startswith("+")  # base, what-if, Δ
    frame = pd.read_csv(table)
    assert list(frame.columns) == ["kpi", "label", "unit", "run", "what-if", "what-if Δ", "what-if Δ %"]
    assert set(frame.loc[frame["kpi"].str.startswith("goal "), "run"]) <= {"MET", "NOT MET"}
    assert cli.main(["compare", *runs, "--out", str(table), "--registry", registry]) == 1  # no silent overwrite
    assert "pass --force" in capsys.readouterr().err
    assert cli.main(["compare", "20990101-000000-abcdef", "--registry", registry]) == 1
    assert "neither a run folder" in capsys.readouterr().err
