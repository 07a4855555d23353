"""The analysts' library: every named query loads, declares its params, runs on embedded FalkorDB, never returns
personal data, and (when `node` is present) is valid Neo4j 5 Cypher for the official Neo4j linter."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from twin_graph import example_catalog, load_twin, read_jsonl

import cypher
from graph.store import GraphStore

ROOT = Path(__file__).resolve().parents[2]
LINTER_DIR = ROOT / ".cache" / "cyl"
LINTER_PACKAGE = "@neo4j-cypher/language-support@2.0.0-next.38"
# values for required parameters when a query runs on the Sydney example
EXAMPLE_VALUES: dict[str, Any] = {
    "persona": "trend-seeker", "id": "sydney", "rows": [],
    "steps": [{"touchpoint": "influencer_post"}, {"touchpoint": "product_page"}],
    "cohortEvent": {"touchpoint": "influencer_post"}, "returnEvent": {"channel": "salon"},
}
LINT_SCRIPT = """
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';
import fs from 'fs';
let bad = 0;
for (const file of process.argv.slice(2)) {
  const result = lintCypherQuery(fs.readFileSync(file, 'utf8'), {}, false);
  const errors = (result.diagnostics || result).filter(d => d.severity === 1).filter(isNotParamError);
  if (errors.length) { bad++; console.log(file, 'ERROR', errors.map(d => d.message).join(' | ')); }
}
process.exit(bad ? 1 : 0);
"""


def test_every_query_loads_with_a_description_and_declared_params() -> None:
    names = cypher.names()
    for expected in ("friction-to-competitors", "journey-map", "customer-twin", "stakeholder-map", "journey-paths",
                     "relationship-stage", "customers-of-persona", "customer-timeline", "cx-by-channel",
                     "frictions-by-owner", "persona-summaries", "funnel", "retention"):
        assert expected in names
    for query in cypher.load_all():
        assert query.description, query.name
        assert query.mode in ("read", "write")


def test_friction_to_competitors_declares_the_graphql_arguments() -> None:
    params = {p.name: p for p in cypher.load("friction-to-competitors").params}
    assert list(params) == ["persona", "windowDays", "since", "until", "minExposed", "limit"]
    assert params["persona"].required
    assert (params["windowDays"].default, params["minExposed"].default, params["limit"].default) == (90, 1, 10)
    assert params["since"].coerce("2024-03-01T00:00:00Z") == 1709251200000


@pytest.fixture
def sydney(store: GraphStore, examples: Path) -> GraphStore:
    load_twin(store, read_jsonl(examples / "customers.jsonl"), read_jsonl(examples / "events.jsonl"),
              example_catalog(examples))
    return store


@pytest.mark.parametrize("name", cypher.names())
def test_query_runs_on_embedded_falkordb_without_personal_data(sydney: GraphStore, name: str) -> None:
    query = cypher.load(name)
    given = {p.name: EXAMPLE_VALUES[p.name] for p in query.params if p.required}
    rows = sydney.run(name, given)
    assert isinstance(rows, list)
    if query.mode == "read" and not name.endswith("-pii"):
        text = json.dumps(rows)
        assert "pii_" not in text and "sydney@example.com" not in text and '"Sydney"' not in text


def test_everyday_queries_on_the_sydney_example(sydney: GraphStore) -> None:
    members = sydney.run("customers-of-persona", {"persona": "trend-seeker", "at": "2024-04-01T00:00:00Z"})
    assert [(m["customer"], m["weight"]) for m in members] == [("alex", 1.0), ("sydney", 0.9)]
    timeline = sydney.run("customer-timeline", {"id": "sydney", "since": "2024-03-02T00:00:00Z"})
    assert [(t["id"], t["touchpoint"], t["frictions"]) for t in timeline] == [
        ("e3", "ai_try_on", []), ("e4", "colour_appointment", ["colour_mismatch"]), ("e5", "aftercare", [])]
    channels = {c["channel"]: c for c in sydney.run("cx-by-channel")}
    assert (channels["salon"]["interactions"], channels["salon"]["avgCsat"], channels["salon"]["frictionHits"]) == (
        2, 2.5, 2)
    assert channels["salon"]["negativeShare"] == 0.5 and channels["call_center"]["failureShare"] == 1.0
    owners = [(f["owner"], f["friction"], f["hits"]) for f in sydney.run("frictions-by-owner")]
    assert owners == [("digital", "cant_find_product", 1), ("salon_ops", "colour_mismatch", 1),
                      ("salon_ops", "long_wait", 1)]


def test_a_customer_twin_is_one_row_however_long_its_persona_history(store: GraphStore) -> None:
    """"now" is taken once per question: FalkorDB evaluates timestamp() per row, and customer-twin grouped its
    persona spans by a `now` computed per span, so spans read either side of a millisecond came back as two twins of
    one customer (seen in the test suite: Sydney's twin as two rows, one persona each). Thousands of spans take
    longer than a millisecond to read."""
    spans = 3000
    store.write("CREATE (c:Customer {id: 'many', created_ts: 1}) WITH c UNWIND range(1, $n) AS k "
                "CREATE (c)-[:SHOWS {weight: 0.5, since: k, source: 'declared'}]->(:Persona {code: 'p' + toString(k)})",
                {"n": spans})
    for _ in range(3):
        twins = store.run("customer-twin", {"id": "many"})
        assert len(twins) == 1, f"one customer, {len(twins)} twins"
        assert len(twins[0]["personaHistory"]) == spans and len(twins[0]["personas"]) == spans


def _linter() -> Path:
    """The official Neo4j Cypher linter installed under .cache/cyl, or a skip saying why it is not there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are not installed, so the Neo4j Cypher linter cannot run")
    package = LINTER_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
    if not package.exists():
        LINTER_DIR.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(f"npm init -y >/dev/null && npm install -q {LINTER_PACKAGE}", shell=True,
                                 cwd=LINTER_DIR, capture_output=True, text=True, timeout=300)
        if install.returncode or not package.exists():
            pytest.skip(f"npm could not install {LINTER_PACKAGE}: {install.stderr.strip()[-200:]}")
    script = LINTER_DIR / "lint-library.mjs"
    script.write_text(LINT_SCRIPT, encoding="utf-8")
    return script


def test_every_query_the_project_runs_is_valid_neo4j_cypher() -> None:
    """The analysts' files as they are, and the twin's own queries as they run (their fragments included)."""
    script = _linter()
    files = sorted(p for p in (ROOT / "cypher").glob("*.cypher") if p.name.count(".") == 1)
    expanded = LINTER_DIR / "internal"
    shutil.rmtree(expanded, ignore_errors=True)
    expanded.mkdir(parents=True)
    internal = [q for q in cypher.load_all(internal=True) if q.audience == "internal"]
    assert len(internal) >= 1
    for query in internal:
        (expanded / f"{query.name}.cypher").write_text(query.text, encoding="utf-8")
        files.append(expanded / f"{query.name}.cypher")
    result = subprocess.run(["node", script.name, *map(str, files)], cwd=LINTER_DIR, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stats_count_every_label_and_relationship_type_of_the_ontology() -> None:
    from graph.ontology import Label, Rel

    nodes, relationships = cypher.load("stats-nodes").text, cypher.load("stats-relationships").text
    assert [label for label in Label if f"MATCH (n:{label}) RETURN '{label}' AS label" not in nodes] == []
    assert [rel for rel in Rel if f"MATCH ()-[r:{rel}]->() RETURN '{rel}' AS type" not in relationships] == []


def test_every_label_and_relationship_type_in_a_query_file_is_in_the_ontology() -> None:
    from graph.ontology import Label, Rel

    texts = {q.name: [q.text, *q.variants.values()] for q in cypher.load_all(internal=True)}
    for f in cypher.fragment_names():
        texts[f"fragment {f}"] = ["\n".join(text for _, text in cypher.fragment(f).lines)]
    labels, types = {str(x) for x in Label}, {str(x) for x in Rel}
    for name, variants in texts.items():
        for text in variants:
            code = re.sub(r"'(?:[^'\\]|\\.)*'|//[^\n]*", "", text)
            for found in re.findall(r"\(\s*\w*\s*((?::\s*\w+\s*)+)", code):
                for label in re.findall(r"\w+", found):
                    assert label in labels, f"{name}: label {label} is not in graph/ontology.py"
            for found in re.findall(r"\[\s*\w*\s*:\s*([A-Z_|: ]+)", code):
                for rel in re.findall(r"\w+", found):
                    assert rel in types, f"{name}: relationship type {rel} is not in graph/ontology.py"


def test_the_linter_rejects_broken_cypher() -> None:
    script = _linter()
    broken = LINTER_DIR / "broken.cypher"
    broken.write_text("MATCH (c:Customer RETURN c", encoding="utf-8")
    result = subprocess.run(["node", script.name, str(broken)], cwd=LINTER_DIR, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1 and "ERROR" in result.stdout
