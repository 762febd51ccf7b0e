"""The settings a report lists: in use only, in words with the key beside, each with a public source or a tag."""
import json
import re
from pathlib import Path

import pytest

from wasteopt.config.assumptions import BASIS_NAMES, setting_for, settings_in_use
from wasteopt.config.loader import load_scenario
from wasteopt.config.scenario.schema import Scenario

PRIVATE = ("DOMAIN", "ANCHORS", "DESIGN.md", "STYLE.md", "/work/")


@pytest.mark.parametrize("config", ["henan-2025.yaml", "henan-2025-sorted.yaml", "henan-2025-robust.yaml",
                                    "henan-2021-2025-phased.yaml"])
def test_every_setting_has_words_a_basis_and_a_public_source_or_reason(root, config):
    rows = settings_in_use(load_scenario(root / "configs" / config))
    assert rows and all(row["依据 basis"] in BASIS_NAMES.values() for row in rows)
    assert all(row["来源或理由 source or reason"].strip() and row["设置 setting"].strip() for row in rows)
    assert not [cell for row in rows for cell in row.values() if any(p in str(cell) for p in PRIVATE)]
    assert all(row["设置 setting"] != row["键 key"] for row in rows)


def test_modules_that_are_off_show_no_settings(root):
    keys = {row["键 key"] for row in settings_in_use(load_scenario(root / "configs" / "henan-2025.yaml"))}
    assert not {k for k in keys if k.split(".")[0] in ("cd", "transfer", "sorting", "uncertainty", "phasing")}
    assert "demand.msw_kg_per_capita_day.urban" in keys and "economics.discount_rate" in keys
    assert "region.landfills_file" in keys  # unset, but it says the landfills are assumed
    assert "network.osm_file" not in keys  # unset and nothing assumed by it
    sorted_keys = {row["键 key"] for row in settings_in_use(load_scenario(root / "configs" / "henan-2025-sorted.yaml"))}
    assert "sorting.digester.opex_cny_per_t" in sorted_keys


def test_the_rates_the_issue_named_cite_their_public_source(root):
    rows = {row["键 key"]: row for row in settings_in_use(load_scenario(root / "configs" / "henan-2025.yaml"))}
    assert "Han et al." in rows["demand.msw_kg_per_capita_day.rural"]["来源或理由 source or reason"]
    assert rows["demand.msw_kg_per_capita_day.urban"]["取值 value"] == "1.1 kg/人·日 kg/cap/day"
    assert "建设项目经济评价方法与参数" in rows["economics.discount_rate"]["来源或理由 source or reason"]
    assert rows["economics.discount_rate"]["取值 value"] == "6 %"
    assert rows["region.landfills_file"]["依据 basis"] == "假设 assumption"


def test_no_text_a_user_sees_names_the_team_notes(root):
    """The config reference (field descriptions and defaults), the shipped configs, the README and the assumptions
    table of a scenario with every module on cite public sources themselves: nothing is filtered on the way out."""
    schema = json.dumps(Scenario.model_json_schema(), ensure_ascii=False)
    everything_on = Scenario.model_validate({"name": "tiny", "sorting": {"enabled": True}, "cd": {"enabled": True},
                                             "transfer": {"enabled": True}, "phasing": {"years": [2023, 2025]}})
    rows = settings_in_use(everything_on)
    assert {row["键 key"].split(".")[0] for row in rows} >= {"sorting", "cd", "transfer", "phasing"}
    texts = {"schema": schema, "README.md": (root / "README.md").read_text(encoding="utf-8"),
             "assumptions table": json.dumps(rows, ensure_ascii=False)}
    texts |= {path.name: path.read_text(encoding="utf-8") for path in sorted((root / "configs").glob("*.yaml"))}
    assert len(texts) > 4
    assert not [name for name, text in texts.items() if any(p in text for p in PRIVATE)]


def test_a_setting_without_a_catalogue_entry_shows_the_reason_its_description_gives():
    rows = {row["键 key"]: row for row in settings_in_use(Scenario.model_validate(
        {"name": "tiny", "transfer": {"enabled": True}, "cd": {"enabled": True}}))}
    collection = rows["transfer.collection_cny_per_t_km"]
    assert collection["依据 basis"] == "假设 assumption"
    assert "no published CNY/t·km found" in collection["来源或理由 source or reason"]
    assert rows["cd.max_haul_km"]["来源或理由 source or reason"] == "illegal-dumping risk rises beyond 20–30 km"
    assert rows["cd.yard.density_t_per_m3"]["依据 basis"] == "推算 derived"


