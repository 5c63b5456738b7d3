"""The dependency direction of DESIGN.md, checked by reading imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "transforms": {
        "prefect",
        "duckdb",
        "httpx",
        "great_expectations",
        "flows",
        "warehouse",
        "expectations",
        "requests",
        "socket",
    },
    "warehouse": {"prefect", "flows", "expectations", "great_expectations", "httpx"},
    "expectations": {"prefect", "flows", "httpx"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_upper_ones(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_composition_at_the_top_of_flows_imports_prefect():
    """The flows, their tasks, the run's ledger and the deployment are Prefect's; the
    sub-packages (acquire: discovery, fetching, ingest; staging: the workers; cli: the
    terminal) and the layers below run without it."""
    users = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "flows").rglob("*.py")
        if "prefect" in imported_roots(p)
    }
    top = {"nightly", "tasks", "ledger", "serving", "served", "cluster", "cluster_preload"}
    assert users == {f"flows/{name}.py" for name in top}


PACKAGES = ("flows", "transforms", "warehouse", "expectations")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ours a file imports, at the top or inside a function alike: an import
    put in a function to dodge a cycle is still the cycle."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle once, as the modules along it (depth-first search, three colours)."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*stack[stack.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return cycles


def test_no_import_cycles_even_through_function_level_imports():
    files = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph = {
        name: {
            m for m in our_imports(path, set(files)) if m != name and not name.startswith(m + ".")
        }
        for name, path in files.items()
    }
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_tests_mirror_the_code_and_share_helpers_never_test_files():
    """A test file imports helpers (tests/builders.py, tests/runs.py, fixtures in conftest),
    never another test file; and test files live in the folder of what they test."""
    importers = {}
    for path in (ROOT / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        taken = sorted(m for m in modules if m.startswith("tests.") and ".test_" in f".{m}")
        if taken:
            importers[str(path.relative_to(ROOT))] = taken
    assert importers == {}
    top = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    assert top == ["test_layering.py"]  # the architecture's own test; the rest by layer
