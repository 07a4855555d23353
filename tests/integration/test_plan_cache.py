"""A query planned before the first edge of a relationship type exists answers right once such edges are made.

FalkorDB caches each query text's plan; a pattern comprehension over a type the graph did not know yet kept answering
as if there were no such edge (found by the live-state property test: journey-paths of a persona stayed empty after
the persona's first assignment). The store makes every type of the ontology known when it sets up its schema.
"""

from __future__ import annotations

import pytest

from graph.ontology import Rel
from graph.store import GraphStore

EDGES = "MATCH (a:Insight {id: 'from'}) WITH a, [(a)-[r:{type}]->(:Insight {id: $to}) | r] AS found " \
        "RETURN size(found) AS edges"


@pytest.mark.falkordb_only("what FalkorDB's schema knows; Neo4j plans unknown types without a cache of its own")
def test_every_relationship_type_of_the_ontology_is_known_from_the_start(store: GraphStore) -> None:
    known = {r["type"] for r in store.read("CALL db.relationshipTypes() YIELD relationshipType "
                                           "RETURN relationshipType AS type")}
    assert {r.value for r in Rel} <= known
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]  # the edges that made them known are gone


@pytest.mark.parametrize("rel", list(Rel))
def test_a_pattern_comprehension_planned_before_the_first_edge_of_its_type_sees_it(store: GraphStore,
                                                                                   rel: Rel) -> None:
    """Without the types made known, every type the test graph had no edge of failed here on FalkorDB."""
    query = EDGES.replace("{type}", rel.value)
    store.write("CREATE (:Insight {id: 'from'}), (:Insight {id: 'to'})")
    assert store.read(query, {"to": "to"}) == [{"edges": 0}]
    store.write(f"MATCH (a:Insight {{id: 'from'}}), (b:Insight {{id: 'to'}}) CREATE (a)-[:{rel.value}]->(b)")
    assert store.read(query, {"to": "to"}) == [{"edges": 1}]
