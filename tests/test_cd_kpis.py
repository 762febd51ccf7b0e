"""C&D haulage KPIs of a plan: truck trips and truck-km a year, trips avoided by on-site reuse, yard life."""
import pandas as pd
import pytest

from wasteopt import compute_kpis, solve_scenario
from wasteopt.reporting.kpi import kpi_text
from wasteopt.reporting.report.tables import kpi_rows
from wasteopt.config.scenario import Scenario


@pytest.fixture(scope="module")
def cd_plan(tiny_seeds):
    scenario = Scenario(name="cd-kpis", region={"seeds": str(tiny_seeds)}, demand={"calibration": None},
                        cd={"enabled": True, "truck_payload_t": 20})
    return solve_scenario(scenario, time_limit=30)


def test_truck_trips_km_reuse_and_yard_life_follow_the_plan_flows(cd_plan):
    kpis = compute_kpis(cd_plan)
    flows, fac = cd_plan.flows, cd_plan.facilities
    hauled = flows[flows["stream"].isin(["cd", "cd_residue"]) & (flows["destination_technology"] != "cd_reuse")]
    trips = hauled["tonnes_per_day"] * 365 / 20
    reused = flows.loc[(flows["stream"] == "cd") & (flows["destination_technology"] == "cd_reuse"), "tonnes_per_day"].sum()
    yards = fac[(fac["technology"] == "cd_yard") & (fac["throughput_tpd"] > 0)]
    assert kpis["cd_truck_trips_per_year"] == pytest.approx(trips.sum(), abs=0.5)
    assert kpis["cd_truck_km_per_year"] == pytest.approx((2 * trips * hauled["km"]).sum(), abs=0.5)  # 0 here: in-county hauls
    assert kpis["cd_trips_avoided_by_reuse_per_year"] == pytest.approx(reused * 365 / 20, abs=0.5)
    assert kpis["cd_trips_avoided_by_reuse_per_year"] > 0 and kpis["cd_truck_trips_per_year"] > 0
    if len(yards):  # default yard: 1,000,000 m³ at 1.5 t/m³
        life = (1_000_000 / (yards["throughput_tpd"] * 365 / 1.5)).min()
        assert kpis["cd_yard_years_left_min"] == pytest.approx(life, abs=0.01)
        assert kpis["cd_yard_years_left_min"] >= 10 - 0.01  # a yard's daily capacity spreads its volume over 10 years
    else:
        assert kpis["cd_yard_years_left_min"] is None


def test_the_cd_kpis_are_in_the_report_and_terminal_tables(cd_plan):
    kpis = compute_kpis(cd_plan)
    rows = kpi_rows(kpis)
    trips = rows[rows["指标 KPI"].str.contains("C&D truck trips")]
    assert trips["指标 KPI"].iloc[0] == "建筑垃圾运输车次 C&D truck trips"
    assert trips["数值 value"].iloc[0] == kpis["cd_truck_trips_per_year"]
    assert "C&D trips avoided by on-site reuse" in kpi_text(kpis)
    no_cd = compute_kpis(solve_scenario(cd_plan.scenario.with_changes({"cd": {"enabled": False}}), time_limit=30))
    assert "cd_truck_trips_per_year" not in no_cd and not kpi_rows(no_cd)["指标 KPI"].str.contains("C&D").any()


def test_haulage_kpis_on_a_hand_made_plan():
    from types import SimpleNamespace

    from wasteopt.reporting.kpi_streams import _cd_haulage_kpis

    flows = pd.DataFrame({"stream": ["cd", "cd_residue", "cd", "msw"], "destination": ["R1", "Y1", "U1", "C1"],
                          "destination_technology": ["cd_recycler", "cd_yard", "cd_reuse", "incinerator"],
                          "tonnes_per_day": [100.0, 20.0, 40.0, 500.0], "km": [12.0, 5.0, 0.0, 30.0]})
    facilities = pd.DataFrame({"technology": ["cd_recycler", "cd_yard", "cd_yard"], "throughput_tpd": [100.0, 20.0, 0.0]},
                              index=["R1", "Y1", "Y2"])
    plan = SimpleNamespace(scenario=Scenario(name="hand", cd={"enabled": True}), flows=flows, facilities=facilities)
    assert _cd_haulage_kpis(plan, reused_tpd=40.0) == {
        "cd_truck_trips_per_year": 1752.0,  # (100 + 20) t/d × 365 / 25 t
        "cd_truck_km_per_year": 37960.0,  # 2 × (1,460 trips × 12 km + 292 trips × 5 km)
        "cd_trips_avoided_by_reuse_per_year": 584.0,  # 40 t/d × 365 / 25 t
        "cd_yard_years_left_min": 205.48,  # 1,000,000 m³ / (20 t/d × 365 / 1.5 t/m³); the idle yard does not count
        "cd_yard_years_left": {"Y1": 205.48},
    }


def test_a_plan_that_sends_nothing_to_a_yard_has_no_yard_life():
    """No yard takes waste: no yard life (the empty text column of stream names once failed the division)."""
    from types import SimpleNamespace

    from wasteopt.reporting.kpi_streams import _cd_haulage_kpis

    flows = pd.DataFrame({"stream": ["cd"], "destination": ["R1"], "destination_technology": ["cd_recycler"],
                          "tonnes_per_day": [100.0], "km": [12.0]})
    facilities = pd.DataFrame({"technology": ["cd_recycler", "cd_yard"], "throughput_tpd": [100.0, 0.0]},
                              index=["R1", "Y1"])
    plan = SimpleNamespace(scenario=Scenario(name="hand", cd={"enabled": True}), flows=flows, facilities=facilities)
    kpis = _cd_haulage_kpis(plan, reused_tpd=0.0)
    assert kpis["cd_yard_years_left_min"] is None and kpis["cd_yard_years_left"] == {}
    assert kpis["cd_truck_trips_per_year"] == 1460.0  # 100 t/d × 365 / 25 t
