"""The oracle of tests/oracle shares no code with what it checks: it imports nothing from graph/, ingest/ or api/."""

from __future__ import annotations

import ast
from pathlib import Path

ORACLE = Path(__file__).resolve().parents[1] / "oracle"
FORBIDDEN = ("graph", "ingest", "api", "cypher", "dtc")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_oracle_imports_none_of_the_twin() -> None:
    files = sorted(ORACLE.glob("*.py"))
    assert len(files) >= 3
    for path in files:
        for module in imported_modules(path):
            assert module.split(".")[0] not in FORBIDDEN, f"{path.name} imports {module}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import json\nfrom graph.analytics.stats import wilson_interval\n", encoding="utf-8")
    assert "graph.analytics.stats" in imported_modules(sneaky)
