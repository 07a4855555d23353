"""The store contract: every adapter of the port passes the same suite.

FalkorDB runs embedded (real server); Neo4j runs when NEO4J_URI is set (e.g. bolt://localhost:7687 from
docker-compose), with DTC_NEO4J_USER / DTC_NEO4J_PASSWORD: the `store` fixture of tests/conftest.py, like every
integration and API test.
"""

from __future__ import annotations

import time

import pytest

from graph.errors import NamedQueryError, QueryError, StoreTimeoutError
from graph.ontology import NODE_TYPES, Label, Rel
from graph.store import GraphStore, read_deadline


def test_write_then_read_round_trips_plain_values(store: GraphStore) -> None:
    store.write("CREATE (:Customer {id: $id, created_ts: $ts, tags: $tags})",
                    {"id": "c1", "ts": 1714557600000, "tags": ["a", "b"]})
    rows = store.read("MATCH (c:Customer {id: $id}) RETURN c, c.created_ts AS ts", {"id": "c1"})
    assert rows == [{"c": {"id": "c1", "created_ts": 1714557600000, "tags": ["a", "b"]}, "ts": 1714557600000}]


def test_a_bulk_write_stores_the_same_values_as_a_plain_one(store: GraphStore) -> None:
    rows = [{"id": "plain", "text": "it's \"quoted\", a \\ backslash, // not a comment, {not: a map}", "n": 3,
             "x": 0.1, "ok": True, "none": None, "tags": ["a", "b"], "nested": [[1, "two"], []]},
            {"id": "unicode", "text": "café ☕ 東京", "n": -7, "x": 1e-12, "ok": False, "none": None, "tags": [],
             "nested": []},
            {"id": "control", "text": "tab\there, bell\u0007", "n": 0, "x": -2.5, "ok": True, "none": None,
             "tags": ["\n"], "nested": [[]]}]
    query = ("UNWIND $rows AS row CREATE (:Customer {id: row.id + $suffix, text: row.text, n: row.n, x: row.x, "
             "ok: row.ok, none: row.none, tags: row.tags, nested: size(row.nested)})")
    store.write(query, {"rows": rows, "suffix": ":plain"})
    store.write(query, {"rows": rows, "suffix": ":bulk"}, bulk=True)
    stored = {r["c"]["id"]: r["c"] for r in store.read("MATCH (c:Customer) RETURN c")}
    for row in rows:
        plain, bulk = stored[row["id"] + ":plain"], stored[row["id"] + ":bulk"]
        assert {k: v for k, v in bulk.items() if k != "id"} == {k: v for k, v in plain.items() if k != "id"}
        assert bulk["text"] == row["text"] and bulk["tags"] == row["tags"]


def test_a_map_parameter_sets_properties_of_any_name_in_a_bulk_write(store: GraphStore) -> None:
    """A Timeline's properties are named key=value after codes (graph.live_state.positions.position_name), which
    may hold any character but the backtick: the bulk writer must send every name as it is."""
    from graph.live_state.positions import position_name

    codes = ["checkout", "a b,c:d", 'q"z', "back\\slash", "café ☕", "50% off", "tick`tock", "tab\tname", "{x}:1"]
    props = {position_name("touchpoint", code): [n, n + 1] for n, code in enumerate(codes)}
    for bulk in (False, True):
        store.write("UNWIND $rows AS row CREATE (t:Timeline {ts: [row[0]]}) SET t += row[1]",
                    {"rows": [[int(bulk), props]]}, bulk=bulk)
        stored = store.read("MATCH (t:Timeline) WHERE t.ts = [$b] RETURN properties(t) AS p", {"b": int(bulk)})
        assert stored == [{"p": {"ts": [int(bulk)], **props}}], bulk
        name = position_name("touchpoint", "tick`tock")
        assert store.read("MATCH (t:Timeline) WHERE t.ts = [$b] RETURN t[$name] AS at",
                          {"b": int(bulk), "name": name}) == [{"at": props[name]}]


def test_read_is_read_only(store: GraphStore) -> None:
    with pytest.raises(QueryError):
        store.read("CREATE (:Customer {id: 'sneaky'})")
    assert store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 0}]


def test_write_batches_unwinds_rows_in_batches(store: GraphStore) -> None:
    rows = [{"id": f"c{i}"} for i in range(2500)]
    before = store.round_trips
    written = store.write_batches("UNWIND $rows AS row MERGE (:Customer {id: row.id})", rows, batch_size=1000)
    assert written == 2500
    assert store.round_trips - before == 3
    assert store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 2500}]


