"""The writers' lock: writers of one graph (ingest jobs, stream workers, erasure, later every writer that changes a
customer's inputs) take turns through a lock in the Redis beside the graph (`GraphStore.redis_url()`).

    with writer_lock(store, settings).hold() as others_wrote:
        if others_wrote: ...drop cached state...

A generation counter beside the lock tells each writer whether another one wrote since it last held it, so caches of
the graph stay honest. Without Redis (a Neo4j store and no DTC_REDIS_URL) writers do not coordinate.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graph.settings import Settings
from graph.store import GraphStore
from graph.store_redis import RedisOfStore

LOCK_TTL_MS = 600_000
WAITING_TTL_MS = 1000  # a writer waiting for the lock says so, for this long (renewed while it waits)


class WriterLock:
    """Writers of one graph take turns through a lock in Redis (`client`; None: no lock at all).

    `hold()` (one write) and `take()`/`give_back()` (a turn of several writes, see `EventSink.apply_batches`) say
    whether another writer wrote since this one last did (so cached state must be dropped). A writer waiting for
    the lock says so (`wanted()`), so a long batch job hands it over between batches. A lock left by a process that
    died is taken over at once when it ran on this host, else after LOCK_TTL_MS.
    """

    def __init__(self, client: Any | None, graph_name: str) -> None:
        self.client = client
        self.lock_key = f"dtc:ingest:lock:{graph_name}"
        self.waiting_key = f"dtc:ingest:waiting:{graph_name}"
        self.generation_key = f"dtc:ingest:generation:{graph_name}"
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.seen: int | None = None

    @contextmanager
    def hold(self) -> Iterator[bool]:
        others_wrote = self.take()
        try:
            yield others_wrote
        finally:
            self.give_back()

    def take(self) -> bool:
        """Wait for the lock; True when another writer wrote since this one last held it."""
        if self.client is None:
            return False
        self._acquire()
        generation = int(self.client.get(self.generation_key) or 0)
        return self.seen is None or generation != self.seen

    def give_back(self) -> None:
        if self.client is None:
            return
        try:
            self.seen = int(self.client.incr(self.generation_key))
        finally:
            self._release()

    def wanted(self) -> bool:
        """Whether another writer is waiting for the lock."""
        if self.client is None:
            return False
        waiting = self.client.get(self.waiting_key)
        return waiting is not None and _text(waiting) != self.token

    def keep(self) -> None:
        """Renew the lock's time to live during a long turn."""
        if self.client is not None:
            self.client.pexpire(self.lock_key, LOCK_TTL_MS)

    def pass_on(self) -> bool:
        """Give the lock to the writer waiting for it and take it back after its turn; True when it wrote."""
        self.give_back()
        deadline = time.monotonic() + 0.2
        while self.client is not None and time.monotonic() < deadline and self.client.get(self.lock_key) is None:
            time.sleep(0.005)  # let the waiting writer in before asking again
        return self.take()

    def _acquire(self) -> None:
        assert self.client is not None
        while not self.client.set(self.lock_key, self.token, nx=True, px=LOCK_TTL_MS):
            holder = self.client.get(self.lock_key)
            if holder is not None and _text(holder) == self.token:
                break  # this writer's own, left when its release failed (the server stopped answering): still ours
            self.client.set(self.waiting_key, self.token, px=WAITING_TTL_MS)
            if holder is not None and _dead_here(_text(holder)):
                self.client.delete(self.lock_key)  # its owner died on this host: nothing is in flight
                continue
            time.sleep(0.01)
        waiting = self.client.get(self.waiting_key)
        if waiting is not None and _text(waiting) == self.token:
            self.client.delete(self.waiting_key)

    def _release(self) -> None:
        assert self.client is not None
        holder = self.client.get(self.lock_key)
        if holder is not None and _text(holder) == self.token:
            self.client.delete(self.lock_key)


def writer_lock(store: GraphStore, settings: Settings) -> WriterLock:
    """The lock every writer of this graph shares, in the Redis beside it (no lock when there is none)."""
    if store.redis_url() is None:
        return WriterLock(None, settings.graph_name)
    return WriterLock(RedisOfStore(store), settings.graph_name)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _dead_here(token: str) -> bool:
    host, _, rest = token.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
