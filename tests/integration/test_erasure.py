"""The right to erasure: ERASE leaves no trace of a person in the graph, the stream, rejects or checkpoints;
ANONYMIZE keeps the answers identical under a pseudonym; both are idempotent, audited and durable."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sydney_traces import dump, traces

from graph.analytics.friction import friction_to_competitors
from graph.privacy import audit_log, customer_ref, export_customer
from graph.settings import Settings
from graph.store import GraphStore, open_store
from ingest.deadletters import buried_fields, dead_letter_key
from ingest.erasure import erase_everywhere
from ingest.identity import refs
from ingest.stream import stream_key, stream_redis_url

KEY = b"test-identity-key"


def long_wait(store: GraphStore) -> list[tuple[int, int, Any]]:
    return [(r["exposed"], r["switched"], r["competitors"]) for r in friction_to_competitors(store, "trend-seeker")
            if r["friction"] == "long_wait"]


def test_erase_leaves_no_trace_in_the_graph_and_keeps_alex_answer(sydney_twin: GraphStore,
                                                                  store_settings: Settings) -> None:
    assert traces(dump(sydney_twin))  # the test data does hold her before
    before = long_wait(sydney_twin)
    assert before == [(1, 1, [{"competitor": "glamco", "count": 1}])]

    report = erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    # Customer, identity, 5 interactions, 1 journey, 2 consents
    assert (report["nodesDeleted"], report["propertiesScrubbed"]) == (10, 0)
    assert traces(dump(sydney_twin)) == []
    assert long_wait(sydney_twin) == before
    assert sydney_twin.read("MATCH (c:Customer) RETURN c.id AS id ORDER BY id") == [{"id": "alex"}]


def test_erase_is_idempotent_and_audited_without_personal_data(sydney_twin: GraphStore,
                                                                store_settings: Settings) -> None:
    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")
    stats = sydney_twin.stats()
    again = erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    assert (again["nodesDeleted"], again["propertiesScrubbed"]) == (0, 0)
    assert {k: v for k, v in sydney_twin.stats()["nodes"].items() if k != "AuditEntry"} == \
        {k: v for k, v in stats["nodes"].items() if k != "AuditEntry"}
    entries = audit_log(sydney_twin, action="erase")
    assert [(e["actor"], e["subject"]) for e in entries] == [("test:dpo", customer_ref("sydney", KEY))] * 2
    assert "found=true" in entries[0]["detail"] and "found=false" in entries[1]["detail"]
    assert traces(json.dumps(entries)) == []


def test_export_after_erasure_is_empty_and_both_are_in_the_audit_trail(sydney_twin: GraphStore,
                                                                       store_settings: Settings) -> None:
    assert export_customer(sydney_twin, "sydney", actor="test:dpo", subject_key=KEY)["pii"]["email"] == \
        "sydney@example.com"
    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    assert export_customer(sydney_twin, "sydney", actor="test:dpo", subject_key=KEY) == {}
    trail = audit_log(sydney_twin)
    assert [e["action"] for e in trail] == ["export", "erase", "export"]
    assert traces(json.dumps(trail)) == []


def test_anonymize_keeps_every_answer_and_forgets_the_person(sydney_twin: GraphStore,
                                                             store_settings: Settings) -> None:
    before = friction_to_competitors(sydney_twin, "trend-seeker")
    assert {r["friction"] for r in before} == {"long_wait", "cant_find_product", "colour_mismatch"}

    report = erase_everywhere(sydney_twin, store_settings, "sydney", "ANONYMIZE", actor="test:dpo")

    assert friction_to_competitors(sydney_twin, "trend-seeker") == before
    assert report["nodesDeleted"] == 1  # her hashed email identity
    assert traces(dump(sydney_twin)) == []
    assert export_customer(sydney_twin, "sydney", actor="test:dpo", subject_key=KEY) == {}
    [pseudonym] = sydney_twin.read("MATCH (c:Customer {anonymized: true}) RETURN properties(c) AS c")
    # no pii_*, no attributes; `refused` stays with the consents, so her refusals keep steering processing; her live
    # state (codes, and the pseudonymous id of her latest triggering event) stays, so the answers stay the same
    live_state = {"stage", "stage_reason", "latest_trigger", "latest_outcome", "latest_trigger_ts",
                  "latest_trigger_event"}
    assert sorted(set(pseudonym["c"]) - live_state) == ["anonymized", "created_ts", "id", "refused", "updated_ts"]
    assert pseudonym["c"]["latest_trigger_event"].startswith("pseudo-")
    assert pseudonym["c"]["refused"] == ["marketing"]
    who = pseudonym["c"]["id"]
    shape = sydney_twin.read(
        "MATCH (c:Customer {id: $id})-[:PERFORMED]->(i:Interaction) "
        "RETURN count(i) AS n, collect(DISTINCT i.customer_id) AS owners, collect(DISTINCT i.journey_id) AS journeys, "
        "sum(CASE WHEN i.text IS NULL THEN 0 ELSE 1 END) AS texts", {"id": who})[0]
    assert (shape["n"], shape["owners"], shape["texts"]) == (5, [who], 0)
    assert [j.split(":")[0] for j in shape["journeys"]] == [who]
    kept = sydney_twin.read("MATCH (:Customer {id: $id})-[:GAVE]->(k:Consent) RETURN k.id AS id, k.purpose AS p "
                            "ORDER BY p", {"id": who})
    assert [(r["id"].split(":")[0], r["p"]) for r in kept] == [(who, "marketing"), (who, "personalization")]

    again = erase_everywhere(sydney_twin, store_settings, "sydney", "ANONYMIZE", actor="test:dpo")
    assert (again["nodesDeleted"], again["propertiesScrubbed"]) == (0, 0)
    assert friction_to_competitors(sydney_twin, "trend-seeker") == before


def test_embeddings_of_her_texts_go_and_shared_ones_stay(sydney_twin: GraphStore, store_settings: Settings) -> None:
    sydney_twin.write("MATCH (i:Interaction {id: 'e4'}) "
                      "CREATE (:Embedding {hash: 'only-hers', model: 'm'})-[:EMBEDS]->(i)")
    sydney_twin.write("MATCH (a:Interaction {id: 'e5'}), (b:Interaction {id: 'e7'}) "
                      "CREATE (a)<-[:EMBEDS]-(:Embedding {hash: 'shared', model: 'm'})-[:EMBEDS]->(b)")

    report = erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    assert report["nodesDeleted"] == 11
    left = sydney_twin.read("MATCH (e:Embedding) OPTIONAL MATCH (e)-[:EMBEDS]->(i) "
                            "RETURN e.hash AS hash, collect(i.id) AS targets")
    assert left == [{"hash": "shared", "targets": ["e7"]}]


def test_customers_merged_into_her_are_erased_too(sydney_twin: GraphStore, store_settings: Settings) -> None:
    sydney_twin.write("CREATE (:Customer {id: 'anon-email-123', merged_into: 'sydney', pii_email: 'syd@uni.example'})")

    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    assert "syd@uni.example" not in dump(sydney_twin)
    assert sydney_twin.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "alex"}]


def test_erase_scrubs_the_stream_rejects_and_checkpoints(sydney_twin: GraphStore, store_settings: Settings) -> None:
    stream = stream_key(store_settings.graph_name)
    redis = Redis.from_url(stream_redis_url(sydney_twin), decode_responses=True)
    hers_by_email = {"event_id": "e8", "identities": {"email": " Sydney@Example.com "}, "ts": "2024-04-01T10:00:00Z",
                     "channel": "web", "touchpoint": "checkout", "type": "purchase"}
    hers_by_id = {"event_id": "e9", "customer_id": "sydney", "ts": "2024-04-02T10:00:00Z", "channel": "web",
                  "touchpoint": "checkout", "type": "view"}
    alex_quoting_her = {"event_id": "e10", "customer_id": "alex", "ts": "2024-04-03T10:00:00Z", "channel": "web",
                        "touchpoint": "checkout", "type": "feedback", "text": "I met Sydney at the salon."}
    [phone] = refs(KEY, {"phone": "+61 400 123 456"})  # an identity the graph knows only hashed
    sydney_twin.write("MATCH (c:Customer {id: 'sydney'}) CREATE (:Identity {key: $key, kind: 'phone', hash: $hash})"
                      "-[:IDENTIFIES]->(c)", {"key": phone.key, "hash": phone.hash})
    hers_by_phone = {"event_id": "e12", "identities": {"phone": "+61 (400) 123-456"}, "ts": "2024-04-04T10:00:00Z",
                     "channel": "web", "touchpoint": "checkout", "type": "view"}
    for event in (hers_by_email, hers_by_id, alex_quoting_her, hers_by_phone):
        redis.xadd(stream, {"event": json.dumps(event)})
    dead_letters = dead_letter_key(store_settings.graph_name)
    for n, text in enumerate([json.dumps({**hers_by_id, "csat": 9}), '{"event_id": "e11", sydney@example.com',
                              json.dumps({**alex_quoting_her, "csat": 0})]):
        redis.xadd(dead_letters, buried_fields({"event": text}, f"1-{n}", "out_of_range: csat", 3))
    state = store_settings.state_dir
    (state / "checkpoints").mkdir(parents=True, exist_ok=True)
    rejects = state / "events.rejects.jsonl"
    rejects.write_text("\n".join(json.dumps(r) for r in [
        {"file": "events.jsonl", "line": 3, "reason": "csat 9 is outside 1..5",
         "text": json.dumps({**hers_by_id, "csat": 9})},
        {"file": "events.jsonl", "line": 4, "reason": "not JSON", "text": "{\"event_id\": \"e11\", sydney@example.com"},
        {"file": "events.jsonl", "line": 5, "reason": "csat 0 is outside 1..5",
         "text": json.dumps({**alex_quoting_her, "csat": 0})},
    ]) + "\n")
    (state / "rejects-files.txt").write_text(f"{rejects}\n{state / 'gone.jsonl'}\n")
    offsets = state / "checkpoints" / "events.json"
    offsets.write_text(json.dumps({"file": "events.jsonl", "line": 7, "sha256": "ab12"}))
    pending = state / "checkpoints" / "pending.json"
    pending.write_text(json.dumps({"file": "events.jsonl", "pending": [hers_by_email, alex_quoting_her]}))

    report = erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    entries: list[Any] = redis.xrange(stream) or []
    letters: list[Any] = redis.xrange(dead_letters) or []
    redis.close()
    left = [json.loads(fields["event"])["event_id"] for _, fields in entries]
    assert left == ["e10"]
    assert [fields["entry_id"] for _, fields in letters] == ["1-2"]  # Alex's, though it quotes her
    assert [json.loads(line)["line"] for line in rejects.read_text().splitlines()] == [5]
    assert json.loads(offsets.read_text())["line"] == 7  # no event data: untouched
    assert json.loads(pending.read_text())["pending"] == [alex_quoting_her]
    assert report["elsewhere"] == {"streamEntriesDeleted": 3, "rejectRowsRemoved": 2, "checkpointFilesChanged": 1,
                                   "deadLettersDeleted": 2}
    [entry] = audit_log(sydney_twin, action="erase")
    assert "streamEntriesDeleted=3" in entry["detail"]


def test_erasure_survives_a_crash_right_after_it_answers(tmp_path: Path, examples: Path) -> None:
    """SIGKILL the embedded server the moment erase returns: the erasure is on disk, and after the append-only file
    is rewritten no file of the server holds her email any more."""
    from ingest.batch import ingest_files

    settings = Settings(graph_url=f"embedded://{tmp_path / 'twin'}", identity_key="test-identity-key")
    with open_store(settings) as store:
        store.ensure_schema()
        ingest_files(store, settings, catalog=examples / "catalog.yaml", customers=[examples / "customers.jsonl"],
                     events=[examples / "events.jsonl"])
        erase_everywhere(store, settings, "sydney", "ERASE", actor="test:dpo")
        pid = json.loads((tmp_path / "twin" / "server.json").read_text())["pid"]
        os.kill(pid, signal.SIGKILL)
    with open_store(settings) as store:
        assert traces(dump(store)) == []
        assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "alex"}]
        assert store.compact(wait_s=60)
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "twin").rglob("*") if p.is_file())
    assert b"sydney@example.com" not in on_disk
    assert b"waited 40 minutes" not in on_disk


def test_erasure_scrubs_where_ingest_writes_whatever_ingest_names_it(monkeypatch: pytest.MonkeyPatch,
                                                                     store: GraphStore, store_settings: Settings,
                                                                     examples: Path, tmp_path: Path) -> None:
    """The stream key, the rejects-file list and the checkpoint folder are named once, on the ingest side: renamed
    there, erasure still finds what ingest wrote under the new names."""
    import ingest.batch
    import ingest.checkpoint
    import ingest.deadletters
    import ingest.stream
    from ingest.batch import ingest_files
    from ingest.checkpoint import Checkpoints
    from ingest.stream import EventStream, accept_events

    monkeypatch.setattr(ingest.stream, "STREAM_PREFIX", "dtc:renamed-events:")
    monkeypatch.setattr(ingest.batch, "REJECTS_LIST", "renamed-rejects-files.txt")
    monkeypatch.setattr(ingest.checkpoint, "CHECKPOINT_DIR", "renamed-checkpoints")
    monkeypatch.setattr(ingest.deadletters, "DEAD_LETTER_PREFIX", "dtc:renamed-deadletters:")
    hers = {"event_id": "e9", "customer_id": "sydney", "ts": "2024-04-02T10:00:00Z", "channel": "web",
            "touchpoint": "checkout", "type": "view"}
    events = tmp_path / "events.jsonl"
    events.write_text((examples / "events.jsonl").read_text() + json.dumps({**hers, "csat": 9}) + "\n")
    ingest_files(store, store_settings, catalog=examples / "catalog.yaml", customers=[examples / "customers.jsonl"],
                 events=[events])
    stream = EventStream.connect(store, store_settings)
    accept_events(json.dumps(hers).encode(), "application/json", stream)
    buried = buried_fields({"event": json.dumps(hers)}, "1-1", "store_refused: x", 3)
    stream.client.xadd(stream.dead_letters.key, buried)
    checkpoints = Checkpoints(store_settings).dir
    assert stream.dead_letters.key.startswith("dtc:renamed-deadletters:")
    assert stream.key.startswith("dtc:renamed-events:") and checkpoints.name == "renamed-checkpoints"
    assert (store_settings.state_dir / "renamed-rejects-files.txt").exists()
    (checkpoints / "pending.json").write_text(json.dumps({"file": str(events), "pending": [hers]}))

    report = erase_everywhere(store, store_settings, "sydney", "ERASE", actor="test:dpo")

    assert report["elsewhere"] == {"streamEntriesDeleted": 1, "rejectRowsRemoved": 1, "checkpointFilesChanged": 1,
                                   "deadLettersDeleted": 1}
    assert stream.length() == 0 and stream.dead_letters.count() == 0
    assert traces(Path(f"{events}.rejects.jsonl").read_text()) == []
