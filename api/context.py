"""What every resolver can reach: the app's store and settings, the caller, this request's DataLoaders and id."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import redis
import strawberry
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.loaders import Loaders
from api.metrics import Metrics
from graph import twin
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore

if TYPE_CHECKING:
    from graph.embeddings import Embedder
    from ingest.contracts import Event
    from ingest.sink import Applied, EventSink
    from ingest.stream import EventStream
    from ingest.suppression import Screen

T = TypeVar("T")
log = logging.getLogger("dtc.api")


@dataclass
class AppState:
    """Opened once by the app's lifespan and shared by every request."""

    settings: Settings
    store: GraphStore
    limits: ApiLimits
    metrics: Metrics
    dev_mode: bool  # no API keys: every caller acts as admin
    _embedder: Embedder | None = None
    _sink: EventSink | None = None
    _sink_lock: threading.Lock = field(default_factory=threading.Lock)

    _stream: EventStream | None = None
    _screen: Screen | None = None
    _subject_key: bytes | None = None

    def subject_key(self) -> bytes:
        """The key that names customers in the audit trail (read once)."""
        if self._subject_key is None:
            from ingest.erasure import subject_key

            self._subject_key = subject_key(self.settings)
        return self._subject_key

    def redis_url(self) -> str | None:
        """The Redis server that carries the event stream and live updates (None: a Neo4j store without Redis)."""
        from graph.errors import ConfigError
        from ingest.stream import redis_url_for

        try:
            return redis_url_for(self.store, self.settings)
        except ConfigError:
            return None

    def event_stream(self) -> EventStream:
        """The graph's event stream in Redis (POST /events appends to it; `dtc worker` applies it)."""
        if self._stream is None:
            from ingest.stream import EventStream

            # a stalled Redis fails a POST within the API's deadline instead of holding it
            self._stream = EventStream.connect(self.store, self.settings, timeout_s=self.limits.deadline_ms / 1000)
        return self._stream

    def screen(self) -> Screen:
        """The suppression list check of the doors that answer callers (POST /events)."""
        if self._screen is None:
            from ingest.suppression import Screen

            # like the stream: a stalled store fails a POST within the API's deadline instead of holding it
            self._screen = Screen(self.store, self.settings, timeout_s=self.limits.deadline_ms / 1000)
        return self._screen

    def record_events(self, events: Sequence[Event]) -> Applied:
        """Apply valid events the way the stream worker does, then tell live subscribers; returns what changed.
        Writes are serialised (here, and with other writers through the sink's lock): journey linking plans from the
        graph as it is, so two at once could disagree."""
        with self._sink_lock:
            if self._sink is None:
                from ingest.sink import sink_for

                self._sink = sink_for(self.store, self.settings)  # shares the writer lock with workers and jobs
            applied = self._sink.apply(events)
        if applied.interactions and self.redis_url():
            try:
                self.event_stream().publish_applied(applied.interactions)
            except redis.RedisError as e:  # live updates are best effort: the write already holds
                log.warning("could not tell live subscribers about %d interactions: %s", len(applied.interactions), e)
        return applied

    def embedder(self) -> Embedder:
        """The sentence embedder (the model itself loads on first use, in a worker thread, once per process)."""
        if self._embedder is None:
            from graph.embeddings import embedder_from

            self._embedder = embedder_from(self.settings)
        return self._embedder


@dataclass
class Context:
    app: AppState
    caller: Caller | None
    loaders: Loaders
    request_id: str = "-"  # the request's (or the WebSocket's) id: api.errors.RequestIds
    connection_params: dict[str, Any] | None = None  # set by graphql-transport-ws on connection_init

    @property
    def store(self) -> GraphStore:
        return self.app.store

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def metrics(self) -> Metrics:
        return self.app.metrics

    @property
    def may_see_pii(self) -> bool:
        return self.caller is not None and self.caller.role in self.app.settings.pii_roles | {"admin"}

    def actor(self, caller: Caller) -> str:
        """How the audit trail names this caller: the role and the key's fingerprint, never the key."""
        return actor_of(caller)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a synchronous graph/ function off the event loop (the store port blocks)."""
        return await run_in_threadpool(fn, *args, **kwargs)


def actor_of(caller: Caller) -> str:
    return f"api:{caller.role}:{caller.fingerprint}"


def new_context(app: AppState, caller: Caller | None, request_id: str) -> Context:
    actor = actor_of(caller) if caller else "api:anonymous"
    return Context(app=app, caller=caller, loaders=Loaders(app.store, audited_pii_reader(app, actor)),
                   request_id=request_id)


def audited_pii_reader(app: AppState, actor: str) -> Callable[[GraphStore, Sequence[str]], dict[str, dict[str, Any]]]:
    """Read customers' personal data and leave one `pii_read` entry per customer read in the audit trail."""

    def read(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        from graph.privacy import PII_READ, audit, customer_ref

        found = twin.pii_of_customers(store, customer_ids)
        key = app.subject_key()
        for customer_id, pii in found.items():
            if pii:
                audit(store, actor, PII_READ, customer_ref(customer_id, key), "field=pii")
        return found

    return read


Info = strawberry.Info[Context, None]
