"""The planner app's page logic, headless (streamlit.testing.v1.AppTest), and its UI-free helpers."""
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from wasteopt import RunFolder, RunRegistry, ScenarioError, load_scenario
from wasteopt.app import service
from wasteopt.app.knobs import changes_from_knobs, knob_values
from wasteopt.reporting.labels import TEXT, place, t

ROOT = Path(__file__).resolve().parents[1]
PAGES = "wasteopt/app/pages"
SHORT_LIMIT_S = 10.0  # any feasible plan will do here; 3 s found none on a loaded 2-core machine


@pytest.fixture
def runs_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(service.RUNS_DIR_ENV, str(tmp_path / "runs"))
    return tmp_path / "runs"


@pytest.fixture
def app(runs_dir) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def solve(at: AppTest, time_limit: float = SHORT_LIMIT_S) -> AppTest:
    at.number_input(key="knob.time_limit").set_value(time_limit)
    return at.button(key="solve").click().run()


# ----------------------------------------------------------------------------- helpers without UI

@pytest.mark.parametrize("config", service.config_names())
def test_unchanged_knobs_reproduce_the_scenario(config):
    scenario = load_scenario(ROOT / "configs" / config)
    values = knob_values(scenario) | {"time_limit": scenario.solver.time_limit_s,
                                      "rel_gap_pct": 100 * scenario.solver.rel_gap}
    assert scenario.with_changes(changes_from_knobs(values)).content_hash() == scenario.content_hash()


def test_knobs_become_scenario_changes():
    scenario = load_scenario(ROOT / "configs" / "henan-2025.yaml")
    values = knob_values(scenario) | {"growth_pct": 3.5, "landfill_capped": True, "landfill_cap": 0.0,
                                      "min_new": 30, "line_sizes": [750.0, 300.0], "locked_open": ["C410102"]}
    changed = scenario.with_changes(changes_from_knobs(values))
    assert changed.demand.growth_per_year == pytest.approx(0.035)
    assert changed.policy.raw_msw_landfill_cap_tpd == 0
    assert changed.policy.new_plants.min == 30
    assert changed.incinerator.line_sizes_tpd == [300.0, 750.0]
    assert changed.policy.locked_open == ["C410102"]
    assert (changed.solver.time_limit_s, changed.solver.rel_gap) == (60, 0.01)  # the config's 60 s, the app's 1 %


def test_the_apps_time_budget_is_never_below_the_configs():
    values = knob_values(load_scenario(ROOT / "configs" / "henan-2025-full.yaml"))  # 120 s, 0.5 %
    assert (values["time_limit"], values["rel_gap_pct"]) == (120.0, 1.0)
    values = knob_values(load_scenario(ROOT / "configs" / "henan-2025.yaml").with_changes(
        {"solver": {"time_limit_s": 5, "rel_gap": 0.02}}))
    assert (values["time_limit"], values["rel_gap_pct"]) == (30.0, 2.0)


def test_every_ui_string_has_both_languages():
    assert all(zh and en for zh, en in TEXT.values())
    assert t("solve", "zh") == "求解" and t("solve", "en") == "Solve"
    assert place("郑州市", "Zhengzhou") == "郑州市 (Zhengzhou)"


def test_kpi_table_states_the_solver_status_in_the_ui_language():
    from wasteopt.app.tables import kpi_table

    runs = {"a": {"status": "time_limit", "gap": 0.0042, "landfills_stopped": 40, "landfills_total": 157},
            "b": {"status": "optimal", "gap": 0.0}, "c": {"status": "gap_reached", "gap": 0.0048}}
    zh, en = kpi_table(runs, "zh").set_index("指标"), kpi_table(runs, "en").set_index("KPI")
    assert list(zh.loc["求解状态", ["a", "b", "c"]]) == ["达到时间上限（未证明最优） time_limit", "最优 optimal",
                                                     "达到设定差距 gap_reached"]
    assert list(en.loc["solver status", ["a", "b", "c"]]) == ["time_limit", "optimal", "gap_reached"]
    assert zh.loc["已证明的 MIP 差距", "a"] == "0.42 %" and zh.loc["停用填埋场（共计）", "a"] == "40 / 157"


