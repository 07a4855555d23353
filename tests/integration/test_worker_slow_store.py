"""The worker survives a slow store (issue 11, item 11): a Redis that does not answer within the worker's timeout
(`CLIENT PAUSE`) or drops its connections (`CLIENT KILL`) is retried with backoff, one log line per retry, and the
worker never exits for it: what is queued afterwards is applied. A real `dtc worker` on the embedded server."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable

import pytest
import redis
from dtc_process import finish, start_dtc

from graph.settings import Settings
from graph.store import GraphStore
from ingest.stream import WORKER_CLIENT_NAME, EventStream, accept_events, stream_redis_url

PAUSE_MS = 3500  # over 3 times the worker's 1 s timeout: at least 2 retries
PATIENCE_S = 120  # for the worker to apply an event on a busy machine


def event(event_id: str, minute: int) -> bytes:
    return json.dumps({"event_id": event_id, "customer_id": "ann", "ts": f"2024-05-01T10:{minute:02d}:00Z",
                       "channel": "web", "touchpoint": "checkout", "type": "view"}).encode()


def wait_for(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not done():
        assert time.monotonic() < deadline, f"waited {PATIENCE_S} s for {what}"
        time.sleep(0.05)


def test_the_worker_waits_out_a_paused_or_lost_store_one_line_per_retry_and_never_exits(
        store: GraphStore, store_settings: Settings, store_env: dict[str, str]) -> None:
    if store.engine != "falkordb":
        pytest.skip("pauses the embedded server's Redis, which carries the stream and the graph")
    stream = EventStream.connect(store, store_settings)
    admin = redis.Redis.from_url(stream_redis_url(store), decode_responses=True)

    def applied(event_id: str) -> bool:
        return bool(store.read("MATCH (i:Interaction {id: $id}) RETURN i.id AS id", {"id": event_id}))

    worker = start_dtc("worker", "--timeout-s", "1", "--block-ms", "100", env=store_env)
    try:
        assert "reading" in (worker.stdout.readline() if worker.stdout else "")
        accept_events(event("before", 1), "application/json", stream)
        wait_for(lambda: applied("before"), "the first event")

        admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "ALL")  # a store that answers nothing for 3.5 s
        time.sleep(PAUSE_MS / 1000)  # the pause is the condition under test, not a wait for a result
        accept_events(event("after-pause", 2), "application/json", stream)
        wait_for(lambda: applied("after-pause"), "the event queued after the pause")

        def kill_while_blocked() -> bool:
            """Kill the worker's connection while it waits on it in XREADGROUP (flag b): one it finds closed between
            two commands, redis-py connects again silently."""
            blocked = [c["id"] for c in admin.client_list() if c["name"] == WORKER_CLIENT_NAME and "b" in c["flags"]]
            for client_id in blocked:
                admin.client_kill_filter(_id=client_id)
            return bool(blocked)

        for _ in range(3):  # a lost connection, three times
            wait_for(kill_while_blocked, "the worker waiting on the stream")
        accept_events(event("after-kill", 3), "application/json", stream)
        wait_for(lambda: applied("after-kill"), "the event queued after the connection was lost")
        assert worker.poll() is None, "the worker exited"
    finally:
        admin.close()
        worker.send_signal(signal.SIGINT)
        result = finish(worker, timeout=60)
    retries = [line for line in result.stdout.splitlines() if "the store did not answer" in line]
    assert len(retries) >= 2, result.stdout + result.stderr
    assert [f"retry {n} in" in line for n, line in enumerate(retries, 1)] == [True] * len(retries)
    assert any("TimeoutError" in line for line in retries) and any("ConnectionError" in line for line in retries)
    assert "Traceback" not in result.stderr, result.stderr