def test_unique_keys_are_enforced(store: GraphStore) -> None:
    store.write("CREATE (:Customer {id: 'dup'})")
    with pytest.raises(QueryError):
        store.write("CREATE (:Customer {id: 'dup'})")


def test_ensure_schema_is_idempotent_and_covers_every_key(store: GraphStore) -> None:
    store.ensure_schema()
    store.ensure_schema()
    for node_type in NODE_TYPES:
        if node_type.key:
            store.write(f"MERGE (n:{node_type.label.value} {{{node_type.key}: 'k'}})")
            with pytest.raises(QueryError):
                store.write(f"CREATE (n:{node_type.label.value} {{{node_type.key}: 'k'}})")


def test_stats_counts_every_label_and_type(store: GraphStore) -> None:
    store.write("CREATE (c:Customer {id: 'c'})-[:PERFORMED]->(:Interaction {id: 'e1', ts: 1}), "
                    "(c)-[:PERFORMED]->(:Interaction {id: 'e2', ts: 2})")
    stats = store.stats()
    assert set(stats["nodes"]) == {label.value for label in Label}
    assert set(stats["relationships"]) == {rel.value for rel in Rel}
    assert stats["nodes"]["Customer"] == 1
    assert stats["nodes"]["Interaction"] == 2
    assert stats["relationships"]["PERFORMED"] == 2
    assert stats["total_nodes"] == 3


def test_an_unknown_named_query_is_refused_with_the_way_out(store: GraphStore) -> None:
    with pytest.raises(NamedQueryError, match="dtc cypher list"):
        store.run("no-such-query")


def test_vector_index_search_returns_cosine_similarity(store: GraphStore) -> None:
    store.ensure_vector_index(Label.EMBEDDING, "vector", 3)
    store.ensure_vector_index(Label.EMBEDDING, "vector", 3)  # idempotent
    literal = "vecf32(row.v)" if store.engine == "falkordb" else "row.v"
    store.write(f"UNWIND $rows AS row CREATE (:Embedding {{hash: row.h, vector: {literal}}})",
                    {"rows": [{"h": "x", "v": [1.0, 0.0, 0.0]}, {"h": "y", "v": [0.0, 1.0, 0.0]}]})
    found = store.vector_search(Label.EMBEDDING, "vector", [0.9, 0.1, 0.0], k=2)
    assert [props["hash"] for props, _ in found] == ["x", "y"]
    assert found[0][1] == pytest.approx(0.9939, abs=1e-3)
    assert "vector" not in found[0][0]


def test_clear_removes_everything_but_keeps_the_schema(store: GraphStore) -> None:
    store.write("CREATE (:Customer {id: 'c'})")
    store.clear()
    assert store.stats()["total_nodes"] == 0
    store.write("CREATE (:Customer {id: 'c'})")
    with pytest.raises(QueryError):
        store.write("CREATE (:Customer {id: 'c'})")


def test_compact_keeps_the_data(store: GraphStore) -> None:
    store.write("CREATE (:Customer {id: 'kept'})")
    assert store.compact(wait_s=60)
    assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]


# a read that runs for seconds on any engine (9 million rows counted), with a deadline far shorter than that
CARTESIAN = "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b RETURN count(*) AS n"


def test_a_read_past_its_deadline_is_stopped_by_the_engine(store: GraphStore) -> None:
    started = time.monotonic()
    with pytest.raises(StoreTimeoutError) as stopped:
        store.read(CARTESIAN, name="cartesian", timeout_ms=50)
    assert stopped.value.timeout_ms == 50 and "'cartesian'" in str(stopped.value)
    with read_deadline(50), pytest.raises(StoreTimeoutError):
        store.read(CARTESIAN)  # the surrounding deadline applies to reads that name none
    # the engine stopped them: both answers came long before the ~1 s the query needs (seconds on a busy machine)
    assert time.monotonic() - started < 0.9 * _full_run_s(store)
    assert store.read("RETURN 1 AS one", timeout_ms=50) == [{"one": 1}]  # a quick read is not affected


def _full_run_s(store: GraphStore) -> float:
    started = time.monotonic()
    assert store.read(CARTESIAN) == [{"n": 9_000_000}]
    return time.monotonic() - started
