"""The Redis beside a graph store (`GraphStore.redis_url()`: the embedded server itself, or DTC_REDIS_URL), as the
event stream, its dead letters and the writers' lock use it.

A command, or a pipeline, that finds the embedded server dead starts it again (`GraphStore.recover`) and is sent
once more, to the port the server then has. Every user of this client may therefore be sent a command twice; each
is safe twice (an event queued twice is applied once, an acknowledgement or a lock renewal repeats itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis

from graph.store import GraphStore

T = TypeVar("T")


class RedisOfStore:
    """A redis.Redis (its commands, `pipeline()`) connected to `store.redis_url()` with `options` (timeouts, client
    name), connected anew after the store recovered on another port."""

    def __init__(self, store: GraphStore, **options: Any) -> None:
        self.store = store
        self.options = options
        self._connect()

    def _connect(self) -> None:
        self.url = self.store.redis_url()
        self.client = redis.Redis.from_url(self.url or "", **self.options)

    def sent(self, send: Callable[[redis.Redis], T]) -> T:
        """`send(client)`, and once more when the server had died and was started again, by this call or by another
        thread meanwhile (what failed may be a time-out: another program may have taken the dead server's port)."""
        seen = self.store.server_mark()
        try:
            return send(self.client)
        except (redis.ConnectionError, redis.TimeoutError):
            if not self.store.recover(since=seen):  # nor started again by another thread meanwhile
                raise
        if self.store.redis_url() != self.url:
            self._connect()
        return send(self.client)

    def pipeline(self, transaction: bool = True) -> _Pipeline:
        return _Pipeline(self, transaction)

    def __getattr__(self, command: str) -> Any:
        return lambda *args, **kwargs: self.sent(lambda client: getattr(client, command)(*args, **kwargs))


class _Pipeline:
    """Commands recorded, then sent in one pipeline (a MULTI with `transaction`) by `execute()`, again as a whole
    after a recovery."""

    def __init__(self, redis_of_store: RedisOfStore, transaction: bool) -> None:
        self.redis_of_store = redis_of_store
        self.transaction = transaction
        self.commands: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def execute(self) -> list[Any]:
        def send(client: redis.Redis) -> list[Any]:
            pipe = client.pipeline(transaction=self.transaction)
            for command, args, kwargs in self.commands:
                getattr(pipe, command)(*args, **kwargs)
            return pipe.execute()

        return self.redis_of_store.sent(send)

    def __getattr__(self, command: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> _Pipeline:
            self.commands.append((command, args, kwargs))
            return self

        return record
