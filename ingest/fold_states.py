"""The customers' fold states an ingest keeps between batches, within a memory budget.

The fast path steps a customer's state (graph/live_state/fold.py) with each batch of its events, so it keeps every
customer's state it has met. A state holds the customer's history (the Timeline's positions, the journeys), so kept
in memory the states would grow with the history: 1M events over 86,000 customers took 1 GB. Past the budget the
least recently used states are written, pickled, to a private SQLite file and read back when their customer comes
again, the way stream processors keep keyed state on local disk. The states' memory stays within the budget
whatever the history; a state read back costs its unpickling (about 50 µs for a customer of 12 events, 170 µs for
one of 58), where a state read from the graph again would cost a read and a fold of all the customer's events.

The file is SQLite's temporary database: on local disk, never named, gone when the job ends (or dies). It holds what
the states hold: customer ids, event ids, timestamps and codes, no personal data.
"""

from __future__ import annotations

import pickle
import sqlite3
import threading
from collections import OrderedDict

from graph.live_state.fold import CustomerState

# a state's weight in bytes of the process's memory: fixed sets and maps, plus each event's Timeline entries and
# share of journeys and path variants (fitted on folds of 10 and 50 events per customer, with the allocator's slack)
STATE_BYTES = 6_000
EVENT_BYTES = 400


def weight(state: CustomerState) -> int:
    return STATE_BYTES + EVENT_BYTES * len(state.times)


class FoldStates:
    """Customer id -> fold state: the most recently used in memory up to `budget_bytes` (by `weight`), the others
    on local disk. One planner's; its writer thread may discard states too (a plan whose write failed)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._kept: OrderedDict[str, tuple[CustomerState, int]] = OrderedDict()  # with its weight when put
        self._held = 0
        self._spilled: set[str] = set()  # customers whose state is on disk only
        self._disk: sqlite3.Connection | None = None  # opened at the first spill
        self.spills = 0  # states written to disk, and read back: what the budget costs
        self.reads = 0
        self._lock = threading.RLock()

    def get(self, customer_id: str) -> tuple[bool, CustomerState | None]:
        """(True, state) for a customer whose state is kept (in memory or on disk), (False, None) for another; a
        hit counts as a use."""
        with self._lock:
            kept = self._kept.get(customer_id)
            if kept is not None:
                self._kept.move_to_end(customer_id)
                return True, kept[0]
            if customer_id not in self._spilled:
                return False, None
            assert self._disk is not None
            (blob,), = self._disk.execute("SELECT state FROM states WHERE customer = ?", (customer_id,))
            state: CustomerState = pickle.loads(blob)
            self._spilled.discard(customer_id)
            self.reads += 1
            self.put(customer_id, state)
            return True, state

    def has(self, customer_id: str) -> bool:
        """Whether the customer's state is kept (without reading it back, nor counting a use)."""
        with self._lock:
            return customer_id in self._kept or customer_id in self._spilled

    def put(self, customer_id: str, state: CustomerState) -> None:
        """Keep `state` (again: a state stepped in place is put again so that its weight counts)."""
        with self._lock:
            old = self._kept.pop(customer_id, None)
            if old is not None:
                self._held -= old[1]
            self._spilled.discard(customer_id)
            size = weight(state)
            self._kept[customer_id] = (state, size)
            self._held += size
            if self._held > self.budget and len(self._kept) > 1:
                self._spill()

    def discard(self, customer_id: str) -> None:
        with self._lock:
            old = self._kept.pop(customer_id, None)
            if old is not None:
                self._held -= old[1]
            self._spilled.discard(customer_id)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._held = 0
            self._spilled.clear()
            if self._disk is not None:
                with self._disk:
                    self._disk.execute("DELETE FROM states")

    def _spill(self) -> None:
        """Write the least recently used states to disk until the rest fit in 90% of the budget (a run of states
        is written in one transaction); the most recent state always stays."""
        rows = []
        while self._held > self.budget * 9 // 10 and len(self._kept) > 1:
            customer_id, (state, size) = self._kept.popitem(last=False)
            self._held -= size
            self._spilled.add(customer_id)
            rows.append((customer_id, pickle.dumps(state, pickle.HIGHEST_PROTOCOL)))
        if self._disk is None:
            self._disk = sqlite3.connect("", check_same_thread=False)  # "": a private temporary file
            self._disk.execute("CREATE TABLE states (customer TEXT PRIMARY KEY, state BLOB NOT NULL)")
        with self._disk:
            self._disk.executemany("INSERT OR REPLACE INTO states VALUES (?, ?)", rows)
        self.spills += len(rows)
