"""Segment and RudderStack exports (`dtc ingest --format segment`) on the real embedded store: anonymous history that
joins the known customer, groups, consent, idempotence, rejects, and the same graph as the native events."""

from __future__ import annotations

import gzip
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dtc_process import run_dtc
from running_worker import RunningWorker
from segment_converter import PAGE_MAPPING_YAML, convert, write

from graph.analytics.friction import friction_to_competitors
from graph.embedded import EmbeddedServer
from graph.falkordb_store import FalkorDBStore
from graph.fingerprint import fingerprint
from graph.live_state.verify import verify
from graph.privacy import latest_consents
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.generator import generate
from ingest.segment_mapping import load_segment_mapping

DAY = "2024-05-{:02d}T{:02d}:00:00Z"


def at(day: int, hour: int = 10) -> str:
    return DAY.format(day, hour)


@pytest.fixture
def second_store(embedded_server: EmbeddedServer, store: FalkorDBStore) -> Iterator[GraphStore]:
    """Another empty graph on the same server, to build the same twin a second way."""
    other = FalkorDBStore(embedded_server.url, "127.0.0.1", embedded_server.port, f"{store.graph_name}_b")
    other.ensure_schema()
    yield other
    other._graph.delete()
    other.close()


def settings_for(store_settings: Settings, store: GraphStore, tmp_path: Path, name: str) -> Settings:
    from dataclasses import replace

    return replace(store_settings, graph_name=store.graph_name, state_dir_override=str(tmp_path / name))


def write_jsonl(path: Path, messages: list[dict[str, Any]]) -> Path:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as f:
        for message in messages:
            f.write(json.dumps(message) + "\n")
    return path


def visit(kind: str, message_id: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": message_id, "timestamp": when,
            "context": {"library": {"name": "analytics.js"}}, **fields}


def anonymous_then_known() -> list[dict[str, Any]]:
    """A visitor browses anonymously, signs up (identify ties the anonymous id to the user), then buys."""
    return [
        visit("page", "m1", at(1), anonymousId="a-1", properties={"path": "/offers"}),
        visit("track", "m2", at(1, 11), anonymousId="a-1", event="Product Viewed",
              properties={"product_id": "p-1", "path": "/product/p-1"}),
        visit("identify", "m3", at(2), anonymousId="a-1", userId="u-1",
              traits={"email": "ada@example.org", "name": "Ada", "plan": "pro"}),
        visit("track", "m4", at(2, 11), anonymousId="a-1", userId="u-1", event="Order Completed",
              properties={"revenue": 30.0, "currency": "EUR"}),
        visit("page", "m5", at(28), userId="u-1", properties={"path": "/account"}),
    ]


def with_user_from_the_start(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**m, "userId": "u-1"} if m["type"] in ("track", "page", "screen") else m for m in messages]


def customers(store: GraphStore) -> list[dict[str, Any]]:
    return store.read("MATCH (c:Customer) RETURN c.id AS id, c.merged_into AS merged ORDER BY id")


