"""The C&D page of the app, headless: a reconciliation folder shown with its KPIs, map and tables."""
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_app_chinese import english_words

from wasteopt.app.messages import evidence_text
from wasteopt.app.tables import cd_headers

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
    assert "not a reconciliation folder" in at.error[0].value and at.error[0].value.startswith("**数据文件有误**")

    for table in (result.anomalies, result.sites, result.sources):  # the page's tables in 中文
        headers = cd_headers(table.columns, "zh")
        assert all(re.search(r"[\u4e00-\u9fff]", header) for header in headers.values()), headers
    assert cd_headers(["intake_m3_spoil"], "zh") == {"intake_m3_spoil": "接收体积 (m³) · 工程渣土"}
    evidence = result.anomalies["evidence"].map(lambda text: evidence_text(text, "zh"))
    assert len(evidence) and [english_words(text) for text in evidence] == [[] for _ in evidence], list(evidence)


def test_every_kind_of_anomaly_evidence_reads_in_chinese():
    written = ["no arrival within 6 h", "arrived after 7.5 h (> 6 h)", "destination Y0007 is not licensed",
               "destination X1 is not in the site register", "load 41 t > registered capacity 30 t",
               "load 41 t > default limit 35 t", "same truck and project as M000123, departing 12 min after it",
               "4.2 km in 60 s (252 km/h > 120)", "stood 25 min 6.1 km from the origin, 9.8 km from the nearest licensed site"]
    assert [evidence_text(text, "zh") for text in written] == [
        "6 h 内未到达", "7.5 h 后才到达（> 6 h）", "去向 Y0007 未获许可", "去向 X1 不在场所登记中", "装载 41 t > 登记核定载重 30 t",
        "装载 41 t > 默认上限 35 t", "与联单 M000123 同车同项目，晚 12 分钟出发", "60 s 内行驶 4.2 km（252 km/h > 120）",
        "停留 25 分钟，距起点 6.1 km，距最近的许可场所 9.8 km"]
    assert evidence_text(written[0], "en") == written[0]


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
