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


def test_only_the_flow_and_serving_modules_import_prefect():
    """The flows and their deployment are Prefect's; the CLI, fetching, extraction and the
    layers below run without it."""
    users = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "flows").rglob("*.py")
        if "prefect" in imported_roots(p)
    }
    assert users == {"flows/nightly.py", "flows/serving.py", "flows/cluster.py"}
