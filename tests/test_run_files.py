"""One owner per file format: only ``wasteopt/runs/folder/`` names a run's files; every other module reaches them
through RunFolder. Before #32 the export page, the backtest, the goal cost and runs/export.py named them."""
from __future__ import annotations

import ast
from pathlib import Path

import wasteopt
from wasteopt.runs.folder.layout import ALL_NAMES, LAYER_SUFFIX

PACKAGE = Path(wasteopt.__file__).parent
OWNER = PACKAGE / "runs" / "folder"
# Folders of other formats whose own file has a run file's name: a C&D reconciliation's kpis.json.
OTHER_FORMATS = {("cd/reconcile.py", "kpis.json"), ("commands/cd.py", "kpis.json")}


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _names_a_run_file(text: str) -> str | None:
    return next((name for name in ALL_NAMES if text == name or text.endswith("/" + name)), None)


def run_file_names(source: str) -> list[tuple[int, str]]:
    """(line, name) of each run file named in code (not in docstrings or comments): a string that is a run file's
    name or ends in one, or an f-string that ends in a run file's name or its layers' ``.geojson``."""
    tree = ast.parse(source)
    docstrings, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[-1], ast.Constant):
            tail = str(node.values[-1].value)
            if (name := _names_a_run_file(tail) or (LAYER_SUFFIX if tail == LAYER_SUFFIX else None)):
                found.append((node.lineno, name))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if (name := _names_a_run_file(node.value)) and not _in_f_string(tree, node):
                found.append((node.lineno, name))
    return sorted(found)


def _in_f_string(tree: ast.AST, constant: ast.Constant) -> bool:
    return any(constant in node.values for node in ast.walk(tree) if isinstance(node, ast.JoinedStr))


def test_only_the_run_folder_names_a_run_file():
    named = [f"{path.relative_to(PACKAGE)}:{line}: {name}"
             for path in sorted(PACKAGE.rglob("*.py")) if OWNER not in path.parents
             for line, name in run_file_names(path.read_text(encoding="utf-8"))
             if (str(path.relative_to(PACKAGE)), name) not in OTHER_FORMATS]
    assert named == [], "read or write these through RunFolder (wasteopt/runs/folder/):\n" + "\n".join(named)


def test_the_check_sees_names_in_code_not_in_words():
    source = ('"""Reads facilities.csv."""\n'
              'a = folder / "facilities.csv"\n'
              'b = folder / f"{layer}.geojson"\n'
              'c = Path("runs/x/kpis.json")\n'
              'd = f"{run}/goal_cost.json"\n'
              'e = "see kpis.json for the KPIs"\n'
              'f = {".geojson", ".json"}  # suffixes of user files\n')
    assert run_file_names(source) == [(2, "facilities.csv"), (3, ".geojson"), (4, "kpis.json"),
                                      (5, "goal_cost.json")]
