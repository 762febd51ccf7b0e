"""Reconciliation of generated C&D manifests and GPS: every anomaly kind found with precision and recall ≥ 0.95
against the generator's truth, on DuckDB and PostgreSQL alike; site fill and sources add up."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from wasteopt.cd.generate import ANOMALY_KINDS, GeneratorSettings, generate, write_generated
from wasteopt.cd.reconcile import ReconcileSettings, reconcile
from wasteopt.cd.store import ManifestStore
from wasteopt.cli import main
from wasteopt.config.errors import DataError

SMALL = GeneratorSettings(counties=("410122", "410183"), start="2024-05-01", days=4, trips_per_day=60,
                          anomaly_share=0.04, gps_interval_s=20, seed=7)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("cd") / "generated"
    data = generate(SMALL)
    write_generated(data, out)
    return data, out


def load_all(store_location, folder) -> ManifestStore:
    store = ManifestStore(store_location)
    for kind in ("sites", "trucks", "manifests", "gps"):
        if (folder / f"{kind}.csv").exists():
            store.load(kind, folder / f"{kind}.csv")
    return store


def scores(found: pd.DataFrame, truth: pd.DataFrame) -> dict[str, tuple[float, float]]:
    out = {}
    for kind in ANOMALY_KINDS:
        got, true = set(found.loc[found["kind"] == kind, "manifest_id"]), set(truth.loc[truth["kind"] == kind, "manifest_id"])
        out[kind] = (len(got & true) / len(got) if got else 0.0, len(got & true) / len(true) if true else 0.0)
    return out


def due_truth(data) -> pd.DataFrame:
    """The truth, less the unclosed manifests whose 6 h had not passed by the last manifest time."""
    m = data.manifests
    latest = max(pd.to_datetime(m["depart_time"]).max(), pd.to_datetime(m["arrive_time"].replace("", None)).max())
    depart = pd.to_datetime(m.set_index("manifest_id")["depart_time"])
    not_due = data.truth["kind"].eq("no_arrival") & (data.truth["manifest_id"].map(depart) + pd.Timedelta(hours=6) > latest)
    return data.truth[~not_due]


def test_the_generator_is_seeded_and_injects_every_kind():
    again, other = generate(SMALL), generate(SMALL.__class__(**{**SMALL.__dict__, "seed": 8}))
    data = generate(SMALL)
    assert data.manifests.equals(again.manifests) and data.gps.equals(again.gps)
    assert not data.manifests["load_t"].equals(other.manifests["load_t"])
    counts = data.truth["kind"].value_counts()
    assert {kind: counts[kind] for kind in ANOMALY_KINDS} == {kind: 10 for kind in ANOMALY_KINDS}  # 4 % of 240 trips
    assert len(data.manifests) == 240 + 10  # the duplicates are extra manifests


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_every_anomaly_kind_is_found_with_precision_and_recall_of_at_least_95pct(small_data, backend, tmp_path, request):
    data, folder = small_data
    location = str(tmp_path / "cd.duckdb") if backend == "duckdb" else request.getfixturevalue(
        "postgres_server").new_database()
    with load_all(location, folder) as store:
        result = reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-04"))
    found = scores(result.anomalies, due_truth(data))
    assert all(p >= 0.95 and r >= 0.95 for p, r in found.values()), found
    assert result.kpis["manifests"] == 250
    assert result.kpis["anomalies"] == result.anomalies["kind"].value_counts().reindex(list(ANOMALY_KINDS),
                                                                                        fill_value=0).to_dict()


def test_both_backends_give_the_same_reconciliation(small_data, tmp_path, postgres_server):
    data, folder = small_data
    settings = ReconcileSettings.from_dates("2024-05-02", "2024-05-03")
    with load_all(str(tmp_path / "cd.duckdb"), folder) as store:
        duck = reconcile(store, settings)
    with load_all(postgres_server.new_database(), folder) as store:
        pg = reconcile(store, settings)
    pd.testing.assert_frame_equal(duck.anomalies, pg.anomalies, check_dtype=False)
    pd.testing.assert_frame_equal(duck.sites, pg.sites, check_dtype=False)
    assert duck.kpis == pg.kpis


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_gps_fixes_loaded_twice_count_once(small_data, tmp_path, backend, request):
    data, folder = small_data
    location = str(tmp_path / "cd.duckdb") if backend == "duckdb" else request.getfixturevalue(
        "postgres_server").new_database()
    again = tmp_path / "gps-again.csv"  # every third fix again, in another file: a stop's mean place must not move
    repeated = data.gps.iloc[::3].iloc[::-1]
    repeated.to_csv(again, index=False)
    settings = ReconcileSettings.from_dates("2024-05-02", "2024-05-03")
    with load_all(location, folder) as store:
        once = reconcile(store, settings)
        store.load("gps", again)
        twice = reconcile(store, settings)
        stored = store.counts()["gps"]
    assert stored == len(data.gps) + len(repeated)
    pd.testing.assert_frame_equal(once.anomalies, twice.anomalies, check_exact=True)


def test_site_fill_and_sources_add_up(small_data, tmp_path):
    data, folder = small_data
    with load_all(str(tmp_path / "cd.duckdb"), folder) as store:
        result = reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-04"))
    duplicates = result.anomalies.loc[result.anomalies["kind"] == "duplicate", "manifest_id"]
    assert set(duplicates) == set(data.truth.loc[data.truth["kind"] == "duplicate", "manifest_id"]) and len(duplicates)
    m = data.manifests[~data.manifests["manifest_id"].isin(duplicates)]  # a second record of a load counts nowhere
    arrived = m[m["arrive_time"] != ""]
    sites, sources = result.sites.set_index("site_id"), result.sources
    assert sites["intake_t"].sum() == pytest.approx(arrived["load_t"].sum(), abs=0.05)
    assert sources.loc[sources["category"] == "all", "hauled_t"].sum() == pytest.approx(m["load_t"].sum(), abs=0.05)
    yard = sites[sites["kind"] == "yard"].iloc[0]
    spoil_m3 = yard["intake_t_spoil"] / 1.8
    assert yard["intake_m3_spoil"] == pytest.approx(spoil_m3, abs=0.01)
    # nothing before the period: all the volume filled is this period's intake
    assert yard["fill_share"] == pytest.approx(yard["intake_m3"] / yard["volume_m3"], abs=1e-4)
    left = (yard["volume_m3"] - yard["intake_m3"]) / (yard["intake_m3"] * 365 / 4)
    assert yard["years_left"] == pytest.approx(left, abs=0.01)


def test_a_stop_near_a_licensed_site_or_short_is_not_dumping(tmp_path):
    sites = ("site_id,name,kind,lon,lat,adcode,licensed,volume_m3,capacity_tpd\n"
             "Y1,消纳场,yard,114.00,34.70,410122,true,100000,500\n")
    manifests = ("manifest_id,project_id,project_name,category,origin_lon,origin_lat,origin_adcode,truck_plate,load_t,"
                 "depart_time,destination_site_id,arrive_time\n"
                 "A,P,工地,spoil,114.10,34.70,410122,豫A1,30,2024-05-01T08:00:00,Y1,2024-05-01T09:00:00\n"
                 "B,P,工地,spoil,114.10,34.70,410122,豫A2,30,2024-05-01T08:00:00,Y1,2024-05-01T09:00:00\n"
                 "C,P,工地,spoil,114.10,34.70,410122,豫A3,30,2024-05-01T08:00:00,Y1,2024-05-01T09:00:00\n")
    fixes = ["truck_plate,time,lon,lat"]
    # A stands 12 min at 114.05 (4.6 km from both ends); B stands 9 min there; C stands 12 min 300 m from Y1
    for plate, lon, minutes in (("豫A1", 114.05, 12), ("豫A2", 114.05, 9), ("豫A3", 114.0033, 12)):
        for k in range(0, minutes * 60 + 1, 30):
            fixes.append(f"{plate},2024-05-01T08:{20 + k // 60:02d}:{k % 60:02d},{lon},34.70")
        fixes.append(f"{plate},2024-05-01T08:{21 + minutes:02d}:00,{lon - 0.01},34.70")
    for name, text in (("sites", sites), ("manifests", manifests), ("gps", "\n".join(fixes) + "\n")):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    with load_all(str(tmp_path / "cd.duckdb"), tmp_path) as store:
        result = reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-01"))
    stops = result.anomalies[result.anomalies["kind"] == "dumping_stop"]
    assert stops["manifest_id"].tolist() == ["A"]
    assert stops["evidence"].iloc[0] == "stood 12 min 4.6 km from the origin, 4.6 km from the nearest licensed site"


def test_cd_commands_generate_ingest_and_reconcile(tmp_path, capsys):
    out, store = tmp_path / "gen", str(tmp_path / "cd.duckdb")
    assert main(["cd", "generate", "--out", str(out), "--days", "2", "--trips-per-day", "30", "--seed", "3"]) == 0
    assert main(["cd", "ingest", "--store", store, *[a for k in ("sites", "trucks", "manifests", "gps")
                                                     for a in (f"--{k}", str(out / f"{k}.csv"))],
                 "--rejects", str(tmp_path / "rejects")]) == 0
    assert main(["cd", "reconcile", "--store", store, "--from", "2024-05-01", "--to", "2024-05-02",
                 "--out", str(tmp_path / "rec")]) == 0
    kpis = json.loads((tmp_path / "rec" / "kpis.json").read_text(encoding="utf-8"))
    anomalies = pd.read_csv(tmp_path / "rec" / "anomalies.csv")
    assert kpis["manifests"] == 60 + 1 and list(anomalies.columns) == ["manifest_id", "truck_plate", "kind", "time",
                                                                      "lon", "lat", "evidence"]
    assert main(["cd", "reconcile", "--store", store, "--from", "2024-05-02", "--to", "2024-05-01",
                 "--out", str(tmp_path / "rec2")]) == 1
    assert "before --from" in capsys.readouterr().err
    assert main(["cd", "reconcile", "--store", str(tmp_path / "none.duckdb"), "--from", "2024-05-01", "--to",
                 "2024-05-02", "--out", str(tmp_path / "rec3")]) == 1
    assert "no such store" in capsys.readouterr().err and not (tmp_path / "none.duckdb").exists()
    with pytest.raises(DataError, match="not Henan county adcodes"):
        generate(GeneratorSettings(counties=("999999",)))


def test_the_shipped_example_is_what_its_settings_generate(root):
    folder = root / "examples" / "cd-zhongmou"
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    settings.pop("anomaly_kinds")
    data = generate(GeneratorSettings(**{**settings, "counties": tuple(settings["counties"])}))
    shipped = pd.read_csv(folder / "manifests.csv", dtype=str, keep_default_na=False)
    assert shipped.equals(data.manifests.astype(str).replace("nan", ""))
    assert len(pd.read_csv(folder / "gps.csv")) == len(data.gps) == 16_634


def test_a_plan_run_is_set_beside_what_happened(tiny_seeds, tmp_path):
    from wasteopt import compute_kpis, export_plan, solve_scenario
    from wasteopt.config.scenario import Scenario

    scenario = Scenario(name="cd-plan", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                        cd={"enabled": True})
    plan = solve_scenario(scenario, time_limit=30)
    export_plan(plan, compute_kpis(plan), tmp_path / "run")
    flows = pd.read_csv(tmp_path / "run" / "flows.csv", dtype={"origin": str})
    cd = flows[flows["stream"] == "cd"]
    hauled = cd[cd["destination_technology"] != "cd_reuse"].groupby("origin")["tonnes_per_day"].sum()
    data = generate(GeneratorSettings(counties=("411602", "411603"), days=2, trips_per_day=20, seed=2))
    write_generated(data, tmp_path / "gen")
    with load_all(str(tmp_path / "cd.duckdb"), tmp_path / "gen") as store:
        result = reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-02"), plan=str(tmp_path / "run"))
    totals = result.sources[result.sources["category"] == "all"].set_index("adcode")
    assert totals["planned_hauled_tpd"].to_dict() == pytest.approx(hauled.round(2).to_dict())
    assert totals["hauled_vs_plan"].to_dict() == pytest.approx((totals["hauled_tpd"] / hauled).round(4).to_dict(),
                                                               abs=1e-4)
    assert result.kpis["plan"] == str(tmp_path / "run")
    with load_all(str(tmp_path / "cd2.duckdb"), tmp_path / "gen") as store, pytest.raises(DataError, match="--plan"):
        reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-02"), plan=str(tmp_path / "gen"))
