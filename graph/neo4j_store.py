"""Neo4j 5 adapter over the official `neo4j` driver: `bolt://` for one server, `neo4j://` for routing in clusters.

Each `read`/`write` is one managed transaction (`execute_query`), which the driver retries on transient errors;
reads are routed to secondaries. Queries carry their name as metadata so they show in `SHOW TRANSACTIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import neo4j
from neo4j import GraphDatabase, Query, RoutingControl
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from graph.errors import QueryError, StoreTimeoutError, StoreUnavailableError, WriteRefusedError
from graph.ontology import Label
from graph.settings import Settings
from graph.store import GraphStore, Row, plain_indexes, unique_keys

CONNECT_TIMEOUT_S = 5.0


class Neo4jStore(GraphStore):
    engine = "neo4j"

    def __init__(self, url: str, driver: neo4j.Driver, database: str, redis_url: str | None = None) -> None:
        super().__init__(url)
        self._driver = driver
        self._database = database
        self._redis_url = redis_url  # DTC_REDIS_URL: Neo4j has no Redis of its own

    @classmethod
    def open(cls, settings: Settings) -> Neo4jStore:
        url = settings.graph_url
        auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
        try:
            driver = GraphDatabase.driver(url, auth=auth, connection_timeout=CONNECT_TIMEOUT_S,
                                          connection_acquisition_timeout=CONNECT_TIMEOUT_S * 2)
            driver.verify_connectivity()
        except AuthError as e:
            raise StoreUnavailableError(url, "Neo4j refused the credentials; check DTC_NEO4J_USER and "
                                             "DTC_NEO4J_PASSWORD") from e
        except (ServiceUnavailable, DriverError, OSError, ValueError) as e:
            raise StoreUnavailableError(url, _reason(e)) from e
        return cls(url, driver, settings.neo4j_database, settings.redis_url)

    def _read(self, query: str, params: Mapping[str, Any] | None, *, name: str, timeout_ms: int | None) -> list[Row]:
        return self._execute(query, params, name, RoutingControl.READ, self.timeout_for(timeout_ms))

    def _write(self, query: str, params: Mapping[str, Any] | None, *, name: str, bulk: bool) -> list[Row]:
        return self._execute(query, params, name, RoutingControl.WRITE, None)  # Bolt sends parameters as binary values

    def redis_url(self) -> str | None:
        return self._redis_url

    def _execute(self, query: str, params: Mapping[str, Any] | None, name: str, routing: RoutingControl,
                 timeout_ms: int | None) -> list[Row]:
        self.round_trips += 1
        try:
            records, _, _ = self._driver.execute_query(
                # the transaction timeout: the server stops the query and rolls back
                Query(query, metadata={"query": name}, timeout=None if timeout_ms is None else timeout_ms / 1000),
                dict(params or {}),
                routing_=routing,
                database_=self._database,
            )
        except ServiceUnavailable as e:
            raise StoreUnavailableError(self.url, _reason(e)) from e
        except Neo4jError as e:
            if timeout_ms is not None and "TransactionTimedOut" in (e.code or ""):
                raise StoreTimeoutError(name, timeout_ms) from e
            if routing is RoutingControl.READ and e.code == "Neo.ClientError.Statement.AccessMode":
                raise WriteRefusedError(f"The query {name} changes the graph, and it was run read-only.") from e
            raise QueryError(f"Neo4j rejected the query {name}: {e.message or e}") from e
        return [record.data() for record in records]

    def ensure_schema(self) -> None:
        for label, key in unique_keys():
            self.write(f"CREATE CONSTRAINT {label.value.lower()}_{key}_unique IF NOT EXISTS "
                       f"FOR (n:{label.value}) REQUIRE n.{key} IS UNIQUE", name="schema")
        for label, prop in plain_indexes():
            self.write(f"CREATE INDEX {label.value.lower()}_{prop} IF NOT EXISTS FOR (n:{label.value}) ON (n.{prop})",
                       name="schema")
        self.write("CALL db.awaitIndexes(300)", name="schema")

    def ensure_vector_index(self, label: Label, prop: str, dimension: int) -> None:
        self.write(
            f"CREATE VECTOR INDEX {label.value.lower()}_{prop}_vector IF NOT EXISTS "
            f"FOR (n:{label.value}) ON (n.{prop}) "
            "OPTIONS {indexConfig: {`vector.dimensions`: $dimension, `vector.similarity_function`: 'cosine'}}",
            {"dimension": int(dimension)}, name="schema")
        self.write("CALL db.awaitIndexes(300)", name="schema")

    def vector_search(self, label: Label, prop: str, vector: Sequence[float], k: int) -> list[tuple[Row, float]]:
        rows = self.read(
            "CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score RETURN node, score",
            {"index": f"{label.value.lower()}_{prop}_vector", "k": int(k), "vector": [float(x) for x in vector]},
            name="vector_search",
        )
        # Neo4j's cosine score is (1 + cos) / 2; the port speaks cosine similarity
        return [({p: v for p, v in row["node"].items() if p != prop}, 2.0 * float(row["score"]) - 1.0) for row in rows]

    def close(self) -> None:
        self._driver.close()


def _reason(e: BaseException) -> str:
    text = getattr(e, "message", None) or str(e) or type(e).__name__
    return str(text).splitlines()[0].rstrip(".:") + "."

