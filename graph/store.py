"""The store port: the one interface to the graph that everything else uses, and `open_store()`.

Two adapters implement it and pass the same contract suite (tests/contract): `FalkorDBStore` (embedded or external
FalkorDB over the Redis protocol) and `Neo4jStore` (the official driver). Queries take parameters only; labels and
relationship types come from `graph.ontology`, never from input.

Transactions: on Neo4j `read`/`write` each run one managed transaction (reads routed to secondaries on a cluster).
FalkorDB has no multi-statement transactions; its closest equivalent is that each query is atomic and writes are
serialised, so every write here is a single query, and sequences of writes are made idempotent (MERGE on keys) so a
retry or a re-run converges.

Deadlines: a read given `timeout_ms` (or run inside `read_deadline(ms)`, which reaches the worker threads the API hands
store calls to) is stopped by the engine itself after that long, and raises StoreTimeoutError: FalkorDB's per-query
TIMEOUT, Neo4j's transaction timeout. Writes are never cut (FalkorDB ignores TIMEOUT on writes; a cut write would
leave a batch half-applied): they are bounded by their batch size instead.

Slow calls: every read or write that takes longer than SLOW_CALL_S (a call holds the store for that long, and on
FalkorDB a write waits for every read in flight) is logged as one WARNING naming the query and its duration, and kept
in `GraphStore.slow_calls` (the background-job benchmark asserts there is none).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar, TypeVar

import cypher
from graph.errors import NamedQueryError
from graph.ontology import NODE_TYPES, Label, Rel
from graph.settings import Settings

Row = dict[str, Any]
T = TypeVar("T")
DEFAULT_BATCH_SIZE = 5000
SLOW_CALL_S = 1.0  # DESIGN.md: background jobs never hold the store for more than 1 s per call
log = logging.getLogger("dtc.store")
slow_log = logging.getLogger("dtc.store.slow")  # quiet in one-shot commands (dtc.cli), loud in servers and jobs
_read_timeout_ms: ContextVar[int | None] = ContextVar("dtc_read_timeout_ms", default=None)


@contextmanager
def read_deadline(timeout_ms: int) -> Iterator[None]:
    """Every read the store port runs in this context, and in the threads it hands work to, stops after
    `timeout_ms` (each read on its own)."""
    token = _read_timeout_ms.set(timeout_ms)
    try:
        yield
    finally:
        _read_timeout_ms.reset(token)


@dataclass(frozen=True)
class SlowCall:
    """A store call that took longer than SLOW_CALL_S."""

    name: str  # the named query (or the caller's name for an ad-hoc one)
    mode: str  # read or write
    seconds: float


class GraphStore(ABC):
    """A twin's graph store. Use as a context manager, or call `close()`."""

    engine: ClassVar[str]  # "falkordb" or "neo4j": picks `NAME.<engine>.cypher` variants and schema DDL

    def __init__(self, url: str) -> None:
        self.url = url
        self.round_trips = 0  # queries sent, for tests that guard against N+1 patterns
        self.slow_calls: deque[SlowCall] = deque(maxlen=1000)  # the latest calls over SLOW_CALL_S, oldest first

    # -- queries ---------------------------------------------------------------------------------------------
    def read(self, query: str, params: Mapping[str, Any] | None = None, *, name: str = "adhoc",
             timeout_ms: int | None = None) -> list[Row]:
        """Run a read-only query; rows as dicts (nodes and relationships become their property dicts). The engine
        stops it after `timeout_ms` (default: the surrounding `read_deadline`, else none): StoreTimeoutError."""
        started = time.perf_counter()
        try:
            return self._read(query, params, name=name, timeout_ms=timeout_ms)
        finally:
            self._note_duration(name, "read", started)

    def write(self, query: str, params: Mapping[str, Any] | None = None, *, name: str = "adhoc",
              bulk: bool = False) -> list[Row]:
        """Run one write query atomically. `bulk`: the parameters hold large lists (an ingest batch), which the
        adapter sends its fastest way."""
        started = time.perf_counter()
        try:
            return self._write(query, params, name=name, bulk=bulk)
        finally:
            self._note_duration(name, "write", started)

    @abstractmethod
    def _read(self, query: str, params: Mapping[str, Any] | None, *, name: str, timeout_ms: int | None) -> list[Row]:
        """The adapter's read (see `read`)."""

    @abstractmethod
    def _write(self, query: str, params: Mapping[str, Any] | None, *, name: str, bulk: bool) -> list[Row]:
        """The adapter's write (see `write`)."""

    def _note_duration(self, name: str, mode: str, started: float) -> None:
        seconds = time.perf_counter() - started
        if seconds > SLOW_CALL_S:
            self.slow_calls.append(SlowCall(name, mode, seconds))
            slow_log.warning("slow store call: %s %s took %.1f s (a call over %g s holds up the graph's other readers "
                             "and writers)", mode, name, seconds, SLOW_CALL_S)

    def write_batches(self, query: str, rows: Iterable[Mapping[str, Any]], *, batch_size: int = DEFAULT_BATCH_SIZE,
                      name: str = "batch") -> int:
        """Run `query` (which starts with `UNWIND $rows AS row`) once per batch of rows; returns rows written."""
        written = 0
        for batch in batched(rows, batch_size):
            self.write(query, {"rows": batch}, name=name)
            written += len(batch)
        return written

    def run(self, name: str, params: Mapping[str, Any] | None = None, *, bulk: bool = False) -> list[Row]:
        """Run the named query `cypher/NAME.cypher` or `cypher/internal/NAME.cypher` (or its engine variant) with
        declared defaults filled in; a read runs under the surrounding `read_deadline`. `bulk` as for `write`."""
        try:
            named = cypher.load(name)
            bound = named.bind(params or {})
        except cypher.NamedQueryError as e:
            raise NamedQueryError(str(e)) from e
        text = named.text_for(self.engine)
        if named.mode == "read":
            return self.read(text, bound, name=name)
        return self.write(text, bound, name=name, bulk=bulk)

    @staticmethod
    def timeout_for(timeout_ms: int | None) -> int | None:
        """The deadline of one read: the one given, else the surrounding `read_deadline`'s, else none."""
        return timeout_ms if timeout_ms is not None else _read_timeout_ms.get()

    # -- schema and housekeeping -----------------------------------------------------------------------------
    @abstractmethod
    def ensure_schema(self) -> None:
        """Create every unique constraint and index of the ontology, idempotently; return once they are usable."""

    @abstractmethod
    def ensure_vector_index(self, label: Label, prop: str, dimension: int) -> None:
        """Create the vector index on `label.prop` (cosine) if missing."""

    def vector_literal(self, vector: Sequence[float]) -> Any:
        """A vector as a query parameter value; adapters may pre-render it (bulk vector writes are client-bound)."""
        return [float(x) for x in vector]

    @abstractmethod
    def vector_search(self, label: Label, prop: str, vector: Sequence[float], k: int) -> list[tuple[Row, float]]:
        """The `k` nodes nearest to `vector`, as (properties without the vector, cosine similarity), best first."""

    def stats(self) -> dict[str, Any]:
        """Node count per ontology label and relationship count per type."""
        # a label without nodes has no row (grouped by a constant, nothing is a group)
        counted = {r["label"]: int(r["n"]) for r in self.run("stats-nodes")}
        nodes = {lbl.value: counted.get(lbl.value, 0) for lbl in Label}
        counted = {r["type"]: int(r["n"]) for r in self.run("stats-relationships")}
        rels = {rel.value: counted.get(rel.value, 0) for rel in Rel}
        return {
            "store": self.engine,
            "nodes": nodes,
            "relationships": rels,
            "total_nodes": sum(nodes.values()),
            "total_relationships": sum(rels.values()),
        }

    def clear(self) -> None:
        """Delete every node and relationship (tests and demo resets); the schema stays."""
        while self.run("clear-some")[0]["n"]:
            pass

    def compact(self, wait_s: float = 0.0) -> bool:
        """Rewrite the engine's persistence files from the current data, so deleted data leaves the disk and a
        restart loads a snapshot; waits up to `wait_s`, True once done. A no-op where the engine manages its own
        files (Neo4j rotates its transaction logs itself)."""
        return True

    def make_durable(self) -> None:
        """Return once every write so far is on disk (an erasure must survive a crash right after it answers). A
        no-op where a committed write is already durable (Neo4j)."""
        return None

    def server_mark(self) -> object:
        """Which run of its server the store talks to (the embedded server's pid; None for a server elsewhere). Taken
        before a call, it lets `recover(since=...)` tell that another caller started the server again meanwhile."""
        return None

    def recover(self, since: object = None) -> bool:
        """After the store was found out of reach: start its server again when this process can, which it can for
        the embedded server only (a server elsewhere is its operator's). True when it serves again, started by this
        call or, after the failed call that took `since` (its `server_mark()`), by another caller; raises
        StoreUnavailableError when it was started and did not come up (saying why)."""
        return False

    def redis_url(self) -> str | None:
        """The Redis beside the graph that carries the event stream and the writers' lock: the FalkorDB server's own,
        else the configured DTC_REDIS_URL; None when there is none (writers then do not coordinate)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release connections (and the embedded server, when this process was its last user)."""

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unique_keys() -> list[tuple[Label, str]]:
    """(label, key) for every keyed node type of the ontology."""
    return [(n.label, n.key) for n in NODE_TYPES if n.key]


def plain_indexes() -> list[tuple[Label, str]]:
    """(label, property) for every non-unique index of the ontology."""
    return [(n.label, p) for n in NODE_TYPES for p in n.indexed]


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def with_retries(call: Callable[[], T], is_transient: Callable[[BaseException], bool], attempts: int = 5,
                 first_delay_s: float = 0.1) -> T:
    """Run `call`, retrying transient failures with exponential backoff (0.1 s, 0.2 s, … )."""
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as e:
            if attempt == attempts or not is_transient(e):
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def open_store(settings: Settings) -> GraphStore:
    """Open the store `settings.graph_url` names; raises StoreUnavailableError when it cannot be reached."""
    url = settings.graph_url
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme in ("embedded", "falkordb", "redis"):
        from graph.falkordb_store import FalkorDBStore

        return FalkorDBStore.open(settings)
    if scheme in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        from graph.neo4j_store import Neo4jStore

        return Neo4jStore.open(settings)
    from graph.errors import ConfigError

    raise ConfigError(
        f"DTC_GRAPH_URL={url!r} is not a store URL; use embedded://DIR, falkordb://host:port, bolt://host:port "
        "or neo4j://host:port."
    )
