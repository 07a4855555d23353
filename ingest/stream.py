"""The live event stream: `POST /events` appends validated events to a Redis Stream, `dtc worker` applies them.

    STREAM  dtc:events:<graph_name>       one entry per event, field `event` = the event as contract JSON
    GROUP   dtc-workers                   every worker of a graph reads in this consumer group
    CHANNEL dtc:applied:<graph_name>      after each applied batch: {"interactions": [{id, customer_id, touchpoint,
                                          type, ts, frictions}]} (the API turns it into GraphQL subscriptions)

Delivery is at-least-once: a worker acknowledges (XACK, then XDEL) only after the graph write committed, and the
writes are idempotent, so a worker killed at any moment loses nothing and duplicates nothing; the entries it left
pending are claimed by the next worker (XAUTOCLAIM) once they have been idle for `claim_idle_ms`. The Redis server is
the embedded FalkorDB server itself, or DTC_REDIS_URL (the compose file's Redis) with Neo4j. Everything
Redis-specific is in `EventStream`, so a Kafka topic would be one more class with the same methods.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.doors import MAX_ERRORS, IntakeReport
from graph.errors import ConfigError, InputError, StoreUnavailableError
from graph.settings import Settings
from graph.store import GraphStore
from graph.strict_json import loads_strict
from ingest.contracts import Event, event_to_json, validate_event
from ingest.reasons import malformed_json
from ingest.sink import sink_for
from ingest.suppression import Screen

GROUP = "dtc-workers"
STREAM_PREFIX = "dtc:events:"


def stream_key(graph_name: str) -> str:
    """The stream of one graph's events (erasure scrubs it by this name too)."""
    return f"{STREAM_PREFIX}{graph_name}"


def applied_channel(graph_name: str) -> str:
    return f"dtc:applied:{graph_name}"


def stream_redis_url(store: GraphStore) -> str:
    """The Redis that carries the stream (`GraphStore.redis_url()`), or a ConfigError saying how to give one."""
    url = store.redis_url()
    if url is None:
        raise ConfigError("The event stream needs Redis: set DTC_REDIS_URL (e.g. redis://localhost:6379/0, the "
                          "compose file's Redis) when the store is Neo4j.")
    return url


@dataclass(frozen=True)
class StreamEntry:
    id: str
    event: Event | None
    errors: list[str]


