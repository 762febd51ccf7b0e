"""Scenario YAML → Scenario: safe parsing that knows each key's file and line, ``extends: base.yaml`` (a variant
file holds only its differences), and validation whose errors name the key path and the line it came from.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from wasteopt.config.errors import ScenarioError
from wasteopt.config.scenario.messages import key_path_text
from wasteopt.config.scenario.schema import Scenario, validate_scenario
from wasteopt.config.scenario.section import deep_merge
from wasteopt.config.userfiles import MAX_YAML_BYTES, read_capped, shown

MAX_EXTENDS_DEPTH = 8
MAX_YAML_DEPTH = 32  # a scenario nests 4 levels; deep nesting only exhausts the parser's recursion


class _LineLoader(yaml.SafeLoader):
    """SafeLoader for scenarios; :func:`_check_tree` vets the composed nodes before any object is built."""


_STR_TAG = "tag:yaml.org,2002:str"


def _check_tree(node, where: str, prefix: tuple = ()) -> dict[tuple, str]:
    """Map each key path to 'file, line N'; refuse non-text and duplicate keys, naming path and line.

    Iterative, so a hostile document cannot exhaust Python's recursion limit here either.
    """
    out: dict[tuple, str] = {}
    stack = [(node, prefix)]
    while stack:
        current, path = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in current.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else f"<{key_node.id}>"
                    dotted = key_path_text(path + (shown,))
                    raise ScenarioError(f"key '{dotted}' ({where}line {line}): keys must be plain names (text)")
                key = key_node.value
                if key in seen:
                    dotted = key_path_text(path + (key,))
                    raise ScenarioError(f"key '{dotted}' ({where}line {line}): duplicate key (first at line {seen[key]})")
                seen[key] = line
                out[path + (key,)] = f"{where}line {line}"
                stack.append((value_node, path + (key,)))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                out[path + (i,)] = f"{where}line {item.start_mark.line + 1}"
                stack.append((item, path + (i,)))
    return out


def _scan_tokens(text: str, where: str) -> None:
    """One flat pass over the tokens: refuse anchors/aliases (billion laughs) and deep nesting."""
    depth = 0
    opening = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
               yaml.FlowSequenceStartToken, yaml.BlockEntryToken)
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            line = token.start_mark.line + 1
            raise ScenarioError(f"{where}YAML anchors and aliases are not allowed in scenarios (line {line})")
        if isinstance(token, opening[:4]):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise ScenarioError(f"{where}YAML nested deeper than {MAX_YAML_DEPTH} levels "
                                    f"at line {token.start_mark.line + 1}")
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1


def parse_yaml(text: str, source: str = "") -> tuple[dict, dict[tuple, str]]:
    """Parse scenario YAML safely; return the mapping and where each key path stands."""
    if not isinstance(text, str):
        raise ScenarioError(f"{source or 'YAML'}: expected text, got {type(text).__name__}")
    if len(text.encode("utf-8", "replace")) > MAX_YAML_BYTES:
        raise ScenarioError(f"{source or 'YAML'} is larger than {MAX_YAML_BYTES // 1000} kB")
    where = f"{source}: " if source else ""
    try:
        _scan_tokens(text, where)
        loader = _LineLoader(text)
        try:
            node = loader.get_single_node()
            lines = _check_tree(node, f"{source}, " if source else "") if node is not None else {}
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(f"{where}invalid YAML at {line}{error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:
        # Raised for control characters and lone surrogates; it knows the offset, not the line.
        line = text.count("\n", 0, max(error.position, 0)) + 1
        code = ord(error.character) if isinstance(error.character, str) else int(error.character)
        raise ScenarioError(f"{where}invalid YAML at line {line}: character U+{code:04X} "
                            "is not allowed (control character or invalid unicode)") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{where}invalid YAML: {error}") from None
    except RecursionError:  # belt and braces: _scan_tokens should have refused the nesting first
        raise ScenarioError(f"{where}YAML nested too deeply") from None
    if data is None:
        raise ScenarioError(f"{where}the scenario is empty")
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}a scenario must be a mapping of keys, not {type(data).__name__}")
    return data, lines


def _load_with_extends(path: Path, depth: int = 0) -> tuple[dict, dict[tuple, str]]:
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path.name}: 'extends' chain deeper than {MAX_EXTENDS_DEPTH} (a cycle?)")
    data = read_capped(path, MAX_YAML_BYTES, "scenario file", ScenarioError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(not_utf8_message(shown(path.name), data, error)) from None
    data, lines = parse_yaml(text, source=path.name)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, lines
    where = lines.get(("extends",), path.name)
    if not isinstance(base_name, str) or not base_name.strip():
        raise ScenarioError(f"key 'extends' ({where}): must be a file name")
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise ScenarioError(f"key 'extends' ({where}): scenario file not found: {base_path}")
    base_data, base_lines = _load_with_extends(base_path, depth + 1)
    return deep_merge(base_data, data), {**base_lines, **lines}


def not_utf8_message(source: str, data: bytes, error: UnicodeDecodeError) -> str:
    """One line for a YAML that is not UTF-8 (often GBK, as Notepad saves on Chinese Windows)."""
    line = data.count(b"\n", 0, error.start) + 1
    return (f"{source}: invalid YAML at line {line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); 请另存为 UTF-8 编码 / re-save the file as UTF-8")


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge ``extends:`` bases and validate a scenario YAML file."""
    path = Path(path)
    data, lines = _load_with_extends(path)
    data.setdefault("base_dir", str(_project_root_for(path)))
    return validate_scenario(data, lines, source=path.name)


def scenario_from_yaml_text(text: str, base_dir: str | Path = ".", source: str = "upload") -> Scenario:
    """Validate scenario YAML given as text (UI uploads); ``extends`` is resolved in ``configs/``."""
    data, lines = parse_yaml(text, source=source)
    base_name = data.pop("extends", None)
    if base_name is not None:
        where = lines.get(("extends",), source)
        if (not isinstance(base_name, str) or not base_name.strip() or "/" in base_name or "\\" in base_name
                or base_name.startswith(".") or "\0" in base_name):
            raise ScenarioError(f"key 'extends' ({where}): must name a file in configs/")
        base_path = Path(base_dir) / "configs" / base_name
        if not base_path.is_file():
            raise ScenarioError(f"key 'extends' ({where}): no scenario '{base_name}' in configs/")
        base_data, base_lines = _load_with_extends(base_path)
        data, lines = deep_merge(base_data, data), {**base_lines, **lines}
    data["base_dir"] = str(base_dir)
    return validate_scenario(data, lines, source=source)


def _project_root_for(path: Path) -> Path:
    """Configs live in ``<project>/configs``; seeds paths are relative to the project."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "configs" else folder
