"""Bad seed data: broken copies of seeds/henan give one DataError per file that lists every
problem with its row (or feature) number — never a traceback or a silently wrong region."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wasteopt import DataError, Scenario, load_region

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "henan"
COUNTY_SHAPES = "henan_counties_datav_gcj02.geojson"


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def load(folder: Path):
    return load_region(Scenario(name="bad data", base_dir=str(ROOT), region={"seeds": str(folder)}))


def edit_csv(path: Path, change) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False)


def problems(error: DataError) -> list[str]:
    return str(error).split(": ", 2)[-1].split("; ")


def test_counties_with_many_problems_are_reported_together(seeds):
    def break_it(df):
        df.loc[1, "adcode"] = df.loc[0, "adcode"]           # duplicate id
        df.loc[2, "population_2020"] = "NaN"                 # NaN population
        df.loc[3, "urban_population_2020"] = "-5"            # negative
        df.loc[4, "lon_wgs84"], df.loc[4, "lat_wgs84"] = "2.35", "48.85"  # Paris
        df.loc[5, "lon_wgs84"], df.loc[5, "lat_wgs84"] = df.loc[5, "lat_wgs84"], df.loc[5, "lon_wgs84"]  # swapped
        df.loc[6, "rural_population_2020"] = "inf"
        df.loc[7, "population_2020"] = "12.5"                # not a whole number of persons
    edit_csv(seeds / "counties.csv", break_it)
    with pytest.raises(DataError) as caught:
        load(seeds)
    message = str(caught.value)
    assert message.startswith(f"{seeds / 'counties.csv'}: 7 problem(s)")
    for expected in ("row 2: duplicate adcode '410102' (first in row 1)",
                     "row 3: population_2020 is missing or not a number (nan)",
                     "row 4: urban_population_2020 is negative (-5)",
                     "row 5: lon_wgs84,lat_wgs84 = 2.35,48.85 is missing or outside China",
                     "row 6: lon_wgs84,lat_wgs84 =",
                     "row 7: rural_population_2020 is not a finite number ('inf')",
                     "row 8: population_2020 must be a whole number ('12.5')"):
        assert expected in message, expected


def test_missing_columns_are_named(seeds):
    edit_csv(seeds / "counties.csv", lambda df: df.__delitem__("lat_wgs84") or df.__delitem__("rural_population_2020"))
    with pytest.raises(DataError, match=r"missing column\(s\): lat_wgs84, rural_population_2020"):
        load(seeds)


@pytest.mark.parametrize("name, text, message", [
    ("counties.csv", "", "file is empty"),
    ("counties.csv", "adcode,name_zh\n", "file has a header but no data rows"),
    ("prefectures.csv", "adcode,name_zh,name_en,lon,lat\n", "file has a header but no data rows"),
    (COUNTY_SHAPES, "", "file is empty"),
    (COUNTY_SHAPES, '{"type": "FeatureCollection", "features": []}', "the GeoJSON has no features"),
])
def test_empty_files(seeds, name, text, message):
    (seeds / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(f"{seeds / name}: {message}")):
        load(seeds)


def test_plants_with_duplicate_ids_bad_numbers_and_dates(seeds):
    def break_it(df):
        df.loc[len(df)] = df.loc[0]                           # duplicate ps_code (row 69)
        df.loc[1, "capacity_tpd"] = "1e400"                   # overflows to inf
        df.loc[2, "n_furnaces"] = "2.5"
        df.loc[3, "capacity_tpd"] = "-600"
        df.loc[4, "county_adcode"] = "999999"                 # not in Henan
    edit_csv(seeds / "msw_incineration_plants_mee2023.csv", break_it)
    with pytest.raises(DataError) as caught:
        load(seeds)
    listed = problems(caught.value)
    assert len(listed) == 5, listed
    assert any(p.startswith("row 69: duplicate ps_code") for p in listed)
    assert "row 2: capacity_tpd is not a finite number ('1e400')" in listed
    assert "row 3: n_furnaces must be a whole number ('2.5')" in listed
    assert "row 4: capacity_tpd is negative (-600)" in listed
    assert "row 5: county_adcode '999999' is not a county-level unit of the region" in listed


def test_boundaries_in_a_projected_crs_are_refused(seeds):
    path = seeds / COUNTY_SHAPES
    frame = gpd.read_file(path).set_crs("EPSG:4326", allow_override=True).to_crs("EPSG:3857")
    path.unlink()
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(DataError, match=r"coordinates are in EPSG:3857 \(projected\); expected lon/lat degrees"):
        load(seeds)


def test_boundaries_with_swapped_axes_list_the_features(seeds):
    path = seeds / COUNTY_SHAPES
    frame = gpd.read_file(path)
    frame["geometry"] = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    path.unlink()
    frame.to_file(path, driver="GeoJSON")
    with pytest.raises(DataError) as caught:
        load(seeds)
    message = str(caught.value)
    assert f"{path}: 157 problem(s): feature 1 (adcode 410102): extent 34.7" in message
    assert "wrong CRS or swapped lon/lat?" in message and "… and 107 more" in message


def test_user_landfills_report_every_row(tmp_path):
    path = tmp_path / "landfills.csv"
    path.write_text("site_id,name_zh,adcode,lon,lat\n"
                    "L1,甲,410102,113.6,34.7\n"
                    "L1,乙,410102,113.6,34.7\n"       # duplicate id
                    ",丙,410103,113.6,34.7\n"         # empty id
                    "L3,丁,110101,116.4,39.9\n"       # Beijing adcode: not in the region
                    "L4,戊,410102,,\n", encoding="utf-8")  # no coordinates
    scenario = Scenario(name="t", base_dir=str(ROOT), region={"landfills_file": str(path)})
    with pytest.raises(DataError) as caught:
        load_region(scenario)
    listed = problems(caught.value)
    assert "row 2: duplicate site_id 'L1' (first in row 1)" in listed
    assert "row 3: site_id is empty" in listed
    assert "row 4: adcode '110101' is not a county-level unit of the region" in listed
    assert any(p.startswith("row 5: lon,lat = nan,nan is missing or outside China") for p in listed)
