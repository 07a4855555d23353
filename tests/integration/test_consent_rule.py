"""One rule for "the latest decision per purpose", whoever reads or writes consent: the largest ts wins, an undated
decision is older than any dated one, and at equal ts (or among undated ones) a refusal wins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from intelligence_graph import DAY_MS, DELIVERY_CATALOG, add_events, load_catalog, ms

from graph.actions import next_best_actions
from graph.privacy import consent_id, latest_consents, refused, set_consent
from graph.settings import Settings
from graph.store import GraphStore
from graph.writer_lock import WriterLock
from ingest.batch import ingest_files
from ingest.erasure import erase_everywhere

T0 = ms("2024-04-01T10:00:00Z")
UNLOCKED = WriterLock(None, "tests")  # one writer at a time in these tests


def customer_file(tmp_path: Path, name: str, consents: list[dict[str, Any]]) -> Path:
    path = tmp_path / f"{name}.jsonl"
    path.write_text(json.dumps({"customer_id": "c1", "consents": consents}) + "\n")
    return path


def a_bad_delivery(store: GraphStore) -> None:
    load_catalog(store, DELIVERY_CATALOG)
    add_events(store, [{"event_id": "d1", "customer_id": "c1", "ts": T0, "touchpoint": "doorstep",
                        "type": "delivery", "trigger": "delivery", "experience": "negative"}])


def stored_refusals(store: GraphStore) -> list[str] | None:
    [row] = store.read("MATCH (c:Customer {id: 'c1'}) RETURN c.refused AS refused")
    return row["refused"]  # type: ignore[no-any-return]


def test_an_undated_refusal_keeps_marketing_away_from_next_best_actions(store: GraphStore, store_settings: Settings,
                                                                      tmp_path: Path) -> None:
    a_bad_delivery(store)
    ingest_files(store, store_settings,
                 customers=[customer_file(tmp_path, "undated", [{"purpose": "marketing", "granted": False}])])

    assert stored_refusals(store) == ["marketing"]
    assert latest_consents(store, ["c1"]) == {"c1": {"marketing": False}}
    assert refused(store, "c1", "marketing")
    assert [a.action for a in next_best_actions(store, "c1")] == ["apology_call"]


@pytest.mark.parametrize(("history", "marketing_granted"), [
    ([(None, False), (T0 - DAY_MS, True)], True),  # any dated decision is newer than an undated one
    ([(None, True), (None, False)], False),  # among undated ones a refusal wins
    ([(T0 - DAY_MS, True), (T0 - DAY_MS, False)], False),  # at the same ts a refusal wins
    ([(T0 - 2 * DAY_MS, False), (T0 - DAY_MS, True)], True),  # the largest ts wins
    ([(T0 - DAY_MS, True), (T0 + DAY_MS, False)], True),  # a decision after `at` does not count yet
])
def test_every_reader_sees_the_same_latest_decision(store: GraphStore, history: list[tuple[int | None, bool]],
                                                    marketing_granted: bool) -> None:
    a_bad_delivery(store)
    for n, (ts, granted) in enumerate(history):  # distinct nodes, as after a merge of two customers' histories
        store.write("MATCH (c:Customer {id: 'c1'}) CREATE (c)-[:GAVE]->(:Consent {id: $id, customer_id: 'c1', "
                    "purpose: 'marketing', granted: $granted, ts: $ts})",
                    {"id": f"{consent_id('c1', 'marketing', ts)}#{n}", "granted": granted, "ts": ts})
    at = T0 + 1
    assert latest_consents(store, ["c1"], at=at) == {"c1": {"marketing": marketing_granted}}
    assert refused(store, "c1", "marketing", at=at) is not marketing_granted
    actions = [a.action for a in next_best_actions(store, "c1", at=at)]
    assert actions == (["apology_call", "voucher"] if marketing_granted else ["apology_call"])
    # Customer.refused holds the decision that counts now (the later refusal, in the last case)
    store.write("MATCH (c:Customer {id: 'c1'}) SET c.refused = null")
    set_consent(store, "c1", "personalization", True, actor="test", source="test", subject_key=b"k",
                ts=T0, lock=UNLOCKED)
    now_granted = marketing_granted and history[-1][0] != T0 + DAY_MS
    assert stored_refusals(store) == (None if now_granted else ["marketing"])


def test_consent_ids_are_built_one_way_and_survive_anonymisation_undated(store: GraphStore, store_settings: Settings,
                                                                        tmp_path: Path) -> None:
    ingest_files(store, store_settings,
                 customers=[customer_file(tmp_path, "two", [{"purpose": "marketing", "granted": False},
                                                            {"purpose": "analytics", "granted": True,
                                                             "ts": "2024-04-01T10:00:00Z"}])])
    ids = sorted(r["id"] for r in store.read("MATCH (k:Consent) RETURN k.id AS id"))
    assert ids == sorted([consent_id("c1", "marketing", None), consent_id("c1", "analytics", T0)])

    erase_everywhere(store, store_settings, "c1", "ANONYMIZE", actor="test:dpo")

    [pseudonym] = [r["id"] for r in store.read("MATCH (c:Customer {anonymized: true}) RETURN c.id AS id")]
    ids = sorted(r["id"] for r in store.read("MATCH (k:Consent) RETURN k.id AS id"))
    assert ids == sorted([consent_id(pseudonym, "marketing", None), consent_id(pseudonym, "analytics", T0)])
    assert latest_consents(store, [pseudonym]) == {pseudonym: {"marketing": False, "analytics": True}}