class EventStream:
    """One graph's stream of events in Redis."""

    def __init__(self, client: redis.Redis, graph_name: str) -> None:
        self.client = client
        self.graph_name = graph_name
        self.key = stream_key(graph_name)

    @classmethod
    def connect(cls, store: GraphStore, settings: Settings, *, timeout_s: float | None = None) -> EventStream:
        """The graph's stream; with `timeout_s`, a call Redis does not answer in that time fails at once, without
        the client's retries (the API's producer answers 503 rather than hold the request)."""
        patience: dict[str, Any] = {} if timeout_s is None else {
            "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s, "retry": Retry(NoBackoff(), 0)}
        return cls(redis.Redis.from_url(stream_redis_url(store), **patience), settings.graph_name)

    def append(self, events: Sequence[Event]) -> list[str]:
        """Add events to the stream in one MULTI/EXEC transaction, so all of them are queued or none; their entry
        ids. A Redis failure is StoreUnavailableError: appending the same events again is safe, as the worker
        applies an event id once."""
        pipe = self.client.pipeline(transaction=True)
        for event in events:
            pipe.xadd(self.key, {"event": json.dumps(event_to_json(event), ensure_ascii=False)})
        try:
            return [_text(i) for i in pipe.execute()]
        except redis.RedisError as e:
            where = self.client.get_connection_kwargs()
            raise StoreUnavailableError(f"redis://{where.get('host')}:{where.get('port')} ({self.key})",
                                        str(e) or type(e).__name__) from e

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as e:
            if "BUSYGROUP" not in str(e):
                raise

    def read(self, consumer: str, count: int, block_ms: int | None, pending: bool = False) -> list[StreamEntry]:
        """New entries for `consumer` (or, with `pending`, the ones it was given and never acknowledged)."""
        answer: Any = self.client.xreadgroup(GROUP, consumer, {self.key: "0" if pending else ">"}, count=count,
                                             block=None if pending else block_ms)
        return [_entry(i, fields) for _, entries in (answer or []) for i, fields in entries if fields]

    def claim(self, consumer: str, idle_ms: int, count: int) -> list[StreamEntry]:
        """Entries another consumer took and left unacknowledged for `idle_ms` (it died): now ours."""
        answer: Any = self.client.xautoclaim(self.key, GROUP, consumer, min_idle_time=idle_ms, start_id="0-0",
                                             count=count)
        return [_entry(i, fields) for i, fields in answer[1] if fields]

    def ack(self, ids: Sequence[str]) -> None:
        if ids:
            pipe = self.client.pipeline(transaction=False)
            pipe.xack(self.key, GROUP, *ids)
            pipe.xdel(self.key, *ids)  # one group reads this stream: an acknowledged entry is done
            pipe.execute()

    def pending(self) -> int:
        try:
            return int(self.client.xpending(self.key, GROUP)["pending"])
        except redis.ResponseError:
            return 0

    def length(self) -> int:
        return int(self.client.xlen(self.key))

    def publish_applied(self, interactions: list[dict[str, Any]]) -> None:
        if interactions:
            self.client.publish(applied_channel(self.graph_name), json.dumps({"interactions": interactions}))


@asynccontextmanager
async def listen_applied(url: str, graph_name: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """The interactions published on the graph's applied channel from the moment this is entered (on its own Redis
    connection, closed on exit)."""
    client = redis.asyncio.Redis.from_url(url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(applied_channel(graph_name))
        yield _applied(pubsub)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def _applied(pubsub: redis.asyncio.client.PubSub) -> AsyncIterator[dict[str, Any]]:
    async for message in pubsub.listen():
        if message.get("type") != "message":
            continue
        try:
            payload = json.loads(message["data"])
        except (TypeError, ValueError):
            continue  # not ours: ignore rather than end the subscription
        for interaction in payload.get("interactions", []) if isinstance(payload, dict) else []:
            if isinstance(interaction, dict) and interaction.get("id"):
                yield interaction


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(entry_id: Any, fields: dict[Any, Any]) -> StreamEntry:
    raw = fields.get(b"event", fields.get("event"))
    try:
        event, errors = validate_event(json.loads(_text(raw)))
    except (TypeError, json.JSONDecodeError) as e:
        event, errors = None, [f"the stream entry holds no event JSON: {e}"]
    return StreamEntry(_text(entry_id), event, errors)


# -- the producer side (POST /events, recordEvent: graph.doors.EventIntake) ----------------------------------
def parse_body(body: bytes, content_type: str) -> list[tuple[Any, str | None]]:
    """The items of a request body (a JSON object, a JSON array, or NDJSON lines), each with a parse error; JSON the
    twin will not read (graph.strict_json: too deep, huge integers, lone surrogates) refuses the whole body with
    MalformedJSONError."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    is_lines = "ndjson" in content_type or "jsonl" in content_type or "json-seq" in content_type
    if not is_lines:
        try:
            whole = loads_strict(text)
        except json.JSONDecodeError as e:
            if "\n" not in text:
                return [(None, malformed_json(e))]
        else:
            return [(item, None) for item in whole] if isinstance(whole, list) else [(whole, None)]
    items: list[tuple[Any, str | None]] = []
    for line in text.splitlines():
        if line.strip():
            try:
                items.append((loads_strict(line), None))
            except json.JSONDecodeError as e:
                items.append((None, malformed_json(e)))
    return items


def accept_events(body: bytes, content_type: str, stream: EventStream, screen: Screen | None = None) -> IntakeReport:
    """Validate a POSTed body and queue its valid events (`queue_events`)."""
    return queue_events(parse_body(body, content_type), stream, screen)


def queue_events(items: Sequence[tuple[Any, str | None]], stream: EventStream,
                 screen: Screen | None = None) -> IntakeReport:
    """Validate items (each with its parse error, see `parse_body`) and append the valid events to the stream, all or
    none (StoreUnavailableError); the bad rows come back with reasons. With a `screen`, events of people on the
    suppression list are dropped here and counted."""
    result = IntakeReport()
    valid: list[Event] = []
    for row, (item, parse_error) in enumerate(items, start=1):
        event, errors = (None, [parse_error]) if parse_error else validate_event(item)
        if event is None:
            result.rejected += 1
            if len(result.errors) < MAX_ERRORS:
                event_id = item.get("event_id") if isinstance(item, dict) else None
                result.errors.append({"row": row, "event_id": event_id, "errors": errors})
        else:
            valid.append(event)
    if screen is not None and valid:
        valid, result.suppressed = screen.screen(valid, lock_held=False)
    if valid:
        stream.append(valid)
    result.accepted = len(valid)
    return result


# -- the consumer side (dtc worker) ---------------------------------------------------------------------------
@dataclass
class WorkerReport:
    batches: int = 0
    applied: int = 0
    duplicates: int = 0
    invalid: int = 0
    claimed: int = 0
    suppressed: int = 0  # events of people on the suppression list, dropped


def run_worker(store: GraphStore, settings: Settings, *, consumer: str | None = None, batch_size: int = 1000,
               block_ms: int = 200, claim_idle_ms: int = 30_000, once: bool = False,
               stop: threading.Event | None = None, log: Callable[[str], None] | None = None) -> WorkerReport:
    """Apply the stream to the graph until `stop` is set (or, with `once`, until the stream is drained)."""
    if batch_size < 1:
        raise InputError(f"The worker batch size {batch_size} must be at least 1.")
    stream = EventStream.connect(store, settings)
    stream.ensure_group()
    sink = sink_for(store, settings)
    name = consumer or f"{socket.gethostname()}-{os.getpid()}"
    report = WorkerReport()
    say = log or (lambda _: None)
    say(f"worker {name}: reading {stream.key} in group {GROUP}")
    own_pending = True  # first, what this consumer was given before a restart and never acknowledged
    while stop is None or not stop.is_set():
        entries = stream.claim(name, claim_idle_ms, batch_size)
        report.claimed += len(entries)
        if not entries:
            entries = stream.read(name, batch_size, None if once else block_ms, pending=own_pending)
            if own_pending and not entries:
                own_pending = False
                continue
        if not entries:
            if once:
                break
            continue
        events = [e.event for e in entries if e.event is not None]
        for bad in (e for e in entries if e.event is None):
            report.invalid += 1
            say(f"worker {name}: dropped entry {bad.id}: {'; '.join(bad.errors)}")
        applied = sink.apply(events) if events else None
        stream.ack([e.id for e in entries])  # only now: the graph write has committed
        report.batches += 1
        if applied is not None:
            report.applied += applied.ingested
            report.duplicates += applied.duplicates
            report.suppressed += applied.suppressed
            stream.publish_applied(applied.interactions)
            say(f"worker {name}: applied {applied.ingested} events ({applied.duplicates} duplicates, "
                f"{applied.suppressed} suppressed)")
    return report


class WorkerThread(threading.Thread):
    """`run_worker` in a thread of this process, until `stop()`: what `dtc demo` runs beside its API."""

    def __init__(self, store: GraphStore, settings: Settings, *, log: Callable[[str], None] | None = None,
                 block_ms: int = 200) -> None:
        super().__init__(name="dtc-worker", daemon=True)
        self.store, self.settings, self.log, self.block_ms = store, settings, log, block_ms
        self.stopping = threading.Event()
        self.report: WorkerReport | None = None
        self.failed: BaseException | None = None

    def run(self) -> None:
        try:
            self.report = run_worker(self.store, self.settings, block_ms=self.block_ms, stop=self.stopping,
                                     log=self.log)
        except BaseException as e:  # noqa: BLE001 - reported to whoever started it; the process keeps running
            self.failed = e
            if self.log is not None:
                self.log(f"the worker stopped: {e}")

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the batch in hand (a batch is applied and acknowledged whole, or left for the next worker)."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout_s)
