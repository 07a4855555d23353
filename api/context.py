"""What every resolver can reach: the app's store and settings, the caller, this request's DataLoaders and id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool

from api.auth import Caller
from api.loaders import Loaders
from api.metrics import Metrics
from graph import reads
from graph.doors import Doors
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from graph.writer_lock import WriterLock, writer_lock

if TYPE_CHECKING:
    from graph.embeddings import Embedder

T = TypeVar("T")


@dataclass
class AppState:
    """Opened once by the app's lifespan and shared by every request."""

    settings: Settings
    store: GraphStore
    limits: ApiLimits
    metrics: Metrics
    dev_mode: bool  # no API keys: every caller acts as admin
    doors: Doors  # intake, erasure, live updates and the audit subject key (graph/doors.py)
    _embedder: Embedder | None = None
    _writers: WriterLock | None = None

    def writers(self) -> WriterLock:
        """The writers' lock of the twin's graph: a write that changes what the live state folds holds it."""
        if self._writers is None:
            self._writers = writer_lock(self.store, self.settings)
        return self._writers

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

        found = reads.pii_of_customers(store, customer_ids)
        key = app.doors.subject_key()
        for customer_id, pii in found.items():
            if pii:
                audit(store, actor, PII_READ, customer_ref(customer_id, key), "field=pii")
        return found

    return read


Info = strawberry.Info[Context, None]
