"""The layers read api -> graph <- ingest: checked on every import statement of the production packages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    """{module file: every module it imports}, at any depth of the file (inside functions and TYPE_CHECKING too)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def crossings(package: str, forbidden: str) -> list[str]:
    return [f"{path} imports {name}" for path, names in imported_modules(package).items() for name in sorted(names)
            if name == forbidden or name.startswith(f"{forbidden}.")]


def test_the_api_reaches_ingest_only_through_the_doors_of_graph() -> None:
    """api/ gets intake, erasure, live updates and the audit key from graph/doors.py, wired by the composition root
    (dtc serve, dtc demo, the test fixtures)."""
    assert crossings("api", "ingest") == []


def test_graph_imports_neither_api_nor_ingest() -> None:
    assert crossings("graph", "api") + crossings("graph", "ingest") == []
