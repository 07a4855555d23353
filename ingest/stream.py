"""The live event stream: `POST /events` appends validated events to a Redis Stream, `dtc worker` applies them.

    STREAM  dtc:events:<graph_name>       one entry per event, field `event` = the event as contract JSON (Segment
                                          messages also queue `customer` and `membership` entries)
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

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.doors import MAX_ERRORS, IntakeReport
from graph.errors import ConfigError, InputError, QueryError, StoreUnavailableError
from graph.settings import Settings
from graph.store import GraphStore
from graph.store_redis import RedisOfStore
from graph.strict_json import MalformedJSONError, loads_strict
from ingest.contracts import Event, event_to_json, validate_event
from ingest.deadletters import MAX_DELIVERIES, DeadLetters, buried_fields
from ingest.entries import VALIDATORS, entry_kind
from ingest.planning import Applied
from ingest.reasons import malformed_json, reject_reason
from ingest.records import apply_records
from ingest.sink import EventSink, is_store_wide, sink_for
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
    """One stream entry: an event, or (from Segment messages) a customer record or an account membership."""

    id: str
    kind: str  # one of ingest.entries.ENTRY_KINDS
    record: Any  # Event | CustomerRecord | Membership, or None when the entry cannot be read
    errors: list[str]
    fields: dict[str, Any] = field(default_factory=dict)  # as stored (what a dead letter keeps)

    @property
    def event(self) -> Event | None:
        return self.record if self.kind == "event" else None


class EventStream:
    """One graph's stream of events in Redis."""

    def __init__(self, client: RedisOfStore, graph_name: str) -> None:
        self.client = client
        self.graph_name = graph_name
        self.key = stream_key(graph_name)
        self.dead_letters = DeadLetters(client, graph_name, self.key)

    @classmethod
    def connect(cls, store: GraphStore, settings: Settings, *, timeout_s: float | None = None,
                client_name: str | None = None) -> EventStream:
        """The graph's stream; with `timeout_s`, a call Redis does not answer in that time fails at once, without
        the client's retries (the API's producer answers 503 rather than hold the request). `client_name` names
        its connections in Redis's CLIENT LIST. A call that finds the embedded server dead starts it again."""
        stream_redis_url(store)  # or a ConfigError saying how to give one
        patience: dict[str, Any] = {} if timeout_s is None else {
            "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s, "retry": Retry(NoBackoff(), 0)}
        return cls(RedisOfStore(store, client_name=client_name, **patience), settings.graph_name)

    def append(self, events: Sequence[Event]) -> list[str]:
        """Add events to the stream in one MULTI/EXEC transaction, so all of them are queued or none; their entry
        ids. A Redis failure is StoreUnavailableError: appending the same events again is safe, as the worker
        applies an event id once."""
        return self.append_records([("event", event_to_json(event)) for event in events])

    def append_records(self, records: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """Add (kind, contract JSON) records, all or none, in order (see `append`)."""
        pipe = self.client.pipeline(transaction=True)
        for kind, payload in records:
            pipe.xadd(self.key, {kind: json.dumps(payload, ensure_ascii=False)})
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

    def deliveries(self, ids: Sequence[str]) -> dict[str, int]:
        """How many times each of these pending entries was delivered (to any consumer)."""
        pipe = self.client.pipeline(transaction=False)
        for entry_id in ids:
            pipe.xpending_range(self.key, GROUP, min=entry_id, max=entry_id, count=1)
        return {_text(p["message_id"]): int(p["times_delivered"]) for page in pipe.execute() for p in page}

    def bury(self, entry: StreamEntry, reason: str, deliveries: int) -> None:
        """Move an entry to the dead letters (ingest.deadletters), in one MULTI: added there, gone from here."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(self.dead_letters.key, buried_fields(entry.fields, entry.id, reason, deliveries))
        pipe.xack(self.key, GROUP, entry.id)
        pipe.xdel(self.key, entry.id)
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


def recovered(store: GraphStore) -> bool:
    """`store.recover()` for a caller that goes on either way: False when the server would not start (the next call
    to the store says why)."""
    try:
        return store.recover()
    except StoreUnavailableError:
        return False


FIRST_RELISTEN_S, LAST_RELISTEN_S = 0.2, 5.0  # a subscriber waits between tries for a server that went away


@asynccontextmanager
async def listen_applied(url: str, graph_name: str, revive: Callable[[], bool] = lambda: False
                         ) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """The interactions published on the graph's applied channel from the moment this is entered (on its own Redis
    connection, closed on exit). When the server goes away the listener waits for it and listens on, calling
    `revive` (GraphStore.recover: the embedded server started again when it had died); what is published in between
    is missed, as a subscriber that came later would miss it. `revive` must not raise (see `recovered`)."""
    client = redis.asyncio.Redis.from_url(url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(applied_channel(graph_name))
        yield _applied(pubsub, revive)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def _applied(pubsub: redis.asyncio.client.PubSub, revive: Callable[[], bool]) -> AsyncIterator[dict[str, Any]]:
    delay = FIRST_RELISTEN_S
    while True:
        try:
            async for message in pubsub.listen():
                delay = FIRST_RELISTEN_S
                for interaction in _published(message):
                    yield interaction
        except (redis.ConnectionError, redis.TimeoutError):
            if not await asyncio.to_thread(revive):
                await asyncio.sleep(delay)
                delay = min(delay * 2, LAST_RELISTEN_S)


def _published(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactions a message on the applied channel carries; none from anything else (ignored rather than
    ending the subscription)."""
    if message.get("type") != "message":
        return []
    try:
        payload = json.loads(message["data"])
    except (TypeError, ValueError):
        return []
    return [interaction for interaction in (payload.get("interactions", []) if isinstance(payload, dict) else [])
            if isinstance(interaction, dict) and interaction.get("id")]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _entry(entry_id: Any, raw: dict[Any, Any]) -> StreamEntry:
    """An entry read back and validated again, by the rules of the door (it may come from an older version or another
    producer): what cannot be read is an entry with reasons, never an exception."""
    fields = {_text(k): v for k, v in raw.items()}
    kind = entry_kind(fields)
    value = fields.get(kind)
    record: Any = None
    try:
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        if not isinstance(text, str):
            errors = [reject_reason("missing_field", "the stream entry holds no event field")]
        else:
            record, errors = VALIDATORS[kind](loads_strict(text, lone_surrogates=True))
    except UnicodeDecodeError as e:
        errors = [reject_reason("invalid_utf8", f"the stream entry is not valid UTF-8 (byte {e.start + 1})")]
    except json.JSONDecodeError as e:
        errors = [malformed_json(e)]
    except MalformedJSONError as e:
        errors = [reject_reason(e.code, str(e))]
    return StreamEntry(_text(entry_id), kind, record, errors, fields)


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
# A slow or lost store (a Redis call past its timeout, a dropped connection, the graph store unreachable, or a
# refusal about the store itself such as OOM) is waited out, never a reason to exit.
_TRANSIENT = (redis.ConnectionError, redis.TimeoutError, StoreUnavailableError, OSError)
WORKER_TIMEOUT_S = 10.0  # a Redis call of the worker that takes longer fails, and is retried
FIRST_RETRY_S, LAST_RETRY_S = 0.2, 30.0
WORKER_CLIENT_NAME = "dtc-worker"  # the worker's stream connections in Redis's CLIENT LIST


@dataclass
class WorkerReport:
    batches: int = 0
    applied: int = 0
    duplicates: int = 0
    invalid: int = 0  # entries that failed a delivery (invalid, or refused by the store)
    claimed: int = 0
    suppressed: int = 0  # events of people on the suppression list, dropped
    dead_letters: int = 0  # entries moved to the dead letters at their MAX_DELIVERIES-th failed delivery
    retries: int = 0  # waits for a slow or lost store


def run_worker(store: GraphStore, settings: Settings, *, consumer: str | None = None, batch_size: int = 1000,
               block_ms: int = 200, claim_idle_ms: int = 30_000, once: bool = False,
               stop: threading.Event | None = None, log: Callable[[str], None] | None = None,
               timeout_s: float = WORKER_TIMEOUT_S) -> WorkerReport:
    """Apply the stream to the graph until `stop` is set (or, with `once`, until the stream is drained).

    An entry that cannot be applied stays pending and is delivered again; at its MAX_DELIVERIES-th failed delivery
    it moves to the dead letters (ingest.deadletters) and the entries behind it go on. A slow or lost store is
    retried with backoff (one log line per retry), the entries in hand kept."""
    if batch_size < 1:
        raise InputError(f"The worker batch size {batch_size} must be at least 1.")
    if timeout_s * 1000 <= block_ms:
        raise InputError(f"The worker timeout {timeout_s} s must be longer than its read block of {block_ms} ms.")
    stream = EventStream.connect(store, settings, timeout_s=timeout_s, client_name=WORKER_CLIENT_NAME)
    sink = sink_for(store, settings)
    name = consumer or f"{socket.gethostname()}-{os.getpid()}"
    report = WorkerReport()
    say = log or (lambda _: None)
    say(f"worker {name}: reading {stream.key} in group {GROUP}")
    ready = False
    own_pending = True  # first, what this consumer was given before a restart and never acknowledged
    entries: list[StreamEntry] = []  # in hand: kept across retries, so a slow store delivers nothing twice
    delay = FIRST_RETRY_S
    while stop is None or not stop.is_set():
        try:
            if not ready:
                stream.ensure_group()
                ready = True
            if not entries:
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
            if _settle(stream, sink, entries, report, lambda line: say(f"worker {name}: {line}")):
                own_pending = True  # deliver the failed ones again at once
            entries = []
            delay = FIRST_RETRY_S
        except (*_TRANSIENT, QueryError, redis.ResponseError) as e:
            if isinstance(e, redis.ResponseError) and "NOGROUP" in str(e):
                ready = False  # the stream or its group was deleted: made again on the retry
            elif not isinstance(e, _TRANSIENT) and not is_store_wide(e):
                raise
            report.retries += 1
            say(f"worker {name}: the store did not answer ({type(e).__name__}: {e}); retry {report.retries} in "
                f"{delay:.1f} s, {len(entries)} entries in hand")
            if stop is not None:
                stop.wait(delay)
            else:
                time.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_S)
    return report


