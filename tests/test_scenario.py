"""Scenario YAML: strict schema, extends, and errors that name the key and line."""
import pytest

from wasteopt import ScenarioError, load_scenario
from wasteopt.config.loader import scenario_from_yaml_text


def test_shipped_configs_load(root):
    for path in sorted((root / "configs").glob("*.yaml")):
        scenario = load_scenario(path)
        assert scenario.name


def test_extends_merges_only_the_differences(root):
    base = load_scenario(root / "configs" / "henan-2025.yaml")
    zero = load_scenario(root / "configs" / "henan-2025-zero-landfill.yaml")
    assert base.policy.raw_msw_landfill_cap_tpd is None
    assert zero.policy.raw_msw_landfill_cap_tpd == 0
    assert zero.incinerator == base.incinerator and zero.region == base.region


def test_typo_names_key_and_line(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("name: x\nnetwork:\n  circuity: 1.3\n  max_haul: 5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "network.max_haul" in message and "line 4" in message and "max_haul_km" in message


def test_wrong_type_names_key_and_line():
    with pytest.raises(ScenarioError, match=r"policy\.raw_msw_landfill_cap_tpd.*line 3"):
        scenario_from_yaml_text("name: x\npolicy:\n  raw_msw_landfill_cap_tpd: zero\n")


def test_broken_yaml_names_line():
    with pytest.raises(ScenarioError, match="line 4"):
        scenario_from_yaml_text("name: x\npolicy:\n  single_sourcing: true\n bad: 2\n")


def test_aliases_and_python_tags_are_refused():
    with pytest.raises(ScenarioError, match="anchors and aliases"):
        scenario_from_yaml_text("name: &a x\ndescription: *a\n")
    with pytest.raises(ScenarioError):
        scenario_from_yaml_text("name: !!python/object/apply:os.system ['true']\n")


def test_years_must_be_ordered():
    with pytest.raises(ScenarioError, match="before baseline_year"):
        scenario_from_yaml_text("name: x\nregion: {baseline_year: 2025, target_year: 2020}\n")


def test_hash_follows_the_content_of_named_files(tmp_path):
    matrix = tmp_path / "od.csv"
    matrix.write_text("origin,destination,km\n410102,C410102,1.0\n", encoding="utf-8")
    config = tmp_path / "od.yaml"
    config.write_text(f"name: od\nnetwork: {{od_matrix_file: {matrix}}}\n", encoding="utf-8")
    first = load_scenario(config).content_hash()
    assert load_scenario(config).content_hash() == first  # same settings, same bytes
    matrix.write_text("origin,destination,km\n410102,C410102,2.25\n", encoding="utf-8")
    edited = load_scenario(config).content_hash()
    assert edited != first  # an edited file is a new scenario: no run or sweep variant is reused for it
    matrix.unlink()
    assert load_scenario(config).content_hash() not in (first, edited)


RENAMED = "name: x\nsorting:\n  sorting_centre:\n    sales_revenue_cny_per_t: 250\ncd:\n  recycler: {product_revenue_cny_per_t: 20}\n"


def test_an_old_key_name_is_read_with_a_warning_naming_old_key_new_key_and_line():
    with pytest.warns(FutureWarning) as caught:
        scenario = scenario_from_yaml_text(RENAMED, source="old.yaml")
    assert (scenario.sorting.sorting_centre.product_price_cny_per_t, scenario.cd.recycler.product_price_cny_per_t) == (250, 20)
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "key 'cd.recycler.product_revenue_cny_per_t' (old.yaml, line 6) is deprecated: it is now "
        "'cd.recycler.product_price_cny_per_t' (same meaning); rename it, the old name is read only until the next release",
        "key 'sorting.sorting_centre.sales_revenue_cny_per_t' (old.yaml, line 4) is deprecated: it is now "
        "'sorting.sorting_centre.product_price_cny_per_t' (same meaning); rename it, the old name is read only until "
        "the next release"]
    written = scenario.to_yaml()  # written back under the new names only
    assert "sales_revenue" not in written and "product_revenue" not in written and "product_price_cny_per_t: 20" in written


def test_an_old_key_beside_its_new_name_is_refused():
    with pytest.warns(FutureWarning), pytest.raises(ScenarioError, match=(
            r"^old.yaml: key 'sorting.sorting_centre.sales_revenue_cny_per_t' \(old.yaml, line 5\): the old name of "
            r"'sorting.sorting_centre.product_price_cny_per_t', which is given too; remove it$")):
        scenario_from_yaml_text(RENAMED.replace("    sales", "    product_price_cny_per_t: 1\n    sales"), source="old.yaml")


def test_an_old_key_name_is_read_in_a_future_and_in_with_changes():
    text = ("name: x\nuncertainty:\n  futures:\n    - {name: a, weight: 0.5}\n    - name: b\n      weight: 0.5\n"
            "      changes:\n        cd: {recycler: {product_revenue_cny_per_t: 12}}\n")
    with pytest.warns(FutureWarning, match=r"key 'uncertainty.futures.1.changes.cd.recycler.product_revenue_cny_per_t' "
                      r"\(upload, line 8\) is deprecated: it is now "
                      r"'uncertainty.futures.1.changes.cd.recycler.product_price_cny_per_t'"):
        scenario = scenario_from_yaml_text(text)
    assert scenario.future_scenario(1).cd.recycler.product_price_cny_per_t == 12
    with pytest.warns(FutureWarning, match=r"^key 'sorting.sorting_centre.sales_revenue_cny_per_t' is deprecated"):
        changed = scenario.with_changes({"sorting": {"sorting_centre": {"sales_revenue_cny_per_t": 280}}})
    assert changed.sorting.sorting_centre.product_price_cny_per_t == 280
