"""The event sink: every writer of events (batch jobs, the stream worker, recordEvent) applies batches through it.

Each batch is planned from what the graph holds (`ingest.planning`) and written in ONE query
(`cypher/internal/ingest-batch.cypher`): new customers, identities, journey changes, the interactions with all their
relationships, INCLUDES and NEXT. A query is atomic on both engines, so a job killed between batches leaves the graph
exactly as after the previous batch, and the re-run converges. Only catalog codes (idempotent MERGE) and identity
merges are separate queries. Writers of one graph take turns through the writers' lock (`graph.writer_lock`).

A write the store refuses for what it holds (not for being unreachable) is split in halves until the events it
refuses alone are found (`EventSink._isolate`): they come back in `Applied.refused` with the reason `store_refused`,
and every other event of the batch is written. A batch is never lost whole.

A batch job pipelines (`apply_batches`): a writer thread writes batch k while batch k+1 is planned; what planning
k+1 must read (customers and track tails the caches lack) is read before write k starts, since a read waits behind
a write in flight, and a plan that needs what write k changes (identities, late events) waits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from cypher import DAY_MS, now_ms
from graph.errors import QueryError
from graph.keys import identity_key
from graph.live_state.repair import finish_pending
from graph.settings import Settings
from graph.store import GraphStore
from graph.writer_lock import WriterLock, writer_lock
from ingest.contracts import Event
from ingest.planning import Applied, BatchPlanner, Duplicates, Planned, StaleCache
from ingest.reasons import reject_reason
from ingest.state_keeping import STATE_BUDGET_MB
from ingest.suppression import Screen

__all__ = ["Applied", "EventSink", "sink_for"]
T = TypeVar("T")
_GUARD_FAILED = ("division by zero", "/ by zero")
# a write refused for what it holds: the engine rejected the query, or the client could not encode a value
_REFUSED = (QueryError, ValueError, TypeError, OverflowError)
# refusals that are about the store, not the data (Redis error prefixes): every write would meet them
_STORE_WIDE = ("oom ", "readonly", "misconf", "noperm", "loading", "busy", "noscript", "masterdown")
_DUPLICATE = ("unique constraint violation", "already exists with label")


class _WriteFailed(Exception):
    """The write in flight failed its check: a plan made beside it is void."""


def _nothing() -> None:
    pass


def is_store_wide(error: Exception) -> bool:
    """Whether a refusal says it is about the store (out of memory, read-only, ...) rather than what was written."""
    return str(error).lower().removeprefix("falkordb rejected the query: ").startswith(_STORE_WIDE)


def sink_for(store: GraphStore, settings: Settings, journey_gap_days: float | None = None) -> EventSink:
    """The event sink every writer of this graph should use: identity key, journey gap and the shared lock."""
    gap_days = journey_gap_days if journey_gap_days is not None else settings.journey_gap_days
    return EventSink(store, identity_key(settings), int(gap_days * DAY_MS), lock=writer_lock(store, settings),
                     screen=Screen(store, settings), state_budget_mb=settings.ingest_state_mb)


class EventSink:
    """Applies batches of valid events: dedupe by event_id, resolve identities, link journeys, write.

    Every batch is planned from the graph as it is (or a checked cache of it), so batches from a file, a re-run or
    the stream all converge to the same graph; `apply()` is safe to repeat with the same events.
    """

    def __init__(self, store: GraphStore, identity_secret: bytes, journey_gap_ms: int, *,
                 lock: WriterLock | None = None, clock: Callable[[], int] | None = None,
                 screen: Screen | None = None, state_budget_mb: float = STATE_BUDGET_MB) -> None:
        self.store = store
        self.screen = screen  # the suppression list check every event written passes (None: no check)
        self.lock = lock or WriterLock(None, "")
        self.planner = BatchPlanner(store, identity_secret, journey_gap_ms, screen=screen,
                                    clock=clock or now_ms, state_budget_mb=state_budget_mb)

    def forget(self) -> None:
        """Drop every cached fact about the graph."""
        self.planner.forget()

    def apply(self, events: Sequence[Event]) -> Applied:
        """Apply one batch (with summaries of the new interactions, for live subscribers)."""
        with self.lock.hold() as others_wrote:
            if others_wrote:
                self.forget()
                finish_pending(self.store)  # repairs a crashed writer left
            try:  # a write whose check fails (a resend the caches missed) is planned again carefully
                return self._apply_now(events, summaries=True)
            except _REFUSED as e:
                return self._isolate(events, e, summaries=True)

    def apply_batches(self, batches: Iterable[tuple[T, Sequence[Event]]]) -> Iterator[tuple[T, Applied]]:
        """Apply batches in order, yielding each with what it changed once its write committed.

        Pipelined: batch k+1 is planned while a writer thread writes batch k. The caches make most plans
        independent of the write in flight; a plan that must read what that write changes (identities, late
        events, careful re-plans) first waits for it (`BatchPlanner.settle`). When write k fails its check (stale
        cache or duplicates), the plan of k+1 is dropped, k is applied again carefully, and k+1 is planned afresh.
        The lock is held across batches and handed over between two batches when another writer waits.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            if self.lock.take():
                self.forget()
            try:
                finish_pending(self.store)  # repairs a crashed writer left
                inflight: tuple[T, Sequence[Event], Future[Applied]] | None = None
                upcoming = iter(batches)
                following = next(upcoming, None)
                while following is not None:
                    tag, events = following
                    planned: Planned | None = None
                    if inflight is not None and events and not self.lock.wanted():
                        planned = self._plan_beside(events, inflight[2])
                    if inflight is not None:
                        applied, retried = self._finish(inflight[1], inflight[2])
                        if retried:  # planned from caches the failed write invalidated
                            self._drop(planned)
                            planned = None
                        yield inflight[0], applied
                        inflight = None
                    self.lock.keep()
                    if self.lock.wanted():
                        self._drop(planned)
                        planned = None
                        if self.lock.pass_on():
                            self.forget()
                            finish_pending(self.store)
                    if planned is None:
                        planned = self._plan_now(events, summaries=False)
                    following = next(upcoming, None)
                    if planned.params is None:
                        yield tag, planned.applied
                        continue
                    if following is not None:  # the store is idle now: read what planning the next batch needs
                        self.planner.warm(following[1])
                    inflight = (tag, events, writer.submit(self._commit, planned))
                if inflight is not None:
                    yield inflight[0], self._finish(inflight[1], inflight[2])[0]
            finally:
                self.lock.give_back()

    def _drop(self, planned: Planned | None) -> None:
        """A plan that will not be written: what it recorded of the live state is given back."""
        if planned is not None:
            self.planner.live.abandon(planned.live)

    def _plan_beside(self, events: Sequence[Event], write: Future[Applied]) -> Planned | None:
        """Plan `events` while `write` runs; None when that is not possible (the write failed, or the plan met a
        duplicate): the caller plans again once the write is done."""

        def settle() -> None:
            if write.exception() is not None:
                raise _WriteFailed()

        self.planner.settle = settle
        try:
            return self.planner.plan(events, careful=False, summaries=False)
        except (StaleCache, Duplicates, _WriteFailed):
            return None
        finally:
            self.planner.settle = _nothing

    def _finish(self, events: Sequence[Event], write: Future[Applied]) -> tuple[Applied, bool]:
        """What the write in flight changed, once committed; (applied, True) when it failed its check and the batch
        was applied again carefully."""
        try:
            return write.result(), False
        except (StaleCache, Duplicates):
            self.forget()
            return self._commit(self.planner.plan(events, careful=True, summaries=False)), True
        except _REFUSED as e:
            return self._isolate(events, e, summaries=False), True

    def _plan_now(self, events: Sequence[Event], summaries: bool) -> Planned:
        """Plan with nothing in flight: from the caches, else (when the plan met a duplicate) carefully."""
        try:
            return self.planner.plan(events, careful=False, summaries=summaries)
        except (StaleCache, Duplicates):
            self.forget()
            return self.planner.plan(events, careful=True, summaries=summaries)

    def _commit(self, planned: Planned) -> Applied:
        """Write a planned batch, then finish the live-state repairs it recorded; StaleCache or Duplicates when its
        check fails (nothing written then)."""
        if planned.params is not None:
            try:
                self.store.run("ingest-batch", planned.params, bulk=True)
            except QueryError as e:
                self._drop(planned)
                text = str(e).lower()
                if any(m in text for m in _GUARD_FAILED):
                    raise StaleCache("The graph changed under the cached plan of this batch.") from e
                if any(m in text for m in _DUPLICATE):
                    raise Duplicates("The batch holds events already in the graph.") from e
                raise
        self.planner.live.written(planned.live)
        return planned.applied

    def _isolate(self, events: Sequence[Event], error: Exception, summaries: bool) -> Applied:
        """Apply `events` after the store refused to write them all (`error`): each half is applied on its own, and
        halved again while refused, so only the events it refuses alone are left out (`Applied.refused`). When it
        refuses every one of several, or says the refusal is not about the data, `error` is raised: the store is
        failing, not the rows."""
        if is_store_wide(error):
            raise error
        self.forget()  # the failed plan updated the caches as if it had been written
        if len(events) == 1:
            return Applied(refused=[(events[0], reject_reason("store_refused", f"the store would not write this "
                                                               f"event: {error}"))])
        done = Applied()
        for half in (events[: len(events) // 2], events[len(events) // 2:]):
            try:
                part = self._apply_now(half, summaries)
            except _REFUSED as e:
                part = self._isolate(half, e, summaries)
            done.add(part)
        if len(done.refused) == len(events):
            raise error
        return done

    def _apply_now(self, events: Sequence[Event], summaries: bool) -> Applied:
        """Plan and write with nothing in flight; a write that fails its check is planned again carefully."""
        try:
            return self._commit(self._plan_now(events, summaries))
        except (StaleCache, Duplicates):
            self.forget()
            return self._commit(self.planner.plan(events, careful=True, summaries=summaries))

    def relink(self, customer_ids: Iterable[str]) -> Applied:
        """Recompute these customers' journeys from their whole history: after an identity merge made outside the
        sink (a customer file), a survivor holds the journeys of two customers until then."""
        with self.lock.hold():
            self.forget()  # the merge changed customers and journeys the caches may hold
            return self._commit(self.planner.plan([], careful=True, summaries=False, relink=set(customer_ids)))
