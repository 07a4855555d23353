"""What would show that Sydney (the contract example) is still in a graph or a file, for the erasure tests."""

from __future__ import annotations

import json

from graph.store import GraphStore

SYDNEY_TRACES = ["sydney@example.com", '"sydney"', "sydney:", "did not suit me at all", "waited 40 minutes", "Sydney"]


def dump(store: GraphStore) -> str:
    """Every node's labels and properties and every relationship's type and properties, as one JSON text."""
    nodes = store.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels = store.read("MATCH ()-[r]->() RETURN type(r) AS t, properties(r) AS p")
    return json.dumps(nodes) + json.dumps(rels)


def traces(text: str) -> list[str]:
    return [t for t in SYDNEY_TRACES if t in text]
