"""The layout the next engineer can trust, kept by a test: small modules, Cypher only in query files, layers that
import one way (`api -> graph <- ingest`, `cypher` at the bottom with the standard library only).

Each check reads the source as text (ast), so it runs without a store; each has a case showing it sees what it
forbids.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("graph", "ingest", "api", "cypher", "dtc")
MAX_LINES = 500
# the two store adapters keep their engine's schema DDL and procedure calls (index listing, vector search) in Python
ADAPTERS = ("graph/falkordb_store.py", "graph/neo4j_store.py")
ADAPTER_CYPHER = re.compile(r"^\s*(CREATE (VECTOR )?INDEX|CREATE CONSTRAINT|CALL db\.|RETURN 1$)")
# a clause with the shape it has in a query (a pattern, a parameter, an alias), not the word in a sentence
CYPHER = re.compile(
    r"\b(OPTIONAL MATCH|MATCH|MERGE|CREATE)\s*\(|\bUNWIND\s+[$\[\w]|\bDETACH DELETE\b|\bCALL\s+(db|dbms|apoc)\.|"
    r"\bRETURN\s+[\w$.()*'\[\]]+(\s*,\s*[\w$.()*'\[\]]+)*\s+AS\s+\w|"
    r"\bWITH\s+(DISTINCT\s+)?[\w.]+\s*(,|AS\b|ORDER BY\b|WHERE\b)"
)


def production_modules() -> Iterator[Path]:
    for package in PRODUCTION:
        yield from sorted((ROOT / package).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_production_module_is_over_500_lines() -> None:
    lines = {relative(p): len(p.read_text(encoding="utf-8").splitlines()) for p in production_modules()}
    long = {path: n for path, n in lines.items() if n > MAX_LINES}
    assert long == {}, f"split these by job (at most {MAX_LINES} lines each): {long}"


# -- Cypher lives in query files ---------------------------------------------------------------------------------
def string_literals(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal but docstrings; an f-string's text has its placeholders as `{}`."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstring.update(id(part) for part in node.values)
            yield node.lineno, "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and id(node) not in inside_fstring):
            yield node.lineno, node.value


def cypher_in(source: str, adapter: bool = False) -> list[tuple[int, str]]:
    found = []
    for line, text in string_literals(source):
        if CYPHER.search(text) and not (adapter and ADAPTER_CYPHER.match(text)):
            found.append((line, " ".join(text.split())[:100]))
    return found


def test_no_cypher_outside_query_files_and_the_adapters_ddl() -> None:
    found = {f"{relative(p)}:{line}": text for p in production_modules()
             for line, text in cypher_in(p.read_text(encoding="utf-8"), relative(p) in ADAPTERS)}
    assert found == {}, "move these into cypher/ (internal/ for the twin's own queries): " + repr(found)


def test_the_cypher_scan_sees_queries_in_python_and_lets_prose_and_ddl_be() -> None:
    label = "Customer"
    assert cypher_in(f'Q = f"MATCH (c:{label} {{id: $id}}) RETURN c.id AS id"\n')
    assert cypher_in('Q = ("UNWIND $rows AS row "\n     "SET x.a = row.a")\n')
    assert cypher_in('def f():\n    """Doc."""\n    return "WITH c, count(*) AS n RETURN n"\n')
    assert not cypher_in('def f():\n    """MATCH (c:Customer) RETURN c.id AS id, in a docstring."""\n')
    assert not cypher_in('E = "The batch query returns a count; match the customers as they are."\n')
    ddl = 'Q = f"CREATE INDEX FOR (n:{label}) ON (n.{prop})"\nV = "CALL db.indexes() YIELD label RETURN label"\n'
    assert not cypher_in(ddl, adapter=True) and cypher_in(ddl)
    assert cypher_in('Q = "MATCH (n) RETURN n.id AS id"\n', adapter=True)


def test_engine_specifics_stay_in_the_adapters() -> None:
    """Callers use the store port's methods (bulk writes, make_durable, redis_url); only open_store picks an adapter."""
    adapters = {"graph.falkordb_store", "graph.neo4j_store"}
    importers = {relative(p) for p in production_modules() if imports(p) & adapters} - {"graph/store.py", *ADAPTERS}
    compares = {f"{relative(p)}:{n}" for p in production_modules() if relative(p) not in ADAPTERS
                for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                if re.search(r"\.engine\s*(==|!=|in\b)|isinstance\([^)]*(FalkorDB|Neo4j)Store", line)}
    assert (importers, compares) == (set(), set())


# -- layers ------------------------------------------------------------------------------------------------------
def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def imported_packages(package: str) -> dict[str, set[str]]:
    return {relative(p): {m.split(".")[0] for m in imports(p)} for p in sorted((ROOT / package).rglob("*.py"))}


def test_cypher_imports_only_the_standard_library() -> None:
    outside = {path: sorted(m for m in found if m not in sys.stdlib_module_names and m not in ("cypher", "__future__"))
               for path, found in imported_packages("cypher").items()}
    assert {path: found for path, found in outside.items() if found} == {}


def test_graph_never_imports_api_or_ingest() -> None:
    found = {path: sorted(m & {"api", "ingest", "dtc"}) for path, m in imported_packages("graph").items()}
    assert {path: layers for path, layers in found.items() if layers} == {}


def test_the_api_reaches_ingest_only_through_the_doors_of_graph() -> None:
    """api/ gets intake, erasure, live updates and the audit key from graph/doors.py, wired by the composition root
    (dtc serve, dtc demo, the test fixtures)."""
    found = {path: sorted(m & {"ingest", "dtc"}) for path, m in imported_packages("api").items()}
    assert {path: layers for path, layers in found.items() if layers} == {}


def oracle_imports_of_the_twin(oracle: Path) -> dict[str, list[str]]:
    """The twin's modules each oracle file imports (any of PRODUCTION: graph, ingest, api, cypher, dtc)."""
    found = {p.relative_to(oracle).as_posix(): sorted(m for m in imports(p) if m.split(".")[0] in PRODUCTION)
             for p in sorted(oracle.rglob("*.py"))}
    return {path: modules for path, modules in found.items() if modules}


def test_the_oracle_imports_nothing_of_the_twin() -> None:
    """tests/oracle recomputes the questions independently (issue 15): it shares no code with what it checks, not
    even the statistics (it has its own Wilson interval, rate and lift); the frozen scan runner takes the store as
    an argument."""
    oracle = ROOT / "tests" / "oracle"
    assert len(list(oracle.glob("*.py"))) >= 5
    assert oracle_imports_of_the_twin(oracle) == {}


def test_no_production_code_imports_the_oracle() -> None:
    found = {relative(p): sorted(m for m in imports(p) if m.split(".")[0] in ("oracle", "tests"))
             for p in production_modules()}
    assert {path: modules for path, modules in found.items() if modules} == {}


def test_the_oracle_check_sees_an_import_of_the_twin(tmp_path: Path) -> None:
    (tmp_path / "questions.py").write_text("from math import sqrt\nfrom graph.analytics.stats import lift\n",
                                           encoding="utf-8")
    (tmp_path / "scan.py").write_text("def f():\n    import ingest.sink\n    import cypher\n", encoding="utf-8")
    assert oracle_imports_of_the_twin(tmp_path) == {
        "questions.py": ["graph.analytics.stats"], "scan.py": ["cypher", "ingest.sink"]}


def test_the_import_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import json\nfrom ingest.sink import sink_for\n\ndef f():\n    import api.app\n",
                      encoding="utf-8")
    assert imports(sneaky) == {"json", "ingest.sink", "api.app"}