def test_anonymous_history_joins_the_known_customer_as_if_it_carried_the_user_id(
        store: GraphStore, second_store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    messages = anonymous_then_known()
    anonymous_first = write_jsonl(tmp_path / "anonymous.jsonl", messages)
    known_first = write_jsonl(tmp_path / "known.jsonl", with_user_from_the_start(messages))
    report = ingest_files(store, settings_for(store_settings, store, tmp_path, "a"), events=[anonymous_first],
                          segment=load_segment_mapping(None))
    assert (report.read, report.rejected, report.ingested) == (5, 0, 4)  # identify creates no interaction
    ingest_files(second_store, settings_for(store_settings, second_store, tmp_path, "b"), events=[known_first],
                 segment=load_segment_mapping(None))
    assert [c["id"] for c in customers(store)] == ["u-1"]  # the anonymous customer merged away
    assert fingerprint(store) == fingerprint(second_store)
    assert store.stats() == second_store.stats()
    profile = store.read("MATCH (c:Customer {id: 'u-1'}) RETURN c.pii_email AS email, c.pii_name AS name, "
                         "c.attributes AS attributes")[0]
    assert (profile["email"], profile["name"], json.loads(profile["attributes"])) == (
        "ada@example.org", "Ada", {"plan": "pro"})
    kinds = store.read("MATCH (x:Identity)-[:IDENTIFIES]->(:Customer {id: 'u-1'}) RETURN x.kind AS kind ORDER BY kind")
    assert [k["kind"] for k in kinds] == ["anonymous_id", "email"]


def test_any_order_of_the_messages_gives_the_same_twin(
        store: GraphStore, second_store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    messages = anonymous_then_known()
    write_jsonl(tmp_path / "ordered.jsonl", messages)
    ingest_files(store, settings_for(store_settings, store, tmp_path, "a"), events=[tmp_path / "ordered.jsonl"],
                 segment=load_segment_mapping(None))
    rng = random.Random(5)
    for n in range(3):
        shuffled = messages[:]
        rng.shuffle(shuffled)
        second_store.clear()
        path = write_jsonl(tmp_path / f"shuffled{n}.jsonl", shuffled)
        ingest_files(second_store, settings_for(store_settings, second_store, tmp_path, f"b{n}"), events=[path],
                     segment=load_segment_mapping(None), batch_size=2)
        assert fingerprint(second_store) == fingerprint(store), shuffled
        assert second_store.stats() == store.stats(), shuffled


def test_group_makes_a_membership_with_the_account_traits_and_repeating_it_changes_nothing(
        store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    messages = [visit("group", "g1", at(3), userId="u-1", groupId="acme", traits={"name": "Acme", "employees": 50}),
                visit("group", "g2", at(1), userId="u-1", groupId="acme", traits={"name": "Acme Ltd", "plan": "pro"}),
                visit("group", "g3", at(2), anonymousId="a-9", groupId="acme")]
    path = write_jsonl(tmp_path / "groups.jsonl", messages)
    settings = settings_for(store_settings, store, tmp_path, "a")
    ingest_files(store, settings, events=[path], segment=load_segment_mapping(None))
    rows = store.read("MATCH (c:Customer)-[m:MEMBER_OF]->(a:Account) RETURN c.id AS customer, m.since AS since, "
                      "a.id AS account, a.attributes AS attributes ORDER BY customer")
    assert [(r["customer"].startswith("anon-"), r["account"]) for r in rows] == [(True, "acme"), (False, "acme")]
    known = rows[1]
    assert known["since"] == 1714557600000  # the earliest group call: 2024-05-01T10:00Z
    assert json.loads(known["attributes"]) == {"name": "Acme", "employees": 50, "plan": "pro"}  # the latest name
    before = store.stats()
    copy = write_jsonl(tmp_path / "groups-again.jsonl", messages[::-1])
    ingest_files(store, settings, events=[copy], segment=load_segment_mapping(None))
    assert store.stats() == before
    assert store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"] == 0  # group creates no interaction


def test_consent_in_context_is_recorded_only_when_the_decision_changes(
        store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    def consented(message_id: str, when: str, marketing: bool) -> dict[str, Any]:
        return visit("track", message_id, when, userId="u-1", event="Cart Viewed",
                     context={"consent": {"categoryPreferences": {"Advertising": marketing, "Analytics": True}}})

    messages = [consented("c1", at(1), True), consented("c2", at(2), True), consented("c3", at(3), False),
                consented("c4", at(4), False)]
    path = write_jsonl(tmp_path / "consent.jsonl", messages)
    ingest_files(store, settings_for(store_settings, store, tmp_path, "a"), events=[path],
                 segment=load_segment_mapping(None))
    decisions = store.read("MATCH (:Customer {id: 'u-1'})-[:GAVE]->(k:Consent) RETURN k.purpose AS purpose, "
                           "k.granted AS granted, k.ts AS ts ORDER BY ts, purpose")
    assert [(d["purpose"], d["granted"]) for d in decisions] == [
        ("analytics", True), ("marketing", True), ("marketing", False)]
    assert latest_consents(store, ["u-1"])["u-1"] == {"analytics": True, "marketing": False}
    refused = store.read("MATCH (c:Customer {id: 'u-1'}) RETURN c.refused AS refused")[0]["refused"]
    assert refused == ["marketing"]


def test_the_cli_ingests_gzip_exports_rejects_rows_without_time_and_resumes_nothing_twice(
        store_env: dict[str, str], tmp_path: Path) -> None:
    messages = anonymous_then_known()
    undated = {k: v for k, v in visit("track", "m9", at(3), userId="u-1", event="Cart Viewed").items()
               if k != "timestamp"}
    export = write_jsonl(tmp_path / "export.jsonl.gz", [*messages[:2], undated, *messages[2:], {"type": "track"}])
    env = {**store_env, "DTC_STATE_DIR": str(tmp_path / "state")}
    first = run_dtc("ingest", "--format", "segment", "--quiet", str(export), env=env)
    assert first.returncode == 3, first.stderr
    assert "read 7" in first.stdout and "rejected 2" in first.stdout, first.stdout
    rejects = [json.loads(line) for line in (tmp_path / "export.jsonl.gz.rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [3, 7]
    assert rejects[0]["reason"].startswith("no_timestamp") and rejects[0]["event_id"] == "m9"
    again = run_dtc("ingest", "--format", "segment", "--quiet", str(export), env=env)
    assert again.returncode == 3 and "skipped" in again.stdout, again.stdout
    os.replace(export, tmp_path / "renamed.jsonl.gz")
    renamed = run_dtc("ingest", "--format", "segment", "--quiet", str(tmp_path / "renamed.jsonl.gz"), env=env)
    assert "ingested 0" in renamed.stdout, renamed.stdout  # every message id is known: duplicates only


def test_a_message_the_store_refuses_is_rejected_alone_beside_profile_records(
        store: GraphStore, store_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should validation ever let through an event the store cannot write (the NUL rule switched off, so the real
    FalkorDB parser meets the NUL), a Segment export's chunk, profile records and all, loses only that message: it
    is a store_refused reject, and the rest is applied."""
    messages = anonymous_then_known()
    messages[3] = {**messages[3], "properties": {**messages[3]["properties"], "text": "x\x00y"}}
    export = write_jsonl(tmp_path / "export.jsonl", messages)
    monkeypatch.setattr("ingest.contracts.check_characters", lambda obj, errors: None)

    report = ingest_files(store, settings_for(store_settings, store, tmp_path, "state"), events=[export],
                          segment=load_segment_mapping(None))

    assert (report.read, report.rejected, report.exit_code) == (5, 1, 3)
    rejects = [json.loads(line) for line in Path(f"{export}.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["code"], r["event_id"]) for r in rejects] == [(4, "store_refused", "m4")]
    interactions = store.read("MATCH (c:Customer)-[:PERFORMED]->(i:Interaction) RETURN c.id AS customer, i.id AS id "
                              "ORDER BY id")
    assert interactions == [{"customer": "u-1", "id": i} for i in ("m1", "m2", "m5")]


def test_converted_generated_events_give_the_same_twin_as_the_native_ones(
        store: GraphStore, second_store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    generate(tmp_path / "demo", customers=150, seed=3)
    demo = tmp_path / "demo"
    write(convert(demo / "events.jsonl", demo / "customers.jsonl"), tmp_path / "segment.jsonl.gz")
    (tmp_path / "segment.yaml").write_text(PAGE_MAPPING_YAML)
    ingest_files(store, settings_for(store_settings, store, tmp_path, "native"), catalog=demo / "catalog.yaml",
                 customers=[demo / "customers.jsonl"], events=[demo / "events.jsonl"])
    ingest_files(second_store, settings_for(store_settings, second_store, tmp_path, "segment"),
                 catalog=demo / "catalog.yaml", customers=[demo / "customers.jsonl"],
                 events=[tmp_path / "segment.jsonl.gz"], segment=load_segment_mapping(tmp_path / "segment.yaml"))
    assert second_store.stats() == store.stats()
    assert fingerprint(second_store) == fingerprint(store)
    assert verify(second_store) == [], "the Segment file's live state differs from a recount"
    personas = [r["code"] for r in store.read("MATCH (p:Persona) RETURN p.code AS code ORDER BY code")]
    assert personas
    for persona in personas:
        assert friction_to_competitors(second_store, persona) == friction_to_competitors(store, persona), persona


def test_converted_events_posted_to_v1_batch_give_the_same_twin_as_the_native_file(
        store: GraphStore, second_store: GraphStore, store_settings: Settings, worker: RunningWorker,
        tmp_path: Path) -> None:
    """The HTTP path (the HTTP time rule, the door, the stream, the worker) against the native file: equal too."""
    from dataclasses import replace

    from starlette.testclient import TestClient

    from api.app import create_app
    from ingest.doors import open_doors

    generate(tmp_path / "demo", customers=60, seed=5)
    demo = tmp_path / "demo"
    messages = list(convert(demo / "events.jsonl", demo / "customers.jsonl"))
    (tmp_path / "segment.yaml").write_text(PAGE_MAPPING_YAML)
    for target, name in ((store, "http"), (second_store, "native")):
        ingest_files(target, settings_for(store_settings, target, tmp_path, name), catalog=demo / "catalog.yaml",
                     customers=[demo / "customers.jsonl"],
                     events=[demo / "events.jsonl"] if target is second_store else [])
    settings = replace(store_settings, api_keys={"wk": "ingest"}, segment_mapping=str(tmp_path / "segment.yaml"))
    with TestClient(create_app(settings, store, ApiLimits(rate_per_second=0), doors=open_doors),
                    base_url="http://localhost") as client:
        for start in range(0, len(messages), 200):
            r = client.post("/v1/batch", json={"batch": messages[start:start + 200]},
                            headers={"Authorization": "Bearer wk"})
            assert (r.status_code, r.json()) == (200, {"success": True}), r.text
    worker.drain()
    assert store.stats() == second_store.stats()
    assert fingerprint(store) == fingerprint(second_store)
    assert verify(store) == verify(second_store) == [], "a live state differs from its recount"
    for persona in [r["code"] for r in store.read("MATCH (p:Persona) RETURN p.code AS code ORDER BY code")]:
        assert friction_to_competitors(store, persona) == friction_to_competitors(second_store, persona), persona


def test_an_erased_person_stays_erased_whatever_segment_messages_bring_back(
        store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    from ingest.erasure import erase_everywhere

    settings = settings_for(store_settings, store, tmp_path, "a")
    export = write_jsonl(tmp_path / "export.jsonl", anonymous_then_known())
    ingest_files(store, settings, events=[export], segment=load_segment_mapping(None))
    erase_everywhere(store, settings, "u-1", "ERASE", actor="test:dpo")
    assert customers(store) == []
    again = write_jsonl(tmp_path / "again.jsonl", [
        *anonymous_then_known(), visit("group", "g9", at(9), userId="u-1", groupId="acme"),
        visit("identify", "i9", at(9), anonymousId="a-1", traits={"name": "Ada again"})])
    report = ingest_files(store, settings, events=[again], segment=load_segment_mapping(None))
    assert report.ingested == 0 and report.suppressed >= 4
    assert customers(store) == []
    assert store.read("MATCH (n) WHERE n:Account OR n:Interaction OR n:Identity RETURN count(n) AS n")[0]["n"] == 0
