"""The analytics consent rule (docs/privacy.md): an aggregate counts a customer unless `analytics` is in c.refused.

`Customer.refused` is derived from the consent history by every consent writer: `set_consent` (API, CLI) and the
customer file (ingest). Expected numbers are worked out in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_questions import FRICTION_CUSTOMERS, FRICTION_EVENTS, day
from twin_graph import load_twin, read_jsonl

from graph.analytics.affected import affected_customers
from graph.analytics.friction import friction_to_competitors
from graph.analytics.journey_map import journey_map
from graph.analytics.personas import persona_summaries
from graph.analytics.stakeholders import stakeholder_map
from graph.privacy import latest_consents, set_consent
from graph.settings import Settings
from graph.store import GraphStore
from graph.writer_lock import WriterLock

KEY = b"test-identity-key"

UNLOCKED = WriterLock(None, "tests")  # one writer at a time in these tests


def refused_of(store: GraphStore, customer_id: str) -> Any:
    return store.read("MATCH (c:Customer {id: $id}) RETURN c.refused AS refused", {"id": customer_id})[0]["refused"]


def consent(store: GraphStore, customer_id: str, granted: bool, ts: int) -> None:
    set_consent(store, customer_id, "analytics", granted, actor="test:agent", source="web", subject_key=KEY,
                ts=ts, lock=UNLOCKED)


def summary(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r["friction"], r["exposed"], r["switched"], r["baselineRate"], r["lift"], r["competitors"]) for r in rows]


def test_a_refusal_takes_the_customer_out_of_friction_to_competitors_and_a_later_grant_brings_them_back(
        store: GraphStore) -> None:
    load_twin(store, FRICTION_CUSTOMERS, FRICTION_EVENTS)
    everyone = friction_to_competitors(store, "p")
    assert [(r["friction"], r["exposed"], r["switched"]) for r in everyone] == [("f1", 3, 2), ("f2", 2, 1)]

    # c1 (exposed to f1 on day 2, switched to a on day 10) refuses analytics. Without c1, p's population is
    # c2 c3 c5 c6 c7, switchers c2 c3 c5 c7.
    # f1: exposed c2 c5, switched c5 (b): rate 1/2; baseline c3 c6 c7 -> 2/3; lift 0.75
    # f2: exposed c5 c7, switched c5 (b): rate 1/2; baseline c2 c3 c6 -> 2/3; lift 0.75
    consent(store, "c1", False, day(300))
    assert refused_of(store, "c1") == ["analytics"]
    refused = friction_to_competitors(store, "p")
    assert summary(refused) == [
        ("f1", 2, 1, pytest.approx(2 / 3), pytest.approx(0.75), [{"competitor": "b", "count": 1}]),
        ("f2", 2, 1, pytest.approx(2 / 3), pytest.approx(0.75), [{"competitor": "b", "count": 1}])]
    assert [a["customer"] for a in affected_customers(store, "p", "f1")] == ["c5", "c2"]  # as the row counts them

    # the same numbers as a graph that never held c1
    store.clear()
    load_twin(store, [c for c in FRICTION_CUSTOMERS if c["customer_id"] != "c1"],
              [e for e in FRICTION_EVENTS if e["customer_id"] != "c1"])
    assert friction_to_competitors(store, "p") == refused

    store.clear()
    load_twin(store, FRICTION_CUSTOMERS, FRICTION_EVENTS)
    consent(store, "c1", False, day(300))
    consent(store, "c1", True, day(301))  # a later grant counts again
    assert refused_of(store, "c1") is None
    assert friction_to_competitors(store, "p") == everyone
    consent(store, "c1", False, day(250))  # an old refusal recorded late does not override the newer grant
    assert refused_of(store, "c1") is None
    assert friction_to_competitors(store, "p") == everyone
    assert latest_consents(store, ["c1"]) == {"c1": {"analytics": True}}


def test_set_consent_keeps_refused_sorted_and_per_purpose(store: GraphStore) -> None:
    load_twin(store, [{"customer_id": "k"}], [])
    set_consent(store, "k", "profiling", False, actor="test:agent", source="web", subject_key=KEY,
                ts=day(1), lock=UNLOCKED)
    consent(store, "k", False, day(2))
    assert refused_of(store, "k") == ["analytics", "profiling"]
    # the same customer, purpose and ts: the later-written decision replaces the earlier one
    set_consent(store, "k", "profiling", True, actor="test:agent", source="web", subject_key=KEY,
                ts=day(1), lock=UNLOCKED)
    assert refused_of(store, "k") == ["analytics"]


def write_customers(path: Path, examples: Path, alex_consents: list[dict[str, Any]]) -> Path:
    rows = read_jsonl(examples / "customers.jsonl")
    for row in rows:
        if row["customer_id"] == "alex":
            row["consents"] = alex_consents
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def ingest(store: GraphStore, settings: Settings, examples: Path, customers: Path) -> None:
    from ingest.batch import ingest_files

    ingest_files(store, settings, catalog=examples / "catalog.yaml", customers=[customers],
                 events=[examples / "events.jsonl"])


def test_a_customer_file_refusal_leaves_the_customer_out_of_every_aggregate(
        store: GraphStore, store_settings: Settings, examples: Path, tmp_path: Path) -> None:
    refusing = write_customers(tmp_path / "refusing.jsonl", examples, [
        {"purpose": "analytics", "granted": True, "ts": "2024-01-01T00:00:00Z"},
        {"purpose": "analytics", "granted": False, "ts": "2024-02-01T00:00:00Z"}])
    ingest(store, store_settings, examples, refusing)
    assert refused_of(store, "alex") == ["analytics"]
    assert refused_of(store, "sydney") == ["marketing"]

    # alex was long_wait's only exposed customer (and its switch to glamco): the row goes, sydney's stay
    rows = friction_to_competitors(store, "trend-seeker")
    assert sorted((r["friction"], r["exposed"], r["switched"], r["baselineRate"]) for r in rows) == [
        ("cant_find_product", 1, 0, None), ("colour_mismatch", 1, 0, None)]
    # journey map: sydney's five interactions, one customer per touchpoint (alex's e6 and e7 are left out)
    touchpoints = [t for stage in journey_map(store, "trend-seeker") for t in stage["touchpoints"]]
    assert sum(t["interactions"] for t in touchpoints) == 5 and {t["customers"] for t in touchpoints} == {1}
    assert [(p["code"], p["customers"]) for p in persona_summaries(store, at="2024-04-01T00:00:00Z")] == [
        ("loyal-pro", 0), ("trend-seeker", 1)]
    stakeholders = {r["stakeholder"]: r["switches"] for r in stakeholder_map(store)}
    assert stakeholders == {"salon_ops": 0, "marketing": 0, "digital": 0, "support": 0}  # salon_ops' 1 was alex's
    channels = {r["channel"]: (r["interactions"], r["customers"]) for r in store.run("cx-by-channel", {})}
    assert channels["web"] == (1, 1) and channels["salon"] == (1, 1)  # e2 (sydney) but not e7, e4 but not e6
    hits = {r["friction"]: (r["hits"], r["customers"]) for r in store.run("frictions-by-owner", {})}
    assert hits["long_wait"] == (0, 0) and hits["cant_find_product"] == (1, 1)

    # re-ingesting an older grant does not override the newer refusal; a newer grant does
    older = write_customers(tmp_path / "older.jsonl", examples, [
        {"purpose": "analytics", "granted": True, "ts": "2024-01-15T00:00:00Z"}])
    ingest(store, store_settings, examples, older)
    assert refused_of(store, "alex") == ["analytics"]
    newer = write_customers(tmp_path / "newer.jsonl", examples, [
        {"purpose": "analytics", "granted": True, "ts": "2024-03-01T00:00:00Z"}])
    ingest(store, store_settings, examples, newer)
    assert refused_of(store, "alex") is None
    rows = friction_to_competitors(store, "trend-seeker")
    assert [(r["friction"], r["exposed"], r["switched"]) for r in rows][0] == ("long_wait", 1, 1)
    assert sum(r["switches"] for r in stakeholder_map(store)) == 1


def test_an_identity_merge_carries_a_refusal_to_the_surviving_customer(store: GraphStore, store_settings: Settings,
                                                                       tmp_path: Path) -> None:
    from ingest.batch import ingest_files

    customers = tmp_path / "customers.jsonl"
    customers.write_text(
        json.dumps({"customer_id": "bob", "identities": {"email": "bob@mail.org"}}) + "\n"
        + json.dumps({"customer_id": "zoe", "identities": {"cookie_id": "CK-9"}, "consents": [
            {"purpose": "analytics", "granted": False, "ts": "2024-01-01T00:00:00Z"}]}) + "\n")
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"event_id": "m1", "ts": "2024-02-01T00:00:00Z", "channel": "web",
                                  "touchpoint": "checkout", "type": "view",
                                  "identities": {"email": "bob@mail.org", "cookie_id": "CK-9"}}) + "\n")
    ingest_files(store, store_settings, customers=[customers], events=[events])
    [survivor] = store.read("MATCH (c:Customer) WHERE c.merged_into IS NULL RETURN c.id AS id, c.refused AS refused")
    assert survivor["refused"] == ["analytics"], "the only analytics decision the merged person made is a refusal"
