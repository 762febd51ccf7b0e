"""Inputs that used to crash or mislead (issue #20, class 9): each now works or gives one clear line."""
from __future__ import annotations

import pytest

from wasteopt import cli
from wasteopt.config.errors import DataError, ScenarioError
from wasteopt.reporting.kpi_compute import compute_kpis
from wasteopt.runs.registry import RunRegistry
from wasteopt.config.loader import load_scenario, scenario_from_yaml_text
from wasteopt.siting import solve_scenario
from wasteopt.runs.workers import worker_pool


def _config(folder, seeds, extra: str = "", demand: str = "{calibration: null}"):
    path = folder / "s.yaml"
    path.write_text(f"name: s\nregion: {{seeds: {seeds}}}\ndemand: {demand}\n{extra}", encoding="utf-8")
    return load_scenario(path)


def test_transfer_candidate_sites_file_is_read(tmp_path, tiny_seeds):
    (tmp_path / "stations.csv").write_text("site_id,name_zh,adcode,lon,lat\nT1,淮阳中转站,411603,114.86,33.73\n",
                                           encoding="utf-8")
    # Stations cost nothing and collection costs ten times the trunk haul: the station is used.
    plan = solve_scenario(_config(tmp_path, tiny_seeds, "transfer: {enabled: true, candidate_sites_file: stations.csv, "
                                  "site_cost_wan_cny: 0, module_cost_wan_cny: 0, cost_cny_per_t: 0, "
                                  "collection_cny_per_t_km: 8}\n"))
    assert plan.status == "optimal" and plan.facilities.loc["T1", "technology"] == "transfer"
    assert plan.facilities.loc["T1", "name_zh"] == "淮阳中转站"


def test_transfer_candidate_sites_file_rows_are_checked(tmp_path, tiny_seeds):
    (tmp_path / "stations.csv").write_text("site_id,name_zh,adcode,lon,lat\nT1,站,999999,1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"stations.csv: 2 problem\(s\): row 1: lon,lat = 1,2 is missing or outside "
                                        r"China .*; row 1: adcode '999999' is not a county-level unit"):
        solve_scenario(_config(tmp_path, tiny_seeds, "transfer: {enabled: true, candidate_sites_file: stations.csv}\n"))


def test_zero_demand_gives_kpis_not_a_crash(tmp_path, tiny_seeds):
    plan = solve_scenario(_config(tmp_path, tiny_seeds, demand="{calibration: null, msw_kg_per_capita_day: "
                                                               "{urban: 0, rural: 0}}"))
    kpis = compute_kpis(plan)
    assert plan.flows.empty and kpis["msw_to_treat_tpd"] == 0 and kpis["t_km_per_day"] == 0
    # nothing to treat: no plant is built, the existing plant stays, both landfills can stop
    assert kpis["new_plants"] == 0 and kpis["landfills_stopped"] == 2


def test_a_table_as_exclusion_zones_is_a_data_error(tmp_path, tiny_seeds):
    (tmp_path / "zones.csv").write_text("name,area\nreservoir,12\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"zones.csv: no geometries in the file \(a table\?\)"):
        solve_scenario(_config(tmp_path, tiny_seeds, "exclusion: {zones_files: [zones.csv]}\n"))


def test_od_ids_that_match_no_demand_node_are_a_data_error(tmp_path, tiny_seeds):
    (tmp_path / "od.csv").write_text("origin,destination,km\nX1,C411602,5\nX2,C411603,7\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"od.csv: no row starts from origin\(s\) 411602, 411603; origins must be "
                                        r"the demand nodes' ids \(county adcodes\), row 1 has origin 'X1'"):
        solve_scenario(_config(tmp_path, tiny_seeds, "network: {od_matrix_file: od.csv}\n"))


def test_population_points_file_is_no_longer_a_silent_key():
    with pytest.raises(ScenarioError, match=r"key 'exclusion.population_points_file' \(u.yaml, line 2\): unknown key"):
        scenario_from_yaml_text("name: u\nexclusion: {population_points_file: p.csv}\n", source="u.yaml")


@pytest.mark.parametrize("content", [b"not a database at all", b"SQLite format 3\x00" + b"\x07" * 200])
def test_a_corrupt_registry_is_one_line(tmp_path, capsys, content):
    path = tmp_path / "registry.sqlite"
    path.write_bytes(content)
    with pytest.raises(DataError, match="registry.sqlite: not a readable run registry"):
        RunRegistry(path).records()
    assert cli.main(["runs", "--registry", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "move the file aside" in err


@pytest.mark.parametrize("address", ["bogus://x", "not an address", "tcp://[::1"])
def test_a_malformed_dask_address_is_one_line(address):
    with pytest.raises(ScenarioError, match="cannot reach the Dask scheduler at"):
        with worker_pool(address, 1):
            pass


def test_a_failed_solve_leaves_no_empty_run_folder(tmp_path, tiny_seeds, capsys):
    config = tmp_path / "s.yaml"  # raw landfill capped at 0, no new plants, 1 km haul: nothing can be served
    config.write_text(f"name: s\nregion: {{seeds: {tiny_seeds}}}\ndemand: {{calibration: null}}\n"
                      "network: {max_haul_km: 1}\npolicy: {raw_msw_landfill_cap_tpd: 0, new_plants: {max: 0}}\n",
                      encoding="utf-8")
    code = cli.main(["solve", str(config), "--out", str(tmp_path / "run"), "--registry", str(tmp_path / "r.sqlite")])
    assert code == 2 and "error:" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tls://scheduler.example:8786", "tcp://[::1]:8786"])
def test_a_well_formed_dask_address_passes_the_check(address):
    from wasteopt.siting.piece_runners import checked_scheduler

    assert checked_scheduler(address) == address