@pytest.mark.parametrize("name, expected", [
    ("河南 2025 原生垃圾零填埋 / Henan", "河南_2025_原生垃圾零填埋_Henan"),
    ("../../etc/passwd", "etc_passwd"),
    ("a\x00b<>:\"|?*c", "a_b_c"),
    ("...", "plan"),
])
def test_export_file_names_are_sanitised(name, expected):
    assert service.safe_file_stem(name) == expected


@pytest.mark.parametrize("data, message", [
    (b"name: x\nregion: {seeds: /etc}\n", "outside the project"),
    (b"name: x\nregion: {landfills_file: ../../secret.csv}\n", "outside the project"),
    (b"name: x\npolicy: {fixed_plants_file: /etc/passwd}\n", "key 'policy.fixed_plants_file'.*outside the project"),
    (b"name: x\nexclusion: {zones_files: [/tmp/zones.geojson]}\n", "key 'exclusion.zones_files.0'.*outside"),
    (b"name: x\ntransfer: {candidate_sites_file: /tmp/t.csv}\n", "key 'transfer.candidate_sites_file'.*outside"),
    (b"a: &x [1]\nb: *x\n", "anchors and aliases"),
    (b"name: x\ndemand: {growth_per_year: 9}\n", "demand.growth_per_year"),
    (b"name: x\nnot_a_key: 1\n", "unknown key"),
    (b"\xff\xfe", "not UTF-8"),
    (b"name: x\n" + b"#" * 1_100_000, "larger than"),
])
def test_bad_uploads_are_refused_with_a_message(data, message):
    with pytest.raises(ScenarioError, match=message):
        service.scenario_from_upload(data, "../evil name.yaml")


def test_upload_extending_a_shipped_config():
    scenario = service.scenario_from_upload(b"extends: henan-2025.yaml\nname: mine\nnetwork: {max_haul_km: 120}\n")
    assert scenario.name == "mine" and scenario.network.max_haul_km == 120


# ----------------------------------------------------------------------------- pages

def test_scenario_page_shows_knobs_and_effective_yaml(app):
    assert app.title[0].value == "情景与求解"
    labels = {slider.label for slider in app.slider}
    assert {"目标年份", "最大运距 (km)", "年增长率 (%/年)", "分类分流比例 (%)"} <= labels
    # the config's 60 s and the app's 1 %, stated beside the Solve button
    assert (app.number_input(key="knob.time_limit").value, app.number_input(key="knob.rel_gap_pct").value) == (60.0, 1.0)
    assert any("求解至已证明差距 ≤ 1 % 或 60 s" in text.value for text in app.markdown)
    assert app.selectbox(key="knob.objective").value == "min_cost"
    assert app.checkbox(key="knob.cd_enabled").value is False
    app.checkbox(key="knob.cd_enabled").check().run()
    app.slider(key="knob.cd_reuse_pct").set_value(40.0).run()
    app.selectbox(key="knob.objective").set_value("p_median").run()
    app.number_input(key="knob.objective_p").set_value(50).run()
    assert "onsite_reuse_max_share: 0.4" in app.code[0].value and "kind: p_median" in app.code[0].value
    app.slider(key="knob.max_haul_km").set_value(120.0).run()
    assert "max_haul_km: 120.0" in app.code[0].value
    assert "zero landfill" in app.code[0].value
    # each numeric knob steps as knobs.STEPS says: 1 % of a share, 5 km of haul, 100 t/d of a cap
    assert (app.slider(key="knob.cd_reuse_pct").proto.step, app.slider(key="knob.max_haul_km").proto.step) == (1, 5)
    assert app.number_input(key="knob.landfill_cap").proto.step == 100
    assert (app.slider(key="knob.max_haul_km").proto.min, app.slider(key="knob.max_haul_km").proto.max) == (20, 520)


def test_language_switch(app):
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Scenario & solve"
    assert any(slider.label == "max haul (km)" for slider in app.slider)


def test_another_config_resets_the_knobs(app):
    app.slider(key="knob.max_haul_km").set_value(100.0).run()
    app.selectbox(key="config_name").set_value("henan-2020-no-new-plants.yaml").run()
    assert app.slider(key="knob.max_haul_km").value == 150.0
    assert app.slider(key="knob.target_year").value == 2020
    assert app.number_input(key="knob.max_new").value == 0


