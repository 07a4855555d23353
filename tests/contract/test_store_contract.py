"""The store contract: every adapter of the port passes the same suite.

FalkorDB runs embedded (real server); Neo4j runs when NEO4J_URI is set (e.g. bolt://localhost:7687 from
docker-compose), with DTC_NEO4J_USER / DTC_NEO4J_PASSWORD.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from graph.embedded import EmbeddedServer
from graph.errors import NamedQueryError, QueryError, StoreTimeoutError
from graph.falkordb_store import FalkorDBStore
from graph.ontology import NODE_TYPES, Label, Rel
from graph.settings import Settings
from graph.store import GraphStore, open_store, read_deadline


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request: pytest.FixtureRequest, embedded_server: EmbeddedServer) -> Iterator[GraphStore]:
    if request.param == "falkordb":
        s: GraphStore = FalkorDBStore(embedded_server.url, "127.0.0.1", embedded_server.port,
                                      f"contract{os.getpid()}")
    else:
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            pytest.skip("NEO4J_URI is not set: no Neo4j server to run the contract suite against")
        s = open_store(Settings.from_env().with_graph_url(uri))
    s.clear()
    s.ensure_schema()
    yield s
    s.clear()
    s.close()


def test_write_then_read_round_trips_plain_values(any_store: GraphStore) -> None:
    any_store.write("CREATE (:Customer {id: $id, created_ts: $ts, tags: $tags})",
                    {"id": "c1", "ts": 1714557600000, "tags": ["a", "b"]})
    rows = any_store.read("MATCH (c:Customer {id: $id}) RETURN c, c.created_ts AS ts", {"id": "c1"})
    assert rows == [{"c": {"id": "c1", "created_ts": 1714557600000, "tags": ["a", "b"]}, "ts": 1714557600000}]


def test_read_is_read_only(any_store: GraphStore) -> None:
    with pytest.raises(QueryError):
        any_store.read("CREATE (:Customer {id: 'sneaky'})")
    assert any_store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 0}]


def test_write_batches_unwinds_rows_in_batches(any_store: GraphStore) -> None:
    rows = [{"id": f"c{i}"} for i in range(2500)]
    before = any_store.round_trips
    written = any_store.write_batches("UNWIND $rows AS row MERGE (:Customer {id: row.id})", rows, batch_size=1000)
    assert written == 2500
    assert any_store.round_trips - before == 3
    assert any_store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 2500}]


def test_unique_keys_are_enforced(any_store: GraphStore) -> None:
    any_store.write("CREATE (:Customer {id: 'dup'})")
    with pytest.raises(QueryError):
        any_store.write("CREATE (:Customer {id: 'dup'})")


def test_ensure_schema_is_idempotent_and_covers_every_key(any_store: GraphStore) -> None:
    any_store.ensure_schema()
    any_store.ensure_schema()
    for node_type in NODE_TYPES:
        if node_type.key:
            any_store.write(f"MERGE (n:{node_type.label.value} {{{node_type.key}: 'k'}})")
            with pytest.raises(QueryError):
                any_store.write(f"CREATE (n:{node_type.label.value} {{{node_type.key}: 'k'}})")


def test_stats_counts_every_label_and_type(any_store: GraphStore) -> None:
    any_store.write("CREATE (c:Customer {id: 'c'})-[:PERFORMED]->(:Interaction {id: 'e1', ts: 1}), "
                    "(c)-[:PERFORMED]->(:Interaction {id: 'e2', ts: 2})")
    stats = any_store.stats()
    assert set(stats["nodes"]) == {label.value for label in Label}
    assert set(stats["relationships"]) == {rel.value for rel in Rel}
    assert stats["nodes"]["Customer"] == 1
    assert stats["nodes"]["Interaction"] == 2
    assert stats["relationships"]["PERFORMED"] == 2
    assert stats["total_nodes"] == 3


def test_an_unknown_named_query_is_refused_with_the_way_out(any_store: GraphStore) -> None:
    with pytest.raises(NamedQueryError, match="dtc cypher list"):
        any_store.run("no-such-query")


def test_vector_index_search_returns_cosine_similarity(any_store: GraphStore) -> None:
    any_store.ensure_vector_index(Label.EMBEDDING, "vector", 3)
    any_store.ensure_vector_index(Label.EMBEDDING, "vector", 3)  # idempotent
    literal = "vecf32(row.v)" if any_store.engine == "falkordb" else "row.v"
    any_store.write(f"UNWIND $rows AS row CREATE (:Embedding {{hash: row.h, vector: {literal}}})",
                    {"rows": [{"h": "x", "v": [1.0, 0.0, 0.0]}, {"h": "y", "v": [0.0, 1.0, 0.0]}]})
    found = any_store.vector_search(Label.EMBEDDING, "vector", [0.9, 0.1, 0.0], k=2)
    assert [props["hash"] for props, _ in found] == ["x", "y"]
    assert found[0][1] == pytest.approx(0.9939, abs=1e-3)
    assert "vector" not in found[0][0]


def test_clear_removes_everything_but_keeps_the_schema(any_store: GraphStore) -> None:
    any_store.write("CREATE (:Customer {id: 'c'})")
    any_store.clear()
    assert any_store.stats()["total_nodes"] == 0
    any_store.write("CREATE (:Customer {id: 'c'})")
    with pytest.raises(QueryError):
        any_store.write("CREATE (:Customer {id: 'c'})")


def test_compact_keeps_the_data(any_store: GraphStore) -> None:
    any_store.write("CREATE (:Customer {id: 'kept'})")
    assert any_store.compact(wait_s=60)
    assert any_store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]


# a read that runs for seconds on any engine (9 million rows counted), with a deadline far shorter than that
CARTESIAN = "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b RETURN count(*) AS n"


def test_a_read_past_its_deadline_is_stopped_by_the_engine(any_store: GraphStore) -> None:
    started = time.monotonic()
    with pytest.raises(StoreTimeoutError) as stopped:
        any_store.read(CARTESIAN, name="cartesian", timeout_ms=50)
    assert stopped.value.timeout_ms == 50 and "'cartesian'" in str(stopped.value)
    with read_deadline(50), pytest.raises(StoreTimeoutError):
        any_store.read(CARTESIAN)  # the surrounding deadline applies to reads that name none
    # the engine stopped them: both answers came long before the ~1 s the query needs (seconds on a busy machine)
    assert time.monotonic() - started < 0.9 * _full_run_s(any_store)
    assert any_store.read("RETURN 1 AS one", timeout_ms=50) == [{"one": 1}]  # a quick read is not affected


def _full_run_s(store: GraphStore) -> float:
    started = time.monotonic()
    assert store.read(CARTESIAN) == [{"n": 9_000_000}]
    return time.monotonic() - started
