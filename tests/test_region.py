"""Region builder: seeds, demand arithmetic, plants, sites, validation, coordinates."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from wasteopt.config.errors import DataError
from wasteopt.data.coords import gcj02_to_wgs84
from wasteopt.data.demand import msw_generation
from wasteopt.data.region import load_region
from wasteopt.data.tables import validate_table
from wasteopt.config.scenario import DemandSettings, Scenario

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "henan"
HENAN_CENSUS_TOTAL = 99_365_519


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario(name="test", base_dir=str(ROOT))


@pytest.fixture(scope="module")
def region(scenario):
    return load_region(scenario)


def test_population_including_dev_zones_sums_to_census_total(region):
    demand = region.demand
    assert len(demand) == 157 and demand.index.name == "node_id"
    assert demand["population"].sum() == HENAN_CENSUS_TOTAL
    assert demand["dev_zone_population"].sum() == 4_430_700
    assert (demand["urban_population"] + demand["rural_population"] == demand["population"]).all()
    assert demand.loc["410184", "dev_zone_population"] == 621_382  # 航空港区 → 新郑市


def test_baseline_2020_plants_match_published_split(region):
    assert len(region.plants) == 26
    assert region.plants["capacity_tpd"].sum() == 28_270
    assert len(region.later_plants) == 42
    assert region.later_plants["capacity_tpd"].sum() == 41_050
    assert (region.plants["start_year"] <= 2020).all() and (region.later_plants["start_year"] > 2020).all()
    assert region.plants["site_id"].is_unique and region.plants["site_id"].str.match(r"^P[0-9A-F]{8}$").all()


def test_plants_sit_at_host_county_seats(region):
    plants = pd.concat([region.plants, region.later_plants])
    seats = region.demand.loc[plants["adcode"], ["lon", "lat"]].to_numpy()
    np.testing.assert_array_equal(plants[["lon", "lat"]].to_numpy(), seats)
    east_zhengzhou = plants.set_index("name_zh").loc["郑州东兴环保能源有限公司"]
    assert east_zhengzhou["adcode"] == "410122"  # 中牟县, from the approval notice
    xingyang = plants.set_index("name_zh").loc["郑州荥锦绿色环保能源有限公司"]
    assert xingyang["adcode"] == "410105" and "prefecture seat" in xingyang["location_basis"]


def test_later_baseline_moves_plants_into_the_fleet(scenario):
    region = load_region(scenario.with_changes({"region": {"baseline_year": 2023}}))
    assert len(region.plants) == 68 and region.plants["capacity_tpd"].sum() == 69_320
    assert region.later_plants.empty


def test_news_additions_stay_out_of_the_fleet_with_their_sources(region):
    news = region.news_plants
    assert list(news["capacity_tpd"]) == [4500, 800, 822] and list(news["start_year"]) == [2024, 2023, 2024]
    assert news["source_url"].str.startswith("http").all()
    assert not set(news["name_zh"]) & set(region.plants["name_zh"])


def test_a_news_addition_without_a_date_is_a_row_error(seeds_copy):
    path = seeds_copy / "msw_incineration_plants_news_additions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2023-11-10", "2023年11月"), encoding="utf-8")
    with pytest.raises(DataError, match=re.escape("row 2: date_reported is not a YYYY-MM-DD date")):
        load_region(Scenario(name="bad", region={"seeds": str(seeds_copy)}))


def test_default_landfills_are_one_per_county_seat_eleven_on_record(region):
    landfills = region.landfills
    assumed = landfills["assumed"]
    assert len(landfills) == 157 and assumed.sum() == 146
    assert set(landfills.loc[~assumed, "adcode"]) == {"410103", "410181", "410212", "410222", "410305", "411121", "411303",
                                                       "411502", "411628", "411724", "411728"}
    assert landfills.loc[~assumed, "source"].str.startswith("http").all()
    assert landfills.loc[assumed, "source"].str.startswith("assumed: no public record found").all()
    assert (landfills["site_id"] == "L" + landfills["adcode"]).all()
    assert landfills.loc[assumed, "name_zh"].str.endswith("填埋场(假设)").all()
    np.testing.assert_array_equal(landfills[["lon", "lat"]].to_numpy(),
                                  region.demand.loc[landfills["adcode"], ["lon", "lat"]].to_numpy())


def test_default_candidates_are_county_seats(region):
    candidates = region.candidates
    assert len(candidates) == 157 and (candidates["site_id"] == "C" + candidates["adcode"]).all()
    assert list(candidates.columns) == ["site_id", "name_zh", "name_en", "adcode", "prefecture_adcode", "lon", "lat"]


def test_generation_arithmetic_without_calibration():
    settings = DemandSettings(calibration=None)
    result = msw_generation([1000.0], [1000.0], settings, year=2021)
    # (1000 × 1.1 × 1.0 + 1000 × 0.52 × 0.95) / 1000 = 1.594 t/d in 2020, × 1.02 in 2021, nothing sorted out
    assert result.generated_tpd[0] == pytest.approx(1.594 * 1.02)
    assert result.to_treat_tpd[0] == pytest.approx(1.594 * 1.02)
    shorthand = msw_generation([1000.0], [1000.0], DemandSettings(calibration=None, sorted_out_share=0.1), year=2021)
    assert shorthand.to_treat_tpd[0] == pytest.approx(1.594 * 1.02 * 0.9)
    assert result.calibration_factor == 1.0


def test_calibration_reproduces_provincial_total(region):
    # the held default factor was fitted to the observed total; fitting it again (factor: null) gives the same
    held = msw_generation(region.demand["urban_population"], region.demand["rural_population"],
                          DemandSettings(), year=2023)
    assert held.generated_tpd.sum() == pytest.approx(72_000, abs=0.5) and not held.calibration_fitted
    fitted_settings = DemandSettings(calibration=DemandSettings().calibration.model_copy(update={"factor": None}))
    fitted = msw_generation(region.demand["urban_population"], region.demand["rural_population"],
                            fitted_settings, year=2023)
    assert fitted.generated_tpd.sum() == pytest.approx(72_000, rel=1e-12) and fitted.calibration_fitted
    assert fitted.calibration_factor == pytest.approx(held.calibration_factor, abs=1e-6)


def test_target_year_2025_figures(region):
    assert region.demand["msw_generated_tpd"].sum() == pytest.approx(72_000 * 1.02 ** 2)
    assert region.demand["msw_tpd"].sum() == pytest.approx(72_000 * 1.02 ** 2)
    assert region.generation["totals"]["msw_tpd"] == pytest.approx(74_908.8)


def test_load_region_is_cached(scenario, region):
    assert load_region(Scenario(name="other name", base_dir=str(ROOT))) is region
    assert load_region(scenario.with_changes({"demand": {"growth_per_year": 0.0}})) is not region


def test_gcj02_to_wgs84_matches_seed_columns():
    counties = pd.read_csv(SEEDS / "counties.csv")
    lon, lat = gcj02_to_wgs84(counties["lon"], counties["lat"])
    np.testing.assert_allclose(lon, counties["lon_wgs84"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(lat, counties["lat_wgs84"], atol=1e-5, rtol=0)


def test_boundaries_are_wgs84_valid_and_hold_their_seats(region):
    boundaries = region.boundaries.set_index("adcode")
    assert len(boundaries) == 157 and region.boundaries.crs.to_epsg() == 4326
    assert shapely.is_valid(boundaries.geometry.to_numpy()).all()
    seats = shapely.points(region.demand.loc[boundaries.index, ["lon", "lat"]].to_numpy())
    assert shapely.contains(boundaries.geometry.to_numpy(), seats).all()
    assert len(region.prefecture_boundaries) == 18


# ----------------------------------------------------------------------------- bad data

@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def test_bad_counties_file_reports_every_problem(seeds_copy, tmp_path):
    counties = pd.read_csv(seeds_copy / "counties.csv", dtype=str)
    counties.loc[1, "adcode"] = counties.loc[0, "adcode"]  # row 2 duplicates row 1
    counties.loc[3, "population_2020"] = ""  # row 4
    counties.loc[4, "rural_population_2020"] = "-5"  # row 5
    counties.loc[6, "lon_wgs84"] = "200"  # row 7
    counties.to_csv(seeds_copy / "counties.csv", index=False)
    with pytest.raises(DataError) as caught:
        load_region(Scenario(name="bad", region={"seeds": str(seeds_copy)}))
    message = str(caught.value)
    assert "counties.csv" in message and "4 problem(s)" in message
    for expected in ("row 2: duplicate adcode '410102' (first in row 1)", "row 4: population_2020 is missing",
                     "row 5: rural_population_2020 is negative", "row 7: lon_wgs84,lat_wgs84"):
        assert expected in message


def test_missing_columns_empty_and_unreadable_files(tmp_path):
    scenario = Scenario(name="x", base_dir=str(ROOT))
    cases = {
        "missing.csv": ("site_id,name_zh,lon\nA,甲,113\n", "missing column(s): adcode, lat"),
        "empty.csv": ("", "file is empty"),
        "header.csv": ("site_id,name_zh,adcode,lon,lat\n", "no data rows"),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match=re.escape(expected)):
            load_region(scenario.with_changes({"region": {"landfills_file": str(tmp_path / name)}}))
    (tmp_path / "binary.csv").write_bytes(b"site_id,name_zh\n\xff\xfe\x00\x81,\xc3\x28\n")
    with pytest.raises(DataError, match="cannot read"):
        load_region(scenario.with_changes({"region": {"candidate_sites_file": str(tmp_path / "binary.csv")}}))
    with pytest.raises(DataError, match="not found"):
        load_region(scenario.with_changes({"region": {"landfills_file": str(tmp_path / "nowhere.csv")}}))


def test_bad_user_sites_report_rows(tmp_path):
    path = tmp_path / "landfills.csv"
    path.write_text("site_id,name_zh,adcode,lon,lat\n"
                    "L1,甲,410102,113.6,34.7\n"
                    "L1,乙,410103,113.6,34.7\n"
                    "L3,丙,999999,113.6,34.7\n"
                    "L4,丁,410104,,34.7\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_region(Scenario(name="x", base_dir=str(ROOT), region={"landfills_file": str(path)}))
    message = str(caught.value)
    assert "landfills.csv: 3 problem(s)" in message
    assert "row 2: duplicate site_id 'L1'" in message
    assert "row 3: adcode '999999' is not a county-level unit" in message
    assert "row 4: lon,lat" in message


def test_user_site_files_replace_defaults(tmp_path):
    landfills, candidates = tmp_path / "landfills.csv", tmp_path / "candidates.csv"
    landfills.write_text("site_id,name_zh,adcode,lon,lat\nLF1,某填埋场,410102,113.5,34.7\n", encoding="utf-8")
    candidates.write_text("site_id,name_zh,name_en,adcode,lon,lat\nS1,某厂址,Mou site,411302,112.6,33.0\n",
                          encoding="utf-8")
    region = load_region(Scenario(name="x", base_dir=str(ROOT), region={
        "landfills_file": str(landfills), "candidate_sites_file": str(candidates)}))
    basics = ["site_id", "name_zh", "name_en", "adcode", "lon", "lat", "assumed"]
    assert region.landfills[basics].to_dict("records") == [
        {"site_id": "LF1", "name_zh": "某填埋场", "name_en": "LF1", "adcode": "410102", "lon": 113.5, "lat": 34.7,
         "assumed": False}]
    assert region.landfills[["capacity_tpd", "opened_year", "closed_year"]].isna().all().all()
    assert region.landfills["source"].tolist() == [""]  # no record columns in a user's file: none published
    assert region.candidates.loc[0, "prefecture_adcode"] == "411300"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])  # as saved by scripts, Excel "CSV UTF-8", Excel on Chinese Windows
def test_user_files_in_excel_encodings_keep_their_chinese_names(tmp_path, encoding):
    landfills = tmp_path / "landfills.csv"
    landfills.write_bytes("site_id,name_zh,adcode,lon,lat\nLF1,某填埋场,410102,113.5,34.7\n".encode(encoding))
    region = load_region(Scenario(name="x", base_dir=str(ROOT), region={"landfills_file": str(landfills)}))
    assert region.landfills.loc[0, ["site_id", "name_zh"]].tolist() == ["LF1", "某填埋场"]


def test_a_file_in_neither_encoding_says_how_to_save_it(tmp_path):
    landfills = tmp_path / "landfills.csv"
    landfills.write_bytes(b"site_id,name_zh,adcode,lon,lat\nLF1,\x81\x30\xff\xfe,410102,113.5,34.7\n")
    with pytest.raises(DataError, match="neither UTF-8 nor GBK.*save it as 'CSV UTF-8'"):
        load_region(Scenario(name="x", base_dir=str(ROOT), region={"landfills_file": str(landfills)}))


def test_written_csv_carries_a_bom_for_excel_and_reads_back(tmp_path):
    from wasteopt.config.writers import write_csv

    write_csv(tmp_path / "t.csv", pd.DataFrame({"site_id": ["C1"], "name_zh": ["郑州"]}))
    assert (tmp_path / "t.csv").read_bytes().startswith("\ufeffsite_id".encode("utf-8"))
    assert list(pd.read_csv(tmp_path / "t.csv").columns) == ["site_id", "name_zh"]


def test_validate_table_is_reusable():
    df = pd.DataFrame({"id": ["a", "b", "b"], "n": ["1", "x", "-2"]}, dtype=str)
    problems = validate_table(df, required=["id", "n", "w"], id_column="id", nonnegative=("n",))
    assert problems == ["missing column(s): w", "row 3: duplicate id 'b' (first in row 2)",
                        "row 2: n is missing or not a number ('x')", "row 3: n is negative (-2)"]