def test_solve_records_an_app_run_and_every_page_shows_it(app, runs_dir):
    solve(app)
    assert not app.exception and not app.error
    message = (app.success or app.warning)[0].value
    assert "求解完成" in message and "%" in message  # status and proven gap
    goals = app.table[0].value
    assert len(goals) == 4 and goals.iloc[:, -1].str.contains("达成").all()

    app.slider(key="knob.max_haul_km").set_value(120.0).run()
    assert "参数已改动" in app.info[0].value
    assert "相对配置的改动: 最大运距 150 km → 120 km" in [c.value for c in app.caption]
    app.text_input(key="run.label").input("短运距")
    app.text_input(key="run.note").input("县城到厂不超过 120 km")
    solve(app)
    records = RunRegistry(runs_dir / "registry.sqlite").records()
    assert records[0].title() == "短运距 · 最大运距 150 km → 120 km" and records[0].note == "县城到厂不超过 120 km"
    assert records[1].title() == "河南 2025 原生垃圾零填埋 / Henan 2025 zero landfill"
    # the what-if started from the plan on screen (the first run): warm, and says so
    assert records[0].base_run == records[1].run_id and "warm start" in records[0].kpis["solver_message"]
    assert "**短运距 · 最大运距 150 km → 120 km**  \n县城到厂不超过 120 km" in [m.value for m in app.markdown]
    assert [r.source for r in records] == ["app", "app"]
    for record in records:
        assert Path(record.out_dir) == (runs_dir / "app" / record.run_id).resolve()
        assert (Path(record.out_dir) / "plan.gpkg").exists()
    assert records[0].kpis["max_haul_km"] <= 120 * 1.0001

    app.switch_page(f"{PAGES}/map_page.py").run()
    assert not app.exception and len(app.get("deck_gl_json_chart")) == 1
    counties, prefectures = [layer for layer in json.loads(app.get("deck_gl_json_chart")[0].proto.json)["layers"]
                             if layer["@@type"] == "TextLayer"][:2]  # county and prefecture names at their seats
    assert prefectures["characterSet"] == "auto" and {"郑州市", "驻马店市"} <= {row["name"] for row in prefectures["data"]}
    assert "卢氏县" in {row["name"] for row in counties["data"]}  # a county of the sparse west

    app.switch_page(f"{PAGES}/compare_page.py").run()
    assert not app.exception
    goals, kpis = app.dataframe[0].value, app.dataframe[1].value
    base, other = records[1].title(), records[0].title()  # this session's last two runs, the earlier one the base
    # short column titles (A the base, B the other), the full titles in the headers' tooltips and the caption
    assert list(goals.columns) == ["目标", "目标值", "A", "B"] and len(kpis) > 10
    assert list(kpis.columns) == ["指标", "单位", "A", "B", "Δ B", "Δ % B"]
    headers = json.loads(app.dataframe[1].proto.columns)
    assert {column: (headers[column]["label"], headers[column]["help"]) for column in ("A", "B", "Δ B", "Δ % B")} == {
        "A": ("A · 基准", base), "B": ("B", other), "Δ B": ("Δ B", f"{other} − {base}"),
        "Δ % B": ("Δ % B", f"({other} − {base}) ÷ {base}")}
    legend = next(c.value for c in app.caption if "**A** = " in c.value)
    assert f"· {records[1].run_id}" in legend and f"**B** = " in legend and records[0].run_id in legend
    assert len(app.get("deck_gl_json_chart")) == 1  # the map of what differs
    assert "TextLayer" in app.get("deck_gl_json_chart")[0].proto.json
    assert app.selectbox(key=f"diff_base:{records[1].run_id}|{records[0].run_id}").value == base
    app.selectbox(key="compare_base").set_value(records[0].run_id).run()  # a new base: the map follows it
    assert app.selectbox(key=f"diff_base:{records[0].run_id}|{records[1].run_id}").value == other
    assert len(app.get("vega_lite_chart")) == 7  # capacity vs demand, and six KPI bars
    assert len(app.get("download_button")) == 1  # the comparison table as CSV

    app.switch_page(f"{PAGES}/scenario_page.py").run()  # the planner marks the what-if as the base run
    assert app.selectbox(key="run.base").value == records[1].run_id  # so far: the first run, the plan on screen
    app.selectbox(key="run.base").set_value(records[0].run_id).run()
    app.switch_page(f"{PAGES}/compare_page.py").run()
    assert app.selectbox(key="compare_base").value == records[0].run_id  # Compare measures against the marked run

    app.switch_page(f"{PAGES}/export_page.py").run()
    assert not app.exception and len(app.get("download_button")) == 11  # 7 plan files + 4 GeoJSON layers

    app.switch_page(f"{PAGES}/robust_page.py").run()  # one-future runs only: the page says how to get one
    assert not app.exception and "uncertainty" in app.info[0].value