CONFIGS = Path(__file__).resolve().parents[1] / "configs"
SHIPPED = sorted(path.name for path in CONFIGS.glob("*.yaml"))
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
NAMES_KEPT = {"OSM", "Dask", "HiGHS"}  # product names a Chinese reader sees as they are
CITATION = re.compile(r"\d{4}|〔|https?://|\w\.(com|cn|org|net|gov)\b|CJJ|GB")


@pytest.mark.parametrize("config", SHIPPED)
def test_every_setting_is_named_in_chinese_with_the_english_beside(config):
    for row in settings_in_use(load_scenario(CONFIGS / config)):
        name = row["设置 setting"]
        chinese, english = re.fullmatch(r"(.*[\u4e00-\u9fff）])\s+([^\u4e00-\u9fff]+)", name).groups()
        assert not set(LATIN_WORD.findall(chinese)) - NAMES_KEPT, (row["键 key"], name)
        assert LATIN_WORD.search(english), (row["键 key"], name)


@pytest.mark.parametrize("config", SHIPPED)
def test_a_sourced_setting_cites_its_source_and_no_row_names_a_program_file(config):
    for row in settings_in_use(load_scenario(CONFIGS / config)):
        cited = row["来源或理由 source or reason"] + " " + row["取值 value"]
        if row["依据 basis"] in (BASIS_NAMES["source"], BASIS_NAMES["derived"]):
            assert CITATION.search(cited), (row["键 key"], cited)
        assert not re.search(r"\.py\b|\.md\b|DOMAIN|``|\[(src|weak|derived|assumption)", cited), (row["键 key"], cited)


def test_a_description_tag_keeps_what_it_cites():
    kwh = setting_for("incinerator.x.subsidised_kwh_per_t", "paid the WtE price [src: 发改价格〔2012〕801号, en.sdpea.org]")
    assert kwh.basis == "source" and kwh.note == "paid the WtE price (发改价格〔2012〕801号, en.sdpea.org)"
    mixed = setting_for("cd.categories.spoil.density_t_per_m3", "1.5 t/m³, mffbw.com [weak]; spoil 1.8 [assumption]")
    assert (mixed.zh, mixed.en, mixed.basis) == ("工程渣土密度", "spoil density", "source")
    assert mixed.note == "1.5 t/m³, mffbw.com (二手来源 secondary); spoil 1.8 (假设 assumption)"
    assert setting_for("transfer.site_cost_wan_cny", "[assumption]").note.startswith("未找到公开数据")


def test_haulage_co2_counts_the_empty_return():
    """0.3 L/km × 2.64 kg CO2/L / 8 t per loaded t·km, doubled for the empty return (was 0.1: the return left out)."""
    transport = Scenario.model_validate({"name": "tiny"}).transport
    assert transport.co2_kg_per_t_km == pytest.approx(round(2 * 0.3 * 2.64 / 8, 1)) == 0.2


def test_a_list_items_key_is_named_by_its_list_its_number_and_its_field():
    """Messages name 'uncertainty.futures.0.weight' in 中文 as the first future's weight (was 'futures0weight')."""
    from wasteopt.config.assumptions import key_label

    assert key_label("uncertainty.futures.0.weight") == "情景第 1 项 权重"
    assert key_label("uncertainty.futures.1.changes") == "情景第 2 项 改动"
    assert key_label("phasing.years.0") == "规划年份第 1 项"
    assert key_label("policy.new_plants.min") == "新建厂最少数量"


def test_every_sorting_composition_share_says_how_it_is_derived_or_why_it_is_assumed(root):
    rows = {row["键 key"]: row for row in settings_in_use(load_scenario(root / "configs" / "henan-2025-sorted.yaml"))}
    leaves = {key: row for key, row in rows.items() if key.startswith("sorting.composition.")}
    assert set(leaves) == {f"sorting.composition.{fraction}.{side}" for fraction in ("food", "recyclables", "hazardous")
                           for side in ("urban", "rural")}
    assert {key for key, row in leaves.items() if row["依据 basis"] == BASIS_NAMES["derived"]} == {
        "sorting.composition.food.urban", "sorting.composition.food.rural", "sorting.composition.recyclables.urban"}
    reasons = {key: row["来源或理由 source or reason"] for key, row in leaves.items()}
    assert "Shanghai" in reasons["sorting.composition.recyclables.urban"] and "21 %" in reasons[
        "sorting.composition.recyclables.urban"]
    assert "Zeng" in reasons["sorting.composition.food.rural"] and "Wei et al." in reasons["sorting.composition.food.urban"]
    assert all("no public figure found" not in reason for reason in reasons.values())
