"""The live stream on the embedded server's Redis: accept, apply with a worker, claim a dead worker's entries,
publish what was applied, and show a posted event in the graph within a second."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from graph.settings import Settings
from graph.store import GraphStore
from ingest.stream import GROUP, EventStream, accept_events, applied_channel, run_worker


@pytest.fixture
def settings(store_settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(store_settings, state_dir_override=str(tmp_path / "state"))


@pytest.fixture
def stream(store: GraphStore, settings: Settings) -> EventStream:
    return EventStream.connect(store, settings)


def event(event_id: str, minute: int = 0, **more: Any) -> dict[str, Any]:
    return {"event_id": event_id, "customer_id": "ann", "ts": f"2024-05-01T10:{minute:02d}:00Z", "channel": "web",
            "touchpoint": "checkout", "type": "view", **more}


def interactions(store: GraphStore) -> list[str]:
    return [r["id"] for r in store.read("MATCH (i:Interaction) RETURN i.id AS id ORDER BY id")]


def test_objects_arrays_and_ndjson_are_validated_and_appended(stream: EventStream) -> None:
    one = accept_events(json.dumps(event("a")).encode(), "application/json", stream)
    assert (one.accepted, one.rejected) == (1, 0)
    many = accept_events(json.dumps([event("b"), event("c", csat=9)]).encode(), "application/json", stream)
    assert (many.accepted, many.rejected) == (1, 1)
    assert many.errors == [{"row": 2, "event_id": "c", "errors": ["out_of_range: csat 9 is outside 1..5"]}]
    lines = "\n".join([json.dumps(event("d")), "{broken", json.dumps(event("e"))]).encode()
    ndjson = accept_events(lines, "application/x-ndjson", stream)
    assert (ndjson.accepted, ndjson.rejected) == (2, 1)
    assert ndjson.errors[0]["row"] == 2 and ndjson.errors[0]["errors"][0].startswith("malformed_json: malformed JSON")
    assert stream.length() == 4
    assert ndjson.to_json() == {"accepted": 2, "rejected": 1, "suppressed": 0, "errors": ndjson.errors}


def test_the_worker_applies_acknowledges_and_publishes(store: GraphStore, settings: Settings,
                                                       stream: EventStream) -> None:
    listener = stream.client.pubsub()  # type: ignore[no-untyped-call]
    listener.subscribe(applied_channel(settings.graph_name))
    accept_events(json.dumps([event("a", 0), event("b", 5, friction=["slow"]), event("a", 0)]).encode(),
                  "application/json", stream)
    report = run_worker(store, settings, once=True)
    assert (report.applied, report.duplicates) == (2, 1)
    assert interactions(store) == ["a", "b"]
    assert stream.pending() == 0 and stream.length() == 0
    assert store.read("MATCH (:Interaction {id: 'a'})-[:NEXT]->(b:Interaction) RETURN b.id AS b") == [{"b": "b"}]
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not messages:
        message = listener.get_message(timeout=0.2)
        if message and message["type"] == "message":
            messages.append(json.loads(message["data"]))
    assert [(i["id"], i["frictions"]) for i in messages[0]["interactions"]] == [("a", []), ("b", ["slow"])]
    listener.close()


def test_a_dead_workers_entries_are_claimed_and_applied(store: GraphStore, settings: Settings,
                                                        stream: EventStream) -> None:
    accept_events(json.dumps([event("x", 1), event("y", 2)]).encode(), "application/json", stream)
    stream.ensure_group()
    taken = stream.read("doomed", 10, None)  # a worker took them, then died before applying
    assert [e.event.event_id for e in taken if e.event] == ["x", "y"] and stream.pending() == 2
    report = run_worker(store, settings, consumer="heir", claim_idle_ms=0, once=True)
    assert report.claimed == 2 and report.applied == 2
    assert interactions(store) == ["x", "y"] and stream.pending() == 0
    # applying the same events again (at-least-once delivery) changes nothing
    before = store.stats()
    accept_events(json.dumps([event("x", 1), event("y", 2)]).encode(), "application/json", stream)
    again = run_worker(store, settings, once=True)
    assert (again.applied, again.duplicates) == (0, 2) and store.stats() == before


def test_a_posted_event_is_in_the_graph_within_a_second(store: GraphStore, settings: Settings,
                                                        stream: EventStream) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(store, settings),
                              kwargs={"stop": stop, "block_ms": 100}, daemon=True)
    worker.start()
    try:
        time.sleep(0.3)  # the worker is waiting on the stream
        posted = time.monotonic()
        accept_events(json.dumps(event("live")).encode(), "application/json", stream)
        while not interactions(store) and time.monotonic() - posted < 5:
            time.sleep(0.02)
        assert interactions(store) == ["live"]
        assert time.monotonic() - posted < 1.0
    finally:
        stop.set()
        worker.join(timeout=5)
    info = stream.client.xinfo_groups(stream.key)
    assert [g["name"] for g in info] in ([GROUP], [GROUP.encode()])


def test_a_store_without_redis_names_the_setting() -> None:
    from graph.errors import ConfigError
    from ingest.stream import stream_redis_url

    class NoRedis:
        def redis_url(self) -> None:
            return None

    with pytest.raises(ConfigError, match="DTC_REDIS_URL"):
        stream_redis_url(NoRedis())  # type: ignore[arg-type]