def test_a_saved_runs_plants_can_be_kept_for_a_what_if(app, runs_dir):
    solve(app)
    first = RunRegistry(runs_dir / "registry.sqlite").records()[0]
    facilities = str(Path(first.out_dir) / "facilities.csv")
    app.run()  # the picker lists runs saved before the page was drawn
    app.selectbox(key="knob.fixed_plants_file").set_value(facilities)
    app.slider(key="knob.growth_pct").set_value(4.0)
    app.checkbox(key="knob.landfill_capped").uncheck().run()  # capped at 0 it is infeasible: the plants are full
    assert "fixed_plants_file" in app.code[0].value  # the effective YAML names the plan
    solve(app)
    assert not app.exception and not app.error, [e.value for e in app.error]
    what_if = next(r for r in RunRegistry(runs_dir / "registry.sqlite").records() if r.run_id != first.run_id)
    for kpi in ("new_plants", "expanded_plants", "incineration_capacity_tpd"):
        assert what_if.kpis[kpi] == first.kpis[kpi]
    assert what_if.kpis["msw_to_treat_tpd"] > first.kpis["msw_to_treat_tpd"]
    assert what_if.kpis["raw_msw_landfill_tpd"] > first.kpis["raw_msw_landfill_tpd"] == 0


def test_routes_page_routes_a_county_of_a_saved_plan(app, runs_dir):
    solve(app)
    app.switch_page(f"{PAGES}/routes_page.py").run()
    assert not app.exception and "选择县后" in app.info[0].value
    app.selectbox(key="routes_county").set_value("410122")  # 中牟县 (Zhongmu): rural villages, one plant or more
    app.number_input(key="routes_time_limit").set_value(1.0)
    app.button(key="route").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["车辆 (辆)"]) >= 1 and metrics["收运量"].endswith("t/d")
    assert metrics["班次工时利用率"].endswith("%") and "为何需要" in app.info[0].value  # the fleet size explained
    assert "合成" in app.warning[0].value  # synthetic village points are said to be synthetic
    assert len(app.get("deck_gl_json_chart")) == 1
    assert set(app.dataframe[0].value["vehicle_type"]) == {"8 t 压缩车"}  # no English in the 中文 table
    record = RunRegistry(runs_dir / "registry.sqlite").records()[0]
    villages_tpd = RunFolder(record.out_dir).demand().at["410122", "msw_rural_tpd"]  # what the plan sends from them
    assert metrics["收运量"] == f"{villages_tpd:,.1f} t/d" and metrics["未收运点 (个)"] == "0"
    written = Path(record.out_dir).parent / f"{record.run_id}-routes" / "410122"  # beside the run, not in it
    assert {"routes.gpkg", "routes.csv", "kpis.csv"} <= {f.name for f in written.iterdir()}
    assert not (Path(record.out_dir) / "routes").exists()
    assert len(app.get("download_button")) == 3


def test_same_scenario_reuses_its_run(app, runs_dir):
    # a run is reused only if it reached the gap asked; at 100 % any plan does, however loaded the machine
    app.number_input(key="knob.rel_gap_pct").set_value(100.0)
    solve(app)
    solve(app)
    assert "相同" in app.info[0].value
    assert len(RunRegistry(runs_dir / "registry.sqlite").records()) == 1


