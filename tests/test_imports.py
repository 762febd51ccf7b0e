"""The package imports one way only: no module of ``wasteopt`` reaches itself through its imports."""
from __future__ import annotations

import ast
from pathlib import Path

import wasteopt

PACKAGE_ROOT = Path(wasteopt.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The ``modules`` that module ``name`` (source text ``source``) imports anywhere: module level,
    functions, ``if`` blocks. ``from package import name`` also counts ``package.name`` when that is a module."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """Module → the ``wasteopt`` modules it imports."""
    paths = sorted(PACKAGE_ROOT.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imported_modules(p.read_text(encoding="utf-8"), module_name(p), p.name == "__init__.py",
                                             modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (the first repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                return path[path.index(nxt):] + [nxt]
            if nxt not in done and (cycle := visit(nxt)):
                return cycle
        done.add(path.pop())
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "wasteopt.runs.sweep" in graph["wasteopt.commands.batch"]  # a function-level import is seen
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_a_function_level_import_back_is_a_cycle():
    modules = {"pkg", "pkg.a", "pkg.b"}
    graph = {"pkg": set(),
             "pkg.a": imported_modules("from pkg import b\n", "pkg.a", False, modules),
             "pkg.b": imported_modules("def late():\n    from .a import thing\n", "pkg.b", False, modules)}
    assert graph["pkg.b"] == {"pkg.a"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_siting_engine_imports_down_its_layers_only():
    """milp → formulation → radius → search → bounds → pipeline: a layer never imports one above it."""
    graph = import_graph()
    layers = ["wasteopt.milp", "wasteopt.siting.formulation", "wasteopt.siting.radius", "wasteopt.siting.search",
              "wasteopt.siting.bounds", "wasteopt.siting.pipeline"]

    def layer(module: str) -> int | None:
        return next((i for i, name in enumerate(layers) if module == name or module.startswith(name + ".")), None)

    upward = [(module, target) for module, targets in graph.items() for target in targets
              if layer(module) is not None and layer(target) is not None and layer(target) > layer(module)]
    assert upward == []
    assert not any(target.startswith("wasteopt.siting") for m, targets in graph.items() if layer(m) == 0
                   for target in targets)  # the MILP layer knows nothing of sites


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` loads, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_pipeline_is_handed_the_report_and_never_imports_it():
    graph = import_graph()
    assert "wasteopt.reporting.kpi" in reachable(graph, "wasteopt.runs.pipeline")
    assert not any(m.startswith("wasteopt.reporting.report") for m in reachable(graph, "wasteopt.runs.pipeline"))
