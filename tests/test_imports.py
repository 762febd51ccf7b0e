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
    """The ``modules`` that module ``name`` (source text ``source``) imports anywhere it can run: module level,
    functions, ``if`` blocks, but not ``if TYPE_CHECKING:`` (annotations only, never run). ``from package import
    name`` also counts ``package.name`` when that is a module."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in _run_time_nodes(ast.parse(source)):
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


def _run_time_nodes(tree: ast.AST):
    """Every node of ``tree`` except what is under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for orelse in node.orelse for n in [orelse, *_run_time_nodes(orelse)])
            continue
        yield node
        yield from _run_time_nodes(node)


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


def test_an_import_for_annotations_only_is_no_dependency():
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\nelse:\n    import pkg.c\n"
    assert imported_modules(source, "pkg.a", False, {"pkg", "pkg.b", "pkg.c"}) == {"pkg.c"}


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


# The package's layers, bottom to top: a module imports from its own layer and the layers below it only
# (docs/architecture.md draws them). Every module of the package is in exactly one layer (the longest prefix).
LAYERS = [
    ("config", ["wasteopt.config"]),
    ("data", ["wasteopt.data"]),
    ("solvers", ["wasteopt.milp"]),
    ("engines", ["wasteopt.siting", "wasteopt.routing", "wasteopt.roads", "wasteopt.cd"]),
    ("results", ["wasteopt.reporting"]),
    ("runs", ["wasteopt.runs", "wasteopt.routing.county"]),
    ("studies", ["wasteopt.reporting.report", "wasteopt.studies", "wasteopt.runs.sweep", "wasteopt.cd.reconcile",
                 "wasteopt.cd.generate"]),
    ("bench", ["wasteopt.bench"]),
    ("faces", ["wasteopt", "wasteopt.__main__", "wasteopt.cli", "wasteopt.commands", "wasteopt.app"]),
]
MAX_CHAIN = 10  # modules in the longest import chain


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that holds ``module``."""
    matches = [(len(prefix), index) for index, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    return max(matches)[1]


def longest_chain(graph: dict[str, set[str]]) -> list[str]:
    """The longest path of imports (the graph has no cycle), the root package left out (it imports lazily)."""
    memo: dict[str, list[str]] = {}

    def longest(module: str) -> list[str]:
        if module not in memo:
            memo[module] = [module] + max((longest(target) for target in graph[module] if target != "wasteopt"),
                                          key=len, default=[])
        return memo[module]

    return max((longest(module) for module in graph), key=len)


def test_every_module_imports_down_the_package_layers_only():
    graph = import_graph()
    upward = sorted(f"{module} ({LAYERS[layer_of(module)][0]}) → {target} ({LAYERS[layer_of(target)][0]})"
                    for module, targets in graph.items() for target in targets if layer_of(target) > layer_of(module))
    assert upward == []


def test_the_longest_import_chain_is_short():
    chain = longest_chain(import_graph())
    assert len(chain) <= MAX_CHAIN, " → ".join(chain)


def test_the_top_level_holds_only_the_root_api_and_the_faces():
    top = sorted(path.name for path in PACKAGE_ROOT.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"]


def test_no_module_is_longer_than_500_lines():
    long = {str(path.relative_to(PACKAGE_ROOT)): n for path in PACKAGE_ROOT.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def documented_layers() -> dict[str, set[str]]:
    """docs/architecture.md's 'Every module by layer': layer name → the module paths listed under it."""
    text = (PACKAGE_ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Every module by layer", 1)[1].split("\n## ", 1)[0]
    return {line.split("**")[1]: set(line.split(":", 1)[1].replace("`", " ").split())
            for line in section.splitlines() if line.startswith("- **")}


def module_path(module: str) -> str:
    """``wasteopt.siting.bounds`` → ``siting/bounds/`` (a package), ``wasteopt.cli`` → ``cli.py``."""
    relative = module.removeprefix("wasteopt").lstrip(".").replace(".", "/")
    is_package = (PACKAGE_ROOT / relative / "__init__.py").exists()
    return (relative + "/" if relative else "wasteopt/") if is_package else relative + ".py"


def test_the_architecture_document_lists_every_module_in_its_layer():
    expected: dict[str, set[str]] = {name: set() for name, _ in LAYERS}
    for module in import_graph():
        expected[LAYERS[layer_of(module)][0]].add(module_path(module))
    documented = documented_layers()
    wrong = {name: {"missing": sorted(expected[name] - documented.get(name, set())),
                    "not in the package or not in this layer": sorted(documented.get(name, set()) - expected[name])}
             for name in expected if expected[name] != documented.get(name, set())}
    assert wrong == {}
