"""The `worker` fixture's handle (conftest.py): a real stream worker running in a thread of the test process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ingest.stream import EventStream, WorkerThread


@dataclass(frozen=True)
class RunningWorker:
    """A real stream worker (ingest.stream.run_worker) in a thread, over the test's store and stream."""

    thread: WorkerThread
    stream: EventStream

    def drain(self, timeout_s: float = 120.0) -> None:
        """Return once everything queued so far is applied (an entry leaves the stream after its write committed);
        the bound is generous: it only turns a stuck worker into a failure instead of a hang."""
        deadline = time.monotonic() + timeout_s
        while self.stream.length():
            assert self.thread.is_alive(), f"the worker stopped: {self.thread.failed}"
            assert time.monotonic() < deadline, f"the worker left {self.stream.length()} entries for {timeout_s} s"
            time.sleep(0.02)