def test_infeasible_scenario_shows_the_explanation(app):
    app.slider(key="knob.max_haul_km").set_value(20.0)
    app.number_input(key="knob.max_new").set_value(0)
    app.checkbox(key="knob.landfill_capped").check()
    solve(app, time_limit=5.0)
    assert not app.exception
    box = app.error[0].value  # 中文 with the English beside it, in a box that wraps (no cut-off code block)
    assert box.startswith("**情景不可行**  \n_the scenario is infeasible_")
    assert all("cannot be served" not in code.value for code in app.code)
    assert "个需求节点的垃圾无法得到处理" in box and "cannot be served" in box
    unserved = app.dataframe[0].value
    assert {"县级代码 node", "物料 stream", "原因 reason"} <= set(unserved.columns)
    assert unserved["无法处理量 unserved (t/d)"].dtype == "int64"


def test_pages_without_runs_say_what_to_do(app):
    for page in ("map_page", "compare_page", "routes_page", "export_page"):
        app.switch_page(f"{PAGES}/{page}.py").run()
        assert not app.exception
        assert "还没有求解结果" in app.info[0].value


def test_routes_page_shows_a_countys_cd_shuttles_when_the_plan_has_cd_waste(app, runs_dir):
    app.checkbox(key="knob.cd_enabled").check().run()
    solve(app)
    assert not app.exception and not app.error, [e.value for e in app.error]
    record = RunRegistry(runs_dir / "registry.sqlite").records()[0]
    app.switch_page(f"{PAGES}/routes_page.py").run()
    app.selectbox(key="routes_county").set_value("410122").run()
    assert not app.exception
    assert [h.value for h in app.subheader] == [t("cd_haul")]
    shuttles = app.dataframe[0].value
    flows = pd.read_csv(Path(record.out_dir) / "flows.csv", dtype={"origin": str})
    shipped = flows[(flows.stream == "cd") & (flows.origin == "410122") & (flows.destination_technology != "cd_reuse")]
    assert len(shuttles) == len(shipped) > 0  # on-site reuse does not travel
    assert shuttles["tonnes_per_day"].sum() == pytest.approx(shipped.tonnes_per_day.sum())
    assert (shuttles["trips_per_day"] >= shuttles["tonnes_per_day"] / 20).all()


def test_capacity_path_chart_has_bars_line_and_the_goal():
    from wasteopt.app.tables import capacity_path_chart

    path = [{"year": 2024, "demand_tpd": 66000.0, "capacity_tpd": 72000.0, "raw_msw_landfill_tpd": 600.0},
            {"year": 2025, "demand_tpd": 67400.0, "capacity_tpd": 75300.0, "raw_msw_landfill_tpd": 0.0}]
    spec = capacity_path_chart(path, 70000.0, "zh").to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["bar", "line", "rule"]
    assert spec["title"] == t("capacity_path")
    assert len(capacity_path_chart(path, None, "en").to_dict()["layer"]) == 2  # no goal, no rule


def test_errors_read_in_chinese_with_the_english_beside():
    from wasteopt.app.messages import bilingual_error, to_chinese

    message = ("landfills.csv: 2 problem(s): row 3: lon,lat = 1,2 is missing or outside China; "
               "row 4: capacity_tpd is missing or not a number ('x')")
    assert to_chinese(message) == ("landfills.csv: 2 处问题: 第 3 行: lon,lat = 1,2 缺失或位于中国境外; "
                                   "第 4 行: 'capacity_tpd' 缺失或不是数字 ('x')")
    box = bilingual_error("DataError", message)
    assert box.startswith("**数据文件有误**：landfills.csv: 2 处问题") and box.endswith(
        "English: landfills.csv: 2 problem(s): row 3: lon,lat = 1,2 is missing or outside China; "
        "row 4: capacity\\_tpd is missing or not a number ('x')")
    key = bilingual_error("ScenarioError", "s.yaml: key 'network.max_haul_km' (s.yaml, line 3): "
                                           "Input should be less than or equal to 2000")
    assert key.startswith("**情景设置有误**：s.yaml: 最大运距（network.max\\_haul\\_km） (s.yaml, 第 3 行): 应小于或等于 2000")


def test_a_gbk_yaml_upload_asks_for_utf8_in_both_languages():
    with pytest.raises(ScenarioError, match=r"not UTF-8 text .*请另存为 UTF-8 编码 / re-save the file as UTF-8"):
        service.scenario_from_upload("name: 河南\n".encode("gbk"), "gbk.yaml")


