"""Fuzzed scenario configs: every mutation of a valid scenario loads or fails with a ScenarioError
that names the key path (and, for anything in the YAML text, the line) — never a traceback.

``make test`` runs 100 derandomised cases per property; ``make fuzz`` (``--run-fuzz``) runs the
same properties with 1,000+ random cases each. Only loading, validation and the CLI's error
handling are fuzzed: the solve is patched out.
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from wasteopt import cli
from wasteopt.config.errors import ScenarioError, WasteoptError
from wasteopt.config.loader import load_scenario, scenario_from_yaml_text
from wasteopt.config.scenario import Scenario, key_path_text
from wasteopt.config.userfiles import MAX_YAML_BYTES

ROOT = Path(__file__).resolve().parents[1]
BASE = load_scenario(ROOT / "configs" / "henan-2025-zero-landfill.yaml")
# Every key spelled out, so mutations reach every field of the schema.
BASE_DATA = yaml.safe_load(BASE.to_yaml())
BASE_TEXT = BASE.to_yaml()

QUICK = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=1000, deadline=None, database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

WHOLE_FILE = ("the scenario is empty", "must be a mapping", "is larger than", "anchors and aliases",
              "nested deeper")


def _paths(data, prefix=()) -> list[tuple]:
    out = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append(prefix + (key,))
            out += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.append(prefix + (i,))
            out += _paths(value, prefix + (i,))
    return out


def _at(data, path: tuple):
    for key in path:
        data = data[key]
    return data


PATHS = _paths(BASE_DATA)
MAPPING_PATHS = [()] + [p for p in PATHS if isinstance(_at(BASE_DATA, p), dict)]

# ----------------------------------------------------------------------------- strategies

text_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["150 km", "1,000", "1e3", "50%", "0x10", "NaN", ".inf", "-.inf", "yes", "no", "null",
                     "三百", "３００", "150 公里", "", " ", "~", "2020-01-01", "highs ", "HIGHS", "cbc\n"]),
)
number_values = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.sampled_from([0, -1, 1, 10**9, -10**9, 2**63, -2**63 - 1, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan, 1e-9]),
)
scalar_values = st.one_of(number_values, text_values, st.booleans(), st.none())
any_values = st.recursive(scalar_values, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)

# A mutation: ("set", path, value) | ("delete", path) | ("add", mapping path, new key, value)
mutations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(PATHS), any_values),
    st.tuples(st.just("delete"), st.sampled_from(PATHS)),
    st.tuples(st.just("add"), st.sampled_from(MAPPING_PATHS),
              st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(["max_haul", "circuit", "名称", "name "])),
              scalar_values),
)


def _apply(data: dict, mutation) -> tuple | None:
    """Mutate ``data`` in place; return the key path the mutation touched (None if it no longer exists)."""
    kind, path = mutation[0], mutation[1]
    parent = data
    for key in path[:-1] if kind != "add" else path:
        if isinstance(parent, dict) and key in parent or isinstance(parent, list) and isinstance(key, int) and key < len(parent):
            parent = parent[key]
        else:
            return None  # an earlier mutation removed or replaced this branch
    if kind == "add":
        if not isinstance(parent, dict):
            return None
        parent[mutation[2]] = mutation[3]
        return path + (mutation[2],)
    last = path[-1]
    if not (isinstance(parent, dict) and last in parent or isinstance(parent, list) and isinstance(last, int) and last < len(parent)):
        return None
    if kind == "set":
        parent[last] = mutation[2]
    else:
        del parent[last]
    return path


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


KEY = re.compile(r"key '((?:[^'\\]|\\.)*)'")  # escaped quotes inside, see key_path_text


def _as_read(part):
    """The key as YAML reads it back (a dumped NEL or CR inside a key comes back as a space)."""
    if not isinstance(part, str):
        return part
    return next(iter(yaml.safe_load(_dump({part: 0}))))


def _related(named: str, path: tuple) -> bool:
    path = tuple(_as_read(part) for part in path)
    dotted = key_path_text(path)
    return named == dotted or dotted.startswith(named + ".") or named.startswith(dotted + ".") or (
        # the section validators (e.g. years ordered) report the enclosing section
        named == key_path_text(path[:1]))


def _check_rejection(message: str, touched: list[tuple], deleted: list[tuple]) -> None:
    assert "Traceback" not in message
    named = KEY.findall(message)
    assert named, f"no key path in: {message}"
    for key in named:
        related = [p for p in touched if _related(key, p)]
        assert related, f"{key!r} is not one of the mutated paths {touched}: {message}"
    top_level_deletion = all(len(p) == 1 and p in deleted for p in touched if any(_related(k, p) for k in named))
    if not top_level_deletion:
        assert re.search(r"line \d+", message), f"no line in: {message}"


# ----------------------------------------------------------------------------- properties

def mutated_data_is_loaded_or_named(mutation_list):
    data = copy.deepcopy(BASE_DATA)
    touched, deleted = [], []
    for mutation in mutation_list:
        path = _apply(data, mutation)
        if path is not None:
            touched.append(path)
            if mutation[0] == "delete":
                deleted.append(path)
    try:
        text = _dump(data)
    except (yaml.YAMLError, ValueError, OverflowError):
        assume(False)  # PyYAML cannot write the value: not a document a user could have
    try:
        scenario = scenario_from_yaml_text(text, base_dir=ROOT)
    except ScenarioError as error:
        _check_rejection(str(error), touched, deleted)
    else:
        assert isinstance(scenario, Scenario)
        assert scenario.content_hash()  # a valid scenario is fully usable


def _text_mutations(text: str, draw_ops) -> str:
    for op, pos, payload in draw_ops:
        pos = pos % (len(text) + 1)
        if op == "insert":
            text = text[:pos] + payload + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + len(payload) + 1:]
        elif op == "truncate":
            text = text[:pos]
        elif op == "duplicate_line":
            lines = text.splitlines(keepends=True)
            if lines:
                i = pos % len(lines)
                lines.insert(i, lines[i])
            text = "".join(lines)
        elif op == "indent":
            lines = text.splitlines(keepends=True)
            if lines:
                i = pos % len(lines)
                lines[i] = payload[:2].replace("\n", " ") + lines[i]
            text = "".join(lines)
    return text


SNIPPETS = st.sampled_from([
    ":", "- ", "  ", "\t", "{", "}", "[", "]", "&a ", "*a", "!!python/object/apply:os.system ['true'] ",
    "!!binary ", "!!set ", "? ", "---\n", "...\n", "%YAML 1.1\n", "#", "'", '"', "|\n", ">\n", "\n", "\ufeff",
    "\x00", "\x07", "\x1b", "\u2028", "\ud800", "河南", "١٢٣", "🗑️", "\r\n", "\r", ".nan", "1e999", "-", "null",
    "~", "<<: {}", "extends: ../etc/passwd\n", "extends: nope.yaml\n", "name: dup\n", "1: x\n",
])
text_ops = st.lists(st.tuples(st.sampled_from(["insert", "delete", "truncate", "duplicate_line", "indent"]),
                              st.integers(min_value=0, max_value=10**6),
                              st.one_of(SNIPPETS, st.text(max_size=6))), min_size=1, max_size=4)


def mutated_text_is_loaded_or_located(ops):
    text = _text_mutations(BASE_TEXT, ops)
    try:
        scenario = scenario_from_yaml_text(text, base_dir=ROOT)
    except ScenarioError as error:
        message = str(error)
        assert re.search(r"line \d+", message) or any(w in message for w in WHOLE_FILE) or (
            "required key is missing" in message), message
        if "key '" not in message:
            assert "YAML" in message or any(w in message for w in WHOLE_FILE), message
    else:
        assert isinstance(scenario, Scenario)


def cli_reports_one_line(tmp_path: Path, text: str):
    """``wasteopt solve`` on the file: exit code and one 'error:' line, never a traceback."""
    config = tmp_path / "fuzz.yaml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    err, out = io.StringIO(), io.StringIO()

    class Stub(WasteoptError):
        exit_code = 42

    def no_solve(*args, **kwargs):
        raise Stub("solve patched out")

    with mock.patch("wasteopt.runs.pipeline.solve_scenario", no_solve), \
            contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(["solve", str(config), "--out", str(tmp_path / "run"),
                         "--registry", str(tmp_path / "runs.sqlite")])
    stderr = err.getvalue()
    assert "Traceback" not in stderr
    if code == 42:
        scenario_from_yaml_text(text, base_dir=ROOT)  # the CLI accepted it: so does the library
    else:
        assert code == 1, stderr
        error_lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert len(error_lines) == 1 and ("key '" in stderr or "YAML" in stderr or "line" in stderr
                                          or any(w in stderr for w in WHOLE_FILE)), stderr


# ----------------------------------------------------------------------------- make test (100 each)

@QUICK
@given(st.lists(mutations, min_size=1, max_size=3))
def test_mutated_scenarios_quick(mutation_list):
    mutated_data_is_loaded_or_named(mutation_list)


@QUICK
@given(text_ops)
def test_mutated_yaml_text_quick(ops):
    mutated_text_is_loaded_or_located(ops)


@settings(QUICK, max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=text_ops)
def test_cli_on_mutated_files_quick(tmp_path, ops):
    cli_reports_one_line(tmp_path, _text_mutations(BASE_TEXT, ops))


# ----------------------------------------------------------------------------- make fuzz (1,000+ each)

@pytest.mark.fuzz
@LONG
@given(st.lists(mutations, min_size=1, max_size=3))
def test_mutated_scenarios_fuzz(mutation_list):
    mutated_data_is_loaded_or_named(mutation_list)


@pytest.mark.fuzz
@LONG
@given(text_ops)
def test_mutated_yaml_text_fuzz(ops):
    mutated_text_is_loaded_or_located(ops)


@pytest.mark.fuzz
@settings(LONG, max_examples=300,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=text_ops, mutation_list=st.lists(mutations, min_size=0, max_size=2))
def test_cli_on_mutated_files_fuzz(tmp_path, ops, mutation_list):
    data = copy.deepcopy(BASE_DATA)
    for mutation in mutation_list:
        _apply(data, mutation)
    try:
        text = _dump(data)
    except (yaml.YAMLError, ValueError, OverflowError):
        text = BASE_TEXT
    cli_reports_one_line(tmp_path, _text_mutations(text, ops))


# ----------------------------------------------------------------------------- named edge cases

@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    ("   \n\n", "empty"),
    ("# only a comment\n", "empty"),
    ("- a\n- b\n", "mapping"),
    ("name: x\n? [a, b]\n: 1\n", r"key '<sequence>' \(upload, line 2\)"),
    ("name: x\nnetwork:\n  5: 2\n", r"key 'network.5' \(upload, line 3\)"),
    ("name: x\nnetwork:\n  circuity: 1.2\n  circuity: 1.3\n", r"key 'network.circuity' \(upload, line 4\): duplicate"),
    ("name: x\ndescription: " + "[" * 3000 + "]" * 3000 + "\n", "nested deeper than"),
    ("name: x\x07\n", "line 1: character U\\+0007"),
    ("name: x\nlandfill:\n  co2e_t_per_t: .nan\n", r"key 'landfill.co2e_t_per_t' \(upload, line 3\): .*finite"),
    ("name: x\nincinerator:\n  line_sizes_tpd: [500, -300]\n", r"key 'incinerator.line_sizes_tpd.1' \(upload, line 3\)"),
    ("name: x\nnetwork:\n  max_haul_km: 150 km\n", r"key 'network.max_haul_km' \(upload, line 3\)"),
    ("name: x\nextends: nope.yaml\n", r"key 'extends' \(upload, line 2\)"),
    ("name: x\nextends: ../../etc/passwd\n", r"key 'extends' \(upload, line 2\)"),
])
def test_named_edge_cases(text, expected):
    with pytest.raises(ScenarioError, match=expected):
        scenario_from_yaml_text(text, base_dir=ROOT)


def test_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\ndescription: café\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1.yaml: invalid YAML at line 2: not UTF-8 text \(byte 0xe9"):
        load_scenario(path)


def test_size_limit_is_checked_before_parsing():
    with pytest.raises(ScenarioError, match="larger than"):
        scenario_from_yaml_text("name: x\ndescription: " + "a" * MAX_YAML_BYTES + "\n")
