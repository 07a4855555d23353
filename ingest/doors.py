"""The ingest side of the API's doors (graph/doors.py): intake onto the event stream, erasure everywhere, the live
feed and the audit subject key (graph.keys, read once), for one open store.

    create_app(settings, store, doors=open_doors)

Nothing connects until it is first used, so an API over a store without a stream (Neo4j without DTC_REDIS_URL)
still starts and answers its questions; intake then answers that the stream needs Redis.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import redis

from graph.doors import Doors, IntakeReport, SegmentReport
from graph.errors import ConfigError, StoreUnavailableError
from graph.keys import identity_key
from graph.privacy import ErasureResult
from graph.settings import Settings
from graph.store import GraphStore
from ingest.erasure import erase_everywhere
from ingest.segment_intake import queue_messages
from ingest.segment_mapping import load_segment_mapping
from ingest.stream import EventStream, listen_applied, parse_body, queue_events, recovered, stream_redis_url
from ingest.suppression import Screen

R = TypeVar("R")

def open_doors(store: GraphStore, settings: Settings, timeout_s: float | None = None) -> Doors:
    """The doors over `store`; with `timeout_s`, intake gives up on a stalled stream or store after that long."""
    return Doors(intake=StreamIntake(store, settings, timeout_s), erasure=Eraser(store, settings),
                 live=AppliedFeed(store, settings), subject_key=partial(identity_key, settings))


class StreamIntake:
    """graph.doors.EventIntake onto the graph's event stream, checking the suppression list at the door."""

    def __init__(self, store: GraphStore, settings: Settings, timeout_s: float | None) -> None:
        self.store, self.settings, self.timeout_s = store, settings, timeout_s
        self._stream: EventStream | None = None
        self._screen: Screen | None = None
        # DTC_SEGMENT_MAPPING, read when the doors open: a broken file stops `dtc serve` at its start, saying why
        self._mapping = load_segment_mapping(Path(settings.segment_mapping) if settings.segment_mapping else None)
        self._lock = threading.Lock()  # requests call in from several threads; a Screen is not thread-safe

    def accept(self, rows: Sequence[object]) -> IntakeReport:
        return self._accept([(row, None) for row in rows])

    def accept_body(self, body: bytes, content_type: str) -> IntakeReport:
        return self._accept(parse_body(body, content_type))

    def accept_messages(self, messages: Sequence[object], arrival_ms: int, sent_at: object) -> SegmentReport:
        return self._queue(lambda stream, screen: queue_messages(messages, arrival_ms, sent_at, self._mapping, stream,
                                                                 screen))

    def dead_letters(self) -> int | None:
        try:
            with self._lock:
                stream, _ = self._connected()
                return stream.dead_letters.count()
        except (redis.RedisError, ConfigError):
            return None

    def _connected(self) -> tuple[EventStream, Screen]:
        """The stream and the screen, connected at first use (the caller holds the lock)."""
        if self._stream is None or self._screen is None:
            # like the screen: a stalled Redis fails the call at its deadline instead of holding it
            self._stream = EventStream.connect(self.store, self.settings, timeout_s=self.timeout_s)
            self._screen = Screen(self.store, self.settings, timeout_s=self.timeout_s)
        return self._stream, self._screen

    def _accept(self, items: Sequence[tuple[Any, str | None]]) -> IntakeReport:
        return self._queue(lambda stream, screen: queue_events(items, stream, screen))

    def _queue(self, queue: Callable[[EventStream, Screen | None], R]) -> R:
        try:
            with self._lock:
                return queue(*self._connected())
        except redis.RedisError as e:
            raise StoreUnavailableError(stream_redis_url(self.store), str(e) or type(e).__name__) from e


class Eraser:
    """graph.doors.Erasure: the graph, the stream, rejects and checkpoints (ingest.erasure)."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store, self.settings = store, settings

    def erase(self, customer_id: str, mode: str, *, actor: str) -> ErasureResult:
        return erase_everywhere(self.store, self.settings, customer_id, mode, actor=actor)


class AppliedFeed:
    """graph.doors.LiveFeed: the channel on which every worker publishes what it applied."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store, self.settings = store, settings

    def listen(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        return listen_applied(stream_redis_url(self.store), self.settings.graph_name, partial(recovered, self.store))
