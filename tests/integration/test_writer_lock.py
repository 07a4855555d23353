"""The writers' lock (graph.writer_lock) after a release that never reached the server."""

from __future__ import annotations

import threading

import pytest

from graph.settings import Settings
from graph.store import GraphStore
from graph.writer_lock import writer_lock


def test_a_writer_whose_release_failed_takes_its_own_lock_back(store: GraphStore, store_settings: Settings) -> None:
    """A worker whose release timed out (the server stopped answering for a while) kept waiting for its own lock
    until its 10-minute time to live ran out, applying nothing: it takes it back, and others still wait."""
    lock = writer_lock(store, store_settings)
    if lock.client is None:
        pytest.skip("no Redis beside this store: writers do not coordinate")
    lock.take()  # and its give_back never reached the server: the lock is still held with this writer's token
    again = threading.Thread(target=lock.take, daemon=True)
    again.start()
    again.join(30)  # generous: only turns a writer waiting for itself into a failure instead of a hang
    assert not again.is_alive(), "the writer waits for the lock it holds itself"
    other = writer_lock(store, store_settings)
    assert other.client is not None and not other.client.set(other.lock_key, other.token, nx=True)  # still held
    lock.give_back()
    assert other.client.set(other.lock_key, other.token, nx=True)
    other.client.delete(other.lock_key)
