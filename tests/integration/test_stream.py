"""The live stream on the embedded server's Redis: accept, apply with a worker, claim a dead worker's entries,
publish what was applied, show a posted event in the graph within a second, and never stall (issue 11, item 10): an
entry the worker cannot apply is delivered 3 times, then moves to the dead letters with its reason while the entries
behind it are applied; `dtc deadletters list|replay|drop` manages them, and a replay checks the suppression list."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from dtc_process import run_dtc

from graph.keys import identity_key
from graph.privacy import customer_ref
from graph.settings import Settings
from graph.store import GraphStore
from graph.suppression import suppress
from ingest.deadletters import MAX_DELIVERIES, buried_fields
from ingest.reasons import reject_code
from ingest.stream import GROUP, EventStream, WorkerThread, accept_events, applied_channel, run_worker


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
    deadline = time.monotonic() + 60  # published before run_worker returned: the bound only catches a lost message
    while time.monotonic() < deadline and not messages:
        message = listener.get_message(timeout=0.2)
        if message and message["type"] == "message":
            messages.append(json.loads(message["data"]))
    assert messages, "nothing was published on the applied channel"
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
        wait_until_blocked_on_the_stream(stream)  # measured from a waiting worker, not from the thread's start
        posted = time.monotonic()
        accept_events(json.dumps(event("live")).encode(), "application/json", stream)
        while not interactions(store) and time.monotonic() - posted < 5:
            time.sleep(0.02)
        assert interactions(store) == ["live"]
        # DESIGN.md's bound for a posted event (measured 0.02-0.06 s at load 4-6 on 2 cores)
        assert time.monotonic() - posted < 1.0
    finally:
        stop.set()
        worker.join(timeout=5)
    info = stream.client.xinfo_groups(stream.key)
    assert [g["name"] for g in info] in ([GROUP], [GROUP.encode()])


def wait_until_blocked_on_the_stream(stream: EventStream, timeout_s: float = 120) -> None:
    """Return once a worker of this stream has read it and waits in XREADGROUP (a fixed sleep was too short for a
    thread starting on a busy machine); the bound only turns a worker that never reads into a failure, not a hang."""
    deadline = time.monotonic() + timeout_s
    while not (_has_read(stream) and any(c["cmd"] == "xreadgroup" and "b" in c["flags"]
                                         for c in stream.client.client_list())):
        assert time.monotonic() < deadline, f"no worker waited on the stream within {timeout_s} s"
        time.sleep(0.02)


def _has_read(stream: EventStream) -> bool:
    """A consumer of the stream's group exists once a worker has read (other tests' workers read other streams)."""
    try:
        return bool(stream.client.xinfo_consumers(stream.key, GROUP))
    except redis.ResponseError:  # no group yet
        return False


def test_a_store_without_redis_names_the_setting() -> None:
    from graph.errors import ConfigError
    from ingest.stream import stream_redis_url

    class NoRedis:
        def redis_url(self) -> None:
            return None

    with pytest.raises(ConfigError, match="DTC_REDIS_URL"):
        stream_redis_url(NoRedis())  # type: ignore[arg-type]


def raw_entry(stream: EventStream, event_text: str) -> str:
    """An entry as an older producer or another tool may have queued it: past the door's validation."""
    entry_id = stream.client.xadd(stream.key, {"event": event_text})
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def test_an_entry_that_cannot_be_applied_is_a_dead_letter_after_3_deliveries_and_the_rest_go_on(
        store: GraphStore, store_env: dict[str, str], stream: EventStream) -> None:
    raw_entry(stream, json.dumps(event("a", 1)))
    nul = raw_entry(stream, json.dumps(event("nul", 2, text="broken \x00 here")))
    broken = raw_entry(stream, '{"event_id": "half", ')
    raw_entry(stream, json.dumps(event("b", 3)))

    result = run_dtc("worker", "--once", env=store_env)

    assert result.returncode == 0, result.stderr
    assert interactions(store) == ["a", "b"]
    assert stream.length() == 0 and stream.pending() == 0
    letters = stream.dead_letters.list()
    assert [(x.entry_id, reject_code(x.reason), x.deliveries) for x in letters] == [
        (nul, "invalid_character", MAX_DELIVERIES), (broken, "malformed_json", MAX_DELIVERIES)]
    assert "text" in letters[0].reason  # names the field
    assert letters[0].event is not None and letters[0].event["text"] == "broken \x00 here"  # kept as it came
    assert result.stdout.count("moved to the dead letters after 3 deliveries") == 2
    again = run_dtc("worker", "--once", env=store_env)  # a restarted worker does not stall on them
    assert again.returncode == 0, again.stderr
    assert stream.dead_letters.count() == 2 and interactions(store) == ["a", "b"]


