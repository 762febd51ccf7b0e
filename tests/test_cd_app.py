"""The C&D page of the app, headless: a reconciliation folder shown with its KPIs, map and tables."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from wasteopt.cd.generate import GeneratorSettings, generate, write_generated
from wasteopt.cd.reconcile import ReconcileSettings, reconcile, write_reconciliation
from wasteopt.cd.store import ManifestStore
from wasteopt.reporting.labels import t

ROOT = Path(__file__).resolve().parents[1]


def test_the_cd_page_shows_a_reconciliation(tmp_path):
    data = generate(GeneratorSettings(days=2, trips_per_day=30, anomaly_share=0.05, seed=4))
    write_generated(data, tmp_path / "gen")
    with ManifestStore(tmp_path / "cd.duckdb") as store:
        for kind in ("sites", "trucks", "manifests", "gps"):
            store.load(kind, tmp_path / "gen" / f"{kind}.csv")
        result = reconcile(store, ReconcileSettings.from_dates("2024-05-01", "2024-05-02"))
    write_reconciliation(result, tmp_path / "rec")

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("wasteopt/app/pages/cd_page.py").run()
    assert not at.exception
    assert at.info[0].value == t("cd_no_folder", "zh")
    at.text_input(key="cd_folder").set_value(str(tmp_path / "rec")).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("cd_manifests", "zh")] == f"{result.kpis['manifests']:,}"
    assert metrics[t("cd_years_left", "zh")] == f"{result.kpis['yard_min_years_left']:.1f}"
    assert len(at.get("deck_gl_json_chart")) == 1
    at.text_input(key="cd_folder").set_value(str(tmp_path / "gen")).run()
    assert "not a reconciliation folder" in at.error[0].value


def test_a_scenario_split_by_category_has_a_reuse_knob_per_category_that_acts(tmp_path, monkeypatch):
    from wasteopt.app import service

    monkeypatch.setenv(service.RUNS_DIR_ENV, str(tmp_path / "runs"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.selectbox(key="config_name").set_value("henan-2025-full.yaml").run()
    assert not at.exception
    labels = {slider.label for slider in at.slider}
    assert {"工程渣土就地利用上限 (%)", "工程垃圾就地利用上限 (%)", "拆除垃圾就地利用上限 (%)"} <= labels
    assert t("cd_reuse", "zh") not in labels  # the single stream's share, read by nothing here
    at.slider(key="knob.cd_reuse_pct_spoil").set_value(10.0).run()
    assert "onsite_reuse_max_share: 0.1\n" in at.code[0].value