def test_the_robustness_page_shows_each_futures_gap_and_the_figures_intervals(app, runs_dir):
    """A plan for two futures whose own solves stopped at 10 % and 2 % (asked for 1 %): the page shows each
    future in words with its proven gap and interval, EVPI with its interval, and says the figures are unreliable.
    Figures as in test_futures.test_figures_carry_the_interval_their_solves_gaps_allow, in 万元 (× 10^4 CNY)."""
    from wasteopt.reporting.kpi_futures import futures_kpis
    from wasteopt.siting.plan import FuturesAssessment
    from wasteopt.runs.folder import RunFolder

    futures = pd.DataFrame({"name": ["low", "high"], "weight": [0.5, 0.5], "optimum_cny": [500e4, 1000e4],
                            "optimum_gap": [0.1, 0.02], "changes_zh": ["年增长率 2 % → 1 %", "年增长率 2 % → 4 %"],
                            "changes_en": ["growth 2 % → 1 %", "growth 2 % → 4 %"]})
    outcomes = pd.DataFrame([(plan, future, cost * 1e4, 0.0, 0.0, "optimal", 0.0) for plan, future, cost in (
        ("robust", "low", 700.0), ("robust", "high", 1200.0), ("mean_value", "low", 500.0),
        ("mean_value", "high", 1500.0))],
        columns=["plan", "future", "cost_cny", "raw_msw_landfill_tpd", "shortfall_tpd", "status", "gap"])
    assessment = FuturesAssessment("expected", "every_future", "low", futures, outcomes, reference="mean_value",
                                   reference_gap=0.0, robust_gap=20 / 950, robust_bound_cny=930e4, rel_gap=0.01)
    scenario = load_scenario(ROOT / "configs" / "henan-2025-robust.yaml")
    kpis = {"status": "gap_reached", "gap": 0.0095, "rel_gap_asked": 0.01, **futures_kpis(assessment).to_dict()}
    run_id = "20250101-120000-abcdef"
    with RunFolder(runs_dir / "futures").writing(run_id=run_id) as staging:
        (staging / "kpis.json").write_text("{}", encoding="utf-8")
    RunRegistry(runs_dir / "registry.sqlite").record(scenario, kpis, runs_dir / "futures", run_id=run_id)

    app.switch_page(f"{PAGES}/robust_page.py").run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["随机解价值 VSS (万元/年)"] == "50 [50 … 70]"
    assert metrics["完全信息期望价值 EVPI (万元/年)"] == "200 [180 … 235]"
    assert "future low alone: 10.00 %" in app.warning[0].value and "1.00 %" in app.warning[0].value
    solves = app.dataframe[0].value
    assert list(solves["future"]) == ["偏低", "偏高"]  # in words (the config's name_zh), not the ids low, high
    assert list(solves["changes"]) == ["年增长率 2 % → 1 %", "年增长率 2 % → 4 %"]
    plans = app.dataframe[1].value
    assert list(plans["future"]) == ["偏低", "偏高", "偏低", "偏高"]
    assert "中心情景：偏低" in app.caption[1].value
    assert list(solves["gap"]) == ["10.00 %", "2.00 %"] and list(solves["interval"]) == ["450 … 500", "980 … 1,000"]
    assert "均值问题" in app.caption[0].value


def test_the_cost_difference_between_runs_is_shown_with_its_interval():
    from wasteopt.app.tables import delta_table

    runs = {"a": {"status": "time_limit", "gap": 0.01, "cost_wan_cny_per_year": 100_000},
            "b": {"status": "time_limit", "gap": 0.004, "cost_wan_cny_per_year": 100_500}}
    table = delta_table(runs, "a", "en").set_index("KPI")
    assert table.filter(like="system cost", axis=0)["Δ % b"].iloc[0] == "+0.50 % [+98 … +1,500] 万元"


def test_the_landfill_goal_says_how_many_of_its_landfills_are_assumed():
    from wasteopt.app.tables import goals_table

    goal = {"kpi": "landfills_stopped", "goal_zh": "停用填埋场", "goal": "landfills stopped", "sense": "≥", "target": 40,
            "unit": "landfills", "value": 157, "met": True}
    kpis = {"goals": [goal], "landfills_stopped": 157, "landfills_total": 157, "landfills_assumed": 152}
    assert goals_table({"a": kpis}, "zh").iloc[0, 0] == (
        "停用填埋场（157 座中 152 座为假设：每县一座，位于县城；region.landfills_file 可换成实际名单）")
    assert goals_table({"a": kpis}, "en").iloc[0, 0] == (
        "landfills stopped (152 of the 157 are assumed, one per county seat; a landfill file, region.landfills_file, "
        "replaces them)")
    assert goals_table({"a": {**kpis, "landfills_assumed": 0}}, "zh").iloc[0, 0] == "停用填埋场"  # a real list


