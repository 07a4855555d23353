"""Queries that look up nodes by a list of keys are planned from the index of those keys (FalkorDB).

`UNWIND $ids AS id MATCH (:Customer {id: id})-[:PERFORMED]->(i:Interaction) WHERE i.ts <= $at` was planned from the
index on Interaction.ts: every interaction of the graph was scanned for each id, and persona scoring's reads took
35-91 s on the 35k-event demo, holding the store (and, on FalkorDB, every write waiting behind them) all that time."""

from __future__ import annotations

import re

import pytest

import cypher
from graph.falkordb_store import FalkorDBStore
from graph.store import GraphStore

# a query that starts by unwinding a list and matching a node by its key: the list holds keys of that label
_KEYED_START = re.compile(r"^UNWIND \$(?P<list>\w+) AS (?P<var>\w+)\s+(?:OPTIONAL )?MATCH \(\w*:(?P<label>\w+) "
                          r"\{\w+: (?P=var)\}\)", re.MULTILINE)
_SAMPLE = {"string": "x", "int": 1, "float": 1.0, "bool": True, "datetime": 1, "list": ["x"], "map": {}}


_KEYS_IN_LIST = re.compile(r"\b(?P<var>\w+)\.\w+ IN \$\w+")


def keyed_lookups() -> list[tuple[str, str]]:
    """(query name, labels) of every named query that starts from a list of keys: the label matched by the unwound
    key, and any other matched by a key `IN $list` (either index is a good start)."""
    found = []
    for name in cypher.names(internal=True):
        text = cypher.load(name).text_for("falkordb")
        start = _KEYED_START.search(text)
        if start:
            labels = {start["label"]} | {label.group(1) for var in _KEYS_IN_LIST.finditer(text)
                                         for label in re.finditer(rf"\({var['var']}:(\w+)", text)}
            found.append((name, "|".join(sorted(labels))))
    return found


def test_the_keyed_lookups_are_found() -> None:
    names = {name for name, _ in keyed_lookups()}
    assert {"personas-activities", "personas-customer-texts", "personas-refused-profiling",
            "customers-by-id"} <= names


@pytest.mark.parametrize(("name", "labels"), keyed_lookups())
def test_a_lookup_by_keys_starts_from_their_index(store: GraphStore, name: str, labels: str) -> None:
    if not isinstance(store, FalkorDBStore):
        pytest.skip("the plans checked here are FalkorDB's")
    query = cypher.load(name)
    params = {p.name: _SAMPLE.get(p.type, "x") for p in query.params}
    plan = store.explain(query.text_for(store.engine), params)
    assert any(re.search(rf"Node By Index Scan \| \(\S*:(?:{labels})\)", step) for step in plan), (
        f"{name} does not start from the index of {labels}:\n" + "\n".join(plan))
