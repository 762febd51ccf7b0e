"""Every ``from wasteopt… import name`` in the package, those inside functions included, names something that
exists: an import that fails only when a rarely used command runs (as `wasteopt backtest`'s import of a
removed ``prepare_run_dir`` did) fails here instead."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import wasteopt

PACKAGE_ROOT = Path(wasteopt.__file__).parent


def imported_names(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of each ``from <wasteopt module> import name`` in the file at ``path``."""
    package = list(path.relative_to(PACKAGE_ROOT.parent).parts[:-1])  # the package the file is in (or is)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package[: len(package) - node.level + 1] if node.level else []
        module = ".".join(base + ([node.module] if node.module else []))
        if module == "wasteopt" or module.startswith("wasteopt."):
            found += [(node.lineno, module, alias.name) for alias in node.names if alias.name != "*"]
    return found


def test_every_from_import_in_the_package_resolves():
    missing = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        for line, module, name in imported_names(path):
            target = importlib.import_module(module)
            if hasattr(target, name):
                continue
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}: from {module} import {name}")
    assert not missing, "names that do not exist:\n" + "\n".join(missing)