def test_dtc_deadletters_lists_replays_and_drops_and_a_replay_skips_the_erased(
        store: GraphStore, settings: Settings, store_env: dict[str, str], stream: EventStream) -> None:
    key = identity_key(settings)
    suppress(store, customer_ref("sydney", key), ["sydney"], [], key)
    letters = stream.dead_letters
    for entry_id, value, reason in [
            ("1-1", event("refused", 1), "store_refused: the store was out of memory then"),
            ("1-2", event("erased", 2, customer_id="sydney"), "store_refused: the store was out of memory then"),
            ("1-3", {**event("bad", 3), "csat": 9}, "out_of_range: csat 9 is outside 1..5")]:
        stream.client.xadd(letters.key, buried_fields({"event": json.dumps(value)}, entry_id, reason, 3))
    ids = [x.id for x in letters.list()]

    table = run_dtc("deadletters", "list", env=store_env)
    assert table.returncode == 0, table.stderr
    assert all(i in table.stdout for i in ids) and "out_of_range" in table.stdout and "store_refused" in table.stdout
    listed = run_dtc("deadletters", "list", "--json", env=store_env)
    assert [(x["entry_id"], x["event"]["event_id"]) for x in json.loads(listed.stdout)] == [
        ("1-1", "refused"), ("1-2", "erased"), ("1-3", "bad")]
    usage = run_dtc("deadletters", "replay", env=store_env)
    assert usage.returncode == 2 and "--all" in usage.stderr

    replay = run_dtc("deadletters", "replay", "--all", env=store_env)

    assert replay.returncode == 0, replay.stderr
    assert "replayed 1, suppressed 1, kept 1 that are still invalid" in replay.stdout
    assert ids[2] in replay.stdout and "csat 9" in replay.stdout
    assert [x.id for x in letters.list()] == [ids[2]]  # the invalid one stays; the erased person's is gone
    worker = run_dtc("worker", "--once", env=store_env)
    assert worker.returncode == 0, worker.stderr
    assert interactions(store) == ["refused"]
    dropped = run_dtc("deadletters", "drop", ids[2], env=store_env)
    assert dropped.returncode == 0 and "dropped 1" in dropped.stdout
    assert letters.count() == 0


def test_dead_letters_of_segment_profile_records_are_listed_and_replayed_by_their_kind(
        store: GraphStore, store_env: dict[str, str], stream: EventStream) -> None:
    letters = stream.dead_letters
    customer = {"customer_id": "u-9", "ts": "2024-05-01T10:00:00.000Z", "attributes": {"plan": "pro"}}
    membership = {"customer_id": "u-9", "account_id": "acme", "since": "2024-05-01T10:00:00.000Z",
                  "traits": {"name": "Acme"}}
    for entry_id, kind, value in [("1-1", "customer", customer), ("1-2", "membership", membership)]:
        stream.client.xadd(letters.key, buried_fields({kind: json.dumps(value)}, entry_id,
                                                      "store_refused: the store was out of memory then", 3))

    listed = run_dtc("deadletters", "list", "--json", env=store_env)
    assert listed.returncode == 0, listed.stderr
    assert [(x["kind"], x[x["kind"]]) for x in json.loads(listed.stdout)] == [
        ("customer", customer), ("membership", membership)]
    replay = run_dtc("deadletters", "replay", "--all", env=store_env)
    assert replay.returncode == 0, replay.stderr
    assert "replayed 2, suppressed 0" in replay.stdout and letters.count() == 0
    worker = run_dtc("worker", "--once", env=store_env)
    assert worker.returncode == 0, worker.stderr
    assert store.read("MATCH (c:Customer {id: 'u-9'})-[:MEMBER_OF]->(a:Account) RETURN c.attributes AS attributes, "
                      "a.id AS account") == [{"attributes": '{"plan": "pro"}', "account": "acme"}]


def test_events_posted_again_are_duplicates_whatever_the_worker_remembers(store: GraphStore, settings: Settings,
                                                                          stream: EventStream) -> None:
    # two journeys (40 days apart); then the first event again, to a worker that knows nothing and to one that
    # applied the originals: an event already in the graph is a duplicate, never a worker that stops
    first = [{**event("a", 0), "ts": "2024-03-01T10:00:00Z"}, {**event("b", 1), "ts": "2024-03-01T10:05:00Z"},
             {**event("c", 2), "ts": "2024-04-20T10:00:00Z"}]
    accept_events(json.dumps(first).encode(), "application/json", stream)
    assert run_worker(store, settings, once=True).applied == 3
    accept_events(json.dumps(first[:1]).encode(), "application/json", stream)
    report = run_worker(store, settings, once=True)
    assert (report.applied, report.duplicates) == (0, 1)
    thread = WorkerThread(store, settings, block_ms=50)
    thread.start()
    try:
        accept_events(json.dumps(first).encode(), "application/json", stream)
        deadline = time.monotonic() + 60
        while stream.length() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        accept_events(json.dumps(first[1:2]).encode(), "application/json", stream)
        while stream.length() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        # the same event ids at another time (a client that resends with a corrected clock, as the Segment time
        # rule gives every resend): still the same events, the latest one included
        later = [{**e, "ts": e["ts"].replace(":00Z", ":00.500Z")} for e in (first[0], first[2])]
        accept_events(json.dumps(later[1:]).encode(), "application/json", stream)
        while stream.length() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        accept_events(json.dumps(later).encode(), "application/json", stream)
        while stream.length() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        thread.stop()
    assert thread.failed is None, thread.failed
    assert interactions(store) == ["a", "b", "c"]


def test_an_entry_the_worker_fails_on_alone_is_a_dead_letter_and_the_batch_around_it_is_applied(
        store: GraphStore, settings: Settings, stream: EventStream, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever error a record raises in the writer (here a bug injected for one event), the worker neither exits
    nor stalls: the batch is applied entry by entry, and the one that fails alone becomes a dead letter."""
    from ingest.sink import EventSink

    real_apply = EventSink.apply

    def buggy(self: EventSink, events: Any, *args: Any, **kwargs: Any) -> Any:
        if any(e.event_id == "poison" for e in events):
            raise RuntimeError("an unforeseen bug")
        return real_apply(self, events, *args, **kwargs)

    monkeypatch.setattr(EventSink, "apply", buggy)
    accept_events(json.dumps([event("a", 1), event("poison", 2), event("b", 3)]).encode(), "application/json", stream)

    report = run_worker(store, settings, once=True)

    assert interactions(store) == ["a", "b"] and report.dead_letters == 1
    [letter] = stream.dead_letters.list()
    assert letter.reason == "apply_failed: RuntimeError: an unforeseen bug" and letter.deliveries == MAX_DELIVERIES
    assert stream.length() == 0 and stream.pending() == 0