def _settle(stream: EventStream, sink: EventSink, entries: Sequence[StreamEntry], report: WorkerReport,
            say: Callable[[str], None]) -> bool:
    """Apply a batch and settle each entry: acknowledged once its write committed; after a failure left pending for
    another delivery, or moved to the dead letters at its MAX_DELIVERIES-th. True when some entry was left pending."""
    failed = {e.id: "; ".join(e.errors) for e in entries if e.record is None}
    valid = [e for e in entries if e.record is not None]
    applied = None
    if valid:
        try:
            applied = _apply(sink, valid, failed)
        except (*_TRANSIENT, QueryError):
            raise
        except Exception:  # noqa: BLE001 - a record the code cannot apply (a bug) must not stop every worker
            sink.forget()  # the failed plan may have updated the caches as if it had been written
            applied = Applied()
            for entry in valid:  # one by one: only the records that fail alone are left pending
                try:
                    applied.add(_apply(sink, [entry], failed))
                except (*_TRANSIENT, QueryError):
                    raise
                except Exception as e:  # noqa: BLE001
                    failed[entry.id] = reject_reason("apply_failed", f"{type(e).__name__}: {e}")
    stream.ack([e.id for e in entries if e.id not in failed])  # only now: the graph write has committed
    report.batches += 1
    if applied is not None:
        report.applied += applied.ingested
        report.duplicates += applied.duplicates
        report.suppressed += applied.suppressed
        stream.publish_applied(applied.interactions)
        say(f"applied {applied.ingested} events ({applied.duplicates} duplicates, {applied.suppressed} suppressed)")
    if not failed:
        return False
    report.invalid += len(failed)
    deliveries = stream.deliveries(list(failed))
    left = False
    for entry in (e for e in entries if e.id in failed):
        reason, count = failed[entry.id], deliveries.get(entry.id, MAX_DELIVERIES)
        if count >= MAX_DELIVERIES:
            stream.bury(entry, reason, count)
            report.dead_letters += 1
            say(f"entry {entry.id} moved to the dead letters after {count} deliveries: {reason}")
        else:
            left = True
            say(f"entry {entry.id} not applied (delivery {count} of {MAX_DELIVERIES}): {reason}")
    return left


def _apply(sink: EventSink, valid: Sequence[StreamEntry], failed: dict[str, str]) -> Applied:
    """Write valid records; the ones the store refuses are added to `failed` with their reasons."""
    try:
        # events alone (POST /events) go straight to the sink; Segment messages bring profile records between
        applied = (sink.apply([e.record for e in valid]) if all(e.kind == "event" for e in valid)
                   else apply_records(sink, [(e.kind, e.record) for e in valid]))
    except QueryError as e:  # refused one by one, every record of the batch (else the sink isolates events)
        if is_store_wide(e):
            raise
        failed.update((x.id, reject_reason("store_refused", str(e))) for x in valid)
        return Applied()
    entry_of = {id(x.record): x.id for x in valid}
    failed.update((entry_of[id(event)], reason) for event, reason in applied.refused)
    return applied


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
