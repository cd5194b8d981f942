"""The layout's guard rails (docs/architecture.md): imports go down the layers only —
triggers → jobs → services → infrastructure → core, config beside core — and no two
packages import each other, directly or round a loop. Read from the source with `ast`,
so nothing is imported to check it."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "core": 0,
    "config": 1,
    "infrastructure": 2,
    "services": 3,
    "jobs": 4,
    "web_interfaces": 4,
    "triggers": 5,
}
PACKAGE_DEPTH = {
    "core": 2,
    "config": 1,
    "infrastructure": 2,
    "services": 2,
    "jobs": 1,
    "web_interfaces": 1,
    "triggers": 2,
}


def modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n.split(".")[0] in LAYERS}


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[: PACKAGE_DEPTH[parts[0]]])


def test_imports_only_go_down_the_layers():
    upward = []
    for name, path in modules().items():
        for imported in imports_of(path):
            if LAYERS[imported.split(".")[0]] > LAYERS[name.split(".")[0]]:
                upward.append(f"{name} imports {imported}")
    assert upward == []


def test_core_imports_nothing_of_the_other_layers():
    leaks = [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name.startswith("core")
        for imported in imports_of(path)
        if not imported.startswith("core")
    ]
    assert leaks == []


def test_no_package_depends_on_itself_round_a_loop():
    graph = defaultdict(set)
    for name, path in modules().items():
        for imported in imports_of(path):
            source, target = package_of(name), package_of(imported)
            if source != target:
                graph[source].add(target)
    assert find_cycles(graph) == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


STORAGE_SDK = ("azure.storage", "azure.core")


def test_only_infrastructure_storage_reaches_the_storage_sdk():
    """Handlers use BlobStorage's methods (core/storage.py): the SDK, its exceptions and
    the raw client (`blobs.client`) stay inside infrastructure/, so the in-memory store
    can stand in for the real one."""
    leaks = []
    for name, path in modules().items():
        if name.startswith("infrastructure"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith(STORAGE_SDK)
            ):
                leaks.append(f"{name} imports {node.module}")
            elif isinstance(node, ast.Import):
                leaks += [
                    f"{name} imports {a.name}" for a in node.names if a.name.startswith(STORAGE_SDK)
                ]
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == "client"
                and _names_blobs(node.value)
            ):
                leaks.append(f"{name} line {node.lineno} uses blobs.client")
    assert leaks == []


def _names_blobs(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "blobs") or (
        isinstance(node, ast.Name) and node.id == "blobs"
    )
