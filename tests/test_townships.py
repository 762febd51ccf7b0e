"""Region at township resolution (region.townships): synthetic townships inside the counties, county totals kept,
seeded, and a plan through the decomposition whose sites find their prefecture (on three small prefectures)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from wasteopt.bench.synthetic import write_seed_subset
from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario import Scenario
from wasteopt.data.region import _load_region, load_region

PREFECTURES = {"410600", "411600", "419001"}  # 鹤壁 (5 counties), 周口 (10), 济源 (1)
TOWNSHIPS = 40


@pytest.fixture(scope="module")
def seeds(root, tmp_path_factory):
    return write_seed_subset(root / "seeds" / "henan", tmp_path_factory.mktemp("townships") / "seeds", PREFECTURES)


def scenario(seeds, townships: int | None = TOWNSHIPS, seed: int = 0) -> Scenario:
    return Scenario(name="townships", region={"seeds": str(seeds), "townships": townships, "township_seed": seed})


def test_townships_keep_every_county_total(seeds):
    counties = load_region(scenario(seeds, None)).demand
    region = load_region(scenario(seeds))
    towns = region.demand
    assert len(counties) == 16 and len(towns) == TOWNSHIPS and towns.index.is_unique
    per_county = towns.groupby("county_adcode")
    assert per_county.size().to_dict() == {  # ∝ population, at least one each
        "410602": 1, "410603": 1, "410611": 2, "410621": 2, "410622": 2, "411602": 3, "411603": 3, "411621": 2,
        "411622": 3, "411623": 3, "411624": 3, "411625": 3, "411627": 3, "411628": 3, "411681": 3, "419001": 3}
    for column in ("population", "urban_population", "rural_population", "dev_zone_population"):
        assert (per_county[column].sum() == counties[column]).all(), column
    assert per_county["msw_tpd"].sum().to_numpy() == pytest.approx(counties["msw_tpd"].to_numpy(), rel=1e-12)
    seat = towns[towns["township"] == 1].set_index("county_adcode")
    assert (seat["urban_population"] == counties["urban_population"]).all()  # the seat holds the urban population
    assert (seat[["lon", "lat"]] == counties[["lon", "lat"]]).all().all()
    assert (towns["prefecture_adcode"] == towns["county_adcode"].map(counties["prefecture_adcode"])).all()
    assert region.generation["sources"]["townships"].startswith("40 synthetic townships (合成乡镇, not a public list)")


def test_township_cells_tile_their_county(seeds):
    counties = load_region(scenario(seeds, None)).boundaries.set_index("adcode").geometry
    region = load_region(scenario(seeds))
    cells = region.boundaries.set_index("adcode").geometry
    assert list(cells.index) == list(region.demand.index)
    county = region.demand["county_adcode"]
    inside = shapely.contains_xy(counties[county].to_numpy(), region.demand["lon"], region.demand["lat"])
    assert inside[region.demand["township"].to_numpy() > 1].all()  # drawn points lie in their county
    areas = pd.Series(shapely.area(cells.to_numpy()), index=county.to_numpy()).groupby(level=0).sum()
    assert areas.to_numpy() == pytest.approx(shapely.area(counties[areas.index].to_numpy()), rel=1e-6)


def test_one_seed_one_set_of_townships(seeds):
    first = load_region(scenario(seeds)).demand
    _load_region.cache_clear()
    again = load_region(scenario(seeds)).demand
    other = load_region(scenario(seeds, seed=1)).demand
    pd.testing.assert_frame_equal(first, again)
    assert (first["county_adcode"] == other["county_adcode"]).all()  # the allocation depends on population only
    moved = first["township"] > 1
    assert not np.allclose(first.loc[moved, "lon"], other.loc[moved, "lon"])


def test_fewer_townships_than_counties_is_a_one_line_error(seeds):
    with pytest.raises(ScenarioError, match=r"region\.townships.*15 townships for 16 counties"):
        load_region(scenario(seeds, 15))


def test_the_township_config_runs_through_the_decomposition_to_files_and_report(root, seeds, tmp_path):
    """configs/henan-2025-townships.yaml on the three prefectures: a plan from the pieces on a LocalCluster given by
    address, every site in its county's prefecture, the gap asked for kept, the run's files and report readable."""
    from distributed import LocalCluster

    from wasteopt.config.loader import load_scenario
    from wasteopt.reporting.report import write_report
    from wasteopt.runs.folder import RunFolder
    from wasteopt.runs.pipeline import run_scenario
    from wasteopt.runs.registry import RunRegistry

    config = load_scenario(root / "configs" / "henan-2025-townships.yaml")
    assert config.region.townships == 2400 and config.solver.decompose == "prefecture"
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        small = config.with_changes({"region": {"seeds": str(seeds), "townships": TOWNSHIPS},
                                     "solver": {"time_limit_s": 30, "search": False,
                                                "scheduler": cluster.scheduler_address}})
        outcome = run_scenario(small, tmp_path / "run", registry=RunRegistry(tmp_path / "r.sqlite"), source="test")
    plan, towns = outcome.plan, load_region(small).demand
    assert plan.rel_gap == small.solver.rel_gap
    assert plan.best_bound <= plan.objective * (1 + 1e-9)
    county_prefecture = towns.groupby("county_adcode")["prefecture_adcode"].first()
    facilities = plan.facilities
    assert facilities["prefecture_adcode"].notna().all()
    assert (facilities["prefecture_adcode"] == facilities["adcode"].map(county_prefecture)).all()
    folder = RunFolder(tmp_path / "run")
    demand = folder.demand()
    assert len(demand) == TOWNSHIPS and demand["served_by"].notna().all()
    assert demand["county_adcode"].map(type).eq(str).all()  # read back as text
    assert len(folder.layers()["demand"]) == TOWNSHIPS
    assert {"html", "xlsx"} <= set(write_report(tmp_path / "run", pdf=False))


def test_routing_a_township_plan_is_a_one_line_error(seeds, tmp_path):
    from argparse import Namespace

    from wasteopt.routing.county import build_jobs

    config = tmp_path / "towns.yaml"
    config.write_text(f"name: towns\nregion:\n  seeds: {seeds}\n  townships: {TOWNSHIPS}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="wasteopt route plans per county: region.townships is set"):
        build_jobs(Namespace(config=str(config), all=False, county="410602"), tmp_path / "routes")


def test_the_assumptions_table_names_the_townships_in_both_languages_only_when_used(root):
    from wasteopt.config.assumptions import settings_in_use
    from wasteopt.config.loader import load_scenario

    def rows(config):
        return {row["键 key"]: row for row in settings_in_use(load_scenario(root / "configs" / config))}

    towns = rows("henan-2025-townships.yaml")
    assert towns["region.townships"]["设置 setting"] == "合成乡镇数 synthetic townships"
    assert towns["region.townships"]["取值 value"] == "2,400"
    assert towns["region.township_seed"]["设置 setting"] == "合成乡镇随机种子 synthetic township seed"
    assert not {"region.townships", "region.township_seed"} & set(rows("henan-2025.yaml"))  # a county run
