"""The store port logs a call that holds the store for more than SLOW_CALL_S: one WARNING naming the query and how
long it took (docs/operations.md), kept in `GraphStore.slow_calls` for the background-job benchmark."""

from __future__ import annotations

import logging

import pytest

from graph.falkordb_store import FalkorDBStore
from graph.store import SLOW_CALL_S, GraphStore


def test_a_call_over_a_second_is_one_warning_naming_the_query(store: GraphStore,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    if not isinstance(store, FalkorDBStore):
        pytest.skip("the server is paused with a Redis command")
    caplog.set_level(logging.WARNING, logger="dtc.store.slow")
    store.run("any-customer")  # a quick call logs nothing
    assert not caplog.records and not store.slow_calls
    # the server answers late: 3 times the limit, since the call below measures only what is left of the pause
    # when it starts, and on a busy machine this process may run a few hundred ms late in between (1.5 s left 0.1 s)
    store.redis().execute_command("CLIENT", "PAUSE", int(SLOW_CALL_S * 3000), "ALL")
    store.run("any-customer")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "read any-customer took" in warnings[0], warnings
    assert [(c.name, c.mode) for c in store.slow_calls] == [("any-customer", "read")]
    assert store.slow_calls[0].seconds >= SLOW_CALL_S * 1.4
