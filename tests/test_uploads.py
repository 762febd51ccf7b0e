"""App inputs at the library boundary: uploaded YAML text."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from wasteopt.config.errors import ScenarioError
from wasteopt.config.loader import scenario_from_yaml_text
from wasteopt.config.userfiles import MAX_YAML_BYTES

ROOT = Path(__file__).resolve().parents[1]

BILLION_LAUGHS = """\
name: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/object/new:subprocess.Popen [['ls']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/tuple [1, 2]",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['id']",
])
def test_python_tags_are_refused_with_the_line(tag):
    with pytest.raises(ScenarioError, match=r"upload: invalid YAML at line 2, column \d+: could not determine a constructor"):
        scenario_from_yaml_text(f"name: x\ndescription: {tag}\n")


def test_billion_laughs_is_refused_quickly():
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"anchors and aliases are not allowed in scenarios \(line 2\)"):
        scenario_from_yaml_text(BILLION_LAUGHS)
    assert time.perf_counter() - started < 2


def test_merge_keys_are_refused():
    with pytest.raises(ScenarioError, match=r"key '<<' \(upload, line 2\)"):
        scenario_from_yaml_text("name: x\n<<: {description: y}\n")


@pytest.mark.parametrize("size", [MAX_YAML_BYTES + 1, 50_000_000])
def test_oversized_uploads_are_refused_before_parsing(size):
    text = "name: x\ndescription: " + "a" * (size - 21) + "\n"
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"upload is larger than 1000 kB"):
        scenario_from_yaml_text(text)
    assert time.perf_counter() - started < 2


def test_multibyte_size_counts_bytes_not_characters():
    text = "name: x\ndescription: " + "河" * (MAX_YAML_BYTES // 3 + 10) + "\n"
    with pytest.raises(ScenarioError, match="larger than"):
        scenario_from_yaml_text(text)


@pytest.mark.parametrize("base", ["../configs/henan-2025.yaml", "/etc/passwd", "..\\x.yaml", ".hidden.yaml", ""])
def test_extends_cannot_leave_configs(base):
    with pytest.raises(ScenarioError, match=r"key 'extends' \(upload, line 2\)"):
        scenario_from_yaml_text(f"name: x\nextends: '{base}'\n", base_dir=ROOT)


def test_extends_of_a_shipped_config_works():
    scenario = scenario_from_yaml_text("name: x\nextends: henan-2025-zero-landfill.yaml\n", base_dir=ROOT)
    assert scenario.policy.raw_msw_landfill_cap_tpd == 0


def test_upload_name_appears_in_messages():
    with pytest.raises(ScenarioError, match=r"^mine\.yaml: key 'network\.circuity' \(mine\.yaml, line 1\)"):
        scenario_from_yaml_text("network: {circuity: 9}\nname: x\n", source="mine.yaml")