def test_delta_bars_name_each_run_as_the_tables_do_under_a_title_held_whole():
    from wasteopt.app.tables import kpi_delta_bar

    runs = {"河南 2025 原生垃圾零填埋 / Henan 2025 zero landfill": {"status": "optimal", "gap": 0.0, "t_km_per_day": 1_000},
            "河南 最大运距 120 km · 最大运距 150 km → 120 km": {"status": "optimal", "gap": 0.0, "t_km_per_day": 700},
            "零填埋 关": {"status": "optimal", "gap": 0.0, "t_km_per_day": 1_250}}
    base = next(iter(runs))
    chart = kpi_delta_bar(runs, base, "t_km_per_day", "t_km", "zh").to_dict()
    bars = chart["layer"][0]
    assert bars["encoding"]["x"]["field"] == "tag" and bars["encoding"]["x"]["axis"]["labelAngle"] == 0
    data = next(iter(chart["datasets"].values()))
    assert [(row["tag"], row["run"], row["delta"]) for row in data] == [
        ("B", "河南 最大运距 120 km · 最大运距 150 km → 120 km", -300), ("C", "零填埋 关", 250)]
    assert {"field": "run", "type": "nominal", "title": "运行"} in bars["encoding"]["tooltip"]  # the whole title
    assert chart["title"] == {"text": "Δ 运输周转量 (t·km/d)", "subtitle": "每个运行减去基准 A", "anchor": "start",
                              "frame": "group", "limit": 0}


@pytest.mark.parametrize("config", service.config_names())
def test_keyboard_steps_land_on_the_configs_values_and_pages_are_round(config):
    """Every numeric knob of every shipped config lies on its widget's step grid (so arrow keys walk from it in
    round steps), and a slider's PageUp/PageDown (a tenth of its range) is a whole number of steps."""
    from wasteopt.app.knobs import SLIDER_RANGES, STEPS

    values = knob_values(load_scenario(ROOT / "configs" / config))
    for name, options in STEPS.items():
        value, step = values[name], options["step"]
        low = SLIDER_RANGES.get(name, (0.0, None))[0]
        if value is not None:
            assert (value - low) / step == pytest.approx(round((value - low) / step)), (name, value, step)
    for name, (low, high) in SLIDER_RANGES.items():
        page = (high - low) / 10
        assert page / STEPS[name]["step"] == pytest.approx(round(page / STEPS[name]["step"])), name
        assert low <= values[name] <= high
    assert STEPS["cd_reuse_pct"]["step"] == STEPS["sorted_out_pct"]["step"] == 1.0  # shares: 1 %
    assert STEPS["landfill_cap"]["step"] == 100.0  # t/d


def test_futures_are_named_in_words_in_either_language():
    from wasteopt.app.tables import future_words, futures_frame

    futures = load_scenario(ROOT / "configs" / "henan-2025-robust.yaml").uncertainty.futures
    assert future_words(futures, "zh")["slow-growth-much-sorting"] == "慢增长、多分类"
    assert future_words(futures, "en")["fast-growth-little-sorting"] == "fast growth, little sorting"
    unnamed = [f.model_copy(update={"name_zh": None, "name_en": None}) for f in futures[:1]]
    assert future_words(unnamed, "zh") == {"slow-growth-much-sorting": "slow-growth-much-sorting"}  # no words: the id
    kpis = {"futures": [{"name": "low", "weight": 1.0}],
            "futures_outcomes": [{"plan": "low", "future": "low", "cost_wan_cny": 1.0, "raw_msw_landfill_tpd": 0.0}]}
    frame = futures_frame(kpis, "zh", future_words(futures, "zh"))
    assert frame.loc[0, "plan"] == "仅为 偏低 规划" and frame.loc[0, "future"] == "偏低"
