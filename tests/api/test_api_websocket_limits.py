"""Limits over graphql-transport-ws (issue 11, item 4), with a real socket client against `dtc serve`: each `subscribe`
message is a request against the key's rate, and a key's open sockets and running operations are capped."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from api_client import Serve
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from graph.store import GraphStore

KEYS = "k1-secret:analyst,k2-secret:analyst"
WATCH = 'subscription { interactionRecorded(customerId: "sydney") { id } }'


@contextmanager
def socket(url: str, key: str) -> Iterator[ClientConnection]:
    with connect(url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=30) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}))
        yield ws


def acked(ws: ClientConnection) -> bool:
    try:
        return bool(json.loads(ws.recv(timeout=10))["type"] == "connection_ack")
    except ConnectionClosed:
        return False


def subscribe(ws: ClientConnection, operation_id: str, query: str) -> None:
    ws.send(json.dumps({"type": "subscribe", "id": operation_id, "payload": {"query": query}}))


def active_subscriptions(url: str) -> int:
    request = urllib.request.Request(url + "/metrics", headers={"Authorization": "Bearer k2-secret"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        line = next(x for x in answer.read().decode().splitlines() if x.startswith("dtc_subscriptions_active "))
    return int(line.split()[1])


def until(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_each_subscribe_message_counts_against_the_key_rate(sydney: GraphStore, serve: Serve) -> None:
    url = serve(DTC_API_KEYS=KEYS, DTC_API_RATE="2", DTC_API_BURST="2")
    sent = 20
    with socket(url, "k1-secret") as ws:
        assert acked(ws)
        started = time.monotonic()
        for i in range(sent):
            subscribe(ws, f"q{i}", "{ personas { code } }")
        outcomes: dict[str, str] = {}
        while len(outcomes) < sent:
            message = json.loads(ws.recv(timeout=20))
            if message["type"] == "next":
                outcomes[message["id"]] = "answered"
            elif message["type"] == "error":
                assert message["payload"][0]["extensions"]["code"] == "RATE_LIMITED", message
                assert message["payload"][0]["extensions"]["retryAfter"] >= 1
                outcomes[message["id"]] = "refused"
        elapsed = time.monotonic() - started
    answered = sum(1 for o in outcomes.values() if o == "answered")
    assert 2 <= answered <= 2 + 2 * elapsed + 1, (answered, elapsed)  # the burst, then 2 per second
    assert sent - answered >= 10
    # the same budget as HTTP: the key has spent it there too
    request = urllib.request.Request(url + "/graphql", data=b'{"query": "{ personas { code } }"}', headers={
        "Content-Type": "application/json", "Authorization": "Bearer k1-secret"})
    with pytest.raises(urllib.error.HTTPError) as limited:
        for _ in range(5):
            urllib.request.urlopen(request, timeout=10)
    assert limited.value.code == 429


def test_open_sockets_and_running_operations_are_capped_per_key(sydney: GraphStore, serve: Serve) -> None:
    url = serve(DTC_API_KEYS=KEYS, DTC_API_RATE="0", DTC_API_MAX_SOCKETS="2", DTC_API_MAX_SUBSCRIPTIONS="3")
    with socket(url, "k1-secret") as first, socket(url, "k1-secret") as second:
        assert acked(first) and acked(second)
        with socket(url, "k1-secret") as third:
            acked(third)  # acknowledged, then closed: the key is at its cap
            with pytest.raises(ConnectionClosed) as closed:
                third.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
            assert "WebSockets open already" in closed.value.rcvd.reason
        with socket(url, "k2-secret") as other:
            assert acked(other)  # another key has its own caps
        for i in range(3):
            subscribe(first if i < 2 else second, f"s{i}", WATCH)
        until(lambda: active_subscriptions(url) == 3)
        subscribe(second, "s3", WATCH)
        refused = json.loads(second.recv(timeout=10))
        assert refused["type"] == "error" and refused["id"] == "s3"
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "runs 3 operations" in refused["payload"][0]["message"]
        first.send(json.dumps({"type": "complete", "id": "s0"}))
        until(lambda: active_subscriptions(url) == 2)
        subscribe(second, "s4", WATCH)
        until(lambda: active_subscriptions(url) == 3)
    until(lambda: active_subscriptions(url) == 0)
    with socket(url, "k1-secret") as again:
        assert acked(again)  # closed sockets gave their places back
